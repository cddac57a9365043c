"""The transform stage: how transforms scale with sandbox threads, and how fairly endpoints
share them.

Two measurements, each repeated ``--repeat`` times (medians reported, with the load average,
because the machine may be shared):

* **threads**: sustained events/s of the transform stage with 1 and with 2 (``--threads``)
  sandboxes (child processes as serve runs them, or threads with ``--isolation thread``), one
  endpoint, 64 runs in flight. Workload: the six MailerLite document handlers on every
  built-in sample (as ``bench/transform.py``). Two paths: the stage alone (jobs submitted
  from a thread, raw runs back) and serve's path (``transform_async`` on the event loop, with
  the contract checks of every decision in Python).
* **fairness**: a real ``serve`` (a child process, SQLite) delivering to a local target that
  answers at once. Endpoint B (a pass-through handler) gets 10 events, posted one after the
  other: alone, and right after endpoint A (a handler spinning ~200 ms of CPU per event)
  got 10 (``--spinning``; more than serve's 64 slots makes a backlog). Reported: the time
  from B's first post to B's last delivery at the target.

``--root PATH`` runs serve from another checkout (e.g. main before the stage; then the
``sandbox_threads`` key is left out of the config with ``--no-threads-key``).

Usage: .venv/bin/python bench/stage.py [--repeat 3] [--events 3000] [--threads 1,2]
       [--skip-fairness] [--skip-threads] [--root PATH --no-threads-key]
       [--isolation process|thread]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PASS_THROUGH = "function handler(webhook) { return webhook; }\n"
# ~200 ms of CPU per event on a 2020s x86 core.
SPIN = """
function handler(webhook) {
  let x = 0;
  for (let i = 0; i < 2500000; i++) x = (x + i) % 1000003;
  webhook.payload.data.spun = x;
  return webhook;
}
"""


# -- threads -----------------------------------------------------------------------------


def workload() -> list[tuple[object, str]]:
    from dodo_transform import samples
    from dodo_transform.transform import Handler

    handlers = [Handler.from_file(str(p)) for p in sorted((ROOT / "handlers").rglob("*.js"))]
    return [(h, s.text) for s in samples.all() for h in handlers]


def jobs(events: list[tuple[object, str]], n: int) -> list[object]:
    from dodo_transform.sandbox import Job

    out = []
    for i in range(n):
        h, text = events[i % len(events)]
        event_type = json.loads(text)["type"]
        out.append(Job(h.source, h.filename, text, event_type, "https://example.invalid/"))  # type: ignore[attr-defined]
    return out


def stage_alone(threads: int, todo: list[object], processes: bool, in_flight: int = 64) -> float:
    """Events/s of the stage by itself: runs submitted as fast as they finish."""
    from dodo_transform.relay.transformer import Share, TransformStage

    stage = TransformStage(threads, processes=processes, share=lambda _n: Share(cap=threads))
    try:
        for job in todo[:300]:  # warm up: bytecode, prepared contexts
            stage.submit("bench", job).result()
        left = list(todo)
        lock = threading.Lock()
        done = threading.Event()
        remaining = [len(left)]

        def finished(_f: object) -> None:
            with lock:
                remaining[0] -= 1
                nxt = left.pop() if left else None
                if remaining[0] == 0:
                    done.set()
            if nxt is not None:
                stage.submit("bench", nxt).add_done_callback(finished)

        began = time.perf_counter()
        first = [left.pop() for _ in range(min(in_flight, len(left)))]
        for job in first:
            stage.submit("bench", job).add_done_callback(finished)
        done.wait()
        return len(todo) / (time.perf_counter() - began)
    finally:
        stage.close()


def serve_path(
    threads: int, events: list[tuple[object, str]], n: int, processes: bool, in_flight: int = 64
):
    """Events/s through ``transform_async`` on the event loop, as serve's worker runs them."""
    from dodo_transform.relay.transformer import Share, TransformStage
    from dodo_transform.transform import transform_async

    stage = TransformStage(threads, processes=processes, share=lambda _n: Share(cap=threads))
    lane = stage.lane("bench")

    # The worker knows each event's type from the store: it is not parsed again here either.
    typed = [(h, t, json.loads(t)["type"]) for h, t in events]

    async def go() -> float:
        for h, t, kind in typed[:300]:
            await transform_async(h, t, sandbox=lane, event_type=kind)  # type: ignore[arg-type]
        queue = list(range(n))
        began = time.perf_counter()

        async def worker() -> None:
            while queue:
                h, t, kind = typed[queue.pop() % len(typed)]
                await transform_async(h, t, sandbox=lane, event_type=kind)  # type: ignore[arg-type]

        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return n / (time.perf_counter() - began)

    try:
        return asyncio.run(go())
    finally:
        stage.close()


