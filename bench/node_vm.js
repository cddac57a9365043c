// Node's side of bench/transform.py: the isolation Node offers is a fresh vm context per event.
// Reads {"handlers": {path: source}, "events": [[handlerPath, payloadText], ...], "rounds": N,
// "latency_samples": N} on stdin; prints {"latency_us": [...], "sustained_eps": N} on stdout.
"use strict";
const vm = require("vm");

function runOne(source, text) {
  const context = vm.createContext({});
  vm.runInContext(source, context);
  context.__input = text;
  return vm.runInContext(
    `(() => { const payload = JSON.parse(__input);
      const w = handler({ method: "POST", url: "https://example.invalid/webhook", payload,
                          eventType: payload.type, cancel: false, env: {} });
      return JSON.stringify({ method: w.method, url: w.url, cancel: w.cancel === true,
                              body: JSON.stringify(w.payload) }); })()`,
    context,
  );
}

function main(input) {
  const { handlers, events, rounds, latency_samples } = JSON.parse(input);
  const compiled = Object.fromEntries(Object.entries(handlers).map(([k, v]) => [k, v]));
  for (let i = 0; i < 200; i++) runOne(compiled[events[i % events.length][0]], events[i % events.length][1]);
  // Latency of a single event on an otherwise idle process.
  const latency = [];
  let i = 0;
  function next() {
    if (latency.length >= latency_samples) return sustained();
    const [h, text] = events[i++ % events.length];
    const t = process.hrtime.bigint();
    runOne(compiled[h], text);
    latency.push(Number(process.hrtime.bigint() - t) / 1000);
    setTimeout(next, 2);
  }
  function sustained() {
    const total = rounds * events.length;
    const t = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const [h, text] of events) runOne(compiled[h], text);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    process.stdout.write(JSON.stringify({ latency_us: latency, sustained_eps: total / seconds, node: process.version }));
  }
  next();
}

let buf = "";
process.stdin.on("data", (d) => (buf += d));
process.stdin.on("end", () => main(buf));
