"""String#localeCompare: ICU's en-US collation, as Node 20 answers it (Latin text here; any
text and every option: test_collation_order.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "collation_cases.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_collation_cases.js"
REFERENCE = json.loads(DATA.read_text(encoding="utf-8"))


def compare_all(cases: list[dict]) -> list[int]:
    handler = (
        "function handler(w) { w.payload = w.payload.data.map(c => Math.sign(c.a.localeCompare("
        "c.b, 'en-US', c.sensitivity === null ? undefined : {sensitivity: c.sensitivity}))); return w }"
    )
    d = transform(handler, json.dumps({"type": "x", "data": cases}))
    assert d.status == "ok", d.error
    return d.request.json()


def test_random_comparisons_match_node():
    got = compare_all(REFERENCE["cases"])
    wrong = [(c, g) for c, g in zip(REFERENCE["cases"], got, strict=True) if c["expected"] != g]
    assert not wrong, wrong[:5]


def test_sorting_names_like_v8():
    d = transform(
        "function handler(w) { w.payload = ['Zoë', 'zoe', 'Émile', 'emile', 'Bob', 'bob', 'anna', 'Ängel']"
        ".sort((a, b) => a.localeCompare(b)); return w }",
        '{"type": "x"}',
    )
    assert d.request.json() == ["Ängel", "anna", "bob", "Bob", "emile", "Émile", "zoe", "Zoë"]


def test_a_name_the_handler_computes_collates_too():
    # The table is lent to every context, so nothing depends on the handler's text naming it.
    d = transform(
        "function handler(w) { const m = 'locale' + 'Compare', C = Intl['Coll' + 'ator'];"
        " w.payload = [['b', 'Émile', 'a'].sort((x, y) => x[m](y)), new C().compare('ä', 'b'),"
        " typeof globalThis.__dodo_collation]; return w }",
        '{"type": "x"}',
    )
    assert d.request.json() == [["a", "b", "Émile"], -1, "undefined"]  # Node 20's answers


@pytest.mark.parametrize(
    "expr,message",
    [
        (
            "'a'.localeCompare('b', 'en', {localeMatcher: 'lookup'})",
            "unsupported option localeMatcher",
        ),
        ("'a'.localeCompare('b', 'de-DE')", 'unsupported locale "de-DE"'),
        (
            "'a'.localeCompare('b', 'en', {caseFirst: 'up'})",
            "out of range for Intl.Collator options property caseFirst",
        ),
        ("'a'.localeCompare('b', 'en', {sensitivity: 'loud'})", "invalid sensitivity"),
    ],
)
def test_what_is_not_collated_throws_naming_it(expr, message):
    d = transform(f"function handler(w) {{\n  w.payload = {expr};\n  return w }}", '{"type": "x"}')
    assert d.error.kind == "exception" and message in d.error.message
    assert d.error.line == 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    out = subprocess.run(
        ["node", str(GENERATOR)], capture_output=True, text=True, check=True, timeout=120
    )
    fresh = json.loads(out.stdout)
    assert fresh["cases"] == REFERENCE["cases"], (
        "regenerate: node tests/tools/gen_collation_cases.js > tests/data/collation_cases.json"
    )
