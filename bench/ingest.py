"""Ingest benchmark: how fast `dodo-transform serve` acknowledges signed webhooks.

Two servers, measured in one run with the same load generator:
  * dodo-transform serve: verify, store (SQLite, synchronous=FULL commit), 2xx; the worker
    transforms and delivers to a local target in the same process meanwhile;
  * a bare Starlette endpoint that only verifies the signature: the framework's ceiling.

Two measurements per server:
  * throughput: closed loop, ``--concurrency`` requests in flight, for ``--seconds``;
  * latency: open loop at a fixed ``--rate`` (requests/s) for ``--seconds``; latency is counted
    from each request's scheduled send time, so a stalled server cannot hide its queue.

With ``--database postgresql://…`` serve runs on PostgreSQL (a database made for the run) and
``--instances N`` starts N serve processes, the load spread over them round-robin. With
``--split`` they run ``--role ingest`` and one more process, ``--role worker``, delivers
beside them (on SQLite or PostgreSQL): the ingest processes' event loops then do no delivery.
``--ingest-only`` runs them ``--role ingest`` with no worker at all: what acknowledging alone
costs, the ceiling of any split (what they store is left undelivered).

Usage: .venv/bin/python bench/ingest.py [--rate 200] [--seconds 5] [--concurrency 32]
       [--database sqlite|postgresql://postgres@127.0.0.1:5432/postgres] [--instances 1]
       [--split | --ingest-only] [--isolation process|thread]
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
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dodo_transform.relay.signing import sign, verify  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ADMIN = {"Authorization": "Bearer bench"}  # /healthz tells the counts only to the admin
SAMPLE = (ROOT / "dodo_transform" / "samples" / "payment.succeeded.json").read_text()


def bare_app():  # the framework's ceiling: read, verify, answer
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def receive(request):
        body = await request.body()
        try:
            verify([SECRET], body, request.headers)
        except Exception as e:
            return JSONResponse({"error": str(e)}, status_code=401)
        return JSONResponse({"status": "accepted"}, status_code=202)

    return Starlette(routes=[Route("/webhooks/{endpoint}", receive, methods=["POST"])])


def target_app():  # where dodo-transform delivers during the benchmark
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(request):
        await request.body()
        return Response("{}", media_type="application/json")

    return Starlette(routes=[Route("/{p:path}", ok, methods=["POST"])])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """User and system CPU time the processes and their children (serve's sandbox processes)
    have used so far (Linux: /proc)."""
    return sum(cpu_of(proc.pid) for proc in procs)


def cpu_of(pid: int) -> float:
    """User and system CPU time of one process and its children so far, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # Each thread lists the children it started (serve's come from sandbox threads).
        children = [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except FileNotFoundError:  # it has just exited
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_of(child) for child in children)


def spawn(args: list[str], port: int, log: Path) -> subprocess.Popen:
    # stderr to a file, as a service manager keeps it: serve logs a line per webhook and per
    # attempt, and a pipe nobody reads would fill up and stall it.
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace")) from None
            time.sleep(0.05)
    raise RuntimeError(f"{args} did not start")


def bodies(n: int, tag: str) -> list[tuple[bytes, dict[str, str]]]:
    out = []
    for i in range(n):
        envelope = json.loads(SAMPLE)
        envelope["data"]["customer"]["email"] = f"user{i}@example.com"  # no ordering chains
        body = json.dumps(envelope).encode()
        out.append((body, sign(SECRET, body, msg_id=f"msg_{tag}_{i}")))
    return out


class Conn:
    """A minimal HTTP/1.1 keep-alive client: far cheaper than httpx, so the load generator
    (on the same CPUs) takes as little as possible from the server being measured."""

    def __init__(self, port: int | list[int], path: str, n: int = 0) -> None:
        # Several servers (instances behind a load balancer): connection n goes to n-th.
        port = port[n % len(port)] if isinstance(port, list) else port
        self.port, self.path = port, path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes, headers: dict[str, str]) -> int:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        status_line = b""
        for _ in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            self.writer.write(request)
            status_line = await self.reader.readline()
            if status_line:
                break
            # The server closed this connection while it sat idle in the pool (uvicorn's
            # keep-alive timeout is 5 s): a new connection, as any HTTP client would.
            self.writer.close()
            self.reader = self.writer = None
        if self.reader is None:
            raise ConnectionError("the server closed two connections without an answer")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


