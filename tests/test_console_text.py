"""Console text against Node 20: util.format / util.inspect with their defaults.

tests/data/console_cases.json holds snippets with the lines Node 20's console printed for each
(tests/tools/gen_console_cases.js, run in a fresh ``vm`` context). Each snippet runs here as a
handler's body in its own run; the captured lines must be the same, byte for byte. When
``node`` is on PATH a test re-derives the file, so it cannot drift from Node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "tests" / "data" / "console_cases.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_console_cases.js"
CASES: list[dict] = json.loads(CASES_FILE.read_text(encoding="utf-8"))


def logged(code: str) -> tuple[list[list[str]], str | None]:
    d = transform(f"function handler(webhook) {{\n{code}\nreturn webhook;\n}}", {"type": "x"})
    lines = [[line.level, line.message] for line in d.logs]
    if d.error is not None:
        return lines, d.error.message
    return lines, None


@pytest.mark.parametrize("case", CASES, ids=[c["code"][:60] for c in CASES])
def test_console_prints_what_node_prints(case: dict) -> None:
    lines, error = logged(case["code"])
    assert lines == case["lines"]
    assert error == case.get("throws")


def test_a_logged_error_shows_its_stack_in_the_users_file() -> None:
    lines, _ = logged('function check() { return new Error("bad"); }\nconsole.log({ e: check() });')
    text = lines[0][1]
    assert text.startswith("{\n  e: Error: bad\n      at check (handler.js:2:")
    assert text.endswith("\n}") and "__dodo" not in text


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_cases_are_what_node_prints_today() -> None:
    out = subprocess.run(
        ["node", str(GENERATOR), "--out", "-"], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == CASES
