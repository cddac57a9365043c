// Evaluated in every fresh context before the handler, so every line here is paid on every
// run: read back from bytecode (engine.py), or compiled each time on the binding fallback
// (QuickJS compiles roughly 25 bytes of source per microsecond). Only the hot path lives here.
// Console formatting, error reports, the frozen clock, Intl and collation are compiled on
// first use (console.js, lib.js, inspect.js, clock.js, intl.js, intl_more.js, collate.js) behind
// stubs. Built-ins the runner needs are captured now, before user code can patch them.
(function (bundle, P, offsets) {
  "use strict";
  delete globalThis.__dodo_sources;
  // The collation table's bytes, lent by the host (absent on the binding engine, whose host
  // hands them in as text, "collation", only to handlers that collate).
  let collationTable = globalThis.__dodo_collation === undefined ? null : globalThis.__dodo_collation;
  delete globalThis.__dodo_collation;
  // The contract allows ECMAScript built-ins only; quickjs-ng adds these web APIs to every
  // context (and performance.now() is a clock that --now cannot freeze).
  delete globalThis.performance, delete globalThis.queueMicrotask, delete globalThis.DOMException, delete globalThis.atob, delete globalThis.btoa;
  const InternalErrorCtor = globalThis.InternalError;  // lib.js tells a memory limit by it
  trimToNode20();
  const stringify = JSON.stringify, parse = JSON.parse, indirectEval = eval, RealDate = Date;
  const tag = Function.prototype.call.bind(Object.prototype.toString);
  const defineProperty = Object.defineProperty, reflectApply = Reflect.apply, PromiseCtor = Promise;
  const join = Array.prototype.join;
  const setProto = Object.setPrototypeOf;
  // The functions the sandbox installs (method() below): Function#toString prints them as V8
  // prints its built-ins, not as their JavaScript source.
  // (A prototype-free array: cheaper per run than a WeakSet, searched only by toString.)
  const ours = setProto([], null);
  const isOurs = (fn) => { for (let i = 0; i < ours.length; i++) if (ours[i] === fn) return true; return false; };
  const markOurs = (fn) => { ours[ours.length] = fn; };
  // Per-run state, returned with every answer: console lines, the frozen instant, which
  // cold-path sources the run needed (the host then loads them, compiled, ahead of this
  // handler's next event). Everything the host reads is built without prototypes, so a
  // handler's `Object.prototype.toJSON` or `Array.prototype.toJSON` cannot rewrite the answer
  // (only the body, as in V8).
  const logs = { __proto__: null, lines: setProto([], null), dropped: 0, now: null, loaded: { __proto__: null } };
  // What the console may still keep (entries, characters); not in the answer. Limits'
  // defaults (job.py), so the common run pays no call to set them; "caps" sets others.
  const cap = { __proto__: null, max: 2 * 500, room: 64 * 1024 };
  // The cold-path sources by name: a function the host read from bytecode ahead of the run
  // ("provide") or text it handed in; else their text is cut out of the bundle. Text is
  // compiled here on first use. One neither handed in nor bundled (ranges.js, tz.js: only for
  // handlers that name what needs them) throws, and is not counted as loaded: the caller
  // refuses, the same on every event.
  const sources = { __proto__: null };
  function compiled(name) {
    let source = sources[name];
    if (source === undefined) {
      const at = offsets[name];
      if (at === undefined) throw null;
      source = reflectApply(P.StringPrototypeSlice, bundle, [at[0], at[1]]);
    }
    logs.loaded[name] = true;
    if (typeof source === "function") return source;
    return indirectEval(source);
  }
  const dateProto = RealDate.prototype;
  const stringProto = String.prototype;
  const originals = {
    toString: dateProto.toString, toTimeString: dateProto.toTimeString, toISOString: dateProto.toISOString,
    toUpperCase: stringProto.toUpperCase, toLowerCase: stringProto.toLowerCase, functionToString: Function.prototype.toString,
  };
  let lib = null;
  function load() {
    if (lib === null) lib = compiled("lib")({ P, stringify, tag, RealDate, originals, logs, compiled, collation: () => collationTable, reflectApply, setProto, isOurs, markOurs, InternalErrorCtor });
    return lib;
  }
  // Descriptors have no prototype, so a handler's `Object.prototype.get = ...` cannot turn them
  // into accessors.
  function method(obj, name, fn) {
    if (typeof fn === "function") markOurs(fn);
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
  // console is built on first use (console.js): most production handlers never log.
  lazyGlobal("console", () => compiled("console")(method, logs, load, cap));
  // V8's versions of the built-ins QuickJS computes differently (sort.js, typedsort.js,
  // pow.js, math.js, radix.js, date.js), installed by the host before the handler's code, only
  // for handlers whose text names them (sources.py): other handlers pay nothing for them. One
  // deps object per context: pow.js leaves its helpers there for math.js.
  let clockDate = RealDate, v8deps = null;
  function v8(install, datesText) {
    if (datesText !== null) sources.dates = datesText;  // date.js's parser, compiled if needed
    v8deps = v8deps || { __proto__: null, method, reflectApply, defineProperty, compiled, RealDate, NumberPrototypeValueOf: P.NumberPrototypeValueOf };
    const date = install(v8deps);
    if (date !== undefined) clockDate = date;
  }
  stub(RealDate.prototype, "toString", "dateToString");
  stub(RealDate.prototype, "toTimeString", "dateToTimeString");
  stub(RealDate.prototype, "toLocaleString", "dateToLocaleString");
  stub(RealDate.prototype, "toLocaleDateString", "dateToLocaleDateString");
  stub(RealDate.prototype, "toLocaleTimeString", "dateToLocaleTimeString");
  stub(Number.prototype, "toLocaleString", "numberToLocaleString");
  stub(BigInt.prototype, "toLocaleString", "bigintToLocaleString");
  stub(stringProto, "localeCompare", "stringLocaleCompare");
  stub(stringProto, "toLocaleUpperCase", "stringToLocaleUpperCase");
  stub(stringProto, "toLocaleLowerCase", "stringToLocaleLowerCase");
  stub(Array.prototype, "toLocaleString", "arrayToLocaleString");
  stub(Object.getPrototypeOf(Uint8Array.prototype), "toLocaleString", "typedArrayToLocaleString");
  stub(Function.prototype, "toString", "functionToString");
  lazyGlobal("Intl", () => load().Intl());

  // Built-ins that came after Node 20 (V8 11.3): a handler must not find here what throws on
  // Dodo (tests/test_builtin_surface.py compares every intrinsic's keys with Node 20's).
  // Plain deletes, about 65 of them: a few microseconds per context (capi.py starts QuickJS's
  // first garbage collection late enough that they do not set one off).
  function trimToNode20() {
    const S = Symbol, iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][S.iterator]()));
    const asyncIteratorProto = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
    const A = Array, O = Object, M = Map, MP = Map.prototype, SP = Set.prototype, WMP = WeakMap.prototype;
    const ABP = ArrayBuffer.prototype, U8 = Uint8Array, U8P = Uint8Array.prototype, FP = Function.prototype;
    delete iteratorProto.chunks, delete iteratorProto.constructor, delete iteratorProto.drop, delete iteratorProto.every,
    delete iteratorProto.filter, delete iteratorProto.find, delete iteratorProto.flatMap, delete iteratorProto.forEach,
    delete iteratorProto.includes, delete iteratorProto.join, delete iteratorProto.map, delete iteratorProto.reduce,
    delete iteratorProto.some, delete iteratorProto.take, delete iteratorProto.toArray, delete iteratorProto.windows,
    delete iteratorProto[S.dispose], delete iteratorProto[S.toStringTag], delete asyncIteratorProto[S.asyncDispose],
    delete A.fromAsync, delete O.groupBy, delete M.groupBy, delete MP.getOrInsert, delete MP.getOrInsertComputed,
    delete WMP.getOrInsert, delete WMP.getOrInsertComputed, delete SP.difference, delete SP.intersection,
    delete SP.isDisjointFrom, delete SP.isSubsetOf, delete SP.isSupersetOf, delete SP.symmetricDifference, delete SP.union,
    delete ABP.detached, delete ABP.immutable, delete ABP.sliceToImmutable, delete ABP.transfer,
    delete ABP.transferToFixedLength, delete ABP.transferToImmutable, delete DataView.prototype.getFloat16,
    delete DataView.prototype.setFloat16, delete Error.isError, delete FP.columnNumber, delete FP.fileName,
    delete FP.lineNumber, delete JSON.isRawJSON, delete JSON.rawJSON, delete Math.f16round, delete Math.sumPrecise,
    delete Promise.try, delete Promise.withResolvers, delete RegExp.escape,
    delete U8.fromBase64, delete U8.fromHex, delete U8P.setFromBase64, delete U8P.setFromHex, delete U8P.toBase64,
    delete U8P.toHex, delete Atomics.pause, delete globalThis.AsyncDisposableStack, delete globalThis.DisposableStack,
    delete globalThis.Float16Array, delete globalThis.InternalError, delete globalThis.Iterator,
    delete globalThis.SuppressedError, delete globalThis[S.toStringTag];
  }

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
    let body;
    try { body = stringify(payload); } catch (e) { return load().unserializable(payload, e); }
    if (body === undefined) return load().unserializable(payload, null);
    // The body follows the record instead of sitting inside it: escaping it a second time,
    // and parsing it again on the host, cost more than the handler's own stringify on a large
    // body. JSON text holds no raw newline, so the first one ends the record. join, not +:
    // one flat string (the binding engine cannot read a concatenation's rope).
    record.body = null;
    return reflectApply(join, [stringify(record), body], ["\n"]);
  }

  return function host(op, arg, value) {
    if (op === "logs") return stringify(logs);  // what was captured before a limit stopped the run
    if (op === "provide") return void (sources[arg] = value);
    if (op === "collation") return void (collationTable = arg);
    if (op === "intl") return void load().loadIntl();
    if (op === "v8") return void v8(arg, value);
    if (op === "caps") return void (cap.max = 2 * arg, cap.room = value);
    if (arg !== null) {
      logs.now = arg;
      compiled("clock")(clockDate, method, arg);
    }
    return __dodo_run__;
  };
})(__dodo_sources, /*@PRIMORDIALS@*/, /*@SOURCE_OFFSETS@*/)
