#!/usr/bin/env node
// What Node 20 prints for Intl.DateTimeFormat option sets: the reference for
// tests/test_dtf.py.
// "options": every subset of the eleven components (weekday, era, year, month, day,
// dayPeriod, hour, minute, second, fractionalSecondDigits, timeZoneName), each with seeded
// random widths, hour cycle and time zone, and a further seeded sample of 1,500; per option
// set (coded, see LETTERS), the first 8 hex digits of the SHA-256 of the two strings
// `expression` gives in Node: the JSON of format on five dates, formatToParts and
// resolvedOptions; and the JSON of formatRange on four pairs.
// "greenwich": Greenwich's own ids (UTC to V8, "GMT" to ICU) and zones whose names change
// where ICU's metazone mapping starts (1970 for Greenwich), with every zone-name style, on
// dates before and after, through format, formatToParts, toLocale*String and formatRange.
// Each case is an expression and its value as JSON, or "!" and the name of the error thrown.
// Usage: TZ=UTC node tests/tools/gen_dtf_cases.js > tests/data/dtf_cases.json
"use strict";
const crypto = require("crypto");

const evaluate = (expr) => {
  try {
    return JSON.stringify((0, eval)(expr));
  } catch (e) {
    return "!" + e.name;
  }
};

const greenwich = [];
{
  const zones = ["Etc/Greenwich", "Greenwich", "Etc/GMT0", "Etc/GMT-0", "GMT", "Europe/London", "America/New_York", "Asia/Kolkata", "Africa/Abidjan", "Europe/Dublin"];
  const times = [-8.64e15, Date.UTC(1800, 0, 1), Date.UTC(1880, 5, 1), Date.UTC(1940, 5, 1, 12), Date.UTC(1960, 5, 1, 12), -1, 0, Date.UTC(1971, 0, 1), Date.UTC(2024, 6, 1)];
  const sets = ["short", "long", "shortGeneric", "longGeneric"].map((n) => `{ hour: "numeric", minute: "2-digit", timeZoneName: "${n}" }`)
    .concat(['{ timeStyle: "full" }', '{ dateStyle: "medium", timeStyle: "long" }', '{ weekday: "long", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "longGeneric" }']);
  for (const z of zones) {
    for (const [i, s] of sets.entries()) {
      const f = `new Intl.DateTimeFormat("en-US", { ...${s}, timeZone: "${z}" })`;
      const t = JSON.stringify(times);
      greenwich.push(`${t}.map((t) => ${f}.format(t))`);
      if (i === 1) greenwich.push(`${f}.formatToParts(-1e10)`);
      greenwich.push(`[[-60000, 0], [-3600000, -60000], [-1e10, 1e10], [-86400000 * 3, -1]].map(([a, b]) => ${f}.formatRange(a, b))`);
      if (i === 4) greenwich.push(`${f}.formatRangeToParts(-3600000, 60000)`);
    }
    greenwich.push(`[-1e10, 1e10].map((t) => new Date(t).toLocaleString("en-US", { timeZone: "${z}", timeZoneName: "long" }))`);
    greenwich.push(`[-1e10, 1e10].map((t) => new Date(t).toLocaleTimeString("en-US", { timeZone: "${z}", timeZoneName: "shortGeneric" }))`);
  }
}

let seed = 2027;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (a) => a[Math.floor(random() * a.length)];
const WIDTHS = ["narrow", "short", "long"], NUMERIC = ["numeric", "2-digit"];
const VALUES = {
  weekday: WIDTHS, era: WIDTHS, year: NUMERIC, month: ["numeric", "2-digit", "narrow", "short", "long"], day: NUMERIC,
  dayPeriod: WIDTHS, hour: NUMERIC, minute: NUMERIC, second: NUMERIC, fractionalSecondDigits: [1, 2, 3],
  timeZoneName: ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"],
};
const NAMES = Object.keys(VALUES);
const CYCLES = [{}, {}, { hour12: true }, { hour12: false }, { hourCycle: "h11" }, { hourCycle: "h12" }, { hourCycle: "h23" }, { hourCycle: "h24" }];
const ZONES = [undefined, undefined, "Etc/Greenwich", "America/New_York", "Asia/Kolkata"];
// An option set is stored as a code: per component its letter (LETTERS) and the index of its
// value, then "c" and the index of its hour cycle and "t" and the index of its zone.
const LETTERS = "EGyMdBhmsSz";
const optionSet = (names) => {
  let code = "";
  for (const n of names) code += LETTERS[NAMES.indexOf(n)] + Math.floor(random() * VALUES[n].length);
  return code + "c" + Math.floor(random() * CYCLES.length) + "t" + Math.floor(random() * ZONES.length);
};
const decode = (code) => {
  const o = {};
  let cycle = {}, timeZone;
  for (let i = 0; i < code.length; i += 2) {
    const k = code[i], v = +code[i + 1];
    if (k === "c") cycle = CYCLES[v];
    else if (k === "t") timeZone = ZONES[v];
    else o[NAMES[LETTERS.indexOf(k)]] = VALUES[NAMES[LETTERS.indexOf(k)]][v];
  }
  Object.assign(o, cycle);
  if (timeZone !== undefined) o.timeZone = timeZone;
  return o;
};
const optionSets = [];
for (let mask = 1; mask < 1 << NAMES.length; mask++) optionSets.push(optionSet(NAMES.filter((_, i) => mask & (1 << i))));
for (let i = 0; i < 1500; i++) optionSets.push(optionSet(NAMES.filter(() => random() < 0.4)));
const DATES = [-62198755200000, -1e10, 0, 1721049030123, 1735689599999];
// The ranges apart: the sandbox may refuse a range layout (a RangeError) yet format the dates.
const expression = (o) => `((o) => { const f = new Intl.DateTimeFormat("en-US", o); const r = [[0, 1], [0, 61000], [1721049030123, 1721052630123], [-1e10, 1721049030123]]; ` +
  `return [JSON.stringify([${JSON.stringify(DATES)}.map((t) => f.format(t)), f.formatToParts(1721049030123), f.resolvedOptions()]), ` +
  `(() => { try { return JSON.stringify(r.map(([a, b]) => f.formatRange(a, b))); } catch (e) { return "!" + e.name; } })()]; })(${JSON.stringify(o)})`;
const digest = (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex").slice(0, 8);

const out = {
  greenwich: greenwich.map((e) => [e, evaluate(e)]),
  expression: expression({}),
  values: VALUES, letters: LETTERS, cycles: CYCLES, zones: ZONES.map((z) => (z === undefined ? null : z)),
  options: optionSets.map((c) => {
    const [formats, ranges] = eval(expression(decode(c)));
    return c + " " + digest(formats) + " " + digest(ranges);
  }),
};
console.log(JSON.stringify(out, null, 0).replace(/\],\[/g, "],\n["));