async def throughput(
    port: int | list[int], path: str, seconds: float, concurrency: int, tag: str
) -> tuple[float, int]:
    it = iter(bodies(int(seconds * 4000), tag))
    done = errors = 0
    stop = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal done, errors
        conn = Conn(port, path, n)
        for body, headers in it:
            if time.perf_counter() >= stop:
                return
            if await conn.post(body, headers) in (200, 202):
                done += 1
            else:
                errors += 1

    t0 = time.perf_counter()
    stop = t0 + seconds
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return done / (time.perf_counter() - t0), errors


async def latency(
    port: int | list[int], path: str, rate: float, seconds: float, tag: str
) -> tuple[float, float, int]:
    pool = bodies(int(rate * seconds), tag)
    results: list[float] = []
    errors = 0
    ports = port if isinstance(port, list) else [port]
    idle: list[list[Conn]] = [[] for _ in ports]

    async def one(i: int, at: float, body: bytes, headers: dict[str, str]) -> None:
        nonlocal errors
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        free = idle[i % len(ports)]  # round-robin over the instances
        conn = free.pop() if free else Conn(ports[i % len(ports)], path)
        status = await conn.post(body, headers)
        results.append(time.perf_counter() - at)
        free.append(conn)
        errors += status not in (200, 202)

    start = time.perf_counter() + 0.2
    await asyncio.gather(*(one(i, start + i / rate, b, h) for i, (b, h) in enumerate(pool)))
    q = statistics.quantiles(results, n=100)
    return q[49] * 1000, q[98] * 1000, errors


async def drain(port: int) -> None:
    """Wait until the worker has delivered the backlog, so phases do not overlap."""
    async with httpx.AsyncClient() as client:
        while True:
            r = await client.get(f"http://127.0.0.1:{port}/healthz", headers=ADMIN)
            counts = r.json()["deliveries"]
            if not counts.get("pending") and not counts.get("delivering"):
                return
            await asyncio.sleep(0.2)


def drained_in(port: int) -> float:
    """Seconds until the server behind ``port`` has delivered everything it holds."""
    t0 = time.perf_counter()
    asyncio.run(drain(port))
    return time.perf_counter() - t0


def config_for(tmp: Path, port: int, target: int, database: str, isolation: str) -> Path:
    (tmp / "identity.js").write_text("function handler(webhook) { return webhook; }\n")
    path = tmp / f"bench-{port}.toml"
    path.write_text(f"""
[server]
port = {port}
database = "{database}"
sandbox_isolation = "{isolation}"
admin_token = "bench"

[[endpoints]]
name = "bench"
secrets = ["{SECRET}"]
handler = "identity.js"
url = "http://127.0.0.1:{target}/hook"
allow_hosts = ["127.0.0.1"]
""")
    return path


