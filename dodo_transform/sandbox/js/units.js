/*
 * CLDR en unit names for Intl.NumberFormat's style "unit" (intl.js), as Node 20 (ICU 78) prints
 * them. Compiled only when a handler creates a unit formatter.
 *
 * UNITS: per unit of Intl.supportedValuesOf("unit"), the text after the number for unitDisplay
 * short (plural one, other), long (one, other) and narrow (one, other). PER: the suffix a
 * compound X-per-Y appends for Y, per width. SPECIAL: the compounds CLDR names themselves.
 * Generated, and checked against Node for all 45 x 45 compounds, by
 * `node tests/tools/gen_unit_data.js` (paste its three lines below).
 *
 * Shape as intl.js: one expression, a function of intl.js's string helpers, evaluated lazily
 * after user code may have patched built-ins: only operators, index access and literals.
 */
(function (StringIndexOf, StringSlice) {
  "use strict";
  const UNITS = { __proto__: null, "acre":[" ac"," ac"," acre"," acres","ac","ac"],"bit":[" bit"," bit"," bit"," bits","bit","bit"],"byte":[" byte"," byte"," byte"," bytes","B","B"],"celsius":["°C","°C"," degree Celsius"," degrees Celsius","°C","°C"],"centimeter":[" cm"," cm"," centimeter"," centimeters","cm","cm"],"day":[" day"," days"," day"," days","d","d"],"degree":[" deg"," deg"," degree"," degrees","°","°"],"fahrenheit":["°F","°F"," degree Fahrenheit"," degrees Fahrenheit","°","°"],"fluid-ounce":[" fl oz"," fl oz"," fluid ounce"," fluid ounces","fl oz","fl oz"],"foot":[" ft"," ft"," foot"," feet","′","′"],"gallon":[" gal"," gal"," gallon"," gallons","gal","gal"],"gigabit":[" Gb"," Gb"," gigabit"," gigabits","Gb","Gb"],"gigabyte":[" GB"," GB"," gigabyte"," gigabytes","GB","GB"],"gram":[" g"," g"," gram"," grams","g","g"],"hectare":[" ha"," ha"," hectare"," hectares","ha","ha"],"hour":[" hr"," hr"," hour"," hours","h","h"],"inch":[" in"," in"," inch"," inches","″","″"],"kilobit":[" kb"," kb"," kilobit"," kilobits","kb","kb"],"kilobyte":[" kB"," kB"," kilobyte"," kilobytes","kB","kB"],"kilogram":[" kg"," kg"," kilogram"," kilograms","kg","kg"],"kilometer":[" km"," km"," kilometer"," kilometers","km","km"],"liter":[" L"," L"," liter"," liters","L","L"],"megabit":[" Mb"," Mb"," megabit"," megabits","Mb","Mb"],"megabyte":[" MB"," MB"," megabyte"," megabytes","MB","MB"],"meter":[" m"," m"," meter"," meters","m","m"],"microsecond":[" μs"," μs"," microsecond"," microseconds","μs","μs"],"mile":[" mi"," mi"," mile"," miles","mi","mi"],"mile-scandinavian":[" smi"," smi"," mile-scandinavian"," miles-scandinavian","smi","smi"],"milliliter":[" mL"," mL"," milliliter"," milliliters","mL","mL"],"millimeter":[" mm"," mm"," millimeter"," millimeters","mm","mm"],"millisecond":[" ms"," ms"," millisecond"," milliseconds","ms","ms"],"minute":[" min"," min"," minute"," minutes","m","m"],"month":[" mth"," mths"," month"," months","m","m"],"nanosecond":[" ns"," ns"," nanosecond"," nanoseconds","ns","ns"],"ounce":[" oz"," oz"," ounce"," ounces","oz","oz"],"percent":["%","%"," percent"," percent","%","%"],"petabyte":[" PB"," PB"," petabyte"," petabytes","PB","PB"],"pound":[" lb"," lb"," pound"," pounds","#","#"],"second":[" sec"," sec"," second"," seconds","s","s"],"stone":[" st"," st"," stone"," stones","st","st"],"terabit":[" Tb"," Tb"," terabit"," terabits","Tb","Tb"],"terabyte":[" TB"," TB"," terabyte"," terabytes","TB","TB"],"week":[" wk"," wks"," week"," weeks","w","w"],"yard":[" yd"," yd"," yard"," yards","yd","yd"],"year":[" yr"," yrs"," year"," years","y","y"]};
  const PER = { __proto__: null, "acre":["/ac"," per acre","/ac"],"bit":["/bit"," per bit","/bit"],"byte":["/byte"," per byte","/B"],"celsius":["/°C"," per degree Celsius","/°C"],"centimeter":["/cm"," per centimeter","/cm"],"day":["/d"," per day","/d"],"degree":["/deg"," per degree","/°"],"fahrenheit":["/°F"," per degree Fahrenheit","/°"],"fluid-ounce":["/fl oz"," per fluid ounce","/fl oz"],"foot":["/ft"," per foot","/ft"],"gallon":["/gal US"," per gallon","/gal"],"gigabit":["/Gb"," per gigabit","/Gb"],"gigabyte":["/GB"," per gigabyte","/GB"],"gram":["/g"," per gram","/g"],"hectare":["/ha"," per hectare","/ha"],"hour":["/h"," per hour","/h"],"inch":["/in"," per inch","/in"],"kilobit":["/kb"," per kilobit","/kb"],"kilobyte":["/kB"," per kilobyte","/kB"],"kilogram":["/kg"," per kilogram","/kg"],"kilometer":["/km"," per kilometer","/km"],"liter":["/L"," per liter","/L"],"megabit":["/Mb"," per megabit","/Mb"],"megabyte":["/MB"," per megabyte","/MB"],"meter":["/m"," per meter","/m"],"microsecond":["/μs"," per microsecond","/μs"],"mile":["/mi"," per mile","/mi"],"mile-scandinavian":["/smi"," per mile-scandinavian","/smi"],"milliliter":["/mL"," per milliliter","/mL"],"millimeter":["/mm"," per millimeter","/mm"],"millisecond":["/ms"," per millisecond","/ms"],"minute":["/min"," per minute","/min"],"month":["/m"," per month","/m"],"nanosecond":["/ns"," per nanosecond","/ns"],"ounce":["/oz"," per ounce","/oz"],"percent":["/%"," per percent","/%"],"petabyte":["/PB"," per petabyte","/PB"],"pound":["/lb"," per pound","/lb"],"second":["/s"," per second","/s"],"stone":["/st"," per stone","/st"],"terabit":["/Tb"," per terabit","/Tb"],"terabyte":["/TB"," per terabyte","/TB"],"week":["/w"," per week","/w"],"yard":["/yd"," per yard","/yd"],"year":["/y"," per year","/y"]};
  const SPECIAL = { __proto__: null, "mile-per-hour":[" mph"," mph"," mile per hour"," miles per hour","mph","mph"],"mile-per-gallon":[" mpg"," mpg"," mile per gallon"," miles per gallon","mpg","mpg"]};
  const WIDTH = { __proto__: null, short: 0, long: 1, narrow: 2 };

  // The text after the number: for a compound, the numerator's (its plural form) and the
  // denominator's "per" suffix. ICU formats a short or narrow percent-per-Y as a plain
  // percent, except in a range or in compact notation (`whole`).
  return function unitSuffix(unit, display, one, whole) {
    const i = WIDTH[display], form = 2 * i + (one ? 0 : 1);
    const special = SPECIAL[unit];
    if (special !== undefined) return special[form];
    const at = StringIndexOf(unit, "-per-");
    if (at === -1) return UNITS[unit][form];
    const x = StringSlice(unit, 0, at), y = StringSlice(unit, at + 5);
    if (x === "percent" && i !== 1 && !whole) return UNITS[x][form];
    return UNITS[x][form] + PER[y][i];
  };
})
