#!/usr/bin/env node
// Writes the time-zone data of dodo_transform/sandbox/js/tz.js (between its GENERATED lines)
// from what Node 20 itself prints (V8 with ICU 78.2, tz 2025c): the ids V8 accepts and the id
// resolvedOptions() reports for each, and per zone its history of UTC offsets and of the
// en-US names ICU prints for timeZoneName short / long / shortGeneric / longGeneric, from
// 1800 to 2100 (daily offset probes, weekly name probes, each change found to the second),
// followed by the zone's final annual rule (transitions on "weekday on or after day d of
// month m" at a local time), checked against Node for every year from 2100 to 2400.
// Candidate ids are the zone-like strings in ICU's data inside the node binary.
// Usage: node tools/gen_tz.js   (rewrites tz.js in place; takes a few minutes)
"use strict";
const fs = require("fs");
const path = require("path");

const TZ_JS = path.join(__dirname, "..", "dodo_transform", "sandbox", "js", "tz.js");
const DAY = 86400000;
const T0 = Date.UTC(1800, 0, 1);
const T_END = Date.UTC(2100, 0, 1);

// ---- The ids V8 accepts ----
function candidates() {
  const bin = fs.readFileSync(process.execPath);
  const out = new Set();
  const re = /[A-Za-z][A-Za-z0-9_+\-]*(?:\/[A-Za-z0-9_+\-]+)*/g;
  for (const start of [0, 1]) {
    const text = bin.subarray(start, bin.length - ((bin.length - start) % 2)).toString("utf16le");
    for (const m of text.match(re) || []) {
      if (m.length < 2 || m.length > 40) continue;
      out.add(m);
      // ICU's strings may follow a length unit that reads as a letter.
      for (let i = 1; i < 4 && i < m.length - 1; i++) out.add(m.slice(i));
    }
  }
  // Ids ICU knows from elsewhere than its zone table (tz's "backward" and Java's ids).
  const extra = "ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST " +
    "EST MST HST CET MET EET WET EST5EDT CST6CDT MST7MDT PST8PDT ROC ROK PRC NZ NZ-CHAT GB GB-Eire Eire W-SU UCT Cuba Egypt " +
    "Iran Israel Japan Libya Navajo Poland Portugal Singapore Turkey Iceland Jamaica Hongkong Kwajalein Factory";
  for (const id of extra.split(" ")) out.add(id);
  return out;
}
function resolve(id) {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone;
  } catch (e) {
    return undefined;
  }
}
const accepted = new Map();
for (const id of candidates()) {
  const r = resolve(id);
  if (r !== undefined) accepted.set(id, r);
}
for (const id of Intl.supportedValuesOf("timeZone")) if (!accepted.has(id)) throw new Error("missed " + id);

// ---- Offsets and names per zone ----
function offsetText(sec, long) {
  const a = Math.abs(sec), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), s = a % 60;
  const p2 = (n) => (n < 10 ? "0" : "") + n;
  const sign = sec < 0 ? "-" : "+";
  if (long) return "GMT" + sign + p2(h) + ":" + p2(m) + (s ? ":" + p2(s) : "");
  return "GMT" + sign + h + (m || s ? ":" + p2(m) : "") + (s ? ":" + p2(s) : "");
}
function parseOffset(text) {
  if (text === "GMT") return 0;
  const m = /^GMT([+-])(\d\d):(\d\d)(?::(\d\d))?$/.exec(text);
  if (!m) throw new Error("offset " + text);
  const v = +m[2] * 3600 + +m[3] * 60 + (m[4] ? +m[4] : 0);
  return m[1] === "-" ? -v : v;
}
const STYLES = ["longOffset", "short", "long", "shortGeneric", "longGeneric", "shortOffset"];

function zoneProbe(zone) {
  const f = STYLES.map((s) => new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: s }));
  const name = (i, t) => f[i].formatToParts(t).find((p) => p.type === "timeZoneName").value;
  const offset = (t) => parseOffset(name(0, t));
  const offsetRaw = (t) => name(0, t);
  const key = (t) => {
    const off = offset(t);
    const k = [off, name(1, t), name(2, t), name(3, t), name(4, t)];
    if (name(5, t) !== offsetText(off, false) || name(0, t) !== offsetText(off, true)) throw new Error(`offset text ${zone} ${t}`);
    return JSON.stringify(k);
  };
  return { offset, offsetRaw, key };
}

