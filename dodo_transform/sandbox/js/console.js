// console.log/info/warn/error/debug/trace, captured per run. Compiled on first use of `console`.
(function (method, logs, load, cap) {
  "use strict";
  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
    method(console, level, { [level]() {
      // Capped here, not only by the host: what the log holds counts against the run's memory,
      // and a run that dies of memory must still hand back its first lines (context.py).
      const lines = logs.lines, n = lines.length;
      if (n >= cap.max || cap.room <= 0) return void logs.dropped++;
      // The common `console.log("text")` needs no formatter (lib.js).
      let message = arguments.length === 1 && typeof arguments[0] === "string" ? arguments[0] : load().format(arguments);
      if (message.length > cap.room) message = message.slice(0, cap.room), logs.cut = true;
      cap.room -= message.length;
      lines[n + 1] = message;
      lines[n] = level === "trace" ? "debug" : level;
    } }[level]);
  }
  return console;
})
