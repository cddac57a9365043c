#!/usr/bin/env node
// Reference data for Array.prototype.sort/toSorted in the sandbox (sandbox/js/sort.js): random
// arrays and comparators (consistent, inconsistent, throwing, mutating), as Node 20 sorts them,
// with the comparator's calls. Usage: node tests/tools/gen_sort_cases.js > tests/data/sort_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
(0, eval)(fs.readFileSync(path.join(__dirname, "sort_runner.js"), "utf8"));

let seed = 13013;
function random(n) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const COMPARATORS = [
  null,
  "(a, b) => a - b",
  "(a, b) => b - a",
  "(a, b) => a > b",
  "(a, b) => a < b",
  "(a, b) => a > b ? 1 : -1",
  "(a, b) => a >= b ? 1 : -1",
  "(a, b) => a < b ? -1 : 1",
  "() => 1",
  "() => -1",
  "() => 0",
  "(a, b) => (a % 3) - (b % 3)",
  "(a, b) => String(a).length - String(b).length",
  "(a, b) => (calls.length * 7) % 5 - 2",
  "(a, b) => calls.length % 2 ? a - b : b - a",
  "(a, b) => { if (calls.length > 20) throw new Error('stop at ' + calls.length); return a - b; }",
  "(a, b) => { if (calls.length === 5) { arr.push(99); arr[0] = -1; } return a - b; }",
  "(a, b) => { if (calls.length === 3) arr.reverse(); return b - a; }",
  "(a, b) => a === b ? 0 : NaN",
  "(a, b) => (a & 1) - (b & 1)",
  "(a, b) => a.localeCompare ? a.localeCompare(b) : a - b",
  "(a, b) => (a > b) - (a < b)",
];
function element(kind) {
  switch (kind) {
    case 0: return random(10);
    case 1: return random(1000) - 500;
    case 2: return random(4) === 0 ? { undef: 1 } : random(50);
    case 3: return random(5) === 0 ? { hole: 1 } : random(30);
    case 4: return ["b", "a", "c", "B", "10", "9", "", "ab", "ä"][random(9)];
    case 5: return random(2) ? random(20) : ["x", "y", "1", "10"][random(4)];
    default: return random(100000) / 100;
  }
}
const cases = [];
for (let n = 0; n < 2000; n++) {
  const big = random(12) === 0;
  const length = big ? 30 + random(400) : random(34);
  const kind = random(7);
  let input = [];
  for (let i = 0; i < length; i++) input.push(element(kind));
  // Partly ordered data makes runs, which is where galloping and the merges start.
  if (random(3) === 0) input = input.slice(0, length >> 1).sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : 0)).concat(input.slice(length >> 1));
  const c = { input, cmp: COMPARATORS[random(COMPARATORS.length)], method: random(5) === 0 ? "toSorted" : "sort" };
  c.expected = runSortCase(c);
  cases.push(c);
}
process.stdout.write(JSON.stringify({ node: process.version, cases }) + "\n");
