"""CPU cost per context and per event of this checkout against another one (say, main's).

A change to the prelude or the sandbox's JavaScript moves the cost of every event by a few
microseconds, less than a busy machine's noise between two runs of bench/transform.py. This
alternates the two trees in fresh subprocesses, round after round, and measures CPU time
(not wall time) of:

- ``Warm()``: a new context with the prelude (and its close), 5 x 400 per subprocess;
- an inline event: ``transform`` on the document handlers' 300 events, 4 passes (CPU time
  per event, and events per second of wall time).

Each subprocess reports its best pass; the table shows the median over the rounds.

Run: .venv/bin/python bench/trees.py --other /work/main [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
root = sys.argv[1]
sys.path.insert(0, root)
sys.path.insert(0, root + "/bench")
from pathlib import Path
from dodo_transform.sandbox import Sandbox
from dodo_transform.sandbox.context import Warm
from dodo_transform.sandbox.job import Limits
from dodo_transform.transform import transform
import transform as bench_transform

limits = Limits()
for _ in range(200):
    Warm(limits).close()
warm = []
for _ in range(5):
    t = time.process_time()
    for _ in range(400):
        Warm(limits).close()
    warm.append((time.process_time() - t) / 400 * 1e6)
events = bench_transform.workload(Path(root) / "handlers")
sandbox = Sandbox(thread=False)
for h, t in events:
    transform(h, t, sandbox=sandbox)
event, rate = [], []
for _ in range(4):
    t, w = time.process_time(), time.perf_counter()
    for h, t_ in events:
        transform(h, t_, sandbox=sandbox)
    event.append((time.process_time() - t) / len(events) * 1e6)
    rate.append(len(events) / (time.perf_counter() - w))
print(json.dumps({"warm": min(warm), "event": min(event), "rate": max(rate)}))
"""


def measure(tree: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tree)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--other", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"this tree": ROOT, str(args.other): args.other.resolve()}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, path in trees.items():
            runs[name].append(measure(path))
    print("| tree | Warm() CPU µs | inline event CPU µs | inline events/s (wall) |")
    print("|---|---:|---:|---:|")
    for name, results in runs.items():
        warm = statistics.median(r["warm"] for r in results)
        event = statistics.median(r["event"] for r in results)
        rate = statistics.median(r["rate"] for r in results)
        print(f"| {name} | {warm:.0f} | {event:.0f} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
