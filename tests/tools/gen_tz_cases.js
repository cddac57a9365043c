#!/usr/bin/env node
// What Node 20 prints for Intl.DateTimeFormat / toLocale*String with an explicit IANA
// timeZone: the reference for tests/test_tz.py. For every zone V8 resolves an id to, the
// option sets below at instants around the zone's offset changes (found here by scanning
// Node) and at far past and future dates; every id V8 accepts (resolvedOptions().timeZone
// and two formats); ids V8 refuses.
// Each case is an expression and its value as JSON, or "!" and the name of the error thrown.
// Usage: TZ=UTC node tests/tools/gen_tz_cases.js > tests/data/tz_cases.json
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

// The ids the sandbox knows, as tools/gen_tz.js found them in Node: its ZONES and ALIASES.
const tzSource = fs.readFileSync(path.join(__dirname, "..", "..", "dodo_transform", "sandbox", "js", "tz.js"), "utf8");
const literal = (name) => JSON.parse(new RegExp(`const ${name} = (".*");`).exec(tzSource)[1]);
const zones = literal("ZONES").split("|");
const aliasParts = literal("ALIASES").split("|");
const ids = [...zones];
for (let i = 0; i < aliasParts.length; i += 2) ids.push(aliasParts[i]);
for (const id of Intl.supportedValuesOf("timeZone")) if (!ids.includes(id) && id !== "UTC") throw new Error("tz.js lacks " + id);

const SETS = [
  "{}", "{ dateStyle: 'full', timeStyle: 'full' }", "{ dateStyle: 'medium', timeStyle: 'long', hourCycle: 'h23' }",
  "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }", "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'long' }",
  "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'shortOffset' }", "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'longOffset' }",
  "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'shortGeneric' }", "{ hour: 'numeric', minute: '2-digit', timeZoneName: 'longGeneric' }",
  "{ weekday: 'long', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' }",
  "{ month: 'long', day: 'numeric', timeZoneName: 'long' }", "{ hour: 'numeric', dayPeriod: 'long' }",
  "{ hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, timeZoneName: 'shortOffset' }",
  "{ era: 'short', year: 'numeric', month: 'numeric', day: 'numeric' }",
];
// Generic names after 2099 are checked apart (GENERIC_LATE): a few zones refuse them.
const Y2100 = Date.UTC(2100, 0, 1);
const RANGE_SETS = ["{ hour: 'numeric', minute: '2-digit' }", "{ month: 'short', day: 'numeric' }", "{ dateStyle: 'medium', timeStyle: 'short' }"];

const offsetAt = (f, t) => f.formatToParts(t).find((p) => p.type === "timeZoneName").value;
function changes(zone, from, to, step) {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  const out = [];
  for (let t = from; t < to; t += step) {
    if (offsetAt(f, t) !== offsetAt(f, t + step)) {
      let lo = t, hi = t + step;
      while (hi - lo > 1) { const mid = Math.floor((lo + hi) / 2); if (offsetAt(f, mid) === offsetAt(f, lo)) lo = mid; else hi = mid; }
      out.push(hi);
    }
  }
  return out;
}
const FIXED = [-62198755200000, Date.UTC(1850, 0, 1), Date.UTC(1950, 5, 15, 12), Date.UTC(2024, 0, 15, 12), Date.UTC(2024, 6, 15, 23, 30),
  Date.UTC(2099, 11, 31, 23), Date.UTC(2300, 0, 15), Date.UTC(2300, 6, 15), Date.UTC(9999, 11, 31, 23, 58, 59, 999), Date.UTC(9999, 11, 31, 23, 59),
  Date.UTC(12345, 6, 1), 8.64e15, -8.64e15];
const HELPER = "(z, ts, sets, ranges) => [new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone, " +
  "ts.map((t) => new Date(t).toLocaleString('en-US', { timeZone: z })), ts.map((t) => new Date(t).toLocaleDateString('en-US', { timeZone: z })), " +
  "ts.map((t) => new Date(t).toLocaleTimeString('en-US', { timeZone: z, timeZoneName: 'short' })), " +
  "sets.map((o, i) => { const f = new Intl.DateTimeFormat('en-US', { ...o, timeZone: z }); return ts.map((t) => { if ((i === 7 || i === 8) && t >= 4102444800000) return null; try { return f.format(t); } catch (e) { return '!' + e.name; } }); }), " +
  "new Intl.DateTimeFormat('en-US', { ...sets[9], timeZone: z }).formatToParts(ts[ts.length - 1]), " +
  "ranges.map((o) => { const f = new Intl.DateTimeFormat('en-US', { ...o, timeZone: z }); return ts.map((t) => { try { return f.formatRange(t - 3600000, t + 3600000); } catch (e) { return '!' + e.name; } }); })]";

