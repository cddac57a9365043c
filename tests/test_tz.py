"""Intl.DateTimeFormat / toLocale*String with an explicit IANA timeZone (tz.js) against what
Node 20 printed (`tests/data/tz_cases.json`, from `tests/tools/gen_tz_cases.js`): for every
zone, its local time and zone names around its offset changes and at far past and future
dates (each zone's few hundred values kept as the SHA-256 of Node's JSON); every id V8
accepts, in any case; the ids it refuses."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from node_reference import differing, evaluate

DATA = json.loads((Path(__file__).resolve().parent / "data" / "tz_cases.json").read_text())
ZONES: list[list[str]] = DATA["zones"]
GENERIC_LATE: list[list[str]] = DATA["genericLate"]
CASES: list[list[str]] = DATA["cases"]
ZONE_CHUNK = 20  # one expression per zone (2 KB): a handler holds at most 51,200 characters
CHUNK = 120


def _zone(expr: str) -> str:
    """The zone a case's expression formats in (its first string argument)."""
    found = re.search(r'\)\("([^"]+)", \[', expr)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("start", range(0, len(ZONES), ZONE_CHUNK))
def test_zones_equal_node_20(start: int) -> None:
    chunk = ZONES[start : start + ZONE_CHUNK]
    got = evaluate([e for e, _ in chunk])
    differing = [
        _zone(e)
        for (e, digest), mine in zip(chunk, got, strict=True)
        if hashlib.sha256(mine.encode()).hexdigest() != digest
    ]
    assert differing == []


@pytest.mark.parametrize("start", range(0, len(GENERIC_LATE), CHUNK))
def test_generic_names_after_2099_equal_node_or_refused(start: int) -> None:
    """Generic names after 2099: Node's, or a RangeError for the few zones whose generic
    name there follows two zones' rules (tz.js), never a different string."""
    chunk = GENERIC_LATE[start : start + CHUNK]
    got = evaluate([e for e, _ in chunk])
    differing = []
    for (e, want), mine in zip(chunk, got, strict=True):
        for ws, ms in zip(json.loads(want), json.loads(mine), strict=True):
            for w, m in zip(ws, ms, strict=True):
                if w != m and m != "!RangeError":
                    differing.append((e[-80:], w, m))
    assert differing == []


@pytest.mark.parametrize("start", range(0, len(CASES), CHUNK))
def test_ids_equal_node_20(start: int) -> None:
    assert differing(CASES[start : start + CHUNK]) == []


def test_every_zone_is_checked() -> None:
    zones = {_zone(e) for e, _ in ZONES}
    assert len(zones) == len(ZONES) > 418


def test_default_zone_stays_utc() -> None:
    """Only an explicit timeZone changes anything: the default is UTC, and Date's own
    methods are not affected."""
    assert evaluate(
        [
            "new Date(Date.UTC(2024, 6, 1, 12)).toLocaleString()",
            "new Intl.DateTimeFormat().resolvedOptions().timeZone",
            "new Date(Date.UTC(2024, 6, 1, 12)).getHours()",
            "new Date(Date.UTC(2024, 6, 1, 12)).toLocaleString('en-US', { timeZone: 'Asia/Tokyo' })",
        ]
    ) == ['"7/1/2024, 12:00:00 PM"', '"UTC"', "12", '"7/1/2024, 9:00:00 PM"']


def test_a_zone_reached_without_the_option_name_is_refused_the_same_on_every_event() -> None:
    # tz.js goes in for handlers whose text names timeZone; one that builds the option's name
    # is told to write it out, on its first event and every later one (it does not get the data
    # from the second event on, as a learned cold-path source would).
    from dodo_transform.sandbox import Sandbox
    from dodo_transform.transform import transform

    sandbox = Sandbox()
    named = (
        "function handler(w) { w.payload = new Date(0).toLocaleString('en-US',"
        " { timeZone: 'Asia/Kolkata', timeZoneName: 'long' }); return w; }"
    )
    built = (
        "function handler(w) { const o = {}; o['time' + 'Zone'] = 'Asia/Kolkata';"
        " w.payload = new Date(0).toLocaleString('en-US', o); return w; }"
    )
    for _ in range(3):
        ok = transform(named, {"a": 1}, sandbox=sandbox)
        assert ok.request is not None
        assert ok.request.body == '"1/1/1970, 5:30:00 AM India Standard Time"'  # Node 20's
        refused = transform(built, {"a": 1}, sandbox=sandbox)
        assert refused.error is not None and refused.request is None
        assert "for handlers whose text names timeZone; write the option's name out" in (
            refused.error.message
        )
