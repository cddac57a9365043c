"""What installing V8's version of a built-in costs a handler that names it, per event.

For a handler text naming each (sandbox/sources.py's ``v8_builtins``): median µs of reading
the sources it needs from bytecode and installing them in a fresh context, as
``Warm.prepare`` does. Handlers that name none pay nothing.

Run: .venv/bin/python bench/v8_builtins.py [--events N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dodo_transform.sandbox import Limits  # noqa: E402
from dodo_transform.sandbox.context import Warm  # noqa: E402
from dodo_transform.sandbox.sources import SOURCES, V8, v8_builtins  # noqa: E402

TEXTS = {
    "tags.sort()": "sort",
    "new Float64Array(xs).sort(cmp)": "sort + typedsort",
    "Math.pow(10, digits)": "pow",
    "Math.exp(x)": "pow + math (any inexact member but pow)",
    "n.toString(16), parseInt(s, 36)": "radix",
    "new Date(text)": "dates",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    took: dict[str, list[float]] = {text: [] for text in TEXTS}
    for _ in range(args.events):
        for text in TEXTS:  # interleaved, so that a busy machine weighs on all alike
            warm = Warm(Limits())
            warm.ctx.set_time_limit(1.0)
            began = time.perf_counter()
            for name in v8_builtins(text):
                dates = SOURCES["dates"] if name == "dates" else None
                warm.host("v8", warm.ctx.eval(V8[name]), dates)
            took[text].append((time.perf_counter() - began) * 1e6)
            warm.close()
    print(f"{args.events} fresh contexts each\n")
    print("| the handler names | installs | median µs |\n|---|---|---:|")
    for text, values in took.items():
        print(f"| `{text}` | {TEXTS[text]} | {statistics.median(values):.0f} |")


if __name__ == "__main__":
    main()
