#!/usr/bin/env node
// The column width Node 20 gives each code point in console text (util.inspect's
// getStringWidth, ICU's East Asian width, zero for marks and format characters), as the
// ranges whose width is not 1, for inspect.js's STRING_WIDTHS.
// Usage: node --expose-internals tests/tools/gen_string_widths.js
"use strict";
const { getStringWidth } = require("internal/util/inspect");
const out = [];
let cur = null;
for (let cp = 0x7f; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const w = getStringWidth(String.fromCodePoint(cp));
  if (cur && cur[2] === w && cur[1] === cp - 1) { cur[1] = cp; continue; }
  if (cur && cur[2] !== 1) out.push(cur);
  cur = [cp, cp, w];
}
if (cur && cur[2] !== 1) out.push(cur);
process.stdout.write(out.map(([a, b, w]) => `${a.toString(36)}${a === b ? "" : "-" + (b - a).toString(36)}${w ? "" : "z"}`).join(",") + "\n");
