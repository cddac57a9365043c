#!/usr/bin/env node
/*
 * Regenerates tests/data/locale_text_cases.json: locale-aware text outside Intl objects, as
 * Node 20 (V8 + full ICU, TZ=UTC, en-US) prints it: String#toLocaleUpperCase/LowerCase with
 * the locales V8 special-cases (tr, az, lt), Array#toLocaleString(locales, options) and
 * localeCompare's locale tags. tests/test_locale_text.py evaluates every expression in the
 * sandbox (without node) and compares; with node on the PATH it checks this file is current.
 *
 *   node tests/tools/gen_locale_text_cases.js             # rewrite the data file
 *   node tests/tools/gen_locale_text_cases.js --out -     # print it
 *
 * Entries: {"expr", "expected"} or {"expr", "throws": "RangeError"}.
 */
"use strict";
const { inUtcEnUs, writeTable } = require("./case_file.js");

inUtcEnUs(__filename);
if (!process.versions.node.startsWith("20.")) {
  console.error(`gen_locale_text_cases: the sandbox targets Node 20, this is Node ${process.versions.node}`);
  process.exit(1);
}

const TEXTS = ["istanbul", "ISTANBUL", "Iİıi", "DİYARBAKIR", "I\u0307", "i\u0307", "J\u0301", "I\u0300",
  "\u00cc\u00cd\u0128", "\u012e\u0301", "j\u0307\u0301", "Straße", "ǅ", "ΣΑΣ", "Ünïcödé", "mixed Case 123"];
const LOCALES = [undefined, "en-US", "tr-TR", "TR", "tr", "az", "az-Latn-AZ", "lt", "LT-lt", "de", "el", "nl",
  ["tr", "en"], ["en", "tr"], []];

const cases = [];
for (const text of TEXTS) {
  for (const loc of LOCALES) {
    const arg = loc === undefined ? "" : JSON.stringify(loc);
    cases.push(`${JSON.stringify(text)}.toLocaleUpperCase(${arg})`);
    cases.push(`${JSON.stringify(text)}.toLocaleLowerCase(${arg})`);
  }
}
cases.push(
  `"x".toLocaleUpperCase("en_US")`,
  `"x".toLocaleLowerCase("tr-")`,
  `"x".toLocaleUpperCase(null)`,
  `"x".toLocaleUpperCase([5])`,
  `String.prototype.toLocaleUpperCase.call(null)`,
  `String.prototype.toLocaleLowerCase.call(12, "tr")`,
  `String([String.prototype.toLocaleUpperCase.length, String.prototype.toLocaleUpperCase.name])`,
  // Array#toLocaleString hands locales and options to every element.
  `[1234.5, 2].toLocaleString("en-US", {style: "currency", currency: "EUR"})`,
  `[1234.5, new Date(0)].toLocaleString()`,
  `[1234.5, new Date(0)].toLocaleString("en-US", {timeZone: "UTC"})`,
  `[0.256, 1].toLocaleString("en-US", {style: "percent"})`,
  `[new Date(0), new Date(1e12)].toLocaleString("en-US", {month: "long", day: "numeric"})`,
  `[1, [2.5, [3000]], null, undefined, "x"].toLocaleString("en-US", {minimumFractionDigits: 2})`,
  `[12345678n, 1].toLocaleString("en-US", {style: "currency", currency: "USD"})`,
  `[].toLocaleString("en-US")`,
  `[1e21, -0, NaN].toLocaleString()`,
  `[{toLocaleString(l, o) { return JSON.stringify([l, o]) }}].toLocaleString("en", {a: 1})`,
  `(() => { const a = [1]; a.push(a, 2); return a.toLocaleString() })()`,
  `Array.prototype.toLocaleString.call({length: 2, 0: 1000, 1: 2000}, "en-US")`,
  `Array.prototype.toLocaleString.call("ab")`,
  `String([Array.prototype.toLocaleString.length, Array.prototype.toLocaleString.name])`,
  `Array.prototype.toLocaleString.call(null)`,
  `[1, 2].toLocaleString("de-DE")`,
  `[{}].toLocaleString()`,
  `[Symbol("s")].toLocaleString()`,
  // %TypedArray%#toLocaleString too.
  `new Float64Array([1234.5, 2]).toLocaleString("en-US", {style: "currency", currency: "EUR"})`,
  `new Uint8Array([1, 200]).toLocaleString()`,
  `new BigInt64Array([12345n, -2n]).toLocaleString("en-US", {minimumFractionDigits: 1})`,
  `new Float32Array(0).toLocaleString("en-US")`,
  `Uint8Array.prototype.toLocaleString.call([1])`,
  `String([Object.getPrototypeOf(Uint8Array.prototype).toLocaleString.length, Object.getPrototypeOf(Uint8Array.prototype).toLocaleString.name])`,
  // localeCompare: locale tags are case-insensitive.
  `String("a".localeCompare("b", "en-us"))`,
  `String("b".localeCompare("a", "EN-US"))`,
  `String("a".localeCompare("B", ["en-us"]))`,
  `String("a".localeCompare("a", "en"))`,
  `String("résumé".localeCompare("resume", "en-GB", {sensitivity: "base"}))`,
  `["b", "a", "C"].sort((x, y) => x.localeCompare(y, "en-us")).join()`,
);

const THROWS = new Set([
  `"x".toLocaleUpperCase("en_US")`, `"x".toLocaleLowerCase("tr-")`, `"x".toLocaleUpperCase(null)`,
  `"x".toLocaleUpperCase([5])`, `String.prototype.toLocaleUpperCase.call(null)`,
  `Array.prototype.toLocaleString.call(null)`, `[1, 2].toLocaleString("de-DE")`,
]);

function evaluate(expr) {
  try {
    return { value: (0, eval)(expr) };
  } catch (e) {
    return { error: e && e.name };
  }
}

function build() {
  const out = [];
  for (const expr of cases) {
    const r = evaluate(expr);
    if ("error" in r) {
      out.push({ expr, throws: r.error });
    } else if (THROWS.has(expr)) {
      // The sandbox refuses this although Node prints it (another locale): by design.
      out.push({ expr, throws: "RangeError", unsupported: true, node: String(r.value) });
    } else {
      if (typeof r.value !== "string") throw new Error(`not a string: ${expr}`);
      out.push({ expr, expected: r.value });
    }
  }
  return out;
}

const text = "[\n" + build().map((c) => "  " + JSON.stringify(c)).join(",\n") + "\n]\n";
writeTable(process.argv.slice(2), "locale_text_cases.json", text);
