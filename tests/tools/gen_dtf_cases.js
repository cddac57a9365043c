#!/usr/bin/env node
// What Node 20 prints for Intl.DateTimeFormat option sets: the reference for
// tests/test_dtf.py.
// "greenwich": Greenwich's own ids (UTC to V8, "GMT" to ICU) and zones whose names change
// where ICU's metazone mapping starts (1970 for Greenwich), with every zone-name style, on
// dates before and after, through format, formatToParts, toLocale*String and formatRange.
// Each case is an expression and its value as JSON, or "!" and the name of the error thrown.
// Usage: TZ=UTC node tests/tools/gen_dtf_cases.js > tests/data/dtf_cases.json
"use strict";

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

const out = { greenwich: greenwich.map((e) => [e, evaluate(e)]) };
console.log(JSON.stringify(out, null, 0).replace(/\],\[/g, "],\n["));
