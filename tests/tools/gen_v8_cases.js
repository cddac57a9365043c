#!/usr/bin/env node
// What V8 (Node 20) prints for the fuzzer's regression cases: each case's handler body run in a
// fresh vm context on payment.succeeded, TZ=UTC, the clock frozen as in the sandbox, console
// captured with util.format. tests/test_v8_cases.py compares the sandbox with these outputs
// (and, for the constructs the sandbox only warns about, checks the warning and the difference).
// Usage: TZ=UTC node tests/tools/gen_v8_cases.js > tests/data/v8_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
const { runOne } = require("../fuzz/node_runner.js"); // the fuzzer's Node side: checks TZ=UTC

const ROOT = path.resolve(__dirname, "..", "..");
const cases = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "data", "v8_cases_input.json"), "utf8"));
const envelope = fs.readFileSync(path.join(ROOT, "dodo_transform", "samples", "payment.succeeded.json"), "utf8");
const request = { url: cases.url, now: Date.parse(cases.now), env: {} };

function run(body) {
  const answer = runOne(`function handler(webhook) {\n${body}\nreturn webhook;\n}`, envelope, request);
  const logs = answer.logs;
  if (answer.error) return { error: answer.error.message.split(":")[0], logs };
  return { body: answer.result.body, logs };
}

const out = { node: process.version, now: cases.now, url: cases.url, cases: {} };
for (const [name, c] of Object.entries(cases.cases)) out.cases[name] = run(c.body);
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
