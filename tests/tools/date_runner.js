// Date.parse and new Date(text) reference cases, the same text in Node 20 (gen_date_cases.js,
// run with TZ=UTC) and in the sandbox (tests/test_dates.py): hand-picked human date texts and
// seeded variations of them (ISO, RFC 2822, toString() output, US and European orders, month
// names, AM/PM, time zone names and offsets, odd spacing and case). Top-level names are `var`s
// because Node loads this file with an indirect eval.
var DATE_TEXTS = [
  "2024-03-05", "2024-03-05T10:00:00Z", "2024-03-05T10:00:00.123Z", "2025-07-23T11:58:40.220000Z",
  "2024-03-05T10:00", "2024-03-05T10:00:00", "2024-03-05T10:00:00+01:00", "2024-03-05T10:00:00+0100",
  "2024-03-05T10:00:00+00", "2024-03-05T10:00:00.5Z", "2024-03-05T24:00:00Z", "2024-03-05T24:00:01Z",
  "2024-03-05t10:00:00z", "2024-03-05T10:00:00z", "2024-03-05 10:00:00", "2024-03-05 10:00:00Z",
  "2024-03-05\u00a010:00:00", "2024-03-05T10:00:00Z\n", "\n2024-03-05", " 2024-03-05 ", "2025-216",
  "2024-3-5", "2024/03/05", "2024/3/5 10:00", "3/5/2024", "3/5/2024 10:00 PM", "03/05/2024 12:00 AM",
  "3/5/24", "5/3/2024", "13/5/2024", "2024-02-30", "2024-02-29", "2023-02-29", "2024-13-01",
  "+002024-03-05", "-000001-01-01T00:00:00Z", "-000000-01-01", "+275760-09-13T00:00:00Z",
  "+275760-09-13T00:00:00.001Z", "-271821-04-20T00:00:00Z", "-271821-04-19T23:59:59Z",
  "Tue Mar 05 2024 10:00:00 GMT+0100", "Tue Mar 05 2024 10:00:00 GMT+0100 (Central European Standard Time)",
  "Tue Mar 05 2024", "Tue, 05 Mar 2024 10:00:00 GMT", "Tue, 05 Mar 2024 10:00:00 +0000",
  "05 Mar 2024 10:00 EST", "5 March 2024", "March 5, 2024", "March 5 2024 10:30", "Mar 5, 2024 10:30:15 pm",
  "5-Mar-2024", "Mar-05-2024", "2024 March 5", "December 17, 1995 03:24:00", "Dec 25 1995 13:30 PST",
  "1995-12-17T03:24:00", "Thursday, January 1, 1970", "Jan 1 1970 00:00:00 UTC", "Jan 1 1970 UT",
  "1 Jan 70", "Jan 1 49", "Jan 1 50", "Jan 1 100", "Sat, 01-Jan-2000 08:00:00 GMT", "2000-01-01 08:00 +05:30",
  "2000-01-01 08:00 GMT+5", "2000-01-01 08:00 GMT-08:00", "2000-01-01 08:00 UTC+2", "12:00 Jan 1 2000",
  "2000-01-01T08:00:00.123456789Z", "2000-01-01T08:00:00.Z", "2000-01-01T8:00:00Z", "20000101",
  "2000-1-1T08:00:00Z", "Mon Jan 01 2000 08:00:00 GMT+0000 (Coordinated Universal Time)", "now", "",
  "today", "1", "12", "2024", "99", "100000", "Jan", "2024-03", "2024-03-05T", "2024-03-05T10",
  "2024-03-05T10:00:00+25:00", "2024-03-05T10:00:00-23:59", "10:00 2024-03-05", "2024-03-05 10 am",
  "2024-03-05 10:00 am", "2024-03-05 13:00 pm", "2024-03-05 12:30 am", "3.5.2024", "5.3.2024 10:00",
  "2024.03.05", "Mar 5 2024 10.30", "Mar 5 2024 10:30:15.25", "(comment) Mar 5 2024", "Mar 5 2024 (x) 10:00",
  "Mar 5 2024 10:00 +1", "Mar 5 2024 10:00 -0800", "Mar 5 2024 10:00 GMT-0800 (PST)", "MAR 5 2024",
  "mar 5 2024", "Marching 5 2024", "Foo Mar 5 2024", "Mar 5 2024 Foo", "Mar 5 2024 10:00 Z", "2024-03-05Z",
  "2024-03-05 Z", "Mar 5, 2024, 10:00:00 AM", "3/5/2024, 10:00:00 AM", "Tuesday, March 5, 2024 at 10:00 AM",
  "2024-03-05T10:00:00.000+05:30", "2024-03-05T10:00:00+05:30:00", "2024-03-05T10:00:00 +05:30",
  "2024-03-05\t10:00", "2024-03-05\u200b", "\u30002024-03-05", "2024-03-05T10:00:00.000Z ",
  "Mar 5 2024 24:00", "Mar 5 2024 25:00", "Mar 5 2024 10:60", "Mar 32 2024", "Feb 30 2024", "0 Mar 2024",
  "-1", "+1", "1970-01-01T00:00:00.000-00:00", "1969-12-31T23:59:59.999Z", "0000-01-01", "0001-01-01",
  "9999-12-31T23:59:59.999Z", "10000-01-01", "1e3", "2024-03-05T10:00:00.1234Z", "Mar 5 2024 10:00 EDT",
  "Mar 5 2024 10:00 CST", "Mar 5 2024 10:00 MDT", "Mar 5 2024 10:00 CET", "Mar 5 2024 10:00:00 GMT+01:00",
];
function dateRun() {
  let seed = 0x5bd1e995;
  function next() { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }
  const MONTHS = ["Jan", "February", "mar", "APR", "May", "june", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"];
  const two = (n) => (n < 10 ? "0" : "") + n;
  const texts = DATE_TEXTS.slice();
  for (let i = 0; i < 1500; i++) {
    const y = 1950 + (next() % 100), m = 1 + (next() % 12), d = 1 + (next() % 31);
    const h = next() % 25, mi = next() % 61, s = next() % 61;
    const time = [two(h) + ":" + two(mi), two(h) + ":" + two(mi) + ":" + two(s), h + ":" + two(mi) + " " + ["AM", "pm", "a.m."][next() % 3], ""][next() % 4];
    const zone = ["", "Z", "z", "GMT", "UTC", "+0100", "-05:00", "+00", "GMT+2", "EST", "(UTC)", "+1", "-0830", "utc"][next() % 14];
    const sep = [" ", "T", "t", "\u00a0", "  ", ", "][next() % 6];
    let date;
    switch (next() % 8) {
      case 0: date = y + "-" + two(m) + "-" + two(d); break;
      case 1: date = m + "/" + d + "/" + y; break;
      case 2: date = d + " " + MONTHS[m - 1] + " " + y; break;
      case 3: date = MONTHS[m - 1] + " " + d + ", " + y; break;
      case 4: date = y + "/" + two(m) + "/" + two(d); break;
      case 5: date = ["Mon", "Tue", "Wednesday", "thu"][next() % 4] + ", " + two(d) + " " + MONTHS[m - 1] + " " + y; break;
      case 6: date = y + "-" + m + "-" + d; break;
      default: date = y + "-" + two(m) + "-" + two(d) + "T" + two(h % 24) + ":" + two(mi % 60) + ":" + two(s % 60) + "." + (next() % 1000000); break;
    }
    let text = time === "" ? date : date + sep + time;
    if (zone !== "") text += (next() % 3 ? " " : "") + zone;
    if (next() % 10 === 0) text += ["\n", " ", "\t"][next() % 3];
    if (next() % 12 === 0) text = text.toLowerCase();
    texts.push(text);
  }
  // Token soup: what the legacy parser makes of arbitrary sequences.
  const PIECES = ["2024", "12", "5", "31", "0", "99", "123456", "1234567890", "-", "+", ":", "::", ".", ",", "/", " ", "\u00a0",
    "(", ")", "(x)", "T", "t", "Z", "z", "am", "PM", "Jan", "september", "GMT", "utc", "ut", "EST", "pdt", "foo", "\n", "\t", "0x"];
  for (let i = 0; i < 1500; i++) {
    let text = "";
    const n = 1 + (next() % 9);
    for (let k = 0; k < n; k++) text += PIECES[next() % PIECES.length];
    texts.push(text);
  }
  const show = (t) => (t !== t ? "NaN" : String(t));
  return texts.map((t) => [t, show(Date.parse(t)), show(new Date(t).getTime())]);
}
