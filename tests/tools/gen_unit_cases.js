#!/usr/bin/env node
// What Node 20 prints for Intl.NumberFormat with style "unit" in en-US: the reference for
// tests/test_units.py (the sandbox's units.js and intl.js). "cases": [expression, its value as
// JSON or "!" + the error's name; a value longer than 160 characters is stored as "#" and the
// first 6 hex digits of its SHA-256, and `--show EXPRESSION` prints it] for every unit and unitDisplay (formatToParts of several
// numbers, resolvedOptions), option variants (signDisplay, notations, digits) with format,
// formatToParts and formatRange/formatRangeToParts, and invalid units. "compounds": for every
// numerator X and width, an expression formatting X-per-Y for all 45 Y (1 and 2) and the first
// 6 hex digits of the SHA-256 of its JSON value (45 x 45 x 3 x 2 = 12,150 strings); the test
// builds the same expression.
// Usage: node tests/tools/gen_unit_cases.js > tests/data/unit_cases.json
"use strict";
const units = Intl.supportedValuesOf("unit");
const WIDTHS = ["short", "long", "narrow"];
const { value, digest } = require("./node_value.js");
if (process.argv[2] === "--show") {
  console.log(value(process.argv[3]));
  process.exit(0);
}
const cases = [];
const add = (expr) => {
  const v = value(expr);
  cases.push([expr, v.length > 160 ? "#" + digest(v) : v]);
};
const nf = (o) => `new Intl.NumberFormat('en-US', ${JSON.stringify({ style: "unit", ...o })})`;
const NUMBERS = "[1, 2, -1, 0, -0, 1.5, 1.0001, 0.999, 1234567.891, NaN, -Infinity]";
for (const unit of units) for (const unitDisplay of WIDTHS) {
  add(`${NUMBERS}.map((x) => ${nf({ unit, unitDisplay })}.formatToParts(x))`);
}
add(`${nf({ unit: "mile" })}.resolvedOptions()`);
add(`${nf({ unit: "kilometer-per-hour", unitDisplay: "long", notation: "compact" })}.resolvedOptions()`);
const SOME = ["mile", "kilometer-per-hour", "mile-per-hour", "percent", "percent-per-second", "celsius", "byte", "fluid-ounce",
  "degree", "liter-per-kilometer", "second-per-percent"];
const VARIANTS = [{}, { signDisplay: "always" }, { signDisplay: "exceptZero" }, { signDisplay: "never" }, { signDisplay: "negative" },
  { notation: "compact" }, { notation: "compact", compactDisplay: "long" }, { notation: "scientific" }, { notation: "engineering" },
  { minimumFractionDigits: 2 }, { maximumSignificantDigits: 2 }, { maximumFractionDigits: 0 }, { useGrouping: false }];
const RANGES = "[[1, 2], [-1, 2], [-2, -1], [1, 1], [1000, 2000], [0, 1], [1.5, 2.5], [0.9999, 1.0001], [-0, 0], [1, 1e6]]";
for (const unit of SOME) for (const unitDisplay of WIDTHS) for (const v of VARIANTS) {
  const f = nf({ unit, unitDisplay, ...v });
  add(`[1, -1, 0, 1234.5, 0.00012, 1e21].map((x) => ${f}.formatToParts(x))`);
  if (v.notation === undefined) add(`${RANGES}.map(([a, b]) => [${f}.formatRange(a, b), ${f}.formatRangeToParts(a, b)])`);
}
for (const bad of ["", "meters", "kilometer-per-", "-per-hour", "foo-per-bar", "kilometer-per-hour-per-second", "Mile", "percent-per-percent"]) {
  add(`${nf({ unit: bad })}.format(1)`);
  add(`new Intl.NumberFormat('en-US', { unit: ${JSON.stringify(bad)} }).format(1)`);
}
add(`new Intl.NumberFormat('en-US', { style: 'unit' }).format(1)`);
add(`${nf({ unit: "mile", unitDisplay: "wide" })}.format(1)`);
add(`new Intl.NumberFormat('en-US', { unit: 'mile' }).format(1)`);
add(`(1).toLocaleString('en-US', { style: 'unit', unit: 'hour', unitDisplay: 'long' })`);
add(`(12345.678).toLocaleString(undefined, { style: 'unit', unit: 'gigabyte', maximumFractionDigits: 1 })`);
const compounds = [];
for (const x of units) for (const unitDisplay of WIDTHS) {
  const expr = `${JSON.stringify(units)}.map((y) => [1, 2].map((n) => new Intl.NumberFormat('en-US', { style: 'unit', unit: ${JSON.stringify(x)} + '-per-' + y, unitDisplay: ${JSON.stringify(unitDisplay)} }).format(n)))`;
  compounds.push([x, unitDisplay, digest(value(expr))]);
}
process.stdout.write(JSON.stringify({ node: process.version, icu: process.versions.icu, units: units }).slice(0, -1) +
  ',"cases":[\n' + cases.map((c) => JSON.stringify(c)).join(",\n") + '\n],"compounds":[\n' +
  compounds.map((c) => JSON.stringify(c)).join(",\n") + "\n]}\n");
