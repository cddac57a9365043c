"""Workbench benchmark: what linting costs `dodo-transform test` (and the playground).

With lint on (the CLI, the playground, ``/api/test``, the pytest fixture), every run is
followed by a tracing run of the same handler on the same event (the payload wrapped in
proxies that note reads of absent fields, see ``dodo_transform/hints.py``), plus the source
analysis and the MailerLite lint. This measures ``testing.run`` over every built-in sample for
each document handler, lint off and on, best of ``--repeat`` rounds, in this process.

Usage: .venv/bin/python bench/workbench.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dodo_transform import testing  # noqa: E402


def best_ms(handler: Path, inputs: list[testing.Payload], repeat: int, lint: bool) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _record in testing.run(handler, inputs, lint=lint, now="2025-08-04T05:30:45Z"):
            pass
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args, _ = parser.parse_known_args()  # `./dev bench` passes every benchmark the same args
    inputs = testing.payloads()
    handlers = sorted((ROOT / "handlers" / "mailerlite").glob("*.js"))
    for handler in handlers:  # warm the sandbox and the caches once
        best_ms(handler, inputs, 1, True)
    n = len(inputs)
    print(f"testing.run over all {n} samples, best of {args.repeat}, ms per sample")
    print()
    print("| handler | lint off | lint on | lint's share |")
    print("|---|---|---|---|")
    for handler in handlers:
        off = best_ms(handler, inputs, args.repeat, False) / n
        on = best_ms(handler, inputs, args.repeat, True) / n
        print(f"| `{handler.name}` | {off:.2f} | {on:.2f} | {(on - off) / on:.0%} |")


if __name__ == "__main__":
    main()
