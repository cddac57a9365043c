#!/usr/bin/env node
// What Node 20 prints for the Intl.DateTimeFormat options the sandbox used to refuse
// (timeZoneName, fractionalSecondDigits, era,
// dayPeriod)
// and Intl.NumberFormat options (notation: 'compact', 'scientific', 'engineering') in en / en-US, UTC/GMT: the reference for tests/test_intl_options.py.
// Each case is an expression and its value as JSON, or "!" and the name of the error thrown.
// Usage: TZ=UTC node tests/tools/gen_intl_options_cases.js > tests/data/intl_options_cases.json
"use strict";
const exprs = [];
const dates = ["Date.UTC(2025, 0, 15, 9, 5, 7, 123)", "Date.UTC(2024, 11, 31, 0, 0, 0)", "Date.UTC(2025, 6, 4, 12, 30, 59, 999)",
  "Date.UTC(1999, 1, 28, 23, 59, 1)"];
const components = ["", "year: 'numeric'", "month: 'long'", "month: 'short', day: 'numeric'", "day: 'numeric'",
  "year: '2-digit', day: 'numeric'", "month: 'long', year: 'numeric'", "month: 'long', day: 'numeric'",
  "year: 'numeric', month: '2-digit', day: '2-digit'", "weekday: 'long', year: 'numeric', month: 'long', day: 'numeric'",
  "weekday: 'short'", "weekday: 'short', month: 'short'", "weekday: 'short', hour: 'numeric'",
  "weekday: 'long', hour: 'numeric', minute: '2-digit'", "weekday: 'long', hour: 'numeric', hour12: false",
  "hour: 'numeric'", "hour: '2-digit'", "hour: 'numeric', minute: '2-digit'", "hour: '2-digit', minute: '2-digit', second: '2-digit'",
  "hour: 'numeric', hour12: false", "hour: '2-digit', hourCycle: 'h23'", "hour: 'numeric', hourCycle: 'h11'",
  "hour: 'numeric', minute: 'numeric', hourCycle: 'h23'", "hour: 'numeric', second: 'numeric'",
  "hour: 'numeric', second: 'numeric', hourCycle: 'h23'", "minute: 'numeric'", "second: 'numeric'",
  "minute: 'numeric', second: 'numeric'", "year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'",
  "month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'",
  "year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', hour12: false",
  "year: 'numeric', hour: 'numeric', hour12: false", "dateStyle: 'short'", "timeStyle: 'long'"];
const styles = ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"];
for (const tz of styles) {
  for (const c of components) {
    // A generic name with a time but no hour is refused (ICU's layout for it varies).
    if (tz.endsWith("Generic") && !c.includes("hour") && /minute|second/.test(c)) continue;
    const opts = `{ ${c ? c + ", " : ""}timeZoneName: '${tz}' }`;
    const f = `new Intl.DateTimeFormat('en-US', ${opts})`;
    exprs.push(`${f}.resolvedOptions()`);
    for (const d of dates.slice(0, 2)) exprs.push(`${f}.format(${d})`);
    exprs.push(`${f}.formatToParts(${dates[2]})`);
  }
  for (const zone of ["UTC", "GMT", "Etc/GMT", "Etc/Greenwich", "greenwich", "Etc/UTC", "Zulu"]) {
    const f = `new Intl.DateTimeFormat('en', { timeZone: '${zone}', timeZoneName: '${tz}', hour: 'numeric', minute: 'numeric' })`;
    exprs.push(`${f}.format(${dates[3]})`, `${f}.formatToParts(${dates[0]})`, `${f}.resolvedOptions()`);
  }
  for (const d of dates) {
    exprs.push(`new Date(${d}).toLocaleString('en-US', { timeZoneName: '${tz}' })`,
      `new Date(${d}).toLocaleDateString('en-US', { timeZoneName: '${tz}' })`,
      `new Date(${d}).toLocaleTimeString('en-US', { timeZoneName: '${tz}' })`,
      `new Date(${d}).toLocaleTimeString(undefined, { timeZoneName: '${tz}', hour: '2-digit', minute: '2-digit' })`,
      `new Date(${d}).toLocaleDateString('en', { timeZoneName: '${tz}', month: 'long', day: 'numeric' })`);
  }
}
const fractionTimes = ["", "hour: 'numeric'", "hour: '2-digit'", "minute: 'numeric'", "second: 'numeric'", "second: '2-digit'",
  "hour: 'numeric', minute: 'numeric'", "minute: 'numeric', second: 'numeric'",
  "hour: '2-digit', minute: '2-digit', second: '2-digit'", "hour: 'numeric', minute: 'numeric', second: 'numeric'"];
