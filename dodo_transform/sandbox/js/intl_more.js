/*
 * Intl.PluralRules, Intl.ListFormat, Intl.RelativeTimeFormat and Intl.Collator for en / en-US,
 * printing what Node 20 prints (ICU's en data, copied from Node's output: tests/tools/gen_intl_more_cases.js
 * re-derives and checks it). Other locales, and the options ICU's en data alone cannot answer,
 * throw a RangeError naming them, as intl.js does.
 *
 * Shape and rules as intl.js: one expression, a function of P (primordials.js), of
 * `canonicalLocale` (intl.js's reading of a locales argument: the en tag to report, or a
 * thrown RangeError), of `collate` (collate.js's String#localeCompare and its reading of a
 * tag's collation keywords, for Collator), of `markOurs` (lib.js: a function Function#toString
 * prints as a built-in) and of `canonicalLocales` (intl.js's CanonicalizeLocaleList). Evaluated lazily, after user code may have patched built-ins: only
 * operators, index access, .length, literals, `for` loops and what P captured.
 */
(function (P, readLocale, collate, markOurs, readLocales) {
  "use strict";
  // intl.js's errors start their stacks at our frames: restart them at the user's call.
  function restarted(read, locales) {
    try {
      return read(locales);
    } catch (e) {
      if (e !== null && typeof e === "object" && entryPoint !== undefined) P.ErrorCaptureStackTrace(e, entryPoint);
      throw e;
    }
  }
  const canonicalLocale = (locales) => restarted(readLocale, locales);
  const ReflectApply = P.ReflectApply, ObjectDefineProperty = P.ObjectDefineProperty;
  const slice = (s, start, end) => ReflectApply(P.StringPrototypeSlice, s, [start, end]);
  const indexOf = (s, search) => ReflectApply(P.StringPrototypeIndexOf, s, [search]);

  let entryPoint;
  function fail(Ctor, message) {
    const error = new Ctor(message);
    if (entryPoint !== undefined) P.ErrorCaptureStackTrace(error, entryPoint);
    throw error;
  }
  // Runs `body` with errors reported at the caller of `fn` (the user's line), as V8's would be.
  function run(fn, body, a, b, c) {
    const saved = entryPoint;
    entryPoint = fn;
    try {
      return body(a, b, c);
    } finally {
      entryPoint = saved;
    }
  }

  // Internal slots: a private field stamped onto the instance through a base constructor that
  // returns the object it is given (user code can neither forge nor read it), as intl.js does.
  class Base {
    constructor(o) {
      return o;
    }
  }
  function slots(ctorName) {
    return class Slots extends Base {
      #slot;
      constructor(o, value) {
        super(o);
        this.#slot = value;
      }
      // The receiver's slot, or V8's TypeError for a method called on something else.
      static read(o, method) {
        if (o !== null && typeof o === "object" && #slot in o) return o.#slot;
        fail(P.TypeError, `Method ${ctorName}.prototype.${method} called on incompatible receiver ${typeof o === "object" ? "#<Object>" : `${o}`}`);
      }
    };
  }

  function toObjectOptions(options) {
    if (options === undefined) return { __proto__: null };
    if (options === null) fail(P.TypeError, `Cannot convert undefined or null to object`);
    if (typeof options !== "object" && typeof options !== "function") return { __proto__: null };
    return options;
  }

  function stringOption(options, key, allowed, fallback, ctor) {
    const value = options[key];
    if (value === undefined) return fallback;
    const s = `${value}`;
    for (let i = 0; i < allowed.length; i++) if (allowed[i] === s) return s;
    fail(P.RangeError, `Value ${s} out of range for ${ctor} options property ${key}`);
  }

  function digitsOption(options, key, min, max, fallback) {
    const value = options[key];
    if (value === undefined) return fallback;
    const n = +value;
    if (!(n >= min && n <= max)) fail(P.RangeError, `${key} value is out of range.`);
    return n - (n % 1);
  }

  // --- en decimal numbers, as ICU rounds them: from the shortest round-trip digits ----------

  // The digits of |x| (finite) as [integer digits, fraction digits], from JavaScript's own
  // shortest representation, with any exponent expanded.
  function plainDigits(x) {
    let s = `${x < 0 ? -x : x}`;
    let exponent = 0;
    const e = indexOf(s, "e");
    if (e >= 0) {
      exponent = +slice(s, e + 1);
      s = slice(s, 0, e);
    }
    const dot = indexOf(s, ".");
    let int = dot >= 0 ? slice(s, 0, dot) : s;
    let frac = dot >= 0 ? slice(s, dot + 1) : "";
    while (exponent > 0) {
      int += frac.length ? frac[0] : "0";
      frac = frac.length ? slice(frac, 1) : "";
      exponent--;
    }
    while (exponent < 0) {
      frac = (int.length ? int[int.length - 1] : "0") + frac;
      int = int.length > 1 ? slice(int, 0, int.length - 1) : "0";
      exponent++;
    }
    return [int, frac];
  }

  // Rounded half away from zero (or half to even) to `maxFD` fraction digits, at least
  // `minFD` of them.
  function roundDigits(x, minFD, maxFD, halfEven) {
    const parts = plainDigits(x);
    let int = parts[0], frac = parts[1];
    if (frac.length > maxFD) {
      let up = frac[maxFD] > "5" || (frac[maxFD] === "5" && !halfEven);
      if (frac[maxFD] === "5" && halfEven) {
        for (let i = maxFD + 1; i < frac.length; i++) if (frac[i] !== "0") up = true;
        const last = maxFD > 0 ? frac[maxFD - 1] : int[int.length - 1];
        if (!up) up = +last % 2 === 1;
      }
      frac = slice(frac, 0, maxFD);
      if (up) {
        let digits = int + frac, carry = true, out = "";
        for (let i = digits.length - 1; i >= 0; i--) {
          let d = +digits[i];
          if (carry) {
            d++;
            carry = d === 10;
            if (carry) d = 0;
          }
          out = `${d}` + out;
        }
        if (carry) out = "1" + out;
        int = slice(out, 0, out.length - frac.length);
        frac = slice(out, out.length - frac.length);
      }
    }
    while (frac.length > minFD && frac[frac.length - 1] === "0") frac = slice(frac, 0, frac.length - 1);
    while (frac.length < minFD) frac += "0";
    while (int.length > 1 && int[0] === "0") int = slice(int, 1);
    return [int, frac];
  }

  function groupParts(int, parts, unit) {
    const first = int.length % 3 === 0 ? 3 : int.length % 3;
    for (let i = 0; i < int.length; ) {
      const end = i === 0 ? first : i + 3;
      if (i > 0) parts[parts.length] = part("group", ",", unit);
      parts[parts.length] = part("integer", slice(int, i, end), unit);
      i = end;
    }
  }

  function part(type, value, unit) {
    const p = { type: type, value: value };
    if (unit !== undefined) p.unit = unit;
    return p;
  }

  // --- Intl.PluralRules ----------------------------------------------------------------------

  function cardinal(int, frac) {
    return int === "1" && frac.length === 0 ? "one" : "other";
  }

  function ordinal(int, frac) {
    for (let i = 0; i < frac.length; i++) if (frac[i] !== "0") return "other"; // 1.0 is 1

    const n10 = +int[int.length - 1], n100 = int.length > 1 ? +int[int.length - 2] * 10 + n10 : n10;
    if (n10 === 1 && n100 !== 11) return "one";
    if (n10 === 2 && n100 !== 12) return "two";
    if (n10 === 3 && n100 !== 13) return "few";
    return "other";
  }

  const PLURAL_UNSUPPORTED = ["minimumSignificantDigits", "maximumSignificantDigits", "roundingIncrement", "roundingPriority"];
  const PluralSlots = slots("Intl.PluralRules");

  function PluralRules(locales, options) {
    if (new.target === undefined) return run(PluralRules, () => fail(P.TypeError, "Constructor Intl.PluralRules requires 'new'"));
    return run(PluralRules, () => {
      // V8 reports the default locale as is, an explicit en-* as "en" (ICU's plural data).
      const locale = locales === undefined ? canonicalLocale(locales, "Intl.PluralRules") : (canonicalLocale(locales, "Intl.PluralRules"), "en");
      const o = toObjectOptions(options);
      const type = stringOption(o, "type", ["cardinal", "ordinal"], "cardinal", "Intl.PluralRules");
      const minimumIntegerDigits = digitsOption(o, "minimumIntegerDigits", 1, 21, 1);
      const minFD = digitsOption(o, "minimumFractionDigits", 0, 20, 0);
      const maxFD = digitsOption(o, "maximumFractionDigits", minFD, 20, minFD > 3 ? minFD : 3);
      for (let i = 0; i < PLURAL_UNSUPPORTED.length; i++) {
        if (o[PLURAL_UNSUPPORTED[i]] !== undefined) {
          fail(P.RangeError, `Unsupported Intl.PluralRules option ${PLURAL_UNSUPPORTED[i]} (the dodo-transform sandbox supports type, minimumIntegerDigits and the fraction digits)`);
        }
      }
      new PluralSlots(this, { locale, type, minimumIntegerDigits, minFD, maxFD });
      return this;
    });
  }

  function category(slot, n) {
    const x = +n;
    if (!(x - x === 0)) return "other";
    const digits = roundDigits(x, slot.minFD, slot.maxFD);
    return slot.type === "ordinal" ? ordinal(digits[0], digits[1]) : cardinal(digits[0], digits[1]);
  }

  const PluralRulesPrototype = {
    constructor: undefined,
    resolvedOptions() {
      const slot = PluralSlots.read(this, "resolvedOptions");
      return {
        locale: slot.locale,
        type: slot.type,
        minimumIntegerDigits: slot.minimumIntegerDigits,
        minimumFractionDigits: slot.minFD,
        maximumFractionDigits: slot.maxFD,
        pluralCategories: slot.type === "ordinal" ? ["few", "one", "two", "other"] : ["one", "other"],
      };
    },
    select(n) {
      return run(PluralRulesPrototype.select, () => category(PluralSlots.read(this, "select"), n));
    },
    selectRange(start, end) {
      return run(PluralRulesPrototype.selectRange, () => {
        const slot = PluralSlots.read(this, "selectRange");
        if (start === undefined || end === undefined) fail(P.TypeError, "start or end is undefined");
        const x = +start, y = +end;
        if (x !== x || y !== y) fail(P.RangeError, "Invalid start or end");
        return "other"; // V8's ICU has no en plural ranges: every range is "other"
      });
    },
  };

  // --- Intl.ListFormat -----------------------------------------------------------------------

  // [separator, between the last two when there are two, between the last two of three or more]
  const LIST = {
    __proto__: null,
    "long/conjunction": [", ", " and ", ", and "],
    "long/disjunction": [", ", " or ", ", or "],
    "long/unit": [", ", ", ", ", "],
    "short/conjunction": [", ", " & ", ", & "],
    "short/disjunction": [", ", " or ", ", or "],
    "short/unit": [", ", ", ", ", "],
    "narrow/conjunction": [", ", ", ", ", "],
    "narrow/disjunction": [", ", " or ", ", or "],
    "narrow/unit": [" ", " ", " "],
  };
  const ListSlots = slots("Intl.ListFormat");

  function ListFormat(locales, options) {
    if (new.target === undefined) return run(ListFormat, () => fail(P.TypeError, "Constructor Intl.ListFormat requires 'new'"));
    return run(ListFormat, () => {
      const locale = canonicalLocale(locales, "Intl.ListFormat");
      const o = toObjectOptions(options);
      const type = stringOption(o, "type", ["conjunction", "disjunction", "unit"], "conjunction", "Intl.ListFormat");
      const style = stringOption(o, "style", ["long", "short", "narrow"], "long", "Intl.ListFormat");
      new ListSlots(this, { locale, type, style });
      return this;
    });
  }

  // A string iterates by code point.
  function codePoints(text) {
    const out = [];
    for (let i = 0; i < text.length; i++) {
      const c = ReflectApply(P.StringPrototypeCharCodeAt, text, [i]);
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
      out[out.length] = slice(text, i, pair ? i + 2 : i + 1);
      if (pair) i++;
    }
    return out;
  }

  function listParts(slot, list) {
    if (list === undefined) return [];
    if (typeof list === "string") list = codePoints(list);
    // V8 takes any iterable; the sandbox reads arrays (and array-likes) by index, since the
    // Array iterator is the user's to patch.
    if (list === null || typeof list !== "object" || typeof list.length !== "number") {
      fail(P.TypeError, `${typeof list === "string" ? "Iterable yielded a string" : "the dodo-transform sandbox formats arrays of strings"}, not ${list === null ? "null" : typeof list}`);
    }
    const words = LIST[`${slot.style}/${slot.type}`];
    const parts = [];
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const item = list[i];
      if (typeof item !== "string") fail(P.TypeError, `Iterable yielded ${typeof item === "number" ? `${item}` : typeof item} which is not a string`);
      if (i > 0) parts[parts.length] = { type: "literal", value: i < n - 1 ? words[0] : n === 2 ? words[1] : words[2] };
      parts[parts.length] = { type: "element", value: item };
    }
    return parts;
  }

  const ListFormatPrototype = {
    constructor: undefined,
    resolvedOptions() {
      const slot = ListSlots.read(this, "resolvedOptions");
      return { locale: slot.locale, type: slot.type, style: slot.style };
    },
    format(list) {
      return run(ListFormatPrototype.format, () => {
        const parts = listParts(ListSlots.read(this, "format"), list);
        let out = "";
        for (let i = 0; i < parts.length; i++) out += parts[i].value;
        return out;
      });
    },
    formatToParts(list) {
      return run(ListFormatPrototype.formatToParts, () => listParts(ListSlots.read(this, "formatToParts"), list));
    },
  };

  // --- Intl.RelativeTimeFormat ---------------------------------------------------------------

  const UNITS = { __proto__: null, second: 0, seconds: 0, minute: 1, minutes: 1, hour: 2, hours: 2, day: 3, days: 3, week: 4, weeks: 4, month: 5, months: 5, quarter: 6, quarters: 6, year: 7, years: 7 };
  const UNIT_NAMES = ["second", "minute", "hour", "day", "week", "month", "quarter", "year"];
  // Per style and unit: [singular, plural] after the number ("" joins without a space).
  const RT_UNITS = {
    __proto__: null,
    long: [[" second", " seconds"], [" minute", " minutes"], [" hour", " hours"], [" day", " days"], [" week", " weeks"], [" month", " months"], [" quarter", " quarters"], [" year", " years"]],
    short: [[" sec.", " sec."], [" min.", " min."], [" hr.", " hr."], [" day", " days"], [" wk.", " wk."], [" mo.", " mo."], [" qtr.", " qtrs."], [" yr.", " yr."]],
    narrow: [["s", "s"], ["m", "m"], ["h", "h"], ["d", "d"], ["w", "w"], ["mo", "mo"], ["q", "q"], ["y", "y"]],
  };
  // numeric: "auto": [-1, 0, 1] by unit (seconds and minutes and hours have only 0).
  const LONG_AUTO = [[undefined, "now", undefined], [undefined, "this minute", undefined], [undefined, "this hour", undefined], ["yesterday", "today", "tomorrow"], ["last week", "this week", "next week"], ["last month", "this month", "next month"], ["last quarter", "this quarter", "next quarter"], ["last year", "this year", "next year"]];
  const SHORT_AUTO = [LONG_AUTO[0], LONG_AUTO[1], LONG_AUTO[2], LONG_AUTO[3], ["last wk.", "this wk.", "next wk."], ["last mo.", "this mo.", "next mo."], ["last qtr.", "this qtr.", "next qtr."], ["last yr.", "this yr.", "next yr."]];
  const RtfSlots = slots("Intl.RelativeTimeFormat");

  function RelativeTimeFormat(locales, options) {
    if (new.target === undefined) return run(RelativeTimeFormat, () => fail(P.TypeError, "Constructor Intl.RelativeTimeFormat requires 'new'"));
    return run(RelativeTimeFormat, () => {
      const locale = canonicalLocale(locales, "Intl.RelativeTimeFormat");
      const o = toObjectOptions(options);
      const numberingSystem = o.numberingSystem;
      if (numberingSystem !== undefined && `${numberingSystem}` !== "latn") {
        fail(P.RangeError, `Unsupported Intl.RelativeTimeFormat option numberingSystem: "${numberingSystem}" (the dodo-transform sandbox supports "latn" only)`);
      }
      const style = stringOption(o, "style", ["long", "short", "narrow"], "long", "Intl.RelativeTimeFormat");
      const numeric = stringOption(o, "numeric", ["always", "auto"], "always", "Intl.RelativeTimeFormat");
      new RtfSlots(this, { locale, style, numeric });
      return this;
    });
  }

  function rtfParts(slot, value, unit, method) {
    const x = +value;
    const u = UNITS[`${unit}`];
    if (u === undefined) fail(P.RangeError, `Invalid unit argument for Intl.RelativeTimeFormat.prototype.${method}() '${unit}'`);
    if (!(x - x === 0)) fail(P.RangeError, `Value need to be finite number for Intl.RelativeTimeFormat.prototype.${method}()`);
    if (slot.numeric === "auto") {
      // ICU: the offset times 100, rounded half away from zero, names -1, 0 or 1 (a 1 %
      // epsilon: 0.995 days is "tomorrow").
      const x100 = x * 100;
      const rounded = x100 < 0 ? x100 - 0.5 - ((x100 - 0.5) % 1) : x100 + 0.5 - ((x100 + 0.5) % 1);
      const which = rounded === -100 ? 0 : rounded === 0 ? 1 : rounded === 100 ? 2 : -1;
      const phrase = which < 0 ? undefined : (slot.style === "long" ? LONG_AUTO : SHORT_AUTO)[u][which];
      if (phrase !== undefined) return [{ type: "literal", value: phrase }];
    }
    const past = x < 0 || (x === 0 && 1 / x < 0);
    // ICU's own number format here: half-even, not Intl.NumberFormat's half-expand.
    const digits = roundDigits(x, 0, 3, true);
    const words = RT_UNITS[slot.style][u][cardinal(digits[0], digits[1]) === "one" ? 0 : 1];
    const name = UNIT_NAMES[u];
    const parts = [];
    if (!past) parts[0] = { type: "literal", value: "in " };
    groupParts(digits[0], parts, name);
    if (digits[1].length) {
      parts[parts.length] = part("decimal", ".", name);
      parts[parts.length] = part("fraction", digits[1], name);
    }
    parts[parts.length] = { type: "literal", value: past ? `${words} ago` : words };
    return parts;
  }

  const RelativeTimeFormatPrototype = {
    constructor: undefined,
    resolvedOptions() {
      const slot = RtfSlots.read(this, "resolvedOptions");
      return { locale: slot.locale, style: slot.style, numeric: slot.numeric, numberingSystem: "latn" };
    },
    format(value, unit) {
      return run(RelativeTimeFormatPrototype.format, () => {
        const parts = rtfParts(RtfSlots.read(this, "format"), value, unit, "format");
        let out = "";
        for (let i = 0; i < parts.length; i++) out += parts[i].value;
        return out;
      });
    },
    formatToParts(value, unit) {
      return run(RelativeTimeFormatPrototype.formatToParts, () => rtfParts(RtfSlots.read(this, "formatToParts"), value, unit, "formatToParts"));
    },
  };

  // --- Intl.Collator: collate.js's en collation behind V8's shape -------------------------------

  const CollatorSlots = slots("Intl.Collator");

  function Collator(locales, options) {
    const self = new.target === undefined ? { __proto__: CollatorPrototype } : this;
    return run(Collator, () => {
      // Every English locale collates as the root: V8 reports en-US or en, with the extension
      // keywords it honours (collate.js's resolveTag); others are refused as elsewhere.
      const requested = restarted(readLocales, locales);
      const first = requested.length === 0 ? "en-US" : requested[0];
      const tag = first === "en" || slice(first, 0, 3) === "en-" ? collate.resolveTag(first, Collator) : undefined;
      const locale = tag === undefined ? canonicalLocale(locales) : tag.locale;
      const o = toObjectOptions(options);
      const usage = stringOption(o, "usage", ["sort", "search"], "sort", "Intl.Collator");
      if (o.collation !== undefined) collate.collationOption(o.collation, Collator);
      const numeric = o.numeric !== undefined ? !!o.numeric : tag !== undefined && tag.numeric === true;
      const fromTag = tag !== undefined && tag.caseFirst !== undefined ? tag.caseFirst : "false";
      const caseFirst = stringOption(o, "caseFirst", ["upper", "lower", "false"], fromTag, "Intl.Collator");
      const sensitivity = stringOption(o, "sensitivity", ["base", "accent", "case", "variant"], "variant", "Intl.Collator");
      const ignorePunctuation = o.ignorePunctuation === undefined ? false : !!o.ignorePunctuation;
      new CollatorSlots(self, { locale, usage, sensitivity, numeric, caseFirst, ignorePunctuation, bound: undefined });
      return self;
    });
  }

  const CollatorPrototype = {
    constructor: undefined,
    resolvedOptions() {
      const slot = CollatorSlots.read(this, "resolvedOptions");
      return { locale: slot.locale, usage: slot.usage, sensitivity: slot.sensitivity, ignorePunctuation: slot.ignorePunctuation, collation: "default", numeric: slot.numeric, caseFirst: slot.caseFirst };
    },
    get compare() {
      const slot = CollatorSlots.read(this, "compare");
      if (slot.bound === undefined) {
        const options = { __proto__: null, usage: slot.usage, sensitivity: slot.sensitivity, numeric: slot.numeric, caseFirst: slot.caseFirst, ignorePunctuation: slot.ignorePunctuation };
        // V8's bound compare: anonymous, two parameters, the same function every time.
        const compare = (x, y) => ReflectApply(collate.localeCompare, `${x}`, [compare, [`${y}`, undefined, options]]);
        ObjectDefineProperty(compare, "name", { __proto__: null, value: "" });
        markOurs(compare);
        slot.bound = compare;
      }
      return slot.bound;
    },
  };

  // --- the constructors, shaped as V8's ------------------------------------------------------

  function install(ctor, prototype, tag) {
    const names = ["resolvedOptions", "select", "selectRange", "format", "formatToParts", "compare"];
    for (let i = 0; i < names.length; i++) {
      if (names[i] in prototype) ObjectDefineProperty(prototype, names[i], { __proto__: null, enumerable: false });
    }
    ObjectDefineProperty(prototype, "constructor", { __proto__: null, value: ctor, writable: true, enumerable: false, configurable: true });
    ObjectDefineProperty(prototype, P.SymbolToStringTag, { __proto__: null, value: tag, writable: false, enumerable: false, configurable: true });
    ObjectDefineProperty(ctor, "prototype", { __proto__: null, value: prototype, writable: false, enumerable: false, configurable: false });
    ObjectDefineProperty(ctor, "supportedLocalesOf", {
      __proto__: null,
      value: function supportedLocalesOf(locales) {
        const locale = canonicalLocale(locales, tag);
        return locales === undefined || (typeof locales === "object" && locales !== null && locales.length === 0) ? [] : [locale];
      },
      writable: true,
      enumerable: false,
      configurable: true,
    });
    return ctor;
  }

  return {
    PluralRules: install(PluralRules, PluralRulesPrototype, "Intl.PluralRules"),
    ListFormat: install(ListFormat, ListFormatPrototype, "Intl.ListFormat"),
    RelativeTimeFormat: install(RelativeTimeFormat, RelativeTimeFormatPrototype, "Intl.RelativeTimeFormat"),
    Collator: install(Collator, CollatorPrototype, "Intl.Collator"),
  };
})
