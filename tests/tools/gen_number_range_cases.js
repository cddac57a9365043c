#!/usr/bin/env node
// What Node 20 prints for Intl.NumberFormat#formatRange / formatRangeToParts in en-US in the
// compact, scientific and engineering notations (and standard, for comparison): the reference
// for tests/test_number_ranges.py. Every notation x style (decimal, percent, currency with each
// currencyDisplay and currencySign, unit with each unitDisplay) x signDisplay x compactDisplay,
// plus digit options, each ranging PAIRS (equal ends, ends equal once rounded, sign changes,
// different magnitudes, NaN and infinities). Each case is [expression, its value as JSON or
// "!" + the error's name]; a value longer than 160 characters is stored as "#" and the first
// 6 hex digits of its SHA-256 (`--show EXPRESSION` prints it in full).
// Usage: node tests/tools/gen_number_range_cases.js > tests/data/number_range_cases.json
"use strict";
const { value, digest } = require("./node_value.js");
if (process.argv[2] === "--show") {
  console.log(value(process.argv[3]));
  process.exit(0);
}
const PAIRS = JSON.stringify([[1, 2], [1000, 2000], [1000, 1500], [1200, 1240], [1234, 1236], [999, 1001], [0, 1e6],
  [-1000, 2000], [-2000, -1000], [1e6, 2e9], [1, 1], [1000, 1000], [1000, 1001], [0.001, 0.002], [12345, 12345.6],
  [-0, 0], [5e20, 6e21], [1, Infinity], [-Infinity, Infinity], [0.5, 0.75], [-1.5, -1.5], [999999, 1000001]]);
const NOTATIONS = [{ notation: "compact" }, { notation: "compact", compactDisplay: "long" }, { notation: "scientific" },
  { notation: "engineering" }, {}];
const STYLES = [{}, { style: "percent" }, { style: "currency", currency: "USD" }, { style: "currency", currency: "EUR", currencyDisplay: "code" },
  { style: "currency", currency: "USD", currencyDisplay: "name" }, { style: "currency", currency: "JPY", currencySign: "accounting" },
  { style: "unit", unit: "kilometer-per-hour" }, { style: "unit", unit: "mile", unitDisplay: "long" },
  { style: "unit", unit: "celsius", unitDisplay: "narrow" }, { style: "unit", unit: "percent" }];
const SIGNS = [{}, { signDisplay: "always" }, { signDisplay: "exceptZero" }, { signDisplay: "never" }];
const DIGITS = [{}, { maximumSignificantDigits: 2 }, { minimumFractionDigits: 1 }];
const cases = [];
for (const n of NOTATIONS) for (const s of STYLES) for (const g of SIGNS) for (const d of DIGITS) {
  if (d !== DIGITS[0] && g !== SIGNS[0]) continue;
  const f = `new Intl.NumberFormat('en-US', ${JSON.stringify({ ...n, ...s, ...g, ...d })})`;
  const expr = `${PAIRS}.map(([a, b]) => { const f = ${f}; return [f.formatRange(a, b), f.formatRangeToParts(a, b)]; })`;
  const v = value(expr);
  cases.push([expr, v.length > 160 ? "#" + digest(v) : v]);
}
cases.push(["new Intl.NumberFormat('en-US', { notation: 'compact' }).formatRange(NaN, 1)", value("new Intl.NumberFormat('en-US', { notation: 'compact' }).formatRange(NaN, 1)")]);
cases.push(["new Intl.NumberFormat('en-US', { notation: 'scientific' }).formatRange(1, 2)", value("new Intl.NumberFormat('en-US', { notation: 'scientific' }).formatRange(1, 2)")]);
cases.push(["new Intl.NumberFormat('en-US', { notation: 'compact', compactDisplay: 'long' }).formatRangeToParts(1000, 2000)", value("new Intl.NumberFormat('en-US', { notation: 'compact', compactDisplay: 'long' }).formatRangeToParts(1000, 2000)")]);
process.stdout.write(JSON.stringify({ node: process.version, icu: process.versions.icu }).slice(0, -1) +
  ',"cases":[\n' + cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]}\n");
