// console.log/info/warn/error/debug/trace, captured per run. Compiled on first use of `console`.
(function (method, logs, load) {
  "use strict";
  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
    method(console, level, { [level]() {
      const lines = logs.lines, n = lines.length;
      if (n >= 2000) return void logs.dropped++;
      // The common `console.log("text")` needs no formatter (lib.js).
      lines[n + 1] = arguments.length === 1 && typeof arguments[0] === "string" ? arguments[0] : load().format(arguments);
      lines[n] = level === "trace" ? "debug" : level;
    } }[level]);
  }
  return console;
})
