"""Intl.PluralRules, Intl.ListFormat and Intl.RelativeTimeFormat (en) against what Node 20
printed for them (`tests/data/intl_more_cases.json`, from `tests/tools/gen_intl_more_cases.js`):
each expression's value as JSON, or the name of the error it throws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_reference import evaluate

CASES = json.loads((Path(__file__).resolve().parent / "data" / "intl_more_cases.json").read_text())[
    "cases"
]
CHUNK = 250  # expressions per handler: each handler stays under the 51,200-character limit


@pytest.mark.parametrize("start", range(0, len(CASES), CHUNK))
def test_equal_to_node_20(start):
    chunk = CASES[start : start + CHUNK]
    got = evaluate([e for e, _ in chunk])
    differing = [
        (e, want, mine) for (e, want), mine in zip(chunk, got, strict=True) if want != mine
    ]
    assert differing == []
