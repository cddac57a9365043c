"""Reference data printed by Node 20 for the V8 ports (sort, Math, radix, dates): the stored
cases, the JavaScript runner both sides execute, and a fresh run of the generator."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dodo_transform import Limits
from dodo_transform.transform import transform

ROOT = Path(__file__).resolve().parent.parent


class Reference:
    """tests/data/NAME_cases.json, tests/tools/NAME_runner.js and gen_NAME_cases.js."""

    def __init__(self, name: str) -> None:
        self.data_file = ROOT / "tests" / "data" / f"{name}_cases.json"
        self.generator = ROOT / "tests" / "tools" / f"gen_{name}_cases.js"
        self.runner = (ROOT / "tests" / "tools" / f"{name}_runner.js").read_text(encoding="utf-8")
        self.data = json.loads(self.data_file.read_text(encoding="utf-8"))

    def run(self, expr: str, now: str | None = None) -> Any:
        """The value of `expr` in the sandbox, with the runner's functions defined."""
        d = transform(
            self.runner + f"\nfunction handler(w) {{ w.payload = {expr}; return w }}",
            '{"type": "x"}',
            now=now,
            limits=Limits(time_ms=60_000, memory_bytes=256 << 20),
        )
        assert d.status == "ok", d.error
        return d.request.json()

    def regenerated(self) -> Any:
        """What Node prints today (TZ=UTC), to compare with the stored data."""
        out = subprocess.run(
            ["node", str(self.generator)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
        return json.loads(out.stdout)

    def stale(self) -> str:
        return f"regenerate: TZ=UTC node {self.generator.relative_to(ROOT)} > {self.data_file.relative_to(ROOT)}"


def evaluate(expressions: list[str]) -> list[str]:
    """Each expression's value as JSON text in one sandbox run (``!`` + the error's name when
    it throws), as the Intl generators print them from Node."""
    source = (
        "function handler(webhook) {\n"
        f"  const cases = {json.dumps(expressions)};\n"
        "  webhook.payload = cases.map((e) => {\n"
        "    try { return JSON.stringify((0, eval)(e)); } catch (err) { return '!' + err.name; }\n"
        "  });\n"
        "  return webhook;\n"
        "}\n"
    )
    d = transform(source, "{}", limits=Limits(time_ms=30_000))
    assert d.request is not None, d.error
    return list(d.request.json())


def matches(want: str, mine: str) -> bool:
    """Whether the sandbox's value is Node's: the same JSON text, or, for a long value a
    generator stored as "#" and a digest (tests/tools/node_value.js), the same digest."""
    if want.startswith("#"):  # JSON text never does
        return hashlib.sha256(mine.encode()).hexdigest()[:6] == want[1:]
    return mine == want


def differing(cases: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(expression, Node's value, the sandbox's) of each case whose values differ."""
    got = evaluate([e for e, _ in cases])
    return [
        (e, want, mine)
        for (e, want), mine in zip(cases, got, strict=True)
        if not matches(want, mine)
    ]
