// Sort cases and what happens to them: the same text runs in Node 20 (gen_sort_cases.js) and in
// the sandbox (tests/test_sort.py), so the two can only differ in how Array.prototype.sort and
// toSorted behave. Random arrays and comparators (consistent, inconsistent, throwing,
// mutating), seeded. A case: {input, cmp, method}; input uses {"hole": 1} and {"undef": 1} for
// what JSON cannot say; cmp is a comparator's source or null. Top-level names are `var`s
// because Node loads this file with an indirect eval.
var SORT_COMPARATORS = [
  null,
  "(a, b) => a - b",
  "(a, b) => b - a",
  "(a, b) => a > b",
  "(a, b) => a < b",
  "(a, b) => a > b ? 1 : -1",
  "(a, b) => a >= b ? 1 : -1",
  "(a, b) => a < b ? -1 : 1",
  "() => 1",
  "() => -1",
  "() => 0",
  "(a, b) => (a % 3) - (b % 3)",
  "(a, b) => String(a).length - String(b).length",
  "(a, b) => (calls.length * 7) % 5 - 2",
  "(a, b) => calls.length % 2 ? a - b : b - a",
  "(a, b) => { if (calls.length > 20) throw new Error('stop at ' + calls.length); return a - b; }",
  "(a, b) => { if (calls.length === 5) { arr.push(99); arr[0] = -1; } return a - b; }",
  "(a, b) => { if (calls.length === 3) arr.reverse(); return b - a; }",
  "(a, b) => a === b ? 0 : NaN",
  "(a, b) => (a & 1) - (b & 1)",
  "(a, b) => a.localeCompare ? a.localeCompare(b) : a - b",
  "(a, b) => (a > b) - (a < b)",
];
function sortCases() {
  let seed = 13013;
  function random(n) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  }
  const cases = [];
  function element(kind) {
    switch (kind) {
      case 0: return random(10);
      case 1: return random(1000) - 500;
      case 2: return random(4) === 0 ? { undef: 1 } : random(50);
      case 3: return random(5) === 0 ? { hole: 1 } : random(30);
      case 4: return ["b", "a", "c", "B", "10", "9", "", "ab", "ä"][random(9)];
      case 5: return random(2) ? random(20) : ["x", "y", "1", "10"][random(4)];
      default: return random(100000) / 100;
    }
  }
  for (let n = 0; n < 2000; n++) {
    const big = random(12) === 0;
    const length = big ? 30 + random(400) : random(34);
    const kind = random(7);
    let input = [];
    for (let i = 0; i < length; i++) input.push(element(kind));
    // Partly ordered data makes runs, which is where galloping and the merges start.
    if (random(3) === 0) for (let i = 1; i < length >> 1; i++) if (typeof input[i] === "number" && typeof input[i - 1] === "number") input[i] = input[i - 1] + random(3);
    const c = { input, cmp: SORT_COMPARATORS[random(SORT_COMPARATORS.length)], method: random(5) === 0 ? "toSorted" : "sort" };
    cases.push(c);
  }
  return cases;
}
// Every comparator call, in order, as one FNV-1a hash; long arrays as a hash of their JSON too.
function sortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
function sortBrief(a) {
  return a !== null && typeof a === "object" && a.length > 40 ? "#" + sortHash(JSON.stringify(a)) : a;
}
function sortRun() {
  return sortCases().map(runSortCase);
}
// Typed arrays with a comparator (V8 merge-sorts them), and without one.
function typedSortCases() {
  let seed = 27127;
  function random(n) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  }
  const types = ["Int8Array", "Uint8Array", "Int16Array", "Int32Array", "Float32Array", "Float64Array"];
  const comparators = SORT_COMPARATORS.filter((c) => c === null || !/arr\.|localeCompare|String/.test(c));
  const cases = [];
  for (let n = 0; n < 400; n++) {
    const length = random(8) === 0 ? 30 + random(200) : random(20);
    const input = [];
    for (let i = 0; i < length; i++) input.push(random(3) === 0 ? random(7) : random(200) - 100 + random(4) / 4);
    cases.push({ type: types[random(types.length)], input, cmp: comparators[random(comparators.length)], method: random(4) === 0 ? "toSorted" : "sort" });
  }
  return cases;
}
function runTypedSortCase(c) {
  const arr = new globalThis[c.type](c.input);
  const calls = [];
  const user = c.cmp === null ? undefined : (0, eval)("(function (arr, calls) { return " + c.cmp + "; })")(arr, calls);
  const cmp = user === undefined ? undefined : function (a, b) {
    calls.push(a + "," + b);
    return user(a, b);
  };
  let ret = null, error = null;
  try {
    const r = c.method === "toSorted" ? arr.toSorted(cmp) : arr.sort(cmp);
    ret = r === arr ? "<same>" : [Object.prototype.toString.call(r)].concat(Array.from(r));
  } catch (e) {
    error = String(e);
  }
  return { arr: sortBrief(Array.from(arr)), ret: sortBrief(ret), error, ncalls: calls.length, calls: sortHash(calls.join(" ")) };
}
function typedSortRun() {
  return typedSortCases().map(runTypedSortCase);
}
function runSortCase(c) {
  const arr = [];
  arr.length = c.input.length;
  c.input.forEach((v, i) => {
    if (v !== null && typeof v === "object" && v.hole) return;
    arr[i] = v !== null && typeof v === "object" && v.undef ? undefined : v;
  });
  const calls = [];
  // The comparator sees `arr` (to mutate it) and a call counter; every call is recorded.
  const user = c.cmp === null ? undefined : (0, eval)("(function (arr, calls) { return " + c.cmp + "; })")(arr, calls);
  const cmp = user === undefined ? undefined : function (a, b) {
    calls.push(JSON.stringify([a, b]));
    return user(a, b);
  };
  const dump = (a) => {
    const out = [];
    for (let i = 0; i < a.length; i++) out.push(!(i in a) ? "<hole>" : a[i] === undefined ? "<undef>" : a[i]);
    return out;
  };
  let ret = null, error = null;
  try {
    const r = c.method === "toSorted" ? arr.toSorted(cmp) : arr.sort(cmp);
    ret = r === arr ? "<same>" : dump(r);
  } catch (e) {
    error = String(e);
  }
  return { arr: sortBrief(dump(arr)), ret: sortBrief(ret), error, ncalls: calls.length, calls: sortHash(calls.join(" ")) };
}
