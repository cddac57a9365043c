// Frozen clock for reproducible tests: `new Date()` and `Date.now()` return the given instant.
// Compiled only in runs that ask for it (`now=` / `--now`).
(function (RealDate, method, nowMs) {
  "use strict";
  const construct = Reflect.construct;
  const arraySlice = Function.prototype.call.bind(Array.prototype.slice);
  function Date(year, monthIndex, day, hours, minutes, seconds, ms) {
    if (!new.target) return new RealDate(nowMs).toString();
    return construct(RealDate, arguments.length === 0 ? [nowMs] : arraySlice(arguments), new.target);
  }
  Date.prototype = RealDate.prototype;
  method(RealDate.prototype, "constructor", Date);
  method(Date, "now", { now() { return nowMs; } }.now);
  method(Date, "parse", RealDate.parse);
  method(Date, "UTC", RealDate.UTC);
  method(globalThis, "Date", Date);
})
