// Evaluated in every fresh context before the handler, so every line here is paid on every
// run: read back from bytecode (engine.py), or compiled each time on the binding fallback
// (QuickJS compiles roughly 25 bytes of source per microsecond). Only the hot path lives here.
// Console formatting, error reports, the frozen clock, Intl and collation are compiled on
// first use (console.js, lib.js, clock.js, intl.js, collate.js) behind stubs.
// Built-ins the runner needs are captured now, before user code can patch them.
(function (libSource, intlSource, clockSource, consoleSource, collateSource, sortSource, mathSource, radixSource, datesSource, P) {
  "use strict";
  delete globalThis.__dodo_lib, delete globalThis.__dodo_intl, delete globalThis.__dodo_clock, delete globalThis.__dodo_console, delete globalThis.__dodo_collate;
  delete globalThis.__dodo_sort, delete globalThis.__dodo_math, delete globalThis.__dodo_radix, delete globalThis.__dodo_dates;
  // The contract allows ECMAScript built-ins only; quickjs-ng adds these web APIs to every
  // context (and performance.now() is a clock that --now cannot freeze).
  delete globalThis.performance, delete globalThis.queueMicrotask, delete globalThis.DOMException, delete globalThis.atob, delete globalThis.btoa;
  const stringify = JSON.stringify, parse = JSON.parse, indirectEval = eval, RealDate = Date;
  const tag = Function.prototype.call.bind(Object.prototype.toString);
  const defineProperty = Object.defineProperty, reflectApply = Reflect.apply, PromiseCtor = Promise;
  const setProto = Object.setPrototypeOf;
  // Per-run state, returned with every answer: console lines, the frozen instant, which
  // cold-path sources the run needed (the host then loads them, compiled, ahead of this
  // handler's next event). Everything the host reads is built without prototypes, so a
  // handler's `Object.prototype.toJSON` or `Array.prototype.toJSON` cannot rewrite the answer
  // (only the body, as in V8).
  const logs = { __proto__: null, lines: setProto([], null), dropped: 0, now: null, loaded: { __proto__: null } };
  // The cold-path sources by name: text compiled here on first use, or a function the host
  // read from bytecode ahead of the run ("provide").
  const sources = { __proto__: null, lib: libSource, intl: intlSource, clock: clockSource, console: consoleSource, collate: collateSource, sort: sortSource, math: mathSource, radix: radixSource, dates: datesSource };
  function compiled(name) {
    const source = sources[name];
    logs.loaded[name] = true;
    return typeof source === "function" ? source : indirectEval(source);
  }
  const dateProto = RealDate.prototype;
  const originals = { toString: dateProto.toString, toTimeString: dateProto.toTimeString, toISOString: dateProto.toISOString };
  let lib = null;
  function load() {
    if (lib === null) lib = compiled("lib")({ P, stringify, tag, RealDate, originals, logs, compiled, reflectApply, setProto });
    return lib;
  }
  // Descriptors have no prototype, so a handler's `Object.prototype.get = ...` cannot turn them
  // into accessors.
  function method(obj, name, fn) {
    defineProperty(obj, name, { __proto__: null, value: fn, writable: true, enumerable: false, configurable: true });
  }
  function lazyGlobal(name, make) {
    defineProperty(globalThis, name, {
      __proto__: null,
      configurable: true,
      get() { const value = make(); method(globalThis, name, value); return value; },
      set(value) { method(globalThis, name, value); },
    });
  }
  // One compiled stub body, many closures: a stub forwards to lib.js's implementation `key`.
  function stub(obj, name, key) {
    const fn = { [name]() { return reflectApply(load()[key], this, [fn, arguments]); } }[name];
    method(obj, name, fn);
  }
  // Built-ins V8 computes differently (sort.js, radix.js): a stub compiles its source on first
  // call; numbers in radix 10 never need it.
  const cold = { __proto__: null };
  const numberToString = Number.prototype.toString, realParseInt = parseInt;
  function coldLoad(source) {
    return cold[source] || (cold[source] = compiled(source)({
      __proto__: null, numberToString, numberValueOf: P.NumberPrototypeValueOf, parseIntOriginal: realParseInt, reflectApply,
    }));
  }
  function coldStub(obj, name, source) {
    const fn = { [name]() { return reflectApply(coldLoad(source)[name], this, arguments); } }[name];
    method(obj, name, fn);
  }
  coldStub(Array.prototype, "sort", "sort");
  coldStub(Array.prototype, "toSorted", "sort");
  method(Number.prototype, "toString", { toString(radix) {
    if (radix === undefined || radix === 10) return reflectApply(numberToString, this, []);
    return reflectApply(coldLoad("radix").toString, this, arguments);
  } }.toString);
  const parseIntStub = { parseInt(string, radix) {
    if (radix === undefined || radix === 10 || radix === 16) return realParseInt(string, radix);
    return coldLoad("radix").parseInt(string, radix);
  } }.parseInt;
  method(globalThis, "parseInt", parseIntStub);
  method(Number, "parseInt", parseIntStub);
  // Date reads text as V8 does (dates.js); a plain ISO timestamp, where QuickJS agrees, stays fast.
  const reflectConstruct = Reflect.construct, regexpExec = RegExp.prototype.exec, dateParse = RealDate.parse;
  const PLAIN_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?Z)?$/;
  function parseDate(text) {
    return reflectApply(regexpExec, PLAIN_ISO, [text]) !== null ? dateParse(text) : coldLoad("dates")(text);
  }
  const DateCtor = function Date(year, monthIndex, day, hours, minutes, seconds, ms) {
    if (new.target === undefined) return RealDate();
    if (arguments.length === 1 && typeof year === "string") return reflectConstruct(RealDate, [parseDate(year)], new.target);
    return reflectConstruct(RealDate, arguments, new.target);
  };
  defineProperty(DateCtor, "prototype", { __proto__: null, value: dateProto, writable: false, enumerable: false, configurable: false });
  method(dateProto, "constructor", DateCtor);
  method(DateCtor, "now", RealDate.now);
  method(DateCtor, "parse", { parse(text) { return parseDate(`${text}`); } }.parse);
  method(DateCtor, "UTC", RealDate.UTC);
  method(globalThis, "Date", DateCtor);
  // Math gets V8's algorithms (math.js) the first time a handler touches it.
  const RealMath = Math;
  lazyGlobal("Math", () => compiled("math")(RealMath, method));
  // console is built on first use (console.js): most production handlers never log.
  lazyGlobal("console", () => compiled("console")(method, logs, load));
  stub(RealDate.prototype, "toString", "dateToString");
  stub(RealDate.prototype, "toTimeString", "dateToTimeString");
  stub(RealDate.prototype, "toLocaleString", "dateToLocaleString");
  stub(RealDate.prototype, "toLocaleDateString", "dateToLocaleDateString");
  stub(RealDate.prototype, "toLocaleTimeString", "dateToLocaleTimeString");
  stub(Number.prototype, "toLocaleString", "numberToLocaleString");
  stub(BigInt.prototype, "toLocaleString", "bigintToLocaleString");
  stub(String.prototype, "localeCompare", "stringLocaleCompare");
  lazyGlobal("Intl", () => load().Intl());

  function __dodo_run__(payloadJson, eventType, url, envJson) {
    let fn, out, record;
    try { fn = handler; } catch (e) { return load().noHandler(undefined); }
    if (typeof fn !== "function" || tag(fn) !== "[object Function]") return load().noHandler(fn);
    try {
      out = fn({ method: "POST", url: url, payload: parse(payloadJson), eventType: eventType, cancel: false, env: parse(envJson) });
    } catch (e) {
      return load().thrown(e);
    }
    if (out === null || typeof out !== "object" || out instanceof PromiseCtor) return load().badReturn(out);
    try {
      if (typeof out.then === "function") return load().badReturn(out);
      if (out.cancel === true) return stringify({ __proto__: null, cancel: true, logs: logs });
      const headers = out.headers, method = out.method, url = out.url;
      record = {
        __proto__: null,
        cancel: false,
        method: typeof method === "string" ? method : load().typeOf(method),
        url: typeof url === "string" ? url : load().typeOf(url),
        headers: headers == null ? null : load().headers(headers),
        body: out.payload,
        logs: logs,
      };
    } catch (e) {
      return load().thrown(e);
    }
    const payload = record.body;
    try { record.body = stringify(payload); } catch (e) { return load().unserializable(payload, e); }
    return record.body === undefined ? load().unserializable(payload, null) : stringify(record);
  }

  return function host(op, arg, value) {
    if (op === "logs") return stringify(logs);  // what was captured before a limit stopped the run
    if (op === "provide") return void (sources[arg] = value);
    if (op === "intl") return void load().loadIntl();
    if (arg !== null) {
      logs.now = arg;
      compiled("clock")(DateCtor, method, arg);
    }
    return __dodo_run__;
  };
})(__dodo_lib, __dodo_intl, __dodo_clock, __dodo_console, __dodo_collate, __dodo_sort, __dodo_math, __dodo_radix, __dodo_dates, /*@PRIMORDIALS@*/)
