#!/usr/bin/env node
/*
 * Regenerates tests/data/builtin_surface.json: the own property keys of the global object and
 * of every intrinsic (constructors, their prototypes, namespaces, iterator prototypes, Intl) in
 * a fresh Node 20 `vm` context, the realm a handler's code sees on V8 (not Node's own globals
 * such as `process` or `Buffer`). tests/test_builtin_surface.py lists the same in the sandbox
 * (without node) and compares; with node on the PATH it also checks this file is current.
 *
 *   node tests/tools/gen_builtin_surface.js               # rewrite tests/data/builtin_surface.json
 *   node tests/tools/gen_builtin_surface.js --out FILE    # write elsewhere ("-" = stdout)
 *
 * `console` is left out: a handler's console is the contract's (log/info/warn/error/debug),
 * not V8's inspector console.
 */
"use strict";
const { writeTable } = require("./case_file.js");

const vm = require("vm");

if (!process.versions.node.startsWith("20.")) {
  console.error(`gen_builtin_surface: the sandbox targets Node 20, this is Node ${process.versions.node}`);
  process.exit(1);
}

// Evaluated in the realm under test (Node's vm context, or the sandbox as a handler's code):
// an object {name: [keys...]} with every key as a string, symbols as "[Symbol.x]".
const LISTER = String.raw`(function () {
  var getProto = Object.getPrototypeOf;
  var out = {};
  function keys(o) {
    return Reflect.ownKeys(o).map(function (k) {
      return typeof k === "symbol" ? "[" + k.description + "]" : k;
    }).sort();
  }
  function add(name, o) { if (o !== undefined && o !== null) out[name] = keys(o); }
  add("globalThis", globalThis);
  out.globalThis = out.globalThis.filter(function (k) { return k !== "console" && k !== "handler"; });
  var ctors = ["Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "BigInt",
    "Date", "RegExp", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry",
    "Promise", "Proxy", "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError",
    "TypeError", "URIError", "AggregateError", "ArrayBuffer", "SharedArrayBuffer", "DataView",
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
  ctors.forEach(function (name) {
    var c = globalThis[name];
    add(name, c);
    if (c && c.prototype) add(name + ".prototype", c.prototype);
  });
  ["Math", "JSON", "Reflect", "Atomics"].forEach(function (name) { add(name, globalThis[name]); });
  var TypedArray = getProto(Int8Array);
  add("%TypedArray%", TypedArray);
  add("%TypedArray%.prototype", TypedArray.prototype);
  var IteratorPrototype = getProto(getProto([][Symbol.iterator]()));
  add("%IteratorPrototype%", IteratorPrototype);
  add("%ArrayIteratorPrototype%", getProto([][Symbol.iterator]()));
  add("%StringIteratorPrototype%", getProto(""[Symbol.iterator]()));
  add("%MapIteratorPrototype%", getProto(new Map().entries()));
  add("%SetIteratorPrototype%", getProto(new Set().values()));
  add("%RegExpStringIteratorPrototype%", getProto(/a/[Symbol.matchAll]("a")));
  var GeneratorFunction = getProto(function* () {}).constructor;
  add("%GeneratorFunction%", GeneratorFunction);
  add("%GeneratorFunction.prototype%", GeneratorFunction.prototype);
  add("%GeneratorPrototype%", GeneratorFunction.prototype.prototype);
  var AsyncFunction = getProto(async function () {}).constructor;
  add("%AsyncFunction%", AsyncFunction);
  add("%AsyncFunction.prototype%", AsyncFunction.prototype);
  var AsyncGeneratorFunction = getProto(async function* () {}).constructor;
  add("%AsyncGeneratorFunction%", AsyncGeneratorFunction);
  add("%AsyncGeneratorFunction.prototype%", AsyncGeneratorFunction.prototype);
  add("%AsyncGeneratorPrototype%", AsyncGeneratorFunction.prototype.prototype);
  add("%AsyncIteratorPrototype%", getProto(AsyncGeneratorFunction.prototype.prototype));
  if (typeof Intl === "object") {
    add("Intl", Intl);
    Object.getOwnPropertyNames(Intl).forEach(function (name) {
      var c = Intl[name];
      if (typeof c === "function" && c.prototype) {
        add("Intl." + name, c);
        add("Intl." + name + ".prototype", c.prototype);
      }
    });
  }
  return JSON.stringify(out);
})()`;

function main() {
  const args = process.argv.slice(2);
  const surface = JSON.parse(vm.runInNewContext(LISTER));
  const text = JSON.stringify({ lister: LISTER, surface }, null, 1) + "\n";
  writeTable(args, "builtin_surface.json", text);
}

main();
