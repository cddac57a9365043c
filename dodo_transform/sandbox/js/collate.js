// String#localeCompare and Intl.Collator's compare as V8 does them for en / en-US: ICU's root
// collation (the Unicode Collation Algorithm over CLDR's root table), for any text. The table
// is collation_table.js (ICU 78's data, tools/gen_collation_table.py), compiled and decoded
// block by block only when text needs it. The comparison is ICU's ucol_strcoll
// (collationcompare.cpp: primary, secondary, case level, tertiary; no identical level).
// Compiled on first use; uses only the prelude's captures.
(function (P, loadTable) {
  "use strict";
  const charCodeAt = (s, i) => P.ReflectApply(P.StringPrototypeCharCodeAt, s, [i]);
  const SENSITIVITY = { __proto__: null, base: 1, accent: 2, case: 3, variant: 4 };
  const NO_CE_LOW = 0x01000100;  // ICU's NO_CE, which ends every text: p=1, the lowest weights

  let T = null;  // the table, once a comparison needs it
  const blocks = [];  // decoded blocks of 256 code points: a CE (rank * 512 + LOW index) or a list
  let contractions = null, prefixes = null, loe = null;

  function table() {
    if (T !== null) return T;
    T = loadTable();
    contractions = { __proto__: null };
    for (const k in T.CONTRACTIONS) contractions[k] = T.CONTRACTIONS[k];
    loe = { __proto__: null };
    for (const k in T.LOE) {
      const set = { __proto__: null }, list = T.LOE[k];
      for (let i = 0; i < list.length; i++) set[list[i]] = true;
      loe[k] = set;
    }
    prefixes = { __proto__: null };
    for (let i = 0; i < T.PREFIXES.length; i += 3) {
      const rules = prefixes[T.PREFIXES[i + 1]] || (prefixes[T.PREFIXES[i + 1]] = { __proto__: null });
      rules[T.PREFIXES[i]] = decodeList(T.PREFIXES[i + 2]);
    }
    return T;
  }

  // Varints: base-32 digits from "]" then a last base-40 digit from "(" (the generator's).
  let text = "", at = 0;
  function num() {
    let acc = 0;
    for (;;) {
      const c = charCodeAt(text, at++);
      if (c >= 0x5d) acc = acc * 32 + (c - 0x5d);
      else return acc * 40 + (c - 0x28);
    }
  }
  const unzig = (v) => (v & 1 ? -(v + 1) / 2 : v / 2);
  function decodeList(record) {
    text = record; at = 0;
    const m = (num() - 1) / 2, list = [];
    let prev = 0;
    for (let k = 0; k < m; k++) { prev += unzig(num()); list[k] = prev * 512 + num(); }
    return list;
  }
  function decodeBlock(b) {
    const out = [];
    const s = b < T.BLOCKS.length ? T.BLOCKS[b] : 0;
    blocks[b] = out;
    if (!s) return out;
    text = s; at = 0;
    let cp = 0, prev = 0;
    while (at < s.length) {
      cp += num();
      const head = num();
      if (head & 1) {
        const list = [];
        for (let k = 0, m = (head - 1) / 2; k < m; k++) { prev += unzig(num()); list[k] = prev * 512 + num(); }
        out[cp++] = list;
      } else {
        prev += unzig(num());
        const low = num();
        for (let k = 0; k < head / 2; k++) out[cp++] = (prev + k) * 512 + low;
        prev += head / 2 - 1;
      }
    }
    return out;
  }
  // A code point's collation elements: a number (one CE), a list, or undefined (unassigned:
  // ICU's implicit weight, increasing with the code point).
  function entry(cp) {
    const b = cp >> 8;
    const block = blocks[b] !== undefined ? blocks[b] : decodeBlock(b);
    return block[cp & 255];
  }

  function ccc(cp) {
    const list = T.CCC;
    let lo = 0, hi = list.length / 3 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, start = list[mid * 3];
      if (cp < start) hi = mid - 1;
      else if (cp >= start + list[mid * 3 + 1]) lo = mid + 1;
      else return list[mid * 3 + 2];
    }
    return 0;
  }
  function digitValue(cp) {
    const list = T.DIGITS;
    for (let i = 0; i < list.length; i += 2) {
      if (cp >= list[i] && cp < list[i] + list[i + 1]) return cp - list[i];
      if (cp < list[i]) return -1;
    }
    return -1;
  }

  function codePoints(s) {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      const c = charCodeAt(s, i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = charCodeAt(s, i + 1);
        if (d >= 0xdc00 && d < 0xe000) { out[out.length] = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000; i++; continue; }
      }
      out[out.length] = c;
    }
    return out;
  }

  // The collation elements of an NFD text into ps (primary ranks) and lows (lower 32 bits).
  function elements(cps, numeric, ps, lows) {
    const LOW = T.LOW;
    function push(e) {
      if (e === undefined) return;
      if (typeof e === "number") { ps[ps.length] = (e - (e & 511)) / 512; lows[lows.length] = LOW[e & 511]; return; }
      for (let k = 0; k < e.length; k++) { ps[ps.length] = (e[k] - (e[k] & 511)) / 512; lows[lows.length] = LOW[e[k] & 511]; }
    }
    function pushCp(cp) {
      const e = entry(cp);
      if (e === undefined) { ps[ps.length] = T.UNASSIGNED + cp; lows[lows.length] = LOW[0]; } else push(e);
    }
    const n = cps.length;
    for (let i = 0; i < n; i++) {
      const c = cps[i];
      if (numeric && digitValue(c) >= 0) {
        let end = i;
        const digits = [];
        while (end < n && digitValue(cps[end]) >= 0) digits[digits.length] = digitValue(cps[end++]);
        // ICU's numeric collation: leading zeros dropped, at most 254 digits per number; one CE
        // at the numbers' primary, then (ours) the count and the digits, ordered as ICU's bytes.
        let pos = 0;
        do {
          while (pos < digits.length - 1 && digits[pos] === 0) pos++;
          const len = digits.length - pos > 254 ? 254 : digits.length - pos;
          ps[ps.length] = T.NUMERIC; lows[lows.length] = LOW[0];
          ps[ps.length] = T.TOP + 1 + len; lows[lows.length] = 0;
          for (let k = 0; k < len; k++) { ps[ps.length] = T.TOP + 1 + digits[pos + k]; lows[lows.length] = 0; }
          pos += len;
        } while (pos < digits.length);
        i = end - 1;
        continue;
      }
      const rules = prefixes[c];
      if (rules !== undefined && i > 0 && rules[cps[i - 1]] !== undefined) { push(rules[cps[i - 1]]); continue; }
      const prevowel = loe[c];
      if (prevowel !== undefined && i + 1 < n && prevowel[cps[i + 1]]) {
        pushCp(cps[i + 1]);
        pushCp(c);
        i++;
        continue;
      }
      const list = contractions[c];
      if (list !== undefined) { i = contract(cps, i, list, push, pushCp); continue; }
      pushCp(c);
    }
  }

  // A contraction starting at cps[i], as ICU matches it (collationiterator.cpp,
  // nextCE32FromContraction): the longest contiguous match, then, if a combining mark
  // follows, a discontiguous match that may skip unblocked marks. Returns the last index used.
  function contract(cps, i, list, push, pushCp) {
    const n = cps.length;
    const matches = { __proto__: null }, partial = { __proto__: null };
    let trailingCcc = false;
    for (let k = 0; k < list.length; k += 2) {
      const suffix = list[k];
      let key = "";
      for (let j = 0; j < suffix.length; j++) {
        key += "," + suffix[j];
        if (j < suffix.length - 1) partial[key] = true;
      }
      matches[key] = list[k + 1];
      if (ccc(suffix[suffix.length - 1]) !== 0) trailingCcc = true;
    }
    let best = null, bestKey = "", bestEnd = i + 1, key = "", j = i + 1;
    while (j < n) {
      const next = key + "," + cps[j];
      if (matches[next] !== undefined) {
        best = matches[next]; bestKey = next; key = next; bestEnd = ++j;
        if (!partial[next]) break;
      } else if (partial[next]) {
        key = next; j++;
      } else break;
    }
    const skipped = [];
    let end = bestEnd;
    if (trailingCcc && bestEnd + 1 < n && ccc(cps[bestEnd]) !== 0 && ccc(cps[bestEnd + 1]) !== 0) {
      let prevCc = ccc(cps[bestEnd]);
      const pending = [cps[bestEnd]];
      for (let k = bestEnd + 1; k < n; k++) {
        const cc = ccc(cps[k]);
        if (cc === 0) break;
        const next = bestKey + "," + cps[k];
        if (prevCc < cc && matches[next] !== undefined) {
          best = matches[next]; bestKey = next; end = k + 1;
          for (let q = 0; q < pending.length; q++) skipped[skipped.length] = pending[q];
          pending.length = 0;
          if (!partial[next]) break;
        } else {
          pending[pending.length] = cps[k];
          prevCc = cc;
        }
      }
    }
    if (best === null) pushCp(cps[i]);
    else push(decodeCached(best));
    for (let k = 0; k < skipped.length; k++) pushCp(skipped[k]);
    return end - 1;
  }
  const decoded = { __proto__: null };
  function decodeCached(record) {
    return decoded[record] !== undefined ? decoded[record] : (decoded[record] = decodeList(record));
  }

  function fail(caller, Ctor, message) {
    const error = new Ctor(message);
    P.ErrorCaptureStackTrace(error, caller);
    throw error;
  }

  function settingsOf(locales, options, caller) {
    if (locales !== undefined) {
      const list = typeof locales === "string" ? [locales] : locales;
      if (list === null || typeof list !== "object" || list.length === undefined) fail(caller, P.TypeError, "localeCompare: locales must be a string or an array of strings");
      // Tags are case-insensitive ("en-us", "EN-GB"); every English locale uses the root order.
      if (list.length > 0 && !(typeof list[0] === "string" && /^en(?:-[a-z0-9]{1,8})*$/i.test(list[0]))) {
        fail(caller, P.RangeError, `localeCompare: unsupported locale ${JSON.stringify(String(list[0]))}: the dodo-transform sandbox collates en-US only`);
      }
    }
    const settings = { level: 4, numeric: false, caseFirst: "false", shifted: false };
    if (options === undefined) return settings;
    if (options === null || typeof options !== "object") fail(caller, P.TypeError, "localeCompare: options must be an object");
    for (const key in options) {
      if (key !== "sensitivity" && key !== "usage" && key !== "numeric" && key !== "caseFirst" && key !== "ignorePunctuation") {
        fail(caller, P.RangeError, `localeCompare: unsupported option ${key}: the dodo-transform sandbox supports sensitivity, numeric, caseFirst and ignorePunctuation only`);
      }
    }
    if (options.usage !== undefined && options.usage !== "sort") fail(caller, P.RangeError, `localeCompare: unsupported usage ${JSON.stringify(String(options.usage))}`);
    settings.numeric = !!options.numeric;
    if (options.caseFirst !== undefined) {
      const c = String(options.caseFirst);
      if (c !== "upper" && c !== "lower" && c !== "false") fail(caller, P.RangeError, `Value ${c} out of range for Intl.Collator options property caseFirst`);
      settings.caseFirst = c;
    }
    settings.shifted = !!options.ignorePunctuation;
    const s = options.sensitivity === undefined ? "variant" : String(options.sensitivity);
    if (!(s in SENSITIVITY)) fail(caller, P.RangeError, `localeCompare: invalid sensitivity ${JSON.stringify(s)} (base, accent, case or variant)`);
    settings.level = SENSITIVITY[s];
    return settings;
  }

  // ICU's CollationCompare::compareUpToQuaternary over the two texts' elements.
  function compare(a, b, settings) {
    if (a === b) return 0;
    table();
    const pa = [], la = [], pb = [], lb = [];
    elements(codePoints(P.ReflectApply(P.StringPrototypeNormalize, a, ["NFD"])), settings.numeric, pa, la);
    elements(codePoints(P.ReflectApply(P.StringPrototypeNormalize, b, ["NFD"])), settings.numeric, pb, lb);
    pa[pa.length] = 1; la[la.length] = NO_CE_LOW;
    pb[pb.length] = 1; lb[lb.length] = NO_CE_LOW;
    if (settings.shifted) { shift(pa, la); shift(pb, lb); }
    const level = settings.level;
    // Primary: variable elements (shifted) sit at the quaternary level, which V8 never asks for.
    for (let i = 0, j = 0; ;) {
      while (pa[i] <= 0) i++;
      while (pb[j] <= 0) j++;
      if (pa[i] !== pb[j]) return pa[i] < pb[j] ? -1 : 1;
      if (pa[i] === 1) break;
      i++; j++;
    }
    if (level === 2 || level === 4) {
      for (let i = 0, j = 0; ;) {
        let x, y;
        do x = la[i++] >>> 16; while (x === 0);
        do y = lb[j++] >>> 16; while (y === 0);
        if (x !== y) return x < y ? -1 : 1;
        if (x === 0x0100) break;
      }
    }
    const upperFirst = settings.caseFirst === "upper";
    if (level === 3) {
      // The case level of strength primary: one case weight per primary element.
      for (let i = 0, j = 0; ;) {
        while (pa[i] === 0 || la[i] === 0) i++;
        while (pb[j] === 0 || lb[j] === 0) j++;
        const x = la[i] & 0xc000, y = lb[j] & 0xc000, end = la[i] >>> 16 === 0x0100;
        i++; j++;
        if (x !== y) return (x < y) !== upperFirst ? -1 : 1;
        if (end) break;
      }
      return 0;
    }
    if (level !== 4) return 0;
    const withCase = settings.caseFirst !== "false";
    const mask = withCase ? 0xff3f : 0x3f3f;
    for (let i = 0, j = 0; ;) {
      let x, y, xl, yl;
      do { xl = la[i++]; x = xl & mask; } while (x === 0);
      do { yl = lb[j++]; y = yl & mask; } while (y === 0);
      if (x !== y) {
        if (upperFirst) {
          if (x > 0x0100) x = xl > 0xffff ? x ^ 0xc000 : x + 0x4000;
          if (y > 0x0100) y = yl > 0xffff ? y ^ 0xc000 : y + 0x4000;
        }
        return x < y ? -1 : 1;
      }
      if (x === 0x0100) break;
    }
    return 0;
  }
  // alternate=shifted: a variable element (spaces, punctuation) keeps only its primary, and
  // the primary-ignorable elements after it are ignored altogether.
  function shift(ps, lows) {
    for (let i = 0; i < ps.length; i++) {
      if (ps[i] > T.MERGE && ps[i] <= T.VARIABLE_TOP) {
        ps[i] = -1;  // skipped at the primary level
        lows[i] = 0;
        while (i + 1 < ps.length && ps[i + 1] === 0) { i++; lows[i] = 0; }
      }
    }
  }

  // Called as impl.call(string, stub, args) by the prelude's String#localeCompare stub, and by
  // Intl.Collator's compare (intl_more.js) with its resolved settings as args[2].
  return function localeCompare(stub, args) {
    if (this === null || this === undefined) fail(stub, P.TypeError, "String.prototype.localeCompare called on null or undefined");
    const settings = settingsOf(args[1], args[2], stub);
    return compare(`${this}`, `${args[0]}`, settings);
  };
})
