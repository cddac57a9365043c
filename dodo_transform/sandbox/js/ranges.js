/*
 * Intl.DateTimeFormat#formatRange / formatRangeToParts for intl.js: ICU's DateIntervalFormat
 * for en, as V8 drives it, with CLDR 48's en intervalFormats. Compiled only when a handler
 * formats a date range; checked against Node 20 by tests/test_date_ranges.py.
 *
 * Shape as intl.js: one expression, a function of the intl.js helpers it needs (`d`),
 * returning dateRangeToParts(record, startDate, endDate, asString). It is evaluated lazily,
 * after user code may have patched built-ins: only operators, index access, .length,
 * literals, `for` loops and the helpers handed in.
 */
(function (d) {
  "use strict";
  const FIELD_TYPES = d.FIELD_TYPES;
  const SANDBOX = d.SANDBOX;
  const StringIndexOf = d.StringIndexOf;
  const StringSlice = d.StringSlice;
  const ZONE_LETTERS = d.ZONE_LETTERS;
  const appendItem = d.appendItem;
  const compilePattern = d.compilePattern;
  const componentsPattern = d.componentsPattern;
  const fieldText = d.fieldText;
  const isAlpha = d.isAlpha;
  const literalToken = d.literalToken;
  const rangeError = d.rangeError;
  const repeat = d.repeat;
  const setOf = d.setOf;
  const split = d.split;
  const toTimeValue = d.toTimeValue;
  const typeError = d.typeError;
  const fieldsAt = d.fieldsAt;

  // DateTimeFormat ranges: ICU's DateIntervalFormat for en, as V8 drives it. V8 hands ICU the
  // skeleton of the resolved pattern; ICU splits it into date and time skeletons, finds the
  // closest skeleton of CLDR's en intervalFormats (below), widens its fields to the ones asked
  // for and splits each pattern at the first repeated field into the part formatted with the
  // start and the part formatted with the end. What the data lacks falls back to
  // "{start} – {end}" of whole patterns (or "{date}, {start time} – {end time}" on one day).
  // Patterns for derived skeletons come from componentsPattern, as ICU's getBestPattern would.
  const RANGE_FALLBACK = "\u2009\u2013\u2009";
  // CLDR 48 en ca-gregorian intervalFormats (what ICU 78 ships; the npm package
  // cldr-dates-full@48.0.0, main/en/ca-gregorian.json): "skeleton=" then, per greatest
  // differing field (G y M d a/B h/H m), its letter and interval pattern, ";"-separated.
  const INTERVAL_DATA = "Bh=Bh B\u2009\u2013\u2009h B;hh\u2009\u2013\u2009h B|Bhm=Bh:mm B\u2009\u2013\u2009h:mm B;hh:mm\u2009\u2013\u2009h:mm B;mh:mm\u2009\u2013\u2009h:mm B|d=dd\u2009\u2013\u2009d|Gy=Gy G\u2009\u2013\u2009y G;yy\u2009\u2013\u2009y G|GyM=GM/y G\u2009\u2013\u2009M/y G;MM/y\u2009\u2013\u2009M/y G;yM/y\u2009\u2013\u2009M/y G|GyMd=dM/d/y\u2009\u2013\u2009M/d/y G;GM/d/y G\u2009\u2013\u2009M/d/y G;MM/d/y\u2009\u2013\u2009M/d/y G;yM/d/y\u2009\u2013\u2009M/d/y G|GyMEd=dE, M/d/y\u2009\u2013\u2009E, M/d/y G;GE, M/d/y G\u2009\u2013\u2009E, M/d/y G;ME, M/d/y\u2009\u2013\u2009E, M/d/y G;yE, M/d/y\u2009\u2013\u2009E, M/d/y G|GyMMM=GMMM y G\u2009\u2013\u2009MMM y G;MMMM\u2009\u2013\u2009MMM y G;yMMM y\u2009\u2013\u2009MMM y G|GyMMMd=dMMM d\u2009\u2013\u2009d, y G;GMMM d, y G\u2009\u2013\u2009MMM d, y G;MMMM d\u2009\u2013\u2009MMM d, y G;yMMM d, y\u2009\u2013\u2009MMM d, y G|GyMMMEd=dE, MMM d\u2009\u2013\u2009E, MMM d, y G;GE, MMM d, y G\u2009\u2013\u2009E, MMM d, y G;ME, MMM d\u2009\u2013\u2009E, MMM d, y G;yE, MMM d, y\u2009\u2013\u2009E, MMM d, y G|h=ah\u202fa\u2009\u2013\u2009h\u202fa;hh\u2009\u2013\u2009h\u202fa|H=HHH\u2009\u2013\u2009HH|hm=ah:mm\u202fa\u2009\u2013\u2009h:mm\u202fa;hh:mm\u2009\u2013\u2009h:mm\u202fa;mh:mm\u2009\u2013\u2009h:mm\u202fa|Hm=HHH:mm\u2009\u2013\u2009HH:mm;mHH:mm\u2009\u2013\u2009HH:mm|hmv=ah:mm\u202fa\u2009\u2013\u2009h:mm\u202fa v;hh:mm\u2009\u2013\u2009h:mm\u202fa v;mh:mm\u2009\u2013\u2009h:mm\u202fa v|Hmv=HHH:mm\u2009\u2013\u2009HH:mm v;mHH:mm\u2009\u2013\u2009HH:mm v|hv=ah\u202fa\u2009\u2013\u2009h\u202fa v;hh\u2009\u2013\u2009h\u202fa v|Hv=HHH\u2009\u2013\u2009HH v|M=MM\u2009\u2013\u2009M|Md=dM/d\u2009\u2013\u2009M/d;MM/d\u2009\u2013\u2009M/d|MEd=dE, M/d\u2009\u2013\u2009E, M/d;ME, M/d\u2009\u2013\u2009E, M/d|MMM=MMMM\u2009\u2013\u2009MMM|MMMd=dMMM d\u2009\u2013\u2009d;MMMM d\u2009\u2013\u2009MMM d|MMMEd=dE, MMM d\u2009\u2013\u2009E, MMM d;ME, MMM d\u2009\u2013\u2009E, MMM d|y=yy\u2009\u2013\u2009y|yM=MM/y\u2009\u2013\u2009M/y;yM/y\u2009\u2013\u2009M/y|yMd=dM/d/y\u2009\u2013\u2009M/d/y;MM/d/y\u2009\u2013\u2009M/d/y;yM/d/y\u2009\u2013\u2009M/d/y|yMEd=dE, M/d/y\u2009\u2013\u2009E, M/d/y;ME, M/d/y\u2009\u2013\u2009E, M/d/y;yE, M/d/y\u2009\u2013\u2009E, M/d/y|yMMM=MMMM\u2009\u2013\u2009MMM y;yMMM y\u2009\u2013\u2009MMM y|yMMMd=dMMM d\u2009\u2013\u2009d, y;MMMM d\u2009\u2013\u2009MMM d, y;yMMM d, y\u2009\u2013\u2009MMM d, y|yMMMEd=dE, MMM d\u2009\u2013\u2009E, MMM d, y;ME, MMM d\u2009\u2013\u2009E, MMM d, y;yE, MMM d, y\u2009\u2013\u2009E, MMM d, y|yMMMM=MMMMM\u2009\u2013\u2009MMMM y;yMMMM y\u2009\u2013\u2009MMMM y";
  // Calendar fields, largest first (ICU's order), by the letter naming them in the data.
  const ERA = 0, YEAR = 1, MONTH = 2, DATE = 3, AM_PM = 4, HOUR = 5, MINUTE = 6, SECOND = 7, MILLISECOND = 8;
  const FIELD_OF_LETTER = { __proto__: null, G: ERA, y: YEAR, M: MONTH, d: DATE, a: AM_PM, B: AM_PM, h: HOUR, H: HOUR, m: MINUTE };
  const LETTER_OF_FIELD = ["G", "y", "M", "d", "a", "h", "m"];
  // SimpleDateFormat's levels: a field is "ignored" when finer than every field a pattern shows.
  const FIELD_LEVELS = [0, 10, 20, 30, 40, 50, 60, 70, 80];
  const LETTER_LEVEL = {
    __proto__: null, G: 0, y: 10, M: 20, L: 20, d: 30, E: 30, c: 30, a: 40, B: 40, b: 40,
    h: 50, H: 50, k: 50, K: 50, m: 60, s: 70, S: 80,
  };
  let intervalData;

  function intervalTable() {
    if (intervalData !== undefined) return intervalData;
    intervalData = [];
    const entries = split(INTERVAL_DATA, "|");
    for (let i = 0; i < entries.length; i++) {
      const at = StringIndexOf(entries[i], "=");
      const patterns = [];
      const list = split(StringSlice(entries[i], at + 1), ";");
      for (let j = 0; j < list.length; j++) patterns[FIELD_OF_LETTER[list[j][0]]] = StringSlice(list[j], 1);
      intervalData[intervalData.length] = { skeleton: StringSlice(entries[i], 0, at), patterns: patterns };
    }
    return intervalData;
  }

  function intervalPatterns(skeleton) {
    const table = intervalTable();
    for (let i = 0; i < table.length; i++) if (table[i].skeleton === skeleton) return table[i].patterns;
    return undefined;
  }

  function countLetters(skeleton) {
    const counts = { __proto__: null };
    for (let i = 0; i < skeleton.length; i++) counts[skeleton[i]] = (counts[skeleton[i]] || 0) + 1;
    return counts;
  }

  function replaceAll(s, from, to) {
    let out = "";
    for (let i = 0; i < s.length; i++) out += s[i] === from ? to : s[i];
    return out;
  }

  // DateTimePatternGenerator::staticGetSkeleton: the pattern's fields (quoted text left out).
  function skeletonOf(pattern) {
    const tokens = compilePattern(pattern);
    let out = "";
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.field === undefined) continue;
      out += repeat(t.field, t.width);
    }
    // en's stand-alone month and weekday formats ("L", "LLL", "ccc") keep their letters.
    let only = true;
    for (let i = 0; i < out.length; i++) if (out[i] !== out[0]) only = false;
    if (only && (out[0] === "M" || out[0] === "E")) out = repeat(out[0] === "M" ? "L" : "c", out[0] === "E" && out.length < 3 ? 3 : out.length);
    return out;
  }

  const WIDTH_NAME = ["", "short", "short", "short", "long", "narrow"];

  // DateFormat::getBestPattern for a skeleton, through the options V8 would have turned into it.
  function bestPattern(skeleton, ownPattern) {
    const c = countLetters(skeleton);
    const o = { __proto__: null };
    const num = (n) => (n === 2 ? "2-digit" : "numeric");
    if (c.G) o.era = WIDTH_NAME[c.G > 5 ? 5 : c.G];
    if (c.y) o.year = num(c.y);
    if (c.L) c.M = c.L;
    if (c.c) c.E = c.c;
    if (c.M) o.month = c.M === 1 ? "numeric" : c.M === 2 ? "2-digit" : c.M === 3 ? "short" : c.M === 4 ? "long" : "narrow";
    if (c.d) o.day = num(c.d);
    if (c.E) o.weekday = WIDTH_NAME[c.E > 5 ? 5 : c.E];
    let hc;
    const hourLetter = c.h ? "h" : c.H ? "H" : c.k ? "k" : c.K ? "K" : undefined;
    if (hourLetter !== undefined) {
      o.hour = "numeric"; // getBestPattern keeps the data's hour width
      hc = hourLetter === "h" ? "h12" : hourLetter === "H" ? "h23" : hourLetter === "k" ? "h24" : "h11";
    }
    if (c.B) o.dayPeriod = c.B >= 5 ? "narrow" : c.B >= 4 ? "long" : "short";
    if (c.m) o.minute = num(c.m);
    if (c.s) o.second = num(c.s);
    if (c.S) o.fractionalSecondDigits = c.S > 3 ? 3 : c.S;
    if (c.z) o.timeZoneName = c.z >= 4 ? "long" : "short";
    if (c.O) o.timeZoneName = c.O >= 4 ? "longOffset" : "shortOffset";
    if (c.v) o.timeZoneName = c.v >= 4 ? "longGeneric" : "shortGeneric";
    if (hc === "h23" || hc === "h24") o.dayPeriod = undefined;
    // The formatter's own pattern (ICU's createInstanceForSkeleton) lays "Hs" out as
    // "s (hour: HH)", which timePattern gives for these widths; the patterns ICU derives for
    // the fall-backs (a date before the time range, "yMd" before a time) keep "HH (second: s)".
    // With a zone it is en's "Hv" format with the second appended: "HH'h' z (second: s)".
    let zoneSecond = "";
    if (hc === "h23" && c.s && !c.m && ownPattern) {
      if (o.timeZoneName !== undefined && !c.S) {
        zoneSecond = appendItem("'h' " + ZONE_LETTERS[o.timeZoneName], "second", "s");
        o.second = undefined;
        o.timeZoneName = undefined;
      } else {
        o.hour = "2-digit";
        o.second = "numeric";
      }
    }
    // A weekday without a day (and without an era): ICU's pattern generator matches the other
    // date fields first and appends the weekday with en's "{0} {1}" ("MMMM EEE", "yy EEEE"),
    // where V8's own pattern puts the weekday first.
    if (o.weekday !== undefined && o.day === undefined && o.era === undefined && (o.month !== undefined || o.year !== undefined)) {
      const weekday = repeat("E", o.weekday === "long" ? 4 : o.weekday === "narrow" ? 5 : 3);
      o.weekday = undefined;
      const pattern = componentsPattern(o, hc);
      let at = 0, quoted = false;
      for (let i = 0; i < pattern.length; i++) {
        const ch = pattern[i];
        if (ch === "'") quoted = !quoted;
        else if (!quoted && (ch === "y" || ch === "M" || ch === "L")) at = i + 1;
      }
      return StringSlice(pattern, 0, at) + " " + weekday + StringSlice(pattern, at) + zoneSecond;
    }
    return componentsPattern(o, hc) + zoneSecond;
  }

  // DateIntervalFormat::normalizeHourMetacharacters, for en: the hour letter stays, followed
  // by its day period (a, or B), whose width follows the longer of the two fields.
  function normalizeHour(skeleton) {
    let hourChar = "", hourStart = 0, hourLength = 0, periodChar = "", periodStart = 0, periodLength = 0;
    for (let i = 0; i < skeleton.length; i++) {
      const ch = skeleton[i];
      if (ch === "h" || ch === "H" || ch === "k" || ch === "K") {
        if (hourChar === "") {
          hourChar = ch;
          hourStart = i;
        }
        hourLength++;
      } else if (ch === "a" || ch === "b" || ch === "B") {
        if (periodChar === "") {
          periodChar = ch;
          periodStart = i;
        }
        periodLength++;
      } else if (hourChar !== "" && periodChar !== "") break;
    }
    if (hourChar === "") return skeleton;
    if (periodChar === "") periodChar = "a";
    let hourAndPeriod = hourChar;
    if (hourChar !== "H" && hourChar !== "k") {
      const n = periodLength >= 5 || hourLength >= 5 ? 5 : periodLength >= 3 || hourLength >= 3 ? 3 : 1;
      hourAndPeriod += repeat(periodChar, n);
    }
    let out = StringSlice(skeleton, 0, hourStart) + hourAndPeriod + StringSlice(skeleton, hourStart + hourLength);
    if (periodLength > 0) {
      if (periodStart > hourStart) periodStart += hourAndPeriod.length - hourLength;
      out = StringSlice(out, 0, periodStart) + StringSlice(out, periodStart + periodLength);
    }
    return out;
  }

  const DATE_SKELETON_LETTERS = setOf(["G", "Y", "u", "Q", "q", "L", "l", "W", "w", "D", "F", "g", "e", "c", "U", "r"]);
  const TIME_SKELETON_LETTERS = setOf(["a", "V", "Z", "j", "s", "S", "A", "b", "B"]);

  // DateIntervalFormat::getDateTimeSkeleton.
  function splitSkeleton(skeleton) {
    let date = "", normalizedDate = "", time = "", normalizedTime = "", hourChar = "";
    let E = 0, d = 0, M = 0, y = 0, m = 0, v = 0, z = 0;
    for (let i = 0; i < skeleton.length; i++) {
      const ch = skeleton[i];
      if (ch === "E") { date += ch; E++; }
      else if (ch === "d") { date += ch; d++; }
      else if (ch === "M") { date += ch; M++; }
      else if (ch === "y") { date += ch; y++; }
      else if (ch in DATE_SKELETON_LETTERS) { date += ch; normalizedDate += ch; }
      else if (ch === "h" || ch === "H" || ch === "k" || ch === "K") { time += ch; if (hourChar === "") hourChar = ch; }
      else if (ch === "m") { time += ch; m++; }
      else if (ch === "z") { time += ch; z++; }
      else if (ch === "v") { time += ch; v++; }
      else if (ch in TIME_SKELETON_LETTERS) { time += ch; normalizedTime += ch; }
    }
    normalizedDate += repeat("y", y);
    if (M > 0) normalizedDate += M < 3 ? "M" : repeat("M", M > 5 ? 5 : M);
    if (E > 0) normalizedDate += E <= 3 ? "E" : repeat("E", E > 6 ? 6 : E);
    if (d > 0) normalizedDate += "d";
    normalizedTime += hourChar + (m > 0 ? "m" : "") + (z > 0 ? "z" : "") + (v > 0 ? "v" : "");
    return { date: date, normalizedDate: normalizedDate, time: time, normalizedTime: normalizedTime };
  }

  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  // DateIntervalInfo::getBestSkeleton: the data's skeleton nearest to `skeleton`, and how it
  // differs (0 same, 1 widths, 2 only z/v h/K H/k, -1 other fields).
  function bestSkeleton(skeleton) {
    let input = skeleton, replaced = false;
    if (StringIndexOf(skeleton, "z") >= 0 || StringIndexOf(skeleton, "k") >= 0 || StringIndexOf(skeleton, "K") >= 0 ||
        StringIndexOf(skeleton, "a") >= 0 || StringIndexOf(skeleton, "b") >= 0) {
      input = "";
      for (let i = 0; i < skeleton.length; i++) {
        const ch = skeleton[i];
        if (ch === "a" || ch === "b") continue;
        input += ch === "z" ? "v" : ch === "k" ? "H" : ch === "K" ? "h" : ch;
      }
      replaced = true;
    }
    const want = countLetters(input), table = intervalTable();
    let best, bestDistance = 1e9, info = 0;
    for (let t = 0; t < table.length; t++) {
      const have = countLetters(table[t].skeleton);
      let distance = 0, difference = 1;
      for (let i = 0; i < LETTERS.length; i++) {
        const a = want[LETTERS[i]] || 0, b = have[LETTERS[i]] || 0;
        if (a === b) continue;
        if (a === 0 || b === 0) {
          difference = -1;
          distance += 0x1000;
        } else if (LETTERS[i] === "M" && ((a <= 2 && b > 2) || (a > 2 && b <= 2))) distance += 0x100;
        else distance += a > b ? a - b : b - a;
      }
      if (distance < bestDistance) {
        best = table[t].skeleton;
        bestDistance = distance;
        info = difference;
      }
      if (distance === 0) {
        info = 0;
        break;
      }
    }
    if (replaced && info !== -1) info = 2;
    return { skeleton: best, info: info };
  }

  function fieldUnitIgnored(pattern, field) {
    const tokens = compilePattern(pattern), level = FIELD_LEVELS[field];
    for (let i = 0; i < tokens.length; i++) {
      const l = LETTER_LEVEL[tokens[i].field];
      if (l !== undefined && level <= l) return false;
    }
    return true;
  }

  // Letters outside quotes, replaced by `map(ch)` (DateIntervalFormat::findReplaceInPattern).
  function mapUnquoted(pattern, map) {
    let out = "", quoted = false;
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch === "'") quoted = !quoted;
      out += quoted || ch === "'" ? ch : map(ch);
    }
    return out;
  }

  // DateIntervalFormat::adjustFieldWidth: the data pattern's fields widened to the input's.
  function adjustFieldWidth(input, best, pattern, info) {
    if (info === 2) {
      if (StringIndexOf(input, "z") >= 0) pattern = mapUnquoted(pattern, (ch) => (ch === "v" ? "z" : ch));
      if (StringIndexOf(input, "K") >= 0) pattern = mapUnquoted(pattern, (ch) => (ch === "h" ? "K" : ch));
      if (StringIndexOf(input, "k") >= 0) pattern = mapUnquoted(pattern, (ch) => (ch === "H" ? "k" : ch));
      if (StringIndexOf(input, "b") >= 0) pattern = mapUnquoted(pattern, (ch) => (ch === "a" ? "b" : ch));
    }
    const inputCounts = countLetters(input), bestCounts = countLetters(best);
    if (StringIndexOf(pattern, "a") >= 0 && !bestCounts.a) bestCounts.a = 1;
    if (StringIndexOf(pattern, "b") >= 0 && !bestCounts.b) bestCounts.b = 1;
    let out = "", quoted = false, prev = "", count = 0;
    const flush = () => {
      if (count === 0) return;
      const key = prev === "L" ? "M" : prev;
      const have = bestCounts[key] || 0, want = inputCounts[key] || 0;
      if (have === count && want > have) out += repeat(prev, want - have);
    };
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch !== prev && count > 0) {
        flush();
        count = 0;
      }
      if (ch === "'") quoted = !quoted;
      else if (!quoted && isAlpha(ch)) {
        prev = ch;
        count++;
      }
      out += ch;
    }
    flush();
    return out;
  }

  // DateIntervalFormat::splitPatternInto2Part: at the first field seen a second time.
  function splitInterval(pattern) {
    const seen = { __proto__: null };
    let quoted = false, prev = "", count = 0, i = 0, repeated = false;
    for (; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch !== prev && count > 0) {
        if (seen[prev]) {
          repeated = true;
          break;
        }
        seen[prev] = true;
        count = 0;
      }
      if (ch === "'") {
        if (pattern[i + 1] === "'") i++;
        else quoted = !quoted;
      } else if (!quoted && isAlpha(ch)) {
        prev = ch;
        count++;
      }
    }
    if (count > 0 && !repeated && !seen[prev]) count = 0;
    const at = i - count;
    return { first: StringSlice(pattern, 0, at), second: StringSlice(pattern, at) };
  }

  // The skeleton of the date shown before a time range on one day: the normalized date
  // skeleton, except that a numeric month with neither day nor year keeps its width ("01").
  function dateFallbackSkeleton(parts) {
    const c = countLetters(parts.date);
    if (c.M === undefined || c.M > 2 || c.d || c.y) return parts.normalizedDate;
    return replaceAll(parts.normalizedDate, "M", repeat("M", c.M));
  }

  // The interval layout of one DateTimeFormat (ICU's initializePattern), built once.
  function rangeLayout(record) {
    if (record.rangeLayout !== undefined) return record.rangeLayout;
    const fSkeleton = skeletonOf(record.pattern);
    const parts = splitSkeleton(normalizeHour(fSkeleton));
    const patterns = []; // per field: { first, second } (first "" = fall back to second)
    const setPattern = (field, pattern) => { patterns[field] = splitInterval(pattern); };
    const setFallback = (field, pattern) => { patterns[field] = { first: "", second: pattern }; };
    // ICU's own pattern for the skeleton (hour widths as the data has them).
    const layout = { pattern: bestPattern(fSkeleton, true), patterns: patterns, datePattern: undefined, timePattern: undefined };
    // setSeparateDateTimePtn
    let found = false;
    const skeleton = parts.normalizedTime !== "" ? parts.normalizedTime : parts.normalizedDate;
    const best = bestSkeleton(skeleton);
    if (best.skeleton !== undefined) {
      if (parts.normalizedDate !== "") layout.datePattern = bestPattern(dateFallbackSkeleton(parts));
      if (parts.normalizedTime !== "") layout.timePattern = bestPattern(parts.normalizedTime);
      if (best.info !== -1) {
        found = true;
        const one = (field, sk, bestSk, info, extend) => {
          let pattern = intervalPatterns(bestSk)[field];
          let extended = undefined;
          if (pattern === undefined) {
            if (fieldUnitIgnored(bestSk, field)) return undefined;
            if (field === AM_PM) {
              const hourPattern = intervalPatterns(bestSk)[HOUR];
              if (hourPattern !== undefined) setPattern(field, adjustFieldWidth(sk, bestSk, hourPattern, info));
              return undefined;
            }
            if (extend) {
              const letter = LETTER_OF_FIELD[field];
              extended = { skeleton: letter + sk, best: letter + bestSk };
              const data = intervalPatterns(extended.best);
              pattern = data === undefined ? undefined : data[field];
              if (pattern === undefined && info === 0) {
                const tmp = bestSkeleton(extended.best);
                if (tmp.skeleton !== undefined && tmp.info !== -1) {
                  pattern = intervalPatterns(tmp.skeleton)[field];
                  bestSk = tmp.skeleton;
                  info = tmp.info;
                }
              }
            }
          }
          if (pattern === undefined) return undefined;
          setPattern(field, info !== 0 ? adjustFieldWidth(sk, bestSk, pattern, info) : pattern);
          return extended;
        };
        if (parts.normalizedTime === "") {
          let sk = skeleton, bestSk = best.skeleton;
          one(DATE, sk, bestSk, best.info, true);
          const extended = one(MONTH, sk, bestSk, best.info, true);
          if (extended !== undefined) {
            sk = extended.skeleton;
            bestSk = extended.best;
          }
          // Once the month extended the skeleton, ICU's year step writes its extension
          // into the same strings, so the era step starts from it.
          const year = one(YEAR, sk, bestSk, best.info, true);
          if (extended !== undefined && year !== undefined) {
            sk = year.skeleton;
            bestSk = year.best;
          }
          one(ERA, sk, bestSk, best.info, true);
        } else {
          one(MINUTE, skeleton, best.skeleton, best.info, false);
          one(HOUR, skeleton, best.skeleton, best.info, false);
          one(AM_PM, skeleton, best.skeleton, best.info, false);
        }
      }
    }
    if (parts.time !== "" && parts.date === "") {
      const pattern = bestPattern("yMd" + parts.time);
      setFallback(DATE, pattern);
      setFallback(MONTH, pattern);
      setFallback(YEAR, pattern);
      setFallback(ERA, bestPattern("GyMd" + parts.time));
    } else if (found && parts.time !== "") {
      let sk = fSkeleton;
      if (StringIndexOf(parts.date, "d") < 0) setFallback(DATE, bestPattern(sk = "d" + sk));
      if (StringIndexOf(parts.date, "M") < 0) setFallback(MONTH, bestPattern(sk = "M" + sk));
      if (StringIndexOf(parts.date, "y") < 0) setFallback(YEAR, bestPattern(sk = "y" + sk));
      if (StringIndexOf(parts.date, "G") < 0) setFallback(ERA, bestPattern(sk = "G" + sk));
      // An era with no year, month or day: a change of era shows the two dates as the format
      // prints them.
      else if (!/[yMd]/.test(parts.date)) setFallback(ERA, record.pattern);
      const datePattern = bestPattern(parts.date);
      const fields = [AM_PM, HOUR, MINUTE];
      for (let i = 0; i < fields.length; i++) {
        const p = patterns[fields[i]];
        if (p !== undefined && p.first !== "") setPattern(fields[i], datePattern + ", " + p.first + p.second);
      }
    }
    layout.monthOnly = parts.time !== "" && StringIndexOf(parts.date, "y") < 0 && StringIndexOf(parts.date, "d") < 0;
    record.rangeLayout = layout;
    return layout;
  }

  function greatestDifference(f1, f2) {
    if ((f1.year > 0) !== (f2.year > 0)) return ERA;
    if (f1.year !== f2.year) return YEAR;
    if (f1.month !== f2.month) return MONTH;
    if (f1.day !== f2.day) return DATE;
    if ((f1.hour < 12) !== (f2.hour < 12)) return AM_PM;
    if (f1.hour !== f2.hour) return HOUR;
    if (f1.minute !== f2.minute) return MINUTE;
    if (f1.second !== f2.second) return SECOND;
    if (f1.millisecond !== f2.millisecond) return MILLISECOND;
    return -1;
  }

  // Appends `pattern` formatted at time t to the text under construction: its fields are
  // recorded (with their letters, for the spans) and the text between them becomes literals.
  function layOut(state, record, pattern, t) {
    const tokens = compilePattern(pattern), f = fieldsAt(record, t);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.literal !== undefined) state.text += token.literal;
      else {
        const value = fieldText(token.field, token.width, f, record);
        const fields = state.fields;
        fields[fields.length] = { letter: token.field, type: FIELD_TYPES[token.field], start: state.text.length, end: state.text.length + value.length, value: value };
        state.text += value;
      }
    }
  }

  function layOutRange(state, record, pattern, t1, t2) {
    layOut(state, record, pattern, t1);
    state.text += RANGE_FALLBACK;
    layOut(state, record, pattern, t2);
  }

  // What is refused: ICU's own pattern for a date with "HH" and fractional seconds but no
  // minute or second is "S (hour: HH)" or V8's "HH ├F14: S┤" depending on the date fields, in
  // a way not worked out here; and an era the formatter lays out from intl.js's ERA_TABLE,
  // whose interval patterns ICU derives from other skeletons than the formatter's.
  function unsupportedRange(record, what) {
    rangeError(`Intl.DateTimeFormat.prototype.formatRange: ${SANDBOX} cannot lay out a range for the pattern "${record.pattern}" as V8 would (${what[0]}); ${what[1]}, or format the two dates and join them`);
  }

  function rangeRefused(record, t1, t2) {
    if (record.eraTable) return ["an era beside a weekday, or a month or day without a year", 'use year: "numeric", month and day'];
    const c = countLetters(skeletonOf(record.pattern));
    if (c.H && c.S && !c.s && !c.m && (c.y || c.M || c.L || c.d || c.E || c.c || c.G)) {
      return ["a date with fractional seconds beside a 24-hour hour, without minute and second", 'add minute: "2-digit"'];
    }
    return undefined;
  }

  function dateRangeToParts(record, startDate, endDate, asString) {
    if (startDate === undefined || endDate === undefined) typeError("Invalid time value");
    const t1 = toTimeValue(startDate), t2 = toTimeValue(endDate);
    const field = greatestDifference(fieldsAt(record, t1), fieldsAt(record, t2));
    const refused = field >= 0 ? rangeRefused(record, t1, t2) : undefined;
    if (refused !== undefined) unsupportedRange(record, refused);
    const c = countLetters(skeletonOf(record.pattern));
    // A month alone with an offset zone ("O", which ICU's interval skeleton leaves out) falls
    // back to the whole pattern twice, whatever the difference (as V8 prints it).
    const monthOffset = c.O && (c.M || c.L) && !c.y && !c.d && !c.E && !c.c && !c.G && !c.h && !c.H && !c.k && !c.K && !c.m && !c.s && !c.S && !c.B;
    const layout = field < 0 || monthOffset ? undefined : rangeLayout(record);
    // A day period without an hour is no field of ICU's interval layout: a difference from the
    // day period down shows the start alone, a date difference the two whole dates.
    // (Without a date field, a date difference takes the time-only fall-back, "M/d/y, B".)
    const timed = c.m !== undefined || c.s !== undefined || c.S !== undefined;
    if (field >= 0 && c.B && !timed && !c.h && !c.H && !c.k && !c.K && (field >= AM_PM || c.y || c.M || c.L || c.d || c.E || c.c || c.G)) {
      const state = { text: "", fields: [] };
      const withoutPeriod = mapUnquoted(record.pattern, (ch) => (ch === "B" ? "" : ch));
      if (field >= AM_PM || fieldUnitIgnored(withoutPeriod, field)) layOut(state, record, record.pattern, t1);
      // The two whole dates take the layout of ICU's own pattern ("yy EEE, B" for a weekday without a day).
      else layOutRange(state, record, c.E && !c.d ? bestPattern(skeletonOf(record.pattern), false) : record.pattern, t1, t2);
      return rangeParts(state, asString);
    }
    const state = { text: "", fields: [] };
    let pattern = layout === undefined ? record.pattern : layout.pattern;
    let p = layout === undefined ? undefined : layout.patterns[field];
    // A date field the date+time skeleton has takes the fall-back of the finer date field
    // that ICU derived (a month without a day differs as "MMM d, h:mm a").
    for (let f = field + 1; p === undefined && layout !== undefined && layout.monthOnly && f <= DATE; f++) {
      p = layout.patterns[f];
    }
    if (field < 0 || ((p === undefined || (p.first === "" && p.second === "")) && fieldUnitIgnored(pattern, field))) {
      layOut(state, record, record.pattern, t1); // no range: V8 formats the start as format() does
    } else if (p !== undefined && p.first !== "") {
      layOut(state, record, p.first, t1);
      layOut(state, record, p.second, t2);
    } else {
      if (p !== undefined) pattern = p.second;
      if (field >= AM_PM && layout !== undefined && layout.datePattern !== undefined && layout.timePattern !== undefined) {
        layOut(state, record, layout.datePattern, t1);
        state.text += ", ";
        layOutRange(state, record, layout.timePattern, t1, t2);
      } else {
        layOutRange(state, record, pattern, t1, t2);
      }
    }
    return rangeParts(state, asString);
  }

  // The parts of a laid-out range. The spans: from the first to the last field that appears
  // twice, and their repeats.
  function rangeParts(state, asString) {
    const fields = state.fields;
    let s1a = -1, s1b = 0, s2a = -1, s2b = 0;
    for (let i = 0; i < fields.length; i++) {
      for (let j = i + 1; j < fields.length; j++) {
        if (fields[i].letter !== fields[j].letter) continue;
        if (s1a < 0 || fields[i].start < s1a) s1a = fields[i].start;
        if (fields[i].end > s1b) s1b = fields[i].end;
        if (s2a < 0 || fields[j].start < s2a) s2a = fields[j].start;
        if (fields[j].end > s2b) s2b = fields[j].end;
        break;
      }
    }
    const out = [];
    const source = (start, end) => (s1a >= 0 && start >= s1a && end <= s1b ? "startRange" : s2a >= 0 && start >= s2a && end <= s2b ? "endRange" : "shared");
    const literal = (start, end) => {
      const text = StringSlice(state.text, start, end);
      // Without a range V8 prints format()'s text, which has a plain space for U+202F.
      out[out.length] = { type: "literal", value: s1a < 0 && asString ? literalToken(text).plain : text, source: source(start, end) };
    };
    let at = 0;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i].start > at) literal(at, fields[i].start);
      out[out.length] = { type: fields[i].type, value: fields[i].value, source: source(fields[i].start, fields[i].end) };
      at = fields[i].end;
    }
    if (state.text.length > at) literal(at, state.text.length);
    return out;
  }

  return dateRangeToParts;
})
