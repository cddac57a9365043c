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
  // Node's getStringWidth: the columns a string takes in a terminal. The code points whose width
  // is not 1, printed by Node 20 (tests/tools/gen_string_widths.js): "start-count" in base 36,
  // "z" when the width is 0 (marks, format characters), else 2 (wide, emoji).
  const STRING_WIDTHS = "3j-wz,lc-33z,w3-6z,13l-18z,14vz,14x-1z,150-1z,153z,16o-5z,174-az,17gz,18r-kz,19sz,1cm-7z,1cv-5z,1d3-1z,1d6-3z,1e7z,1e9z,1f4-qz,1ie-az,1kb-8z,1ktz,1li-3z,1ln-8z,1lx-2z,1m1-4z,1nd-2z,1ow-1z,1p3-8z,1qi-1kz,1tmz,1toz,1tt-7z,1u5z,1u9-6z,1uq-1z,1vlz,1x8z,1xd-3z,1xpz,1ya-1z,1z2z,1z5-1z,20sz,20x-1z,213-1z,217-2z,21dz,228-1z,22dz,22p-1z,24cz,24h-4z,24n-1z,24tz,25e-1z,262-5z,269z,27wz,27zz,281-3z,28dz,28l-1z,28y-1z,29uz,2bkz,2bxz,2dcz,2dgz,2f0z,2f2-2z,2fa-2z,2fe-3z,2fp-1z,2g2-1z,2gxz,2ikz,2inz,2iuz,2j0-1z,2jm-1z,2kg-1z,2m3-1z,2m9-3z,2mlz,2n6-1z,2o1z,2q2z,2qa-2z,2qez,2sxz,2t0-6z,2tj-7z,2whz,2wk-8z,2x4-6z,2zc-1z,305z,307z,309z,31t-dz,328-4z,32e-1z,32l-az,32x-zz,346z,371-3z,376-5z,37d-1z,37h-1z,388-1z,38e-2z,38x-3z,39ez,39h-1z,39pz,3a5z,3cw-2n,3tp-2z,4k2-2z,4ky-1z,4lu-1z,4mq-1z,4ok-1z,4on-6z,4p2z,4p5-az,4ppz,4qz-4z,4ud-1z,4vdz,4yo-2z,4yv-1z,4z6z,4zd-2z,55j-1z,55nz,57az,57c-6z,57kz,57mz,57p-7z,583-9z,58fz,59s-19z,5b4-bz,5c0-3z,5dgz,5di-4z,5doz,5duz,5ez-8z,5fk-1z,5gi-3z,5go-1z,5gr-2z,5iez,5ig-1z,5ilz,5in-2z,5kc-7z,5km-1z,5ow-2z,5p0-cz,5pe-6z,5ppz,5pwz,5q0-1z,5vk-1rz,6bv-4z,6cq-4z,6e8-4z,6ee-9z,6hc-wz,6xm-1,6y1-1,73d-3,73k,73n,7i5-1,7is-1,7jk-7,7k8-b,7lr,7m2-5,7mb,7mp,7my-1,7nh-1,7no-1,7ny,7o4,7oq,7oy-1,7p1,7p6,7p9,7ph,7pm-1,7qg,7rg,7ri,7rn-2,7rr,7th-2,7u8,7un,8ij-1,8k0,8k5,8vj-2z,8zjz,928-vz,96o-p,97f-2g,9a8-5x,9gw-26,9j5-2d,9ll-2u,9ol-16,9pt-2l,9sg-2d,9v3-1b,9wg-13,9xs-mkc,wi8-1i,wvj-3z,wvo-9z,wwu-1z,wz4-1z,x6qz,x6uz,x6zz,x7p-1z,x7wz,xc4-1z,xcw-hz,xdrz,xeu-7z,xfr-az,xgg-s,xhc-2z,xirz,xiu-3z,xj0-1z,xk5z,xm1-5z,xm9-1z,xmd-1z,xmrz,xn0z,xocz,xpsz,xpu-2z,xpz-1z,xq6-1z,xq9z,xrg-1z,xrqz,xydz,xygz,xylz,xz4-8mb,1d6o-e7,1dlqz,1e68-fz,1e6o-9,1e74-fz,1e7k-y,1e8k-i,1e94-3,1edbz,1edd-2n,1ejk-6,1ek9-2z,1eylz,1f4wz,1f92-4z,1gjl-2z,1gjp-1z,1gjw-3z,1gl4-2z,1glbz,1gpx-1z,1h5w-3z,1h7t-4z,1hgr-1z,1hiy-5z,1hl2-az,1hmq-3z,1hq9z,1hrs-ez,1htcz,1htf-1z,1htr-2z,1hv7-3z,1hvd-1z,1hvhz,1hvmz,1hvxz,1hxc-2z,1hyf-4z,1hyl-7z,1i0jz,1i0w-1z,1i2e-8z,1i2x-3z,1i33z,1i5r-2z,1i5wz,1i5y-1z,1i66z,1i69z,1ianz,1iar-7z,1ibk-1z,1id7-1z,1idcz,1iee-6z,1ieo-4z,1igr-5z,1ihaz,1ihcz,1ihez,1iht-1z,1ik8-7z,1iki-2z,1ikmz,1ilaz,1inn-5z,1inuz,1inz-1z,1io2-1z,1iuq-3z,1iv0-1z,1iv3-1z,1ivw-1z,1iyb-7z,1iylz,1iyn-1z,1j1nz,1j1pz,1j1s-5z,1j1zz,1j4tz,1j4vz,1j4y-3z,1j53-4z,1jcf-8z,1jcp-1z,1jjv-1z,1jjyz,1jk3z,1jo4-3z,1joa-1z,1jogz,1jpd-9z,1jqr-5z,1jqz-3z,1jrbz,1jrl-5z,1jrt-2z,1jt6-cz,1jtk-1z,1jz4z,1jz6-2z,1jzaz,1k4w-6z,1k54-5z,1k5bz,1k7m-lz,1k8a-6z,1k8i-1z,1k8l-1z,1kc1-5z,1kcaz,1kcc-1z,1kcf-6z,1kcnz,1keo-1z,1ketz,1kevz,1koj-1z,1kow-1z,1kqe-4z,1kqoz,1kqqz,1krez,1ovk-gz,1ow7-ez,1xr2-bz,1xrh-2z,1zow-4z,1zqo-6z,20jzz,20lr-3z,20o0-4,20og-6,20ow-5p1,26f3-v,26io-36,2dbk-3,2dbp-6,2dbx-1,2dc0-82,2dki,2dlc-2,2dlh,2dlw-3,2dm8-az,2ftp-1z,2fts-3z,2jgg-19z,2jhs-mz,2jxa-1,2jxc-4,2jxj-2z,2jxv-fz,2jyd-6z,2jze-3z,2jzv-1,2jzx-3,2k3m-2z,2k8w-2e,2kbk-m,2lmo-1iz,2lob-1dz,2lpxz,2lqcz,2lqz-4z,2lr5-ez,2mtc-6z,2mtk-gz,2mu3-6z,2mub-1z,2mue-4z,2mxbz,2n1s-6z,2ncez,2ne4-3z,2nsc-3z,2nzi-1z,2o6bz,2o6ez,2o6m-1z,2o6tz,2ok0-6z,2on8-6z,2pz8,2q4v,2qa6,2qa9-9,2qcm-s,2qds-17,2qf4-8,2qfk-1,2qg0-5,2qkg-w,2qlp-8,2qlz-1x,2qny-l,2qow-16,2qq7-4,2qqo-g,2qr8,2qrc-1y,2qtc,2qte-56,2qyn-1q,2r0r-3,2r0w-n,2r22,2r2t-1,2r38,2r5n-2c,2r9c-1x,2rbg,2rbk-2,2rbp-3,2rbw-3,2rcb-1,2rck-8,2rj4-b,2rjk,2rrg-1a,2rss-9,2rt3-54,2s1c-c,2s1s-a,2s26-1k,2s3s,2s3x-f,2s4f-b,2s4v-9,2t4w-1ekd,47pc-1ekd,jny9z,jnz4-2nz,jo5c-6nz";
  let widthRanges = null;
  function codePointWidth(cp) {
    if (widthRanges === null) {
      widthRanges = [];
      const items = STRING_WIDTHS.split(",");
      for (let k = 0; k < items.length; k++) {
        const item = items[k], zero = item.endsWith("z"), body = zero ? item.slice(0, -1) : item;
        const dash = body.indexOf("-");
        const start = parseInt(dash < 0 ? body : body.slice(0, dash), 36);
        widthRanges.push([start, start + (dash < 0 ? 0 : parseInt(body.slice(dash + 1), 36)), zero ? 0 : 2]);
      }
    }
    let lo = 0, hi = widthRanges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, r = widthRanges[mid];
      if (cp < r[0]) hi = mid - 1;
      else if (cp > r[1]) lo = mid + 1;
      else return r[2];
    }
    return 1;
  }
  function getStringWidth(str) {
    let width = 0;
    for (let i = 0; i < str.length; i++) {
      const code = str.charCodeAt(i);
      if (code >= 127) {
        // As Node: the rest of the string, in NFC, code point by code point.
        const rest = str.slice(i).normalize("NFC");
        for (let k = 0; k < rest.length; k++) {
          const cp = rest.codePointAt(k);
          if (cp > 0xffff) k++;
          width += codePointWidth(cp);
        }
        break;
      }
      width += code >= 32 ? 1 : 0;
    }
    return width;
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0, maxLength = 0, i = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = [];
    for (; i < outputLength; i++) {
      const len = getStringWidth(output[i]);
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
          // Padded by width, not length: "é" as e + U+0301 is two characters, one column.
          const cell = output[j] + ", ", padding = maxLineLength[j - r] + output[j].length - dataLen[j];
          str += padStart ? cell.padStart(padding, " ") : cell.padEnd(padding, " ");
        }
        str += padStart ? output[j].padStart(maxLineLength[j - r] + output[j].length - dataLen[j] - separatorSpace, " ") : output[j];
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