const fractionExtras = ["", "timeZoneName: 'short'", "timeZoneName: 'longOffset'", "year: 'numeric'", "weekday: 'short'",
  "month: 'long', day: 'numeric'", "year: 'numeric', month: 'numeric', day: 'numeric'"];
const fractionDates = ["Date.UTC(2025, 0, 15, 9, 5, 7, 123)", "Date.UTC(2024, 11, 31, 0, 0, 0, 5)", "Date.UTC(2025, 6, 4, 23, 30, 59, 999)",
  "Date.UTC(1969, 11, 31, 23, 59, 59, 950)"];
for (const cycle of ["", "hourCycle: 'h23'", "hour12: false", "hourCycle: 'h11'"]) for (const t of fractionTimes) {
  for (const x of fractionExtras) {
    const fsd = 1 + ((fractionTimes.indexOf(t) + fractionExtras.indexOf(x)) % 3);
    const opts = [t, x, cycle, `fractionalSecondDigits: ${fsd}`].filter(Boolean).join(", ");
    const f = `new Intl.DateTimeFormat('en-US', { ${opts} })`;
    exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(${fractionDates[fsd - 1]})`);
    for (const d of fractionDates) exprs.push(`${f}.format(${d})`);
  }
}
// (An hour and a second without a minute: ICU's choice varies with widths and digits; the
// sandbox refuses fractionalSecondDigits there, see test_intl_options.py.)
for (const t of ["second: '2-digit'", "hour: '2-digit'", "hour: 'numeric'", "minute: '2-digit'"]) {
  for (const x of ["", "timeZoneName: 'short'", "year: 'numeric'", "weekday: 'short'"]) {
    for (const cycle of ["hourCycle: 'h23'", "hourCycle: 'h24'", "hourCycle: 'h12'"]) for (const fsd of [1, 2, 3]) {
      const f = `new Intl.DateTimeFormat('en-US', { ${[t, x, cycle].filter(Boolean).join(", ")}, fractionalSecondDigits: ${fsd} })`;
      exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(${fractionDates[0]})`);
    }
  }
}
for (const fsd of [1, 2, 3]) for (const d of fractionDates) {
  exprs.push(`new Date(${d}).toLocaleTimeString('en-US', { fractionalSecondDigits: ${fsd} })`,
    `new Date(${d}).toLocaleString('en-US', { hour: 'numeric', minute: 'numeric', fractionalSecondDigits: ${fsd} })`,
    `new Date(${d}).toLocaleDateString('en-US', { fractionalSecondDigits: ${fsd} })`,
    `new Date(${d}).toLocaleString(undefined, { fractionalSecondDigits: ${fsd} })`);
}
exprs.push("new Intl.DateTimeFormat('en', { fractionalSecondDigits: 0 })", "new Intl.DateTimeFormat('en', { fractionalSecondDigits: 4 })",
  "new Intl.DateTimeFormat('en', { fractionalSecondDigits: '2' }).format(1234)",
  "new Intl.DateTimeFormat('en', { fractionalSecondDigits: 2.9 }).resolvedOptions()",
  "new Intl.DateTimeFormat('en', { fractionalSecondDigits: 1, timeStyle: 'short' })");
const eraDates = ["Date.UTC(2025, 0, 15, 9, 5, 7)", "Date.UTC(-50, 5, 1, 15, 0, 0)", "Date.UTC(0, 11, 31, 23, 59, 59)",
  "Date.UTC(1, 0, 1, 0, 0, 0)"];
const eraComponents = ["", "year: 'numeric'", "year: '2-digit'", "year: 'numeric', month: 'long', day: 'numeric'",
  "year: 'numeric', month: 'short', day: 'numeric'", "year: 'numeric', month: 'numeric', day: 'numeric'",
  "year: 'numeric', month: '2-digit', day: '2-digit'", "month: 'numeric', day: 'numeric'", "month: 'short', day: 'numeric'",
  "month: 'long', day: '2-digit'", "year: 'numeric', month: 'long'", "year: 'numeric', month: 'numeric'",
  "year: 'numeric', day: 'numeric'", "weekday: 'long', year: 'numeric', month: 'long', day: 'numeric'",
  "weekday: 'short', month: 'numeric', day: 'numeric'", "hour: 'numeric'",
  "hour: 'numeric', minute: 'numeric'", "hour: '2-digit', minute: '2-digit', hour12: false", "minute: 'numeric', second: 'numeric'",
  "year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'",
  "year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric'", "year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23'",
  "year: 'numeric', timeZoneName: 'short'", "month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric', fractionalSecondDigits: 2"];
