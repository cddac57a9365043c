#!/usr/bin/env node
// Reference data for how the sandbox reads Intl.Collator's and localeCompare's locales and
// options (collate.js resolveTag / collationOption / usage "search"; tests/test_collation_options.py),
// as Node 20 (ICU 78, en) answers them: Unicode extension keywords in the tag (kn, kf, co and
// others), the collation option, usage "search", and options overriding keywords. Each case
// is an expression and its value as JSON text ("!" + the error's name when it throws).
// "refused" lists expressions whose answer needs collation data the sandbox does not have
// (the emoji and eor collations, en-US-POSIX, the search collation's own rules): V8 answers
// them, the sandbox throws a RangeError saying so.
// Usage: node tests/tools/gen_collation_options_cases.js > tests/data/collation_options_cases.json
"use strict";

let seed = 20271201;
function random(n) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const q = JSON.stringify;
const cases = [], refused = [];
function add(expr) {
  let value;
  try { value = JSON.stringify((0, eval)(expr)); } catch (e) { value = "!" + e.name; }
  cases.push({ expr, expected: value });
}

const TAGS = [
  "en", "en-US", "EN-us", "en-GB", "en-AU", "en-Latn", "en-Latn-US", "en-001", "en-US-oxendict", "en-GB-oxendict",
  "en-u-kn", "en-u-kn-true", "en-u-kn-false", "en-u-kn-yes", "en-u-kn-no", "en-u-kn-foo", "en-u-kn-true-true", "en-u-kn-kn-false",
  "en-u-kf-upper", "en-u-kf-lower", "en-u-kf-false", "en-u-kf", "en-u-kf-yes", "en-u-kf-up", "en-us-u-KF-UPPER",
  "en-u-kn-kf-upper", "en-u-kn-true-kf-lower", "en-US-u-kn-false", "en-GB-u-kn", "en-US-u-ca-buddhist-kn",
  "en-US-u-co-phonebk", "en-US-u-co-standard", "en-US-u-co-search", "en-u-co-pinyin", "en-u-co", "en-US-u-co-phonebk-kn",
  "en-u-ks-level1", "en-u-ka-shifted", "en-u-kc-true", "en-u-kb", "en-u-kk", "en-u-kr-latn", "en-u-kv-space", "en-u-vt-0041",
  "en-US-u-nu-arab", "en-US-u-rg-gbzzzz-kn", "en-US-x-foo", "en-US-u-kn-x-foo", "en-US-t-en-u-kn", "en-a-bbb-u-kn", "en-u-attr-kn",
];
const REFUSED_TAGS = ["en-US-u-co-emoji", "en-u-co-eor", "en-u-co-EMOJI", "en-u-co-emoji-kn", "en-US-posix", "en-US-u-va-posix"];
const OPTIONS = [
  undefined, { numeric: false }, { numeric: true }, { caseFirst: "lower" }, { caseFirst: "upper" }, { caseFirst: "false" },
  { numeric: false, caseFirst: "false" }, { sensitivity: "base" }, { collation: "phonebk" }, { collation: "standard" },
];
const PAIRS = [["a10", "a9"], ["a", "A"], ["A", "a"], ["b", "A"], ["résumé", "Resume"], ["item 2", "item 10"]];

