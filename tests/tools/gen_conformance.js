#!/usr/bin/env node
// Reference outputs for the conformance test: every handler in handlers/ run by V8 (Node 20)
// on every built-in sample, with TZ=UTC and a frozen clock, the way the contract describes.
// Usage: TZ=UTC node tests/tools/gen_conformance.js > tests/data/conformance.json
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

if (process.env.TZ !== "UTC") {
  console.error("run with TZ=UTC (the sandbox's time zone)");
  process.exit(2);
}
const ROOT = path.resolve(__dirname, "..", "..");
const NOW = "2025-08-04T05:30:45.000Z";
const URL = "https://example.invalid/webhook";

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

// Same frozen clock as dodo_transform/sandbox/js/clock.js: new Date() and Date.now() return NOW.
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
})(Date, ${Date.parse(NOW)});`;

function run(source, sampleText) {
  const context = vm.createContext({});
  vm.runInContext(FREEZE, context);
  vm.runInContext(source, context);
  context.__input = sampleText;
  const out = vm.runInContext(`(() => {
    const payload = JSON.parse(__input);
    const w = handler({ method: "POST", url: ${JSON.stringify(URL)}, payload, eventType: payload.type, cancel: false, env: {} });
    if (w.cancel === true) return { status: "cancelled" };
    return { status: "ok", method: w.method, url: w.url, body: JSON.stringify(w.payload) };
  })()`, context);
  return out;
}

const handlers = [path.join(ROOT, "handlers"), path.join(ROOT, "tests", "conformance_handlers")]
  .filter((d) => fs.existsSync(d)).flatMap(files).filter((f) => f.endsWith(".js")).sort();
const sampleDir = path.join(ROOT, "dodo_transform", "samples");
const samples = files(sampleDir).filter((f) => f.endsWith(".json"))
  .map((f) => [path.basename(f, ".json"), fs.readFileSync(f, "utf8")])
  .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

const result = { node: process.version, now: NOW, url: URL, handlers: {} };
for (const h of handlers) {
  const rel = path.relative(ROOT, h).split(path.sep).join("/");
  const source = fs.readFileSync(h, "utf8");
  result.handlers[rel] = {};
  for (const [name, text] of samples) result.handlers[rel][name] = run(source, text);
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
