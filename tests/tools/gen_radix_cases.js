#!/usr/bin/env node
// Reference data for Number#toString(radix), parseInt and parseFloat in the sandbox
// (sandbox/js/radix.js), as Node 20 computes them.
// Usage: node tests/tools/gen_radix_cases.js > tests/data/radix_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
(0, eval)(fs.readFileSync(path.join(__dirname, "radix_runner.js"), "utf8"));
const cases = (0, eval)("radixRun()");
// Only the results: the test re-creates the inputs with the same runner.
const results = {};
for (const kind in cases) results[kind] = cases[kind].map((c) => c[c.length - 1]);
process.stdout.write(JSON.stringify({ node: process.version, results }) + "\n");
