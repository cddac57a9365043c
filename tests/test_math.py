"""Math bit for bit as V8 computes it (sandbox/js/math.js: V8's fdlibm port and its hypot),
checked on ~33,000 inputs against Node 20's results (tests/data/math_cases.json)."""

from __future__ import annotations

import base64
import shutil
import struct

import pytest
from node_reference import Reference

from dodo_transform.sandbox.sources import v8_builtins

REF = Reference("math")
REFERENCE = REF.data


def doubles(b64: str) -> list[float]:
    raw = base64.b64decode(b64)
    return list(struct.unpack(f"<{len(raw) // 8}d", raw))


def bits(b64: str) -> list[bytes]:
    raw = base64.b64decode(b64)
    return [raw[i : i + 8] for i in range(0, len(raw), 8)]


@pytest.fixture(scope="module")
def ours() -> dict:
    return REF.run("mathRun(MATH_FUNCTIONS)")


@pytest.mark.parametrize("fn", list(REFERENCE["outputs"]))
def test_results_are_v8s_bit_for_bit(ours, fn):
    inputs = doubles(ours[fn]["inputs"])
    got, want = bits(ours[fn]["outputs"]), bits(REFERENCE["outputs"][fn])
    assert len(got) == len(want)
    arity = len(inputs) // len(want)
    wrong = [
        (
            inputs[i * arity : (i + 1) * arity],
            struct.unpack("<d", want[i])[0],
            struct.unpack("<d", g)[0],
        )
        for i, g in enumerate(got)
        if g != want[i]
    ]
    assert not wrong, f"{fn}: {len(wrong)} of {len(want)} differ (inputs, node, ours): {wrong[:5]}"


@pytest.mark.parametrize(
    "expr,node",
    [
        # The example, and the digits Node 20 prints for it.
        ("String(Math.pow(10, -5))", "0.000009999999999999999"),
        ("String(Math.pow(10, -4))", "0.00009999999999999999"),
        ("String(Math.exp(-3.768009729683399))", "0.02309798881146645"),
        ("String(Math.cbrt(121724.17948022485))", "49.55935192429175"),
        ("String(Math.hypot(49251.944525167346, 0.9036557041108608))", "49251.9445334573"),
        ("String(Math.atan2(1.6479836916550994, 8.763823136687279))", "0.18587334927025043"),
        (
            "[Math.pow.length, Math.hypot.length, Math.sin.name, typeof Math.max]",
            [2, 2, "sin", "function"],
        ),
    ],
)
def test_minimal_examples_print_what_node_prints(expr, node):
    assert REF.run(expr) == node


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    assert REF.regenerated()["outputs"] == REFERENCE["outputs"], REF.stale()


@pytest.mark.parametrize(
    "text,installed",
    [
        ("Math.pow(10, -5)", ("pow",)),
        ("Math.pow(10, digits) * Math.exp(x)", ("pow", "math")),
        ("const { pow } = Math", ("pow", "math")),
        ("Math.round(Math.max(a, b) * 100) / 100", ()),  # exact in both engines
        ("tags.sort()", ("sort",)),
        ("new Float64Array(xs).sort((a, b) => b - a)", ("sort", "typedsort")),
        ("n.toString(16) + parseInt(s)", ("radix",)),
        ("n.toString()", ()),
        ("new Date(webhook.payload.timestamp)", ("dates",)),
        ("new Date().toISOString() + Date.now()", ()),  # never reads text
    ],
)
def test_v8_builtins_are_installed_for_handlers_that_name_them(text, installed):
    assert v8_builtins(text) == installed
