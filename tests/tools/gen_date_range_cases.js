#!/usr/bin/env node
// What Node 20 prints for Intl.DateTimeFormat#formatRange / formatRangeToParts in en-US (UTC
// unless a formatter names a zone): the reference for tests/test_date_ranges.py. Option combinations are enumerated
// systematically (every dateStyle x timeStyle x hour cycle; every date-component set with a few
// times; every time-component set with a few dates) plus a seeded sample of the full product
// (era, dayPeriod, fractionalSecondDigits, timeZoneName, weekday, hour cycles), a day period
// alone, and formatters in six IANA zones. Each formatter ranges PAIRS: dates differing in the era, year, month, day, am/pm, hour, minute, second,
// millisecond, and equal dates.
// Each pair's result is [formatRange, parts] where parts encodes formatRangeToParts compactly
// (see encode); a TypeError/RangeError is "!" + its name. To keep the file small, each case is
// [options, digests]: per pair, the first 6 hex digits of the SHA-256 of the result's
// JSON text (or "refused:RangeError" when the constructor throws). `--show OPTIONS_JSON`
// prints one formatter's results in full, to see what Node prints for a failing case.
// Usage: TZ=UTC node tests/tools/gen_date_range_cases.js > tests/data/date_range_cases.json
"use strict";
const A = Date.UTC(2025, 0, 15, 9, 5, 7, 123);
const PAIRS = [
  [A, A], // equal
  [A, A + 333], // millisecond
  [A, A + 31000], // second
  [A, Date.UTC(2025, 0, 15, 9, 47, 7, 123)], // minute
  [A, Date.UTC(2025, 0, 15, 11, 5, 7, 123)], // hour, same half of the day
  [Date.UTC(2025, 0, 15, 0, 0, 0), Date.UTC(2025, 0, 15, 12, 0, 0)], // am/pm, midnight and noon
  [A, Date.UTC(2025, 0, 15, 23, 59, 59, 999)], // am/pm
  [A, Date.UTC(2025, 0, 17, 14, 20, 0)], // day
  [A, Date.UTC(2025, 2, 3, 9, 5, 7, 123)], // month
  [A, Date.UTC(2026, 5, 30, 18, 45, 1)], // year
  [Date.UTC(-43, 2, 15, 12, 0, 0), A], // era (44 BC)
];
// Each part as its source's initial, its type's first two letters and its length: with the
// formatRange text beside it, that pins every part's value.
const encode = "(p) => p.map((x) => x.source[0] + x.type.slice(0, 2) + x.value.length).join('')";
function expression(options) {
  const pairs = JSON.stringify(PAIRS);
  return `((o) => { let f; try { f = new Intl.DateTimeFormat('en-US', o); } catch (e) { return 'refused:' + e.name; } ` +
    `return ${pairs}.map(([a, b]) => { try { return [f.formatRange(a, b), (${encode})(f.formatRangeToParts(a, b))]; } ` +
    `catch (e) { return '!' + e.name; } }); })(${JSON.stringify(options)})`;
}
const { digest } = require("./node_value.js");
function run(options) {
  const result = (0, eval)(expression(options));
  return typeof result === "string" ? result : result.map((r) => digest(JSON.stringify(r))).join("");
}
if (process.argv[2] === "--show") {
  console.log(JSON.stringify((0, eval)(expression(JSON.parse(process.argv[3]))), null, 1));
  process.exit(0);
}

// A small seeded generator (mulberry32), so the sample is the same on every run.
let seed = 2027;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];

const U = undefined;
const CYCLES = [{}, { hourCycle: "h11" }, { hourCycle: "h12" }, { hourCycle: "h23" }, { hourCycle: "h24" }, { hour12: true }, { hour12: false }];
const STYLES = [U, "full", "long", "medium", "short"];
const WIDTHS = [U, "narrow", "short", "long"];
const NUMERIC = [U, "numeric", "2-digit"];
const MONTHS = [U, "numeric", "2-digit", "short", "long", "narrow"];
const ZONES = [U, "short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"];
const FRACTIONS = [U, 1, 2, 3];

function clean(o) {
  const out = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

const optionSets = [];
const seen = new Set();
function add(o) {
  o = clean(o);
  const key = JSON.stringify(o);
  if (!seen.has(key)) {
    seen.add(key);
    optionSets.push(o);
  }
}

for (const dateStyle of STYLES) for (const timeStyle of STYLES) for (const c of CYCLES) add({ dateStyle, timeStyle, ...c });
const SOME_TIMES = [{}, { hour: "numeric" }, { hour: "numeric", minute: "2-digit" }, { hour: "2-digit", minute: "2-digit", second: "2-digit" }];
for (const weekday of WIDTHS) for (const year of NUMERIC) for (const month of MONTHS) for (const day of NUMERIC) {
  for (const t of SOME_TIMES) add({ weekday, year, month, day, ...t, ...pick(CYCLES) });
  add({ weekday, year, month, day, era: pick(WIDTHS) });
}
const SOME_DATES = [{}, { month: "short", day: "numeric" }, { year: "numeric", month: "numeric", day: "numeric" },
  { weekday: "long", month: "long", day: "numeric", year: "numeric" }];
for (const hour of NUMERIC) for (const minute of NUMERIC) for (const second of NUMERIC) for (const c of CYCLES) {
  for (const d of SOME_DATES) add({ ...d, hour, minute, second, ...c });
  add({ hour, minute, second, ...c, fractionalSecondDigits: pick(FRACTIONS), dayPeriod: pick(WIDTHS), timeZoneName: pick(ZONES) });
}
// A day period without an hour, with and without date fields.
for (const dayPeriod of ["narrow", "short", "long"]) for (const d of [{}, ...SOME_DATES, { era: "short" }]) add({ ...d, dayPeriod });
// Ranges in other zones: local fields, daylight-saving changes, offsets of 30 and 45 minutes.
const ZONES_IANA = ["America/New_York", "Asia/Kolkata", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Cairo"];
for (const timeZone of ZONES_IANA) {
  for (const dateStyle of STYLES) for (const timeStyle of STYLES) add({ dateStyle, timeStyle, timeZone });
  for (let i = 0; i < 40; i++) {
    add({
      weekday: pick(WIDTHS), year: pick(NUMERIC), month: pick(MONTHS), day: pick(NUMERIC), hour: pick(NUMERIC),
      minute: pick(NUMERIC), timeZoneName: random() < 0.5 ? pick(ZONES) : U, ...pick(CYCLES), timeZone,
    });
  }
}
for (let i = 0; i < 1200; i++) {
  add({
    weekday: pick(WIDTHS), era: random() < 0.2 ? pick(WIDTHS) : U, year: pick(NUMERIC), month: pick(MONTHS), day: pick(NUMERIC),
    dayPeriod: random() < 0.2 ? pick(WIDTHS) : U, hour: pick(NUMERIC), minute: pick(NUMERIC), second: pick(NUMERIC),
    fractionalSecondDigits: random() < 0.2 ? pick(FRACTIONS) : U, timeZoneName: random() < 0.3 ? pick(ZONES) : U,
    ...pick(CYCLES), timeZone: pick([U, "UTC", "GMT", "Etc/Greenwich"]),
  });
}

const cases = optionSets.map((o) => [o, run(o)]);
// One case a line, so that a regenerated file diffs readably.
const head = JSON.stringify({ node: process.version, icu: process.versions.icu, pairs: PAIRS, expression: expression({}) });
process.stdout.write(head.slice(0, -1) + ',"cases":[\n' + cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]}\n");
