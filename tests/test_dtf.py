"""Intl.DateTimeFormat option sets against what Node 20 printed (`tests/data/dtf_cases.json`,
from `tests/tools/gen_dtf_cases.js`): Greenwich's names before 1970, where ICU has no
metazone for it yet, and other zones' names before their metazone mappings start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_reference import evaluate

DATA = json.loads((Path(__file__).resolve().parent / "data" / "dtf_cases.json").read_text())
GREENWICH: list[list[str]] = DATA["greenwich"]
CHUNK = 60


@pytest.mark.parametrize("start", range(0, len(GREENWICH), CHUNK))
def test_greenwich_and_early_zone_names_equal_node_20(start: int) -> None:
    chunk = GREENWICH[start : start + CHUNK]
    got = evaluate([e for e, _ in chunk])
    differing = [
        (e, want, mine) for (e, want), mine in zip(chunk, got, strict=True) if want != mine
    ]
    assert differing == []
