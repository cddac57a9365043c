// Runs one sort case and describes what happened: the same text runs in Node 20
// (gen_sort_cases.js) and in the sandbox (tests/test_sort.py), so the two can only differ in
// how Array.prototype.sort/toSorted behave. A case: {input, cmp, method}; input uses
// {"hole": 1} and {"undef": 1} for what JSON cannot say; cmp is a comparator's source or null.
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
  // Every call, in order, as one FNV-1a hash: the same sequence of calls or not.
  let hash = 0x811c9dc5;
  const text = calls.join(" ");
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return { arr: dump(arr), ret, error, ncalls: calls.length, calls: hash };
}
