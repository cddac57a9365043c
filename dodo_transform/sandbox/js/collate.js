// String#localeCompare as V8 does it with ICU's root collation (en-US), for Latin text: ASCII
// and letters with combining accents (é, ü, ñ, ç… in either composed or decomposed form).
// Other characters (ß, æ, ø, Greek, CJK, emoji…) throw a RangeError naming them rather than
// compare differently. The tables were printed by Node 20 (tests/tools/gen_collation_cases.js
// re-derives and checks them). Compiled on first use; uses only the prelude's captures.
(function (P) {
  "use strict";
  // Non-ignorable ASCII in collation order; a letter's upper case shares its lower case's
  // primary weight and sorts after it at the tertiary level. Other ASCII controls are ignorable.
  const ORDER = "\t\n\u000b\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ";
  // Secondary weight (char code - 48) of each combining mark U+0300..U+0362; " " is U+034F,
  // the combining grapheme joiner, which is ignorable.
  const MARKS = "658?DI7@<J:>9EEKLME34EFFFFENFFFFFOPQRSTBCFFFFUVFWX2FYHGGAZFFFEEE65;3=[EFFFEEEFF EEEFFFFE\\FFEFEEF]^F";
  const charCodeAt = (s, i) => P.ReflectApply(P.StringPrototypeCharCodeAt, s, [i]);
  const PRIMARY = [], TERTIARY = [];
  for (let c = 0; c < 128; c++) { PRIMARY[c] = 0; TERTIARY[c] = 1; }
  for (let i = 0, rank = 0; i < ORDER.length; i++) {
    const c = charCodeAt(ORDER, i);
    const upper = c >= 65 && c <= 90;
    if (!upper) rank++;
    PRIMARY[c] = rank;
    TERTIARY[c] = upper ? 2 : 1;
  }
  const SENSITIVITY = { __proto__: null, base: 1, accent: 2, case: 3, variant: 4 };

  const DIGITS = PRIMARY[48];  // the primary weight of "0": where numbers sort
  // The collation elements of `text`, level by level (zero weights dropped, as ICU does).
  // With `numeric`, a run of digits is one element ordered by its value, leading zeros
  // ignored: the digits' weight, the count of significant digits, then the digits.
  function keys(text, caller, numeric) {
    const n = P.ReflectApply(P.StringPrototypeNormalize, text, ["NFD"]);
    // `cases`: the case weights of the letters alone, what sensitivity "case" compares (ICU's
    // case level: accents have no case).
    const primary = [], secondary = [], tertiary = [], cases = [];
    for (let i = 0; i < n.length; i++) {
      const c = charCodeAt(n, i);
      if (numeric && c >= 48 && c <= 57) {
        let end = i;
        while (end < n.length && charCodeAt(n, end) >= 48 && charCodeAt(n, end) <= 57) end++;
        let first = i;
        while (first < end && charCodeAt(n, first) === 48) first++;
        primary[primary.length] = DIGITS;
        primary[primary.length] = end - first;
        for (let k = first; k < end; k++) primary[primary.length] = PRIMARY[charCodeAt(n, k)];
        secondary[secondary.length] = 1;
        tertiary[tertiary.length] = 1;
        cases[cases.length] = 1;
        i = end - 1;
        continue;
      }
      if (c < 128) {
        if (PRIMARY[c] === 0) continue;
        primary[primary.length] = PRIMARY[c];
        secondary[secondary.length] = 1;
        tertiary[tertiary.length] = TERTIARY[c];
        cases[cases.length] = TERTIARY[c];
      } else if (c >= 0x300 && c <= 0x362) {
        if (c === 0x34f) continue;
        secondary[secondary.length] = charCodeAt(MARKS, c - 0x300) - 48;
        tertiary[tertiary.length] = 1;
      } else {
        const error = new P.RangeError(`localeCompare: the dodo-transform sandbox collates ASCII and accented Latin letters only, not ${JSON.stringify(P.ReflectApply(P.StringPrototypeSlice, n, [i, i + 1]))} (U+${c.toString(16).toUpperCase().padStart(4, "0")})`);
        P.ErrorCaptureStackTrace(error, caller);
        throw error;
      }
    }
    return [primary, secondary, tertiary, cases];
  }

  function compare(a, b) {
    const n = a.length < b.length ? a.length : b.length;
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  function fail(caller, Ctor, message) {
    const error = new Ctor(message);
    P.ErrorCaptureStackTrace(error, caller);
    throw error;
  }

  function sensitivityOf(locales, options, caller) {
    if (locales !== undefined) {
      const list = typeof locales === "string" ? [locales] : locales;
      if (list === null || typeof list !== "object" || list.length === undefined) fail(caller, P.TypeError, "localeCompare: locales must be a string or an array of strings");
      // Tags are case-insensitive ("en-us", "EN-GB"); every English locale uses the root order.
      if (list.length > 0 && !(typeof list[0] === "string" && /^en(?:-[a-z0-9]{1,8})*$/i.test(list[0]))) {
        fail(caller, P.RangeError, `localeCompare: unsupported locale ${JSON.stringify(String(list[0]))}: the dodo-transform sandbox collates en-US only`);
      }
    }
    if (options === undefined) return 4;
    if (options === null || typeof options !== "object") fail(caller, P.TypeError, "localeCompare: options must be an object");
    for (const key in options) {
      if (key !== "sensitivity" && key !== "usage" && key !== "numeric") fail(caller, P.RangeError, `localeCompare: unsupported option ${key}: the dodo-transform sandbox supports sensitivity and numeric only`);
    }
    if (options.usage !== undefined && options.usage !== "sort") fail(caller, P.RangeError, `localeCompare: unsupported usage ${JSON.stringify(String(options.usage))}`);
    const s = options.sensitivity === undefined ? "variant" : String(options.sensitivity);
    if (!(s in SENSITIVITY)) fail(caller, P.RangeError, `localeCompare: invalid sensitivity ${JSON.stringify(s)} (base, accent, case or variant)`);
    return SENSITIVITY[s];
  }

  // Called as impl.call(string, stub, args) by the prelude's String#localeCompare stub.
  return function localeCompare(stub, args) {
    if (this === null || this === undefined) fail(stub, P.TypeError, "String.prototype.localeCompare called on null or undefined");
    const level = sensitivityOf(args[1], args[2], stub);
    const numeric = args[2] !== undefined && !!args[2].numeric;
    const a = keys(`${this}`, stub, numeric), b = keys(`${args[0]}`, stub, numeric);
    let order = compare(a[0], b[0]);
    if (order !== 0 || level === 1) return order;
    if (level === 3) return compare(a[3], b[3]);
    order = compare(a[1], b[1]);
    if (order !== 0 || level === 2) return order;
    return compare(a[2], b[2]);
  };
})
