/*
 * en-US / UTC locale formatting for the dodo-transform sandbox, printing what Node 20 prints
 * (V8 11.3 with its bundled ICU 78). QuickJS has no Intl and its toLocale* methods differ from
 * V8, so a handler formatting dates or money would otherwise print something else than in Node.
 *
 * Shape: one expression, a function of P (primordials.js) returning the implementations; the
 * prelude installs stubs that call them with the caller's `this` and arguments. It is
 * evaluated lazily, after user code may have patched built-ins, so it never calls a prototype
 * method or a global the user can reach: only operators, index access, .length, literals,
 * `for` loops (never for-of or spread: they use the patchable Array iterator) and what P
 * captured. Internal lookup tables have a null prototype. It modifies no globals.
 *
 * Whatever we cannot print exactly as Node would (another locale, time zone, calendar,
 * numbering system, unit, the rare era/dayPeriod/fractionalSecondDigits layouts ICU varies...)
 * throws a RangeError naming the option and value: a handler never gets a different string
 * than in Node without being told.
 *
 * The conformance table tests/data/locale_cases.json is regenerated from Node by
 * tests/tools/gen_locale_cases.js; the date patterns below were also checked against Node for
 * every combination of the supported component options and hour cycles; timeZoneName, era,
 * dayPeriod, fractionalSecondDigits and the notations by tests/tools/gen_intl_options_cases.js.
 */
