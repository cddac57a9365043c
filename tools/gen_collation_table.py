#!/usr/bin/env python3
"""Writes dodo_transform/sandbox/js/collation_table.js: ICU 78's root collation (CLDR root =
DUCET with CLDR's changes), what Node 20 / V8 (ICU 78.2) compare with for en / en-US.

Where the data comes from: ICU4C 78 itself, read through its C API (ucol_openElements /
ucol_next: the collation elements of every code point and of every contraction of the root).
Debian's libicu is older (72: Unicode 15, no Unicode 16/17 letters), so the ICU 78 libraries
come from the icu4py wheel, which bundles them; icu4py is used for nothing else and is no
dependency of the product or the tests (tests/test_collation.py checks the result against
Node). To regenerate:

    python3 -m venv /tmp/icu78 && /tmp/icu78/bin/pip install icu4py==1.2.0
    /tmp/icu78/bin/python tools/gen_collation_table.py \
        > dodo_transform/sandbox/js/collation_table.js

What the table holds (collate.js decodes it, one block of 256 code points at a time):
- primaries as ranks: ICU's 32-bit primary weights numbered in their order (only the order
  matters); unassigned code points (ICU's computed implicit weights, lead byte FE) are not
  listed: their rank is UNASSIGNED + code point, above every listed rank below FE;
- the lower 32 bits of each collation element (secondary, case bits, tertiary) by index into
  LOW, as ICU has them (the case bits serve caseFirst and the case level);
- code points whose NFD differs are not listed: collate.js compares the NFD (String#normalize,
  whose data equals Node's: tests/test_collation.py), as ICU's canonical closure makes equal;
- the contractions (Cyrillic й, Indic two-part vowels, Thai/Lao/Tai Viet/New Tai Lue
  prevowels, Tibetan, Arabic hamza, ...) and the one prefix rule of the root (L·);
- the canonical combining classes of non-starters, for discontiguous contractions.
Records in a block: varint gap, then head = 2k (a run of k code points with one CE each,
consecutive ranks from r, lower index li: r as a zigzag delta from the previous rank, li) or
2m+1 (one code point with m CEs: m times rank delta and li). Varints: digits in base 32 from
"]" (0x5d) up, then a last digit in base 40 from "(" (0x28) up.
"""

from __future__ import annotations

import ctypes
import glob
import json
import sys
from pathlib import Path

_ICU = None


def _lib(pattern: str) -> ctypes.CDLL:
    import icu4py  # noqa: F401  (only its bundled ICU libraries are used)

    base = Path(icu4py.__file__).resolve().parent.parent / "icu4py.libs"
    return ctypes.CDLL(glob.glob(str(base / pattern))[0], mode=ctypes.RTLD_GLOBAL)


