#!/usr/bin/env node
// ICU's en date patterns for an era beside date fields the hand-written layout in intl.js
// (eraDate) does not cover: a weekday, a month without a day and a year, a day without a
// month and a numeric year. ICU's DateTimePatternGenerator picks them by field distances whose
// ties follow its table order, so they are taken from Node 20 (read back from formatToParts on
// a date whose fields all differ) rather than derived. Prints the two lines between BEGIN and
// END ERA PATTERNS in intl.js: the distinct templates (each field one letter, widened to the
// option's width when laid out), and per option combination (era x weekday x year x month x
// day, in that order of digits) the index of its template in base 36, "." where eraDate applies.
// Usage: node tests/tools/gen_era_patterns.js
"use strict";
const U = undefined;
const T = Date.UTC(2024, 6, 5, 13, 5, 7, 123); // Friday, July 5, 2024: every field distinct
const LETTER = { weekday: "E", era: "G", year: "y", month: "M", day: "d" };
const WIDTH = {
  weekday: { Friday: "EEEE", Fri: "EEE", F: "EEEEE" }, era: { AD: "GGG", "Anno Domini": "GGGG", A: "GGGGG" },
  year: { 2024: "y", 24: "yy" }, month: { 7: "M", "07": "MM", Jul: "MMM", July: "MMMM", J: "MMMMM" }, day: { 5: "d", "05": "dd" },
};
const ERAS = ["narrow", "short", "long"], WEEKDAYS = [U, "narrow", "short", "long"], YEARS = [U, "numeric", "2-digit"];
const MONTHS = [U, "numeric", "2-digit", "narrow", "short", "long"], DAYS = [U, "numeric", "2-digit"];
const quote = (text) => text.replace(/[A-Za-z]+/g, "'$&'");
const templates = [], table = [];
for (const era of ERAS) for (const weekday of WEEKDAYS) for (const year of YEARS) for (const month of MONTHS) for (const day of DAYS) {
  const o = { era, weekday, year, month, day };
  for (const k of Object.keys(o)) if (o[k] === U) delete o[k];
  // What intl.js's eraDate lays out itself.
  if ((month && day) || (!weekday && (!day || year === "numeric") && (!month || year))) {
    table.push(".");
    continue;
  }
  const parts = new Intl.DateTimeFormat("en-US", o).formatToParts(T);
  let template = "";
  for (const p of parts) {
    if (p.type === "literal") template += quote(p.value);
    else {
      const want = { era: { narrow: 5, short: 3, long: 4 }[era], weekday: { narrow: 5, short: 3, long: 4 }[weekday],
        year: year === "2-digit" ? 2 : 1, month: { numeric: 1, "2-digit": 2, short: 3, long: 4, narrow: 5 }[month], day: day === "2-digit" ? 2 : 1 }[p.type];
      if (WIDTH[p.type][p.value].length !== want) throw new Error(`${JSON.stringify(o)}: ${p.type} is not the width asked for`);
      template += LETTER[p.type];
    }
  }
  let i = templates.indexOf(template);
  if (i === -1) i = templates.push(template) - 1;
  table.push(i.toString(36));
}
if (templates.length > 36) throw new Error("more templates than base-36 digits");
console.log(`  const ERA_TEMPLATES = ${JSON.stringify(templates.join("|"))};`);
console.log(`  const ERA_TABLE = ${JSON.stringify(table.join(""))};`);
