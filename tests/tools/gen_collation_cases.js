#!/usr/bin/env node
// Reference data for String#localeCompare in the sandbox (dodo_transform/sandbox/js/collate.js):
// random comparisons of Latin text, as Node 20 (ICU, en-US) answers them (any text and the
// other options: gen_collation_order.js).
// Usage: node tests/tools/gen_collation_cases.js > tests/data/collation_cases.json
"use strict";

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
process.stdout.write(JSON.stringify({ node: process.version, cases }, null, 0) + "\n");
