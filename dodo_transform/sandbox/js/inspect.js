// Console text as Node 20 prints it: util.format and util.inspect with their default options
// (depth 2, breakLength 80, compact 3, maxArrayLength 100, maxStringLength 10000), written
// after the logic of Node's lib/internal/util/inspect.js. Compiled only in runs that log a
// value other than plain strings (lib.js's format has the fast path).
// `deps` comes from prelude.js: built-ins captured before the handler ran.
(function (deps) {
  "use strict";
  const { P, stringify, tag: objectTag, originals, reflectApply } = deps;
  const ObjectKeys = Object.keys, getOwnPropertyNames = Object.getOwnPropertyNames;
  const getOwnPropertySymbols = Object.getOwnPropertySymbols;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf, ObjectIs = Object.is;
  const hasOwn = Object.prototype.hasOwnProperty, isEnumerable = Object.prototype.propertyIsEnumerable;
  const isArray = Array.isArray, StringCtor = String, NumberCtor = Number;
  const MathMin = Math.min, MathMax = Math.max, MathSqrt = Math.sqrt, MathRound = Math.round, MathFloor = Math.floor;
  const TypeErrorCtor = TypeError, ErrorCtor = Error, PromiseCtor = Promise;
  const SymbolIterator = Symbol.iterator, SymbolToStringTag = Symbol.toStringTag;
  const customInspect = Symbol.for("nodejs.util.inspect.custom");
  const call = (fn, self, ...args) => reflectApply(fn, self, args);
  const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
  const errorToString = Error.prototype.toString, symbolToString = Symbol.prototype.toString;
  const functionToString = Function.prototype.toString, regExpToString = RegExp.prototype.toString;
  const mapSize = getter(Map.prototype, "size"), setSize = getter(Set.prototype, "size");
  const mapEntries = Map.prototype.entries, setValues = Set.prototype.values;
  const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = getter(TypedArrayProto, SymbolToStringTag);
  const typedArrayLength = getter(TypedArrayProto, "length");
  const arrayBufferByteLength = getter(ArrayBuffer.prototype, "byteLength");
  const sharedByteLength = typeof SharedArrayBuffer === "function" ? getter(SharedArrayBuffer.prototype, "byteLength") : null;
  const dataViewByteLength = getter(DataView.prototype, "byteLength");
  const regExpSource = getter(RegExp.prototype, "source");
  const weakMapHas = WeakMap.prototype.has, weakSetHas = WeakSet.prototype.has;
  const Uint8ArrayCtor = Uint8Array;

  // Brand checks without an engine hook: a built-in method that throws on anything else.
  function brand(fn, value, arg) {
    try { call(fn, value, arg); return true; } catch (e) { return false; }
  }
  const isMap = (v) => brand(mapSize, v);
  const isSet = (v) => brand(setSize, v);
  const isTypedArray = (v) => call(typedArrayTag, v) !== undefined;
  const isArrayBuffer = (v) => brand(arrayBufferByteLength, v);
  const isSharedArrayBuffer = (v) => sharedByteLength !== null && brand(sharedByteLength, v);
  const isDataView = (v) => brand(dataViewByteLength, v);
  const isRegExp = (v) => v !== RegExp.prototype && brand(regExpSource, v);
  const isDate = (v) => brand(P.DatePrototypeValueOf, v);
  const isWeakMap = (v) => brand(weakMapHas, v, v);
  const isWeakSet = (v) => brand(weakSetHas, v, v);
  // (No brand check: Promise's own methods would subscribe to it.)
  const isPromise = (v) => v instanceof PromiseCtor;
  const isError = (v) => v instanceof ErrorCtor || objectTag(v) === "[object Error]";
  const isArguments = (v) => objectTag(v) === "[object Arguments]";
  const BOXED = [
    ["Number", P.NumberPrototypeValueOf], ["String", String.prototype.valueOf],
    ["Boolean", Boolean.prototype.valueOf], ["BigInt", P.BigIntPrototypeValueOf],
    ["Symbol", Symbol.prototype.valueOf],
  ];
  function boxedType(v) {
    for (let i = 0; i < BOXED.length; i++) {
      try { return [BOXED[i][0], call(BOXED[i][1], v)]; } catch (e) { /* not this one */ }
    }
    return null;
  }

  // Errors from the handler's own code (toJSON, toString, a custom inspect) reach the handler,
  // as in Node; anything else is ours and becomes a note in the log line.
  function UserError(error) { this.error = error; }
  function user(fn, self, args) {
    try { return reflectApply(fn, self, args); } catch (e) { throw new UserError(e); }
  }

  const kObjectType = 0, kArrayType = 1, kArrayExtrasType = 2;
  const kMinLineLength = 16;
  const builtInObjects = new Set();
  for (const name of getOwnPropertyNames(globalThis)) {
    if (/^[A-Z][a-zA-Z0-9]+$/.test(name)) builtInObjects.add(name);
  }

  const strEscapeTest = /[\x00-\x1f\x27\x5c\x7f-\x9f]/;
  const strEscapeReplace = /[\x00-\x1f\x27\x5c\x7f-\x9f]/g;
  const strEscapeTestSingle = /[\x00-\x1f\x5c\x7f-\x9f]/;
  const strEscapeReplaceSingle = /[\x00-\x1f\x5c\x7f-\x9f]/g;
  const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const numberRegExp = /^(0|[1-9][0-9]*)$/;
  const SPECIAL = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\" };
  function escapeChar(ch) {
    const code = ch.charCodeAt(0);
    return SPECIAL[code] || "\\x" + (code < 16 ? "0" : "") + code.toString(16).toUpperCase();
  }

  // Single quotes, unless the text has some: then double quotes, then backticks.
  function strEscape(str) {
    let test = strEscapeTest, replace = strEscapeReplace, quote = "'";
    if (str.includes("'")) {
      if (!str.includes('"')) quote = '"';
      else if (!str.includes("`") && !str.includes("${")) quote = "`";
      if (quote !== "'") { test = strEscapeTestSingle; replace = strEscapeReplaceSingle; }
    }
    if (test.test(str)) str = str.replace(replace, escapeChar);
    return quote + str + quote;
  }

  function formatNumber(n) { return ObjectIs(n, -0) ? "-0" : "" + n; }
  function formatBigInt(n) { return StringCtor(n) + "n"; }

  function formatPrimitive(value, ctx) {
    switch (typeof value) {
      case "string": {
        let trailer = "";
        if (value.length > ctx.maxStringLength) {
          const remaining = value.length - ctx.maxStringLength;
          value = value.slice(0, ctx.maxStringLength);
          trailer = "... " + remaining + " more character" + (remaining > 1 ? "s" : "");
        }
        if (value.length > kMinLineLength && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          return value.split(/(?<=\n)/).map(strEscape).join(" +\n" + " ".repeat(ctx.indentationLvl + 2)) + trailer;
        }
        return strEscape(value) + trailer;
      }
      case "number": return formatNumber(value);
      case "bigint": return formatBigInt(value);
      case "symbol": return call(symbolToString, value);
      default: return StringCtor(value);
    }
  }

  function newContext(options) {
    const ctx = {
      seen: [], circular: undefined, indentationLvl: 0, currentDepth: 0,
      depth: 2, showHidden: false, breakLength: 80, compact: 3, maxArrayLength: 100, maxStringLength: 10000,
    };
    if (options) for (const key of ObjectKeys(options)) ctx[key] = options[key];
    return ctx;
  }

  function inspect(value, options) {
    return formatValue(newContext(options), value, 0);
  }

  function formatValue(ctx, value, recurseTimes, typedArray) {
    if (typeof value !== "object" && typeof value !== "function") return formatPrimitive(value, ctx);
    if (value === null) return "null";
    const maybeCustom = value[customInspect];
    if (typeof maybeCustom === "function" && maybeCustom !== inspect &&
        !(value.constructor && value.constructor.prototype === value)) {
      const depth = ctx.depth - recurseTimes;
      const options = { depth: depth, showHidden: ctx.showHidden, breakLength: ctx.breakLength, compact: ctx.compact,
        maxArrayLength: ctx.maxArrayLength, maxStringLength: ctx.maxStringLength, colors: false,
        customInspect: true, showProxy: false, sorted: false, getters: false, numericSeparator: false };
      const ret = user(maybeCustom, value, [depth, options, inspect]);
      if (ret !== value) {
        if (typeof ret !== "string") return formatValue(ctx, ret, recurseTimes);
        return ret.replace(/\n/g, "\n" + " ".repeat(ctx.indentationLvl));
      }
    }
    if (ctx.seen.includes(value)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map([[value, index]]);
      } else {
        index = ctx.circular.get(value);
        if (index === undefined) {
          index = ctx.circular.size + 1;
          ctx.circular.set(value, index);
        }
      }
      return "[Circular *" + index + "]";
    }
    return formatRaw(ctx, value, recurseTimes, typedArray);
  }

  function isInstanceof(object, ctor) {
    try { return object instanceof ctor; } catch (e) { return false; }
  }

  function getConstructorName(obj, ctx, recurseTimes, protoProps) {
    let firstProto;
    const tmp = obj;
    while (obj) {
      const descriptor = getOwnPropertyDescriptor(obj, "constructor");
      if (descriptor !== undefined && typeof descriptor.value === "function" &&
          descriptor.value.name !== "" && isInstanceof(tmp, descriptor.value)) {
        if (protoProps !== undefined && (firstProto !== obj || !builtInObjects.has(descriptor.value.name))) {
          addPrototypeProperties(ctx, tmp, firstProto || tmp, recurseTimes, protoProps);
        }
        return StringCtor(descriptor.value.name);
      }
      obj = getPrototypeOf(obj);
      if (firstProto === undefined) firstProto = obj;
    }
    if (firstProto === null) return null;
    // V8 names such objects after their constructor's class; without the engine's help, Object.
    const res = "Object";
    if (recurseTimes > ctx.depth) return res + " <Complex prototype>";
    const protoConstr = getConstructorName(firstProto, ctx, recurseTimes + 1, protoProps);
    if (protoConstr === null) {
      const inner = newContext({ depth: -1, showHidden: ctx.showHidden });
      return res + " <" + formatValue(inner, firstProto, 0) + ">";
    }
    return res + " <" + protoConstr + ">";
  }

  // %o (showHidden) also lists what a user class's prototypes define, other than methods.
  function addPrototypeProperties(ctx, main, obj, recurseTimes, output) {
    let depth = 0, keys, keySet;
    do {
      if (depth !== 0 || main === obj) {
        obj = getPrototypeOf(obj);
        if (obj === null) return;
        const descriptor = getOwnPropertyDescriptor(obj, "constructor");
        if (descriptor !== undefined && typeof descriptor.value === "function" && builtInObjects.has(descriptor.value.name)) return;
      }
      if (depth === 0) keySet = new Set();
      else for (const key of keys) keySet.add(key);
      keys = Reflect.ownKeys(obj);
      ctx.seen.push(main);
      for (const key of keys) {
        if (key === "constructor" || call(hasOwn, main, key) || (depth !== 0 && keySet.has(key))) continue;
        const desc = getOwnPropertyDescriptor(obj, key);
        if (typeof desc.value === "function") continue;
        output.push(formatProperty(ctx, obj, recurseTimes, key, kObjectType, desc));
      }
      ctx.seen.pop();
    } while (++depth !== 3);
  }

  function getPrefix(constructor, tag, fallback, size) {
    size = size || "";
    if (constructor === null) {
      if (tag !== "" && fallback !== tag) return "[" + fallback + size + ": null prototype] [" + tag + "] ";
      return "[" + fallback + size + ": null prototype] ";
    }
    if (tag !== "" && constructor !== tag) return constructor + size + " [" + tag + "] ";
    return constructor + size + " ";
  }

  function getKeys(value, showHidden) {
    const symbols = getOwnPropertySymbols(value);
    let keys;
    if (showHidden) {
      keys = getOwnPropertyNames(value);
      for (const s of symbols) keys.push(s);
    } else {
      keys = ObjectKeys(value);
      for (const s of symbols) if (call(isEnumerable, value, s)) keys.push(s);
    }
    return keys;
  }

  function getNonIndexKeys(value, showHidden) {
    const keys = showHidden ? getOwnPropertyNames(value) : ObjectKeys(value);
    const out = [];
    for (const key of keys) {
      if (!numberRegExp.test(key) || NumberCtor(key) > 4294967294) out.push(key);
    }
    for (const s of getOwnPropertySymbols(value)) {
      if (showHidden || call(isEnumerable, value, s)) out.push(s);
    }
    return out;
  }

  function formatRaw(ctx, value, recurseTimes, typedArray) {
    let keys;
    let protoProps = ctx.showHidden && recurseTimes <= ctx.depth ? [] : undefined;
    const constructor = getConstructorName(value, ctx, recurseTimes, protoProps);
    if (protoProps !== undefined && protoProps.length === 0) protoProps = undefined;
    const bare = protoProps === undefined;
    let tag = value[SymbolToStringTag];
    if (typeof tag !== "string" ||
        (tag !== "" && call(ctx.showHidden ? hasOwn : isEnumerable, value, SymbolToStringTag))) {
      tag = "";
    }
    let base = "";
    let formatter = () => [];
    let braces;
    let noIterator = true;
    let extrasType = kObjectType;

    if (SymbolIterator in value || constructor === null) {
      noIterator = false;
      if (isArray(value)) {
        const prefix = constructor !== "Array" || tag !== "" ? getPrefix(constructor, tag, "Array", "(" + value.length + ")") : "";
        keys = getNonIndexKeys(value, ctx.showHidden);
        braces = [prefix + "[", "]"];
        if (value.length === 0 && keys.length === 0 && bare) return braces[0] + "]";
        extrasType = kArrayExtrasType;
        formatter = formatArray;
      } else if (isSet(value)) {
        const size = call(setSize, value);
        const prefix = getPrefix(constructor, tag, "Set", "(" + size + ")");
        keys = getKeys(value, ctx.showHidden);
        formatter = (c, v, r) => formatSet(value, size, c, r);
        if (size === 0 && keys.length === 0 && bare) return prefix + "{}";
        braces = [prefix + "{", "}"];
      } else if (isMap(value)) {
        const size = call(mapSize, value);
        const prefix = getPrefix(constructor, tag, "Map", "(" + size + ")");
        keys = getKeys(value, ctx.showHidden);
        formatter = (c, v, r) => formatMap(value, size, c, r);
        if (size === 0 && keys.length === 0 && bare) return prefix + "{}";
        braces = [prefix + "{", "}"];
      } else if (isTypedArray(value)) {
        keys = getNonIndexKeys(value, ctx.showHidden);
        const fallback = constructor === null ? call(typedArrayTag, value) : "";
        const size = call(typedArrayLength, value);
        const prefix = getPrefix(constructor, tag, fallback, "(" + size + ")");
        braces = [prefix + "[", "]"];
        if (size === 0 && keys.length === 0 && !ctx.showHidden) return braces[0] + "]";
        formatter = (c, v, r) => formatTypedArray(value, size, c, r);
        extrasType = kArrayExtrasType;
      } else {
        noIterator = true;
      }
    }
    if (noIterator) {
      keys = getKeys(value, ctx.showHidden);
      braces = ["{", "}"];
      let boxed;
      if (constructor === "Object") {
        if (isArguments(value)) braces[0] = "[Arguments] {";
        else if (tag !== "") braces[0] = getPrefix(constructor, tag, "Object") + "{";
        if (keys.length === 0 && bare) return braces[0] + "}";
      } else if (typeof value === "function") {
        base = getFunctionBase(value, constructor, tag);
        if (ctx.showHidden && hasSloppyCaller(value)) keys.splice(keys.indexOf("prototype"), 0, "arguments", "caller");
        if (keys.length === 0 && bare) return base;
      } else if (isRegExp(value)) {
        base = call(regExpToString, value);
        const prefix = getPrefix(constructor, tag, "RegExp");
        if (prefix !== "RegExp ") base = prefix + base;
        if ((keys.length === 0 && bare) || recurseTimes > ctx.depth) return base;
      } else if (isDate(value)) {
        const time = call(P.DatePrototypeValueOf, value);
        base = time !== time ? "Invalid Date" : call(originals.toISOString, value);
        const prefix = getPrefix(constructor, tag, "Date");
        if (prefix !== "Date ") base = prefix + base;
        if (keys.length === 0 && bare) return base;
      } else if (isError(value)) {
        base = formatError(value, constructor, tag, ctx, keys);
        if (keys.length === 0 && bare) return base;
      } else if (isArrayBuffer(value) || isSharedArrayBuffer(value)) {
        const arrayType = isArrayBuffer(value) ? "ArrayBuffer" : "SharedArrayBuffer";
        const prefix = getPrefix(constructor, tag, arrayType);
        if (typedArray === undefined) {
          formatter = formatArrayBuffer;
        } else if (keys.length === 0 && bare) {
          return prefix + "{ byteLength: " + formatNumber(value.byteLength) + " }";
        }
        braces[0] = prefix + "{";
        keys.unshift("byteLength");
      } else if (isDataView(value)) {
        braces[0] = getPrefix(constructor, tag, "DataView") + "{";
        keys.unshift("byteLength", "byteOffset", "buffer");
      } else if (isPromise(value)) {
        braces[0] = getPrefix(constructor, tag, "Promise") + "{";
        // QuickJS does not let JavaScript read a promise's state: Node shows it here.
        formatter = () => ["<state unknown>"];
      } else if (isWeakSet(value)) {
        braces[0] = getPrefix(constructor, tag, "WeakSet") + "{";
        formatter = () => ["<items unknown>"];
      } else if (isWeakMap(value)) {
        braces[0] = getPrefix(constructor, tag, "WeakMap") + "{";
        formatter = () => ["<items unknown>"];
      } else if ((boxed = boxedType(value)) !== null) {
        base = getBoxedBase(value, boxed, ctx, keys, constructor, tag);
        if (keys.length === 0 && bare) return base;
      } else {
        if (keys.length === 0 && bare) return getPrefix(constructor, tag, "Object") + "{}";
        braces[0] = getPrefix(constructor, tag, "Object") + "{";
      }
    }

    if (recurseTimes > ctx.depth) {
      let name = getPrefix(constructor, tag, "Object").slice(0, -1);
      if (constructor !== null) name = "[" + name + "]";
      return name;
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    const output = formatter(ctx, value, recurseTimes);
    for (let i = 0; i < keys.length; i++) {
      output.push(formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
    }
    if (protoProps !== undefined) for (const p of protoProps) output.push(p);
    if (ctx.circular !== undefined) {
      const index = ctx.circular.get(value);
      if (index !== undefined) {
        const reference = "<ref *" + index + ">";
        base = base === "" ? reference : reference + " " + base;
      }
    }
    ctx.seen.pop();
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  }

  function getFunctionBase(value, constructor, tag) {
    let stringified = "";
    try { stringified = call(functionToString, value); } catch (e) { /* a revoked proxy, say */ }
    if (stringified.startsWith("class") && stringified.endsWith("}")) {
      const slice = stringified.slice(5, -1);
      const bracketIndex = slice.indexOf("{");
      if (bracketIndex !== -1 && (!slice.slice(0, bracketIndex).includes("(") ||
          /^\s*(?:extends\s+[^{]+)?\{/.test(slice.replace(/\/\/.*?\n|\/\*(.|\n)*?\*\//g, "")))) {
        return getClassBase(value, constructor, tag);
      }
    }
    let type = "Function";
    const t = objectTag(value);
    if (t === "[object GeneratorFunction]") type = "GeneratorFunction";
    else if (t === "[object AsyncFunction]") type = "AsyncFunction";
    else if (t === "[object AsyncGeneratorFunction]") type = "AsyncGeneratorFunction";
    let base = "[" + type;
    if (constructor === null) base += " (null prototype)";
    base += value.name === "" ? " (anonymous)" : ": " + value.name;
    base += "]";
    if (constructor !== type && constructor !== null) base += " " + constructor;
    if (tag !== "" && constructor !== tag) base += " [" + tag + "]";
    return base;
  }

  // V8 gives sloppy-mode functions own `arguments` and `caller` properties (null); QuickJS not.
  function hasSloppyCaller(fn) {
    if (!call(hasOwn, fn, "prototype") || call(hasOwn, fn, "caller") || objectTag(fn) !== "[object Function]") return false;
    try { return fn.caller === undefined || fn.caller === null; } catch (e) { return false; }
  }

  function getClassBase(value, constructor, tag) {
    const name = (call(hasOwn, value, "name") && value.name) || "(anonymous)";
    let base = "class " + name;
    if (constructor !== "Function" && constructor !== null) base += " [" + constructor + "]";
    if (tag !== "" && constructor !== tag) base += " [" + tag + "]";
    if (constructor !== null) {
      const superName = getPrototypeOf(value).name;
      if (superName) base += " extends " + superName;
    } else {
      base += " extends [null prototype]";
    }
    return "[" + base + "]";
  }

  function getBoxedBase(value, boxed, ctx, keys, constructor, tag) {
    const type = boxed[0];
    if (type === "String") keys.splice(0, boxed[1].length);
    let base = "[" + type;
    if (type !== constructor) base += constructor === null ? " (null prototype)" : " (" + constructor + ")";
    base += ": " + formatPrimitive(boxed[1], newContext()) + "]";
    if (tag !== "" && tag !== constructor) base += " [" + tag + "]";
    return base;
  }

  // QuickJS's stack holds the frames only; V8's starts with the error's own text.
  function getStackString(error) {
    let stack = error.stack;
    if (typeof stack === "string" && (stack === "" || stack.startsWith("    at "))) {
      const frames = stack.split("\n").filter((line) => line !== "" && !line.includes("__dodo_run__"));
      const head = call(errorToString, error);
      return frames.length ? head + "\n" + frames.join("\n") : head;
    }
    return stack ? StringCtor(stack) : call(errorToString, error);
  }

  function removeDuplicateErrorKeys(ctx, keys, error, stack) {
    if (!ctx.showHidden && keys.length !== 0) {
      for (const name of ["name", "message", "stack"]) {
        const index = keys.indexOf(name);
        if (index !== -1 && stack.includes(error[name])) keys.splice(index, 1);
      }
    }
  }

  function improveStack(stack, constructor, name, tag) {
    let len = name.length;
    if (constructor === null ||
        (name.endsWith("Error") && stack.startsWith(name) &&
         (stack.length === len || stack[len] === ":" || stack[len] === "\n"))) {
      let fallback = "Error";
      if (constructor === null) {
        const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
        fallback = (start && start[1]) || "";
        len = fallback.length;
        fallback = fallback || "Error";
      }
      const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
      if (name !== prefix) {
        if (prefix.includes(name)) {
          stack = len === 0 ? prefix + ": " + stack : prefix + stack.slice(len);
        } else {
          stack = prefix + " [" + name + "]" + stack.slice(len);
        }
      }
    }
    return stack;
  }

  function identicalSequenceRange(a, b) {
    for (let i = 0; i < a.length - 3; i++) {
      const pos = b.indexOf(a[i]);
      if (pos !== -1) {
        const rest = b.length - pos;
        if (rest > 3) {
          let len = 1;
          const maxLen = MathMin(a.length - i, rest);
          while (maxLen > len && a[i + len] === b[pos + len]) len++;
          if (len > 3) return { len: len, offset: i };
        }
      }
    }
    return { len: 0, offset: 0 };
  }

  function getStackFrames(ctx, error, stack) {
    const frames = stack.split("\n");
    let cause;
    try { cause = error.cause; } catch (e) { /* a throwing getter: no cause */ }
    if (cause != null && typeof cause === "object" && isError(cause)) {
      const causeStack = getStackString(cause);
      const causeStackStart = causeStack.indexOf("\n    at");
      if (causeStackStart !== -1) {
        const causeFrames = causeStack.slice(causeStackStart + 1).split("\n");
        const { len, offset } = identicalSequenceRange(frames, causeFrames);
        if (len > 0) {
          const skipped = len - 2;
          frames.splice(offset + 1, skipped, "    ... " + skipped + " lines matching cause stack trace ...");
        }
      }
    }
    return frames;
  }

  function formatError(error, constructor, tag, ctx, keys) {
    const name = error.name != null ? StringCtor(error.name) : "Error";
    let stack = getStackString(error);
    removeDuplicateErrorKeys(ctx, keys, error, stack);
    if ("cause" in error && (keys.length === 0 || !keys.includes("cause"))) keys.push("cause");
    if (isArray(error.errors) && (keys.length === 0 || !keys.includes("errors"))) keys.push("errors");
    stack = improveStack(stack, constructor, name, tag);
    let pos = (error.message && stack.indexOf(error.message)) || -1;
    if (pos !== -1) pos += error.message.length;
    const stackStart = stack.indexOf("\n    at", pos);
    if (stackStart === -1) {
      stack = "[" + stack + "]";
    } else {
      const lines = getStackFrames(ctx, error, stack.slice(stackStart + 1));
      stack = stack.slice(0, stackStart) + "\n" + lines.join("\n");
    }
    if (ctx.indentationLvl !== 0) stack = stack.replace(/\n/g, "\n" + " ".repeat(ctx.indentationLvl));
    return stack;
  }

  function formatArrayBuffer(ctx, value) {
    let buffer;
    try { buffer = new Uint8ArrayCtor(value); } catch (e) { return ["(detached)"]; }
    const shown = MathMin(ctx.maxArrayLength, buffer.length);
    const bytes = [];
    for (let i = 0; i < shown; i++) bytes.push((buffer[i] < 16 ? "0" : "") + buffer[i].toString(16));
    let str = bytes.join(" ");
    const remaining = buffer.length - ctx.maxArrayLength;
    if (remaining > 0) str += " ... " + remaining + " more byte" + (remaining > 1 ? "s" : "");
    return ["[Uint8Contents]: <" + str + ">"];
  }

  function moreItems(remaining) {
    return "... " + remaining + " more item" + (remaining > 1 ? "s" : "");
  }

  function formatArray(ctx, value, recurseTimes) {
    const valLen = value.length;
    const len = MathMin(MathMax(0, ctx.maxArrayLength), valLen);
    const remaining = valLen - len;
    const output = [];
    for (let i = 0; i < len; i++) {
      if (!call(hasOwn, value, i)) return formatSpecialArray(ctx, value, recurseTimes, len, output, i);
      output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
    }
    if (remaining > 0) output.push(moreItems(remaining));
    return output;
  }

  // Sparse arrays: holes become "<n empty items>".
  function formatSpecialArray(ctx, value, recurseTimes, maxLength, output, i) {
    const keys = ObjectKeys(value);
    let index = i;
    for (; i < keys.length && output.length < maxLength; i++) {
      const key = keys[i];
      const tmp = +key;
      if (tmp > 2 ** 32 - 2) break;
      if ("" + index !== key) {
        if (!numberRegExp.test(key)) break;
        const emptyItems = tmp - index;
        output.push("<" + emptyItems + " empty item" + (emptyItems > 1 ? "s" : "") + ">");
        index = tmp;
        if (output.length === maxLength) break;
      }
      output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
      index++;
    }
    const remaining = value.length - index;
    if (output.length !== maxLength) {
      if (remaining > 0) output.push("<" + remaining + " empty item" + (remaining > 1 ? "s" : "") + ">");
    } else if (remaining > 0) {
      output.push(moreItems(remaining));
    }
    return output;
  }

  function formatTypedArray(value, length, ctx, recurseTimes) {
    const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    const elementFormatter = length > 0 && typeof value[0] === "number" ? formatNumber : formatBigInt;
    for (let i = 0; i < maxLength; ++i) output.push(elementFormatter(value[i]));
    if (remaining > 0) output.push(moreItems(remaining));
    if (ctx.showHidden) {
      ctx.indentationLvl += 2;
      for (const key of ["BYTES_PER_ELEMENT", "length", "byteLength", "byteOffset", "buffer"]) {
        output.push("[" + key + "]: " + formatValue(ctx, value[key], recurseTimes, true));
      }
      ctx.indentationLvl -= 2;
    }
    return output;
  }

  function formatSet(value, size, ctx, recurseTimes) {
    const output = [];
    const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), size);
    ctx.indentationLvl += 2;
    for (const v of call(setValues, value)) {
      if (output.length >= maxLength) break;
      output.push(formatValue(ctx, v, recurseTimes));
    }
    if (size > maxLength) output.push(moreItems(size - maxLength));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(value, size, ctx, recurseTimes) {
    const output = [];
    const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), size);
    ctx.indentationLvl += 2;
    for (const [k, v] of call(mapEntries, value)) {
      if (output.length >= maxLength) break;
      output.push(formatValue(ctx, k, recurseTimes) + " => " + formatValue(ctx, v, recurseTimes));
    }
    if (size > maxLength) output.push(moreItems(size - maxLength));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatProperty(ctx, value, recurseTimes, key, type, desc) {
    let name, str;
    if (desc === undefined && typeof value === "function" && (key === "arguments" || key === "caller") &&
        !call(hasOwn, value, key)) {
      return "[" + key + "]: null";
    }
    desc = desc || getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: true };
    if (desc.value !== undefined) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? "[Getter/Setter]" : "[Getter]";
    } else if (desc.set !== undefined) {
      str = "[Setter]";
    } else {
      str = "undefined";
    }
    if (type === kArrayType) return str;
    if (typeof key === "symbol") {
      name = "[" + call(symbolToString, key).replace(strEscapeReplace, escapeChar) + "]";
    } else if (key === "__proto__") {
      name = "['__proto__']";
    } else if (desc.enumerable === false) {
      name = "[" + key.replace(strEscapeReplace, escapeChar) + "]";
    } else if (keyStrRegExp.test(key)) {
      name = key;
    } else {
      name = strEscape(key);
    }
    return name + ": " + str;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === "" || !base.includes("\n");
  }

  // Arrays of more than 6 short entries are laid out in columns.
  function groupArrayElements(ctx, output, value) {
    let totalLength = 0, maxLength = 0, i = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = [];
    for (; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = MathSqrt(actualMax - totalLength / output.length);
      const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
      const columns = MathMin(
        MathRound(MathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
        MathFloor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let c = 0; c < columns; c++) {
        let lineLength = 0;
        for (let j = c; j < output.length; j += columns) {
          if (dataLen[j] > lineLength) lineLength = dataLen[j];
        }
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let k = 0; k < output.length; k++) {
          if (typeof value[k] !== "number" && typeof value[k] !== "bigint") { padStart = false; break; }
        }
      }
      for (let r = 0; r < outputLength; r += columns) {
        const max = MathMin(r + columns, outputLength);
        let str = "";
        let j = r;
        for (; j < max - 1; j++) {
          const cell = output[j] + ", ";
          str += padStart ? cell.padStart(maxLineLength[j - r], " ") : cell.padEnd(maxLineLength[j - r], " ");
        }
        str += padStart ? output[j].padStart(maxLineLength[j - r] - separatorSpace, " ") : output[j];
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      output = tmp;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    const entries = output.length;
    if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = output.join(", ");
        if (!joined.includes("\n")) return (base ? base + " " : "") + braces[0] + " " + joined + " " + braces[1];
      }
    }
    const indentation = "\n" + " ".repeat(ctx.indentationLvl);
    return (base ? base + " " : "") + braces[0] + indentation + "  " + output.join("," + indentation + "  ") + indentation + braces[1];
  }

  // %s prints objects whose toString is their class's own built-in one with inspect.
  function hasBuiltInToString(value) {
    if (typeof value.toString !== "function") return true;
    if (call(hasOwn, value, "toString")) return false;
    let pointer = value;
    do { pointer = getPrototypeOf(pointer); } while (!call(hasOwn, pointer, "toString"));
    const descriptor = getOwnPropertyDescriptor(pointer, "constructor");
    return descriptor !== undefined && typeof descriptor.value === "function" && builtInObjects.has(descriptor.value.name);
  }

  let circularMessage = null;
  function tryStringify(arg) {
    try {
      return stringify(arg);
    } catch (err) {
      if (circularMessage === null) {
        const a = {}; a.a = a;
        try { stringify(a); } catch (e) { circularMessage = e.message; }
      }
      if (err instanceof TypeErrorCtor && err.message === circularMessage) return "[Circular]";
      if (err instanceof TypeErrorCtor && typeof arg === "bigint") throw new UserError(new TypeErrorCtor("Do not know how to serialize a BigInt"));
      if (err instanceof TypeErrorCtor && /bigint/i.test(err.message)) throw new UserError(new TypeErrorCtor("Do not know how to serialize a BigInt"));
      throw new UserError(err);
    }
  }

  function formatWithOptions(args) {
    const first = args[0];
    let a = 0, str = "", join = "";
    if (typeof first === "string") {
      if (args.length === 1) return first;
      let tempStr, lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue;  // '%'
        const nextChar = first.charCodeAt(++i);
        if (a + 1 !== args.length) {
          switch (nextChar) {
            case 115: {  // 's'
              const arg = args[++a];
              if (typeof arg === "number") tempStr = formatNumber(arg);
              else if (typeof arg === "bigint") tempStr = formatBigInt(arg);
              else if (typeof arg !== "object" || arg === null || !hasBuiltInToString(arg)) tempStr = user(StringCtor, undefined, [arg]);
              else tempStr = inspect(arg, { depth: 0 });
              break;
            }
            case 106: tempStr = tryStringify(args[++a]); break;  // 'j'
            case 100: {  // 'd'
              const arg = args[++a];
              if (typeof arg === "bigint") tempStr = formatBigInt(arg);
              else if (typeof arg === "symbol") tempStr = "NaN";
              else tempStr = formatNumber(user(NumberCtor, undefined, [arg]));
              break;
            }
            case 79: tempStr = inspect(args[++a]); break;  // 'O'
            case 111: tempStr = inspect(args[++a], { showHidden: true, depth: 4 }); break;  // 'o'
            case 105: {  // 'i'
              const arg = args[++a];
              if (typeof arg === "bigint") tempStr = formatBigInt(arg);
              else if (typeof arg === "symbol") tempStr = "NaN";
              else tempStr = formatNumber(user(parseInt, undefined, [arg]));
              break;
            }
            case 102: {  // 'f'
              const arg = args[++a];
              tempStr = typeof arg === "symbol" ? "NaN" : formatNumber(user(parseFloat, undefined, [arg]));
              break;
            }
            case 99: a += 1; tempStr = ""; break;  // 'c'
            case 37: str += first.slice(lastPos, i); lastPos = i + 1; continue;  // '%'
            default: continue;
          }
          if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
          str += tempStr;
          lastPos = i + 1;
        } else if (nextChar === 37) {
          str += first.slice(lastPos, i);
          lastPos = i + 1;
        }
      }
      if (lastPos !== 0) {
        a++;
        join = " ";
        if (lastPos < first.length) str += first.slice(lastPos);
      }
    }
    while (a < args.length) {
      const value = args[a];
      str += join + (typeof value !== "string" ? inspect(value) : value);
      join = " ";
      a++;
    }
    return str;
  }

  // What a console method logs; throws what the handler's own code threw while printing.
  function format(args) {
    try {
      return formatWithOptions(args);
    } catch (e) {
      if (e instanceof UserError) throw e.error;
      return "[dodo-transform: console argument could not be printed: " + e + "]";
    }
  }

  return { format, inspect };
})
