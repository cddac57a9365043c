#!/usr/bin/env node
// Reference data for Array.prototype.sort/toSorted in the sandbox (sandbox/js/sort.js): what
// Node 20 does with the runner's seeded cases, with a hash of the comparator's calls.
// Usage: node tests/tools/gen_sort_cases.js > tests/data/sort_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
(0, eval)(fs.readFileSync(path.join(__dirname, "sort_runner.js"), "utf8"));
const results = (0, eval)("sortRun()");
const typed = (0, eval)("typedSortRun()");
process.stdout.write(JSON.stringify({ node: process.version, results, typed }) + "\n");
