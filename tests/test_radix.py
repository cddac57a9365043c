"""Number#toString(radix) and parseInt as V8 computes them (sandbox/js/radix.js), against
Node 20's results for thousands of seeded inputs (tests/data/radix_cases.json); parseFloat,
already equal, is checked with them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dodo_transform import Limits
from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "radix_cases.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_radix_cases.js"
RUNNER = (ROOT / "tests" / "tools" / "radix_runner.js").read_text(encoding="utf-8")
REFERENCE = json.loads(DATA.read_text(encoding="utf-8"))


def run(expr: str) -> object:
    d = transform(
        RUNNER + f"\nfunction handler(w) {{ w.payload = {expr}; return w }}",
        '{"type": "x"}',
        limits=Limits(time_ms=60_000, memory_bytes=256 << 20),
    )
    assert d.status == "ok", d.error
    return d.request.json()


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
    out = subprocess.run(
        ["node", str(GENERATOR)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout)["results"] == REFERENCE["results"], (
        "regenerate: node tests/tools/gen_radix_cases.js > tests/data/radix_cases.json"
    )
