// Date that reads text as V8 does: a plain ISO timestamp, which QuickJS reads the same, goes to
// QuickJS's parser; other text to V8's (dates.js, compiled the first time it is needed: the
// host gives it as text, or compiled once a run of the handler needed it). The wrapper keeps
// Date's length, name, prototype and statics. Installed before the handler's code by the host,
// for handlers that name Date other than as `new Date()`, `Date.now()`, `Date.UTC()`
// (prelude.js's v8); returns the new Date, which a frozen clock then wraps.
(function (deps) {
  "use strict";
  const { method, reflectApply, defineProperty, compiled, RealDate } = deps;
  const construct = Reflect.construct, exec = RegExp.prototype.exec, quickParse = RealDate.parse;
  const PLAIN_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?Z)?$/;
  let v8Parse = null;
  function parse(text) {
    if (reflectApply(exec, PLAIN_ISO, [text]) !== null) return quickParse(text);
    if (v8Parse === null) v8Parse = compiled("dates")();
    return v8Parse(text);
  }
  const Date = function Date(year, monthIndex, day, hours, minutes, seconds, ms) {
    if (new.target === undefined) return RealDate();
    if (arguments.length === 1 && typeof year === "string") return construct(RealDate, [parse(year)], new.target);
    return construct(RealDate, arguments, new.target);
  };
  defineProperty(Date, "prototype", { __proto__: null, value: RealDate.prototype, writable: false, enumerable: false, configurable: false });
  method(RealDate.prototype, "constructor", Date);
  method(Date, "now", RealDate.now);
  method(Date, "parse", { parse(text) { return parse(`${text}`); } }.parse);
  method(Date, "UTC", RealDate.UTC);
  method(globalThis, "Date", Date);
  return Date;
})
