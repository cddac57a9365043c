"""Intl.DateTimeFormat option sets against what Node 20 printed (`tests/data/dtf_cases.json`,
from `tests/tools/gen_dtf_cases.js`): Greenwich's names before 1970, where ICU has no
metazone for it yet, and other zones' names before their metazone mappings start; every
subset of the components with random widths, hour cycles and zones (format, formatToParts,
resolvedOptions, formatRange), each equal to Node's or refused by the constructor."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from node_reference import differing, evaluate

DATA = json.loads((Path(__file__).resolve().parent / "data" / "dtf_cases.json").read_text())
GREENWICH: list[list[str]] = DATA["greenwich"]
OPTIONS: list[str] = DATA["options"]
CHUNK = 60
OPTIONS_CHUNK = 60
# Option sets whose layout the sandbox still refuses (docs/handlers.md, "Known differences").
REFUSED_AT_MOST = 202
RANGES_REFUSED_AT_MOST = 808


@pytest.mark.parametrize("start", range(0, len(GREENWICH), CHUNK))
def test_greenwich_and_early_zone_names_equal_node_20(start: int) -> None:
    assert differing(GREENWICH[start : start + CHUNK]) == []


def _options(code: str) -> dict[str, Any]:
    """The option set a code of the generator stands for (see LETTERS there)."""
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    names = list(DATA["values"])
    for i in range(0, len(code), 2):
        key, index = code[i], int(code[i + 1])
        if key == "c":
            extra = dict(DATA["cycles"][index])
        elif key == "t":
            zone = DATA["zones"][index]
            if zone is not None:
                extra["timeZone"] = zone
        else:
            name = names[DATA["letters"].index(key)]
            out[name] = DATA["values"][name][index]
    return out | extra


# Cached: the per-chunk tests and the counting test below read the same outcomes, and each
# chunk costs seconds of QuickJS.
@functools.cache
def _outcomes(start: int) -> list[tuple[dict[str, Any], str]]:
    """Per option set: "exact", "refused" (the constructor's RangeError), "range refused"
    (formatRange's RangeError, the rest equal to Node's) or "different"."""
    chunk = [line.split(" ") for line in OPTIONS[start : start + OPTIONS_CHUNK]]
    sets = [_options(code) for code, _, _ in chunk]
    template: str = DATA["expression"]
    exprs = [
        template[: -len("({})")] + "(" + json.dumps(o, separators=(",", ":")) + ")" for o in sets
    ]
    got = evaluate(exprs)
    out = []
    for o, (_, want, want_ranges), mine in zip(sets, chunk, got, strict=True):
        if mine == "!RangeError":
            out.append((o, "refused"))
            continue
        formats, ranges = json.loads(mine)
        if _digest(formats) != want:
            out.append((o, "different"))
        elif _digest(ranges) == want_ranges:
            out.append((o, "exact"))
        else:
            out.append((o, "range refused" if ranges == "!RangeError" else "different"))
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@pytest.mark.parametrize("start", range(0, len(OPTIONS), OPTIONS_CHUNK))
def test_option_sets_equal_node_20_or_refused(start: int) -> None:
    differing = [o for o, outcome in _outcomes(start) if outcome == "different"]
    assert differing == []


def test_option_sets_are_rarely_refused() -> None:
    counts = {"exact": 0, "refused": 0, "range refused": 0, "different": 0}
    for start in range(0, len(OPTIONS), OPTIONS_CHUNK):
        for _, outcome in _outcomes(start):
            counts[outcome] += 1
    assert counts["different"] == 0
    assert counts["refused"] <= REFUSED_AT_MOST, counts
    assert counts["range refused"] <= RANGES_REFUSED_AT_MOST, counts
