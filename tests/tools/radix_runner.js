// Number#toString(radix), parseInt and parseFloat reference cases, the same text in Node 20
// (gen_radix_cases.js) and in the sandbox (tests/test_radix.py): seeded inputs (fractions,
// integers above 2^53, tiny and huge doubles, long digit strings in every radix), results as
// strings (Object.is-exact: -0 is "-0"). Top-level names are `var`s because Node loads this
// file with an indirect eval.
var RADIX_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
function radixRun() {
  let seed = 0x2545f491;
  const words = new Uint32Array(2), bits = new Float64Array(words.buffer);
  function next() { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }
  function unit() { return next() / 4294967296; }
  function number() {
    switch (next() % 8) {
      case 0: return (next() % 100000) / 100;
      case 1: return unit() * 1e6 - 5e5;
      case 2: return 9007199254740992 * (1 + next() % 100000) + (next() % 3) * 2;
      case 3: return unit() * 1e25;
      case 4: return [0.1, 0.2, 0.3, 1 / 3, -0.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 2.5, 1e300, -1e-300, 123.456, 0.000001][next() % 14];
      case 5: return (next() % 1000) / 1024 + next() % 50;
      default: {
        words[0] = next(); words[1] = next();
        const x = bits[0];
        return x === x && x !== Infinity && x !== -Infinity ? x : unit();
      }
    }
  }
  const show = (v) => (Object.is(v, -0) ? "-0" : String(v));
  const toStrings = [];
  for (let i = 0; i < 4000; i++) {
    const x = number(), radix = 2 + (next() % 35);
    toStrings.push([x, radix, x.toString(radix)]);
  }
  const parseInts = [];
  for (let i = 0; i < 3000; i++) {
    const radix = next() % 9 === 0 ? 0 : 2 + (next() % 35);
    let text = ["", " ", "-", "+", "\u00a0", "\n-", "0x", "00"][next() % 8];
    const length = 1 + (next() % 40);
    for (let k = 0; k < length; k++) text += RADIX_DIGITS[next() % (radix === 0 ? 16 : radix)];
    if (next() % 4 === 0) text = text.toUpperCase();
    if (next() % 5 === 0) text += ["z", ".5", " 1", "!", "e5"][next() % 5];
    parseInts.push([text, radix, show(parseInt(text, radix))]);
  }
  const parseFloats = [];
  for (let i = 0; i < 1000; i++) {
    let text = ["", "-", "+", " ", "0.", "."][next() % 6];
    const length = 1 + (next() % 30);
    for (let k = 0; k < length; k++) text += RADIX_DIGITS[next() % 10];
    if (next() % 3 === 0) text += "." + String(next());
    if (next() % 3 === 0) text += "e" + ((next() % 700) - 350);
    parseFloats.push([text, show(parseFloat(text))]);
  }
  return { toStrings, parseInts, parseFloats };
}
