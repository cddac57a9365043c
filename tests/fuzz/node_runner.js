#!/usr/bin/env node
// Node 20's side of the differential fuzzer: runs a handler the way the contract says V8 runs
// it, one fresh `vm` context per event, TZ=UTC, the clock frozen at the same instant as ours,
// console captured with Node's own util.format.
// As a script, one JSON request per stdin line,
//   {"source": "...", "events": ["<envelope JSON>", ...], "url": "...", "now": <ms>, "env": {}}
// and one JSON answer per stdout line, {"runs": [run, ...]}, where each run has the shape of
// the sandbox's raw answer (dodo_transform.sandbox.RawRun):
//   {"logs": [[level, text], ...], "result": {cancel, method, url, headers, body} | null,
//    "error": {"kind", "message"} | null}
"use strict";
const readline = require("readline");
const util = require("util");
const vm = require("vm");

if (process.env.TZ !== "UTC") {
  process.stderr.write("node_runner.js: run with TZ=UTC (the sandbox's time zone)\n");
  process.exit(2);
}

// Same frozen clock as dodo_transform/sandbox/js/clock.js.
const FREEZE = `(function (RealDate, nowMs) {
  function Date(...args) {
    if (!new.target) return new RealDate(nowMs).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [nowMs] : args, new.target);
  }
  Date.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, "constructor", { value: Date, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(Date, "now", { value: function now() { return nowMs; }, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(Date, "parse", { value: RealDate.parse, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(Date, "UTC", { value: RealDate.UTC, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, "Date", { value: Date, writable: true, configurable: true, enumerable: false });
})`;

// The runner half of prelude.js (__dodo_run__), written against the context's own built-ins
// captured before the handler is compiled, so the answer is read the same way.
const RUNNER = `(function () {
  "use strict";
  const stringify = JSON.stringify, parse = JSON.parse, isArray = Array.isArray, keys = Object.keys;
  const PromiseCtor = Promise, tag = Function.prototype.call.bind(Object.prototype.toString);
  function describe(value) {
    if (value === null) return "null";
    if (isArray(value)) return "an array";
    if (typeof value === "object") return "an object";
    return typeof value === "string" ? "a string" : typeof value;
  }
  function headers(h) {
    if (typeof h !== "object" || isArray(h)) return describe(h);
    return keys(h).map((k) => { const v = h[k]; return [k, typeof v === "string" ? v : null, typeof v === "string" ? "string" : describe(v)]; });
  }
  function thrown(e) {
    const limit = e instanceof RangeError && e.message === "Maximum call stack size exceeded";
    let message;
    try { message = e !== null && typeof e === "object" && "message" in e ? String(e.name) + ": " + String(e.message) : "a non-Error value was thrown"; }
    catch (x) { message = "an unprintable value was thrown"; }
    return { error: { kind: limit ? "stack_limit" : "exception", message } };
  }
  return function run(payloadJson, eventType, url, envJson) {
    let fn, out, record;
    try { fn = handler; } catch (e) { return { error: { kind: "no_handler", message: "no handler" } }; }
    if (typeof fn !== "function") return { error: { kind: "no_handler", message: "no handler" } };
    if (tag(fn) !== "[object Function]") return { error: { kind: "async_handler", message: tag(fn) } };
    try {
      out = fn({ method: "POST", url: url, payload: parse(payloadJson), eventType: eventType, cancel: false, env: parse(envJson) });
    } catch (e) { return thrown(e); }
    if (out === null || typeof out !== "object" || out instanceof PromiseCtor) return { error: { kind: "invalid_return", message: describe(out) } };
    try {
      if (typeof out.then === "function") return { error: { kind: "invalid_return", message: "thenable" } };
      if (out.cancel === true) return { result: { cancel: true } };
      const h = out.headers, method = out.method, u = out.url;
      record = {
        cancel: false,
        method: typeof method === "string" ? method : { type: describe(method) },
        url: typeof u === "string" ? u : { type: describe(u) },
        headers: h == null ? null : headers(h),
        body: out.payload,
      };
    } catch (e) { return thrown(e); }
    const payload = record.body;
    try { record.body = stringify(payload); }
    catch (e) { const t = thrown(e); if (t.error.kind === "exception") t.error.kind = "unserializable_payload"; return t; }
    if (record.body === undefined) return { error: { kind: "unserializable_payload", message: describe(payload) } };
    return { result: record };
  };
})()`;

function runOne(source, envelope, request) {
  const lines = [];
  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    console[level] = function (...args) {
      if (lines.length < 2000) lines.push([level, util.format(...args)]);
    };
  }
  const context = vm.createContext({ console });
  const options = { timeout: 2000 };
  try {
    if (request.now !== null && request.now !== undefined) vm.runInContext(`${FREEZE}(Date, ${Number(request.now)});`, context);
    const run = vm.runInContext(RUNNER, context);
    vm.runInContext(source, context, { ...options, filename: "handler.js" });
    const eventType = (() => { try { const t = JSON.parse(envelope).type; return typeof t === "string" ? t : ""; } catch (e) { return ""; } })();
    context.__dodo_args = [envelope, eventType, request.url, JSON.stringify(request.env || {})];
    const answer = vm.runInContext("__dodo_run.apply(undefined, __dodo_args)", Object.assign(context, { __dodo_run: run }), options);
    return { logs: lines, result: answer.result || null, error: answer.error || null };
  } catch (e) {
    // A syntax error, an error thrown at the top level, or the time limit.
    const kind = e && e.code === "ERR_SCRIPT_EXECUTION_TIMEOUT" ? "time_limit" : e instanceof SyntaxError || (e && e.name === "SyntaxError") ? "syntax" : "exception";
    return { logs: lines, result: null, error: { kind, message: String(e && e.message) } };
  }
}

if (require.main === module) {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (line) => {
    const request = JSON.parse(line);
    const runs = request.events.map((envelope) => runOne(request.source, envelope, request));
    process.stdout.write(JSON.stringify({ runs }) + "\n");
  });
}
// tests/tools/gen_v8_cases.js runs its cases the same way.
module.exports = { runOne };
