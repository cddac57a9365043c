#!/usr/bin/env node
/*
 * Regenerates tests/data/console_cases.json: what Node 20's console prints (util.format /
 * util.inspect with their defaults) for each snippet below, run in a fresh `vm` context as a
 * handler's body. tests/test_console_text.py runs every snippet in the sandbox (without node)
 * and compares the captured lines; with node on the PATH it also checks this file is current.
 *
 *   node tests/tools/gen_console_cases.js               # rewrite tests/data/console_cases.json
 *   node tests/tools/gen_console_cases.js --out FILE    # write elsewhere ("-" = stdout)
 *
 * Entries: {"code", "lines": [[level, text], ...]} and, when the snippet throws,
 * "throws": "TypeError: ..." (what the handler's error message must be).
 */
"use strict";
const { writeTable } = require("./case_file.js");

const util = require("util");
const vm = require("vm");

if (!process.versions.node.startsWith("20.")) {
  console.error(`gen_console_cases: the sandbox targets Node 20, this is Node ${process.versions.node}`);
  process.exit(1);
}

// Errors carry their stack as set here: real stacks name other frames in the two engines.
const STACK = '"Error: bad\\n    at handler (handler.js:2:13)\\n    at run (handler.js:9:1)"';

const CASES = [
  // The examples.
  `console.log("%j", 1n)`,
  `console.log(new Map([["a", 1]]))`,
  `class Order { constructor() { this.id = 1 } } console.log(new Order())`,
  `console.log(new Number(5))`,
  `console.log(Object.create(null))`,
  `console.log(-0, [-0], {z: -0})`,
  `console.log([1, , , , 5])`,
  `console.log({"$id": 1, "a-b": 2, _ok: 3, "9x": 4, "": 5, "ü": 6})`,
  `console.log([function () {}, () => 1, function named() {}, class X {}, class Y extends Map {}])`,
  `console.log({ get a() { return 1 }, get b() { return 1 }, set b(v) {}, set c(v) {} })`,
  `console.log({ [Symbol("k")]: 1, [Symbol()]: 2, [Symbol.iterator]: 3, s: Symbol("v") })`,
  `console.log("%d %d %d %i %f", null, 5n, "42", 3.9, "1.5x")`,
  `console.log("%o", {a: [1, 2], f: 1})`,
  `console.log("%s", {a: {b: {c: 1}}, arr: [1, [2]]})`,
  `console.log(Array.from({length: 30}, (_, i) => i * 3))`,
  `console.log({s: "it's", t: "say \\"hi\\" it's", u: "all 'three' \\"kinds\\" \`x\`", n: "a\\nb\\tc\\\\"})`,
  // util.format specifiers.
  `console.log("%s|%s|%s|%s|%s", "a", 1, -0, 2n, Symbol("x"))`,
  `console.log("%s|%s|%s", null, undefined, true)`,
  `console.log("%s", [1, [2, [3]]], "extra", {x: 1})`,
  `console.log("%s", new Date(0))`,
  `console.log("%s", {toString() { return "custom" }})`,
  `class P { toString() { return "P!" } } console.log("%s", new P())`,
  `class Q {} console.log("%s", new Q())`,
  `console.log("%s", function f() {})`,
  `console.log("%s", new Map([[1, {a: 1}]]))`,
  `console.log("%d|%d|%d|%d|%d", {}, [], "", "x", Symbol("s"))`,
  `console.log("%d|%d|%d", -0, 1e21, true)`,
  `console.log("%i|%i|%i|%i", "42.9px", -1.5, 10n, null)`,
  `console.log("%f|%f|%f", "3.14abc", null, Symbol("s"))`,
  `console.log("%j", {a: [1, "x"], b: undefined})`,
  `const o = {}; o.self = o; console.log("%j", o)`,
  `console.log("%j|%j", undefined, "s")`,
  `console.log("%j", {toJSON() { return {t: 1} }})`,
  `console.log("%O", {a: {b: {c: {d: {}}}}})`,
  `console.log("%o", [1, 2])`,
  `console.log("%o", "str", 5)`,
  `console.log("%c styled", "color: red")`,
  `console.log("100%", 5)`,
  `console.log("%% %s %%", "x")`,
  `console.log("%s %s", "only one")`,
  `console.log("%x %s", "a")`,
  `console.log("a%", "b")`,
  `console.log("%", 1)`,
  `console.log("%s")`,
  `console.log(5, "%s", "x")`,
  `console.log("a", 1, "b", {c: 2})`,
  `console.log("text", "more text")`,
  `console.log()`,
  // Primitives at the top level and nested.
  `console.log(1, 1.5, NaN, Infinity, -Infinity, 1e21, 2n ** 70n)`,
  `console.log(true, null, undefined, Symbol("a b"), Symbol.iterator)`,
  `console.log(["str", 1, true, null, undefined, 1n])`,
  `console.log({u: undefined, n: null})`,
  `console.log("top level 'quotes' stay raw")`,
  `console.log(["\\u0000\\u001b\\u007f\\u0085"])`,
  `console.log(["x".repeat(100)])`,
  `console.log({long: "line one\\nline two\\nline three is a bit longer than the rest of them ok"})`,
  `console.log(["a\\nb"])`,
  `console.log(["y".repeat(10005)].map(s => s.length), ["y".repeat(10005)][0].length)`,
  `console.log({k: "z".repeat(10001)}.k.length)`,
  // Objects: line breaking and compact=3.
  `console.log({a: 1, b: "two", c: [3], d: {e: 4}})`,
  `console.log({a: {b: {c: {d: 1}}}})`,
  `console.log({a: {b: {c: {}}}})`,
  `console.log({a: {b: {c: []}}})`,
  `console.log([[[[1]]]])`,
  `console.log({a: [[[1]]]})`,
  `console.log({alpha: "aaaaaaaaaaaaaaaa", beta: "bbbbbbbbbbbbbbbb", gamma: "cccccccccccccccc", d: 1})`,
  `console.log({alpha: "aaaaaaaaaaaaaaaa", beta: "bbbbbbbbbbbbbbbb", gamma: "ccccccccccccc"})`,
  `console.log({one: {two: {three: 1}}, four: 4})`,
  `console.log({one: 1, two: {three: {four: 4}}})`,
  `console.log({x: {y: {z: 1}, w: 2}, v: [1, 2, {u: 3}]})`,
  `console.log({business_id: "bus_123", type: "payment.succeeded", timestamp: "2025-08-04T05:30:45.182629Z", data: {payment_id: "pay_1", total_amount: 2999, currency: "USD", customer: {email: "jane@example.com", name: "Jane"}}})`,
  `console.log({data: {customer: {address: {city: "X"}}}})`,
  `console.log([{a: 1, b: 2}, {a: 3, b: 4}])`,
  `console.log([{id: "item_1", quantity: 2, price: 1000}, {id: "item_2", quantity: 1, price: 500}, {id: "item_3", quantity: 5, price: 250}])`,
  `console.log({nested: [{deep: [{deeper: [1]}]}]})`,
  `console.log(Object.assign(Object.create(null), {a: 1}))`,
  `console.log(Object.create({inherited: 1}))`,
  `const proto = {}; console.log(Object.create(proto))`,
  `function F() { this.a = 1 } console.log(new F())`,
  `function G() {} G.prototype = {}; console.log(new G())`,
  `class A { constructor() { this.x = 1 } } class B extends A {} console.log(new B(), [new B()], {b: new B()})`,
  `class T { get [Symbol.toStringTag]() { return "Tagged" } } console.log(new T())`,
  `console.log({[Symbol.toStringTag]: "Own", a: 1})`,
  `console.log(Object.defineProperty({}, Symbol.toStringTag, {value: "Hidden"}))`,
  `console.log(Object.defineProperty({a: 1}, "hidden", {value: 2}))`,
  `console.log({__proto__: null, x: 1}, {["__proto__"]: 1})`,
  `console.log({1: "a", 0: "b", x: "c"})`,
  `console.log({"key with space": 1, "quote'key": 2, 'dq"key': 3, "new\\nline": 4})`,
  `const k = {}; for (let i = 0; i < 30; i++) k["key" + i] = i; console.log(k)`,
  `const m = {}; for (let i = 0; i < 5; i++) m["prop" + i] = "value number " + i; console.log(m)`,
  // Arrays: grouping, sparse, long.
  `console.log([1, 2, 3, 4, 5, 6])`,
  `console.log([1, 2, 3, 4, 5, 6, 7])`,
  `console.log(Array.from({length: 7}, (_, i) => "s" + i))`,
  `console.log(Array.from({length: 26}, (_, i) => String.fromCharCode(97 + i)))`,
  `console.log(Array.from({length: 101}, (_, i) => i))`,
  `console.log(Array.from({length: 150}, (_, i) => i * 1.5))`,
  `console.log(Array.from({length: 20}, (_, i) => i % 2 ? "x" : 123456))`,
  `console.log(Array.from({length: 10}, (_, i) => ({id: i})))`,
  `console.log(Array.from({length: 12}, (_, i) => [i, i + 1]))`,
  `console.log(Array.from({length: 8}, (_, i) => "word".repeat(i)))`,
  `console.log(Array.from({length: 40}, (_, i) => BigInt(i) ** 5n))`,
  `console.log(Array.from({length: 9}, (_, i) => i === 4 ? "a much longer entry than the others" : i))`,
  `console.log({list: Array.from({length: 30}, (_, i) => i)})`,
  `console.log({a: {list: Array.from({length: 30}, (_, i) => i * 100)}})`,
  `console.log(new Array(5))`,
  `console.log([, 1])`,
  `console.log([1, , 2, , , 3, , ])`,
  `const s = []; s[200] = 1; console.log(s)`,
  `const s2 = [1, 2]; s2.length = 120; console.log(s2)`,
  `const arr = [1, 2]; arr.extra = "x"; arr[-1] = 0; console.log(arr)`,
  `console.log([[]], [{}], [[], []])`,
  `console.log([undefined, null, , NaN])`,
  `class MyArr extends Array {} console.log(MyArr.from([1, 2]), new MyArr())`,
  `console.log(Object.setPrototypeOf([1, 2], null))`,
  `(function () { console.log(arguments) })(1, "a")`,
  `(function () { console.log(arguments) })()`,
  // Circular references.
  `const c = {name: "c"}; c.self = c; console.log(c)`,
  `const c1 = {}; const c2 = {c1}; c1.c2 = c2; console.log([c1, c2])`,
  `const arr2 = [1]; arr2.push(arr2); console.log(arr2)`,
  `const a1 = {}; const a2 = {a1}; a1.a2 = a2; const b1 = {}; b1.b = b1; console.log({a1, b1})`,
  `const mm = new Map(); mm.set("me", mm); console.log(mm)`,
  `const shared = {s: 1}; console.log({x: shared, y: shared})`,
  // Map, Set, weak collections.
  `console.log(new Map(), new Set(), new Map([[{a: 1}, [1, 2]], [NaN, null]]))`,
  `console.log(new Set(["a", 1, {b: 2}]), new Set([[1, 2]]))`,
  `console.log(new Map(Array.from({length: 10}, (_, i) => ["key" + i, i])))`,
  `console.log(new Map(Array.from({length: 103}, (_, i) => [i, i])))`,
  `console.log(new Set(Array.from({length: 120}, (_, i) => i)))`,
  `console.log({m: new Map([["a", {b: {c: 1}}]])})`,
  `console.log({s: {t: new Set([1])}}, {s: {t: {u: new Set([1])}}})`,
  `const mp = new Map([[1, 2]]); mp.extra = true; console.log(mp)`,
  `class MyMap extends Map {} console.log(new MyMap([[1, 2]]))`,
  `console.log(new WeakMap(), new WeakSet(), new WeakRef({}))`,
  `console.log(new Map([["it's", "x\\ny"]]))`,
  // Boxed primitives.
  `console.log(new String("abc"), new Boolean(false), Object(1n), Object(Symbol("q")))`,
  `console.log([new Number(-0)], {n: new Number(3)})`,
  `const bs = new String("ab"); bs.extra = 1; console.log(bs)`,
  `const bn = new Number(7); bn.x = {y: 1}; console.log(bn)`,
  `class MyNum extends Number {} console.log(new MyNum(4))`,
  `console.log(new String("it's"))`,
  // Dates and RegExps.
  `console.log(new Date(0), [new Date(0)], {d: new Date(NaN)})`,
  `console.log(new Date("2025-08-04T05:30:45.182Z"))`,
  `const dd = new Date(0); dd.note = "x"; console.log(dd)`,
  `class MyDate extends Date {} console.log(new MyDate(0))`,
  `console.log(/ab+c/gi, [/x/], {r: /[a-z]\\//})`,
  `const rx = /x/; rx.flag = 1; console.log(rx)`,
  `console.log(new RegExp(""), new RegExp("a/b"))`,
  // Functions and classes.
  `function named() {} console.log(named, [named], {named})`,
  `console.log(function () {}, () => {}, async function af() {}, function* gf() {}, async function* agf() {})`,
  `const anon = [function () {}][0]; console.log(anon, {f: anon})`,
  `const fnp = function fp() {}; fnp.prop = 1; console.log(fnp)`,
  `class Base {} class Derived extends Base {} console.log(Base, Derived, [Derived])`,
  `console.log(class {}, class extends Array {})`,
  `class S { static x = 1 } console.log(S)`,
  `const o2 = {method() {}, arrow: () => 1, async am() {}}; console.log(o2)`,
  `console.log(Math.max, Array.prototype.push, Object, Map)`,
  `const bound = function bf() {}.bind(null); console.log(bound)`,
  `console.log(Object.setPrototypeOf(function nf() {}, null))`,
  // Typed arrays, buffers.
  `console.log(new Uint8Array([1, 2, 3]), new Float64Array(2), new Int16Array([-1]))`,
  `console.log(new BigInt64Array([1n, -2n]), new Uint8Array(0))`,
  `console.log(new Uint8Array(120))`,
  `console.log(new ArrayBuffer(4), new DataView(new ArrayBuffer(2)))`,
  `console.log({u: new Uint8Array([255, 0])}, [new Float32Array([0.5, -0])])`,
  `console.log(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).buffer)`,
  `console.log(new ArrayBuffer(120))`,
  // Errors (their stack is set: the frames differ between engines).
  `const e = new Error("bad"); e.stack = ${STACK}; console.log(e)`,
  `const e = new Error("bad"); e.stack = ${STACK}; console.log({e}, [e])`,
  `const e = new Error("bad"); e.stack = ${STACK}; e.code = "E_BAD"; console.log(e)`,
  `const e = new TypeError("bad"); e.stack = "TypeError: bad"; console.log(e, [e])`,
  `const e = new Error("bad"); e.stack = "Error: bad"; e.status = 402; console.log(e)`,
  `const e = new RangeError("out"); e.stack = ""; console.log(e)`,
  `const e = new Error("msg"); Object.defineProperty(e, "stack", {value: undefined}); console.log(e)`,
  `const e = new Error("with cause", {cause: "reason"}); e.stack = "Error: with cause"; console.log(e)`,
  `const inner = new Error("inner"); inner.stack = "Error: inner"; const e = new Error("outer", {cause: inner}); e.stack = "Error: outer"; console.log(e)`,
  `class ValidationError extends Error {} const e = new ValidationError("v"); e.stack = "Error: v\\n    at x (y.js:1:1)"; console.log(e)`,
  `class HttpError extends Error { constructor(m) { super(m); this.name = "HttpError"; this.status = 500 } } const e = new HttpError("h"); e.stack = "HttpError: h"; console.log(e)`,
  `const e = new Error("n"); e.name = "Custom"; e.stack = "Custom: n"; console.log(e)`,
  `const e = new AggregateError([new Error("a")], "agg"); e.stack = "AggregateError: agg"; e.errors[0].stack = "Error: a"; console.log(e)`,
  `const e = Object.setPrototypeOf(new Error("np"), null); console.log(Object.keys(e))`,
  `const e = new Error("multi\\nline"); e.stack = "Error: multi\\nline\\n    at f (a.js:1:1)"; console.log({e})`,
  `console.log("%s", Object.assign(new Error("x"), {stack: "Error: x"}))`,
  // Symbols, BigInt, misc.
  `console.log(Symbol("desc"), [Symbol()], {[Symbol("k")]: Symbol("v")})`,
  `console.log(123n, [-5n], {b: 0n})`,
  `console.log(JSON, Math, Reflect, globalThis.Intl === undefined)`,
  `console.log([Promise.resolve(1)].length)`,
  `console.log({toString() { return "x" }})`,
  `console.log({[Symbol.for("nodejs.util.inspect.custom")]() { return "CUSTOM" }})`,
  `console.log({inner: {[Symbol.for("nodejs.util.inspect.custom")](d) { return {depth: d} }}})`,
  `function* gen() { yield 1 } console.log(gen())`,
  `console.log(Object.create(Array.prototype))`,
  `console.log(new Proxy({a: 1}, {}))`,
  `const big = {}; let cur = big; for (let i = 0; i < 6; i++) { cur.next = {i}; cur = cur.next } console.log(big)`,
  // More layouts.
  `console.log("%o", function hello(a, b) {})`,
  `class Acct { constructor() { this.n = 1 } get total() { return 2 } } console.log("%o", new Acct())`,
  `console.log("%o", {s: new Set([1]), m: new Map([[1, 2]]), e: []})`,
  `console.log("%o", [[1, [2, [3, [4, [5]]]]]])`,
  `console.log("%O", [[1, [2, [3, [4, [5]]]]]])`,
  `console.log(["\u00e9t\u00e9", "\u4e2d\u6587", "emoji \ud83d\ude00"], {"cl\u00e9": 1})`,
  `console.log(Array.from({length: 8}, (_, i) => ({n: i, label: "item " + i})))`,
  `console.log(Array.from({length: 8}, (_, i) => [i]))`,
  `console.log(Array.from({length: 7}, (_, i) => i % 2 ? null : undefined))`,
  `console.log(Array.from({length: 16}, (_, i) => i % 3 ? true : false))`,
  `console.log(Array.from({length: 7}, (_, i) => "line\\n" + i))`,
  `console.log([new Map([[1, 2]]), new Set([3]), new Map(), 4, 5, 6, 7])`,
  `console.log([[1, 2, [3, 4, [5, [6]]]], {a: {b: {c: {d: 1}}}}])`,
  `console.log([{a: {b: {c: {}}}}])`,
  `console.log({a: new Map([[{b: 1}, {c: {d: 1}}]])})`,
  `console.log({s: "a".repeat(60), t: "b".repeat(60)})`,
  `console.log(["a".repeat(75)], ["b".repeat(77)])`,
  `console.log({text: "first line\\nsecond line\\nthird line of a message that goes on and on and on"})`,
  `console.log("%s", "a".repeat(100) + "\\nb")`,
  `console.log({k: [1, 2, 3]}, "tail", 5)`,
  `const big = {}; for (let i = 0; i < 8; i++) big["k" + i] = {v: i, w: [i]}; console.log(big)`,
  `console.log({emptyArr: [], emptyObj: {}, emptyMap: new Map(), emptySet: new Set(), emptyStr: ""})`,
  `console.log(Object.assign(Object.create(null), {nested: Object.create(null)}))`,
  `console.log({a: {b: {c: Object.create(null)}}}, {a: {b: {c: new Map([[1, 1]])}}})`,
  `console.log({a: {b: {c: new Order2()}}}); function Order2() { this.x = 1 }`,
  `console.log({a: {b: {c: /re/, d: new Date(0), e: function f() {}, g: new Error("x")}}}.a.b.c)`,
  `console.log({date: new Date(1754285445182), amount: 29.99, ok: true})`,
  `console.log([0.1 + 0.2, 1 / 3, 2 ** 53, -1e-7, 123e-20])`,
  `console.log(Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, Number.EPSILON)`,
  // Still more kinds.
  `console.log(["\\u2028", "tab\\there", "\\x7f", "quote\\"only"], "\\u2028")`,
  `console.log({"1a": 1, "-1": 2, "1.5": 3, "01": 4, 10: 5, "constructor": 6})`,
  `console.log(Object.defineProperty({}, "x", {get() { return 1 }, enumerable: true}))`,
  `console.log(Object.defineProperty({}, "y", {set(v) {}, enumerable: true}))`,
  `console.log([new Float64Array([-0, NaN, Infinity]), new Int8Array([-128, 127])])`,
  `console.log(Symbol("with 'quote'"), {[Symbol("a\\nb")]: 1})`,
  `class Pt { constructor() { this.x = 1 } static origin = 0 } console.log(Pt, new Pt(), [Pt])`,
  `console.log({f() {}, g: function () {}, h: () => {}, i: class {}}.g.name)`,
  `const e1 = new Error("a"); e1.stack = "Error: a\\n    at x (y.js:1:1)"; const e2 = new Error("b"); e2.stack = "Error: b\\n    at z (w.js:2:2)"; console.log([e1, e2])`,
  `const e3 = new TypeError("t"); e3.stack = "TypeError: t\\n    at q (r.js:3:3)"; console.log({a: {b: e3}})`,
  `console.log("%s and %s", [1, 2], {a: [1, {b: 2}]})`,
  `console.log("%O|%o", null, undefined)`,
  `console.log("%d%%", 50)`,
  `console.log("%i", 2 ** 70, "%f", "x")`,
  `console.log(Array.from({length: 23}, (_, i) => "item-" + i))`,
  `console.log(Array.from({length: 12}, (_, i) => i % 2 ? -i : i * 1000))`,
  `console.log(Array.from({length: 10}, (_, i) => 1 / (i + 1)))`,
  `console.log({matrix: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]})`,
  `console.log(new Map([["nested", new Map([["deep", new Map([["deeper", 1]])]])]]))`,
  `console.log(new Set([new Set([new Set([new Set([1])])])]))`,
  `console.log([Object.create(null), Object.assign(Object.create(null), {k: "v"})])`,
  `console.log({date: new Date(Date.UTC(2020, 0, 1)), re: /x/y, n: null, u: undefined, b: false})`,
  `const o3 = {}; o3.a = {b: {c: {d: o3}}}; console.log(o3)`,
  `const arr3 = [1, 2, 3]; arr3.self = arr3; console.log(arr3)`,
  `console.log(Object(1n), Object(true), new String(""), [new Boolean(true)])`,
  `console.log({ "a": "x".repeat(20), "b": "y".repeat(20), "c": "z".repeat(20) })`,
  `console.log([["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5], ["f", 6], ["g", 7]])`,
  // Levels.
  `console.info({a: 1}); console.warn([1]); console.error("e %d", 1); console.debug(null)`,
];

function run(code) {
  const lines = [];
  const capture = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    capture[level] = (...args) => lines.push([level, util.format(...args)]);
  }
  const context = vm.createContext({ console: capture });
  const entry = { code, lines };
  try {
    vm.runInContext(`(function handler(webhook) {\n${code}\n})({})`, context);
  } catch (e) {
    entry.throws = `${e.name}: ${e.message}`;
  }
  return entry;
}

function main() {
  const args = process.argv.slice(2);
  const text = JSON.stringify(CASES.map(run), null, 1) + "\n";
  writeTable(args, "console_cases.json", text);
}

main();
