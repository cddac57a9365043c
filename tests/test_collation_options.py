"""How Intl.Collator and localeCompare read their locales and options, as Node 20 does: the
Unicode extension keywords of the tag (kn, kf honoured; co, ks, ka... dropped), the collation
option, usage "search", options over keywords. What needs collation data the sandbox lacks
(emoji, eor, en-US-POSIX, the search collation's own rules) throws a RangeError saying so.
Expectations: tests/tools/gen_collation_options_cases.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from node_reference import evaluate

from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "collation_options_cases.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_collation_options_cases.js"
REFERENCE = json.loads(DATA.read_text(encoding="utf-8"))


def test_locales_and_options_read_as_node_reads_them():
    cases = REFERENCE["cases"]
    got = [
        g
        for i in range(0, len(cases), 150)
        for g in evaluate([c["expr"] for c in cases[i : i + 150]])
    ]
    wrong = [
        (c["expr"], c["expected"], g) for c, g in zip(cases, got, strict=True) if c["expected"] != g
    ]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("expr", REFERENCE["refused"])
def test_what_needs_other_collation_data_is_refused_saying_so(expr: str):
    d = transform(f"function handler(w) {{\n  w.payload = {expr};\n  return w }}", '{"type": "x"}')
    assert d.error is not None and d.error.kind == "exception", d
    assert d.error.message.startswith("RangeError: ")
    assert "dodo-transform sandbox" in d.error.message
    assert d.error.line == 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    out = subprocess.run(
        ["node", str(GENERATOR)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == REFERENCE, (
        "regenerate: node tests/tools/gen_collation_options_cases.js"
        " > tests/data/collation_options_cases.json"
    )