(function (P, load) {
  "use strict";

  // The few built-ins that cannot be written with operators, captured before user code ran
  // (primordials.js). Methods are called through the captured Reflect.apply.
  const ReflectApply = P.ReflectApply, ObjectDefineProperty = P.ObjectDefineProperty, DateNow = P.DateNow;
  const NumberValueOf = (x) => ReflectApply(P.NumberPrototypeValueOf, x, []);
  const BigIntValueOf = (x) => ReflectApply(P.BigIntPrototypeValueOf, x, []);
  const DateValueOf = (x) => ReflectApply(P.DatePrototypeValueOf, x, []);
  const StringSlice = (s, start, end) => ReflectApply(P.StringPrototypeSlice, s, [start, end]);
  const StringIndexOf = (s, search) => ReflectApply(P.StringPrototypeIndexOf, s, [search]);

  // Math and Number helpers, by operators.
  function floor(x) {
    const fraction = x % 1; // exact for doubles
    return fraction === 0 ? x : x - fraction - (x < 0 ? 1 : 0);
  }

  function isFiniteNumber(x) {
    return x - x === 0; // NaN and ±Infinity give NaN
  }

  // --------------------------------------------------------------------------------------
  // Errors. V8 builtins throw with the caller's frame on top of the stack; we trim ours by
  // capturing the stack at the public entry point that is currently running.

  let entryPoint;

  function enter(fn) {
    const saved = entryPoint;
    entryPoint = fn;
    return saved;
  }

  function leave(saved) {
    entryPoint = saved;
  }

  function fail(Ctor, message) {
    const error = new Ctor(message);
    if (entryPoint !== undefined) P.ErrorCaptureStackTrace(error, entryPoint);
    throw error;
  }

  function rangeError(message) {
    fail(P.RangeError, message);
  }

  function typeError(message) {
    fail(P.TypeError, message);
  }

  const SANDBOX = "the dodo-transform sandbox";

  // --------------------------------------------------------------------------------------
  // Small string helpers (no String.prototype methods: the user may have replaced them).

  function repeat(ch, n) {
    let out = "";
    for (let i = 0; i < n; i++) out += ch;
    return out;
  }

  function pad2(n) {
    return n < 10 ? "0" + n : "" + n;
  }

  function padStart(s, width) {
    return s.length >= width ? s : repeat("0", width - s.length) + s;
  }

  function contains(list, value) {
    for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  }

  function split(s, sep) {
    const out = [];
    let start = 0;
    for (let i = 0; i <= s.length; i++) {
      if (i === s.length || s[i] === sep) {
        out[out.length] = StringSlice(s, start, i);
        start = i + 1;
      }
    }
    return out;
  }

  function isAlpha(s) {
    for (let i = 0; i < s.length; i++) if (!((s[i] >= "a" && s[i] <= "z") || (s[i] >= "A" && s[i] <= "Z"))) return false;
    return s.length > 0;
  }

  function isDigits(s) {
    for (let i = 0; i < s.length; i++) if (!(s[i] >= "0" && s[i] <= "9")) return false;
    return s.length > 0;
  }

  function isAlphaNum(s) {
    for (let i = 0; i < s.length; i++) if (!isAlpha(s[i]) && !isDigits(s[i])) return false;
    return s.length > 0;
  }

  // ASCII case mapping (what locale tags, time zone names and currency codes need).
  const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", LOWER = "abcdefghijklmnopqrstuvwxyz";
  const TO_LOWER = { __proto__: null }, TO_UPPER = { __proto__: null };
  for (let i = 0; i < 26; i++) {
    TO_LOWER[UPPER[i]] = LOWER[i];
    TO_UPPER[LOWER[i]] = UPPER[i];
  }

  function mapChars(s, table) {
    let out = "";
    for (let i = 0; i < s.length; i++) {
      const mapped = table[s[i]];
      out += mapped === undefined ? s[i] : mapped;
    }
    return out;
  }

  function toLowerAscii(s) {
    return mapChars(s, TO_LOWER);
  }

  function toUpperAscii(s) {
    return mapChars(s, TO_UPPER);
  }

  // A null-prototype set, so Object.prototype pollution cannot make a lookup succeed.
  function setOf(list) {
    const set = { __proto__: null };
    for (let i = 0; i < list.length; i++) set[list[i]] = true;
    return set;
  }

  function quote(s) {
    return '"' + s + '"';
  }

  // --------------------------------------------------------------------------------------
  // Option bags, as ECMA-402's GetOption / GetNumberOption / CoerceOptionsToObject.

  const NO_OPTIONS = { __proto__: null };

  // CoerceOptionsToObject. A primitive needs no wrapper: reading its properties boxes it.
  function toOptionsObject(options) {
    if (options === undefined) return NO_OPTIONS;
    if (options === null) typeError("Cannot convert undefined or null to object");
    return options;
  }

  function getStringOption(options, name, allowed, fallback, ctorName) {
    let value = options[name];
    if (value === undefined) return fallback;
    value = `${value}`;
    if (allowed !== undefined && !contains(allowed, value)) {
      rangeError(`Value ${value} out of range for ${ctorName} options property ${name}`);
    }
    return value;
  }

  function getBooleanOption(options, name) {
    const value = options[name];
    return value === undefined ? undefined : !!value;
  }

  function defaultNumberOption(value, min, max, fallback, name) {
    if (value === undefined) return fallback;
    value = +value;
    if (value !== value || value < min || value > max) rangeError(`${name} value is out of range.`);
    return floor(value);
  }

  function getNumberOption(options, name, min, max, fallback) {
    return defaultNumberOption(options[name], min, max, fallback, name);
  }

  // calendar / numberingSystem values must match Unicode's `type` production: (3*8alphanum)+
  function isWellFormedType(value) {
    const parts = split(value, "-");
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].length < 3 || parts[i].length > 8 || !isAlphaNum(parts[i])) return false;
    }
    return true;
  }

  // --------------------------------------------------------------------------------------
  // Locales. The sandbox formats en-US only; "en" is accepted too (V8 resolves it to "en" and
  // prints the same strings). Tags are validated and case-canonicalized as V8 does, so that
  // malformed tags still throw V8's RangeError and "EN-us" is "en-US".

  // Returns the canonical form of a BCP 47 tag, or undefined if it is not well-formed.
  function canonicalizeTag(tag) {
    const subtags = split(toLowerAscii(tag), "-");
    let i = 0;
    const language = subtags[i++];
    if (!isAlpha(language) || language.length === 4 || language.length < 2 || language.length > 8) return undefined;
    let out = language;
    if (i < subtags.length && subtags[i].length === 4 && isAlpha(subtags[i])) {
      const script = subtags[i++];
      out += "-" + toUpperAscii(script[0]) + StringSlice(script, 1);
    }
    if (i < subtags.length && ((subtags[i].length === 2 && isAlpha(subtags[i])) || (subtags[i].length === 3 && isDigits(subtags[i])))) {
      out += "-" + toUpperAscii(subtags[i++]);
    }
    const variants = [];
    while (i < subtags.length && isAlphaNum(subtags[i]) &&
           ((subtags[i].length >= 5 && subtags[i].length <= 8) || (subtags[i].length === 4 && isDigits(subtags[i][0])))) {
      if (contains(variants, subtags[i])) return undefined;
      variants[variants.length] = subtags[i];
      out += "-" + subtags[i++];
    }
    const singletons = [];
    while (i < subtags.length) {
      const singleton = subtags[i++];
      if (singleton.length !== 1 || !isAlphaNum(singleton) || contains(singletons, singleton)) return undefined;
      singletons[singletons.length] = singleton;
      const privateUse = singleton === "x";
      let count = 0;
      out += "-" + singleton;
      while (i < subtags.length && (privateUse || subtags[i].length > 1)) {
        const s = subtags[i++];
        if (!isAlphaNum(s) || s.length > 8 || (!privateUse && s.length < 2)) return undefined;
        out += "-" + s;
        count++;
      }
      if (count === 0) return undefined;
    }
    return out;
  }

  // ECMA-402 CanonicalizeLocaleList.
  function canonicalizeLocaleList(locales) {
    const seen = [];
    if (locales === undefined) return seen;
    let list;
    if (typeof locales === "string") {
      list = [locales];
    } else if (locales === null) {
      typeError("Cannot convert undefined or null to object");
    } else if (typeof locales !== "object" && typeof locales !== "function") {
      return seen; // ToObject(5) and the like have no length: no locales
    } else {
      list = locales;
    }
    let length = +list.length;
    length = length > 0 ? floor(length < 9007199254740991 ? length : 9007199254740991) : 0;
    for (let k = 0; k < length; k++) {
      if (!(k in list)) continue;
      const value = list[k];
      if (typeof value !== "string" && (typeof value !== "object" || value === null)) {
        typeError("Language ID should be string or object.");
      }
      const tag = canonicalizeTag(`${value}`);
      if (tag === undefined) rangeError("Incorrect locale information provided"); // V8's words exactly: handlers print e.message
      if (!contains(seen, tag)) seen[seen.length] = tag;
    }
    return seen;
  }

  // The locale V8 would resolve to, if it is one we format; otherwise the problem, reported
  // by the caller once V8's own option validation has had its chance to throw.
  function resolveLocale(requested) {
    if (requested.length === 0) return { locale: "en-US", problem: undefined };
    const first = requested[0];
    if (first === "en-US" || first === "en") return { locale: first, problem: undefined };
    return {
      locale: "en-US",
      problem: `Unsupported locale ${quote(first)}: ${SANDBOX} formats en-US only (pass "en-US" or undefined)`,
    };
  }

  function unsupportedOption(ctorName, name, value, why) {
    rangeError(`Unsupported ${ctorName} option ${name}: ${quote(`${value}`)} (${why})`);
  }

  // --------------------------------------------------------------------------------------
  // Internal slots. A private field stamped onto the instance (through a base constructor
  // that returns the object it is given) cannot be forged or read by user code.

  class Carrier {
    constructor(target) {
      return target;
    }
  }

  class Slots extends Carrier {
    #record;
    constructor(target, record) {
      super(target);
      this.#record = record;
    }
    static read(target) {
      return (typeof target === "object" && target !== null) || typeof target === "function"
        ? (#record in target ? target.#record : undefined)
        : undefined;
    }
  }

  function slotsOf(target, kind, method) {
    const record = Slots.read(target);
    if (record === undefined || record.kind !== kind) {
      typeError(`Method Intl.${kind}.prototype.${method} called on incompatible receiver`);
    }
    return record;
  }

  // ======================================================================================
  // Dates
  // ======================================================================================

  const MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  const MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const MONTHS_NARROW = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"];
  const WEEKDAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const WEEKDAYS_SHORT = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const WEEKDAYS_NARROW = ["S", "M", "T", "W", "T", "F", "S"];

  const MS_PER_DAY = 86400000;

  // Calendar fields of a time value in UTC (proleptic Gregorian), by Howard Hinnant's
  // days-to-civil algorithm: plain arithmetic, so no Date method is involved.
  function utcFields(t) {
    const days = floor(t / MS_PER_DAY);
    let ms = t - days * MS_PER_DAY;
    const z = days + 719468;
    const era = floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
    const mp = floor((5 * doy + 2) / 153);
    const month = mp < 10 ? mp + 2 : mp - 10;
    const hour = floor(ms / 3600000);
    ms -= hour * 3600000;
    const minute = floor(ms / 60000);
    ms -= minute * 60000;
    return {
      year: yoe + era * 400 + (month <= 1 ? 1 : 0),
      month: month,
      day: doy - floor((153 * mp + 2) / 5) + 1,
      weekday: ((days % 7) + 11) % 7, // 1970-01-01 was a Thursday (4)
      hour: hour,
      minute: minute,
      second: floor(ms / 1000),
      millisecond: ms % 1000,
    };
  }

  // ---- Patterns ------------------------------------------------------------------------
  // Patterns use ICU's syntax: runs of a letter are fields, '...' is quoted literal text.
  // They are spelled exactly as ICU builds them because V8's resolvedOptions() searches the
  // raw pattern text (quoted words included) for field letters, and we must report the same.

  const NNBSP = "\u202f"; // ICU puts U+202F before AM/PM; V8's format() turns it into " "

  const FIELD_TYPES = {
    __proto__: null,
    y: "year", M: "month", L: "month", d: "day", E: "weekday", c: "weekday",
    h: "hour", H: "hour", k: "hour", K: "hour", m: "minute", s: "second",
    a: "dayPeriod", z: "timeZoneName", O: "timeZoneName", v: "timeZoneName",
    S: "fractionalSecond", G: "era", B: "dayPeriod",
  };

  const compiledPatterns = { __proto__: null };

  // Pattern text -> list of { field, width } and { literal, plain } tokens; cached.
  function compilePattern(pattern) {
    let tokens = compiledPatterns[pattern];
    if (tokens !== undefined) return tokens;
    tokens = [];
    let literal = "";
    let i = 0;
    while (i < pattern.length) {
      const ch = pattern[i];
      if (ch === "'") {
        let j = i + 1;
        while (j < pattern.length && pattern[j] !== "'") literal += pattern[j++];
        if (j === i + 1) literal += "'";
        i = j + 1;
      } else if (FIELD_TYPES[ch] !== undefined) {
        let j = i;
        while (j < pattern.length && pattern[j] === ch) j++;
        if (literal !== "") tokens[tokens.length] = literalToken(literal);
        literal = "";
        tokens[tokens.length] = { literal: undefined, plain: undefined, field: ch, width: j - i };
        i = j;
      } else {
        literal += ch;
        i++;
      }
    }
    if (literal !== "") tokens[tokens.length] = literalToken(literal);
    compiledPatterns[pattern] = tokens;
    return tokens;
  }

  function literalToken(text) {
    let plain = "";
    for (let i = 0; i < text.length; i++) plain += text[i] === NNBSP ? " " : text[i];
    return { literal: text, plain: plain, field: undefined, width: 0 };
  }

  function fieldText(letter, width, f, record) {
    switch (letter) {
      case "y": {
        const eraYear = f.year > 0 ? f.year : 1 - f.year; // no era field: 1 BC prints as 1
        return width === 2 ? pad2(eraYear % 100) : "" + eraYear;
      }
      case "M":
      case "L":
        if (width === 1) return "" + (f.month + 1);
        if (width === 2) return pad2(f.month + 1);
        return width === 3 ? MONTHS_SHORT[f.month] : width === 4 ? MONTHS_LONG[f.month] : MONTHS_NARROW[f.month];
      case "d":
        return width === 2 ? pad2(f.day) : "" + f.day;
      case "E":
      case "c":
        return width <= 3 ? WEEKDAYS_SHORT[f.weekday] : width === 4 ? WEEKDAYS_LONG[f.weekday] : WEEKDAYS_NARROW[f.weekday];
      case "a":
        return f.hour < 12 ? "AM" : "PM";
      case "z":
        if (f.zone !== undefined) return width === 4 ? f.zone.long : f.zone.short;
        return width === 4 ? record.zoneLong : record.zoneShort;
      case "B": {
        // en's flexible day periods; noon only when the minutes and seconds shown are zero.
        const h = f.hour;
        if (h === 12 && (!record.showsMinute || f.minute === 0) && (!record.showsSecond || f.second === 0)) return width === 5 ? "n" : "noon";
        return h < 12 ? "in the morning" : h < 18 ? "in the afternoon" : h < 21 ? "in the evening" : "at night";
      }
      case "G":
        if (f.year > 0) return width === 4 ? "Anno Domini" : width === 5 ? "A" : "AD";
        return width === 4 ? "Before Christ" : width === 5 ? "B" : "BC";
      case "S": // ICU truncates the milliseconds to the digits asked for
        return StringSlice("" + (1000 + f.millisecond), 1, 1 + width);
      case "O":
        if (f.zone !== undefined) return width === 4 ? f.zone.longOffset : f.zone.shortOffset;
        return width === 4 ? "GMT+00:00" : "GMT+0";
      case "v": // ICU has a generic name for Greenwich only; UTC's falls back to the offset
        if (f.zone !== undefined) {
          const name = width === 4 ? f.zone.longGeneric : f.zone.shortGeneric;
          if (name === undefined) {
            unsupportedOption(DTF, "timeZoneName", width === 4 ? "longGeneric" : "shortGeneric",
              `not supported by ${SANDBOX} for ${record.tz.id} after 2099, where ICU's generic name follows two zones' rules; use "short" or "long"`);
          }
          return name;
        }
        if (record.zoneShort === "GMT") return width === 4 ? record.zoneLong : "GMT";
        return width === 4 ? "GMT+00:00" : "GMT+0";
      default: {
        let n;
        if (letter === "h") n = f.hour % 12 === 0 ? 12 : f.hour % 12;
        else if (letter === "K") n = f.hour % 12;
        else if (letter === "k") n = f.hour === 0 ? 24 : f.hour;
        else n = letter === "H" ? f.hour : letter === "m" ? f.minute : f.second;
        return width === 2 ? pad2(n) : "" + n;
      }
    }
  }

  const GMT_BEFORE_1970 = {
    offset: 0, short: "GMT+0", long: "GMT+00:00", shortGeneric: "GMT+0", longGeneric: "GMT+00:00",
    shortOffset: "GMT+0", longOffset: "GMT+00:00",
  };

  // The calendar fields shown for time value t: UTC's, or (an explicit zone, tz.js) the local
  // time's, with the zone's period (offset and names) as f.zone.
  function fieldsAt(record, t) {
    if (record.tz === undefined) {
      const f = utcFields(t);
      // ICU maps Greenwich to its metazone from 1970 on only: before, with no metazone, its
      // specific and generic names fall back to the localized GMT format.
      if (t < 0 && record.zoneShort === "GMT") f.zone = GMT_BEFORE_1970;
      return f;
    }
    const period = record.tz.period(t);
    const f = utcFields(t + period.offset);
    f.zone = period;
    return f;
  }

  // Formats time value t; also fills `parts` (formatToParts) when given one.
  function formatDate(record, t, parts) {
    const f = fieldsAt(record, t);
    const tokens = record.tokens;
    let out = "";
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.literal !== undefined) {
        out += token.plain;
        if (parts !== undefined) parts[parts.length] = { type: "literal", value: token.literal };
      } else {
        const text = fieldText(token.field, token.width, f, record);
        out += text;
        if (parts !== undefined) parts[parts.length] = { type: FIELD_TYPES[token.field], value: text };
      }
    }
    return out;
  }

  // ---- From options to a pattern --------------------------------------------------------
  // ICU's DateTimePatternGenerator picks the closest en "availableFormats" entry for the
  // requested fields and appends missing fields as "(name: value)". We reproduce its results
  // for en-US: every combination of the supported options was compared against Node 20.

  function appendItem(pattern, name, fieldPattern) {
    return pattern + " ('" + name + "': " + fieldPattern + ")";
  }

  // Weekday/year/month/day part. o holds the resolved option values.
  function datePattern(o) {
    const y = o.year === undefined ? "" : o.year === "2-digit" ? "yy" : "y";
    const d = o.day === undefined ? "" : o.day === "2-digit" ? "dd" : "d";
    const E = o.weekday === undefined ? "" : o.weekday === "short" ? "EEE" : o.weekday === "long" ? "EEEE" : "EEEEE";
    const M = o.month === undefined ? "" : MONTH_WIDTH[o.month];
    const text = M.length >= 3;
    let core; // the pattern without the weekday
    if (M !== "" && d !== "" && y !== "") core = text ? M + " " + d + ", " + y : M + "/" + d + "/" + y;
    else if (M !== "" && d !== "") core = text ? M + " " + d : M + "/" + d;
    else if (M !== "" && y !== "") core = text ? M + " " + y : M + "/" + y;
    else if (y !== "" && d !== "") {
      if (E !== "") core = d + " " + E + " " + y;
      else core = y === "yy" && d === "d" ? "d yy" : appendItem(y, "day", d);
      return core;
    } else core = M + d + y;
    if (E === "") return core;
    if (M !== "" && d !== "") return E + ", " + core;
    if (M !== "" && y === "") {
      // ICU finds no weekday+month format for these widths and appends the month.
      if ((E === "EEE" && M !== "M" && M !== "MMM") || (E === "EEEE" && M === "MMMMM")) return appendItem(E, "month", M);
      return M + " " + E;
    }
    if (M !== "") return core + " " + E;
    if (d !== "") return d + " " + E;
    if (y !== "") return y === "yy" && E === "EEE" ? E + " yy" : y + " " + E;
    return E;
  }

  const MONTH_WIDTH = { __proto__: null, numeric: "M", "2-digit": "MM", short: "MMM", long: "MMMM", narrow: "MMMMM" };

  const DAY_PERIOD_LETTERS = { __proto__: null, narrow: "BBBBB", short: "B", long: "BBBB" };

  // What follows a 12-hour hour: AM/PM, or the dayPeriod asked for (after a plain space, or
  // after AM/PM's U+202F where ICU started from a pattern with a zone).
  function meridiem(o) {
    if (o.dayPeriod === undefined) return NNBSP + "a";
    return (o.timeZoneName === undefined ? " " : NNBSP) + DAY_PERIOD_LETTERS[o.dayPeriod];
  }

  // Hour/minute/second part, for hour cycle hc (h11/h12/h23/h24).
  function timePattern(o, hc) {
    const hasMinute = o.minute !== undefined, hasSecond = o.second !== undefined;
    if (o.hour === undefined) {
      if (hasMinute && hasSecond) return "mm:ss";
      return hasMinute ? "m" : hasSecond ? "s" : "";
    }
    if (hc === "h11" || hc === "h12") {
      const letter = hc === "h11" ? "K" : "h";
      const h = o.hour === "2-digit" ? letter + letter : letter;
      const a = meridiem(o);
      if (hasMinute) return h + (hasSecond ? ":mm:ss" : ":mm") + a;
      return hasSecond ? appendItem(h + a, "second", "s") : h + a;
    }
    // 24-hour cycles always come out two-digit in en-US.
    const hh = hc === "h23" ? "HH" : "kk";
    if (hasMinute) return hh + (hasSecond ? ":mm:ss" : ":mm");
    if (!hasSecond) return hh;
    return hc === "h23" && !(o.hour === "2-digit" && o.second === "numeric")
      ? appendItem(hh, "second", "s")
      : appendItem("s", "hour", hh);
  }

  // ICU's pattern letters for each timeZoneName style.
  const ZONE_LETTERS = {
    __proto__: null,
    short: "z", long: "zzzz", shortOffset: "O", longOffset: "OOOO", shortGeneric: "v", longGeneric: "vvvv",
  };

  // The zone goes after the time, before any "(name: value)" item ICU appended; a lone 24-hour
  // hour gets ICU's "HH'h' z" form.
  function timeWithZone(time, zone) {
    const at = StringIndexOf(time, " ('");
    const base = at === -1 ? time : StringSlice(time, 0, at);
    const rest = at === -1 ? "" : StringSlice(time, at);
    const glue = base === "HH" || base === "kk" ? "'h' " : " ";
    return base + glue + zone + rest;
  }

  // The time part with fractionalSecondDigits, as ICU's pattern generator builds it in en:
  // a minute brings its second along, an hour with a minute too; an hour alone gets the
  // fraction as an item ICU has no name for ("F14"); an hour with a second but no minute
  // depends on widths and digits in ways not reproduced here, so it is refused. zone is the
  // zone letters or "".
  function fractionTimePattern(o, hc, zone) {
    const S = repeat("S", o.fractionalSecondDigits);
    const z = zone === "" ? "" : " " + zone;
    // With one digit, ICU matches a two-digit second (no hour, no minute) or a two-digit
    // 24-hour hour (no minute) to an entry without the fraction, and appends the field.
    if (o.fractionalSecondDigits === 1 && o.minute === undefined) {
      if (o.hour === undefined && o.second === "2-digit") return "S ('second': s)";
      if (o.hour === "2-digit" && hc === "h23" && zone === "") return "S ('hour': HH)";
    }
    if (o.hour === undefined) return (o.minute !== undefined ? "mm:ss." : o.second !== undefined ? "s." : "") + S + z;
    const twelveHour = hc === "h11" || hc === "h12";
    let h;
    if (twelveHour) h = (hc === "h11" ? "K" : "h") + (o.hour === "2-digit" ? (hc === "h11" ? "K" : "h") : "");
    else h = hc === "h23" ? "HH" : "kk";
    if (o.minute !== undefined) return h + ":mm:ss." + S + (twelveHour ? meridiem(o) : "") + z;
    // An hour alone (with a second but no minute is refused: ICU's choice there varies).
    if (hc === "h24" && zone === "") return S + " ('hour': " + h + ")";
    return h + (twelveHour ? meridiem(o) + z : zone !== "" ? "'h'" + z : "") + " \u251cF14: " + S + "\u2524";
  }

  // A generic zone name beside a minute, second or fraction without an hour: where ICU's
  // pattern generator finds en's "v" nearer than the time fields, it appends them to it
  // (checked against Node for every such combination); undefined elsewhere, where the zone
  // follows the time as a specific name does.
  function genericTimePattern(o, zone) {
    const m = o.minute, sec = o.second, f = o.fractionalSecondDigits;
    if (m === undefined && sec === undefined && f !== undefined && (zone === "v" ? f >= 2 : f === 3)) {
      return zone + " \u251c'F14': " + repeat("S", f) + "\u2524";
    }
    if (zone !== "v") return undefined;
    if (m === undefined && sec === "2-digit") return f === 1 ? "S v" : appendItem("v", "second", "s");
    if (m === "2-digit" && sec === undefined && f === undefined) return appendItem("v", "minute", "m");
    return undefined;
  }

  // The pattern text V8 finds the components in, where it is not the pattern itself: where
  // ICU appends the second, its text has "second" unquoted (so V8 reports a day too); a
  // 24-hour hour without a minute is reported "numeric".
  function fractionSearchPattern(pattern, o, hc) {
    let out = StringIndexOf(pattern, "'second'") !== -1 ? pattern + "d" : pattern;
    const at = StringIndexOf(out, "kk");
    if (hc === "h24" && o.minute === undefined && at !== -1) out = StringSlice(out, 0, at) + StringSlice(out, at + 1);
    return out;
  }

  const ERA_LETTERS = { __proto__: null, long: "GGGG", short: "GGG", narrow: "GGGGG" };

  // ICU's date patterns for an era beside the date fields eraDate does not lay out (a
  // weekday, a month without a day and a year, a day without a month and a numeric year):
  // its pattern generator picks them by distances whose ties follow its table order, so they
  // come from Node (`node tests/tools/gen_era_patterns.js` prints these two lines). Each field
  // is one letter in a template, laid out at the width asked for.
  // BEGIN ERA PATTERNS
  const ERA_TEMPLATES = "d G|M G|G ('month': M)|y G ('day': d)|G E|d E G|y G E|y G ('day': d E)|M/y G E|M y G E|d E y G|E G|M E|E ('month': M)|G ('day': d)";
  const ERA_TABLE = ".001..1..2..1..1.....................33...............4551..1..2..1..1..6778..8..9..9..9..6a78..8..9..9..9..b55c..d..b..c..d..6aa8..8..9..9..9..6aa8..8..9..9..9..b55c..c..b..c..c..6a78..8..9..9..9..6aa8..8..9..9..9...ee2..2..2..2..2.....................33...............4552..2..2..2..2..6778..8..9..9..9..6778..8..9..9..9..4552..4..4..2..4..6778..8..9..9..9..6a78..8..9..9..9..4552..2..4..2..2..6778..8..9..9..9..6778..8..9..9..9...0e1..2..2..1..2.....................33...............4551..2..2..1..2..6778..8..9..9..9..6778..8..9..9..9..b55c..b..b..c..b..6a78..8..9..9..9..6aa8..8..9..9..9..4551..2..4..1..2..6778..8..9..9..9..6a78..8..9..9..9..";
  // END ERA PATTERNS
  const ERA_WIDTHS = ["narrow", "short", "long"];
  const OPTIONAL_WIDTHS = [undefined, "narrow", "short", "long"];
  const OPTIONAL_NUMERIC = [undefined, "numeric", "2-digit"];
  const OPTIONAL_MONTHS = [undefined, "numeric", "2-digit", "narrow", "short", "long"];
  let eraTemplates;

  function indexOf(list, value) {
    for (let i = 0; i < list.length; i++) if (list[i] === value) return i;
    return -1;
  }

  // The era date pattern from ERA_TABLE for o, or undefined where eraDate applies.
  function eraTablePattern(o) {
    const at = (((indexOf(ERA_WIDTHS, o.era) * 4 + indexOf(OPTIONAL_WIDTHS, o.weekday)) * 3 + indexOf(OPTIONAL_NUMERIC, o.year)) * 6 +
      indexOf(OPTIONAL_MONTHS, o.month)) * 3 + indexOf(OPTIONAL_NUMERIC, o.day);
    const code = ERA_TABLE[at];
    if (code === ".") return undefined;
    if (eraTemplates === undefined) eraTemplates = split(ERA_TEMPLATES, "|");
    const template = eraTemplates[code <= "9" ? +code : 10 + StringIndexOf("abcdefghijklmnopqrstuvwxyz", code)];
    const widths = {
      __proto__: null,
      G: ERA_LETTERS[o.era],
      E: o.weekday === "short" ? "EEE" : o.weekday === "long" ? "EEEE" : "EEEEE",
      y: o.year === "2-digit" ? "yy" : "y",
      M: o.month === undefined ? "" : MONTH_WIDTH[o.month],
      d: o.day === "2-digit" ? "dd" : "d",
    };
    let out = "", quoted = false;
    for (let i = 0; i < template.length; i++) {
      const ch = template[i];
      if (ch === "'") quoted = !quoted;
      out += !quoted && widths[ch] !== undefined ? widths[ch] : ch;
    }
    return out;
  }

  // ICU puts the era after a date with a month and a day, or with a year and no weekday
  // (before an appended "(day: d)"), and alone before a time. Other dates with an era are
  // refused (createDateTimeFormat): ICU's layout for them varies with the widths.
  function eraDate(date, era) {
    if (date === "") return era;
    const at = StringIndexOf(date, " ('");
    return at === -1 ? date + " " + era : StringSlice(date, 0, at) + " " + era + StringSlice(date, at);
  }

  // pattern with each unquoted `from` letter replaced by `to`.
  function mapUnquotedLetter(pattern, from, to) {
    let out = "", quoted = false;
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch === "'") quoted = !quoted;
      out += !quoted && ch === from ? to : ch;
    }
    return out;
  }

  function componentsPattern(o, hc) {
    if (o.dayPeriod !== undefined && o.hour === undefined &&
        (o.minute !== undefined || o.second !== undefined || o.fractionalSecondDigits !== undefined || o.timeZoneName !== undefined)) {
      // ICU lays the rest out without the day period, which it then appends as a field it
      // has no en append format for ("├AM/PM: …┤"), or drops where a zone follows a time.
      const rest = { __proto__: null };
      for (const key in o) rest[key] = o[key];
      rest.dayPeriod = undefined;
      let pattern = componentsPattern(rest, hc);
      if (StringIndexOf(pattern, "('second'") !== -1 ||
          (o.timeZoneName !== undefined && (o.minute !== undefined || o.second !== undefined || o.fractionalSecondDigits !== undefined))) {
        return pattern;
      }
      // A month without a day or year is en's stand-alone "L" form (same text), so V8's
      // search of the pattern for a month finds the "M" of "AM/PM" and reports it "numeric".
      if (o.month !== undefined && o.day === undefined && o.year === undefined) {
        pattern = mapUnquotedLetter(pattern, "M", "L");
      }
      return pattern + " \u251c'AM/PM': " + DAY_PERIOD_LETTERS[o.dayPeriod] + "\u2524";
    }
    let date = o.era === undefined ? undefined : eraTablePattern(o);
    if (date === undefined) {
      date = datePattern(o);
      if (o.era !== undefined) date = eraDate(date, ERA_LETTERS[o.era]);
    }
    const zone = o.timeZoneName === undefined ? "" : ZONE_LETTERS[o.timeZoneName];
    let time = o.hour === undefined && zone[0] === "v" ? genericTimePattern(o, zone) : undefined;
    if (time !== undefined) {
      // (laid out by genericTimePattern)
    } else if (o.fractionalSecondDigits !== undefined) time = fractionTimePattern(o, hc, zone);
    else if (o.dayPeriod !== undefined && o.hour === undefined) {
      // A day period without an hour stands where the time would.
      time = DAY_PERIOD_LETTERS[o.dayPeriod];
      return date === "" ? time : date + (o.month === "long" ? " 'at' " : ", ") + time;
    } else if (zone !== "" && hc === "h23" && o.hour !== undefined && o.minute === undefined && o.second !== undefined) {
      // en's "Hv" format ("HH'h' v") with the second appended.
      time = appendItem("HH'h' " + zone, "second", "s");
    } else {
      time = timePattern(o, hc);
      if (zone !== "") {
        if (time !== "") time = timeWithZone(time, zone);
        else return date === "" ? zone : date + (o.month === "long" ? " 'at' " : ", ") + zone;
      }
    }
    if (date === "" || time === "") return date + time;
    if (o.fractionalSecondDigits !== undefined && o.hour === undefined) return date + (o.month === "long" ? " 'at' " : ", ") + time;
    // en has "E h:mm a", "E h a", "E HH:mm" formats (no "E HH"): there a bare weekday joins
    // the time with a space. None of them has a zone.
    const twelveHour = hc === "h11" || hc === "h12";
    if (zone === "" && o.fractionalSecondDigits === undefined && o.era === undefined && o.year === undefined && o.month === undefined && o.day === undefined && o.hour !== undefined &&
        (o.minute !== undefined || (o.second === undefined && twelveHour))) {
      return date + " " + time;
    }
    // The date-time glue follows the month width: long months use "{date} 'at' {time}".
    return date + (o.month === "long" ? " 'at' " : ", ") + time;
  }

  const DATE_STYLES = { __proto__: null, full: "EEEE, MMMM d, y", long: "MMMM d, y", medium: "MMM d, y", short: "M/d/yy" };

  function stylePattern(dateStyle, timeStyle, hc) {
    let time = "";
    if (timeStyle !== undefined) {
      const seconds = timeStyle !== "short" ? ":ss" : "";
      const zone = timeStyle === "full" ? " zzzz" : timeStyle === "long" ? " z" : "";
      if (hc === "h11" || hc === "h12") time = (hc === "h11" ? "K" : "h") + ":mm" + seconds + NNBSP + "a" + zone;
      else time = (hc === "h23" ? "HH" : "kk") + ":mm" + seconds + zone;
    }
    if (dateStyle === undefined) return time;
    const date = DATE_STYLES[dateStyle];
    if (time === "") return date;
    return date + (dateStyle === "full" || dateStyle === "long" ? " 'at' " : ", ") + time;
  }

  // ---- Options -> DateTimeFormat record --------------------------------------------------

  const DTF = "Intl.DateTimeFormat";
  const WIDTHS = ["narrow", "short", "long"];
  const NUMERIC = ["2-digit", "numeric"];
  const STYLES = ["full", "long", "medium", "short"];
  // Component options in the order ECMA-402 reads them.
  const COMPONENTS = [
    ["weekday", WIDTHS], ["era", WIDTHS], ["year", NUMERIC],
    ["month", ["2-digit", "numeric", "narrow", "short", "long"]], ["day", NUMERIC],
    ["dayPeriod", WIDTHS], ["hour", NUMERIC], ["minute", NUMERIC], ["second", NUMERIC],
    ["fractionalSecondDigits", undefined],
    ["timeZoneName", ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"]],
  ];
  const DATE_FIELDS = ["weekday", "year", "month", "day"];
  const TIME_FIELDS = ["dayPeriod", "hour", "minute", "second", "fractionalSecondDigits"];

  // Zones other than UTC (tz.js, compiled on first use): the zone for a lower-cased id. The
  // host hands tz.js in for handlers whose text names timeZone (sources.named_sources).
  let zoneOf = null;
  function findZone(lowerId, id) {
    if (zoneOf === null) {
      let make;
      try {
        make = load("tz");
      } catch (e) {
        rangeError(`Intl.DateTimeFormat: ${SANDBOX} loads its time-zone data (for timeZone ${quote(id)}) for handlers whose text names timeZone; write the option's name out`);
      }
      zoneOf = make(toLowerAscii);
    }
    return zoneOf(lowerId);
  }

  // Zone names V8 accepts for UTC (case-insensitively); all resolve to "UTC", and a few
  // print as GMT.
  const UTC_ZONES = {
    __proto__: null,
    "utc": "UTC", "etc/utc": "UTC", "etc/gmt": "UTC", "gmt": "UTC", "etc/uct": "UTC", "uct": "UTC",
    "etc/universal": "UTC", "universal": "UTC", "etc/zulu": "UTC", "zulu": "UTC", "gmt0": "UTC",
    "gmt+0": "UTC", "gmt-0": "UTC",
    "etc/greenwich": "GMT", "greenwich": "GMT", "etc/gmt0": "GMT", "etc/gmt+0": "GMT", "etc/gmt-0": "GMT",
  };

  // V8's resolvedOptions() reports each component found in the pattern by these substrings.
  const PATTERN_ITEMS = [
    ["weekday", [["EEEEE", "narrow"], ["EEEE", "long"], ["EEE", "short"], ["ccccc", "narrow"], ["cccc", "long"], ["ccc", "short"]]],
    ["era", [["GGGGG", "narrow"], ["GGGG", "long"], ["GGG", "short"]]],
    ["year", [["yy", "2-digit"], ["y", "numeric"]]],
    ["month", [["MMMMM", "narrow"], ["MMMM", "long"], ["MMM", "short"], ["MM", "2-digit"], ["M", "numeric"],
      ["LLLLL", "narrow"], ["LLLL", "long"], ["LLL", "short"], ["LL", "2-digit"], ["L", "numeric"]]],
    ["day", [["dd", "2-digit"], ["d", "numeric"]]],
    ["dayPeriod", [["BBBBB", "narrow"], ["bbbbb", "narrow"], ["BBBB", "long"], ["bbbb", "long"], ["B", "short"], ["b", "short"]]],
    ["hour", [["HH", "2-digit"], ["H", "numeric"], ["hh", "2-digit"], ["h", "numeric"], ["kk", "2-digit"], ["k", "numeric"],
      ["KK", "2-digit"], ["K", "numeric"]]],
    ["minute", [["mm", "2-digit"], ["m", "numeric"]]],
    ["second", [["ss", "2-digit"], ["s", "numeric"]]],
    ["fractionalSecondDigits", [["SSS", 3], ["SS", 2], ["S", 1]]],
    ["timeZoneName", [["zzzz", "long"], ["z", "short"], ["OOOO", "longOffset"], ["O", "shortOffset"], ["vvvv", "longGeneric"],
      ["v", "shortGeneric"]]],
  ];

  // ECMA-402 (2022) ToDateTimeOptions + InitializeDateTimeFormat, as V8 11.3 implements them.
  // required: "date" | "time" | "any"; defaults: "date" | "time" | "all".
  function createDateTimeFormat(locales, options, required, defaults) {
    const requested = canonicalizeLocaleList(locales);
    options = toOptionsObject(options);

    // ToDateTimeOptions: which defaults to add, and the style/method conflicts.
    let needDefaults = true;
    if (required !== "time") for (let i = 0; i < DATE_FIELDS.length; i++) if (options[DATE_FIELDS[i]] !== undefined) needDefaults = false;
    if (required !== "date") for (let i = 0; i < TIME_FIELDS.length; i++) if (options[TIME_FIELDS[i]] !== undefined) needDefaults = false;
    const rawDateStyle = options.dateStyle, rawTimeStyle = options.timeStyle;
    if (rawDateStyle !== undefined || rawTimeStyle !== undefined) needDefaults = false;
    if (required === "date" && rawTimeStyle !== undefined) typeError("Invalid option : timeStyle");
    if (required === "time" && rawDateStyle !== undefined) typeError("Invalid option : dateStyle");
    const addDate = needDefaults && defaults !== "time";
    const addTime = needDefaults && defaults !== "date";

    getStringOption(options, "localeMatcher", ["lookup", "best fit"], "best fit", DTF);
    const calendar = getStringOption(options, "calendar", undefined, undefined, DTF);
    if (calendar !== undefined && !isWellFormedType(calendar)) rangeError(`Invalid calendar : ${calendar}`);
    const numberingSystem = getStringOption(options, "numberingSystem", undefined, undefined, DTF);
    if (numberingSystem !== undefined && !isWellFormedType(numberingSystem)) rangeError(`Invalid numberingSystem : ${numberingSystem}`);
    const hour12 = getBooleanOption(options, "hour12");
    let hourCycle = getStringOption(options, "hourCycle", ["h11", "h12", "h23", "h24"], undefined, DTF);
    if (hour12 !== undefined) hourCycle = undefined;
    const resolved = resolveLocale(requested);

    let timeZone = options.timeZone;
    let zone = "UTC", tz;
    if (timeZone !== undefined) {
      timeZone = `${timeZone}`;
      const lower = toLowerAscii(timeZone);
      zone = UTC_ZONES[lower];
      if (zone === undefined) {
        tz = findZone(lower, timeZone);
        if (tz === undefined) rangeError(`Invalid time zone specified: ${timeZone}`);
      }
    }

    const o = { __proto__: null };
    let explicit; // first component given explicitly (conflicts with dateStyle/timeStyle)
    for (let i = 0; i < COMPONENTS.length; i++) {
      const name = COMPONENTS[i][0];
      let value;
      if (name === "fractionalSecondDigits") value = getNumberOption(options, name, 1, 3, undefined);
      else value = getStringOption(options, name, COMPONENTS[i][1], undefined, DTF);
      if (value === undefined && ((addDate && (name === "year" || name === "month" || name === "day")) ||
          (addTime && (name === "hour" || name === "minute" || name === "second")))) {
        value = "numeric";
      } else if (value !== undefined && explicit === undefined) {
        explicit = name;
      }
      o[name] = value;
    }
    getStringOption(options, "formatMatcher", ["basic", "best fit"], "best fit", DTF);
    const dateStyle = getStringOption(options, "dateStyle", STYLES, undefined, DTF);
    const timeStyle = getStringOption(options, "timeStyle", STYLES, undefined, DTF);
    if ((dateStyle !== undefined || timeStyle !== undefined) && explicit !== undefined) {
      typeError(`Can't set option ${explicit} when ${dateStyle !== undefined ? "dateStyle" : "timeStyle"} is used`);
    }

    // V8 has accepted everything; now refuse what we cannot print exactly as it would.
    if (resolved.problem !== undefined) rangeError(resolved.problem);
    if (calendar !== undefined && calendar !== "gregory") unsupportedOption(DTF, "calendar", calendar, `${SANDBOX} supports "gregory" only`);
    if (numberingSystem !== undefined && numberingSystem !== "latn") unsupportedOption(DTF, "numberingSystem", numberingSystem, `${SANDBOX} supports "latn" only`);
    // ICU's zone text and place vary with the layout for a 24-hour hour with a second but no
    // minute: refused.
    const tzn = o.timeZoneName;
    const h24 = hour12 === false || (hour12 === undefined && hourCycle === "h24");
    if (tzn !== undefined && h24 && o.hour !== undefined && o.minute === undefined && o.second !== undefined) {
      unsupportedOption(DTF, "timeZoneName", tzn, `not supported by ${SANDBOX} with a 24-hour hour and a second but no minute; add minute: "2-digit"`);
    }
    if (o.fractionalSecondDigits !== undefined && o.hour !== undefined && o.minute === undefined && o.second !== undefined) {
      unsupportedOption(DTF, "fractionalSecondDigits", o.fractionalSecondDigits, `not supported by ${SANDBOX} with an hour and a second but no minute; add minute: "2-digit"`);
    }

    // Hour cycle (only when an hour is shown). en-US defaults to h12; hour12:false means h24
    // under the spec V8 11.3 follows, so midnight prints as 24:00.
    let hc;
    if (o.hour !== undefined || timeStyle !== undefined) {
      hc = hour12 !== undefined ? (hour12 ? "h12" : "h24") : hourCycle !== undefined ? hourCycle : "h12";
      if (hc === "h23" || hc === "h24") o.dayPeriod = undefined; // a 24-hour clock has no day period
    }
    const pattern = dateStyle !== undefined || timeStyle !== undefined
      ? stylePattern(dateStyle, timeStyle, hc)
      : componentsPattern(o, hc);
    return {
      kind: "DateTimeFormat",
      locale: resolved.locale,
      hourCycle: hc,
      dateStyle: dateStyle,
      timeStyle: timeStyle,
      pattern: pattern,
      showsMinute: o.minute !== undefined,
      showsSecond: o.second !== undefined || (o.fractionalSecondDigits !== undefined && o.minute !== undefined),
      // What resolvedOptions() searches for the components (see fractionSearchPattern).
      searchPattern: o.fractionalSecondDigits === undefined ? pattern : fractionSearchPattern(pattern, o, hc),
      tokens: compilePattern(pattern),
      zoneShort: zone,
      zoneLong: zone === "UTC" ? "Coordinated Universal Time" : "Greenwich Mean Time",
      tz: tz,
      // An era laid out from ERA_TABLE: ICU's interval layout for it is not worked out (ranges.js).
      eraTable: dateStyle === undefined && timeStyle === undefined && o.era !== undefined && eraTablePattern(o) !== undefined,
      boundFormat: undefined,
    };
  }

  function resolvedDateTimeOptions(record) {
    const out = { locale: record.locale, calendar: "gregory", numberingSystem: "latn", timeZone: record.tz === undefined ? "UTC" : record.tz.id };
    if (record.hourCycle !== undefined) {
      out.hourCycle = record.hourCycle;
      out.hour12 = record.hourCycle === "h11" || record.hourCycle === "h12";
    }
    if (record.dateStyle === undefined && record.timeStyle === undefined) {
      for (let i = 0; i < PATTERN_ITEMS.length; i++) {
        const pairs = PATTERN_ITEMS[i][1];
        for (let j = 0; j < pairs.length; j++) {
          if (StringIndexOf(record.searchPattern, pairs[j][0]) !== -1) {
            out[PATTERN_ITEMS[i][0]] = pairs[j][1];
            break;
          }
        }
      }
    } else {
      if (record.dateStyle !== undefined) out.dateStyle = record.dateStyle;
      if (record.timeStyle !== undefined) out.timeStyle = record.timeStyle;
    }
    return out;
  }

  // The argument of DateTimeFormat's format/formatToParts: now, or a time value.
  function toTimeValue(date) {
    const t = date === undefined ? DateNow() : +date;
    if (!isFiniteNumber(t) || t > 8.64e15 || t < -8.64e15) rangeError("Invalid time value");
    return (t < 0 ? -floor(-t) : floor(t)) + 0; // TimeClip: truncate, no -0
  }

  // Date.prototype.toLocale*String with no arguments are the common case: their records are
  // built once per context.
  const defaultRecords = { __proto__: null };

  function dateToLocale(date, locales, options, required, defaults) {
    const t = DateValueOf(date);
    if (t !== t) return "Invalid Date";
    let record;
    if (locales === undefined && options === undefined) {
      record = defaultRecords[required];
      if (record === undefined) record = defaultRecords[required] = createDateTimeFormat(undefined, undefined, required, defaults);
    } else {
      record = createDateTimeFormat(locales, options, required, defaults);
    }
    return formatDate(record, t, undefined);
  }

  function dateToLocaleString(locales, options) {
    const saved = enter(dateToLocaleString);
    try {
      return dateToLocale(this, locales, options, "any", "all");
    } finally {
      leave(saved);
    }
  }

  function dateToLocaleDateString(locales, options) {
    const saved = enter(dateToLocaleDateString);
    try {
      return dateToLocale(this, locales, options, "date", "date");
    } finally {
      leave(saved);
    }
  }

  function dateToLocaleTimeString(locales, options) {
    const saved = enter(dateToLocaleTimeString);
    try {
      return dateToLocale(this, locales, options, "time", "time");
    } finally {
      leave(saved);
    }
  }

  // ======================================================================================
  // Numbers
  // ======================================================================================
  // A finite value is kept as a decimal: digits (no leading/trailing zeros; "" for zero) and
  // the position of the decimal point, value = 0.digits x 10^point. ICU rounds the shortest
  // round-trip decimal of a double (what String(x) prints), not its binary value: that is
  // why (1.005).toLocaleString("en-US", {maximumFractionDigits: 2}) is "1.01".

  function decimalFromString(s) {
    // s: digits, optional fraction, optional exponent (as String(number) or a BigInt prints)
    let digits = "", point = 0, i = 0, seenPoint = false;
    for (; i < s.length; i++) {
      const ch = s[i];
      if (ch === ".") seenPoint = true;
      else if (ch >= "0" && ch <= "9") {
        digits += ch;
        if (!seenPoint) point++;
      } else break;
    }
    if (i < s.length) point += +StringSlice(s, i + 1); // "e+21" / "e-7"
    let start = 0, end = digits.length;
    while (start < end && digits[start] === "0") {
      start++;
      point--;
    }
    while (end > start && digits[end - 1] === "0") end--;
    digits = StringSlice(digits, start, end);
    return { digits: digits, point: digits === "" ? 0 : point };
  }

  const ZERO = { digits: "", point: 0 };

  // How each rounding mode treats a discarded part: below half, exactly half, above half.
  function roundsUp(mode, negative, comparison, lastKeptDigitOdd) {
    switch (mode) {
      case "ceil": return !negative;
      case "floor": return negative;
      case "expand": return true;
      case "trunc": return false;
    }
    if (comparison !== 0) return comparison > 0;
    switch (mode) {
      case "halfCeil": return !negative;
      case "halfFloor": return negative;
      case "halfExpand": return true;
      case "halfTrunc": return false;
      default: return lastKeptDigitOdd; // halfEven
    }
  }

  // Rounds |value| so that its last digit has magnitude 10^magnitude.
  function roundAt(value, negative, magnitude, mode) {
    const digits = value.digits;
    const keep = value.point - magnitude; // number of leading digits kept
    if (keep >= digits.length) return value;
    let comparison = -1; // the discarded part compared to half a unit
    if (keep >= 0) {
      const first = digits[keep];
      comparison = first > "5" || (first === "5" && digits.length > keep + 1) ? 1 : first === "5" ? 0 : -1;
    }
    const lastOdd = keep > 0 && (+digits[keep - 1]) % 2 === 1;
    const up = roundsUp(mode, negative, comparison, lastOdd);
    if (keep <= 0) return up ? { digits: "1", point: magnitude + 1 } : ZERO;
    let kept = StringSlice(digits, 0, keep);
    let point = value.point;
    if (up) {
      let i = keep - 1;
      while (i >= 0 && kept[i] === "9") i--;
      if (i < 0) {
        kept = "1";
        point++;
      } else {
        kept = StringSlice(kept, 0, i) + (+kept[i] + 1);
      }
    }
    let end = kept.length;
    while (end > 0 && kept[end - 1] === "0") end--;
    return { digits: StringSlice(kept, 0, end), point: point };
  }

  // ECMA-402 ToRawPrecision / ToRawFixed: the rounded value, how many fraction digits must be
  // shown at least, and the rounding magnitude (compared by roundingPriority).
  function toRawPrecision(value, negative, minP, maxP, mode) {
    if (value.digits === "") return { value: ZERO, minFraction: minP - 1, magnitude: 1 - maxP };
    const rounded = roundAt(value, negative, value.point - maxP, mode);
    return { value: rounded, minFraction: minP - rounded.point, magnitude: rounded.point - maxP };
  }

  function toRawFixed(value, negative, minF, maxF, mode, increment) {
    const rounded = increment === 1 ? roundAt(value, negative, -maxF, mode) : roundToIncrement(value, negative, maxF, mode, increment);
    return { value: rounded, minFraction: minF, magnitude: -maxF };
  }

  // Decimal digit strings and small integers (roundingIncrement is at most 5000).
  function divideSmall(digits, divisor) {
    let quotient = "", remainder = 0;
    for (let i = 0; i < digits.length; i++) {
      const current = remainder * 10 + +digits[i];
      const q = floor(current / divisor);
      remainder = current - q * divisor;
      if (quotient !== "" || q !== 0) quotient += q;
    }
    return { quotient: quotient, remainder: remainder };
  }

  function multiplySmall(digits, factor) {
    let out = "", carry = 0;
    for (let i = digits.length - 1; i >= 0; i--) {
      const current = +digits[i] * factor + carry;
      carry = floor(current / 10);
      out = (current - carry * 10) + out;
    }
    return carry > 0 ? carry + out : out;
  }

  // ECMA-402 ToRawFixed with a roundingIncrement: |value| rounded to a multiple of
  // increment × 10^-maxF, the tie and the direction decided by the rounding mode.
  function roundToIncrement(value, negative, maxF, mode, increment) {
    const scaled = value.point + maxF; // value × 10^maxF has this many integer digits
    let integer, fractionNonZero;
    if (scaled <= 0) {
      integer = "";
      fractionNonZero = value.digits !== "";
    } else if (scaled >= value.digits.length) {
      integer = value.digits + repeat("0", scaled - value.digits.length);
      fractionNonZero = false;
    } else {
      integer = StringSlice(value.digits, 0, scaled);
      fractionNonZero = true; // digits carry no trailing zeros
    }
    const division = divideSmall(integer, increment);
    const r = division.remainder;
    if (r === 0 && !fractionNonZero) return value;
    let comparison; // (r + fraction) compared to increment / 2
    if (2 * r + 2 <= increment) comparison = -1;
    else if (2 * r > increment) comparison = 1;
    else if (2 * r === increment) comparison = fractionNonZero ? 1 : 0;
    else {
      // 2r + 1 === increment: the fraction against one half
      const digits = value.digits;
      const first = scaled >= 0 && scaled < digits.length ? digits[scaled] : "0";
      comparison = first > "5" || (first === "5" && digits.length > scaled + 1) ? 1 : first === "5" ? 0 : -1;
    }
    let quotient = division.quotient === "" ? "0" : division.quotient;
    const odd = (+quotient[quotient.length - 1]) % 2 === 1;
    if (roundsUp(mode, negative, comparison, odd)) quotient = addOne(quotient);
    const multiple = multiplySmall(quotient, increment);
    const result = decimalFromString(multiple);
    return result.digits === "" ? ZERO : { digits: result.digits, point: result.point - maxF };
  }

  function addOne(digits) {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === "9") i--;
    if (i < 0) return "1" + repeat("0", digits.length);
    return StringSlice(digits, 0, i) + (+digits[i] + 1) + repeat("0", digits.length - i - 1);
  }

  function roundNumber(record, value, negative) {
    const type = record.roundingType, mode = record.roundingMode;
    let result;
    if (type === "significantDigits") {
      result = toRawPrecision(value, negative, record.minimumSignificantDigits, record.maximumSignificantDigits, mode);
    } else if (type === "fractionDigits") {
      result = toRawFixed(value, negative, record.minimumFractionDigits, record.maximumFractionDigits, mode, record.roundingIncrement);
    } else {
      const s = toRawPrecision(value, negative, record.minimumSignificantDigits, record.maximumSignificantDigits, mode);
      const f = toRawFixed(value, negative, record.minimumFractionDigits, record.maximumFractionDigits, mode, 1);
      const sWins = s.magnitude <= f.magnitude;
      result = type === "morePrecision" ? (sWins ? s : f) : (sWins ? f : s);
    }
    const rounded = result.value;
    let minFraction = result.minFraction;
    if (record.trailingZeroDisplay === "stripIfInteger" && rounded.digits.length <= rounded.point) minFraction = 0;
    return { value: rounded, minFraction: minFraction };
  }

  // Integer and fraction digit strings of a rounded decimal.
  function splitDigits(value, minInteger, minFraction) {
    const digits = value.digits, point = value.point;
    let integer, fraction;
    if (point <= 0) {
      integer = "";
      fraction = repeat("0", -point) + digits;
    } else if (point >= digits.length) {
      integer = digits + repeat("0", point - digits.length);
      fraction = "";
    } else {
      integer = StringSlice(digits, 0, point);
      fraction = StringSlice(digits, point);
    }
    if (digits === "") fraction = "";
    integer = padStart(integer, minInteger > 1 ? minInteger : 1);
    if (fraction.length < minFraction) fraction += repeat("0", minFraction - fraction.length);
    return { integer: integer, fraction: fraction };
  }

  // ---- Currencies ------------------------------------------------------------------------
  // en-US data for every currency Intl.supportedValuesOf("currency") lists in Node 20.
  // Entries "CODE|digits|symbol|narrowSymbol|name (one)|name (other)" joined by ";":
  // digits "" = 2; symbol "" = the code; narrow "=" = the symbol; other "=" = the one form,
  // "+s" = one + "s". A symbol ending in U+00A0 is separated from digits by that space (ICU
  // currency spacing: it is dropped before "NaN" or "∞"). Printed by
  // `node tests/tools/gen_locale_cases.js --currency-data`; a test keeps the two in sync.
  // @@CURRENCY_DATA_BEGIN@@
  const CURRENCY_DATA =
    "AED|||=|UAE dirham|+s;AFN|0||؋|Afghan Afghani|+s;ALL|0||=|Albanian lek|Albanian lekë;" +
    "AMD|||֏|Armenian dram|+s;ANG|||=|Netherlands Antillean guilder|+s;" +
    "AOA|||Kz\u00a0|Angolan kwanza|+s;ARS|||$|Argentine peso|+s;AUD||A$|$|Australian dollar|+s;" +
    "AWG|||=|Aruban florin|=;AZN|||₼|Azerbaijani manat|+s;" +
    "BAM|||KM\u00a0|Bosnia-Herzegovina convertible mark|+s;BBD|||$|Barbadian dollar|+s;" +
    "BDT|||৳|Bangladeshi taka|+s;BGN|||=|Bulgarian lev|Bulgarian leva;BHD|3||=|Bahraini dinar|+s;" +
    "BIF|0||=|Burundian franc|+s;BMD|||$|Bermudan dollar|+s;BND|||$|Brunei dollar|+s;" +
    "BOB|||Bs\u00a0|Bolivian boliviano|+s;BRL||R$|=|Brazilian real|+s;BSD|||$|Bahamian dollar|+s;" +
    "BTN|||=|Bhutanese ngultrum|+s;BWP|||P\u00a0|Botswanan pula|+s;BYN|||=|Belarusian ruble|+s;" +
    "BZD|||$|Belize dollar|+s;CAD||CA$|$|Canadian dollar|+s;CDF|||=|Congolese franc|+s;" +
    "CHF|||=|Swiss franc|+s;CLP|0||$|Chilean peso|+s;CNY||CN¥|¥|Chinese yuan|=;" +
    "COP|0||$|Colombian peso|+s;CRC|||₡|Costa Rican colón|+s;CUC|||$|Cuban convertible peso|+s;" +
    "CUP|||$|Cuban peso|+s;CVE|||=|Cape Verdean escudo|+s;CZK|||Kč\u00a0|Czech koruna|+s;" +
    "DJF|0||=|Djiboutian franc|+s;DKK|||kr\u00a0|Danish krone|Danish kroner;" +
    "DOP|||$|Dominican peso|+s;DZD|||=|Algerian dinar|+s;EGP|||E£|Egyptian pound|+s;" +
    "ERN|||=|Eritrean nakfa|+s;ETB|||=|Ethiopian birr|+s;EUR||€|=|euro|+s;FJD|||$|Fijian dollar|+s;" +
    "FKP|||£|Falkland Islands pound|+s;GBP||£|=|British pound|+s;GEL|||₾|Georgian lari|+s;" +
    "GHS|||GH₵|Ghanaian cedi|+s;GIP|||£|Gibraltar pound|+s;GMD|||=|Gambian dalasi|+s;" +
    "GNF|0||FG\u00a0|Guinean franc|+s;GTQ|||Q\u00a0|Guatemalan quetzal|+s;" +
    "GYD|||$|Guyanaese dollar|+s;HKD||HK$|$|Hong Kong dollar|+s;HNL|||L\u00a0|Honduran lempira|+s;" +
    "HRK|||kn\u00a0|Croatian kuna|+s;HTG|||=|Haitian gourde|+s;HUF|0||Ft\u00a0|Hungarian forint|+s;" +
    "IDR|0||Rp\u00a0|Indonesian rupiah|+s;ILS||₪|=|Israeli new shekel|+s;INR||₹|=|Indian rupee|+s;" +
    "IQD|0||=|Iraqi dinar|+s;IRR|0||=|Iranian rial|+s;" +
    "ISK|0||kr\u00a0|Icelandic króna|Icelandic krónur;JMD|||$|Jamaican dollar|+s;" +
    "JOD|3||=|Jordanian dinar|+s;JPY|0|¥|=|Japanese yen|=;KES|||=|Kenyan shilling|+s;" +
    "KGS|||⃀|Kyrgyz som|+s;KHR|||៛|Cambodian riel|+s;KMF|0||CF\u00a0|Comorian franc|+s;" +
    "KPW|0||₩|North Korean won|=;KRW|0|₩|=|South Korean won|=;KWD|3||=|Kuwaiti dinar|+s;" +
    "KYD|||$|Cayman Islands dollar|+s;KZT|||₸|Kazakhstani tenge|+s;LAK|0||₭|Laotian kip|+s;" +
    "LBP|0||L£|Lebanese pound|+s;LKR|||Rs\u00a0|Sri Lankan rupee|+s;LRD|||$|Liberian dollar|+s;" +
    "LSL|||=|Lesotho loti|+s;LYD|3||=|Libyan dinar|+s;MAD|||=|Moroccan dirham|+s;" +
    "MDL|||=|Moldovan leu|Moldovan lei;MGA|0||Ar\u00a0|Malagasy ariary|Malagasy ariaries;" +
    "MKD|||=|Macedonian denar|Macedonian denari;MMK|0||K\u00a0|Myanmar kyat|+s;" +
    "MNT|||₮|Mongolian tugrik|+s;MOP|||=|Macanese pataca|+s;MRU|||=|Mauritanian ouguiya|+s;" +
    "MUR|||Rs\u00a0|Mauritian rupee|+s;MVR|||=|Maldivian rufiyaa|+s;MWK|||=|Malawian kwacha|+s;" +
    "MXN||MX$|$|Mexican peso|+s;MYR|||RM\u00a0|Malaysian ringgit|+s;MZN|||=|Mozambican metical|+s;" +
    "NAD|||$|Namibian dollar|+s;NGN|||₦|Nigerian naira|+s;NIO|||C$|Nicaraguan córdoba|+s;" +
    "NOK|||kr\u00a0|Norwegian krone|Norwegian kroner;NPR|||Rs\u00a0|Nepalese rupee|+s;" +
    "NZD||NZ$|$|New Zealand dollar|+s;OMR|3||=|Omani rial|+s;PAB|||=|Panamanian balboa|+s;" +
    "PEN|||=|Peruvian sol|Peruvian soles;PGK|||=|Papua New Guinean kina|=;" +
    "PHP||₱|=|Philippine peso|+s;PKR|0||Rs\u00a0|Pakistani rupee|+s;PLN|||zł\u00a0|Polish zloty|+s;" +
    "PYG|0||₲|Paraguayan guarani|+s;QAR|||=|Qatari riyal|+s;" +
    "RON|||lei\u00a0|Romanian leu|Romanian lei;RSD|||=|Serbian dinar|+s;RUB|||₽|Russian ruble|+s;" +
    "RWF|0||RF\u00a0|Rwandan franc|+s;SAR|||=|Saudi riyal|+s;SBD|||$|Solomon Islands dollar|+s;" +
    "SCR|||=|Seychellois rupee|+s;SDG|||=|Sudanese pound|+s;" +
    "SEK|||kr\u00a0|Swedish krona|Swedish kronor;SGD|||$|Singapore dollar|+s;" +
    "SHP|||£|St. Helena pound|+s;SLE|||=|Sierra Leonean leone|+s;" +
    "SLL|0||=|Sierra Leonean leone (1964—2022)|Sierra Leonean leones (1964—2022);" +
    "SOS|0||=|Somali shilling|+s;SRD|||$|Surinamese dollar|+s;SSP|||£|South Sudanese pound|+s;" +
    "STN|||Db\u00a0|São Tomé & Príncipe dobra|+s;SVC|||=|Salvadoran colón|Salvadoran colones;" +
    "SYP|0||£|Syrian pound|+s;SZL|||=|Swazi lilangeni|Swazi emalangeni;THB|||฿|Thai baht|=;" +
    "TJS|||=|Tajikistani somoni|+s;TMT|||=|Turkmenistani manat|=;TND|3||=|Tunisian dinar|+s;" +
    "TOP|||T$|Tongan paʻanga|=;TRY|||₺|Turkish lira|Turkish Lira;TTD|||$|Trinidad & Tobago dollar|+s;" +
    "TWD||NT$|$|New Taiwan dollar|+s;TZS|||=|Tanzanian shilling|+s;UAH|||₴|Ukrainian hryvnia|+s;" +
    "UGX|0||=|Ugandan shilling|+s;USD||$|=|US dollar|+s;UYU|||$|Uruguayan peso|+s;" +
    "UZS|||=|Uzbekistani som|=;VES|||=|Venezuelan bolívar|+s;VND|0|₫|=|Vietnamese dong|=;" +
    "VUV|0||=|Vanuatu vatu|+s;WST|||=|Samoan tala|=;XAF|0|FCFA\u00a0|=|Central African CFA franc|+s;" +
    "XCD||EC$|$|East Caribbean dollar|+s;XCG||Cg.\u00a0|=|Caribbean guilder|+s;" +
    "XDR|||=|special drawing rights|=;XOF|0|F\u202fCFA\u00a0|=|West African CFA franc|+s;" +
    "XPF|0|CFPF\u00a0|=|CFP franc|+s;XSU|||=|Sucre|+s;YER|0||=|Yemeni rial|+s;" +
    "ZAR|||R\u00a0|South African rand|=;ZMW|||ZK\u00a0|Zambian kwacha|+s;ZWG|||=|Zimbabwean gold|=;" +
    "ZWL|||=|Zimbabwean dollar (2009–2024)|Zimbabwean dollars (2009–2024)";
  // @@CURRENCY_DATA_END@@

  // Only the entry asked for is parsed: splitting the whole table takes over a millisecond,
  // and a run usually formats one currency. `code` is three ASCII letters, upper-cased.
  const currencies = { __proto__: null };

  function currencyInfo(code) {
    if (code in currencies) return currencies[code];
    const data = CURRENCY_DATA, key = code + "|";
    let start = -1;
    if (StringSlice(data, 0, key.length) === key) start = 0;
    else {
      const at = StringIndexOf(data, ";" + key);
      if (at !== -1) start = at + 1;
    }
    let info;
    if (start !== -1) {
      let end = start;
      while (end < data.length && data[end] !== ";") end++;
      const f = split(StringSlice(data, start, end), "|");
      const symbol = f[2] === "" ? f[0] + "\u00a0" : f[2];
      info = {
        digits: f[1] === "" ? 2 : +f[1],
        symbol: symbol,
        narrowSymbol: f[3] === "=" ? symbol : f[3],
        one: f[4],
        other: f[5] === "=" ? f[4] : f[5] === "+s" ? f[4] + "s" : f[5],
      };
    }
    currencies[code] = info;
    return info;
  }

  // ---- Options -> NumberFormat record ----------------------------------------------------

  const NF = "Intl.NumberFormat";
  const ROUNDING_MODES = ["ceil", "floor", "expand", "trunc", "halfCeil", "halfFloor", "halfExpand", "halfTrunc", "halfEven"];
  const ROUNDING_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000];
  const SANCTIONED_UNITS = setOf([
    "acre", "bit", "byte", "celsius", "centimeter", "day", "degree", "fahrenheit", "fluid-ounce", "foot",
    "gallon", "gigabit", "gigabyte", "gram", "hectare", "hour", "inch", "kilobit", "kilobyte", "kilogram",
    "kilometer", "liter", "megabit", "megabyte", "meter", "microsecond", "mile", "mile-scandinavian",
    "milliliter", "millimeter", "millisecond", "minute", "month", "nanosecond", "ounce", "percent",
    "petabyte", "pound", "second", "stone", "terabit", "terabyte", "week", "yard", "year",
  ]);

  function isWellFormedUnit(unit) {
    if (SANCTIONED_UNITS[unit] === true) return true;
    const at = StringIndexOf(unit, "-per-");
    return at !== -1 && SANCTIONED_UNITS[StringSlice(unit, 0, at)] === true &&
      SANCTIONED_UNITS[StringSlice(unit, at + 5)] === true;
  }

  // ECMA-402 SetNumberFormatDigitOptions (NumberFormat v3, as in V8 11.3).
  function setDigitOptions(record, options, mnfdDefault, mxfdDefault, notation) {
    const mnid = getNumberOption(options, "minimumIntegerDigits", 1, 21, 1);
    let mnfd = options.minimumFractionDigits;
    let mxfd = options.maximumFractionDigits;
    let mnsd = options.minimumSignificantDigits;
    let mxsd = options.maximumSignificantDigits;
    record.minimumIntegerDigits = mnid;
    const increment = getNumberOption(options, "roundingIncrement", 1, 5000, 1);
    if (!contains(ROUNDING_INCREMENTS, increment)) rangeError("roundingIncrement value is out of range.");
    const mode = getStringOption(options, "roundingMode", ROUNDING_MODES, "halfExpand", NF);
    let priority = getStringOption(options, "roundingPriority", ["auto", "morePrecision", "lessPrecision"], "auto", NF);
    const trailing = getStringOption(options, "trailingZeroDisplay", ["auto", "stripIfInteger"], "auto", NF);
    if (increment !== 1) mxfdDefault = mnfdDefault;
    record.roundingIncrement = increment;
    record.roundingMode = mode;
    record.trailingZeroDisplay = trailing;
    const hasSd = mnsd !== undefined || mxsd !== undefined;
    const hasFd = mnfd !== undefined || mxfd !== undefined;
    let needSd = true, needFd = true;
    if (priority === "auto") {
      needSd = hasSd;
      if (needSd || (!hasFd && notation === "compact")) needFd = false;
    }
    if (needSd) {
      if (hasSd) {
        mnsd = defaultNumberOption(mnsd, 1, 21, 1, "minimumSignificantDigits");
        mxsd = defaultNumberOption(mxsd, mnsd, 21, 21, "maximumSignificantDigits");
      } else {
        mnsd = 1;
        mxsd = 21;
      }
      record.minimumSignificantDigits = mnsd;
      record.maximumSignificantDigits = mxsd;
    }
    if (needFd) {
      if (hasFd) {
        // V8 11.3 still has ECMA-402 2022's limit of 20 fraction digits (not 2023's 100).
        mnfd = defaultNumberOption(mnfd, 0, 20, undefined, "minimumFractionDigits");
        mxfd = defaultNumberOption(mxfd, 0, 20, undefined, "maximumFractionDigits");
        if (mnfd === undefined) mnfd = mnfdDefault < mxfd ? mnfdDefault : mxfd;
        else if (mxfd === undefined) mxfd = mxfdDefault > mnfd ? mxfdDefault : mnfd;
        else if (mnfd > mxfd) rangeError("maximumFractionDigits value is out of range.");
      } else {
        mnfd = mnfdDefault;
        mxfd = mxfdDefault;
      }
      record.minimumFractionDigits = mnfd;
      record.maximumFractionDigits = mxfd;
    }
    if (!needSd && !needFd) {
      // Compact notation's own rounding: two significant digits, or the integer if longer.
      record.minimumSignificantDigits = 1;
      record.maximumSignificantDigits = 2;
      record.minimumFractionDigits = 0;
      record.maximumFractionDigits = 0;
      priority = "morePrecision";
    }
    record.roundingType = priority === "auto" ? (needSd ? "significantDigits" : "fractionDigits") : priority;
    if (increment !== 1) {
      if (record.roundingType !== "fractionDigits") typeError("roundingIncrement requires fraction digits rounding");
      if (mxfd !== mnfd) rangeError("maximumFractionDigits not equal to minimumFractionDigits");
    }
  }

  // ECMA-402 InitializeNumberFormat.
  function createNumberFormat(locales, options) {
    const requested = canonicalizeLocaleList(locales);
    options = toOptionsObject(options);
    const record = { kind: "NumberFormat", boundFormat: undefined };
    getStringOption(options, "localeMatcher", ["lookup", "best fit"], "best fit", NF);
    const numberingSystem = getStringOption(options, "numberingSystem", undefined, undefined, NF);
    if (numberingSystem !== undefined && !isWellFormedType(numberingSystem)) rangeError(`Invalid numberingSystem : ${numberingSystem}`);
    const resolved = resolveLocale(requested);
    record.locale = resolved.locale;

    const style = getStringOption(options, "style", ["decimal", "percent", "currency", "unit"], "decimal", NF);
    let currency = getStringOption(options, "currency", undefined, undefined, NF);
    if (currency === undefined) {
      if (style === "currency") typeError("Currency code is required with currency style.");
    } else if (currency.length !== 3 || !isAlpha(currency)) {
      rangeError(`Invalid currency code : ${currency}`);
    }
    const currencyDisplay = getStringOption(options, "currencyDisplay", ["code", "symbol", "narrowSymbol", "name"], "symbol", NF);
    const currencySign = getStringOption(options, "currencySign", ["standard", "accounting"], "standard", NF);
    const unit = getStringOption(options, "unit", undefined, undefined, NF);
    if (unit === undefined) {
      if (style === "unit") typeError("Invalid unit argument for Intl.NumberFormat() ''");
    } else if (!isWellFormedUnit(unit)) {
      rangeError(`Invalid unit argument for Intl.NumberFormat() '${unit}'`);
    }
    const unitDisplay = getStringOption(options, "unitDisplay", ["short", "narrow", "long"], "short", NF);
    record.style = style;
    if (style === "unit") {
      record.unit = unit;
      record.unitDisplay = unitDisplay;
      // ICU lays a short or narrow percent out as the percent style's sign.
      record.percentSign = unit === "percent" && unitDisplay !== "long";
    }
    let info;
    if (style === "currency") {
      currency = toUpperAscii(currency);
      info = currencyInfo(currency);
      record.currency = currency;
      record.currencyDisplay = currencyDisplay;
      record.currencySign = currencySign;
      record.currencyInfo = info;
    }
    const digits = info !== undefined ? info.digits : 2;
    const notation = getStringOption(options, "notation", ["standard", "scientific", "engineering", "compact"], "standard", NF);
    setDigitOptions(record, options, style === "currency" ? digits : 0, style === "currency" ? digits : style === "percent" ? 0 : 3, notation);
    record.notation = notation;
    record.compactDisplay = getStringOption(options, "compactDisplay", ["short", "long"], "short", NF);
    record.useGrouping = getUseGrouping(options, notation === "compact" ? "min2" : "auto");
    record.signDisplay = getStringOption(options, "signDisplay", ["auto", "never", "always", "exceptZero", "negative"], "auto", NF);

    // V8 has accepted everything; now refuse what we cannot print exactly as it would.
    if (resolved.problem !== undefined) rangeError(resolved.problem);
    if (numberingSystem !== undefined && numberingSystem !== "latn") unsupportedOption(NF, "numberingSystem", numberingSystem, `${SANDBOX} supports "latn" only`);
    if (style === "currency" && info === undefined) unsupportedOption(NF, "currency", currency, `${SANDBOX} knows the currencies Intl.supportedValuesOf("currency") lists`);
    return record;
  }

  // GetBooleanOrStringNumberFormatOption for useGrouping.
  function getUseGrouping(options, fallback) {
    const value = options.useGrouping;
    if (value === undefined) return fallback;
    if (value === true) return "always";
    if (!value) return false;
    const s = `${value}`;
    if (s === "true" || s === "false") return fallback;
    if (s !== "min2" && s !== "auto" && s !== "always") rangeError(`Value ${s} out of range for ${NF} options property useGrouping`);
    return s;
  }

  function resolvedNumberOptions(r) {
    const out = { locale: r.locale, numberingSystem: "latn", style: r.style };
    if (r.style === "unit") {
      out.unit = r.unit;
      out.unitDisplay = r.unitDisplay;
    }
    if (r.style === "currency") {
      out.currency = r.currency;
      out.currencyDisplay = r.currencyDisplay;
      // ICU has no "accounting, never show the sign" mode: V8 keeps only sign-never and reads
      // the sign mode back from it.
      out.currencySign = r.signDisplay === "never" ? "standard" : r.currencySign;
    }
    out.minimumIntegerDigits = r.minimumIntegerDigits;
    if (r.roundingType !== "fractionDigits") {
      out.minimumSignificantDigits = r.minimumSignificantDigits;
      out.maximumSignificantDigits = r.maximumSignificantDigits;
    }
    if (r.roundingType !== "significantDigits") {
      out.minimumFractionDigits = r.minimumFractionDigits;
      out.maximumFractionDigits = r.maximumFractionDigits;
    }
    out.useGrouping = r.useGrouping;
    out.notation = r.notation;
    if (r.notation === "compact") out.compactDisplay = r.compactDisplay;
    out.signDisplay = r.signDisplay;
    out.roundingMode = r.roundingMode;
    out.roundingIncrement = r.roundingIncrement;
    out.trailingZeroDisplay = r.trailingZeroDisplay;
    // V8 11.3 reads the priority back from ICU's settings, where stripIfInteger hides it.
    out.roundingPriority = r.roundingType === "significantDigits" || r.roundingType === "fractionDigits" || r.trailingZeroDisplay === "stripIfInteger"
      ? "auto"
      : r.roundingType;
    return out;
  }

  // ---- Formatting ------------------------------------------------------------------------

  function isWhiteSpace(ch) {
    return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r" ||
      ch === "\u00a0" || ch === "\u1680" || (ch >= "\u2000" && ch <= "\u200a") || ch === "\u2028" ||
      ch === "\u2029" || ch === "\u202f" || ch === "\u205f" || ch === "\u3000" || ch === "\ufeff";
  }

  // A plain decimal literal: digits with an optional fraction and exponent.
  function isDecimalLiteral(s) {
    let i = 0, mantissa = 0;
    while (i < s.length && s[i] >= "0" && s[i] <= "9") { i++; mantissa++; }
    if (i < s.length && s[i] === ".") {
      i++;
      while (i < s.length && s[i] >= "0" && s[i] <= "9") { i++; mantissa++; }
    }
    if (mantissa === 0) return false;
    if (i < s.length && (s[i] === "e" || s[i] === "E")) {
      i++;
      if (i < s.length && (s[i] === "+" || s[i] === "-")) i++;
      if (!(i < s.length && s[i] >= "0" && s[i] <= "9")) return false;
      while (i < s.length && s[i] >= "0" && s[i] <= "9") i++;
    }
    return i === s.length;
  }

  // ECMA-402 ToIntlMathematicalValue: { kind: "nan" | "infinity" | "finite", negative, value }.
  function toMathematicalValue(x) {
    if (typeof x === "bigint") {
      const negative = x < 0;
      return { kind: "finite", negative: negative, value: decimalFromString(`${negative ? -x : x}`) };
    }
    if (typeof x === "string") {
      // Decimal strings keep every digit (V8 formats "0.1000000000000000055" exactly).
      let start = 0, end = x.length;
      while (start < end && isWhiteSpace(x[start])) start++;
      while (end > start && isWhiteSpace(x[end - 1])) end--;
      let s = StringSlice(x, start, end);
      const negative = s[0] === "-";
      const body = s[0] === "-" || s[0] === "+" ? StringSlice(s, 1) : s;
      const number = +s;
      if (isDecimalLiteral(body) && isFiniteNumber(number)) {
        return { kind: "finite", negative: negative, value: decimalFromString(body) };
      }
      x = number; // "", "Infinity", "0x1F", garbage (NaN)...
    } else {
      x = +x;
    }
    if (x !== x) return { kind: "nan", negative: false, value: ZERO };
    const negative = x < 0 || (x === 0 && 1 / x < 0);
    if (!isFiniteNumber(x)) return { kind: "infinity", negative: negative, value: ZERO };
    return { kind: "finite", negative: negative, value: decimalFromString("" + (negative ? -x : x)) };
  }

  function pushPart(parts, type, value) {
    parts[parts.length] = { type: type, value: value };
  }

  function pushGroupedInteger(parts, integer, useGrouping) {
    const minimum = useGrouping === false ? Infinity : useGrouping === "min2" ? 5 : 4;
    if (integer.length < minimum) return pushPart(parts, "integer", integer);
    let first = integer.length % 3;
    if (first === 0) first = 3;
    pushPart(parts, "integer", StringSlice(integer, 0, first));
    for (let i = first; i < integer.length; i += 3) {
      pushPart(parts, "group", ",");
      pushPart(parts, "integer", StringSlice(integer, i, i + 3));
    }
  }

  const COMPACT_SHORT = ["K", "M", "B", "T"];
  const COMPACT_LONG = ["thousand", "million", "billion", "trillion"];

  // The power of ten a notation shows a number of the given decimal magnitude with: for en's
  // compact notation 0, 3, ... 12; for engineering a multiple of 3.
  function notationExponent(notation, magnitude) {
    if (notation === "scientific") return magnitude;
    if (notation === "engineering") return magnitude - (((magnitude % 3) + 3) % 3);
    if (magnitude < 3) return 0;
    return magnitude >= 12 ? 12 : magnitude - (magnitude % 3);
  }

  // The parts of a formatted number, as Intl.NumberFormat.prototype.formatToParts returns.
  function numberToParts(record, x, converted, range) {
    const m = converted !== undefined ? converted : toMathematicalValue(x);
    let value = m.value, minFraction = 0, isZero = true, exponent = 0;
    if (m.kind === "finite") {
      if (record.style === "percent") value = { digits: value.digits, point: value.digits === "" ? 0 : value.point + 2 };
      let rounded;
      if (record.notation !== "standard" && value.digits !== "") {
        // ICU picks the exponent from the value, rounds the scaled value, and picks again if
        // rounding carried into the next exponent (999,999 -> "1M", not "1000K").
        exponent = notationExponent(record.notation, value.point - 1);
        rounded = roundNumber(record, { digits: value.digits, point: value.point - exponent }, m.negative);
        const carried = notationExponent(record.notation, rounded.value.point - 1 + exponent);
        if (rounded.value.digits !== "" && carried !== exponent) {
          exponent = carried;
          rounded = roundNumber(record, { digits: value.digits, point: value.point - exponent }, m.negative);
        }
      } else {
        rounded = roundNumber(record, value, m.negative);
      }
      value = rounded.value;
      minFraction = rounded.minFraction;
      isZero = value.digits === "";
    }
    // Which sign to print (signDisplay, on the rounded value; NaN counts as positive).
    const negative = m.kind !== "nan" && m.negative;
    let sign = "";
    switch (record.signDisplay) {
      case "auto": sign = negative ? "-" : ""; break;
      case "always": sign = negative ? "-" : "+"; break;
      case "exceptZero": sign = m.kind === "nan" || (m.kind === "finite" && isZero) ? "" : negative ? "-" : "+"; break;
      case "negative": sign = negative && !(m.kind === "finite" && isZero) ? "-" : ""; break;
    }
    const parts = [];
    const currency = record.style === "currency" ? record.currencyInfo : undefined;
    const display = record.currencyDisplay;
    // ICU's compact patterns (K, M...) have no accounting form.
    const accounting = currency !== undefined && record.currencySign === "accounting" && sign === "-" && display !== "name" &&
      (exponent === 0 || record.notation !== "compact");
    if (accounting) pushPart(parts, "literal", "(");
    else if (sign !== "") pushPart(parts, sign === "-" ? "minusSign" : "plusSign", sign);
    if (currency !== undefined && display !== "name") {
      let symbol = display === "code" ? record.currency + "\u00a0" : display === "narrowSymbol" ? currency.narrowSymbol : currency.symbol;
      const spaced = symbol[symbol.length - 1] === "\u00a0";
      if (spaced) symbol = StringSlice(symbol, 0, symbol.length - 1);
      pushPart(parts, "currency", symbol);
      if (spaced && m.kind === "finite") pushPart(parts, "literal", "\u00a0");
    }
    if (m.kind === "nan") pushPart(parts, "nan", "NaN");
    else if (m.kind === "infinity") pushPart(parts, "infinity", "\u221e");
    else {
      const shown = splitDigits(value, record.minimumIntegerDigits, minFraction);
      const exponential = record.notation === "scientific" || record.notation === "engineering";
      // ICU's compact patterns carry no grouping of their own: "auto" acts as "min2".
      const grouping = record.notation === "compact" && record.useGrouping === "auto" ? "min2" : record.useGrouping;
      pushGroupedInteger(parts, shown.integer, grouping);
      if (shown.fraction !== "") {
        pushPart(parts, "decimal", ".");
        pushPart(parts, "fraction", shown.fraction);
      }
      if (exponential) {
        pushPart(parts, "exponentSeparator", "E");
        if (exponent < 0) pushPart(parts, "exponentMinusSign", "-");
        pushPart(parts, "exponentInteger", "" + (exponent < 0 ? -exponent : exponent));
      } else if (exponent !== 0) {
        // en has no long compact names for currency symbols and codes: they use K/M/B/T.
        const long = record.compactDisplay === "long" && (record.style !== "currency" || display === "name");
        if (long) pushPart(parts, "literal", " ");
        pushPart(parts, "compact", (long ? COMPACT_LONG : COMPACT_SHORT)[exponent / 3 - 1]);
      }
    }
    // V8 calls the percent sign of a compact number a "unit".
    if (record.style === "percent") pushPart(parts, record.notation === "compact" ? "unit" : "percentSign", "%");
    // English plural rules: "one" is an integer 1 shown without fraction digits.
    const one = m.kind === "finite" && exponent === 0 && value.digits === "1" && value.point === 1 && minFraction === 0;
    if (currency !== undefined && display === "name") {
      pushPart(parts, "literal", " ");
      pushPart(parts, "currency", one ? currency.one : currency.other);
    }
    if (record.style === "unit") pushUnit(parts, record, one, range || record.notation === "compact");
    if (accounting) pushPart(parts, "literal", ")");
    return parts;
  }

  let unitSuffix;

  // The unit after a number (units.js): its leading space is a literal, the rest the unit.
  function pushUnit(parts, record, one, range) {
    if (unitSuffix === undefined) unitSuffix = load("units")(StringIndexOf, StringSlice);
    const suffix = unitSuffix(record.unit, record.unitDisplay, one, range);
    if (suffix[0] === " ") pushPart(parts, "literal", " ");
    pushPart(parts, "unit", suffix[0] === " " ? StringSlice(suffix, 1) : suffix);
  }

  // ---- Ranges (formatRange), as ICU lays them out for en ----------------------------------
  // A number's body; its exponent (ICU's inner modifier, never collapsed) goes with it. A
  // compact suffix is part of the affixes (the middle modifier).
  const NUMBER_BODY = {
    __proto__: null, integer: true, group: true, decimal: true, fraction: true, nan: true, infinity: true,
    exponentSeparator: true, exponentMinusSign: true, exponentInteger: true,
  };

  function joinParts(parts) {
    let out = "";
    for (let i = 0; i < parts.length; i++) out += parts[i].value;
    return out;
  }

  // A formatted number's sign/currency/percent/compact affixes (ICU's middle modifier) and,
  // for currencyDisplay "name", a unit, or a compact percent, what follows them (the outer
  // modifier).
  function affixes(record, parts) {
    let end = parts.length, outer = [];
    if ((record.style === "currency" && record.currencyDisplay === "name") ||
        (record.style === "unit" && (!record.percentSign || record.notation === "compact")) ||
        (record.style === "percent" && record.notation === "compact")) {
      const n = parts[end - 1].type !== "literal" && end > 1 && parts[end - 2].type === "literal" && parts[end - 2].value === " " ? 2 : 1;
      end -= n;
      outer = n === 2 ? [parts[end], parts[end + 1]] : [parts[end]];
    }
    let first = 0;
    while (first < end && !(parts[first].type in NUMBER_BODY)) first++;
    let last = end;
    while (last > first && !(parts[last - 1].type in NUMBER_BODY)) last--;
    const prefix = [], body = [], suffix = [];
    for (let i = 0; i < first; i++) prefix[prefix.length] = parts[i];
    for (let i = first; i < last; i++) body[body.length] = parts[i];
    for (let i = last; i < end; i++) suffix[suffix.length] = parts[i];
    // The currency spacing (U+00A0 before digits, not before "∞") is not part of the affix.
    const text = affixText(prefix) + "|" + affixText(suffix);
    const exponent = record.notation === "scientific" || record.notation === "engineering";
    return { prefix: prefix, body: body, suffix: suffix, outer: outer, middle: text, middleLength: text.length - 1, inner: exponent && body.length > 1 };
  }

  function showsZero(parts) {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p.type === "integer" || p.type === "fraction") {
        for (let j = 0; j < p.value.length; j++) if (p.value[j] !== "0") return false;
      }
    }
    return true;
  }

  function affixText(parts) {
    let out = "";
    for (let i = 0; i < parts.length; i++) if (parts[i].value !== "\u00a0") out += parts[i].value;
    return out;
  }

  // Adjacent literals become one part, shared if either was (V8 reads them so from ICU).
  function pushRangePart(out, type, value, source) {
    const last = out[out.length - 1];
    if (type === "literal" && last !== undefined && last.type === "literal") {
      last.value += value;
      if (source === "shared") last.source = "shared";
      return;
    }
    out[out.length] = { type: type, value: value, source: source };
  }

  function pushAll(out, parts, source) {
    for (let i = 0; i < parts.length; i++) pushRangePart(out, parts[i].type, parts[i].value, source);
  }

  function numberRangeToParts(record, start, end) {
    if (start === undefined) typeError("Invalid start : undefined");
    if (end === undefined) typeError("Invalid end : undefined");
    const m1 = toMathematicalValue(start), m2 = toMathematicalValue(end);
    if (m1.kind === "nan") rangeError("Invalid start : NaN");
    if (m2.kind === "nan") rangeError("Invalid end : NaN");
    const p1 = numberToParts(record, start, m1, true), p2 = numberToParts(record, end, m2, true);
    const out = [];
    // Ends equal after rounding (ICU compares the rounded quantities, signs included).
    if ((m1.negative === m2.negative || (m1.kind === "finite" && showsZero(p1))) && joinParts(p1) === joinParts(p2)) {
      // ICU puts the approximately sign where the sign goes; an accounting "(" has no place.
      if (!(p1[0].type === "literal" && p1[0].value === "(")) pushRangePart(out, "approximatelySign", "~", "shared");
      pushAll(out, p1, "shared");
      return out;
    }
    const a = affixes(record, p1), b = affixes(record, p2);
    // The long name takes the range's plural form, which is "other" in English.
    const name = a.outer.length !== 0;
    const collapseMiddle = a.middle === b.middle && a.middleLength > 1;
    // ICU spaces the dash when an affix or exponent of the start is repeated.
    const separator = (!collapseMiddle && a.middleLength > 0) || a.inner ? " \u2013 " : "\u2013";
    if (collapseMiddle) pushAll(out, a.prefix, "shared");
    else pushAll(out, a.prefix, "startRange");
    pushAll(out, a.body, "startRange");
    if (!collapseMiddle) pushAll(out, a.suffix, "startRange");
    pushRangePart(out, "literal", separator, "shared");
    if (!collapseMiddle) pushAll(out, b.prefix, "endRange");
    pushAll(out, b.body, "endRange");
    pushAll(out, b.suffix, collapseMiddle ? "shared" : "endRange");
    if (name && record.style === "percent") {
      pushAll(out, a.outer, "shared");
    } else if (name && record.style === "unit") {
      const other = [];
      pushUnit(other, record, false, true);
      pushAll(out, other, "shared");
    } else if (name) {
      pushRangePart(out, "literal", " ", "shared");
      pushRangePart(out, "currency", record.currencyInfo.other, "shared");
    }
    // ICU inserts a shared currency's spacing after it noted where the two numbers are: V8's
    // spans then start one character early (and the last part of each number falls outside).
    if (collapseMiddle && a.prefix.length !== 0 && a.prefix[a.prefix.length - 1].value === "\u00a0") shiftSpans(out);
    return out;
  }

  function shiftSpans(out) {
    const spans = { __proto__: null };
    let at = 0;
    for (let i = 0; i < out.length; i++) {
      const p = out[i], span = spans[p.source];
      if (span === undefined) spans[p.source] = { start: at, end: at + p.value.length };
      else span.end = at + p.value.length;
      p.start = at;
      at += p.value.length;
    }
    for (let i = 0; i < out.length; i++) {
      const p = out[i], end = p.start + p.value.length;
      let source = "shared";
      if (spans.startRange !== undefined && p.start >= spans.startRange.start - 1 && end <= spans.startRange.end - 1) source = "startRange";
      else if (spans.endRange !== undefined && p.start >= spans.endRange.start - 1 && end <= spans.endRange.end - 1) source = "endRange";
      out[i] = { type: p.type, value: p.value, source: source };
    }
  }

  // DateTimeFormat#formatRange's layout (ICU's DateIntervalFormat for en, with CLDR's
  // intervalFormats) is ranges.js, compiled the first time a handler formats a date range.
  // The host hands it in for handlers whose text names formatRange (sources.named_sources).
  let rangeModule;

  function loadRanges() {
    try {
      return load("ranges");
    } catch (e) {
      rangeError(`Intl.DateTimeFormat.prototype.formatRange: ${SANDBOX} loads its date-range layout for handlers whose text names formatRange or formatRangeToParts; write the name out`);
    }
  }

  function dateRangeToParts(record, startDate, endDate, asString) {
    if (rangeModule === undefined) {
      rangeModule = loadRanges()({
        __proto__: null, FIELD_TYPES: FIELD_TYPES, SANDBOX: SANDBOX, StringIndexOf: StringIndexOf, StringSlice: StringSlice, ZONE_LETTERS: ZONE_LETTERS, appendItem: appendItem, compilePattern: compilePattern, componentsPattern: componentsPattern, fieldText: fieldText, isAlpha: isAlpha, literalToken: literalToken, rangeError: rangeError, repeat: repeat, setOf: setOf, split: split, toTimeValue: toTimeValue, typeError: typeError, fieldsAt: fieldsAt,
      });
    }
    return rangeModule(record, startDate, endDate, asString);
  }

  function formatNumber(record, x) {
    const parts = numberToParts(record, x);
    let out = "";
    for (let i = 0; i < parts.length; i++) out += parts[i].value;
    return out;
  }

  let defaultNumberRecord;

  function toLocaleNumber(x, locales, options) {
    let record;
    if (locales === undefined && options === undefined) {
      if (defaultNumberRecord === undefined) defaultNumberRecord = createNumberFormat(undefined, undefined);
      record = defaultNumberRecord;
    } else {
      record = createNumberFormat(locales, options);
    }
    return formatNumber(record, x);
  }

  function numberToLocaleString(locales, options) {
    const saved = enter(numberToLocaleString);
    try {
      return toLocaleNumber(NumberValueOf(this), locales, options);
    } finally {
      leave(saved);
    }
  }

  function bigintToLocaleString(locales, options) {
    const saved = enter(bigintToLocaleString);
    try {
      return toLocaleNumber(BigIntValueOf(this), locales, options);
    } finally {
      leave(saved);
    }
  }

  // ======================================================================================
  // The Intl namespace object
  // ======================================================================================

  function hide(object, names) {
    for (let i = 0; i < names.length; i++) ObjectDefineProperty(object, names[i], { __proto__: null, enumerable: false });
  }

  function setLength(fn, length) {
    ObjectDefineProperty(fn, "length", { __proto__: null, value: length, configurable: true });
  }

  function setToStringTag(object, tag) {
    ObjectDefineProperty(object, P.SymbolToStringTag, { __proto__: null, value: tag, configurable: true });
  }

  function supportedLocales(locales, options) {
    const requested = canonicalizeLocaleList(locales);
    if (options !== undefined) getStringOption(toOptionsObject(options), "localeMatcher", ["lookup", "best fit"], "best fit", "Intl");
    const out = [];
    for (let i = 0; i < requested.length; i++) {
      if (requested[i] === "en-US" || requested[i] === "en") out[out.length] = requested[i];
    }
    return out;
  }

  // Public functions run inside `run` so that errors point at the caller's frame.
  function run(entry, body, a, b, c, d) {
    const saved = enter(entry);
    try {
      return body(a, b, c, d);
    } finally {
      leave(saved);
    }
  }

  // ---- Intl.DateTimeFormat ----

  function DateTimeFormat() {
    const self = new.target === undefined ? { __proto__: DateTimeFormatPrototype } : this;
    const record = run(DateTimeFormat, createDateTimeFormat, arguments[0], arguments[1], "any", "date");
    new Slots(self, record);
    return self;
  }

  function dateTimeFormatToParts(self, date) {
    const record = slotsOf(self, "DateTimeFormat", "formatToParts");
    const parts = [];
    formatDate(record, toTimeValue(date), parts);
    return parts;
  }

  function boundDateFormat(self) {
    const record = slotsOf(self, "DateTimeFormat", "format");
    if (record.boundFormat === undefined) {
      // Anonymous, length 1, like V8's bound format function.
      record.boundFormat = function (date) {
        return run(record.boundFormat, formatDateValue, record, date);
      };
    }
    return record.boundFormat;
  }

  function formatDateValue(record, date) {
    return formatDate(record, toTimeValue(date), undefined);
  }

  const DateTimeFormatPrototype = {
    constructor: DateTimeFormat,
    resolvedOptions() {
      return run(dtfMethods.resolvedOptions, resolvedDateTimeOptions, slotsOf(this, "DateTimeFormat", "resolvedOptions"));
    },
    formatToParts(date) {
      return run(dtfMethods.formatToParts, dateTimeFormatToParts, this, date);
    },
    get format() {
      return run(dtfMethods.format, boundDateFormat, this);
    },
    formatRange(startDate, endDate) {
      return run(dtfMethods.formatRange, dateFormatRange, this, startDate, endDate);
    },
    formatRangeToParts(startDate, endDate) {
      return run(dtfMethods.formatRangeToParts, dateFormatRangeToParts, this, startDate, endDate);
    },
  };

  // ---- Intl.NumberFormat ----

  function NumberFormat() {
    const self = new.target === undefined ? { __proto__: NumberFormatPrototype } : this;
    const record = run(NumberFormat, createNumberFormat, arguments[0], arguments[1]);
    new Slots(self, record);
    return self;
  }

  function dateFormatRange(self, startDate, endDate) {
    return joinParts(dateRangeToParts(slotsOf(self, "DateTimeFormat", "formatRange"), startDate, endDate, true));
  }

  function dateFormatRangeToParts(self, startDate, endDate) {
    return dateRangeToParts(slotsOf(self, "DateTimeFormat", "formatRangeToParts"), startDate, endDate, false);
  }

  function numberFormatRange(self, start, end) {
    return joinParts(numberRangeToParts(slotsOf(self, "NumberFormat", "formatRange"), start, end));
  }

  function numberFormatRangeToParts(self, start, end) {
    return numberRangeToParts(slotsOf(self, "NumberFormat", "formatRangeToParts"), start, end);
  }

  function numberFormatToParts(self, value) {
    return numberToParts(slotsOf(self, "NumberFormat", "formatToParts"), value);
  }

  function boundNumberFormat(self) {
    const record = slotsOf(self, "NumberFormat", "format");
    if (record.boundFormat === undefined) {
      record.boundFormat = function (value) {
        return run(record.boundFormat, formatNumber, record, value);
      };
    }
    return record.boundFormat;
  }

  const NumberFormatPrototype = {
    constructor: NumberFormat,
    resolvedOptions() {
      return run(nfMethods.resolvedOptions, resolvedNumberOptions, slotsOf(this, "NumberFormat", "resolvedOptions"));
    },
    formatToParts(value) {
      return run(nfMethods.formatToParts, numberFormatToParts, this, value);
    },
    get format() {
      return run(nfMethods.format, boundNumberFormat, this);
    },
    formatRange(start, end) {
      return run(nfMethods.formatRange, numberFormatRange, this, start, end);
    },
    formatRangeToParts(start, end) {
      return run(nfMethods.formatRangeToParts, numberFormatRangeToParts, this, start, end);
    },
  };

  // (Method syntax: like V8's built-ins, these have no own `prototype` and cannot be `new`ed.)
  const supportedLocalesOf = {
    supportedLocalesOf(locales) {
      return run(supportedLocalesOf, supportedLocales, locales, arguments[1]);
    },
  }.supportedLocalesOf;

  const Intl = {
    getCanonicalLocales(locales) {
      return run(getCanonicalLocales, canonicalizeLocaleList, locales);
    },
    DateTimeFormat: DateTimeFormat,
    NumberFormat: NumberFormat,
  };
  const getCanonicalLocales = Intl.getCanonicalLocales;

  // The methods as created here (the user may replace the properties later), for `run`.
  function methodsOf(prototype) {
    const out = { __proto__: null };
    out.resolvedOptions = prototype.resolvedOptions;
    out.formatToParts = prototype.formatToParts;
    out.formatRange = prototype.formatRange;
    out.formatRangeToParts = prototype.formatRangeToParts;
    out.format = undefined; // the getter: errors from it are trimmed at the caller anyway
    return out;
  }
  const dtfMethods = methodsOf(DateTimeFormatPrototype);
  const nfMethods = methodsOf(NumberFormatPrototype);

  const PROTOTYPE_NAMES = ["constructor", "resolvedOptions", "formatToParts", "format", "formatRange", "formatRangeToParts"];
  hide(DateTimeFormatPrototype, PROTOTYPE_NAMES);
  hide(NumberFormatPrototype, PROTOTYPE_NAMES);
  setToStringTag(DateTimeFormatPrototype, "Intl.DateTimeFormat");
  setToStringTag(NumberFormatPrototype, "Intl.NumberFormat");
  const constructors = [DateTimeFormat, DateTimeFormatPrototype, NumberFormat, NumberFormatPrototype];
  for (let i = 0; i < constructors.length; i += 2) {
    const ctor = constructors[i];
    ObjectDefineProperty(ctor, "prototype", { __proto__: null, value: constructors[i + 1], writable: false });
    ObjectDefineProperty(ctor, "supportedLocalesOf", { __proto__: null, value: supportedLocalesOf, writable: true, configurable: true });
    setLength(ctor, 0);
  }
  // The rest of V8's Intl exists, so that `typeof` and feature tests see it, but throws with
  // its name: a handler must never get a silently different string.
  // Their prototypes list V8's members (Node 20's), each throwing the same way.
  // [name, methods, getters]; supportedValuesOf is a plain function.
  const UNSUPPORTED_MEMBERS = [
    ["Collator", ["compare", "resolvedOptions"], []],
    ["DisplayNames", ["of", "resolvedOptions"], []],
    ["ListFormat", ["format", "formatToParts", "resolvedOptions"], []],
    ["Locale", ["maximize", "minimize", "toString"], ["baseName", "calendar", "calendars", "caseFirst", "collation",
      "collations", "hourCycle", "hourCycles", "language", "numberingSystem", "numberingSystems", "numeric", "region",
      "script", "textInfo", "timeZones", "weekInfo"]],
    ["PluralRules", ["resolvedOptions", "select", "selectRange"], []],
    ["RelativeTimeFormat", ["format", "formatToParts", "resolvedOptions"], []],
    ["Segmenter", ["resolvedOptions", "segment"], []],
    ["supportedValuesOf", null, null],
  ];
  const UNSUPPORTED = [];
  function unavailable(name, caller) {
    const error = new P.TypeError(`Intl.${name} is not available in the dodo-transform sandbox, which implements Intl.NumberFormat and Intl.DateTimeFormat (en-US)`);
    P.ErrorCaptureStackTrace(error, caller);
    throw error;
  }
  function unavailableMember(prototype, ctorName, key, isGetter) {
    const what = `${ctorName}.prototype.${key}`;
    const method = { [key]() { unavailable(what, method); } }[key];
    ObjectDefineProperty(prototype, key, isGetter
      ? { __proto__: null, get: method, configurable: true }
      : { __proto__: null, value: method, writable: true, configurable: true });
  }
  for (let i = 0; i < UNSUPPORTED_MEMBERS.length; i++) {
    const name = UNSUPPORTED_MEMBERS[i][0], methods = UNSUPPORTED_MEMBERS[i][1], getters = UNSUPPORTED_MEMBERS[i][2];
    UNSUPPORTED[i] = name;
    // Constructors are not method syntax: `new Intl.PluralRules()` must reach the throw.
    const fn = methods === null
      ? { [name]() { unavailable(name, fn); } }[name]
      : { [name]: function () { unavailable(name, fn); } }[name];
    Intl[name] = fn;
    if (methods === null) continue;
    for (let j = 0; j < methods.length; j++) unavailableMember(fn.prototype, name, methods[j], false);
    for (let j = 0; j < getters.length; j++) unavailableMember(fn.prototype, name, getters[j], true);
    setToStringTag(fn.prototype, "Intl." + name);
    if (name !== "Locale") {
      ObjectDefineProperty(fn, "supportedLocalesOf", { __proto__: null, value: supportedLocalesOf, writable: true, configurable: true });
    }
  }
  hide(Intl, ["getCanonicalLocales", "DateTimeFormat", "NumberFormat"]);
  hide(Intl, UNSUPPORTED);
  setToStringTag(Intl, "Intl");

  return {
    dateToLocaleString: dateToLocaleString,
    dateToLocaleDateString: dateToLocaleDateString,
    dateToLocaleTimeString: dateToLocaleTimeString,
    numberToLocaleString: numberToLocaleString,
    bigintToLocaleString: bigintToLocaleString,
    Intl: Intl,
    // For intl_more.js: the locale a constructor reports for `locales`, or the RangeError.
    canonicalLocales: canonicalizeLocaleList,
    canonicalLocale: function (locales) {
      const resolved = resolveLocale(canonicalizeLocaleList(locales));
      if (resolved.problem !== undefined) rangeError(resolved.problem);
      return resolved.locale;
    },
  };
})