for (const era of ["long", "short", "narrow"]) for (const c of eraComponents) {
  const f = `new Intl.DateTimeFormat('en-US', { ${c ? c + ", " : ""}era: '${era}' })`;
  exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(${eraDates[1]})`);
  for (const d of eraDates) exprs.push(`${f}.format(${d})`);
}
for (const d of eraDates) {
  exprs.push(`new Date(${d}).toLocaleDateString('en-US', { era: 'short' })`, `new Date(${d}).toLocaleString('en-US', { era: 'long' })`,
    `new Date(${d}).toLocaleTimeString('en-US', { era: 'narrow' })`);
}
exprs.push("new Intl.DateTimeFormat('en', { era: 'tiny' })", "new Intl.DateTimeFormat('en', { era: 'short', dateStyle: 'long' })");
const periodDates = [];
for (const h of [0, 5, 6, 11, 12, 13, 17, 18, 20, 21, 23]) periodDates.push(`Date.UTC(2025, 0, 15, ${h}, 0, 0)`);
periodDates.push("Date.UTC(2025, 0, 15, 12, 0, 30)", "Date.UTC(2025, 0, 15, 12, 30, 0)", "Date.UTC(2025, 0, 15, 9, 5, 7, 250)");
const periodComponents = ["", "hour: 'numeric'", "hour: '2-digit'", "hour: 'numeric', minute: 'numeric'",
  "hour: 'numeric', minute: '2-digit', second: '2-digit'", "hour: 'numeric', hourCycle: 'h11'", "hour: 'numeric', hour12: false",
  "hour: 'numeric', minute: 'numeric', hourCycle: 'h23'", "hour: 'numeric', second: 'numeric'", "year: 'numeric', month: 'numeric', day: 'numeric'",
  "month: 'long', day: 'numeric'", "weekday: 'short'", "year: 'numeric'", "weekday: 'long', hour: 'numeric'",
  "weekday: 'long', hour: 'numeric', minute: 'numeric'", "year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric'",
  "month: 'short', day: 'numeric', hour: 'numeric'", "hour: 'numeric', timeZoneName: 'short'",
  "hour: 'numeric', minute: 'numeric', timeZoneName: 'long'", "hour: 'numeric', era: 'short'", "hour: 'numeric', fractionalSecondDigits: 2",
  "hour: 'numeric', minute: 'numeric', fractionalSecondDigits: 3", "year: 'numeric', era: 'long'"];
for (const period of ["narrow", "short", "long"]) for (const c of periodComponents) {
  const f = `new Intl.DateTimeFormat('en-US', { ${c ? c + ", " : ""}dayPeriod: '${period}' })`;
  exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(${periodDates[2]})`);
  for (const d of periodDates) exprs.push(`${f}.format(${d})`);
}
for (const d of periodDates.slice(0, 5)) {
  exprs.push(`new Date(${d}).toLocaleTimeString('en-US', { dayPeriod: 'short' })`, `new Date(${d}).toLocaleString('en-US', { dayPeriod: 'long' })`,
    `new Date(${d}).toLocaleDateString('en-US', { dayPeriod: 'narrow' })`);
}
exprs.push("new Intl.DateTimeFormat('en', { dayPeriod: 'tiny' })", "new Intl.DateTimeFormat('en', { dayPeriod: 'short', timeStyle: 'long' })");
const numbers = ["0", "-0", "1", "1.5", "9.99", "12.345", "99.5", "999", "999.5", "999.95", "1000", "1234", "1500", "9999",
  "12345", "99950", "123456", "999999", "1e6", "1234567", "-9876543.21", "1e9", "1.5e12", "999999999999999", "1e15",
  "1.234e15", "1e16", "1e21", "-1234", "0.00123", "0.5", "0.0000005", "-5.55", "-999.9", "NaN", "-Infinity", "123456789012345678901234567890n",
  "-1500n", "'12345.678'"];
