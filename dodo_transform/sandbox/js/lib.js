// The sandbox's cold paths, compiled only in runs that need them: console formatting,
// error reports, header checks and the bridge to intl.js.
// `deps` comes from prelude.js and holds built-ins captured before the handler ran.
(function (deps) {
  "use strict";
  // Compiled after the handler may have patched built-ins: what the Intl path needs comes from
  // the prelude's captures (deps), the rest only shapes console and error text.
  const { P, stringify, tag, originals, logs, compiled, collation, reflectApply, setProto, isOurs, markOurs, InternalErrorCtor } = deps;
  const objectKeys = Object.keys;
  const isArray = Array.isArray;
  const captureStackTrace = P.ErrorCaptureStackTrace;
  const StringCtor = String;
  const RangeErrorCtor = RangeError;

  // --- console: Node's util.format; anything but plain text goes to inspect.js ----------------
  let inspector = null;
  function inspectModule() {
    if (inspector === null) inspector = compiled("inspect")(deps);
    return inspector;
  }
  function inspect(value) {
    return inspectModule().inspect(value);
  }
  function format(args) {
    const first = args[0];
    if (typeof first === "string" && first.indexOf("%") < 0) {
      let out = first;
      for (let i = 1; i < args.length; i++) {
        if (typeof args[i] !== "string") return inspectModule().format(args);
        out += " " + args[i];
      }
      return out;
    }
    return inspectModule().format(args);
  }

  // --- V8 fidelity (en-US, UTC) behind the prelude's stubs, called as impl.call(date, stub, args)
  // V8 prints the zone name after the offset; QuickJS does not.
  function withZoneName(s) {
    return s === "Invalid Date" ? s : s + " (Coordinated Universal Time)";
  }
  let intl = null, collate = null;
  // The collation table is lent to every context, except on the binding engine, which copies
  // it only into handlers whose text names localeCompare or Collator (sources.collates): one
  // that reaches them otherwise is told so.
  const collationTable = () => {
    const table = collation();
    if (table === null) throw new P.RangeError("localeCompare: the dodo-transform sandbox loads its collation table for handlers whose text names localeCompare or Intl.Collator; write the name out");
    return table;
  };
  function loadIntl() {
    if (intl === null) {
      // tz.js (zones), units.js (unit names) and ranges.js (date ranges) are compiled when
      // intl.js needs them.
      intl = compiled("intl")(logs.now === null ? P : withClock(P, logs.now), compiled);
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
          if (collate === null) collate = compiled("collate")(P, collationTable);
          more = compiled("intl_more")(P, intl.canonicalLocale, collate, markOurs, intl.canonicalLocales);
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

  // --- locale-aware case mapping: V8 (ICU) special-cases Turkish, Azeri and Lithuanian ------
  function caller(stub, Ctor, message) {
    const error = new Ctor(message);
    if (captureStackTrace) captureStackTrace(error, stub);
    return error;
  }
  // The language of the first requested locale, as CanonicalizeLocaleList reads it.
  function languageOf(locales, stub) {
    if (locales === undefined) return "en";
    if (locales === null) throw caller(stub, TypeError, "Cannot convert undefined or null to object");
    const first = typeof locales === "string" ? locales : Object(locales).length > 0 ? Object(locales)[0] : undefined;
    if (first === undefined) return "en";
    if (typeof first !== "string" && (typeof first !== "object" || first === null)) {
      throw caller(stub, TypeError, "Language ID should be string or object.");
    }
    const tag = StringCtor(first);
    if (!/^(?:[a-z]{2,3}|[a-z]{5,8})(?:-[a-z0-9]{1,8})*$/i.test(tag) || /-$|--/.test(tag)) {
      throw caller(stub, RangeErrorCtor, "Incorrect locale information provided");
    }
    return tag.split("-")[0].toLowerCase();
  }
  // Combining marks above (canonical combining class 230) that Latin text uses.
  const ABOVE = "[\u0300-\u0314\u033d-\u0344\u0346\u034a-\u034c\u0350-\u0352\u0357\u035b\u0363-\u036f]";
  const LT_MORE_ABOVE = new RegExp("([IJ\u012e])(?=" + ABOVE + ")", "g");
  const LT_ACCENTED = { __proto__: null, "\u00cc": "i\u0307\u0300", "\u00cd": "i\u0307\u0301", "\u0128": "i\u0307\u0303" };
  const LT_DOTTED = { __proto__: null, I: "i\u0307", J: "j\u0307", "\u012e": "\u012f\u0307" };
  function caseMap(stub, args, self, upper) {
    if (self === null || self === undefined) {
      throw caller(stub, TypeError, `String.prototype.toLocale${upper ? "Upper" : "Lower"}Case called on null or undefined`);
    }
    let s = StringCtor(self);
    const language = languageOf(args[0], stub);
    if (language === "tr" || language === "az") {
      s = upper ? s.replace(/i/g, "\u0130") : s.replace(/I\u0307/g, "i").replace(/I/g, "\u0131").replace(/\u0130/g, "i");
    } else if (language === "lt") {
      s = upper
        ? s.replace(/([ij\u012f\u0268\u0456\u0458\u1e2d\u1ecb])\u0307/g, "$1")
        : s.replace(LT_MORE_ABOVE, (m) => LT_DOTTED[m]).replace(/[\u00cc\u00cd\u0128]/g, (m) => LT_ACCENTED[m]);
    }
    return reflectApply(upper ? originals.toUpperCase : originals.toLowerCase, s, []);
  }

  // --- Array#toLocaleString hands its arguments to each element, as ECMA-402 says ----------
  const joining = [];
  const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag).get;
  const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayProto, "length").get;
  function typedArrayToLocaleString(stub, args) {
    if (reflectApply(typedArrayTag, this, []) === undefined) {
      throw caller(stub, TypeError, `Method %TypedArray%.prototype.toLocaleString called on incompatible receiver ${tag(this)}`);
    }
    return joinLocale(this, reflectApply(typedArrayLength, this, []), args);
  }
  function arrayToLocaleString(stub, args) {
    if (this === null || this === undefined) {
      throw caller(stub, TypeError, "Array.prototype.toLocaleString called on null or undefined");
    }
    const array = Object(this);
    return joinLocale(array, Math.min(Math.max(Math.trunc(Number(array.length)) || 0, 0), Number.MAX_SAFE_INTEGER), args);
  }
  function joinLocale(array, length, args) {
    if (joining.indexOf(array) >= 0) return "";  // a cycle prints empty, as in V8's join
    joining.push(array);
    try {
      let out = "";
      for (let i = 0; i < length; i++) {
        if (i > 0) out += ",";
        const element = array[i];
        if (element !== undefined && element !== null) out += StringCtor(element.toLocaleString(args[0], args[1]));
      }
      return out;
    } finally {
      joining.pop();
    }
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
    try { return "a non-Error value was thrown: " + (typeof e === "string" ? stringify(e) : inspect(e)); }
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
    stringToLocaleUpperCase(stub, args) { return caseMap(stub, args, this, true); },
    stringToLocaleLowerCase(stub, args) { return caseMap(stub, args, this, false); },
    arrayToLocaleString,
    typedArrayToLocaleString,
    stringLocaleCompare(stub, args) {
      if (collate === null) collate = compiled("collate")(P, collationTable);
      return reflectApply(collate.localeCompare, this, [stub, args]);
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