for (const tag of TAGS) {
  add(`new Intl.Collator(${q(tag)}).resolvedOptions()`);
  for (const options of OPTIONS) {
    if (options === undefined) continue;
    add(`new Intl.Collator(${q(tag)}, ${q(options)}).resolvedOptions()`);
  }
  for (let k = 0; k < 3; k++) {
    const options = OPTIONS[random(OPTIONS.length)];
    const [a, b] = PAIRS[random(PAIRS.length)];
    const args = options === undefined ? q(tag) : `${q(tag)}, ${q(options)}`;
    add(`${q(a)}.localeCompare(${q(b)}, ${args})`);
    add(`new Intl.Collator(${args}).compare(${q(a)}, ${q(b)})`);
  }
}
for (const tag of ["en-u-kn", "en-u-kf-upper", "en-u-kn-false", "en-u-kf-lower-kn"]) {
  for (const [a, b] of PAIRS) add(`[${q(a)}.localeCompare(${q(b)}, ${q(tag)}), ${q(a)}.localeCompare(${q(b)}, [${q(tag)}, "de"])]`);
}
add(`new Intl.Collator(["en-u-kn", "de"]).resolvedOptions().locale`);
// Numbers in other scripts' digits (kn reads every decimal digit), early and late in Unicode.
for (const zero of [0x30, 0x660, 0x966, 0xe50, 0xff10, 0x104a0, 0x11066, 0x16a60, 0x1d7ce, 0x1e950, 0x1fbf0]) {
  const d = (n) => [...String(n)].map((c) => String.fromCodePoint(zero + +c)).join("");
  add(`[${q(d(10))}.localeCompare(${q(d(9))}, "en-u-kn"), ${q("x" + d(100))}.localeCompare(${q("x" + d(20))}, "en", {numeric: true}), ${q(d(10))}.localeCompare(${q(d(9))})]`);
}

// The collation option: a Unicode type (else a RangeError), ignored unless emoji or eor.
for (const value of ["phonebk", "standard", "search", "default", "dict", "zzzz", "abc", "abc-def", "ab", "abcdefghi", "abc-de", "abc_def", "", true, 12345, null]) {
  add(`new Intl.Collator("en", {collation: ${q(value)}}).resolvedOptions()`);
  add(`"a".localeCompare("b", "en", {collation: ${q(value)}})`);
}
add(`new Intl.Collator("en-u-co-phonebk", {collation: "phonebk"}).resolvedOptions()`);

// usage "search": reported, and the root order for text the search collation does not tailor.
add(`new Intl.Collator("en", {usage: "search"}).resolvedOptions()`);
add(`new Intl.Collator("en-u-kn", {usage: "search", sensitivity: "base"}).resolvedOptions()`);
add(`new Intl.Collator("en-u-co-search").resolvedOptions()`);
const POOL = [..."aAbBzZéÉèñÑçßæ =<>-_.,;!?'\"0123456789½ΑαБб中文カナㄱกขค"];
const SEARCH_OPTIONS = [{}, { sensitivity: "base" }, { sensitivity: "accent" }, { sensitivity: "case" }, { ignorePunctuation: true }, { numeric: true }, { caseFirst: "upper" }];
for (let k = 0; k < 300; k++) {
  const word = () => { let s = ""; for (let n = 1 + random(5); n > 0; n--) s += POOL[random(POOL.length)]; return s; };
  const a = word(), b = random(4) === 0 ? a.toUpperCase() : word();
  const options = { usage: "search", ...SEARCH_OPTIONS[random(SEARCH_OPTIONS.length)] };
  add(`[${q(a)}.localeCompare(${q(b)}, "en", ${q(options)}), new Intl.Collator("en", ${q(options)}).compare(${q(a)}, ${q(b)})]`);
}

// What needs other collation data: V8 answers, the sandbox refuses.
for (const tag of REFUSED_TAGS) {
  refused.push(`new Intl.Collator(${q(tag)}).compare("a", "b")`);
  refused.push(`"a".localeCompare("b", ${q(tag)})`);
}
for (const value of ["emoji", "eor", "EMOJI"]) {
  refused.push(`new Intl.Collator("en", {collation: ${q(value)}}).compare("a", "b")`);
  refused.push(`"a".localeCompare("b", "en", {collation: ${q(value)}})`);
}
for (const [a, b] of [["آ", "ا"], ["ก", "เก"], ["각", "가"], ["=", "≠"], ["ـ", "a"], ["a", "ﺁ"]]) {
  refused.push(`${q(a)}.localeCompare(${q(b)}, "en", {usage: "search"})`);
  refused.push(`new Intl.Collator("en", {usage: "search"}).compare(${q(a)}, ${q(b)})`);
}

process.stdout.write(JSON.stringify({ node: process.version, cases, refused }) + "\n");
