"""The README's Python example runs as written (it is what users paste into their suites)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_pytest_example_passes(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"### From Python and from your own pytest suite.*?```python\n(.*?)```", readme, re.S
    )
    assert block, "the README lost its Python example"
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    tests = [fn for name, fn in namespace.items() if name.startswith("test_")]
    assert len(tests) >= 2
    for fn in tests:
        fn()