function segments(zone) {
  const { offsetRaw: offset, key } = zoneProbe(zone);
  const first = key(T0);
  for (const y of [-270000, -100000, -1000, 0, 1000, 1500, 1700, 1799]) {
    if (key(new Date(Date.UTC(2000, 5, 1)).setUTCFullYear(y)) !== first) throw new Error(`${zone} changes before 1800`);
  }
  const out = [{ t: -Infinity, key: first }];
  // First instant in (a, b] whose key differs from key(a) (assumes one change in between).
  function boundary(a, ka, b) {
    let lo = a, hi = b;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (key(mid) === ka) lo = mid;
      else hi = mid;
    }
    // Names that depend on the offset 184 days away change 1 ms after a whole second.
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (key(mid) === ka) lo = mid;
      else hi = mid;
    }
    return hi;
  }
  const found = new Map(); // boundary -> key
  function refine(a, b) {
    let ka = key(a);
    const kb = key(b);
    while (ka !== kb) {
      const x = boundary(a, ka, b);
      ka = key(x);
      found.set(x, ka);
      a = x;
    }
  }
  let prevT = T0, prevOff = offset(T0), weekT = T0, weekKey = first;
  for (let t = T0 + DAY, i = 1; t <= T_END; t += DAY, i++) {
    const off = offset(t);
    if (off !== prevOff) {
      // From the last name probe: a name may have changed since, before this change.
      refine(weekT, t);
      weekT = t, weekKey = key(t);
    } else if (i % 7 === 0) {
      const k = key(t);
      if (k !== weekKey) refine(weekT, t);
      weekT = t, weekKey = k;
    }
    prevT = t, prevOff = off;
  }
  // Around each change, generic names can differ for an hour or so (ICU compares the zone
  // with its metazone's main zone at the local time, which a change makes ambiguous):
  // look every 10 minutes within 2 hours of each change of offset.
  const STEP = 600000;
  for (const x of [...found.keys()]) {
    if (offset(x - 1) === offset(x)) continue;
    let p = x - 12 * STEP, kp = key(p);
    for (; p < x + 12 * STEP; p += STEP) {
      const kq = key(p + STEP);
      if (kq !== kp) refine(p, p + STEP);
      kp = kq;
    }
  }
  for (const x of [...found.keys()].sort((m, n) => m - n)) out.push({ t: x, key: found.get(x) });
  for (let i = 1; i < out.length; i++) if (out[i].key === out[i - 1].key) throw new Error(zone + " repeated key");
  return out;
}

