#!/usr/bin/env python3
"""Writes dodo_transform/sandbox/js/collation_table.txt: ICU 78's root collation (CLDR root =
DUCET with CLDR's changes), what Node 20 / V8 (ICU 78.2) compare with for en / en-US.

Where the data comes from: ICU4C 78 itself, read through its C API (ucol_openElements /
ucol_next: the collation elements of every code point and of every contraction of the root).
Debian's libicu is older (72: Unicode 15, no Unicode 16/17 letters), so the ICU 78 libraries
come from the icu4py wheel, which bundles them; icu4py is used for nothing else and is no
dependency of the product or the tests (tests/test_collation_order.py checks the result
against Node). To regenerate:

    python3 -m venv /tmp/icu78 && /tmp/icu78/bin/pip install icu4py==1.2.0
    /tmp/icu78/bin/python tools/gen_collation_table.py \
        > dodo_transform/sandbox/js/collation_table.txt

What the table holds:
- primaries as ranks: ICU's 32-bit primary weights numbered in their order (only the order
  matters); unassigned code points (ICU's computed implicit weights, lead byte FE) are not
  listed: their rank is UNASSIGNED + code point, above every listed rank below FE;
- the lower 32 bits of each collation element (secondary, case bits, tertiary) by index into
  LOW, as ICU has them (the case bits serve caseFirst and the case level);
- code points whose NFD differs are not listed: collate.js compares the NFD (String#normalize,
  whose data equals Node's: tests/test_collation_order.py), as ICU's canonical closure makes
  equal;
- the contractions (Cyrillic й, Indic two-part vowels, Thai/Lao/Tai Viet/New Tai Lue
  prevowels, Tibetan, Arabic hamza, ...) and the one prefix rule of the root (L·);
- the canonical combining classes of non-starters, for discontiguous contractions.

How it is laid out. sources.py joins the sections into one ASCII byte string, which the C-API
engine lends to every context (read-only, not copied) and collate.js reads in place, a code
point at a time: nothing is decoded ahead of need. A CE is rank * 512 + LOW index.
- Fixed-width numbers: 6 bits a character from "0" (0x30), high digits first. Varints: digits
  in base 32 from "]" (0x5d) up, then a last digit in base 40 from "(" (0x28) up. A list of
  CEs: varint 2m+1, then m times a rank (zigzag delta from the previous one) and LOW index.
- LOW: 6 characters an entry. INDEX: 4 characters for each block of 256 code points: 0
  (nothing listed), 2k+1 (the k-th block of DENSE) or 2(o+1) (RUNS at offset o).
- DENSE: the blocks of HOT_BLOCKS and those with a special code point, 5 characters a code
  point: 0 unlisted; 4c a single CE c; 4o+2 a list of CEs at EXPANSIONS offset o; 2o+1 a
  special record at SPECIALS offset o (see main()).
- RUNS: the other blocks, decoded whole when a text first needs one, each ended by "~".
  Records: varint gap, then head = 2k (a run of k code points with one CE each, consecutive
  ranks from r, lower index li: r as a zigzag delta from the previous rank, li) or 2m+1 (one
  code point with m CEs: m times rank delta and li).
- CCC (code point, count, class), DIGITS (first code point, count) and SEARCH (first code
  point, count: those usage "search" refuses): how many numbers, then the numbers.
"""

from __future__ import annotations

