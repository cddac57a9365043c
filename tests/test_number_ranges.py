"""Intl.NumberFormat#formatRange / formatRangeToParts in every notation (compact with short and
long names, scientific, engineering, standard) against what Node 20 printed
(`tests/data/number_range_cases.json`, from `tests/tools/gen_number_range_cases.js`): decimal,
percent, currency and unit styles, sign displays and digit options, each over pairs with equal
ends, ends equal once rounded ("~"), sign changes and different magnitudes. A long value is
stored as a digest (`node tests/tools/gen_number_range_cases.js --show EXPRESSION` prints it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_reference import differing

DATA = json.loads(
    (Path(__file__).resolve().parent / "data" / "number_range_cases.json").read_text()
)
CASES: list[tuple[str, str]] = [(e, v) for e, v in DATA["cases"]]
CHUNK = 40  # expressions per handler: each stays under the 51,200-character limit


@pytest.mark.parametrize("start", range(0, len(CASES), CHUNK))
def test_equal_to_node_20(start: int) -> None:
    assert differing(CASES[start : start + CHUNK]) == [], (
        "see: node tests/tools/gen_number_range_cases.js --show '<expression>'"
    )
