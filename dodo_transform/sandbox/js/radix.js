// Number#toString(radix) and parseInt(text, radix) as V8 computes them, where the result is not
// exactly defined and QuickJS answers otherwise: V8's DoubleToRadixCString for every radix but
// 10 (src/numbers/conversions.cc: fraction digits only up to the double's precision, rounded to
// even; integer digits past 2^53 written as zeros) and its parseInt for radixes that are
// neither 10 nor a power of two (32-bit chunks, so the rounding error accumulates as in V8).
// Radix 10 (both), and the powers of two for parseInt, are exact in both engines and stay
// QuickJS's.
// Installed before the handler's code by the host, for handlers that name parseInt or call
// toString with an argument (prelude.js's v8).
(function (deps) {
  "use strict";
  const { method, reflectApply } = deps, numberValueOf = deps.NumberPrototypeValueOf;
  const numberToString = Number.prototype.toString, parseIntOriginal = parseInt;
  const floor = (x) => x - (x % 1);  // x >= 0 here
  const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
  const view = new Float64Array(1), words = new Uint32Array(view.buffer);
  const LEADING_SPACE = /^[\s\uFEFF\xA0]+/;

  function nextDouble(x) {  // x > 0, finite
    view[0] = x;
    if (words[0] === 0xFFFFFFFF) { words[0] = 0; words[1]++; } else words[0]++;
    return view[0];
  }
  // Double::Exponent() > 0, i.e. x >= 2^53: the value has no units digit of its own.
  function beyondUnits(x) {
    view[0] = x;
    return ((words[1] >>> 20) & 0x7FF) - 0x3FF - 52 > 0;
  }

  function toRadixString(value, radix) {
    let negative = value < 0;
    if (negative) value = -value;
    let integer = floor(value);
    let fraction = value - integer;
    let delta = 0.5 * (nextDouble(value) - value);
    if (!(delta >= 5e-324)) delta = 5e-324;
    let fractionDigits = [];
    if (fraction >= delta) {
      do {
        fraction *= radix;
        delta *= radix;
        const digit = fraction | 0;
        fractionDigits.push(digit);
        fraction -= digit;
        if (fraction > 0.5 || (fraction === 0.5 && (digit & 1))) {
          if (fraction + delta > 1) {
            // Round up, carrying into earlier digits and maybe into the integer part.
            for (;;) {
              if (fractionDigits.length === 0) { integer += 1; break; }
              const last = fractionDigits.pop();
              if (last + 1 < radix) { fractionDigits.push(last + 1); break; }
            }
            break;
          }
        }
      } while (fraction >= delta);
    }
    let integerText = "";
    while (beyondUnits(integer / radix)) {
      integer /= radix;
      integerText = "0" + integerText;
    }
    do {
      const remainder = integer % radix;
      integerText = DIGITS[remainder | 0] + integerText;
      integer = (integer - remainder) / radix;
    } while (integer > 0);
    let out = negative ? "-" + integerText : integerText;
    if (fractionDigits.length > 0) {
      out += ".";
      for (let i = 0; i < fractionDigits.length; i++) out += DIGITS[fractionDigits[i]];
    }
    return out;
  }

  function digitValue(c) {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 97 && c <= 122) return c - 87;
    if (c >= 65 && c <= 90) return c - 55;
    return 99;
  }

  // parseInt's digits for a radix that is not 10 nor a power of two: chunks whose multiplier
  // fits 32 bits, each folded in as result * multiplier + part.
  function parseDigits(text, start, radix) {
    const MAX_MULTIPLIER = (0xFFFFFFFF / 36) >>> 0;
    let i = start, result = 0;
    for (;;) {
      let part = 0, multiplier = 1, done = false;
      for (;;) {
        const d = i < text.length ? digitValue(text.charCodeAt(i)) : 99;
        if (d >= radix) { done = true; break; }
        const m = multiplier * radix;
        if (m > MAX_MULTIPLIER) break;
        part = part * radix + d;
        multiplier = m;
        i++;
      }
      result = result * multiplier + part;
      if (done) return result;
    }
  }

  const impl = {
    toString(radix) {
      const x = reflectApply(numberValueOf, this, []);
      const n = radix === undefined ? 10 : +radix;
      const r = n !== n ? 0 : n === 1 / 0 || n === -1 / 0 ? n : n - (n % 1);
      // Radix 10, zero, NaN, the infinities and a bad radix (RangeError) stay QuickJS's.
      if (r === 10 || !(r >= 2 && r <= 36) || x === 0 || x !== x || x === 1 / 0 || x === -1 / 0) {
        return reflectApply(numberToString, x, [r]);
      }
      return toRadixString(x, r);
    },

    parseInt(string, radix) {
      const text = `${string}`;
      const r = radix | 0;
      if (r === 0 || r === 10 || (r >= 2 && r <= 36 && (r & (r - 1)) === 0) || r < 2 || r > 36) {
        return reflectApply(parseIntOriginal, undefined, [text, r]);
      }
      const space = LEADING_SPACE.exec(text);
      let i = space === null ? 0 : space[0].length;
      let negative = false;
      if (text[i] === "-") { negative = true; i++; } else if (text[i] === "+") i++;
      if (i >= text.length || digitValue(text.charCodeAt(i)) >= r) return NaN;
      // V8 skips leading zeros before it starts its chunks.
      while (text.charCodeAt(i) === 48) i++;
      const result = parseDigits(text, i, r);
      return negative ? -result : result;
    },
  };
  method(Number.prototype, "toString", impl.toString);
  method(globalThis, "parseInt", impl.parseInt);
  method(Number, "parseInt", impl.parseInt);
})
