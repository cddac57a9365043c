#!/usr/bin/env node
// What Node 20 prints for Intl.PluralRules, Intl.ListFormat and Intl.RelativeTimeFormat in
// en / en-US: the reference for the sandbox's intl_more.js (tests/test_intl_more.py).
// Each case is an expression and its value as JSON, or "!" and the name of the error thrown.
// Usage: TZ=UTC node tests/tools/gen_intl_more_cases.js > tests/data/intl_more_cases.json
"use strict";
const exprs = [];
const nums = ["0", "1", "-1", "1.0001", "0.9995", "0.99949", "1.0005", "1.00051", "2", "3", "11", "12", "13", "21",
  "22", "23", "101", "111", "112", "1.5", "21.0004", "1e21", "1e-7", "-1e-7", "123456.789", "-0", "1000.25",
  "-1000.25", "0.5", "1.25e25", "4.35", "999.9995", "0.995", "-0.995", "0.994", "2.5", "NaN", "Infinity", "'3'", "null"];
for (const loc of ["'en'", "'en-US'", "undefined", "['en-US', 'de']"]) {
  for (const o of ["", ", { type: 'ordinal' }", ", { minimumFractionDigits: 1 }", ", { maximumFractionDigits: 0 }",
    ", { type: 'ordinal', minimumFractionDigits: 2, maximumFractionDigits: 4 }"]) {
    const pr = `new Intl.PluralRules(${loc}${o})`;
    exprs.push(`${pr}.resolvedOptions()`);
    for (const n of nums) exprs.push(`${pr}.select(${n})`);
    exprs.push(`${pr}.selectRange(1, 2)`);
  }
}
const lists = ["[]", "['a']", "['a', 'b']", "['Jane', 'John', 'Zoë']", "['x', 'y', 'z', 'w', 'v']", "['a', 1]", "'ab'"];
for (const style of [undefined, "long", "short", "narrow"]) for (const type of [undefined, "conjunction", "disjunction", "unit"]) {
  const opts = [style && `style: '${style}'`, type && `type: '${type}'`].filter(Boolean).join(", ");
  const lf = `new Intl.ListFormat('en'${opts ? `, { ${opts} }` : ""})`;
  exprs.push(`${lf}.resolvedOptions()`);
  for (const l of lists) exprs.push(`${lf}.format(${l})`, `${lf}.formatToParts(${l})`);
}
const units = ["'second'", "'seconds'", "'minute'", "'hour'", "'hours'", "'day'", "'days'", "'week'", "'month'", "'months'",
  "'quarter'", "'year'", "'years'", "'decade'"];
for (const style of [undefined, "long", "short", "narrow"]) for (const numeric of [undefined, "always", "auto"]) {
  const opts = [style && `style: '${style}'`, numeric && `numeric: '${numeric}'`].filter(Boolean).join(", ");
  const rtf = `new Intl.RelativeTimeFormat('en-US'${opts ? `, { ${opts} }` : ""})`;
  exprs.push(`${rtf}.resolvedOptions()`);
  for (const u of units) for (const n of ["-2", "-1", "-0", "0", "1", "2", "1.5", "-1000.25", "1.0005", "1e-7", "0.995", "1e21", "NaN"]) {
    exprs.push(`${rtf}.format(${n}, ${u})`);
  }
  exprs.push(`${rtf}.formatToParts(-1234.5, 'days')`, `${rtf}.formatToParts(1, 'day')`, `${rtf}.formatToParts(3, 'hours')`);
}
const words = "['b', 'a', 'B', 'á', 'A', 'Zoë', 'zoe', 'Émile', 'emile', 'a b', 'a-b', 'ab', '10', '9', '', 'item 10', 'item 2', 'Item 1', 'item 01', 'a1', 'a01', '0', '00', '1.5', '1.10', 'x9', 'x_']";
for (const loc of ["", "'en'", "'en-US'", "undefined"]) for (const o of ["", "{ sensitivity: 'base' }", "{ sensitivity: 'accent' }",
  "{ sensitivity: 'case' }", "{ usage: 'search', sensitivity: 'variant' }", "{ numeric: true }", "{ numeric: true, sensitivity: 'base' }"]) {
  const c = `new Intl.Collator(${loc}${o ? (loc ? ", " : "undefined, ") + o : ""})`;
  exprs.push(`${c}.resolvedOptions()`, `${words}.sort(${c}.compare)`, `${c}.compare('a', 'A')`, `${c}.compare('a', 'á')`,
    `${c}.compare('Zoë', 'zoe')`, `[${c}.compare.name, ${c}.compare.length]`);
}
exprs.push("Intl.Collator('en').compare('a', 'b')", "(() => { const c = new Intl.Collator(); return c.compare === c.compare; })()",
  "Object.getOwnPropertyNames(Intl.Collator.prototype)", "new Intl.Collator('en', { numeric: false, caseFirst: 'false' }).compare('a', 'b')",
  "new Intl.Collator('en', { sensitivity: 'tiny' })");
exprs.push("Intl.PluralRules()", "new Intl.PluralRules('en', { type: 'x' })", "new Intl.ListFormat('en', { style: 'tiny' })",
  "Intl.PluralRules.supportedLocalesOf('en-US')", "Object.prototype.toString.call(new Intl.ListFormat())",
  "Object.getOwnPropertyNames(Intl.RelativeTimeFormat.prototype)", "new Intl.PluralRules() instanceof Intl.PluralRules",
  "Intl.PluralRules.prototype.select.call({}, 1)");
const cases = exprs.map((e) => {
  try {
    return [e, JSON.stringify((0, eval)(e))];
  } catch (err) {
    return [e, "!" + err.name];
  }
});
process.stdout.write(JSON.stringify({ node: process.version, cases }, null, 0).replace(/\],\[/g, "],\n[") + "\n");