# -- fairness ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def target_app():  # answers at once; records (path, time) of every request
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    seen: list[tuple[str, float]] = []

    async def ok(request):
        await request.body()
        seen.append((request.url.path, time.time()))
        return Response("{}", media_type="application/json")

    async def read(_request):
        return JSONResponse(seen)

    async def reset(_request):
        seen.clear()
        return JSONResponse([])

    return Starlette(
        routes=[
            Route("/__seen", read, methods=["GET"]),
            Route("/__reset", reset, methods=["POST"]),
            Route("/{p:path}", ok, methods=["POST"]),
        ]
    )


def wait_port(port: int, proc: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode()) from None
            time.sleep(0.05)
    raise RuntimeError("did not start")


def config(tmp: Path, port: int, target: int, threads: int | None) -> Path:
    (tmp / "pass.js").write_text(PASS_THROUGH)
    (tmp / "spin.js").write_text(SPIN)
    endpoints = ""
    for name, handler in (("a", "spin.js"), ("b", "pass.js")):
        endpoints += f"""
[[endpoints]]
name = "{name}"
secrets = ["{SECRET}"]
handler = "{handler}"
url = "http://127.0.0.1:{target}/{name}"
allow_hosts = ["127.0.0.1"]
time_limit_ms = 30000
"""
    path = tmp / "bench.toml"
    threads_line = "" if threads is None else f"sandbox_threads = {threads}"
    path.write_text(f"""
[server]
port = {port}
database = "{tmp / f"store-{time.monotonic_ns()}.db"}"
watch_handlers = false
{threads_line}
{endpoints}""")
    return path


