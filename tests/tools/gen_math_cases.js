#!/usr/bin/env node
// Reference data for Math in the sandbox (sandbox/js/math.js): tens of thousands of inputs per
// the runner's seeded generator, and Node 20's results, bit for bit.
// Usage: node tests/tools/gen_math_cases.js > tests/data/math_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
(0, eval)(fs.readFileSync(path.join(__dirname, "math_runner.js"), "utf8"));
const run = (0, eval)("mathRun(MATH_FUNCTIONS)");
const outputs = {};
for (const fn in run) outputs[fn] = run[fn].outputs;
process.stdout.write(JSON.stringify({ node: process.version, outputs }, null, 1) + "\n");