// ---- The final rule ----
const yearStart = (y) => new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(y);
const keyOffset = (k) => JSON.parse(k)[0];
function ruleInstant(r, y, offBefore) {
  const day = Math.floor(Date.UTC(y, r.m, r.d) / DAY);
  const wd = (((day % 7) + 11) % 7);
  return (day + ((r.w - wd + 7) % 7)) * DAY + r.time * 1000 - offBefore * 1000;
}
function ruleYear(rule, y) {
  return rule.map((r, k) => ({ t: ruleInstant(r, y, keyOffset(rule[(k + rule.length - 1) % rule.length].key)), key: r.key }));
}
function inYear(segs, y) {
  return segs.filter((s) => s.t >= yearStart(y) && s.t < yearStart(y + 1));
}
function deriveRule(segs, from, to) {
  const years = [];
  for (let y = from; y <= to; y++) years.push(inYear(segs, y));
  const n = years[0].length;
  if (years.some((ts) => ts.length !== n)) return undefined;
  const rule = [];
  for (let k = 0; k < n; k++) {
    // A change at "24:00" of a weekday can fall on the 1st of the next month: it is then
    // read as the day before at 24:00 (shift 1), and so on.
    let found;
    for (const shift of [0, 1, -1]) {
      let r;
      for (let i = 0; i < years.length && r !== null; i++) {
        const prev = k > 0 ? years[i][k - 1].key : (i > 0 ? years[i - 1][n - 1].key : segs[segs.indexOf(years[0][0]) - 1].key);
        const wallT = years[i][k].t + keyOffset(prev) * 1000 - shift * DAY;
        const wall = new Date(wallT);
        const cur = { m: wall.getUTCMonth(), d: wall.getUTCDate(), w: wall.getUTCDay(), time: (wallT - Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate())) / 1000 + shift * 86400, key: years[i][k].key };
        if (r === undefined) r = cur;
        else if (r.m !== cur.m || r.w !== cur.w || r.time !== cur.time || r.key !== cur.key) r = null;
        else if (cur.d < r.d) r.d = cur.d;
      }
      if (r) { found = r; break; }
    }
    if (found === undefined) return undefined;
    rule.push(found);
  }
  for (let y = from; y <= to; y++) if (JSON.stringify(ruleYear(rule, y)) !== JSON.stringify(years[y - from].map((s) => ({ t: s.t, key: s.key })))) return undefined;
  return rule;
}
function finalRule(zone, segs) {
  for (let from = 2072; from <= 2094; from++) {
    const rule = deriveRule(segs, from, 2099);
    if (rule === undefined) continue;
    // The rule holds back to year E + 1; explicit transitions before that.
    const last = rule.length ? rule[rule.length - 1].key : inYear(segs, 2099).length ? null : segs.filter((s) => s.t < yearStart(2100)).pop().key;
    let y = from - 1;
    for (; y >= 1800; y--) {
      const got = JSON.stringify(inYear(segs, y).map((s) => ({ t: s.t, key: s.key })));
      if (got !== JSON.stringify(ruleYear(rule, y))) break;
      const before = segs.filter((s) => s.t < yearStart(y)).pop();
      if (before.key !== last) break;
    }
    return { rule, explicit: segs.filter((s) => s.t < yearStart(y + 1)), ruleFrom: y + 1 };
  }
  // Generic names that follow two zones' rules (a zone and its metazone's main zone, as
  // Cairo's "Eastern European Time (Egypt)") fit no annual rule: keep the history to 2100 and
  // a rule for the offsets and specific names only (generic names unknown after 2099).
  const specific = [];
  for (const seg of segs) {
    const k = JSON.parse(seg.key);
    const key = JSON.stringify([k[0], k[1], k[2], null, null]);
    if (specific.length === 0 || specific[specific.length - 1].key !== key) specific.push({ t: seg.t, key });
  }
  for (let from = 2072; from <= 2094; from++) {
    const rule = deriveRule(specific, from, 2099);
    if (rule !== undefined && rule.length > 0) return { rule, explicit: segs.filter((seg) => seg.t < yearStart(2100)), ruleFrom: 2100 };
  }
  throw new Error("no final rule for " + zone);
}
// From 9999-12-31 23:59 UTC ICU's metazone table has ended.
const LATE = Date.UTC(9999, 11, 31, 23, 59);
function noGeneric(k) {
  const a = JSON.parse(k);
  return JSON.stringify([a[0], a[1], a[2], null, null]);
}
// The names each final period has past LATE (ICU keeps only a zone's own names there, as
// Dublin's "Irish Standard Time"), probed in year 10001.
function lateKeys(zone, rule, explicit) {
  const { key } = zoneProbe(zone);
  if (rule.length === 0) return [key(yearStart(10001))];
  return ruleYear(rule, 10001).map((tr) => key(tr.t + 1000));
}
function checkRule(zone, rule, explicit, late) {
  const lateOf = new Map(rule.length ? rule.map((r, i) => [r.key, late[i]]) : [[explicit[explicit.length - 1].key, late[0]]]);
  const lateKey = (k) => lateOf.get(k);
  const probe0 = zoneProbe(zone);
  const generic = JSON.parse(rule.length ? rule[0].key : explicit[explicit.length - 1].key)[3] !== null;
  const probe = { key: (t) => (generic || t >= LATE ? probe0.key(t) : noGeneric(probe0.key(t))) };

  const lastKey = rule.length ? rule[rule.length - 1].key : explicit[explicit.length - 1].key;
  const years = [];
  for (let y = 2100; y <= 2400; y++) years.push(y);
  years.push(2500, 3000, 9999, 10000, 123456, 275759);
  for (const y of years) {
    const ts = ruleYear(rule, y);
    let prev = lastKey, prevT = yearStart(y);
    for (const tr of ts) {
      const K = (t, k) => (t >= LATE ? lateKey(k) : k);
      if (probe.key(tr.t - 1000) !== K(tr.t - 1000, prev) || probe.key(tr.t) !== K(tr.t, tr.key) || probe.key(Math.floor((prevT + tr.t) / 2)) !== K(Math.floor((prevT + tr.t) / 2), prev)) throw new Error(`${zone}: rule wrong in ${y}: ${JSON.stringify(rule)} ${new Date(tr.t).toISOString()} ${probe.key(tr.t - 1000)} ${probe.key(tr.t)}`);
      prev = tr.key, prevT = tr.t;
    }
    const mid = Math.floor((prevT + yearStart(y + 1)) / 2);
    if (probe.key(mid) !== (mid >= LATE ? lateKey(prev) : prev)) throw new Error(`${zone}: rule wrong at the end of ${y}`);
  }
}

// ---- Encoding: unsigned VLQ in base 32 (continuation digits, then a final digit) ----
const FINAL = "0123456789abcdefghijklmnopqrstuv", MORE = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
function vlq(n) {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error("vlq " + n);
  let out = FINAL[n % 32];
  n = Math.floor(n / 32);
  while (n > 0) { out = MORE[n % 32] + out; n = Math.floor(n / 32); }
  return out;
}
const zig = (n) => (n < 0 ? -2 * n - 1 : 2 * n);

