"""Locale-aware text outside Intl objects against Node 20: String#toLocaleUpperCase /
toLocaleLowerCase with Turkish, Azeri and Lithuanian special casing, Array#toLocaleString
passing its locales and options to every element, and localeCompare's case-insensitive tags.

tests/data/locale_text_cases.json is printed by tests/tools/gen_locale_text_cases.js; when
``node`` is on PATH a test re-derives it, so it cannot drift from Node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_locale import evaluate_in_sandbox

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "tests" / "data" / "locale_text_cases.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_locale_text_cases.js"
CASES: list[dict] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
RESULTS = evaluate_in_sandbox([case["expr"] for case in CASES])


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["expr"][:80] for c in CASES])
def test_case_matches_node(index: int) -> None:
    case, result = CASES[index], RESULTS[index]
    if "throws" in case:
        assert result.get("error") == case["throws"], result
        assert result.get("message"), "errors must say what is wrong"
    else:
        assert result == {"ok": case["expected"]}


def test_the_issues_examples() -> None:
    expected = {c["expr"]: c.get("expected") for c in CASES}
    assert expected['"istanbul".toLocaleUpperCase("tr-TR")'] == "İSTANBUL"
    assert expected['String("a".localeCompare("b", "en-us"))'] == "-1"
    currency = '[1234.5, 2].toLocaleString("en-US", {style: "currency", currency: "EUR"})'
    assert expected[currency] == "€1,234.50,€2.00"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_cases_are_what_node_prints_today(tmp_path: Path) -> None:
    out = tmp_path / "cases.json"
    subprocess.run(["node", str(GENERATOR), "--out", str(out)], check=True, timeout=120)
    assert out.read_text(encoding="utf-8") == CASES_FILE.read_text(encoding="utf-8")
