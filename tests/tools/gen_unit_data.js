#!/usr/bin/env node
// CLDR en unit patterns as Node 20 (ICU 78) prints them, for Intl.NumberFormat's style "unit"
// in dodo_transform/sandbox/js/units.js: for every unit of Intl.supportedValuesOf("unit") and
// unitDisplay short/long/narrow, the text after the number for plural "one" and "other"
// (every en pattern is "{0}" then a suffix), and the "per unit" suffix a compound X-per-Y
// appends for Y. The script checks that this data, with the two irregularities ICU has
// (mile-per-hour/-gallon as "mph"/"mpg", and percent-per-Y as plain percent when short or
// narrow), reproduces Node for all 45 x 45 compounds, each width and plural form.
// Usage: node tests/tools/gen_unit_data.js   (prints the UNITS, PER and SPECIAL lines)
"use strict";
const units = Intl.supportedValuesOf("unit");
const WIDTHS = ["short", "long", "narrow"];
const fmt = (unit, w, x) => new Intl.NumberFormat("en-US", { style: "unit", unit, unitDisplay: w }).format(x);
function fail(message) {
  console.error(message);
  process.exit(1);
}
const table = {};
for (const u of units) {
  table[u] = [];
  for (const w of WIDTHS) {
    const one = fmt(u, w, 1), other = fmt(u, w, 2);
    if (one[0] !== "1" || other[0] !== "2") fail(`not a suffix pattern: ${u} ${w}`);
    table[u].push(one.slice(1), other.slice(1));
  }
}
const per = {};
for (const y of units) {
  per[y] = WIDTHS.map((w, i) => {
    const a = fmt("stone-per-" + y, w, 2).slice(1 + table.stone[2 * i + 1].length);
    const b = fmt("acre-per-" + y, w, 2).slice(1 + table.acre[2 * i + 1].length);
    if (a !== b) fail(`per suffix differs: ${y} ${w}`);
    return a;
  });
}
const special = {};
for (const name of ["mile-per-hour", "mile-per-gallon"]) {
  special[name] = [];
  for (const w of WIDTHS) special[name].push(fmt(name, w, 1).slice(1), fmt(name, w, 2).slice(1));
}
// The model units.js applies; every compound must come out as Node prints it.
function model(x, y, i, n) {
  const sp = special[x + "-per-" + y];
  if (sp !== undefined) return n + sp[2 * i + n - 1];
  if (x === "percent" && WIDTHS[i] !== "long") return n + table[x][2 * i + n - 1];
  return n + table[x][2 * i + n - 1] + per[y][i];
}
let checked = 0;
for (const x of units) for (const y of units) for (let i = 0; i < 3; i++) for (const n of [1, 2]) {
  const want = fmt(x + "-per-" + y, WIDTHS[i], n);
  if (model(x, y, i, n) !== want) fail(`model differs for ${x}-per-${y} ${WIDTHS[i]} ${n}: ${want}`);
  checked++;
}
console.error(`checked ${checked} compound forms and ${units.length * 6} simple forms (Node ${process.version}, ICU ${process.versions.icu})`);
// Null-prototype tables: a handler's Object.prototype additions must not show through.
const literal = (o) => "{ __proto__: null, " + JSON.stringify(o).slice(1);
console.log(`  const UNITS = ${literal(table)};`);
console.log(`  const PER = ${literal(per)};`);
console.log(`  const SPECIAL = ${literal(special)};`);