import ctypes
import glob
import sys
from pathlib import Path
from typing import TextIO

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
        self.tailored = f(i18n, "ucol_getTailoredSet", vp, vp, err)
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
        out = self.items(c)
        assert all(len(s) > 1 for s in out), "a contraction set holds strings only"
        return out

    def search_tailored(self) -> list[str]:
        """What the root's search collation (usage "search") tailors: code points and strings
        whose collation elements differ from the root's."""
        return self.items(
            self.tailored(self.open(b"und-u-co-search", ctypes.byref(self.e)), ctypes.byref(self.e))
        )

    def items(self, uset: int) -> list[str]:
        st, en = ctypes.c_int32(), ctypes.c_int32()
        sb = ctypes.create_string_buffer(512)
        out = []
        for i in range(self.usetCount(uset)):
            n = self.usetItem(
                uset, i, ctypes.byref(st), ctypes.byref(en), sb, 256, ctypes.byref(self.e)
            )
            if n == 0:
                out.extend(chr(cp) for cp in range(st.value, en.value + 1))
            else:
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

    last_block = max(table) >> 8

    def runs_block(b: int) -> str:
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
        return text

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
    # A code point that starts a contraction, a logical-order exception or a prefix rule is
    # "special". Its record: its own CEs (for when what follows matches nothing; varint 0 when
    # unlisted: U+FDD1's implicit weight), then the contractions (suffix, CEs), the consonants
    # it goes after (a logical-order exception) and the prefix rules (the code point before,
    # CEs), each as a count and its items.
    rules_of: dict[int, list[tuple[int, str]]] = {}
    for i in range(0, len(prefix_rules), 3):
        before, cp, record = prefix_rules[i : i + 3]
        rules_of.setdefault(int(cp), []).append((int(before), str(record)))
    special: dict[int, str] = {}
    for cp in sorted(set(others) | set(loe) | set(rules_of)):
        if cp not in table and icu.nfd_of(chr(cp)) != chr(cp):
            continue  # decomposable (U+0387 is NFD U+00B7): collate.js never meets it
        text = ce_list(table[cp], 0)[0] if cp in table else varint(0)
        pairs = others.get(cp, [])
        text += varint(len(pairs) // 2)
        for i in range(0, len(pairs), 2):
            suffix = [int(c) for c in pairs[i]]  # type: ignore[attr-defined]
            text += varint(len(suffix)) + "".join(map(varint, suffix)) + str(pairs[i + 1])
        followers = loe.get(cp, [])
        text += varint(len(followers)) + "".join(map(varint, followers))
        rules = rules_of.get(cp, [])
        text += varint(len(rules)) + "".join(varint(b) + record for b, record in rules)
        special[cp] = text
    # usage "search": collate.js refuses texts with a code point the search collation treats
    # otherwise; of each tailored string (in NFD) the highest code point, which every text that
    # holds the string holds too (tests/test_collation_order.py checks the rest against Node).
    search = sorted({max(map(ord, icu.nfd_of(s))) for s in icu.search_tailored()})
    search_runs: list[int] = []
    for cp in search:
        if search_runs and search_runs[-2] + search_runs[-1] == cp:
            search_runs[-1] += 1
        else:
            search_runs.extend([cp, 1])
    write(
        sys.stdout,
        icu.version,
        {
            "UNASSIGNED": unassigned,
            "VARIABLE_TOP": variable_top,
            "MERGE": rank[0x02000000],
            "NUMERIC": rank[numeric_primary],
            "TOP": unassigned + 0x110000 + len(above),
        },
        low_list,
        {cp: [(rank[p], low_index[lo]) for p, lo in ces] for cp, ces in table.items()},
        {b: runs_block(b) for b in range(last_block + 1)},
        special,
        ccc,
        digits,
        search_runs,
    )


# Blocks of 256 code points most text meets (Latin, combining marks, Greek, Cyrillic, Hebrew,
# Arabic, Devanagari, Thai, punctuation, symbols, kana, fullwidth forms, emoji): they are
# written out code point by code point, for lookups in O(1) with no block to decode first.
HOT_BLOCKS = frozenset(
    [*range(0x00, 0x07), 0x09, 0x0E, 0x1E, 0x20, 0x21, 0x22, 0x25, 0x26, 0x27, 0x30, 0xFF]
    + [0x1F1, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F9, 0x1FA]
)
DIGIT0 = 0x30  # fixed-width numbers: 6 bits a character, "0" (0x30) to "o" (0x6f), high first
LINE = 128  # sections are wrapped at this width in the file


def fixed(v: int, width: int) -> str:
    assert 0 <= v < 1 << (6 * width), v
    return "".join(chr(DIGIT0 + (v >> (6 * (width - 1 - i)) & 63)) for i in range(width))


def write(
    out: TextIO,
    version: str,
    constants: dict[str, int],
    low_list: list[int],
    ces_of: dict[int, list[tuple[int, int]]],
    runs: dict[int, str],
    special: dict[int, str],
    ccc: list[int],
    digits: list[int],
    search: list[int],
) -> None:
    """The table as collate.js reads it (see the header written first)."""

    def ce_list(ces: list[tuple[int, int]]) -> str:
        text, prev = varint(len(ces) * 2 + 1), 0
        for r, li in ces:
            text += varint(zigzag(r - prev)) + varint(li)
            prev = r
        return text

    expansions: list[str] = []
    expansion_at: dict[str, int] = {}
    specials: list[str] = []
    special_at = 0

    def expansion(record: str) -> int:
        if record not in expansion_at:
            expansion_at[record] = sum(len(e) for e in expansions)
            expansions.append(record)
        return expansion_at[record]

    dense_blocks: list[str] = []
    run_blocks: list[str] = []
    runs_at = 0
    index: list[str] = []
    special_blocks = {cp >> 8 for cp in special}
    for b in range(len(runs)):
        if not runs[b]:
            index.append(fixed(0, 4))
        elif b in HOT_BLOCKS or b in special_blocks:
            index.append(fixed(len(dense_blocks) << 1 | 1, 4))
            entries = ""
            for cp in range(b << 8, (b + 1) << 8):
                ces = ces_of.get(cp)
                if cp in special:
                    record = special[cp]
                    entries += fixed(special_at << 1 | 1, 5)
                    specials.append(record)
                    special_at += len(record)
                elif ces is None:
                    entries += fixed(0, 5)
                elif len(ces) == 1 and 0 < ces[0][0] * 512 + ces[0][1] and ces[0][0] < 1 << 18:
                    entries += fixed((ces[0][0] * 512 + ces[0][1]) << 2, 5)
                else:
                    entries += fixed(expansion(ce_list(ces)) << 2 | 2, 5)
            dense_blocks.append(entries)
        else:
            index.append(fixed((runs_at + 1) << 1, 4))
            run_blocks.append(runs[b] + "~")
            runs_at += len(runs[b]) + 1
    assert len(low_list) <= 512
    sections = {
        "LOW": "".join(fixed(lo, 6) for lo in low_list),
        "INDEX": "".join(index),
        "DENSE": "".join(dense_blocks),
        "RUNS": "".join(run_blocks),
        "SPECIALS": "".join(specials),
        "EXPANSIONS": "".join(expansions),
        "CCC": varint(len(ccc)) + "".join(map(varint, ccc)),
        "DIGITS": varint(len(digits)) + "".join(map(varint, digits)),
        "SEARCH": varint(len(search)) + "".join(map(varint, search)),
    }
    out.write(HEADER.format(version=version))
    for name, value in constants.items():
        out.write(f"{name} {value}\n")
    for name, text in sections.items():
        assert "\n" not in text and text.isascii()
        out.write(f"= {name}\n")
        for i in range(0, len(text), LINE):
            out.write(text[i : i + LINE] + "\n")


HEADER = """\
# ICU {version}'s root collation, for collate.js: generated by tools/gen_collation_table.py,
# which says where it comes from, how to regenerate it and how it is encoded. Read by
# sources.py: "NAME number" lines are constants, "= NAME" starts a section whose lines join.
"""


if __name__ == "__main__":
    main()
