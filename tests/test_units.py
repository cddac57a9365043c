"""Intl.NumberFormat with style "unit" (intl.js with units.js's CLDR en unit names) against
what Node 20 printed (`tests/data/unit_cases.json`, from `tests/tools/gen_unit_cases.js`):
every unit and unitDisplay, sign displays, notations and digit options, formatToParts,
formatRange/formatRangeToParts, resolvedOptions, invalid units, and all 45 x 45 X-per-Y
compounds. A long value is stored as a digest (`node tests/tools/gen_unit_cases.js --show
EXPRESSION` prints it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_reference import differing

from dodo_transform.sandbox.sources import SOURCES

DATA = json.loads((Path(__file__).resolve().parent / "data" / "unit_cases.json").read_text())
UNITS: list[str] = DATA["units"]


def _compound_expression(x: str, display: str) -> str:
    units = json.dumps(UNITS, separators=(",", ":"))
    return (
        f"{units}.map((y) => [1, 2].map((n) => new Intl.NumberFormat('en-US', {{ style: 'unit', "
        f"unit: {json.dumps(x)} + '-per-' + y, unitDisplay: {json.dumps(display)} }}).format(n)))"
    )


CASES: list[tuple[str, str]] = [(e, v) for e, v in DATA["cases"]] + [
    (_compound_expression(x, display), "#" + digest) for x, display, digest in DATA["compounds"]
]


def _chunks(limit: int = 40_000) -> list[list[tuple[str, str]]]:
    """Cases in handlers under the sandbox's 51,200-character source limit."""
    out: list[list[tuple[str, str]]] = [[]]
    size = 0
    for case in CASES:
        if size + len(case[0]) > limit and out[-1]:
            out.append([])
            size = 0
        out[-1].append(case)
        size += len(case[0]) + 10
    return out


CHUNKS = _chunks()


@pytest.mark.parametrize("index", range(len(CHUNKS)))
def test_equal_to_node_20(index: int) -> None:
    assert differing(CHUNKS[index]) == [], (
        "see: node tests/tools/gen_unit_cases.js --show '<expression>'"
    )


def test_unit_names_stay_out_of_intl_js() -> None:
    """The names live in units.js, which intl.js compiles only for a unit formatter."""
    assert "degrees Celsius" in SOURCES["units"]
    assert "degrees Celsius" not in SOURCES["intl"]
