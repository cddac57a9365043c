// Date.parse and new Date(text) for text that is not a plain ISO timestamp, as V8 reads it
// (src/date/dateparser*: the ES5 ISO grammar first, then the legacy parser "compatible with
// Safari"): month names, RFC 2822, toString() output, US dates, AM/PM, zone names, a no-break
// space or a trailing newline, a lower-case "t"/"z"; and V8's refusals ("+00" offsets,
// "2025-216"). Time without a zone is local time, which in the sandbox is UTC.
// Compiled the first time a handler's Date meets such text (prelude.js's v8); returns
// parse(text) -> time value or NaN.
(function () {
  "use strict";
  const NONE = 2147483647;  // kNone
  const MAX_DIGITS = 9;  // digits of a numeral that count
  const MAX_TIME = 8.64e15, MAX_TIME_BEFORE_UTC = 8.64e15 + 864e6;
  const INVALID = 0, MONTH_NAME = 1, TIME_ZONE_NAME = 2, TIME_SEPARATOR = 3, AM_PM = 4;
  const T_INVALID = -6, T_UNKNOWN = -5, T_SPACE = -4, T_NUMBER = -3, T_SYMBOL = -2, T_END = -1;
  // prefix, type, value (V8's KeywordTable)
  const KEYWORDS = [
    ["jan", MONTH_NAME, 1], ["feb", MONTH_NAME, 2], ["mar", MONTH_NAME, 3], ["apr", MONTH_NAME, 4],
    ["may", MONTH_NAME, 5], ["jun", MONTH_NAME, 6], ["jul", MONTH_NAME, 7], ["aug", MONTH_NAME, 8],
    ["sep", MONTH_NAME, 9], ["oct", MONTH_NAME, 10], ["nov", MONTH_NAME, 11], ["dec", MONTH_NAME, 12],
    ["am", AM_PM, 0], ["pm", AM_PM, 12], ["ut", TIME_ZONE_NAME, 0], ["utc", TIME_ZONE_NAME, 0],
    ["z", TIME_ZONE_NAME, 0], ["gmt", TIME_ZONE_NAME, 0], ["cdt", TIME_ZONE_NAME, -5],
    ["cst", TIME_ZONE_NAME, -6], ["edt", TIME_ZONE_NAME, -4], ["est", TIME_ZONE_NAME, -5],
    ["mdt", TIME_ZONE_NAME, -6], ["mst", TIME_ZONE_NAME, -7], ["pdt", TIME_ZONE_NAME, -7],
    ["pst", TIME_ZONE_NAME, -8], ["t", TIME_SEPARATOR, 0],
  ];

  const between = (x, lo, hi) => x >= lo && x <= hi;
  const isMinute = (x) => between(x, 0, 59), isHour = (x) => between(x, 0, 23);
  const isMonth = (x) => between(x, 1, 12), isDay = (x) => between(x, 1, 31);

  // ECMAScript WhiteSpace and LineTerminator.
  function isSpace(c) {
    return c === 9 || c === 10 || c === 11 || c === 12 || c === 13 || c === 32 || c === 0xA0 ||
      c === 0x1680 || (c >= 0x2000 && c <= 0x200A) || c === 0x2028 || c === 0x2029 ||
      c === 0x202F || c === 0x205F || c === 0x3000 || c === 0xFEFF;
  }

  function token(tag, length, value) { return { tag, length, value }; }
  const isNumber = (t) => t.tag === T_NUMBER;
  const isFixedNumber = (t, n) => t.tag === T_NUMBER && t.length === n;
  const isSymbol = (t, c) => t.tag === T_SYMBOL && t.value === c;
  const isSign = (t) => t.tag === T_SYMBOL && (t.value === 45 || t.value === 43);
  const sign = (t) => 44 - t.value;
  const isKeyword = (t) => t.tag >= 0;
  const isZ = (t) => t.tag === TIME_ZONE_NAME && t.length === 1 && t.value === 0;

  // V8's InputReader + DateStringTokenizer over UTF-16 code units (a NUL ends the input).
  function Scanner(text) {
    this.text = text;
    this.index = 0;
    this.ch = 0;
    this.advance();
    this.next_ = this.scan();
  }
  Scanner.prototype = {
    __proto__: null,
    advance() {
      this.ch = this.index < this.text.length ? this.text.charCodeAt(this.index) : 0;
      this.index++;
    },
    scan() {
      const pre = this.index;
      const ch = this.ch;
      if (ch === 0) return token(T_END, 0, -1);
      if (ch >= 48 && ch <= 57) {
        let n = 0, i = 0;
        while (this.ch >= 48 && this.ch <= 57) {
          if (i < MAX_DIGITS) n = n * 10 + this.ch - 48;
          i++;
          this.advance();
        }
        return token(T_NUMBER, this.index - pre, n);
      }
      if (ch === 58 || ch === 45 || ch === 43 || ch === 46 || ch === 41) {
        this.advance();
        return token(T_SYMBOL, 1, ch);
      }
      if (ch >= 65 && !isSpace(ch)) {
        let prefix = "", length = 0;
        for (; this.ch >= 65 && !isSpace(this.ch); this.advance(), length++) {
          if (length < 3) prefix += String.fromCharCode(this.ch | 0x20);
        }
        for (let i = 0; i < KEYWORDS.length; i++) {
          const k = KEYWORDS[i];
          if (prefix === k[0] && (length <= 3 || k[1] === MONTH_NAME)) return token(k[1], length, k[2]);
        }
        return token(INVALID, length, 0);
      }
      if (isSpace(ch)) {
        this.advance();
        return token(T_SPACE, this.index - pre, -1);
      }
      if (ch === 40) {  // parenthesized text is skipped
        let balance = 0;
        do {
          if (this.ch === 41) --balance;
          else if (this.ch === 40) ++balance;
          this.advance();
        } while (balance > 0 && this.ch);
        return token(T_UNKNOWN, 1, -1);
      }
      this.advance();
      return token(T_UNKNOWN, 1, -1);
    },
    next() {
      const result = this.next_;
      this.next_ = this.scan();
      return result;
    },
    peek() { return this.next_; },
    skipSymbol(c) {
      if (isSymbol(this.next_, c)) {
        this.next_ = this.scan();
        return true;
      }
      return false;
    },
  };

  // The first three significant digits of a fraction, from its value and its length.
  function milliseconds(t) {
    let number = t.value, length = t.length;
    if (length === 1) return number * 100;
    if (length === 2) return number * 10;
    if (length > 3) {
      if (length > MAX_DIGITS) length = MAX_DIGITS;
      let factor = 1;
      do { factor *= 10; length--; } while (length > 3);
      number = (number / factor) | 0;
    }
    return number;
  }

  function TimeZone() { this.sign = NONE; this.hour = NONE; this.minute = NONE; }
  TimeZone.prototype = {
    __proto__: null,
    set(hours) { this.sign = hours < 0 ? -1 : 1; this.hour = hours * this.sign; this.minute = 0; },
    setSign(s) { this.sign = s < 0 ? -1 : 1; },
    isExpecting(n) { return this.hour !== NONE && this.minute === NONE && isMinute(n); },
    isUTC() { return this.hour === 0 && this.minute === 0; },
    isEmpty() { return this.hour === NONE; },
    // Offset in seconds, null for none, undefined when invalid.
    offset() {
      if (this.sign === NONE) return null;
      const hour = this.hour === NONE ? 0 : this.hour, minute = this.minute === NONE ? 0 : this.minute;
      // V8 adds these as unsigned 32-bit integers.
      const total = ((hour * 3600) % 4294967296 + (minute * 60) % 4294967296) % 4294967296;
      if (total > 2147483647) return undefined;
      return this.sign < 0 ? -total : total;
    },
  };

  function Time() { this.comp = []; this.hourOffset = NONE; }
  Time.prototype = {
    __proto__: null,
    isEmpty() { return this.comp.length === 0; },
    isExpecting(n) {
      const i = this.comp.length;
      return (i === 1 && isMinute(n)) || (i === 2 && isMinute(n)) || (i === 3 && between(n, 0, 999));
    },
    add(n) { if (this.comp.length >= 4) return false; this.comp.push(n); return true; },
    addFinal(n) {
      if (!this.add(n)) return false;
      while (this.comp.length < 4) this.comp.push(0);
      return true;
    },
    write(out) {
      const c = this.comp;
      while (c.length < 4) c.push(0);
      let hour = c[0];
      const minute = c[1], second = c[2], ms = c[3];
      if (this.hourOffset !== NONE) {
        if (!between(hour, 0, 12)) return false;
        hour = (hour % 12) + this.hourOffset;
      }
      if (!isHour(hour) || !isMinute(minute) || !isMinute(second) || !between(ms, 0, 999)) {
        if (hour !== 24 || minute !== 0 || second !== 0 || ms !== 0) return false;
      }
      out.hour = hour; out.minute = minute; out.second = second; out.ms = ms;
      return true;
    },
  };

  function Day() { this.comp = []; this.namedMonth = NONE; this.iso = false; }
  Day.prototype = {
    __proto__: null,
    isEmpty() { return this.comp.length === 0; },
    add(n) { if (this.comp.length >= 3) return false; this.comp.push(n); return true; },
    write(out) {
      const c = this.comp;
      if (c.length < 1) return false;
      // Missing parts default to 1; V8 then reads the padded list (so one number is a month
      // in 2001, or a year).
      while (c.length < 3) c.push(1);
      let year, month, day;
      if (this.namedMonth === NONE) {
        if (this.iso || !isDay(c[0])) {
          year = c[0]; month = c[1]; day = c[2];
        } else {
          month = c[0]; day = c[1]; year = c[2];
        }
      } else {
        month = this.namedMonth;
        if (!isDay(c[0])) {
          year = c[0]; day = c[1];
        } else {
          day = c[0]; year = c[1];
        }
      }
      if (!this.iso) {
        if (between(year, 0, 49)) year += 2000;
        else if (between(year, 50, 99)) year += 1900;
      }
      if (!isMonth(month) || !isDay(day)) return false;
      out.year = year; out.month = month - 1; out.day = day;
      return true;
    },
  };

  // ES5 ISO 8601 first: the token to go on with in the legacy parser, END when done, or
  // T_INVALID when the text cannot be a date at all.
  function parseES5(scanner, day, time, tz) {
    if (isSign(scanner.peek())) {
      const signToken = scanner.next();
      if (!isFixedNumber(scanner.peek(), 6)) return signToken;
      const s = sign(signToken), year = scanner.next().value;
      if (s < 0 && year === 0) return signToken;
      day.add(s * year);
    } else if (isFixedNumber(scanner.peek(), 4)) {
      day.add(scanner.next().value);
    } else {
      return scanner.next();
    }
    if (scanner.skipSymbol(45)) {
      if (!isFixedNumber(scanner.peek(), 2) || !isMonth(scanner.peek().value)) return scanner.next();
      day.add(scanner.next().value);
      if (scanner.skipSymbol(45)) {
        if (!isFixedNumber(scanner.peek(), 2) || !isDay(scanner.peek().value)) return scanner.next();
        day.add(scanner.next().value);
      }
    }
    if (scanner.peek().tag !== TIME_SEPARATOR) {
      if (scanner.peek().tag !== T_END) return scanner.next();
    } else {
      const invalid = token(T_INVALID, 0, -1);
      scanner.next();
      if (!isFixedNumber(scanner.peek(), 2) || !between(scanner.peek().value, 0, 24)) return invalid;
      const hourIs24 = scanner.peek().value === 24;
      time.add(scanner.next().value);
      if (!scanner.skipSymbol(58)) return invalid;
      if (!isFixedNumber(scanner.peek(), 2) || !isMinute(scanner.peek().value) || (hourIs24 && scanner.peek().value > 0)) return invalid;
      time.add(scanner.next().value);
      if (scanner.skipSymbol(58)) {
        if (!isFixedNumber(scanner.peek(), 2) || !isMinute(scanner.peek().value) || (hourIs24 && scanner.peek().value > 0)) return invalid;
        time.add(scanner.next().value);
        if (scanner.skipSymbol(46)) {
          if (!isNumber(scanner.peek()) || (hourIs24 && scanner.peek().value > 0)) return invalid;
          time.add(milliseconds(scanner.next()));
        }
      }
      if (isZ(scanner.peek())) {
        scanner.next();
        tz.set(0);
      } else if (isSymbol(scanner.peek(), 43) || isSymbol(scanner.peek(), 45)) {
        tz.setSign(scanner.next().value === 43 ? 1 : -1);
        if (isFixedNumber(scanner.peek(), 4)) {
          const hourmin = scanner.next().value;
          const hour = (hourmin / 100) | 0, min = hourmin % 100;
          if (!isHour(hour) || !isMinute(min)) return invalid;
          tz.hour = hour;
          tz.minute = min;
        } else {
          if (!isFixedNumber(scanner.peek(), 2) || !isHour(scanner.peek().value)) return invalid;
          tz.hour = scanner.next().value;
          if (!scanner.skipSymbol(58)) return invalid;
          if (!isFixedNumber(scanner.peek(), 2) || !isMinute(scanner.peek().value)) return invalid;
          tz.minute = scanner.next().value;
        }
      }
      if (scanner.peek().tag !== T_END) return invalid;
    }
    // Date-only forms are UTC, date-time forms local.
    if (tz.isEmpty() && time.isEmpty()) tz.set(0);
    day.iso = true;
    return token(T_END, 0, -1);
  }

  // The fields of a date text (DateParser::Parse), or null.
  function fields(text) {
    const scanner = new Scanner(text);
    const tz = new TimeZone(), time = new Time(), day = new Day();
    let t = parseES5(scanner, day, time, tz);
    if (t.tag === T_INVALID) return null;
    let hasReadNumber = !day.isEmpty();
    for (; t.tag !== T_END; t = scanner.next()) {
      if (isNumber(t)) {
        hasReadNumber = true;
        const n = t.value;
        if (scanner.skipSymbol(58)) {
          if (scanner.skipSymbol(58)) {
            if (!time.isEmpty()) return null;
            time.add(n);
            time.add(0);
          } else {
            if (!time.add(n)) return null;
            if (isSymbol(scanner.peek(), 46)) scanner.next();
          }
        } else if (scanner.skipSymbol(46) && time.isExpecting(n)) {
          time.add(n);
          if (!isNumber(scanner.peek())) return null;
          const ms = milliseconds(scanner.next());
          if (ms < 0) return null;
          time.addFinal(ms);
        } else if (tz.isExpecting(n)) {
          tz.minute = n;
        } else if (time.isExpecting(n)) {
          time.addFinal(n);
          const p = scanner.peek();
          if (p.tag !== T_END && p.tag !== T_SPACE && !isZ(p) && !isSign(p)) return null;
        } else {
          if (!day.add(n)) return null;
          scanner.skipSymbol(45);
        }
      } else if (isKeyword(t)) {
        if (t.tag === AM_PM && !time.isEmpty()) {
          time.hourOffset = t.value;
        } else if (t.tag === MONTH_NAME) {
          day.namedMonth = t.value;
          scanner.skipSymbol(45);
        } else if (t.tag === TIME_ZONE_NAME && hasReadNumber) {
          tz.set(t.value);
        } else {
          // Words are allowed before the first number only, and not glued to it.
          if (hasReadNumber) return null;
          if (isNumber(scanner.peek())) return null;
        }
      } else if (isSign(t) && (tz.isUTC() || !time.isEmpty())) {
        tz.setSign(sign(t));
        let n = 0, length = 0;
        if (isNumber(scanner.peek())) {
          const num = scanner.next();
          length = num.length;
          n = num.value;
        }
        hasReadNumber = true;
        if (isSymbol(scanner.peek(), 58)) {
          tz.hour = n;
          tz.minute = NONE;
        } else if (length === 2 || length === 1) {
          tz.hour = n;
          tz.minute = 0;
        } else if (length === 4 || length === 3) {
          tz.hour = (n / 100) | 0;
          tz.minute = n % 100;
        } else {
          return null;
        }
      } else if ((isSign(t) || isSymbol(t, 41)) && hasReadNumber) {
        return null;
      }
    }
    const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, offset: null };
    if (!day.write(out) || !time.write(out)) return null;
    const offset = tz.offset();
    if (offset === undefined) return null;
    out.offset = offset;
    return out;
  }

  function floorDiv(a, b) { return (a - (((a % b) + b) % b)) / b; }
  // Days from 1970-01-01 to the first of a month (proleptic Gregorian; V8's MakeDay).
  function daysFromCivil(y, m) {  // m 1..12
    y -= m <= 2 ? 1 : 0;
    const era = floorDiv(y, 400);
    const yoe = y - era * 400;
    const doy = floorDiv(153 * (m + (m > 2 ? -3 : 9)) + 2, 5);
    const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
    return era * 146097 + doe - 719468;
  }

  // ParseDateTimeString: the fields to a time value, local time being UTC.
  function parse(text) {
    const f = fields(text);
    if (f === null || f.year < -1000000 || f.year > 1000000) return NaN;
    const dayNumber = daysFromCivil(f.year, f.month + 1) + f.day - 1;
    let date = dayNumber * 864e5 + ((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.ms;
    if (f.offset === null) {
      if (date < -MAX_TIME_BEFORE_UTC || date > MAX_TIME_BEFORE_UTC) return NaN;
    } else {
      date -= f.offset * 1000;
    }
    if (date < -MAX_TIME || date > MAX_TIME) return NaN;
    return date + 0;
  }

  return parse;
})
