#!/usr/bin/env node
// Reference data for date-text parsing in the sandbox (sandbox/js/dates.js): Date.parse and
// new Date(text) of human date texts, as Node 20 reads them with TZ=UTC.
// Usage: TZ=UTC node tests/tools/gen_date_cases.js > tests/data/date_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
if (new Date(2020, 0, 1).getTimezoneOffset() !== 0) throw new Error("run with TZ=UTC");
(0, eval)(fs.readFileSync(path.join(__dirname, "date_runner.js"), "utf8"));
const cases = (0, eval)("dateRun()");
process.stdout.write(JSON.stringify({ node: process.version, results: cases.map((c) => c.slice(1)) }) + "\n");
