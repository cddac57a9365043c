"""The built-in surface a handler sees equals Node 20's: the global object and every
intrinsic (constructors, prototypes, namespaces, iterator prototypes, Intl) have the same own
property keys as in a fresh Node 20 ``vm`` context.

tests/data/builtin_surface.json is printed by tests/tools/gen_builtin_surface.js (the lister it
ran is stored with it and runs here as a handler's code). When ``node`` is on PATH a test
re-derives the file, so it cannot drift from Node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = ROOT / "tests" / "data" / "builtin_surface.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_builtin_surface.js"
DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))

# What the sandbox cannot make equal, each with its reason (docs/conformance.md says the same).
# The test fails if one of these disappears too, so that the list stays exact.
KNOWN = {
    # QuickJS's stack is an accessor on Error.prototype (V8: an own property of each error);
    # Error.prepareStackTrace is the accessor through which QuickJS honours the V8 hook.
    "Error": ([], ["prepareStackTrace"]),
    "Error.prototype": ([], ["stack"]),
    # Well-known symbols are non-configurable: QuickJS's newer ones cannot be removed.
    "Symbol": ([], ["asyncDispose", "dispose"]),
    # No WebAssembly engine; no shared-memory waiting without threads.
    "globalThis": (["WebAssembly"], []),
    "Atomics": (["waitAsync"], []),
    # V8's legacy RegExp statics ($1..$9, lastMatch...) would need every match recorded.
    "RegExp": (
        ["$&", "$'", "$+", "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$_", "$`"]
        + ["input", "lastMatch", "lastParen", "leftContext", "rightContext"],
        [],
    ),
}


def sandbox_surface() -> dict[str, list[str]]:
    d = transform(
        f"function handler(w) {{ w.payload = JSON.parse({DATA['lister']}); return w }}",
        {"type": "x"},
    )
    assert d.ok, d.error
    surface: dict[str, list[str]] = d.request.json()
    return surface


def test_every_intrinsic_has_node_20s_keys() -> None:
    node, here = DATA["surface"], sandbox_surface()
    assert sorted(here) == sorted(node)
    differences = {}
    for name in node:
        missing = sorted(set(node[name]) - set(here[name]))
        extra = sorted(set(here[name]) - set(node[name]))
        if missing or extra:
            differences[name] = (missing, extra)
    assert differences == KNOWN


def test_what_node_20_lacks_is_absent_and_what_it_has_works() -> None:
    d = transform(
        "function handler(w) { w.payload = [typeof Object.groupBy, typeof Map.groupBy,"
        " typeof Iterator, typeof Promise.withResolvers, typeof new Set().union,"
        " typeof Array.fromAsync, typeof Float16Array, typeof InternalError,"
        " [3, 1, 2].toSorted(), 'ab'.isWellFormed(), [1, 2].findLast((x) => x < 2),"
        " Object.hasOwn({a: 1}, 'a'), [1, [2]].flat(), typeof structuredClone,"
        " Object.prototype.toString.call(globalThis)]; return w }",
        {"type": "x"},
    )
    assert d.request.json() == ["undefined"] * 8 + [
        [1, 2, 3],
        True,
        1,
        True,
        [1, 2],
        "undefined",
        "[object Object]",
    ]


def test_a_memory_limit_is_still_named_without_the_internal_error_global() -> None:
    d = transform(
        "function handler(w) { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }",
        {"type": "x"},
    )
    assert d.error is not None and d.error.kind == "memory_limit"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_stored_surface_is_node_20s_today() -> None:
    out = subprocess.run(
        ["node", str(GENERATOR), "--out", "-"], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == DATA
