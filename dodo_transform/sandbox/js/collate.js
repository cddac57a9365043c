// String#localeCompare and Intl.Collator's compare as V8 does them for en / en-US: ICU's root
// collation (the Unicode Collation Algorithm over CLDR's root table), for any text. The table
// is collation_table.txt (ICU 78's data, tools/gen_collation_table.py), whose bytes every
// context reads in place, a code point at a time. The comparison is ICU's ucol_strcoll
// (collationcompare.cpp: primary, secondary, case level, tertiary; no identical level).
// Compiled on first use; uses only the prelude's captures.
(function (P, loadTable) {
  "use strict";
  const charCodeAt = (s, i) => P.ReflectApply(P.StringPrototypeCharCodeAt, s, [i]);
  const SENSITIVITY = { __proto__: null, base: 1, accent: 2, case: 3, variant: 4 };
  const NO_CE_LOW = 0x01000100;  // ICU's NO_CE, which ends every text: p=1, the lowest weights
  // collation_table.txt's constants and where its sections start (sources.py writes it in).
  const L = /*@COLLATION_LAYOUT@*/;

  // The table's bytes (a Uint8Array the host lends every context, or on the binding engine a
  // string), read in place: nothing is decoded ahead of need, and what a comparison decodes
  // (a code point's elements, a block of runs, a LOW entry) is kept for the rest of the run.
  // A collation element (CE) is a number, rank * 512 + LOW index.
  let byte = null;
  function open() {
    const table = loadTable();
    byte = typeof table === "string" ? (i) => charCodeAt(table, i) : (i) => table[i];
  }
  const UNLISTED = -1;  // an unassigned code point: ICU's implicit weight, rising with it
  const entries = { __proto__: null };  // code point -> CE, CE list, special record or UNLISTED
  const runBlocks = { __proto__: null };  // decoded blocks of runs: code point & 255 -> CE(s)
  const lows = { __proto__: null };
  let cccList = null, digitList = null;

  // Fixed-width numbers: 6 bits a character from "0", high digits first (the generator's).
  function fixed(from, width) {
    let v = 0;
    for (let k = 0; k < width; k++) v = v * 64 + (byte(from + k) - 0x30);
    return v;
  }
  function low(i) {
    const v = lows[i];
    return v !== undefined ? v : (lows[i] = fixed(L.LOW + i * 6, 6));
  }

  // Varints: base-32 digits from "]" then a last base-40 digit from "(" (the generator's).
  let at = 0;
  function num() {
    let acc = 0;
    for (;;) {
      const c = byte(at++);
      if (c >= 0x5d) acc = acc * 32 + (c - 0x5d);
      else return acc * 40 + (c - 0x28);
    }
  }
  const unzig = (v) => (v & 1 ? -(v + 1) / 2 : v / 2);
  // A list of CEs at `at`: its length, then rank deltas and LOW indexes.
  function ceList() {
    const m = (num() - 1) / 2, out = [];
    let prev = 0;
    for (let k = 0; k < m; k++) { prev += unzig(num()); out[k] = prev * 512 + num(); }
    return out;
  }
  function numbers(from) {
    at = from;
    const out = [];
    for (let k = 0, n = num(); k < n; k++) out[k] = num();
    return out;
  }
  // A block of runs (blocks few texts meet): records up to "~", decoded whole on first use.
  function decodeRuns(from) {
    const out = { __proto__: null };
    at = from;
    let cp = 0, prev = 0;
    while (byte(at) !== 0x7e) {
      cp += num();
      const head = num();
      if (head & 1) {
        const ces = [];
        for (let k = 0, m = (head - 1) / 2; k < m; k++) { prev += unzig(num()); ces[k] = prev * 512 + num(); }
        out[cp++] = ces;
      } else {
        prev += unzig(num());
        const li = num();
        for (let k = 0; k < head / 2; k++) out[cp++] = (prev + k) * 512 + li;
        prev += head / 2 - 1;
      }
    }
    return out;
  }
  // A code point that starts a contraction, a logical-order exception or a prefix rule: its
  // own CEs, the contractions (suffix, CEs), the consonants it goes after, the prefix rules
  // (the code point before, CEs).
  function special(from) {
    at = from;
    let ces = UNLISTED;
    if (byte(at) === 0x28) at++;  // varint 0: unlisted
    else ces = ceList();
    const contractions = [];
    for (let k = 0, n = num(); k < n; k++) {
      const suffix = [];
      for (let j = 0, m = num(); j < m; j++) suffix[j] = num();
      contractions[contractions.length] = suffix;
      contractions[contractions.length] = ceList();
    }
    let loe = 0;
    for (let k = 0, n = num(); k < n; k++) {
      if (loe === 0) loe = { __proto__: null };
      loe[num()] = true;
    }
    const prefix = [];
    for (let k = 0, n = num(); k < n; k++) {
      prefix[prefix.length] = num();
      prefix[prefix.length] = ceList();
    }
    return { __proto__: null, ces, contractions: contractions.length ? contractions : 0, loe, prefix: prefix.length ? prefix : 0 };
  }
  // A code point's entry: a CE, a list of CEs, a special record (no length) or UNLISTED.
  function entry(cp) {
    let e = entries[cp];
    if (e !== undefined) return e;
    const b = cp >> 8;
    const v = b * 4 < L.DENSE - L.INDEX ? fixed(L.INDEX + b * 4, 4) : 0;
    if (v === 0) {
      e = UNLISTED;
    } else if (v & 1) {  // written out: five characters a code point
      const d = fixed(L.DENSE + (v - 1) / 2 * 1280 + (cp & 255) * 5, 5);
      if (d === 0) e = UNLISTED;
      else if (d & 1) e = special(L.SPECIALS + (d - 1) / 2);
      else if (d & 2) { at = L.EXPANSIONS + (d - 2) / 4; e = ceList(); }
      else e = d / 4;
    } else {
      let block = runBlocks[b];
      if (block === undefined) block = runBlocks[b] = decodeRuns(L.RUNS + v / 2 - 1);
      e = block[cp & 255];
      if (e === undefined) e = UNLISTED;
    }
    return (entries[cp] = e);
  }

  function ccc(cp) {
    const ranges = cccList !== null ? cccList : (cccList = numbers(L.CCC));
    let lo = 0, hi = ranges.length / 3 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, start = ranges[mid * 3];
      if (cp < start) hi = mid - 1;
      else if (cp >= start + ranges[mid * 3 + 1]) lo = mid + 1;
      else return ranges[mid * 3 + 2];
    }
    return 0;
  }
  function digitValue(cp) {
    if (cp < 0x660) return cp >= 0x30 && cp <= 0x39 ? cp - 0x30 : -1;  // before Arabic-Indic
    const runs = digitList !== null ? digitList : (digitList = numbers(L.DIGITS));
    for (let i = 0; i < runs.length; i += 2) {
      if (cp >= runs[i] && cp < runs[i] + runs[i + 1]) return cp - runs[i];
      if (cp < runs[i]) return -1;
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
    function push(e) {
      if (typeof e === "number") { ps[ps.length] = (e - (e & 511)) / 512; lows[lows.length] = low(e & 511); return; }
      for (let k = 0; k < e.length; k++) { ps[ps.length] = (e[k] - (e[k] & 511)) / 512; lows[lows.length] = low(e[k] & 511); }
    }
    function pushEntry(cp, e) {
      if (typeof e !== "number" && e.length === undefined) e = e.ces;  // a special's own CEs
      if (e === UNLISTED) { ps[ps.length] = L.UNASSIGNED + cp; lows[lows.length] = low(0); } else push(e);
    }
    const pushCp = (cp) => pushEntry(cp, entry(cp));
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
          ps[ps.length] = L.NUMERIC; lows[lows.length] = low(0);
          ps[ps.length] = L.TOP + 1 + len; lows[lows.length] = 0;
          for (let k = 0; k < len; k++) { ps[ps.length] = L.TOP + 1 + digits[pos + k]; lows[lows.length] = 0; }
          pos += len;
        } while (pos < digits.length);
        i = end - 1;
        continue;
      }
      const e = entry(c);
      if (typeof e !== "number" && e.length === undefined) {
        const rules = e.prefix;
        if (rules !== 0 && i > 0) {
          let k = 0;
          while (k < rules.length && rules[k] !== cps[i - 1]) k += 2;
          if (k < rules.length) { push(rules[k + 1]); continue; }
        }
        if (e.loe !== 0 && i + 1 < n && e.loe[cps[i + 1]]) {
          pushCp(cps[i + 1]);
          pushEntry(c, e);
          i++;
          continue;
        }
        if (e.contractions !== 0) { i = contract(cps, i, e.contractions, push, pushCp); continue; }
      }
      pushEntry(c, e);
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
    else push(best);
    for (let k = 0; k < skipped.length; k++) pushCp(skipped[k]);
    return end - 1;
  }
  function fail(caller, Ctor, message) {
    const error = new Ctor(message);
    P.ErrorCaptureStackTrace(error, caller);
    throw error;
  }

  // --- Locales and options, read as V8 reads them for Intl.Collator -------------------------

  const LOWER = "abcdefghijklmnopqrstuvwxyz";
  // A tag's subtags in lower case (its characters are ASCII letters, digits and hyphens).
  function subtagsOf(tag) {
    const out = [];
    let cur = "";
    for (let i = 0; i < tag.length; i++) {
      const c = charCodeAt(tag, i);
      if (c === 0x2d) { out[out.length] = cur; cur = ""; } else cur += c >= 0x41 && c <= 0x5a ? LOWER[c - 0x41] : tag[i];
    }
    out[out.length] = cur;
    return out;
  }
  function kind(s, min, max, digits, letters) {
    if (s.length < min || s.length > max) return false;
    for (let i = 0; i < s.length; i++) {
      const c = charCodeAt(s, i);
      if (!((digits && c >= 0x30 && c <= 0x39) || (letters && c >= 0x61 && c <= 0x7a))) return false;
    }
    return true;
  }
  const alnum = (s, min, max) => kind(s, min, max, true, true);
  const unsupportedCollation = (caller, what) => fail(caller, P.RangeError, `Intl.Collator: unsupported ${what}: it selects another ordering than ICU's root collation, the only one the dodo-transform sandbox has (leave it out for the default order)`);
  // An English tag as V8's Intl.Collator resolves it: the locale it reports (en-US for the US
  // region, otherwise en) with the Unicode extension keywords it honours, kn (numeric) and kf
  // (caseFirst), in V8's order; the collation keyword (co) counts only for the root's other
  // collations, emoji and eor, which are refused, as is en-US-POSIX's order. Other keywords,
  // and other extensions, drop out.
  function resolveTag(tag, caller) {
    const sub = subtagsOf(tag), n = sub.length;
    const bad = () => fail(caller, P.RangeError, "Incorrect locale information provided");
    let i = 1, script = "", region = "";
    if (i < n && kind(sub[i], 4, 4, false, true)) script = sub[i++];
    if (i < n && (kind(sub[i], 2, 2, false, true) || kind(sub[i], 3, 3, true, false))) region = sub[i++];
    while (i < n && (alnum(sub[i], 5, 8) || (alnum(sub[i], 4, 4) && kind(sub[i][0], 1, 1, true, false)))) {
      if (sub[i++] === "posix") unsupportedCollation(caller, `locale ${JSON.stringify(tag)} (en-US-POSIX)`);
    }
    let numeric, caseFirst, kn = "", kf = "";
    const seen = { __proto__: null };
    while (i < n) {
      const singleton = sub[i++];
      if (!alnum(singleton, 1, 1)) bad();
      if (singleton === "x") break;  // private use: the rest of the tag
      if (singleton !== "u") {
        if (i >= n || sub[i].length < 2) bad();
        while (i < n && sub[i].length > 1) if (!alnum(sub[i++], 2, 8)) bad();
        continue;
      }
      if (i >= n || sub[i].length < 2) bad();
      while (i < n && sub[i].length > 2) if (!alnum(sub[i++], 3, 8)) bad();  // attributes
      while (i < n && sub[i].length === 2) {
        const key = sub[i++];
        if (!alnum(key, 2, 2) || !kind(key[1], 1, 1, false, true)) bad();
        let value = "";
        while (i < n && sub[i].length > 2) {
          if (!alnum(sub[i], 3, 8)) bad();
          value += (value === "" ? "" : "-") + sub[i++];
        }
        if (seen[key]) continue;  // the first of a key counts
        seen[key] = true;
        if (key === "kn") {
          if (value === "" || value === "true" || value === "yes" || value === "no") { numeric = true; kn = "kn"; }
          else if (value === "false") { numeric = false; kn = "kn-false"; }
        } else if (key === "kf") {
          if (value === "upper" || value === "lower" || value === "false") { caseFirst = value; kf = "kf-" + value; }
        } else if (key === "co") {
          if (value === "emoji" || value === "eor") unsupportedCollation(caller, `collation "${value}"`);
        } else if (key === "va" && value === "posix") {
          unsupportedCollation(caller, `locale ${JSON.stringify(tag)} (en-US-POSIX)`);
        }
      }
      if (i < n && sub[i].length === 1) continue;
      if (i < n) bad();
    }
    const keywords = kf !== "" && kn !== "" ? kf + "-" + kn : kf + kn;
    const base = script === "" && region === "us" ? "en-US" : "en";
    return { __proto__: null, locale: keywords === "" ? base : base + "-u-" + keywords, numeric, caseFirst };
  }
  // The collation option: V8 checks it is a Unicode type (3-8 letters or digits a subtag),
  // then ignores the root's names it has no other order for; emoji and eor it honours.
  function collationOption(value, caller) {
    const c = `${value}`;
    const sub = subtagsOf(c);
    for (let i = 0; i < sub.length; i++) if (!alnum(sub[i], 3, 8)) fail(caller, P.RangeError, `Invalid collation : ${c}`);
    if (sub.length === 1 && (sub[0] === "emoji" || sub[0] === "eor")) unsupportedCollation(caller, `collation "${sub[0]}"`);
  }

  const OPTIONS = { __proto__: null, sensitivity: true, usage: true, numeric: true, caseFirst: true, ignorePunctuation: true, collation: true };
  function settingsOf(locales, options, caller) {
    let tag;
    if (locales !== undefined) {
      const list = typeof locales === "string" ? [locales] : locales;
      if (list === null || typeof list !== "object" || list.length === undefined) fail(caller, P.TypeError, "localeCompare: locales must be a string or an array of strings");
      // Tags are case-insensitive ("en-us", "EN-GB"); every English locale uses the root order.
      if (list.length > 0 && !(typeof list[0] === "string" && /^en(?:-[a-z0-9]{1,8})*$/i.test(list[0]))) {
        fail(caller, P.RangeError, `localeCompare: unsupported locale ${JSON.stringify(String(list[0]))}: the dodo-transform sandbox collates English only`);
      }
      if (list.length > 0) tag = resolveTag(list[0], caller);
    }
    const settings = { level: 4, numeric: false, caseFirst: "false", shifted: false, search: false };
    if (tag !== undefined && tag.numeric !== undefined) settings.numeric = tag.numeric;
    if (tag !== undefined && tag.caseFirst !== undefined) settings.caseFirst = tag.caseFirst;
    if (options === undefined) return settings;
    if (options === null || typeof options !== "object") fail(caller, P.TypeError, "localeCompare: options must be an object");
    for (const key in options) {
      if (!OPTIONS[key]) fail(caller, P.RangeError, `localeCompare: unsupported option ${key}: the dodo-transform sandbox supports usage, sensitivity, numeric, caseFirst, collation and ignorePunctuation only`);
    }
    if (options.usage !== undefined) {
      const u = `${options.usage}`;
      if (u !== "sort" && u !== "search") fail(caller, P.RangeError, `Value ${u} out of range for Intl.Collator options property usage`);
      settings.search = u === "search";
    }
    if (options.collation !== undefined) collationOption(options.collation, caller);
    if (options.numeric !== undefined) settings.numeric = !!options.numeric;
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

  // usage "search": the root's search collation orders a few code points otherwise (Arabic
  // hamza and alef forms, Thai and Lao prevowels, Hangul jamo, the tatweel, "≠"...). Texts
  // without them compare as in the sort order; texts with them are refused.
  let searchRuns = null;
  function checkSearchable(cps, caller) {
    const runs = searchRuns !== null ? searchRuns : (searchRuns = numbers(L.SEARCH));
    for (let k = 0; k < cps.length; k++) {
      const cp = cps[k];
      if (cp < runs[0]) continue;
      for (let i = 0; i < runs.length && cp >= runs[i]; i += 2) {
        if (cp < runs[i] + runs[i + 1]) {
          let hex = "";
          for (let v = cp; v > 0 || hex.length < 4; v = (v - (v & 15)) / 16) hex = "0123456789ABCDEF"[v & 15] + hex;
          fail(caller, P.RangeError, `localeCompare: usage "search" orders U+${hex} by the root search collation's own rules, which the dodo-transform sandbox does not have (use usage "sort": the same order for text without it)`);
        }
      }
    }
  }

  // ICU's CollationCompare::compareUpToQuaternary over the two texts' elements.
  function compare(a, b, settings, caller) {
    if (a === b) return 0;
    if (byte === null) open();
    const pa = [], la = [], pb = [], lb = [];
    const ca = codePoints(P.ReflectApply(P.StringPrototypeNormalize, a, ["NFD"]));
    const cb = codePoints(P.ReflectApply(P.StringPrototypeNormalize, b, ["NFD"]));
    if (settings.search) { checkSearchable(ca, caller); checkSearchable(cb, caller); }
    elements(ca, settings.numeric, pa, la);
    elements(cb, settings.numeric, pb, lb);
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
      if (ps[i] > L.MERGE && ps[i] <= L.VARIABLE_TOP) {
        ps[i] = -1;  // skipped at the primary level
        lows[i] = 0;
        while (i + 1 < ps.length && ps[i + 1] === 0) { i++; lows[i] = 0; }
      }
    }
  }

  // localeCompare is called as impl.call(string, stub, args) by the prelude's
  // String#localeCompare stub, and by Intl.Collator's compare (intl_more.js) with its
  // resolved settings as args[2]; resolveTag and collationOption serve Intl.Collator.
  return {
    __proto__: null,
    localeCompare(stub, args) {
      if (this === null || this === undefined) fail(stub, P.TypeError, "String.prototype.localeCompare called on null or undefined");
      const settings = settingsOf(args[1], args[2], stub);
      return compare(`${this}`, `${args[0]}`, settings, stub);
    },
    resolveTag,
    collationOption,
  };
})
