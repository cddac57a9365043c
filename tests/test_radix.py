"""Number#toString(radix) and parseInt as V8 computes them (sandbox/js/radix.js), against
Node 20's results for thousands of seeded inputs (tests/data/radix_cases.json); parseFloat,
already equal, is checked with them."""

from __future__ import annotations

import shutil

import pytest
from node_reference import Reference

from dodo_transform.transform import transform

REF = Reference("radix")
REFERENCE = REF.data


def run(expr: str) -> object:
    return REF.run(expr)


@pytest.fixture(scope="module")
def ours() -> dict:
    return run("radixRun()")


@pytest.mark.parametrize("kind", ["toStrings", "parseInts", "parseFloats"])
def test_seeded_cases_give_nodes_results(ours, kind):
    want = REFERENCE["results"][kind]
    wrong = [(c, w) for c, w in zip(ours[kind], want, strict=True) if c[-1] != w]
    assert not wrong, f"{len(wrong)} of {len(want)} differ ([input..., ours], node): {wrong[:3]}"


@pytest.mark.parametrize(
    "expr,node",
    [
        ("(2 ** 60 + 12345).toString(7)", "2031000661631341146200"),
        ("(1e21).toString(36)", "5v1j4f4ds7c000"),
        ("(0.2).toString(28)", "0.5gmb5gmb5gmg"),
        ("(-255.5).toString(16)", "-ff.8"),
        (
            "String(parseInt('v36l4g55ldhogirqi2', 36))",
            "8.907197944154426e+27",
        ),
        ("String(parseInt('-0apb1f43911557', 26))", "-1047609611914749300"),
        ("String(Number.parseInt('  0036A92390A46C87692', 13))", "2345518047270223400"),
        (
            "[parseInt('12', 10), parseInt('0x1f'), parseInt('z', 37), (255).toString(), (255).toString(16)]",
            [12, 31, None, "255", "ff"],
        ),
        ("Number.parseInt === parseInt", True),
    ],
)
def test_minimal_examples_print_what_node_prints(expr, node):
    assert run(expr) == node


def test_a_bad_radix_is_still_a_range_error():
    d = transform("function handler(w) {\n  (5).toString(1);\n  return w }", '{"type": "x"}')
    assert d.error.kind == "exception" and d.error.message.startswith("RangeError")
    assert d.error.line == 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    assert REF.regenerated()["results"] == REFERENCE["results"], REF.stale()