def fairness_once(
    root: Path, tmp: Path, target: int, threads: int | None, beside: int
) -> tuple[float, float | None]:
    """(B's time from first post to last delivery, A's likewise or None), in seconds."""
    from dodo_transform.relay.signing import sign

    httpx.post(f"http://127.0.0.1:{target}/__reset")
    port = free_port()
    path = config(tmp, port, target, threads)
    log = tempfile.TemporaryFile()
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dodo_transform", "serve", "--config", str(path)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=env,
    )
    try:
        wait_port(port, proc, log)
        posted: dict[str, float] = {}
        with httpx.Client() as client:

            def post(endpoint: str, n: int) -> None:
                body = json.dumps(
                    {
                        "business_id": "bus_1",
                        "type": "payment.succeeded",
                        "timestamp": "2025-08-04T05:30:45Z",
                        "data": {"n": n, "customer": {"email": f"{endpoint}{n}@example.com"}},
                    }
                )
                posted.setdefault(endpoint, time.time())
                r = client.post(
                    f"http://127.0.0.1:{port}/webhooks/{endpoint}",
                    content=body,
                    headers=sign(SECRET, body),
                )
                r.raise_for_status()

            # Warm up (the handler's first compile, the target's connection), then measure.
            for n in range(100, 103):
                post("b", n)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if len(client.get(f"http://127.0.0.1:{target}/__seen").json()) >= 3:
                    break
                time.sleep(0.01)
            client.post(f"http://127.0.0.1:{target}/__reset")
            posted.clear()
            for n in range(beside):
                post("a", n)
            for n in range(10):
                post("b", n)
            want = 10 + beside
            deadline = time.monotonic() + 300
            seen: list = []
            while time.monotonic() < deadline:
                seen = client.get(f"http://127.0.0.1:{target}/__seen").json()
                if len(seen) >= want:
                    break
                time.sleep(0.01)
        last = {p: max(t for q, t in seen if q == p) for p in {q for q, _ in seen}}
        b = last["/b"] - posted["b"]
        a = last["/a"] - posted["a"] if beside else None
        return b, a
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--skip-fairness", action="store_true")
    parser.add_argument("--skip-threads", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT, help="run serve from this checkout")
    parser.add_argument("--no-threads-key", action="store_true")
    parser.add_argument(
        "--fair-threads", type=int, default=None, help="sandbox_threads for the fairness runs"
    )
    parser.add_argument(
        "--spinning", type=int, default=10, help="A's events (over 64 makes a backlog)"
    )
    parser.add_argument(
        "--isolation",
        choices=["process", "thread"],
        default="process",
        help="sandboxes in child processes (serve's default) or threads, for --threads",
    )
    args = parser.parse_args()
    processes = args.isolation == "process"
    counts = [int(x) for x in args.threads.split(",")]
    sys.setswitchinterval(0.0005)  # as serve sets it (cli/serve.py)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")

    if not args.skip_threads:
        events = workload()
        todo = jobs(events, args.events)
        rows = []
        for threads in counts:
            alone = [stage_alone(threads, todo, processes) for _ in range(args.repeat)]
            served = [
                serve_path(threads, events, args.events, processes) for _ in range(args.repeat)
            ]
            rows.append((threads, alone, served))
        base_alone = statistics.median(rows[0][1])
        base_served = statistics.median(rows[0][2])
        kind = "processes" if processes else "threads"
        print(f"| sandbox {kind} | stage alone, events/s | × | serve path, events/s | × |")
        print("|---:|---:|---:|---:|---:|")
        for threads, alone, served in rows:
            a, s = statistics.median(alone), statistics.median(served)
            print(
                f"| {threads} | {a:,.0f} | {a / base_alone:.2f} | {s:,.0f} | "
                f"{s / base_served:.2f} |"
            )
        print(
            f"\n(medians of {args.repeat}; runs: {[[round(x) for x in r[1]] for r in rows]}, "
            f"{[[round(x) for x in r[2]] for r in rows]})"
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")

    if not args.skip_fairness:
        import uvicorn

        target = free_port()
        server = uvicorn.Server(
            uvicorn.Config(target_app(), port=target, log_level="warning", access_log=False)
        )
        t = threading.Thread(target=server.run, daemon=True)
        t.start()
        while not server.started:
            time.sleep(0.05)
        threads = None if args.no_threads_key else args.fair_threads
        with tempfile.TemporaryDirectory() as tmp:
            alone, beside, a_times = [], [], []
            for _ in range(args.repeat):
                alone.append(fairness_once(args.root, Path(tmp), target, threads, 0)[0])
                b, a = fairness_once(args.root, Path(tmp), target, threads, args.spinning)
                beside.append(b)
                a_times.append(a)
        server.should_exit = True
        shown = "serve's default" if threads is None else str(threads)
        print(f"fairness, serve from {args.root}, sandbox_threads {shown}:")
        print("| B: 10 pass-through events | delivered in (median) | runs |")
        print("|---|---:|---|")
        med_alone, med_beside = statistics.median(alone), statistics.median(beside)
        print(f"| alone | {med_alone:.3f} s | {', '.join(f'{x:.3f}' for x in alone)} |")
        print(
            f"| beside A's {args.spinning} spinning events | {med_beside:.3f} s "
            f"| {', '.join(f'{x:.3f}' for x in beside)} |"
        )
        print(
            f"\nB beside A / B alone: {med_beside / med_alone:.2f}×; A's events took "
            f"{statistics.median([x for x in a_times if x is not None]):.2f} s (median)"
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