const compactOptions = ["", "compactDisplay: 'long'", "compactDisplay: 'short'", "style: 'percent'",
  "style: 'percent', compactDisplay: 'long'", "style: 'currency', currency: 'USD'",
  "style: 'currency', currency: 'EUR', compactDisplay: 'long'", "style: 'currency', currency: 'JPY'",
  "style: 'currency', currency: 'USD', currencyDisplay: 'name'", "style: 'currency', currency: 'GBP', currencyDisplay: 'code'",
  "style: 'currency', currency: 'USD', currencySign: 'accounting'", "maximumFractionDigits: 2", "minimumFractionDigits: 1",
  "maximumSignificantDigits: 3", "minimumSignificantDigits: 3", "maximumFractionDigits: 0, compactDisplay: 'long'",
  "signDisplay: 'always'", "signDisplay: 'exceptZero', compactDisplay: 'long'", "useGrouping: false", "useGrouping: 'always'",
  "roundingMode: 'floor'", "roundingMode: 'ceil', maximumFractionDigits: 1", "minimumIntegerDigits: 3",
  "roundingPriority: 'lessPrecision', maximumFractionDigits: 2, maximumSignificantDigits: 2", "trailingZeroDisplay: 'stripIfInteger', minimumFractionDigits: 2"];
for (const loc of ["'en'", "'en-US'"]) for (const c of compactOptions) {
  const f = `new Intl.NumberFormat(${loc}, { notation: 'compact'${c ? ", " + c : ""} })`;
  if (loc === "'en'") exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(-1234.5)`, `${f}.formatToParts(1e15)`);
  for (const n of numbers) if (loc === "'en'" || n.length < 6) exprs.push(`${f}.format(${n})`);
}
const exponentialOptions = ["", "maximumFractionDigits: 1", "maximumSignificantDigits: 2", "minimumFractionDigits: 2",
  "minimumSignificantDigits: 4", "style: 'percent'", "style: 'percent', maximumFractionDigits: 2", "style: 'currency', currency: 'USD'",
  "style: 'currency', currency: 'JPY', currencyDisplay: 'name'", "style: 'currency', currency: 'USD', currencyDisplay: 'name'",
  "style: 'currency', currency: 'EUR', currencySign: 'accounting'", "style: 'currency', currency: 'GBP', currencyDisplay: 'code'",
  "signDisplay: 'always'", "signDisplay: 'exceptZero'", "minimumIntegerDigits: 3", "minimumIntegerDigits: 5, useGrouping: 'always'",
  "roundingMode: 'trunc', maximumFractionDigits: 2", "roundingMode: 'ceil'", "trailingZeroDisplay: 'stripIfInteger', minimumFractionDigits: 2",
  "roundingPriority: 'morePrecision', maximumSignificantDigits: 2, maximumFractionDigits: 1"];
const exponentialNumbers = ["0", "-0", "1", "1.5", "12.345", "999.9995", "9.9995", "1000", "1234.5678", "-98765.4321", "1e21", "1.23e-7",
  "0.000999", "123456789", "NaN", "Infinity", "5e-324", "1.7976931348623157e308", "100", "0.1", "0.01", "-0.000012", "12345678901234567890n",
  "'1e400'"];
for (const notation of ["scientific", "engineering"]) for (const c of exponentialOptions) {
  const f = `new Intl.NumberFormat('en', { notation: '${notation}'${c ? ", " + c : ""} })`;
  exprs.push(`${f}.resolvedOptions()`, `${f}.formatToParts(-1234.5)`, `${f}.formatToParts(0.00012)`);
  for (const n of exponentialNumbers) exprs.push(`${f}.format(${n})`);
}
for (const n of ["1234", "-1500000", "0.5", "999999"]) {
  exprs.push(`(${n}).toLocaleString('en-US', { notation: 'scientific' })`, `(${n}).toLocaleString(undefined, { notation: 'engineering' })`);
}
for (const n of ["1234", "-1500000", "0.5", "999999"]) {
  exprs.push(`(${n}).toLocaleString('en-US', { notation: 'compact' })`,
    `(${n}).toLocaleString(undefined, { notation: 'compact', compactDisplay: 'long' })`,
    `BigInt(Math.round(${n})).toLocaleString('en', { notation: 'compact', style: 'currency', currency: 'USD' })`);
}
exprs.push("new Intl.NumberFormat('en', { notation: 'compact', compactDisplay: 'tiny' })",
  "new Intl.NumberFormat('en', { notation: 'Compact' })", "new Intl.NumberFormat('en', { compactDisplay: 'long' }).resolvedOptions()");
exprs.push("new Intl.DateTimeFormat('en', { timeZoneName: 'tiny' })", "new Intl.DateTimeFormat('en', { timeZoneName: 'Short' })",
  "new Intl.DateTimeFormat('en', { timeZoneName: 'short', timeStyle: 'short' })",
  "new Intl.DateTimeFormat('en', { timeZoneName: undefined }).format(0)",
  "new Date(0).toLocaleDateString('en', { timeZoneName: 'short', timeStyle: 'short' })");
// A seeded sweep of random component combinations with the new options: the sandbox must print
// exactly this or refuse with a RangeError (tests/test_intl_options.py), never print otherwise.
const sweep = [];
let seed = 2027;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const choose = (list) => list[Math.floor(random() * list.length)];
const sweepFields = { weekday: ["narrow", "short", "long"], era: ["narrow", "short", "long"], year: ["numeric", "2-digit"],
  month: ["numeric", "2-digit", "narrow", "short", "long"], day: ["numeric", "2-digit"], dayPeriod: ["narrow", "short", "long"],
  hour: ["numeric", "2-digit"], minute: ["numeric", "2-digit"], second: ["numeric", "2-digit"], fractionalSecondDigits: [1, 2, 3],
  timeZoneName: ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"] };
const sweepDates = ["Date.UTC(2025, 0, 15, 9, 5, 7, 123)", "Date.UTC(2024, 11, 31, 12, 0, 0, 5)", "Date.UTC(-50, 5, 1, 23, 59, 59, 999)"];
for (let i = 0; i < 3000; i++) {
  const first = choose(["era", "dayPeriod", "fractionalSecondDigits", "timeZoneName"]);
  const opts = [`${first}: ${JSON.stringify(choose(sweepFields[first]))}`];
  for (const k of Object.keys(sweepFields)) if (k !== first && random() < 0.3) opts.push(`${k}: ${JSON.stringify(choose(sweepFields[k]))}`);
  if (random() < 0.3) opts.push(choose(["hour12: false", "hourCycle: 'h23'", "hourCycle: 'h11'", "hour12: true"]));
  if (random() < 0.2) opts.push(`timeZone: ${choose(["'UTC'", "'Etc/Greenwich'"])}`);
  const f = `new Intl.DateTimeFormat('en-US', { ${opts.join(", ")} })`;
  sweep.push(`${f}.formatToParts(${choose(sweepDates)})`, `${f}.resolvedOptions()`);
}
// And random NumberFormat option combinations with each notation: all printed exactly.
const numberOptions = { style: ["'decimal'", "'percent'", "'currency'"], currency: ["'USD'", "'EUR'", "'JPY'", "'GBP'", "'KWD'"],
  currencyDisplay: ["'symbol'", "'code'", "'name'", "'narrowSymbol'"], currencySign: ["'accounting'"], compactDisplay: ["'short'", "'long'"],
  minimumFractionDigits: [0, 1, 2, 3], maximumFractionDigits: [0, 1, 2, 5], minimumSignificantDigits: [1, 2, 4],
  maximumSignificantDigits: [1, 3, 6], minimumIntegerDigits: [1, 2, 4], useGrouping: ["false", "'always'", "'min2'", "'auto'"],
  signDisplay: ["'always'", "'never'", "'exceptZero'", "'negative'"],
  roundingMode: ["'floor'", "'ceil'", "'trunc'", "'halfEven'", "'expand'", "'halfTrunc'"], roundingPriority: ["'morePrecision'", "'lessPrecision'"],
  trailingZeroDisplay: ["'stripIfInteger'"] };
const sweepNumbers = ["0", "-0", "1", "-1", "0.5", "1.005", "9.995", "99.95", "999.5", "1234.5", "-98765.4321", "999999.9", "1e6", "1.5e9",
  "123456789012", "1e15", "9.99e14", "1e21", "1e-7", "0.000123", "NaN", "-Infinity", "12345678901234567890n", "-5n", "'1e3'"];
for (let i = 0; i < 1500; i++) {
  const opts = [`notation: ${choose(["'compact'", "'scientific'", "'engineering'"])}`];
  for (const k of Object.keys(numberOptions)) if (random() < 0.2) opts.push(`${k}: ${choose(numberOptions[k])}`);
  if (opts.includes("style: 'currency'") && !opts.some((o) => o.startsWith("currency:"))) opts.push("currency: 'USD'");
  const f = `new Intl.NumberFormat('en', { ${opts.join(", ")} })`;
  exprs.push(`${f}.formatToParts(${choose(sweepNumbers)})`, `${f}.format(${choose(sweepNumbers)})`, `${f}.resolvedOptions()`);
}
const run = (e) => {
  try {
    return [e, JSON.stringify((0, eval)(e))];
  } catch (err) {
    return [e, "!" + err.name];
  }
};
const out = JSON.stringify({ node: process.version, cases: exprs.map(run), sweep: sweep.map(run) }, null, 0);
process.stdout.write(out.replace(/\],\[/g, "],\n[") + "\n");
