"""Per-event cost of an isolated handler run: dodo-transform's QuickJS sandbox vs Node's vm.

Both sides give every event a fresh, pristine context (QuickJS: a new context alone in its
runtime, a runtime its last context left empty; Node: vm.createContext), run one of the six
MailerLite document handlers on a built-in sample, and serialise the request. Reported, in one
run on the same machine:

- latency of a single event on an otherwise idle process (median and p99 over many events;
  events are spaced 2 ms apart so background preparation can finish, on both sides);
- sustained events/second, back to back;
- the engine's floor: a fresh QuickJS context running only what Node's side runs (no prelude,
  no checks, no Python around it), which bounds what the product can reach per core.

Run: ./dev bench   (or .venv/bin/python bench/transform.py [--rounds N] [--latency-samples N])
Needs `node` on PATH for the comparison; without it only dodo-transform's side is printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dodo_transform import samples  # noqa: E402
from dodo_transform.sandbox import BaseSandbox, Limits, ProcessSandbox, Sandbox, engine  # noqa: E402
from dodo_transform.sandbox.context import Warm  # noqa: E402
from dodo_transform.transform import Handler, transform  # noqa: E402


def workload(directory: Path) -> list[tuple[Handler, str]]:
    handlers = [Handler.from_file(str(p)) for p in sorted(directory.rglob("*.js"))]
    texts = [s.text for s in samples.all()]
    # Every handler meets every sample: most events hit each handler's "not my event" path,
    # as on a real endpoint that receives more event types than it rewrites.
    return [(h, t) for t in texts for h in handlers]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_ours(events, sandbox: BaseSandbox, rounds: int, latency_samples: int) -> dict:
    for h, t in events[:200]:
        transform(h, t, sandbox=sandbox)
    latency = []
    for i in range(latency_samples):
        h, t = events[i % len(events)]
        time.sleep(0.002)
        began = time.perf_counter()
        transform(h, t, sandbox=sandbox)
        latency.append((time.perf_counter() - began) * 1e6)
    began = time.perf_counter()
    for _ in range(rounds):
        for h, t in events:
            transform(h, t, sandbox=sandbox)
    eps = rounds * len(events) / (time.perf_counter() - began)
    return {"latency_us": latency, "sustained_eps": eps}


# What Node's side runs per event (bench/node_vm.js), with nothing of the product's around it.
_BARE_RUNNER = """(function (text) {
  const payload = JSON.parse(text);
  const w = handler({ method: "POST", url: "https://example.invalid/webhook", payload,
                      eventType: payload.type, cancel: false, env: {} });
  return JSON.stringify({ method: w.method, url: w.url, cancel: w.cancel === true,
                          body: JSON.stringify(w.payload) });
})"""


def bench_floor(events, rounds: int, latency_samples: int) -> dict:
    """The engine's floor: a fresh QuickJS context per event running what Node's side runs
    (the handler and a bare runner, read from bytecode), without the prelude (V8's console,
    Intl, error texts and built-ins, the limits), the answer's checks or any Python around it.
    No product path is this cheap; it bounds what any of them can reach per core."""

    def one(handler: Handler, text: str) -> None:
        ctx = engine.new_context()
        ctx.eval(handler.source)
        ctx.eval(_BARE_RUNNER)(text)
        ctx.close()

    for h, t in events[:200]:
        one(h, t)
    latency = []
    for i in range(latency_samples):
        h, t = events[i % len(events)]
        time.sleep(0.002)
        began = time.perf_counter()
        one(h, t)
        latency.append((time.perf_counter() - began) * 1e6)
    began = time.perf_counter()
    for _ in range(rounds):
        for h, t in events:
            one(h, t)
    eps = rounds * len(events) / (time.perf_counter() - began)
    return {"latency_us": latency, "sustained_eps": eps}


def bench_steps(events: list[tuple[Handler, str]], n: int = 2000) -> list[tuple[str, float]]:
    """Median µs of each step of one isolated run, done by hand the way the sandbox does it."""
    limits = Limits()
    steps: dict[str, list[float]] = {k: [] for k in STEPS}
    for i in range(n):
        handler, text = events[i % len(events)]
        t0 = time.perf_counter()
        bare = engine.new_context()
        t1 = time.perf_counter()
        bare.close()
        t2 = time.perf_counter()
        warm = Warm(limits)  # a new context, the cold-path sources, the prelude
        t3 = time.perf_counter()
        warm.prepare(("bench",), handler.source, None)  # clock + the handler's top level
        t4 = time.perf_counter()
        warm.ctx.set_time_limit(1.0)
        warm.runner(text, "payment.succeeded", "https://example.invalid/webhook", "{}")
        t5 = time.perf_counter()
        warm.close()  # frees the context, collects, keeps the emptied runtime
        t6 = time.perf_counter()
        transform(handler, text, sandbox=_INLINE)
        t7 = time.perf_counter()
        took = (t1 - t0, t3 - t2 - (t1 - t0), t4 - t3, t5 - t4, t6 - t5, t7 - t6)
        for key, value in zip(STEPS, took, strict=True):
            steps[key].append(value * 1e6)
    med = {k: statistics.median(v) for k, v in steps.items()}
    med[STEPS[-1]] -= sum(med[k] for k in STEPS[:-1])  # the whole run minus the steps above
    return list(med.items())


STEPS = (
    "new context (alone in its runtime)",
    "the prelude and the cold-path sources (as strings)",
    "the clock and the handler's top-level code",
    "the call: JSON.parse of the envelope, handler(webhook), JSON.stringify",
    "freeing the context, a full collection",
    "Python around it (contract checks, JSON)",
)
_INLINE = Sandbox(thread=False, prewarm=False)


def bench_node(events, rounds: int, latency_samples: int) -> dict | None:
    node = shutil.which("node")
    if node is None:
        return None
    handlers = {h.filename: h.source for h, _ in events}
    request = {
        "handlers": handlers,
        "events": [[h.filename, t] for h, t in events],
        "rounds": rounds,
        "latency_samples": latency_samples,
    }
    out = subprocess.run(
        [node, str(ROOT / "bench" / "node_vm.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over the workload")
    parser.add_argument("--latency-samples", type=int, default=1000)
    parser.add_argument(
        "--handlers",
        type=Path,
        default=ROOT / "handlers",
        help="directory of handlers (default: the library; tests/conformance_handlers has two "
        "that format money and dates with Intl and sort with localeCompare)",
    )
    args = parser.parse_args()
    events = workload(args.handlers)
    if not events:
        parser.error(f"no *.js handlers under {args.handlers}")
    n_handlers = len({h.filename for h, _ in events})
    engine_name = "QuickJS C API, bytecode" if engine.using_c_api() else "quickjs-ng binding"
    rows = []
    sandboxes: tuple[tuple[str, BaseSandbox], ...] = (
        (f"dodo-transform ({engine_name}), sandbox process (serve)", ProcessSandbox()),
        (f"dodo-transform ({engine_name}), sandbox thread", Sandbox(thread=True)),
        (f"dodo-transform ({engine_name}), inline (CLI, pytest)", Sandbox(thread=False)),
    )
    for label, sandbox in sandboxes:
        rows.append((label, bench_ours(events, sandbox, args.rounds, args.latency_samples)))
        sandbox.close()
    floor = (
        f"QuickJS floor: fresh context, handler and bare runner only ({engine_name}; no prelude,"
        " no checks)",
        bench_floor(events, args.rounds, args.latency_samples),
    )
    node = bench_node(events, args.rounds, args.latency_samples)
    rows.append(floor)
    if node:
        rows.append((f"Node {node['node']} vm, fresh context per event", node))
    print(
        f"{len(events)} distinct events ({n_handlers} handlers x {len(events) // n_handlers} "
        "samples), "
        f"{args.latency_samples} latency samples, {args.rounds} sustained rounds\n"
    )
    print("| runtime | latency p50 (µs) | latency p99 (µs) | sustained events/s |")
    print("|---|---:|---:|---:|")
    for label, r in rows:
        lat = r["latency_us"]
        print(
            f"| {label} | {statistics.median(lat):.0f} | {percentile(lat, 99):.0f} | "
            f"{r['sustained_eps']:,.0f} |"
        )
    print(f"\nwhere an inline event's time goes ({engine_name}), median µs:\n")
    print("| step, per event | µs |\n|---|---:|")
    for label, us in bench_steps(events):
        print(f"| {label} | {us:.0f} |")
    if node:
        node_p50 = statistics.median(node["latency_us"])
        ours_p50 = statistics.median(rows[0][1]["latency_us"])
        best_eps = max(r["sustained_eps"] for _, r in rows[:3])
        floor_eps = floor[1]["sustained_eps"]
        print(
            f"\nlatency p50 vs Node: {node_p50 / ours_p50:.1f}x; "
            f"sustained vs Node: {best_eps / node['sustained_eps']:.1f}x "
            f"(the QuickJS floor: {floor_eps / node['sustained_eps']:.1f}x)"
        )


if __name__ == "__main__":
    main()