class ICU:
    def __init__(self) -> None:
        _lib("libicudata-*")
        uc = _lib("libicuuc-*")
        i18n = _lib("libicui18n-*")
        ver = sorted(glob.glob(str(Path(uc._name).parent / "libicuuc-*")))[0].rsplit(".so.", 1)[1]
        self.version = ver
        s = "_" + ver.split(".")[0]
        err = ctypes.POINTER(ctypes.c_int)
        vp, i32 = ctypes.c_void_p, ctypes.c_int32

        def f(lib, name, res, *args):
            fn = getattr(lib, name + s)
            fn.restype, fn.argtypes = res, list(args)
            return fn

        self.open = f(i18n, "ucol_open", vp, ctypes.c_char_p, err)
        self.openElements = f(i18n, "ucol_openElements", vp, vp, vp, i32, err)
        self.setText = f(i18n, "ucol_setText", None, vp, vp, i32, err)
        self.next = f(i18n, "ucol_next", i32, vp, err)
        self.setAttribute = f(i18n, "ucol_setAttribute", None, vp, ctypes.c_int, ctypes.c_int, err)
        self.getVariableTop = f(i18n, "ucol_getVariableTop", ctypes.c_uint32, vp, err)
        self.getCAE = f(
            i18n, "ucol_getContractionsAndExpansions", None, vp, vp, vp, ctypes.c_int8, err
        )
        self.usetOpen = f(uc, "uset_open", vp, i32, i32)
        self.usetCount = f(uc, "uset_getItemCount", i32, vp)
        self.usetItem = f(
            uc, "uset_getItem", i32, vp, i32, ctypes.POINTER(i32), ctypes.POINTER(i32), vp, i32, err
        )
        self.ccc = f(uc, "u_getCombiningClass", ctypes.c_uint8, i32)
        self.nfd = f(uc, "unorm2_getNFDInstance", vp, err)
        self.normalize = f(uc, "unorm2_normalize", i32, vp, vp, i32, vp, i32, err)
        self.e = ctypes.c_int(0)
        self.root = self.open(b"", ctypes.byref(self.e))
        self.it = self.openElements(
            self.root, ctypes.create_string_buffer(4), 0, ctypes.byref(self.e)
        )
        numeric = self.open(b"", ctypes.byref(self.e))
        self.setAttribute(numeric, 7, 17, ctypes.byref(self.e))  # UCOL_NUMERIC_COLLATION, ON
        self.numeric_it = self.openElements(
            numeric, ctypes.create_string_buffer(4), 0, ctypes.byref(self.e)
        )
        shifted = self.open(b"", ctypes.byref(self.e))
        self.setAttribute(shifted, 1, 20, ctypes.byref(self.e))  # UCOL_ALTERNATE_HANDLING, SHIFTED
        self.variable_top = self.getVariableTop(shifted, ctypes.byref(self.e))

    def ces(self, text: str, it=None) -> list[tuple[int, int]]:
        """The 64-bit collation elements, as (primary, lower 32 bits), of text."""
        b = text.encode("utf-16-le", "surrogatepass")
        buf = ctypes.create_string_buffer(b, len(b) + 2)
        it = it or self.it
        self.setText(it, buf, len(b) // 2, ctypes.byref(self.e))
        out: list[tuple[int, int]] = []
        while True:
            c = self.next(it, ctypes.byref(self.e)) & 0xFFFFFFFF
            if c == 0xFFFFFFFF:
                break
            if (c & 0xC0) == 0xC0 and out:  # the second half of a 64-bit CE (coleitr.cpp)
                p, lo = out[-1]
                out[-1] = (p | c >> 16, lo | ((c >> 8) & 0xFF) << 16 | (c & 0x3F))
            else:
                out.append((c & 0xFFFF0000, ((c >> 8) & 0xFF) << 24 | (c & 0xFF) << 8))
        return [ce for ce in out if ce != (0, 0)]

    def nfd_of(self, text: str) -> str:
        b = text.encode("utf-16-le", "surrogatepass")
        src = ctypes.create_string_buffer(b, len(b) + 2)
        dst = ctypes.create_string_buffer(256)
        n = self.normalize(
            self.nfd(ctypes.byref(self.e)), src, len(b) // 2, dst, 120, ctypes.byref(self.e)
        )
        return dst.raw[: 2 * n].decode("utf-16-le", "surrogatepass")

    def contractions(self, prefixes: bool) -> list[str]:
        c, x = self.usetOpen(1, 0), self.usetOpen(1, 0)
        self.getCAE(self.root, c, x, 1 if prefixes else 0, ctypes.byref(self.e))
        st, en = ctypes.c_int32(), ctypes.c_int32()
        sb = ctypes.create_string_buffer(512)
        out = []
        for i in range(self.usetCount(c)):
            n = self.usetItem(
                c, i, ctypes.byref(st), ctypes.byref(en), sb, 256, ctypes.byref(self.e)
            )
            assert n > 0, "a contraction set holds strings only"
            out.append(sb.raw[: 2 * n].decode("utf-16-le", "surrogatepass"))
        return out


def varint(v: int) -> str:
    assert v >= 0
    last = chr(0x28 + v % 40)
    v //= 40
    head = ""
    while v:
        head = chr(0x5D + v % 32) + head
        v //= 32
    return head + last


def zigzag(d: int) -> int:
    return d * 2 if d >= 0 else -d * 2 - 1


COMMON = 0x05000500


def main() -> None:
    icu = ICU()
    table: dict[int, list[tuple[int, int]]] = {}
    unassigned_last = -1
    for cp in range(0x110000):
        ces = icu.ces(chr(cp))
        if len(ces) == 1 and ces[0][0] >> 24 == 0xFE:
            # ICU's implicit weight of an unassigned code point: increasing with the code point.
            assert ces[0][1] == COMMON and ces[0][0] > unassigned_last
            unassigned_last = ces[0][0]
            continue
        if not (0xD800 <= cp < 0xE000) and icu.nfd_of(chr(cp)) != chr(cp):
            continue
        table[cp] = ces
    contractions = sorted(set(icu.contractions(False)))
    prefixed = sorted(set(icu.contractions(True)) - set(contractions))
    numeric_primary = icu.ces("0", icu.numeric_it)[0][0] & 0xFF000000
    primaries = {p for ces in table.values() for p, _ in ces}
    contraction_ces = {s: icu.ces(s) for s in contractions + prefixed}
    primaries |= {p for ces in contraction_ces.values() for p, _ in ces}
    assert not any(p >> 24 == numeric_primary >> 24 for p in primaries), (
        "numbers share their lead byte"
    )
    primaries |= {numeric_primary, 0x02000000}
    primaries.discard(0)
    below = sorted(p for p in primaries if p < 0xFE000000)
    above = sorted(p for p in primaries if p >= 0xFE000000)
    rank = {p: i + 2 for i, p in enumerate(below)}  # 1 is the end of a text (ICU's NO_CE)
    unassigned = len(below) + 2
    for i, p in enumerate(above):
        rank[p] = unassigned + 0x110000 + i
    rank[0] = 0
    variable_top = max(r for p, r in rank.items() if p <= icu.variable_top)
    lows: dict[int, int] = {}
    for ces in list(table.values()) + list(contraction_ces.values()):
        for _, lo in ces:
            lows[lo] = lows.get(lo, 0) + 1
    low_list = [COMMON] + sorted((lo for lo in lows if lo != COMMON), key=lambda lo: -lows[lo])
    low_index = {lo: i for i, lo in enumerate(low_list)}

    def ce_list(ces: list[tuple[int, int]], prev: int) -> tuple[str, int]:
        out = varint(len(ces) * 2 + 1)
        for p, lo in ces:
            out += varint(zigzag(rank[p] - prev)) + varint(low_index[lo])
            prev = rank[p]
        return out, prev

    blocks: list[str] = []
    last_block = max(table) >> 8
    for b in range(last_block + 1):
        text, prev, at = "", 0, b << 8
        cp, end = at, at + 256
        while cp < end:
            if cp not in table:
                cp += 1
                continue
            ces = table[cp]
            gap = cp - at
            if len(ces) == 1:
                p, lo = ces[0]
                k = 1
                while (
                    cp + k < end
                    and len(table.get(cp + k, ())) == 1
                    and table[cp + k][0][1] == lo
                    and rank[table[cp + k][0][0]] == rank[p] + k
                    and p != 0
                ):
                    k += 1
                text += (
                    varint(gap)
                    + varint(2 * k)
                    + varint(zigzag(rank[p] - prev))
                    + varint(low_index[lo])
                )
                prev = rank[p] + k - 1
                cp += k
            else:
                record, prev = ce_list(ces, prev)
                text += varint(gap) + record
                cp += 1
            at = cp
        blocks.append(text)

    # Contractions by first code point: the logical-order exceptions (a Thai, Lao, Tai Viet or
    # New Tai Lue prevowel before a consonant: the consonant's CEs, then the prevowel's) as the
    # set of consonants; the others with their CEs.
    loe: dict[int, list[int]] = {}
    others: dict[int, list[object]] = {}
    for s in contractions:
        cps = [ord(c) for c in s]
        ces = contraction_ces[s]
        if (
            len(s) == 2
            and 0 < len(table.get(cps[0], ()))
            and ces == table.get(cps[1], []) + table[cps[0]]
            and (
                0xE40 <= cps[0] <= 0xE44
                or 0xEC0 <= cps[0] <= 0xEC4
                or cps[0]
                in (0x19B5, 0x19B6, 0x19B7, 0x19BA, 0xAAB5, 0xAAB6, 0xAAB9, 0xAABB, 0xAABC)
            )
        ):
            loe.setdefault(cps[0], []).append(cps[1])
            continue
        record, _ = ce_list(ces, 0)
        others.setdefault(cps[0], []).extend([cps[1:], record])
    # The prefix rules: (prefix, code point) -> CEs.
    prefix_rules = []
    for s in prefixed:
        assert len(s) == 2, "the root's prefixes are one code point long"
        ces = contraction_ces[s]
        assert ces[: len(table[ord(s[0])])] == table[ord(s[0])]
        record, _ = ce_list(ces[len(table[ord(s[0])]) :], 0)  # the prefix's own CEs come first
        prefix_rules.extend([ord(s[0]), ord(s[1]), record])
    # The decimal digits (general category Nd), which numeric collation reads as numbers: the
    # first code point of each run of consecutive digit values.
    digits: list[int] = []
    for cp in range(0x110000):
        ces = icu.ces(chr(cp), icu.numeric_it)
        if len(ces) == 1 and ces[0][0] >> 24 == numeric_primary >> 24:
            value = ((ces[0][0] >> 16) & 0xFF) - 2
            if not digits or digits[-2] != cp - value:
                digits.extend([cp - value, 0])
            digits[-1] = max(digits[-1], value + 1)
    ccc: list[int] = []
    cp = 0
    while cp < 0x110000:
        c = icu.ccc(cp)
        if c == 0:
            cp += 1
            continue
        n = 1
        while icu.ccc(cp + n) == c:
            n += 1
        ccc.extend([cp, n, c])
        cp += n
    data = {
        "UNASSIGNED": unassigned,
        "VARIABLE_TOP": variable_top,
        "MERGE": rank[0x02000000],
        "NUMERIC": rank[numeric_primary],
        "TOP": unassigned + 0x110000 + len(above),
        "LOW": low_list,
        "LOE": loe,
        "CONTRACTIONS": others,
        "PREFIXES": prefix_rules,
        "CCC": ccc,
        "DIGITS": digits,
    }
    out = sys.stdout
    out.write(
        f"// ICU {icu.version}'s root collation, generated by tools/gen_collation_table.py (which\n"
        "// says how to regenerate it and how it is encoded); compiled only when a handler\n"
        "// collates text.\n"
        "(function () {\n"
        '  "use strict";\n'
        "  return {\n"
    )
    for k, v in data.items():
        out.write(f"    {k}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))},\n")
    out.write("    BLOCKS: [\n")
    for b in blocks:
        out.write(f'      "{b}",\n' if b else "      0,\n")
    out.write("    ],\n  };\n})\n")


if __name__ == "__main__":
    main()
