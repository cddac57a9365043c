"""collate.js against Node 20 (ICU root collation) for any text: the order of a repertoire
from every Unicode block under each option set, random pairs under random options, and the
fuzzer's WORDS. Expectations: tests/tools/gen_collation_order.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fuzz.generator import WORDS

from dodo_transform.sandbox import Limits
from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "collation_order.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_collation_order.js"
REFERENCE = json.loads(DATA.read_text(encoding="utf-8"))


def run(body: str, data: Any) -> Any:
    d = transform(
        f"function handler(w) {{ const d = w.payload.data; w.payload = (() => {{ {body} }})(); return w }}",
        json.dumps({"type": "x", "data": data}),
        limits=Limits(time_ms=60_000, memory_bytes=256 << 20),
    )
    assert d.status == "ok", d.error
    return d.request.json()


@pytest.mark.parametrize("case", REFERENCE["order"], ids=lambda c: json.dumps(c["options"]))
def test_every_block_sorts_as_node(case):
    signs = run(
        "const c = new Intl.Collator('en', d.options), r = d.repertoire, s = d.sorted;"
        "let out = ''; for (let i = 1; i < s.length; i++) out += Math.sign(c.compare(r[s[i - 1]], r[s[i]]));"
        "return out;",
        {
            "options": case["options"],
            "repertoire": REFERENCE["repertoire"],
            "sorted": case["sorted"],
        },
    )
    expected = case["signs"].replace("-1", "-")
    got = signs.replace("-1", "-")
    wrong = [
        (
            REFERENCE["repertoire"][case["sorted"][i]],
            REFERENCE["repertoire"][case["sorted"][i + 1]],
            e,
            g,
        )
        for i, (e, g) in enumerate(zip(expected, got, strict=True))
        if e != g
    ]
    assert not wrong, wrong[:10]


def test_sorting_the_repertoire_gives_nodes_order():
    case = REFERENCE["order"][0]
    got = run(
        "const r = d.repertoire; return [...r.keys()].sort((i, j) => r[i].localeCompare(r[j]));",
        {"repertoire": REFERENCE["repertoire"]},
    )
    assert got == case["sorted"]


def test_random_pairs_under_random_options_match_node():
    pairs = REFERENCE["pairs"]
    got = run("return d.map(p => Math.sign(p.a.localeCompare(p.b, 'en-US', p.options)));", pairs)
    wrong = [(p, g) for p, g in zip(pairs, got, strict=True) if p["expected"] != g]
    assert not wrong, wrong[:5]


def test_every_fuzzer_word_against_every_other():
    assert REFERENCE["words"] == WORDS, "regenerate: node tests/tools/gen_collation_order.js"
    got = run("return d.map(a => d.map(b => Math.sign(a.localeCompare(b))).join(','));", WORDS)
    assert got == REFERENCE["wordSigns"]


def test_the_sandboxs_nfd_is_nodes():
    # collate.js compares NFD text and its table leaves decomposable code points out.
    got = run(
        "let n = 0, sum = 0; for (let cp = 0; cp < 0x110000; cp++) {"
        "  if (cp >= 0xd800 && cp < 0xe000) continue;"
        "  const s = String.fromCodePoint(cp), x = s.normalize('NFD'); if (x === s) continue; n++;"
        "  for (let i = 0; i < x.length; i++) sum = (sum * 31 + x.charCodeAt(i) + cp) % 2147483647; }"
        "return {decomposable: n, checksum: sum};",
        None,
    )
    assert got == REFERENCE["nfd"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    out = subprocess.run(
        ["node", str(GENERATOR)], capture_output=True, text=True, check=True, timeout=300, cwd=ROOT
    )
    assert json.loads(out.stdout) == REFERENCE, (
        "regenerate: node tests/tools/gen_collation_order.js > tests/data/collation_order.json"
    )