async def _admin(server: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(server: str) -> str:
    from urllib.parse import urlsplit

    name = f"dodo_bench_{os.getpid()}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def drop_database(server: str, url: str) -> None:
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/")
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("--serve-bare", "--serve-target"):
        import uvicorn

        app = bare_app() if sys.argv[1] == "--serve-bare" else target_app()
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=200.0, help="offered rate for latency, req/s")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument(
        "--log-level", default="info", help="serve --log-level (info: a line per webhook)"
    )
    p.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default) or a PostgreSQL server URL (a database is made for the run)",
    )
    p.add_argument("--instances", type=int, default=1, help="serve processes (PostgreSQL)")
    p.add_argument(
        "--split",
        action="store_true",
        help="the measured serve runs --role ingest and one more serve --role worker "
        "delivers beside it (delivery off the ingest process)",
    )
    p.add_argument(
        "--ingest-only",
        action="store_true",
        help="the measured serve runs --role ingest and nothing delivers: acknowledging alone",
    )
    p.add_argument(
        "--isolation",
        choices=["process", "thread"],
        default="process",
        help="serve's sandbox_isolation (default: process, serve's default)",
    )
    args = p.parse_args()
    if args.split and args.ingest_only:
        p.error("--split and --ingest-only are different set-ups: choose one")
    server = None if args.database == "sqlite" else args.database
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        target_port, bare_port = free_port(), free_port()
        serve_ports = [free_port() for _ in range(args.instances)]
        database = "bench.db" if server is None else create_database(server)
        logs = Path(tmp)
        procs = [spawn([__file__, "--serve-target", str(target_port)], target_port, logs / "t.log")]
        try:
            procs.append(
                spawn([__file__, "--serve-bare", str(bare_port)], bare_port, logs / "b.log")
            )
            for serve_port in serve_ports:
                config = config_for(Path(tmp), serve_port, target_port, database, args.isolation)
                serve = ["-m", "dodo_transform", "serve", "--config", str(config)]
                serve += ["--log-level", args.log_level]
                if args.split or args.ingest_only:
                    serve += ["--role", "ingest"]
                procs.append(spawn(serve, serve_port, logs / f"serve-{serve_port}.log"))
            if args.split:
                worker_port = free_port()
                config = config_for(Path(tmp), worker_port, target_port, database, args.isolation)
                worker = ["-m", "dodo_transform", "serve", "--config", str(config)]
                worker += ["--log-level", args.log_level, "--role", "worker"]
                procs.append(spawn(worker, worker_port, logs / "worker.log"))
            path = "/webhooks/bench"
            served = f"dodo-transform serve, {'SQLite' if server is None else 'PostgreSQL'}"
            if args.instances > 1:
                served += f", {args.instances} instances"
            if args.split:
                served += ", --role ingest beside a --role worker"
            if args.ingest_only:
                served += ", --role ingest, nothing delivering"
            served += ", sandbox processes" if args.isolation == "process" else ", sandbox threads"
            ports: int | list[int]
            for name, ports, measured in [
                ("bare Starlette, verify only", bare_port, procs[1:2]),
                (served, serve_ports, procs[2 : 2 + len(serve_ports)]),
            ]:
                cpu0 = cpu_seconds(measured)
                rps, e1 = asyncio.run(throughput(ports, path, args.seconds, args.concurrency, "t"))
                # CPU per ack: steadier than acks/s on a shared machine, whose other tenants
                # take CPU time from the run but do not add to what the server uses.
                cpu = (cpu_seconds(measured) - cpu0) / (rps * args.seconds) * 1000
                delivering = ports == serve_ports and not args.ingest_only
                if delivering:
                    backlog = drained_in(serve_ports[0])
                p50, p99, e2 = asyncio.run(latency(ports, path, args.rate, args.seconds, "l"))
                if delivering:
                    behind = drained_in(serve_ports[0])
                rows.append((name, rps, cpu, p50, p99, e1 + e2))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(30)
            if server is not None:
                drop_database(server, database)
    print(
        f"\nSigned webhook ingest, {os.cpu_count()} CPUs, Python {sys.version.split()[0]} "
        f"(server, target and load generator on the same machine)\n"
    )
    print(
        f"| server | acks/s (closed loop, {args.concurrency} in flight) | CPU ms per ack | "
        f"p50 ms @ {args.rate:g}/s | p99 ms @ {args.rate:g}/s | non-2xx |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, rps, cpu, p50, p99, errors in rows:
        print(f"| {name} | {rps:,.0f} | {cpu:.2f} | {p50:.1f} | {p99:.1f} | {errors} |")
    print(f"\n(serve acknowledged {rows[1][1] / rows[0][1]:.0%} of the bare app's acks/s.)")
    if args.ingest_only:
        return 0
    print(
        f"\n(dodo-transform then needed {backlog:.1f} s to deliver the backlog the throughput "
        f"phase left; the latency phase starts after it. After the latency phase ({args.rate:g}"
        f" webhooks/s), {behind:.1f} s to deliver what was left.)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
