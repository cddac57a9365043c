"""Delivery benchmark: how fast `dodo-transform serve` drains a backlog to a target that answers
at once, beside the transform stage alone.

Measured in one run, on the same machine:
  * the transform stage: events/s of the serve path's sandbox (identity handler, the
    ``payment.succeeded`` sample, 32 events in flight), with the sandbox thread count serve uses;
  * a backlog drained by ``serve`` (the store is filled first, then serve starts): events spread
    over many customers (``--events`` events, ``--customers`` ordering chains) and one customer's
    burst (``--burst`` events on one ordering chain). The rate is counted at the target, from its
    first request to its last, so start-up is not part of it;
  * the wire alone: the burst's requests sent one at a time with serve's HTTP client and
    nothing else (no store, no transform, no signing). A chain sends one request at a time,
    so this is the most one customer's burst could reach on this machine and target.

Beside each rate, the CPU time each delivery cost (serve with its sandbox processes, and the
target), counted from the target's first request to its last; beside the stage, what each of
its events cost. On two cores this bounds a rate whatever the latency:
2 / (serve's + the target's CPU per delivery).

``--database postgresql://…`` runs the same on PostgreSQL (a fresh database per scenario, created
and dropped here) and ``--instances N`` starts N serve processes on it.

Usage: .venv/bin/python bench/delivery.py [--events 2000] [--customers 1000] [--burst 500]
       [--database sqlite|postgresql://postgres@127.0.0.1:5432/postgres] [--instances 1]
       [--isolation process|thread]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import cpu_of, cpu_seconds  # noqa: E402  (bench/ is this script's folder)

from dodo_transform.relay.transformer import default_threads  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SAMPLE = (ROOT / "dodo_transform" / "samples" / "payment.succeeded.json").read_text()
IDENTITY = "function handler(webhook) { return webhook; }\n"
SANDBOX_THREADS = default_threads()  # what serve runs with by default


def target_app():  # answers at once and counts what it received, with the first/last times
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    stats = {"count": 0, "first": 0.0, "last": 0.0}

    async def ok(request):
        await request.body()
        now = time.time()
        stats["first"] = stats["first"] or now
        stats["last"] = now
        stats["count"] += 1
        return Response("{}", media_type="application/json")

    async def read(request):
        return JSONResponse(stats)

    async def reset(request):
        stats.update(count=0, first=0.0, last=0.0)
        return JSONResponse(stats)

    return Starlette(
        routes=[
            Route("/__stats", read, methods=["GET"]),
            Route("/__reset", reset, methods=["POST"]),
            Route("/{p:path}", ok, methods=["POST"]),
        ]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(args: list[str], port: int) -> subprocess.Popen:
    # stderr to a file: serve logs a line per webhook and attempt, and a pipe nobody reads
    # would fill up and stall it.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode()) from None
            time.sleep(0.05)
    raise RuntimeError(f"{args} did not start")


def envelopes(n: int, customers: int, tag: str) -> list[tuple[str, bytes, str]]:
    out = []
    for i in range(n):
        envelope = json.loads(SAMPLE)
        envelope["data"]["customer"]["email"] = f"user{i % customers}@example.com"
        out.append(
            (f"msg_{tag}_{i}", json.dumps(envelope).encode(), f"bench\ncustomer:{i % customers}")
        )
    return out


def fill(database: str, events: list[tuple[str, bytes, str]]) -> None:
    from dodo_transform.relay.store import NewEvent

    now = time.time()
    batch = [
        NewEvent("bench", webhook_id, "payment.succeeded", body, {}, key, False, now)
        for webhook_id, body, key in events
    ]
    if database.startswith("postgresql://"):
        from dodo_transform.relay.postgres_store import PostgresStore

        async def go() -> None:
            store = await PostgresStore.open(database)
            try:
                for i in range(0, len(batch), 500):
                    await store.ingest_many(batch[i : i + 500])
            finally:
                await store.aclose()

        asyncio.run(go())
        return
    from dodo_transform.relay.sqlite_store import SqliteStore

    store = SqliteStore(database)
    try:
        store.ingest_many(batch)
    finally:
        store.close()


async def _admin(server: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_database(tmp: Path, server: str | None) -> str:
    """A new SQLite file, or a new PostgreSQL database on ``server`` (dropped by cleanup)."""
    if server is None:
        return str(tmp / f"bench-{time.monotonic_ns()}.db")
    name = f"dodo_bench_{os.getpid()}_{time.monotonic_ns()}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def cleanup(server: str | None, database: str) -> None:
    if server is not None:
        name = urlsplit(database).path.lstrip("/")
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def transform_stage(
    n: int = 3000, in_flight: int = 32, isolation: str = "process"
) -> tuple[float, float]:
    """Sustained events/s of serve's transform stage (its default sandbox count, one endpoint
    that may use them all), back to back, and the CPU seconds each event cost this process
    and its sandbox processes."""
    from dodo_transform.relay.transformer import Share, TransformStage
    from dodo_transform.transform import transform_async

    async def go() -> tuple[float, float]:
        stage = TransformStage(
            SANDBOX_THREADS,
            processes=isolation == "process",
            share=lambda _n: Share(cap=SANDBOX_THREADS),
        )
        sandbox = stage.lane("bench")
        try:
            for _ in range(200):
                await transform_async(IDENTITY, SAMPLE, sandbox=sandbox)
            queue = list(range(n))
            began, cpu = time.perf_counter(), cpu_of(os.getpid())

            async def worker() -> None:
                while queue:
                    queue.pop()
                    await transform_async(IDENTITY, SAMPLE, sandbox=sandbox)

            await asyncio.gather(*(worker() for _ in range(in_flight)))
            return n / (time.perf_counter() - began), (cpu_of(os.getpid()) - cpu) / n
        finally:
            stage.close()

    return asyncio.run(go())


def config_for(tmp: Path, port: int, target: int, database: str, isolation: str) -> Path:
    (tmp / "identity.js").write_text(IDENTITY)
    path = tmp / "bench.toml"
    path.write_text(f"""
