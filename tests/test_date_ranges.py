"""Intl.DateTimeFormat#formatRange / formatRangeToParts against what Node 20 printed
(`tests/data/date_range_cases.json`, from `tests/tools/gen_date_range_cases.js`): every
dateStyle x timeStyle x hour cycle, every date-component set, every time-component set and a
seeded sample of the full option product, each ranging dates that differ in each calendar
field (and equal dates). The data holds a short digest of each of Node's results (see the
generator; `node tests/tools/gen_date_range_cases.js --show OPTIONS` prints them in full).
A formatter prints exactly what Node printed, or its constructor throws a RangeError (options
the sandbox refuses), or its formatRange throws a RangeError for the layouts it refuses: a
date with fractional seconds beside a 24-hour hour but no minute or second, and an era beside
a weekday or a month or day without a year (whose format intl.js takes from ERA_TABLE)."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from node_reference import evaluate

DATA = json.loads((Path(__file__).resolve().parent / "data" / "date_range_cases.json").read_text())
CASES: list[tuple[dict[str, Any], str]] = [(o, d) for o, d in DATA["cases"]]
REFUSED = "refused:RangeError"
CHUNK = 40  # expressions per handler: each stays under the 51,200-character limit


def _expression(options: dict[str, Any]) -> str:
    template: str = DATA["expression"]
    assert template.endswith("})({})")
    return template[: -len("{})")] + json.dumps(options, separators=(",", ":")) + ")"


def _digest(result: Any) -> str:
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def _digests(mine: str) -> list[str] | str:
    """The sandbox's results as the generator stores Node's: a digest per pair."""
    got = json.loads(mine)
    if isinstance(got, str):
        return got
    return [_digest(r) for r in got]


def _compare(options: dict[str, Any], want: str, mine: str) -> str:
    """ "exact", "constructor" or "range" (an allowed refusal) or "different"."""
    got = _digests(mine)
    if got == REFUSED:
        return "constructor"
    if want == REFUSED:
        return "different"
    expected = [want[i : i + 6] for i in range(0, len(want), 6)]
    if got == expected:
        return "exact"
    twenty_four = options.get("hourCycle") == "h23" or options.get("hour12") is False
    dated = any(k in options for k in ("weekday", "era", "year", "month", "day"))
    fraction = (
        "hour" in options
        and twenty_four
        and dated
        and "fractionalSecondDigits" in options
        and "minute" not in options
        and "second" not in options
    )
    # An era laid out from intl.js's ERA_TABLE (beside a weekday, or a month or day without
    # a year): its range layout is refused.
    era_table = (
        "era" in options
        and not ("month" in options and "day" in options)
        and (
            "weekday" in options
            or ("day" in options and options.get("year") != "numeric")
            or ("month" in options and "year" not in options)
        )
    )
    refusal = _digest("!RangeError")
    allowed = all(
        g == e or (g == refusal and (fraction or era_table) and i > 0)
        for i, (g, e) in enumerate(zip(got, expected, strict=True))
    )
    return "range" if allowed else "different"


# Cached: the per-chunk tests and the counting test below read the same outcomes, and each
# chunk costs seconds of QuickJS.
@functools.cache
def _outcomes(start: int) -> list[tuple[dict[str, Any], str]]:
    chunk = CASES[start : start + CHUNK]
    got = evaluate([_expression(o) for o, _ in chunk])
    return [(o, _compare(o, want, mine)) for (o, want), mine in zip(chunk, got, strict=True)]


@pytest.mark.parametrize("start", range(0, len(CASES), CHUNK))
def test_ranges_equal_node_or_refused(start: int) -> None:
    differing = [o for o, outcome in _outcomes(start) if outcome == "different"]
    assert differing == [], "see: node tests/tools/gen_date_range_cases.js --show '<options>'"


def test_refusals_stay_rare() -> None:
    """Nearly all formatters' ranges equal Node's; formatRange refuses only dates with
    fractional seconds beside a 24-hour hour but no minute or second and eras from
    ERA_TABLE (the constructor's own refusals are counted apart)."""
    counts = {"exact": 0, "constructor": 0, "range": 0, "different": 0}
    for start in range(0, len(CASES), CHUNK):
        for _, outcome in _outcomes(start):
            counts[outcome] += 1
    assert counts["different"] == 0
    assert counts["range"] <= 140
    assert counts["exact"] >= 0.96 * (len(CASES) - counts["constructor"])


def test_refusal_names_what_to_do() -> None:
    [raw] = evaluate(
        [
            "(() => { try { new Intl.DateTimeFormat('en-US', { year: 'numeric', hour: '2-digit',"
            " hourCycle: 'h23', fractionalSecondDigits: 2 })"
            ".formatRange(0, 9e9); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } })()"
        ]
    )
    message = json.loads(raw)
    assert "RangeError" in message and "formatRange" in message and "fractional seconds" in message
    assert 'add minute: "2-digit"' in message


def test_a_range_reached_without_its_name_is_refused_clearly() -> None:
    """ranges.js goes into a context only for handlers whose text names formatRange."""
    [message] = evaluate(
        [
            "(() => { const f = new Intl.DateTimeFormat('en-US'); try { f['format' + 'Range'](0, 9e9);"
            " return 'no error'; } catch (e) { return e.name + ': ' + e.message; } })()"
        ]
    )
    assert "RangeError" in message and "write the name out" in message


# A change of era for a formatter with an era but no year (nor, here, month and day): ICU falls
# back to the format's own pattern on both sides. Printed by Node 20 (TZ=UTC) for 31 Dec 1 BC
# 23:00 – 1 Jan 1 AD 01:00; the sandbox once printed whole dates ("12/31/1 BC, 11 PM – …").
ERA_CHANGES = {
    '{ era: "short", hour: "numeric" }': "BC, 11\u202fPM\u2009–\u2009AD, 1\u202fAM",
    '{ era: "long", hour: "numeric", minute: "2-digit" }': (
        "Before Christ, 11:00\u202fPM\u2009–\u2009Anno Domini, 1:00\u202fAM"
    ),
    '{ era: "short", hour: "numeric", hour12: false }': "BC, 23\u2009–\u2009AD, 01",
    '{ era: "narrow", minute: "2-digit", second: "2-digit" }': "B, 00:00\u2009–\u2009A, 00:00",
    '{ era: "short", hour: "numeric", timeZoneName: "short" }': "BC, 11\u202fPM UTC\u2009–\u2009AD, 1\u202fAM UTC",
    '{ era: "short", hour: "numeric", dayPeriod: "short" }': (
        "BC, 11 at night\u2009–\u2009AD, 1 in the morning"
    ),
    '{ era: "short", year: "numeric", hour: "numeric" }': "1 BC, 11\u202fPM\u2009–\u20091 AD, 1\u202fAM",
    '{ era: "short", month: "long", day: "numeric", hour: "numeric", minute: "numeric" }': (
        "December 31 BC at 11:00\u202fPM\u2009–\u2009January 1 AD at 1:00\u202fAM"
    ),
}


def test_a_change_of_era_without_a_year_shows_the_formats_own_pattern() -> None:
    dates = "new Date(-62135600400000), new Date(-62135593200000)"
    got = evaluate(
        [f"new Intl.DateTimeFormat('en-US', {o}).formatRange({dates})" for o in ERA_CHANGES]
    )
    assert got == [json.dumps(v, ensure_ascii=False) for v in ERA_CHANGES.values()]
