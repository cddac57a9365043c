// The sandbox's cold paths, compiled only in runs that need them: console formatting,
// error reports, header checks and the bridge to intl.js.
// `deps` comes from prelude.js and holds built-ins captured before the handler ran.
(function (deps) {
  "use strict";
  // Compiled after the handler may have patched built-ins: what the Intl path needs comes from
  // the prelude's captures (deps), the rest only shapes console and error text.
  const { P, stringify, tag, RealDate, originals, logs, compiled, reflectApply, setProto, isOurs, markOurs } = deps;
  const objectKeys = Object.keys;
  const isArray = Array.isArray;
  const captureStackTrace = P.ErrorCaptureStackTrace;
  const StringCtor = String;
  const RangeErrorCtor = RangeError;
  const InternalErrorCtor = globalThis.InternalError;
  const ErrorCtor = Error;
  const isNaNFn = isNaN;
  const toISOString = (d) => reflectApply(originals.toISOString, d, []);

  // --- console: roughly Node's util.format / util.inspect, on one line -----------------------
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case "string": return depth === 0 ? v : "'" + v + "'";
      case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
      case "bigint": return StringCtor(v) + "n";
      case "symbol": case "number": case "boolean": case "undefined": return StringCtor(v);
    }
    if (v === null) return "null";
    if (seen.indexOf(v) >= 0) return "[Circular *1]";
    if (v instanceof ErrorCtor) return v.name + ": " + v.message + (typeof v.stack === "string" ? "\n" + v.stack.replace(/\n$/, "") : "");
    if (v instanceof RealDate) return isNaNFn(v) ? "Invalid Date" : toISOString(v);
    if (depth > 2) return isArray(v) ? "[Array]" : "[Object]";
    seen.push(v);
    const parts = [];
    if (isArray(v)) {
      for (let i = 0; i < v.length; i++) parts.push(inspect(v[i], depth + 1, seen));
      seen.pop();
      return parts.length ? "[ " + parts.join(", ") + " ]" : "[]";
    }
    const keys = objectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'";
      parts.push(key + ": " + inspect(v[k], depth + 1, seen));
    }
    seen.pop();
    return parts.length ? "{ " + parts.join(", ") + " }" : "{}";
  }

  function format(args) {
    try {
      let out = "";
      let i = 0;
      if (typeof args[0] === "string" && args.length > 1) {
        i = 1;
        out = args[0].replace(/%([sdifjoOc%])/g, function (m, f) {
          if (f === "%") return "%";
          if (i >= args.length) return m;
          const a = args[i++];
          switch (f) {
            case "s": return typeof a === "string" ? a : inspect(a, 1, []);
            case "d": case "i": return typeof a === "object" ? "NaN" : StringCtor(f === "i" ? parseInt(a) : Number(a));
            case "f": return StringCtor(parseFloat(a));
            case "j": try { return stringify(a); } catch (e) { return "[Circular]"; }
            case "c": return "";
            default: return inspect(a, 1, []);
          }
        });
      }
      for (let first = i === 0; i < args.length; i++, first = false) {
        out += (first ? "" : " ") + inspect(args[i], 0, []);
      }
      return out;
    } catch (e) {
      return "[dodo-transform: console argument could not be printed: " + e + "]";
    }
  }

  // --- V8 fidelity (en-US, UTC) behind the prelude's stubs, called as impl.call(date, stub, args)
  // V8 prints the zone name after the offset; QuickJS does not.
  function withZoneName(s) {
    return s === "Invalid Date" ? s : s + " (Coordinated Universal Time)";
  }
  let intl = null, collate = null;
  function loadIntl() {
    if (intl === null) {
      intl = compiled("intl")(logs.now === null ? P : withClock(P, logs.now));
      for (let i = 0; i < MORE.length; i++) lazyMore(intl.Intl, MORE[i]);
    }
    return intl;
  }
  // Intl.PluralRules, ListFormat, RelativeTimeFormat and Collator (intl_more.js) are compiled
  // the first time a handler reaches one of them; until then Intl holds an accessor that
  // turns itself into the data property V8 has.
  const MORE = ["Collator", "ListFormat", "PluralRules", "RelativeTimeFormat"];
  let more = null;
  function defineMore(I, name, value) {
    P.ObjectDefineProperty(I, name, { __proto__: null, value: value, writable: true, enumerable: false, configurable: true });
  }
  function lazyMore(I, name) {
    P.ObjectDefineProperty(I, name, {
      __proto__: null,
      enumerable: false,
      configurable: true,
      get() {
        if (more === null) {
          if (collate === null) collate = compiled("collate")(P);
          more = compiled("intl_more")(P, intl.canonicalLocale, collate, markOurs);
          for (let i = 0; i < MORE.length; i++) {
            defineMore(I, MORE[i], more[MORE[i]]);
            markAll(more[MORE[i]]);
          }
        }
        return more[name];
      },
      set(value) { defineMore(I, name, value); },
    });
  }
  // With a frozen clock, `new Intl.DateTimeFormat().format()` (no date) formats that instant.
  function withClock(primordials, nowMs) {
    const out = { __proto__: null };
    for (const key in primordials) out[key] = primordials[key];
    out.DateNow = function now() { return nowMs; };
    return out;
  }
  // Errors restart their stack at the user's call site, as a V8 builtin's would, so that
  // line/column point into the handler and not into this file.
  function viaIntl(name) {
    return function (stub, args) {
      try {
        return reflectApply(loadIntl()[name], this, args);
      } catch (e) {
        if (e !== null && typeof e === "object" && captureStackTrace) captureStackTrace(e, stub);
        throw e;
      }
    };
  }

  // Intl's constructors, their statics and their prototypes' methods and accessors are the
  // sandbox's too (intl.js): marked once, when a run first reaches Intl.
  function markAll(root) {
    const objects = [root];
    if (typeof root === "function") {
      markOurs(root);
      if (root.prototype !== undefined && root.prototype !== null) objects[1] = root.prototype;
    }
    for (let i = 0; i < objects.length && i < 200; i++) {
      const o = objects[i], names = P.ReflectApply(Object.getOwnPropertyNames, Object, [o]);
      for (let j = 0; j < names.length; j++) {
        const d = Object.getOwnPropertyDescriptor(o, names[j]);
        const values = [d.value, d.get, d.set];
        for (let k = 0; k < 3; k++) {
          const v = values[k];
          if (typeof v !== "function" || isOurs(v)) continue;
          markOurs(v);
          if (v.prototype !== undefined && v.prototype !== null) objects[objects.length] = v.prototype;
          objects[objects.length] = v;
        }
      }
    }
  }

  function nameOf(fn) {
    const d = Object.getOwnPropertyDescriptor(fn, "name");
    return d !== undefined && typeof d.value === "string" ? d.value : "";
  }

  // --- reports: each returns the runner's JSON answer --------------------------------------
  // Answers are prototype-free (see the prelude): a patched toJSON cannot rewrite them.
  function report(kind, message, error) {
    const out = { __proto__: null, kind: kind, message: message };
    if (error !== null && typeof error === "object") {
      try { out.name = StringCtor(error.name); } catch (e) { /* keep what we have */ }
      try { out.stack = typeof error.stack === "string" ? error.stack : null; } catch (e) { /* idem */ }
    } else if (error === null && kind === "exception") {
      out.thrown_null = true;
    }
    return stringify({ __proto__: null, error: out, logs: logs });
  }

  function describe(value) {
    if (value === null) return "null";
    if (isArray(value)) return "an array";
    if (typeof value === "object") return "an object";
    return typeof value === "string" ? "a string" : typeof value;
  }

  function errorText(e) {
    if (e !== null && typeof e === "object" && "message" in e) {
      try { return StringCtor(e.name) + ": " + StringCtor(e.message); } catch (x) { /* fall through */ }
    }
    try { return "a non-Error value was thrown: " + (typeof e === "string" ? stringify(e) : inspect(e, 1, [])); }
    catch (x) { return "an unprintable value was thrown"; }
  }

  const SHAPE = "declare `function handler(webhook) { ...; return webhook; }`";

  function noHandler(fn) {
    if (typeof fn === "undefined") return report("no_handler", "the code does not define a function named handler: " + SHAPE);
    if (typeof fn !== "function") return report("no_handler", "`handler` is " + describe(fn) + ", not a function: " + SHAPE);
    const t = tag(fn);
    const what = t === "[object AsyncFunction]" ? "an async function" : "a " + t.slice(8, -1);
    return report("async_handler", "handler is " + what + "; it must be a plain synchronous function that returns the webhook object (no async/await, no Promises, no generators)");
  }

  // A limit reached inside the handler, or inside JSON.stringify of its payload.
  function isLimit(e) {
    if (e instanceof RangeErrorCtor && e.message === "Maximum call stack size exceeded") return "stack_limit";
    if (InternalErrorCtor && e instanceof InternalErrorCtor && e.message === "out of memory") return "memory_limit";
    return null;
  }

  function thrown(e) {
    return report(isLimit(e) || "exception", errorText(e), e);
  }

  function badReturn(out) {
    if (out !== null && typeof out === "object") {
      return report("invalid_return", "handler returned a Promise; it must be synchronous and return the webhook object itself");
    }
    return report("invalid_return", "handler returned " + describe(out) + "; it must return the webhook object (did you forget `return webhook;`?)");
  }

  // [name, value or null, type]: the host checks names and types against the contract.
  function headers(h) {
    if (typeof h !== "object" || isArray(h)) return describe(h);
    const keys = objectKeys(h);
    const out = setProto([], null);
    for (let i = 0; i < keys.length; i++) {
      const v = h[keys[i]];
      out[i] = setProto([keys[i], typeof v === "string" ? v : null, typeof v === "string" ? "string" : describe(v)], null);
    }
    return out;
  }

  // A non-string method or url, as the host reports it ("the handler set a number").
  function typeOf(value) {
    return { __proto__: null, type: describe(value) };
  }

  function unserializable(payload, e) {
    if (e !== null && typeof e === "object" && (isLimit(e) !== null)) return thrown(e);
    if (e === null) {
      return report("unserializable_payload", "webhook.payload is " + describe(payload) + ", which JSON.stringify turns into nothing; set it to an object (or any JSON value)");
    }
    return report("unserializable_payload", "webhook.payload cannot be serialised to JSON: " + errorText(e), e);
  }

  return {
    format, noHandler, thrown, badReturn, headers, typeOf, unserializable,
    dateToString() { return withZoneName(reflectApply(originals.toString, this, [])); },
    dateToTimeString() { return withZoneName(reflectApply(originals.toTimeString, this, [])); },
    dateToLocaleString: viaIntl("dateToLocaleString"),
    dateToLocaleDateString: viaIntl("dateToLocaleDateString"),
    dateToLocaleTimeString: viaIntl("dateToLocaleTimeString"),
    numberToLocaleString: viaIntl("numberToLocaleString"),
    bigintToLocaleString: viaIntl("bigintToLocaleString"),
    stringLocaleCompare(stub, args) {
      if (collate === null) collate = compiled("collate")(P);
      return reflectApply(collate, this, [stub, args]);
    },
    Intl() {
      const I = loadIntl().Intl;
      markAll(I);
      return I;
    },
    functionToString(stub, args) {
      if (isOurs(this)) return "function " + nameOf(this) + "() { [native code] }";
      const text = reflectApply(originals.functionToString, this, []);
      // QuickJS breaks a built-in's `[native code]` over three lines; V8 prints one, and a
      // bound function without its name.
      const native = "() {\n    [native code]\n}";
      const at = text.length - native.length;
      if (at < 9 || P.ReflectApply(P.StringPrototypeIndexOf, text, [native]) !== at || P.ReflectApply(P.StringPrototypeSlice, text, [0, 9]) !== "function ") return text;
      const name = P.ReflectApply(P.StringPrototypeSlice, text, [9, at]);
      return "function " + (P.ReflectApply(P.StringPrototypeSlice, name, [0, 6]) === "bound " ? "" : name) + "() { [native code] }";
    },
    loadIntl,
  };
})