[server]
port = {port}
database = "{database}"
sandbox_isolation = "{isolation}"

[[endpoints]]
name = "bench"
secrets = ["{SECRET}"]
handler = "identity.js"
url = "http://127.0.0.1:{target}/hook"
allow_hosts = ["127.0.0.1"]
""")
    return path


def drain(
    tmp: Path,
    target: subprocess.Popen,
    target_port: int,
    events: list[tuple[str, bytes, str]],
    server: str | None,
    instances: int,
    isolation: str,
) -> tuple[float, float, tuple[float, float] | None]:
    """Fill a fresh store, start serve (``instances`` of it), wait for the target to receive
    everything: deliveries/s, seconds, and the CPU seconds per delivery of serve and of the
    target, between the first and the last poll that saw deliveries arrive."""
    database = fresh_database(tmp, server)
    procs = []
    # One client for every poll: a bare httpx.get() builds an SSL context each time (~50 ms
    # of CPU), which would take a share of the 2 cores from the serve being measured.
    client = httpx.Client()
    try:
        fill(database, events)
        client.post(f"http://127.0.0.1:{target_port}/__reset")
        began = time.perf_counter()
        first: tuple[int, float, float] | None = None
        for _ in range(instances):
            port = free_port()
            config = config_for(tmp, port, target_port, database, isolation)
            serve = ["-m", "dodo_transform", "serve", "--config", str(config)]
            procs.append(spawn([*serve, "--log-level", "warning"], port))
        while True:
            stats = client.get(f"http://127.0.0.1:{target_port}/__stats").json()
            seen = (stats["count"], cpu_seconds(procs), cpu_seconds([target]))
            if first is None and stats["count"]:
                first = seen
            if stats["count"] >= len(events):
                break
            if time.perf_counter() - began > 600:
                raise RuntimeError(f"not drained in 600 s: {stats}")
            time.sleep(0.1)
    finally:
        client.close()
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        cleanup(server, database)
    span = stats["last"] - stats["first"]
    rate = (stats["count"] - 1) / span if span > 0 else float("inf")
    assert first is not None
    if seen[0] == first[0]:  # drained between two polls: no interval to count CPU over
        return rate, span, None
    delivered = seen[0] - first[0]
    return rate, span, ((seen[1] - first[1]) / delivered, (seen[2] - first[2]) / delivered)


def wire_alone(target: int, n: int) -> float:
    """Requests/s of ``n`` requests sent one after another to the target, counted there as
    drain() counts them, with the client serve delivers with and nothing else."""
    from dodo_transform.relay.sender import Sender

    body = SAMPLE.encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": "msg_wire",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    }
    url = f"http://127.0.0.1:{target}/hook"

    async def go() -> None:
        sender = Sender()
        try:
            for _ in range(n):
                await sender.send("POST", url, headers, body, timeout=30, max_bytes=4096)
        finally:
            await sender.aclose()

    with httpx.Client() as client:
        client.post(f"http://127.0.0.1:{target}/__reset")
        asyncio.run(go())
        stats = client.get(f"http://127.0.0.1:{target}/__stats").json()
    span = stats["last"] - stats["first"]
    return (stats["count"] - 1) / span if span > 0 else float("inf")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-target":
        import uvicorn

        uvicorn.run(target_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--burst", type=int, default=500)
    p.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default) or a PostgreSQL server URL; a database is made per scenario",
    )
    p.add_argument("--instances", type=int, default=1, help="serve processes (PostgreSQL)")
    p.add_argument(
        "--isolation",
        choices=["process", "thread"],
        default="process",
        help="serve's sandbox_isolation (default: process, serve's default)",
    )
    args = p.parse_args()
    server = None if args.database == "sqlite" else args.database
    stage, stage_cpu = transform_stage(isolation=args.isolation)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        target_port = free_port()
        target = spawn([__file__, "--serve-target", str(target_port)], target_port)
        try:
            for name, events in [
                (
                    f"{args.events} events over {args.customers} customers",
                    envelopes(args.events, args.customers, "spread"),
                ),
                (f"one customer's burst of {args.burst}", envelopes(args.burst, 1, "burst")),
            ]:
                rows.append(
                    (
                        name,
                        *drain(
                            Path(tmp),
                            target,
                            target_port,
                            events,
                            server,
                            args.instances,
                            args.isolation,
                        ),
                    )
                )
            wire = wire_alone(target_port, args.burst)
        finally:
            target.terminate()
            target.wait(30)
    store = "SQLite" if server is None else f"PostgreSQL, {args.instances} instance(s)"
    print(
        f"\nDelivery to a local target that answers at once, {store}, {os.cpu_count()} CPUs,"
        f" Python {sys.version.split()[0]}\n"
    )
    kind = "processes" if args.isolation == "process" else "threads"
    print(
        f"transform stage alone ({SANDBOX_THREADS} sandbox {kind}): {stage:,.0f} events/s,"
        f" {1000 * stage_cpu:.2f} ms of CPU per event\n"
    )
    print(
        "| backlog | deliveries/s | % of the transform stage | drained in s"
        " | CPU ms per delivery: serve | the target | cores busy | at most, 2 cores |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, rate, span, cpu in rows:
        if cpu is None:
            costs = "| | | |"
        else:
            per = sum(cpu)
            costs = (
                f"| {1000 * cpu[0]:.2f} | {1000 * cpu[1]:.2f} | {rate * per:.2f}"
                f" | {2 / per:,.0f}/s ({100 * 2 / per / stage:.0f} %) |"
            )
        print(f"| {name} | {rate:,.0f} | {100 * rate / stage:.0f} % | {span:.1f} {costs}")
    print(
        f"\nthe wire alone: {args.burst} requests one at a time to the same target, serve's HTTP"
        f" client, nothing else: {wire:,.0f}/s ({100 * wire / stage:.0f} % of the transform"
        f" stage; the burst reached {100 * rows[1][1] / wire:.0f} % of it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
