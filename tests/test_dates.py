"""Date text as V8 reads it (sandbox/js/dates.js, V8's date parser): Date.parse and new Date(text)
of 3,000 human and odd date texts give Node 20's time values (tests/data/date_cases.json)."""

from __future__ import annotations

import json
import shutil

import pytest
from node_reference import Reference

REF = Reference("date")
REFERENCE = REF.data


def run(expr: str, now: str | None = None) -> object:
    return REF.run(expr, now=now)


def test_date_texts_parse_to_nodes_time_values():
    ours = run("dateRun()")
    want = REFERENCE["results"]
    wrong = [(c[0], c[1:], w) for c, w in zip(ours, want, strict=True) if c[1:] != w]
    assert not wrong, f"{len(wrong)} of {len(want)} differ (text, ours, node): {wrong[:5]}"


# The examples, with the time values Node 20 prints (TZ=UTC).
@pytest.mark.parametrize(
    "text,node",
    [
        ("2024-03-05\u00a010:00:00", 1709632800000),  # a no-break space
        ("2024-03-05 10:00:00\n", 1709632800000),  # a trailing newline
        ("2024-03-05T10:00:00Z\n", None),  # but not after an ISO time
        ("2024-03-05t10:00:00z", 1709632800000),  # lower-case t and z
        ("2024-03-05T10:00:00+00", None),  # V8 rejects an hour-only offset
        ("2025-216", None),  # and an ordinal date
        ("Tue Mar 05 2024 10:00:00 GMT+0100", 1709629200000),
        ("Tue, 05 Mar 2024 10:00:00 GMT", 1709632800000),
        ("March 5, 2024", 1709596800000),
        ("2024/03/05", 1709596800000),
        ("3/5/2024 10:00 PM", 1709676000000),
        ("2025-07-23T11:58:40.220000Z", 1753271920220),
    ],
)
def test_minimal_examples_give_nodes_time_values(text, node):
    got = run(f"[Date.parse({json.dumps(text)}), new Date({json.dumps(text)}).getTime()]")
    assert got == [node, node]


def test_date_is_still_the_date_constructor():
    got = run(
        "[Date.length, Date.name, Date.parse.length, Date.prototype.constructor === Date,"
        " new Date(0) instanceof Date, typeof Date(), new Date(2024, 2, 5, 10).getTime(),"
        " new Date(new Date(5)).getTime(), Object.getOwnPropertyDescriptor(Date, 'prototype').writable]"
    )
    assert got == [7, "Date", 1, True, True, "string", 1709632800000, 5, False]


def test_the_frozen_clock_keeps_v8s_parsing():
    got = run(
        "[new Date().toISOString(), Date.now(), Date.parse('March 5, 2024'),"
        " new Date('2024-03-05t10:00:00z').getTime(), new Date(2024, 0).getTime()]",
        now="2025-08-04T00:00:00Z",
    )
    assert got == [
        "2025-08-04T00:00:00.000Z",
        1754265600000,
        1709596800000,
        1709632800000,
        1704067200000,
    ]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    assert REF.regenerated()["results"] == REFERENCE["results"], REF.stale()
