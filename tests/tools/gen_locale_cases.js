#!/usr/bin/env node
/*
 * Regenerates tests/data/locale_cases.json, the conformance table for dodo_transform/sandbox/js/intl.js:
 * every expression below is evaluated by Node 20 (V8 + full ICU) in en-US / UTC, and the
 * sandbox must print exactly the same string (tests/test_locale.py checks it, and checks this
 * script's output against the committed file, so the table cannot drift from Node).
 *
 *   node tests/tools/gen_locale_cases.js                # rewrite tests/data/locale_cases.json
 *   node tests/tools/gen_locale_cases.js --out FILE     # write elsewhere ("-" = stdout)
 *   node tests/tools/gen_locale_cases.js --currency-data
 *       print the CURRENCY_DATA table that intl.js embeds (between its @@CURRENCY_DATA markers)
 *
 * Entries: {"expr", "expected"} or {"expr", "throws": "RangeError"}. Expressions the sandbox
 * must refuse although Node prints something (another locale, time zone, notation...) carry
 * "unsupported": true and "node": what Node printed: the difference is by design, the sandbox
 * throws rather than print a string that differs from Node's.
 */
"use strict";
const { inUtcEnUs, writeTable } = require("./case_file.js");

inUtcEnUs(__filename);
const defaults = new Intl.DateTimeFormat().resolvedOptions();
if (defaults.timeZone !== "UTC" || defaults.locale !== "en-US") {
  console.error(`gen_locale_cases: need TZ=UTC and an en-US default locale, got ${defaults.timeZone} / ${defaults.locale}`);
  process.exit(1);
}
if (!process.versions.node.startsWith("20.")) {
  console.error(`gen_locale_cases: the sandbox targets Node 20, this is Node ${process.versions.node}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// The cases. D is the contract's sample timestamp; expressions must be self-contained.

const D = 'new Date("2025-08-04T05:30:45.182629Z")';
const MIDNIGHT = 'new Date("2024-01-09T00:07:03Z")';
const NOON = 'new Date("2023-12-25T12:59:59.999Z")';
const PM = 'new Date("2026-02-28T23:01:02Z")';

const dateCases = [
  // The contract's examples.
  `${D}.toLocaleDateString()`,
  `${D}.toLocaleString()`,
  `${D}.toLocaleDateString("en-US", {year: "numeric", month: "long", day: "numeric"})`,
  `${D}.toLocaleTimeString()`,
  `${MIDNIGHT}.toLocaleString()`,
  `${NOON}.toLocaleString()`,
  `${PM}.toLocaleString("en-US")`,
  `${PM}.toLocaleTimeString("en")`,
  `${D}.toLocaleString(["en-US"])`,
  `${D}.toLocaleString("EN-us")`,
  `${D}.toLocaleString([])`,
  `${D}.toLocaleString(undefined, {timeZone: "UTC"})`,
  `${D}.toLocaleString("en-US", {timeZone: "Etc/UTC"})`,
  `${D}.toLocaleString("en-US", {timeZone: "gmt"})`,
  `${D}.toLocaleDateString("en-US", {weekday: "long", year: "numeric", month: "long", day: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {weekday: "short", year: "numeric", month: "short", day: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {weekday: "narrow"})`,
  `${D}.toLocaleDateString("en-US", {month: "narrow", day: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {month: "2-digit", day: "2-digit", year: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {month: "2-digit", day: "2-digit", year: "2-digit"})`,
  `${D}.toLocaleDateString("en-US", {month: "short", year: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {month: "long"})`,
  `${D}.toLocaleDateString("en-US", {year: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {day: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {year: "numeric", day: "numeric"})`,
  `${D}.toLocaleDateString("en-US", {weekday: "short", month: "long"})`,
  `${D}.toLocaleDateString("en-US", {hour: "numeric"})`,
  `${D}.toLocaleTimeString("en-US", {year: "numeric"})`,
  `${D}.toLocaleTimeString("en-US", {hour: "2-digit", minute: "2-digit"})`,
  `${D}.toLocaleTimeString("en-US", {hour: "numeric", minute: "2-digit", hour12: false})`,
  `${MIDNIGHT}.toLocaleTimeString("en-US", {hour12: false})`,
  `${MIDNIGHT}.toLocaleTimeString("en-US", {hourCycle: "h23"})`,
  `${MIDNIGHT}.toLocaleTimeString("en-US", {hourCycle: "h11"})`,
  `${MIDNIGHT}.toLocaleTimeString("en-US", {hourCycle: "h24", hour: "numeric", minute: "numeric"})`,
  `${NOON}.toLocaleTimeString("en-US", {hourCycle: "h23", hour12: true})`,
  `${D}.toLocaleTimeString("en-US", {minute: "2-digit", second: "2-digit"})`,
  `${D}.toLocaleTimeString("en-US", {hour: "numeric", second: "numeric"})`,
  `${D}.toLocaleString("en-US", {month: "long", day: "numeric", hour: "numeric", minute: "2-digit"})`,
  `${D}.toLocaleString("en-US", {month: "short", day: "numeric", hour: "numeric", minute: "2-digit"})`,
  `${D}.toLocaleString("en-US", {weekday: "long", hour: "numeric", minute: "2-digit"})`,
  `${D}.toLocaleString("en-US", {weekday: "long", month: "long", day: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit"})`,
  `${D}.toLocaleString("en-US", {dateStyle: "full", timeStyle: "full"})`,
  `${D}.toLocaleString("en-US", {dateStyle: "long", timeStyle: "long"})`,
  `${D}.toLocaleString("en-US", {dateStyle: "medium", timeStyle: "medium"})`,
  `${D}.toLocaleString("en-US", {dateStyle: "short", timeStyle: "short"})`,
  `${D}.toLocaleString("en-US", {dateStyle: "medium", timeStyle: "short", hour12: false})`,
  `${D}.toLocaleString("en-US", {dateStyle: "long", timeStyle: "long", timeZone: "Etc/Greenwich"})`,
  `${D}.toLocaleDateString("en-US", {dateStyle: "full"})`,
  `${D}.toLocaleDateString("en-US", {dateStyle: "short"})`,
  `${D}.toLocaleTimeString("en-US", {timeStyle: "short"})`,
  `${D}.toLocaleTimeString("en-US", {timeStyle: "full", hourCycle: "h23"})`,
  `new Date("0005-03-01T00:00:00Z").toLocaleDateString("en-US", {year: "2-digit", month: "short", day: "numeric"})`,
  `new Date(-62198755200000).toLocaleString()`,
  `new Date(8.64e15).toLocaleString("en-US", {dateStyle: "full"})`,
  `new Date(0).toLocaleString("en-US", {calendar: "gregory", numberingSystem: "latn"})`,
  `new Date(NaN).toLocaleString()`,
  `new Date(NaN).toLocaleDateString("de-DE", {timeZone: "Nowhere/Else"})`,
  `new Date(1e12).toLocaleString("en-US", {hour12: true, weekday: "long"})`,
  `${D}.toLocaleString("en-US", {timeZone: "America/New_York"})`,
  `${D}.toLocaleString("en-US", {timeZone: "asia/kolkata", timeZoneName: "long"})`,
  `new Date("2025-11-02T05:30:00Z").toLocaleString("en-US", {timeZone: "US/Eastern", dateStyle: "full", timeStyle: "full"})`,
];

const numberCases = [
  `(1234.5).toLocaleString()`,
  `(1234567.891).toLocaleString()`,
  `(0).toLocaleString()`,
  `(-0).toLocaleString()`,
  `(-1234.5678).toLocaleString("en-US")`,
  `(1e21).toLocaleString()`,
  `(123456789012345680000).toLocaleString()`,
  `(1.5e-7).toLocaleString()`,
  `(0.0005).toLocaleString()`,
  `(-0.0001).toLocaleString()`,
  `NaN.toLocaleString()`,
  `Infinity.toLocaleString()`,
  `(-Infinity).toLocaleString("en-US", {style: "currency", currency: "USD"})`,
  `(1.005).toLocaleString("en-US", {maximumFractionDigits: 2})`,
  `(2.5).toLocaleString("en-US", {maximumFractionDigits: 0})`,
  `(-2.5).toLocaleString("en-US", {maximumFractionDigits: 0})`,
  `(0.125).toLocaleString("en-US", {maximumFractionDigits: 2, roundingMode: "halfEven"})`,
  `(1.21).toLocaleString("en-US", {maximumFractionDigits: 1, roundingMode: "ceil"})`,
  `(-1.25).toLocaleString("en-US", {maximumFractionDigits: 1, roundingMode: "trunc"})`,
  `(1234.5).toLocaleString("en-US", {useGrouping: false})`,
  `(1234.5).toLocaleString("en-US", {useGrouping: "min2"})`,
  `(12345).toLocaleString("en-US", {useGrouping: "min2"})`,
  `(5).toLocaleString("en-US", {minimumFractionDigits: 2})`,
  `(5).toLocaleString("en-US", {minimumIntegerDigits: 5})`,
  `(3.14159).toLocaleString("en-US", {maximumFractionDigits: 4, minimumFractionDigits: 1})`,
  `(123456).toLocaleString("en-US", {maximumSignificantDigits: 3})`,
  `(1.5).toLocaleString("en-US", {minimumSignificantDigits: 5})`,
  `(1.23456).toLocaleString("en-US", {maximumSignificantDigits: 3, maximumFractionDigits: 1, roundingPriority: "lessPrecision"})`,
  `(1.5).toLocaleString("en-US", {style: "currency", currency: "USD", trailingZeroDisplay: "stripIfInteger"})`,
  `(2).toLocaleString("en-US", {style: "currency", currency: "USD", trailingZeroDisplay: "stripIfInteger"})`,
  `(0.256).toLocaleString("en-US", {style: "percent"})`,
  `(1).toLocaleString("en-US", {style: "unit", unit: "meter"})`,
  `(0.0705).toLocaleString("en-US", {style: "percent", maximumFractionDigits: 1})`,
  `(-0.5).toLocaleString("en-US", {style: "percent", minimumFractionDigits: 2})`,
  `(1).toLocaleString("en-US", {signDisplay: "always"})`,
  `(0).toLocaleString("en-US", {signDisplay: "exceptZero"})`,
  `(-0).toLocaleString("en-US", {signDisplay: "negative"})`,
  `(-7).toLocaleString("en-US", {signDisplay: "never"})`,
  `(1234.567).toLocaleString("en-US", {style: "currency", currency: "USD"})`,
  `(-1234.567).toLocaleString("en-US", {style: "currency", currency: "USD"})`,
  `(-5).toLocaleString("en-US", {style: "currency", currency: "USD", currencySign: "accounting"})`,
  `(1234.5).toLocaleString("en-US", {style: "currency", currency: "usd", currencyDisplay: "code"})`,
  `(1234.5).toLocaleString("en-US", {style: "currency", currency: "USD", currencyDisplay: "name"})`,
  `(1).toLocaleString("en-US", {style: "currency", currency: "USD", currencyDisplay: "name", maximumFractionDigits: 0})`,
  `(1).toLocaleString("en-US", {style: "currency", currency: "CLP", currencyDisplay: "name"})`,
  `(5).toLocaleString("en-US", {style: "currency", currency: "USD", maximumFractionDigits: 0})`,
  `(5).toLocaleString("en-US", {style: "currency", currency: "BHD"})`,
  `(1e9).toLocaleString("en-US", {style: "currency", currency: "IDR"})`,
  `NaN.toLocaleString("en-US", {style: "currency", currency: "CHF"})`,
  `(12345678901234567890n).toLocaleString()`,
  `(-42n).toLocaleString("en-US", {style: "currency", currency: "EUR"})`,
];
for (const code of ["USD", "EUR", "GBP", "INR", "JPY", "CAD", "AUD", "CHF", "CNY", "SEK", "NOK", "DKK",
  "BRL", "MXN", "SGD", "HKD", "NZD", "ZAR", "KRW", "XOF"]) {
  numberCases.push(`(-1234.565).toLocaleString("en-US", {style: "currency", currency: "${code}"})`);
  numberCases.push(`(1234.5).toLocaleString("en-US", {style: "currency", currency: "${code}", currencyDisplay: "narrowSymbol"})`);
}

const intlCases = [
  `String(Intl)`,
  `Object.prototype.toString.call(new Intl.DateTimeFormat())`,
  `Object.prototype.toString.call(Intl.NumberFormat())`,
  `[Intl.DateTimeFormat.name, Intl.DateTimeFormat.length, Intl.NumberFormat.name, Intl.NumberFormat.length].join()`,
  `[Intl.DateTimeFormat.prototype.formatToParts.length, Intl.NumberFormat.supportedLocalesOf.length, Intl.getCanonicalLocales.length].join()`,
  `Object.getOwnPropertyDescriptor(Intl.NumberFormat.prototype, "format").get.name`,
  `JSON.stringify([new Intl.NumberFormat().format.name, new Intl.NumberFormat().format.length])`,
  `Object.keys(Intl).join()`,
  `JSON.stringify(Intl.getCanonicalLocales(["EN-us", "en", "en-US"]))`,
  `JSON.stringify(Intl.DateTimeFormat.supportedLocalesOf(["en-US", "en"]))`,
  `JSON.stringify(new Intl.DateTimeFormat().resolvedOptions())`,
  `JSON.stringify(new Intl.DateTimeFormat("en", {timeZone: "Etc/UTC", hour: "numeric", hour12: false}).resolvedOptions())`,
  `JSON.stringify(new Intl.DateTimeFormat("en-US", {hour: "numeric", second: "numeric"}).resolvedOptions())`,
  `JSON.stringify(new Intl.DateTimeFormat("en-US", {dateStyle: "medium", timeStyle: "short"}).resolvedOptions())`,
  `JSON.stringify(new Intl.NumberFormat().resolvedOptions())`,
  `JSON.stringify(new Intl.NumberFormat("en-US", {style: "currency", currency: "EUR", maximumSignificantDigits: 2, roundingPriority: "morePrecision"}).resolvedOptions())`,
  `JSON.stringify(new Intl.NumberFormat("en-US", {style: "percent", useGrouping: false}).resolvedOptions())`,
  `new Intl.DateTimeFormat("en-US", {dateStyle: "full"}).format(${D})`,
  `new Intl.DateTimeFormat("en-US", {hour: "numeric", minute: "2-digit"}).format(Date.UTC(2025, 0, 1, 17, 5))`,
  `Intl.DateTimeFormat("en-US", {month: "long", year: "numeric"}).format(1e12)`,
  `new Intl.DateTimeFormat().format(-1.5)`,
  `JSON.stringify(new Intl.DateTimeFormat("en-US", {timeStyle: "medium"}).formatToParts(${D}))`,
  `JSON.stringify(new Intl.DateTimeFormat("en-US", {weekday: "short", month: "short", day: "2-digit"}).formatToParts(${MIDNIGHT}))`,
  `new Intl.NumberFormat("en-US", {maximumFractionDigits: 20}).format("1234.56789012345678901234567890")`,
  `new Intl.NumberFormat().format(" 0x1F ")`,
  `new Intl.NumberFormat("en-US", {style: "currency", currency: "JPY"}).format(12345.5)`,
  `JSON.stringify(new Intl.NumberFormat("en-US", {style: "currency", currency: "CHF", currencySign: "accounting"}).formatToParts(-1234.5))`,
  `JSON.stringify(new Intl.NumberFormat("en-US", {style: "percent", signDisplay: "always"}).formatToParts(-0.25))`,
  `[1, 22.5, 333.75].map(new Intl.NumberFormat("en-US", {style: "currency", currency: "GBP"}).format).join(" | ")`,
];

// formatRange / formatRangeToParts and roundingIncrement (issue #13).
const rangeCases = [];
{
  const nf = {
    decimal: {}, currency: {style: "currency", currency: "USD"}, code: {style: "currency", currency: "EUR", currencyDisplay: "code"},
    name: {style: "currency", currency: "EUR", currencyDisplay: "name"}, percent: {style: "percent"},
    accounting: {style: "currency", currency: "USD", currencySign: "accounting"}, always: {signDisplay: "always"},
    jpy: {style: "currency", currency: "JPY"}, whole: {maximumFractionDigits: 0},
  };
  const pairs = [[3, 5], [3, 3], [-5, -3], [-3, 5], [3, -5], [2.9, 3.1], [1000, 1000000], [-0, 0], [1.001, 1.002], [0.5, 0.75], [1, "Infinity"], ['"1"', '"2"'], ["1n", "2n"]];
  for (const [name, options] of Object.entries(nf)) {
    for (const [a, b] of pairs) {
      rangeCases.push(`new Intl.NumberFormat("en-US", ${JSON.stringify(options)}).formatRange(${a}, ${b})`);
      if (name !== "code") rangeCases.push(`JSON.stringify(new Intl.NumberFormat("en-US", ${JSON.stringify(options)}).formatRangeToParts(${a}, ${b}))`);
    }
  }
  const dtf = [undefined, {dateStyle: "medium"}, {dateStyle: "long"}, {dateStyle: "full"}, {dateStyle: "short"},
    {month: "short", day: "numeric"}, {year: "numeric", month: "long", day: "numeric"}, {hour: "numeric", minute: "2-digit"},
    {dateStyle: "medium", timeStyle: "short"}, {dateStyle: "long", timeStyle: "short"}, {timeStyle: "medium"},
    {month: "long"}, {year: "numeric", month: "short"}, {weekday: "short", month: "short", day: "numeric"},
    {hour: "2-digit", minute: "2-digit", hour12: false}, {month: "numeric", day: "numeric"}, {day: "numeric"}];
  const at = (iso) => `new Date("${iso}")`;
  const datePairs = [["2025-08-04T05:30:00Z", "2025-08-04T05:30:40Z"], ["2025-08-04T05:30:00Z", "2025-08-04T07:45:00Z"],
    ["2025-08-04T05:30:00Z", "2025-08-04T17:45:00Z"], ["2025-08-04T05:30:00Z", "2025-08-09T07:45:00Z"],
    ["2025-08-04T05:30:00Z", "2025-09-09T07:45:00Z"], ["2025-08-04T05:30:00Z", "2026-01-09T07:45:00Z"]];
  for (const options of dtf) {
    const f = `new Intl.DateTimeFormat("en-US"${options ? ", " + JSON.stringify(options) : ""})`;
    for (const [a, b] of datePairs) {
      rangeCases.push(`${f}.formatRange(${at(a)}, ${at(b)})`);
      rangeCases.push(`JSON.stringify(${f}.formatRangeToParts(${at(a)}, ${at(b)}))`);
    }
  }
  rangeCases.push(`new Intl.DateTimeFormat("en-US", {weekday: "short", hour: "numeric"}).formatRange(0, 7200000)`,
    `new Intl.DateTimeFormat("en-US", {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"}).formatRange(0, 86400000)`);
  rangeCases.push(`new Intl.DateTimeFormat("en-US").formatRange(5, 1)`, `new Intl.DateTimeFormat("en-US").formatRange(${at("2025-08-04T05:30:00Z")}, 1e12)`);
  for (const [inc, digits] of [[5, 2], [25, 2], [10, 2], [50, 2], [2, 1], [5, 0], [500, 0], [5000, 3], [250, 2], [1, 2]]) {
    for (const mode of [undefined, "ceil", "floor", "expand", "trunc", "halfCeil", "halfFloor", "halfTrunc", "halfEven"]) {
      const options = {roundingIncrement: inc, maximumFractionDigits: digits, minimumFractionDigits: digits};
      if (mode) options.roundingMode = mode;
      rangeCases.push(`[1.234, 1.225, 1.275, 0.025, -1.234, -1.225, 1234.5678, 0, 2.5, 0.125, 123456789.125].map(new Intl.NumberFormat("en-US", ${JSON.stringify(options)}).format).join(" | ")`);
    }
  }
  rangeCases.push(
    `new Intl.NumberFormat("en-US", {style: "currency", currency: "USD", roundingIncrement: 5, maximumFractionDigits: 2, minimumFractionDigits: 2}).format(12.34)`,
    `JSON.stringify(new Intl.NumberFormat("en-US", {roundingIncrement: 25, maximumFractionDigits: 2, minimumFractionDigits: 2, roundingMode: "ceil", trailingZeroDisplay: "stripIfInteger"}).resolvedOptions())`,
    `(1.234).toLocaleString("en-US", {roundingIncrement: 5, maximumFractionDigits: 2, minimumFractionDigits: 2})`,
    `new Intl.NumberFormat("en-US", {maximumFractionDigits: 2, trailingZeroDisplay: "stripIfInteger"}).format(5.001)`,
  );
}

// Must throw in the sandbox. Node agrees for most; for the rest it prints, and we refuse.
const throwCases = [
  [`${D}.toLocaleDateString("de-DE")`, "RangeError"],
  [`${D}.toLocaleString("fr")`, "RangeError"],
  [`${D}.toLocaleString(["de", "en-US"])`, "RangeError"],
  [`${D}.toLocaleString("en-GB")`, "RangeError"],
  [`${D}.toLocaleString("en_US")`, "RangeError"],
  [`${D}.toLocaleString(null)`, "TypeError"],
  [`${D}.toLocaleString("en-US", null)`, "TypeError"],
  [`${D}.toLocaleString("en-US", {timeZone: "Nowhere/Else"})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {calendar: "japanese"})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {numberingSystem: "arab"})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {fractionalSecondDigits: 4})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {month: "full"})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {hourCycle: "h25"})`, "RangeError"],
  [`${D}.toLocaleString("en-US", {dateStyle: "short", hour: "numeric"})`, "TypeError"],
  [`${D}.toLocaleDateString("en-US", {timeStyle: "short"})`, "TypeError"],
  [`${D}.toLocaleTimeString("en-US", {dateStyle: "short"})`, "TypeError"],
  [`${D}.toLocaleDateString("de-DE", {timeStyle: "short"})`, "TypeError"],
  [`Date.prototype.toLocaleString.call({})`, "TypeError"],
  [`new Intl.DateTimeFormat().format(new Date(NaN))`, "RangeError"],
  [`new Intl.DateTimeFormat().format(8.64e15 + 1)`, "RangeError"],
  [`Intl.DateTimeFormat.prototype.format`, "TypeError"],
  [`(1).toLocaleString("de-DE")`, "RangeError"],
  [`(1).toLocaleString("en-IN")`, "RangeError"],
  [`(1).toLocaleString("en-US", {style: "currency"})`, "TypeError"],
  [`(1).toLocaleString("en-US", {style: "currency", currency: "US"})`, "RangeError"],
  [`(1).toLocaleString("en-US", {style: "currency", currency: "XYZ"})`, "RangeError"],
  [`(1).toLocaleString("en-US", {style: "unit", unit: "meters"})`, "RangeError"],
  [`(1).toLocaleString("en-US", {style: "unit"})`, "TypeError"],
  [`(1).toLocaleString("en-US", {numberingSystem: "arab"})`, "RangeError"],
  [`(1).toLocaleString("en-US", {maximumFractionDigits: 21})`, "RangeError"],
  [`(1).toLocaleString("en-US", {minimumFractionDigits: 100})`, "RangeError"],
  [`(1).toLocaleString("en-US", {maximumFractionDigits: -1})`, "RangeError"],
  [`(1).toLocaleString("en-US", {minimumFractionDigits: 3, maximumFractionDigits: 1})`, "RangeError"],
  [`(1).toLocaleString("en-US", {minimumSignificantDigits: 3, maximumSignificantDigits: 2})`, "RangeError"],
  [`(1).toLocaleString("en-US", {minimumIntegerDigits: 22})`, "RangeError"],
  [`(1).toLocaleString("en-US", {useGrouping: "sometimes"})`, "RangeError"],
  [`(1).toLocaleString("en-US", {style: "decimal", signDisplay: "maybe"})`, "RangeError"],
  [`Number.prototype.toLocaleString.call("1")`, "TypeError"],
  [`Intl.NumberFormat.prototype.resolvedOptions.call({})`, "TypeError"],
  [`Intl.getCanonicalLocales("en-US-")`, "RangeError"],
  [`new Intl.NumberFormat().formatRange(NaN, 1)`, "RangeError"],
  [`new Intl.NumberFormat().formatRange(1)`, "TypeError"],
  [`new Intl.NumberFormat().formatRangeToParts()`, "TypeError"],
  [`new Intl.DateTimeFormat().formatRange(0)`, "TypeError"],
  [`new Intl.DateTimeFormat().formatRange(NaN, 1)`, "RangeError"],
  [`(1).toLocaleString("en-US", {roundingIncrement: 5, maximumFractionDigits: 2, minimumFractionDigits: 1})`, "RangeError"],
  [`(1).toLocaleString("en-US", {roundingIncrement: 5, maximumSignificantDigits: 2})`, "TypeError"],
  [`(1).toLocaleString("en-US", {roundingIncrement: 3, maximumFractionDigits: 2, minimumFractionDigits: 2})`, "RangeError"],
  [`Intl.getCanonicalLocales([5])`, "TypeError"],
  [`new Intl.DateTimeFormat.prototype.formatToParts()`, "TypeError"],
];

// ---------------------------------------------------------------------------------------------

function evaluate(expr) {
  try {
    // Indirect eval: global scope, no access to this script's variables.
    return { value: (0, eval)(expr) };
  } catch (e) {
    return { error: e && e.name };
  }
}

function buildCases() {
  const cases = [];
  const seen = new Set();
  const add = (entry) => {
    if (seen.has(entry.expr)) throw new Error(`duplicate expression: ${entry.expr}`);
    seen.add(entry.expr);
    cases.push(entry);
  };
  for (const expr of [...dateCases, ...numberCases, ...intlCases, ...rangeCases]) {
    const r = evaluate(expr);
    if ("error" in r) throw new Error(`Node threw ${r.error} for ${expr}: list it with the throwing cases`);
    if (typeof r.value !== "string") throw new Error(`not a string: ${expr} -> ${String(r.value)}`);
    add({ expr, expected: r.value });
  }
  for (const [expr, name] of throwCases) {
    const r = evaluate(expr);
    if ("error" in r) {
      if (r.error !== name) throw new Error(`${expr}: Node throws ${r.error}, the table says ${name}`);
      add({ expr, throws: name });
    } else {
      add({ expr, throws: name, unsupported: true, node: String(r.value) });
    }
  }
  // Stable, locale-independent order: by expression, code unit by code unit.
  cases.sort((a, b) => (a.expr < b.expr ? -1 : a.expr > b.expr ? 1 : 0));
  return cases;
}

function render(cases) {
  return "[\n" + cases.map((c) => "  " + JSON.stringify(c)).join(",\n") + "\n]\n";
}

// en-US currency data for intl.js; see the comment above CURRENCY_DATA there.
function currencyData() {
  const entries = [];
  for (const code of Intl.supportedValuesOf("currency")) {
    const nf = (o) => new Intl.NumberFormat("en-US", { style: "currency", currency: code, ...o });
    const digits = nf().resolvedOptions().maximumFractionDigits;
    const prefix = (s) => s.slice(0, s.indexOf("1"));
    const symbol = prefix(nf().format(1));
    const narrow = prefix(nf({ currencyDisplay: "narrowSymbol" }).format(1));
    const name = (n) => nf({ currencyDisplay: "name", maximumFractionDigits: 0 }).format(n).replace(/^\d /, "");
    const one = name(1), other = name(2);
    const fields = [code, digits === 2 ? "" : String(digits), symbol === code + "\u00a0" ? "" : symbol,
      narrow === symbol ? "=" : narrow, one, other === one ? "=" : other === one + "s" ? "+s" : other];
    for (const f of fields) if (/[|;"\\]/.test(f)) throw new Error(`separator in currency data: ${code} ${f}`);
    entries.push(fields.join("|"));
  }
  // One JS string literal, wrapped at entry boundaries; invisible spaces spelled out.
  const escape = (s) => s.replace(/[\u00a0\u202f]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  const lines = [];
  let line = "";
  for (const e of entries) {
    const piece = escape(e) + ";";
    if (line.length + piece.length > 96) {
      lines.push(line);
      line = "";
    }
    line += piece;
  }
  lines.push(line.slice(0, -1));
  return "  const CURRENCY_DATA =\n" + lines.map((l) => `    "${l}"`).join(" +\n") + ";\n";
}

function main(argv) {
  if (argv.includes("--currency-data")) {
    process.stdout.write(currencyData());
    return;
  }
  writeTable(argv, "locale_cases.json", render(buildCases()));
}

main(process.argv.slice(2));