const zones = [...new Set(accepted.values())].filter((z) => z !== "UTC" && (!process.env.ONLY || process.env.ONLY.split(",").includes(z))).sort();
const nameCount = new Map();
const data = [];
const started = Date.now();
for (const zone of zones) {
  const segs = segments(zone);
  const { rule, explicit, ruleFrom } = finalRule(zone, segs);
  const late = lateKeys(zone, rule, explicit);
  checkRule(zone, rule, explicit, late);
  for (const s of [...explicit, ...rule]) for (const n of JSON.parse(s.key).slice(1)) if (n !== null) nameCount.set(n, (nameCount.get(n) || 0) + 1);
  for (const k of late) for (const n of JSON.parse(k).slice(1)) nameCount.set(n, (nameCount.get(n) || 0) + 1);
  data.push({ zone, rule, explicit, late, ruleFrom });
  process.stderr.write(`${zone} ${explicit.length}+${rule.length} ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
}
// Names: 0 is the offset text; the rest by frequency.
const names = [...nameCount.keys()].sort((a, b) => nameCount.get(b) - nameCount.get(a) || (a < b ? -1 : 1));
const nameIndex = new Map(names.map((n, i) => [n, i + 2]));
const typeIndex = new Map(), types = [];
function typeOf(key) {
  if (!typeIndex.has(key)) {
    const [off, s, l, sg, lg] = JSON.parse(key);
    const idx = (n, long) => (n === null ? 1 : n === offsetText(off, long) ? 0 : nameIndex.get(n));
    typeIndex.set(key, types.length);
    types.push(vlq(zig(off)) + vlq(idx(s, false)) + vlq(idx(l, true)) + vlq(idx(sg, false)) + vlq(idx(lg, true)));
  }
  return typeIndex.get(key);
}
// Types used most get the small indices.
const typeUse = new Map();
for (const d of data) for (const s of [...d.explicit, ...d.rule, ...d.late.map((key) => ({ key }))]) typeUse.set(s.key, (typeUse.get(s.key) || 0) + 1);
[...typeUse.keys()].sort((a, b) => typeUse.get(b) - typeUse.get(a)).forEach(typeOf);

const records = [], recordIndex = new Map(), zoneRecords = [];
for (const { explicit, rule, late, ruleFrom } of data) {
  const local = [];
  const localOf = (key) => { const g = typeOf(key); let i = local.indexOf(g); if (i < 0) { i = local.length; local.push(g); } return i; };
  let body = vlq(localOf(explicit[0].key)) + vlq(explicit.length - 1);
  let prev = T0;
  for (const s of explicit.slice(1)) {
    // In minutes, seconds or milliseconds (the low two bits say which).
    const dt = s.t - prev;
    body += vlq(zig(dt % 60000 === 0 ? 4 * (dt / 60000) : dt % 1000 === 0 ? 4 * (dt / 1000) + 1 : 4 * dt + 2)) + vlq(localOf(s.key));
    prev = s.t;
  }
  body += vlq(rule.length) + (rule.length ? vlq(ruleFrom - 1800) : "");
  for (const r of rule) body += vlq(r.m) + vlq(r.d) + vlq(r.w) + vlq(zig(r.time % 60 === 0 ? 2 * (r.time / 60) : 2 * r.time + 1)) + vlq(localOf(r.key));
  for (const k of late) body += vlq(localOf(k));
  const rec = vlq(local.length) + local.map(vlq).join("") + body;
  if (!recordIndex.has(rec)) { recordIndex.set(rec, records.length); records.push(rec); }
  zoneRecords.push(recordIndex.get(rec));
}
// Ids: the zones, then each other accepted id (not a UTC one) with the zone it resolves to.
const zonePos = new Map(zones.map((z, i) => [z, i]));
const aliases = [...accepted].filter(([id, r]) => zonePos.has(r) && id !== r).sort((a, b) => (a[0] < b[0] ? -1 : 1));
const utcIds = [...accepted].filter(([, r]) => r === "UTC").map(([id]) => id).sort();

const js = (s) => JSON.stringify(s);
const lines = [
  `  // ${zones.length} zones, ${aliases.length} other ids, ${records.length} distinct histories, ${types.length} period types, ${names.length} names.`,
  `  const NAMES = ${js(names.join("|"))};`,
  `  const TYPES = ${js(types.join(""))};`,
  `  const ZONES = ${js(zones.join("|"))};`,
  `  const ZONE_RECORDS = ${js(zoneRecords.map(vlq).join(""))};`,
  `  const RECORDS = ${js(records.join("|"))};`,
  `  const ALIASES = ${js(aliases.map(([id, r]) => id + "|" + vlq(zonePos.get(r))).join("|"))};`,
];
const src = fs.readFileSync(TZ_JS, "utf8");
const begin = src.indexOf("  // BEGIN GENERATED"), end = src.indexOf("  // END GENERATED");
fs.writeFileSync(TZ_JS, src.slice(0, begin) + "  // BEGIN GENERATED by tools/gen_tz.js\n" + lines.join("\n") + "\n" + src.slice(end));
process.stderr.write(`ids resolving to UTC: ${utcIds.join(" ")}\n`);
