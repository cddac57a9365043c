"""Intl options the sandbox once refused (en, UTC/GMT: timeZoneName, fractionalSecondDigits,
era, dayPeriod, notation "compact"/"scientific"/"engineering") against what Node 20 printed
for them (`tests/data/intl_options_cases.json`, from `tests/tools/gen_intl_options_cases.js`):
each expression's value as JSON, or the name of the error it throws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_reference import differing, evaluate

DATA = json.loads(
    (Path(__file__).resolve().parent / "data" / "intl_options_cases.json").read_text()
)
CASES = DATA["cases"]
SWEEP = DATA["sweep"]
CHUNK = 250  # expressions per handler: each handler stays under the 51,200-character limit


@pytest.mark.parametrize("start", range(0, len(CASES), CHUNK))
def test_equal_to_node_20(start: int) -> None:
    assert differing(CASES[start : start + CHUNK]) == []


@pytest.mark.parametrize("start", range(0, len(SWEEP), CHUNK))
def test_random_combinations_equal_node_or_refused(start: int) -> None:
    """A seeded sweep of random component combinations: each prints what Node 20 printed or
    throws a RangeError (a layout not reproduced), never a different string."""
    chunk = SWEEP[start : start + CHUNK]
    got = evaluate([e for e, _ in chunk])
    differing = [
        (e, want, mine)
        for (e, want), mine in zip(chunk, got, strict=True)
        if want != mine and mine != "!RangeError"
    ]
    assert differing == []


def test_options_still_refused_name_the_option() -> None:
    """What is not reproduced yet throws a RangeError naming the option, never a string that
    differs from V8's."""
    exprs = [
        "new Intl.DateTimeFormat('en', { hour: 'numeric', second: 'numeric', "
        "fractionalSecondDigits: 2 }).format(0)",
        "new Date(0).toLocaleString('en-US', { hour: '2-digit', second: '2-digit', hour12: false,"
        " timeZoneName: 'long' })",
        "new Date(0).toLocaleString('en-US', { hour: 'numeric', second: 'numeric', hour12: false,"
        " timeZoneName: 'short' })",
    ]
    messages = [
        m
        for m in evaluate(
            [
                f"(() => {{ try {{ {e}; return 'no error'; }} catch (err) "
                "{ return err.name + ': ' + err.message; } })()"
                for e in exprs
            ]
        )
    ]
    assert messages[0].startswith('"RangeError: Unsupported Intl.DateTimeFormat option ')
    assert "fractionalSecondDigits" in messages[0] and 'minute: \\"2-digit\\"' in messages[0]
    assert "timeZoneName" in messages[1] and messages[1].startswith('"RangeError')
    assert "timeZoneName" in messages[2] and messages[2].startswith('"RangeError')


def test_cases_cover_every_option_value() -> None:
    text = "\n".join(e for e, _ in CASES)
    for style in ("short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"):
        assert f"timeZoneName: '{style}'" in text
    for digits in (1, 2, 3):
        assert f"fractionalSecondDigits: {digits}" in text
    for width in ("long", "short", "narrow"):
        assert f"era: '{width}'" in text and f"dayPeriod: '{width}'" in text
    for notation in ("compact", "scientific", "engineering"):
        assert f"notation: '{notation}'" in text and "compactDisplay: 'long'" in text
    assert len(CASES) > 7000