const cases = [];
const zoneCases = [];
const genericLate = [];
let formatted = 0;
const evaluate = (expr) => {
  try {
    return JSON.stringify((0, eval)(expr));
  } catch (e) {
    return "!" + e.name;
  }
};
for (const zone of zones) {
  const found = changes(zone, Date.UTC(1900, 0, 1), Date.UTC(2030, 0, 1), 30 * 86400000);
  const picks = found.length <= 3 ? found : [found[0], found[Math.floor(found.length / 2)], found[found.length - 1]];
  const late = changes(zone, Date.UTC(2300, 0, 1), Date.UTC(2301, 0, 1), 7 * 86400000);
  const ts = [...FIXED];
  for (const t of [...picks, ...late]) ts.push(t - 1, t);
  const expr = `(${HELPER})(${JSON.stringify(zone)}, ${JSON.stringify(ts)}, [${SETS.join(", ")}], [${RANGE_SETS.join(", ")}])`;
  const value = evaluate(expr);
  formatted += ts.length * (3 + SETS.length + RANGE_SETS.length) + 1;
  // The value (a few hundred strings) is kept as its SHA-256, to keep the file small.
  zoneCases.push([expr, crypto.createHash("sha256").update(value).digest("hex")]);
  const after2099 = ts.filter((t) => t >= Y2100);
  const lateExpr = `((z, ts) => ['shortGeneric', 'longGeneric'].map((n) => ts.map((t) => { try { return new Date(t).toLocaleString('en-US', { timeZone: z, timeZoneName: n }); } catch (e) { return '!' + e.name; } })))(${JSON.stringify(zone)}, ${JSON.stringify(after2099)})`;
  genericLate.push([lateExpr, evaluate(lateExpr)]);
  formatted += 2 * after2099.length;
}
// Every id: what it resolves to and prints.
for (const id of ids) {
  for (const spelled of [id, id.toUpperCase(), id.toLowerCase()]) {
    if (spelled !== id && ids.indexOf(id) % 7 !== 0) continue;
    const expr = `((f) => [f.resolvedOptions().timeZone, f.format(1e12), f.format(Date.UTC(2024, 6, 1))])(new Intl.DateTimeFormat('en-US', { timeZone: ${JSON.stringify(spelled)}, timeZoneName: 'long', hour: 'numeric' }))`;
    cases.push([expr, evaluate(expr)]);
  }
}
const INVALID = ["Foo/Bar", "America/New_Yorkk", "+05:30", "-0800", "GMT+5", "Etc/GMT+13", "Etc/Unknown", "", " UTC", "America/", "EST5", "Mars/Olympus_Mons"];
for (const id of INVALID) {
  cases.push([`new Date(0).toLocaleString('en-US', { timeZone: ${JSON.stringify(id)} })`, evaluate(`new Date(0).toLocaleString('en-US', { timeZone: ${JSON.stringify(id)} })`)]);
  const expr = `(() => { try { new Intl.DateTimeFormat('en-US', { timeZone: ${JSON.stringify(id)} }); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } })()`;
  cases.push([expr, evaluate(expr)]);
}
// The time zone is read right after hourCycle: an invalid one throws before later options are read.
{
  const expr = "(() => { const read = []; const o = new Proxy({ timeZone: 'Foo/Bar' }, { get(t, k) { read.push(k); return t[k]; } }); try { new Intl.DateTimeFormat('en-US', o); } catch (e) { read.push(e.name); } return read; })()";
  cases.push([expr, evaluate(expr)]);
}
process.stdout.write(JSON.stringify({
  comment: "Regenerate: TZ=UTC node tests/tools/gen_tz_cases.js > tests/data/tz_cases.json",
  formatted: formatted + cases.length * 3,
  zones: zoneCases,
  genericLate,
  cases,
}) + "\n");
