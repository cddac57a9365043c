"""What installing V8's version of a built-in costs a handler that names it, per event.

For each of sort.js, math.js, radix.js and date.js (sandbox/sources.py's ``V8``): median µs of
reading it from bytecode and installing it in a fresh context, as ``Warm.prepare`` does for a
handler whose text names it. Handlers that do not name them pay nothing.

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
from dodo_transform.sandbox.sources import SOURCES, V8  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    took: dict[str, list[float]] = {name: [] for name in V8}
    for _ in range(args.events):
        for name in V8:  # interleaved, so that a busy machine weighs on all alike
            warm = Warm(Limits())
            warm.ctx.set_time_limit(1.0)
            text = SOURCES["dates"] if name == "dates" else None
            began = time.perf_counter()
            warm.host("v8", warm.ctx.eval(V8[name]), text)
            took[name].append((time.perf_counter() - began) * 1e6)
            warm.close()
    print(f"{args.events} fresh contexts each\n")
    print("| built-ins | source | install, median µs |\n|---|---|---:|")
    files = {"sort": "sort.js", "math": "math.js", "radix": "radix.js", "dates": "date.js"}
    for name, values in took.items():
        print(f"| {name} | `{files[name]}` | {statistics.median(values):.0f} |")


if __name__ == "__main__":
    main()
