#!/usr/bin/env node
// Reference data for collate.js's ICU root collation (tests/test_collation.py), as Node 20
// (ICU, en) answers it:
// - order: a repertoire of code points from every assigned block (a few per 128 code points,
//   all of Latin-1), plus contractions and combining sequences, in Node's sort order under
//   each option set, with the sign of compare() between neighbours (0: equal there);
// - pairs: random strings mixing ASCII, accents, ß, NBSP, emoji, combining marks, digits,
//   punctuation, Greek, Cyrillic, CJK, Thai..., compared under random options;
// - words: every WORDS entry of tests/fuzz/generator.py against every other.
// Usage: node tests/tools/gen_collation_order.js > tests/data/collation_order.json
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");

let seed = 20271113;
function random(n) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const assigned = /^\P{Cn}$/u, skip = /^[\p{Cs}\p{Co}]$/u;
const repertoire = [];
for (let cp = 0; cp < 0x100; cp++) repertoire.push(String.fromCodePoint(cp));
for (let block = 0x100; block < 0x110000; block += 128) {
  const chars = [];
  for (let cp = block; cp < block + 128; cp++) {
    const s = String.fromCodePoint(cp);
    if (assigned.test(s) && !skip.test(s)) chars.push(s);
  }
  for (let k = 0; k < 3 && chars.length; k++) repertoire.push(chars.splice(random(chars.length), 1)[0]);
}
// Unassigned code points, Han from each extension, and sequences that contract or reorder.
repertoire.push("\u0378", "\u{50000}", "\u{e0080}", "\u4e00", "\u9fff", "\u{20000}", "\u{2a700}", "\u{30000}", "\u{31350}", "\u{17000}", "\u{1b170}", "\u{18b00}");
repertoire.push("\u0418\u0306", "\u0438\u0323\u0306", "\u0438\u0306\u0323", "\u0435\u0306", "\u0e40\u0e01", "\u0e40\u0e2e", "\u0ec0\u0e9a", "L\u00b7", "l\u00b7a", "\u0627\u0653", "\u09c7\u09be", "\u0fb2\u0f71\u0f80", "\u0b47\u0b56", "\ufdd1\u0041");
repertoire.push("\ud800", "\udfff", "a\ud800b", "\ufffd", "\uffff", "\ufffe", "\u{1f600}\u{1f3fb}", "\u{1f468}\u200d\u{1f469}");

const OPTIONS = [
  { sensitivity: "variant" }, { sensitivity: "base" }, { sensitivity: "accent" }, { sensitivity: "case" },
  { caseFirst: "upper" }, { caseFirst: "lower" }, { ignorePunctuation: true }, { sensitivity: "case", caseFirst: "upper" },
];
const order = OPTIONS.map((options) => {
  const collator = new Intl.Collator("en", options);
  const sorted = [...repertoire.keys()].sort((i, j) => collator.compare(repertoire[i], repertoire[j]));
  const signs = sorted.slice(1).map((s, i) => Math.sign(collator.compare(repertoire[sorted[i]], repertoire[s]))).join("");
  return { options, sorted, signs };
});

const PIECES = [
  ..."abcXYZ019 -_.,;:'\"()!?@#&/*+<=>", "\t", "\n", "\u0001", "\u00a0", "\u2002", "\u200b", "\u034f", "\u00ad",
  ..."éÉèäÄöÖüÜßẞæÆøØåÅœŒıİłŁðÞþñçÇ", "e\u0301", "E\u0300", "a\u0308", "o\u0323\u0302", "i\u0307", "\u0301", "\u0323",
  ..."αβγΑΒΓάέΩωЖжЙйИиёЁ", "\u0438\u0306", "\u05d0\u05d1", "\u0627\u0628", "\u0915\u093f", "\u0e40\u0e01", "\u0e01",
  ..."中文日本語한국어かカｶＡａ①²½™€$£¥", "\u{1f600}", "\u{1f44d}\u{1f3fd}", "\u2764\ufe0f", "\u{1d400}", "\u{20000}", "\u0378",
  "٣", "۴", "１", "१२", "10", "007", "12345678901234567890",
];
function word() {
  let s = "";
  for (let i = 0, n = 1 + random(5); i < n; i++) s += PIECES[random(PIECES.length)];
  return s;
}
const SENS = [undefined, "base", "accent", "case", "variant"], CASE_FIRST = [undefined, "upper", "lower", "false"];
const pairs = [];
for (let i = 0; i < 4000; i++) {
  const a = word();
  const r = random(5);
  const b = r === 0 ? a.toUpperCase() : r === 1 ? a + word() : r === 2 ? a.normalize("NFD") : word();
  const options = {};
  const sensitivity = SENS[random(SENS.length)], caseFirst = CASE_FIRST[random(CASE_FIRST.length)];
  if (sensitivity) options.sensitivity = sensitivity;
  if (caseFirst) options.caseFirst = caseFirst;
  if (random(3) === 0) options.numeric = true;
  if (random(4) === 0) options.ignorePunctuation = true;
  pairs.push({ a, b, options, expected: Math.sign(a.localeCompare(b, "en-US", options)) });
}

const root = path.resolve(__dirname, "..", "..");
const words = JSON.parse(execFileSync("python3", ["-c", "import json, sys; sys.path.insert(0, 'tests'); from fuzz.generator import WORDS; print(json.dumps(WORDS))"], { cwd: root, encoding: "utf8" }));
const wordSigns = words.map((a) => words.map((b) => Math.sign(a.localeCompare(b))).join(","));

// String#normalize("NFD") of every code point that has a decomposition: collate.js compares
// NFD text, so the sandbox's normalization data must be Node's (a checksum of them all).
let decomposable = 0, checksum = 0;
for (let cp = 0; cp < 0x110000; cp++) {
  if (cp >= 0xd800 && cp < 0xe000) continue;
  const s = String.fromCodePoint(cp), d = s.normalize("NFD");
  if (d === s) continue;
  decomposable++;
  for (let i = 0; i < d.length; i++) checksum = (checksum * 31 + d.charCodeAt(i) + cp) % 2147483647;
}

process.stdout.write(JSON.stringify({ node: process.version, icu: process.versions.icu, repertoire, order, pairs, words, wordSigns, nfd: { decomposable, checksum } }) + "\n");
