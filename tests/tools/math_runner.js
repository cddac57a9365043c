// Math reference cases, the same text in Node 20 (gen_math_cases.js) and in the sandbox
// (tests/test_math.py): inputs come from a seeded generator (edge cases: ±0, NaN, ±Infinity,
// subnormals, huge, near 1, multiples of pi/2; and random doubles), results travel as base64 of
// their IEEE bits, so that equal means bit for bit equal. Top-level names are `var`s because
// Node loads this file with an indirect eval.
var MATH_FUNCTIONS = [
  "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "cos", "cosh", "exp",
  "expm1", "hypot", "hypot3", "log", "log10", "log1p", "log2", "pow", "sin", "sinh", "tan", "tanh",
];
var MATH_EDGES = [
  0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 10, -10, 5e-324, -5e-324,
  2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, -1.7976931348623157e308,
  1e-300, 1e300, 3.141592653589793, 1.5707963267948966, 0.7853981633974483, 2.356194490192345,
  4.71238898038469, 1e22, 9007199254740992, 3.725290298461914e-9, 5.551115123125783e-17, 710,
  -745, 709.782712893384, -709.782712893384, 0.7, 1.0000000000000002, 0.9999999999999999, 22,
  1e-10, 0.1, 0.3, 0.975, 1e6, 2147483648, 4294967296.5, 1e-5, 100,
];
function mathCases(fn) {
  let seed = 0x9e3779b9;
  for (let i = 0; i < fn.length; i++) seed = Math.imul(seed ^ fn.charCodeAt(i), 0x01000193) | 1;
  const words = new Uint32Array(2), bits = new Float64Array(words.buffer);
  function next() { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }
  function unit() { return next() / 4294967296; }
  function sample() {
    switch (next() % 10) {
      case 0: return MATH_EDGES[next() % MATH_EDGES.length];
      case 1: return (unit() - 0.5) * 2;
      case 2: return (unit() - 0.5) * 20;
      case 3: return (unit() - 0.5) * 2000;
      case 4: return 1 + (unit() - 0.5) * 1e-6;
      case 5: return (next() % 101) - 50;
      case 6: return ((next() % 2001) - 1000) * 1.5707963267948966 * (1 + (unit() - 0.5) * 1e-12);
      case 7: return (unit() - 0.5) * 1e15;
      default: {
        words[0] = next(); words[1] = next();
        return bits[0] === bits[0] ? bits[0] : unit();
      }
    }
  }
  const cases = [];
  const arity = fn === "pow" || fn === "atan2" || fn === "hypot" ? 2 : fn === "hypot3" ? 3 : 1;
  if (arity === 2) for (const a of MATH_EDGES) for (const b of MATH_EDGES) if (next() % 3 === 0) cases.push([a, b]);
  for (const a of MATH_EDGES) cases.push(arity === 1 ? [a] : arity === 2 ? [a, sample()] : [a, sample(), sample()]);
  const n = fn === "pow" ? 3000 : 1200;
  for (let i = 0; i < n; i++) {
    if (fn === "pow" && i % 3 === 0) {  // integer and decimal powers: 10 ** -5, 2 ** 0.5, (-3) ** 7
      cases.push([(next() % 41) - 20 + (next() % 4 === 0 ? 0.5 : 0), (next() % 61) - 30 + (next() % 5 === 0 ? 0.25 : 0)]);
    } else if (fn === "pow" && i % 3 === 1) {  // money-like bases and near-1 bases with big exponents
      cases.push(next() % 2 ? [1 + (unit() - 0.5) * 1e-3, (unit() - 0.5) * 1e5] : [unit() * 100, (unit() - 0.5) * 20]);
    } else {
      const c = [];
      for (let k = 0; k < arity; k++) c.push(sample());
      cases.push(c);
    }
  }
  return cases;
}
var BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function mathBase64(values) {
  const doubles = new Float64Array(values), words = new Uint32Array(doubles.buffer);
  // A NaN's payload is not observable in JS (except here): one NaN for all.
  for (let i = 0; i < doubles.length; i++) if (doubles[i] !== doubles[i]) { words[2 * i] = 0; words[2 * i + 1] = 0x7ff80000; }
  const bytes = new Uint8Array(doubles.buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + (i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : "=") + (i + 2 < bytes.length ? BASE64[n & 63] : "=");
  }
  return out;
}
// {fn: {inputs, outputs}}: inputs flattened (arity per case is fixed), both as base64.
function mathRun(names) {
  const out = {};
  for (const fn of names) {
    const cases = mathCases(fn);
    const f = fn === "hypot3" ? Math.hypot : Math[fn];
    const results = cases.map((c) => f.apply(Math, c));
    out[fn] = { inputs: mathBase64([].concat(...cases)), outputs: mathBase64(results) };
  }
  return out;
}
