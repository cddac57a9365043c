#!/usr/bin/env node
// Reference data for String#localeCompare in the sandbox (dodo_transform/sandbox/js/collate.js):
// the collation tables it embeds and random comparisons, as Node 20 (ICU, en-US) answers them.
// Usage: node tests/tools/gen_collation_cases.js > tests/data/collation_cases.json
"use strict";

// The tables collate.js embeds.
const ignorable = [];
for (let c = 0; c < 128; c++) if (("a" + String.fromCharCode(c) + "b").localeCompare("ab") === 0) ignorable.push(c);
const order = [];
for (let c = 0; c < 128; c++) if (!ignorable.includes(c)) order.push(String.fromCharCode(c));
order.sort((a, b) => a.localeCompare(b));
const marks = [];
for (let c = 0x300; c < 0x363; c++) if (c !== 0x34f) marks.push(String.fromCharCode(c));
const byWeight = [...marks].sort((x, y) => ("a" + x).localeCompare("a" + y));
const rank = {};
for (let i = 0, r = 2; i < byWeight.length; i++) {
  if (i > 0 && ("a" + byWeight[i]).localeCompare("a" + byWeight[i - 1]) !== 0) r++;
  rank[byWeight[i].charCodeAt(0)] = r;
}
let markTable = "";
for (let c = 0x300; c < 0x363; c++) markTable += c === 0x34f ? " " : String.fromCharCode(48 + rank[c]);

// Random comparisons, deterministic (xorshift), over ASCII, controls and accented Latin.
let seed = 20250804;
function random(n) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const ALPHABET = [
  ..."abcdeABCDE xyzXYZ019-_.,;:'\"()[]{}@*/\\&#%`^+<=>|~$!?",
  "\t", "\n", "\u0001", "\u007f",
  ..."éèêëÉÈÊËáàâäåÁÀÂÄÅíìîïÍóòôöõÓÖúùûüÚÜñÑçÇýÿ",
  "e\u0301", "E\u0300", "a\u0308", "o\u0302", "n\u0303", "c\u0327", "u\u030a", "i\u034f",
];
function word() {
  let s = "";
  const n = 1 + random(6);
  for (let i = 0; i < n; i++) s += ALPHABET[random(ALPHABET.length)];
  return s;
}
const SENSITIVITIES = [undefined, "base", "accent", "case", "variant"];
const cases = [];
for (let i = 0; i < 3000; i++) {
  let a = word();
  const b = random(4) === 0 ? a.toUpperCase() : random(3) === 0 ? a + word() : word();
  const sensitivity = SENSITIVITIES[random(SENSITIVITIES.length)];
  const options = sensitivity === undefined ? undefined : { sensitivity };
  cases.push({ a, b, sensitivity: sensitivity ?? null, expected: Math.sign(a.localeCompare(b, "en-US", options)) });
}
process.stdout.write(JSON.stringify({ node: process.version, order: order.join(""), marks: markTable, cases }, null, 0) + "\n");
