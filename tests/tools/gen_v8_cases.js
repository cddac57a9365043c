#!/usr/bin/env node
// What V8 (Node 20) prints for the fuzzer's regression cases: each case's handler body run in a
// fresh vm context on payment.succeeded, TZ=UTC, the clock frozen as in the sandbox, console
// captured with util.format. tests/test_v8_cases.py compares the sandbox with these outputs
// (and, for the constructs the sandbox only warns about, checks the warning and the difference).
// Usage: TZ=UTC node tests/tools/gen_v8_cases.js > tests/data/v8_cases.json
"use strict";
const fs = require("fs");
const path = require("path");
const util = require("util");
const vm = require("vm");

if (process.env.TZ !== "UTC") {
  console.error("run with TZ=UTC (the sandbox's time zone)");
  process.exit(2);
}
const ROOT = path.resolve(__dirname, "..", "..");
const cases = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "data", "v8_cases_input.json"), "utf8"));
const NOW = Date.parse(cases.now);
const envelope = fs.readFileSync(path.join(ROOT, "dodo_transform", "samples", "payment.succeeded.json"), "utf8");
const FREEZE = `(function (RealDate, nowMs) {
  function Date(...args) {
    if (!new.target) return new RealDate(nowMs).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [nowMs] : args, new.target);
  }
  Date.prototype = RealDate.prototype;
  RealDate.prototype.constructor = Date;
  Date.now = () => nowMs;
  Date.parse = RealDate.parse;
  Date.UTC = RealDate.UTC;
  globalThis.Date = Date;
})(Date, ${NOW});`;

function run(body) {
  const logs = [];
  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) console[level] = (...a) => logs.push([level, util.format(...a)]);
  const context = vm.createContext({ console });
  vm.runInContext(FREEZE, context);
  vm.runInContext(`function handler(webhook) {\n${body}\nreturn webhook;\n}`, context);
  context.__input = envelope;
  try {
    const out = vm.runInContext(`(() => { const payload = JSON.parse(__input);
      const w = handler({ method: "POST", url: ${JSON.stringify(cases.url)}, payload, eventType: payload.type, cancel: false, env: {} });
      return JSON.stringify(w.payload); })()`, context);
    return { body: out, logs };
  } catch (e) {
    return { error: String(e && e.name), logs };
  }
}

const out = { node: process.version, now: cases.now, url: cases.url, cases: {} };
for (const [name, c] of Object.entries(cases.cases)) out.cases[name] = run(c.body);
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
