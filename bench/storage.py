"""Storage soak: does the SQLite file stay flat while `serve` ingests, delivers and retains?

One `serve` app (in a thread, the real SQLite store and worker) against a target on
127.0.0.1 that answers 200 to most requests and 500 to every ``--fail-every``-th (those are
retried on a short schedule, then end `failed`). The handler returns a ~100 KiB request, so
the stored-body limit matters. Webhooks are posted, signed, at ``--rate`` per second for
``--minutes``; every ``--sample`` seconds the file's size (main file and WAL), the rows kept
and the free pages are printed.

Then retention's batches alone: how long a prune of 50 deliveries (each with two
attempts of a 64 KiB body of random hex, which compresses to about half) holds SQLite's
write lock, which is the longest a webhook being received waits for it.

Run twice: with retention on a small window (``--window`` seconds: `retention_days` is
window / 86400, checked every 2 s), and with ``--window 0`` (retention off: what the file
did before), to compare.

Usage: .venv/bin/python bench/storage.py [--minutes 3] [--rate 40] [--window 45]
       [--fail-every 10] [--sample 15] [--no-soak]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SAMPLE = json.loads((ROOT / "dodo_transform" / "samples" / "payment.succeeded.json").read_text())
# ~100 KiB out of a 1 KB event: above the 64 KiB stored-body limit.
HANDLER = """function handler(webhook) {
  const chunk = JSON.stringify(webhook.payload.data);
  webhook.payload = { id: webhook.payload.timestamp, items: chunk.repeat(100) };
  return webhook;
}
"""


def target_app(fail_every: int):  # 500 to every fail_every-th request, 200 to the rest
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    seen = [0]
    lock = threading.Lock()

    async def handle(request: Request) -> Response:
        await request.body()
        with lock:
            seen[0] += 1
            n = seen[0]
        status = 500 if fail_every and n % fail_every == 0 else 200
        return Response("{}", status_code=status, media_type="application/json")

    return Starlette(routes=[Route("/{p:path}", handle, methods=["POST"])])


def write_config(tmp: Path, target: str, window: float) -> Path:
    (tmp / "handler.js").write_text(HANDLER)
    path = tmp / "soak.toml"
    path.write_text(
        f"""
[server]
database = "soak.db"
admin_token = "bench"
retention_days = {window / 86400!r}

[[endpoints]]
name = "soak"
secrets = ["{SECRET}"]
handler = "handler.js"
url = "{target}/hook"
allow_hosts = ["127.0.0.1"]
retry_schedule = [1, 2]
"""
    )
    return path


def sizes(db: Path) -> tuple[int, int]:
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size, wal.stat().st_size if wal.exists() else 0


def counts(db: Path) -> tuple[int, int, int]:
    """Deliveries, attempts and free pages, read beside the server (WAL: readers never
    block the writer)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        deliveries = conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
        attempts = conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return deliveries, attempts, free
    finally:
        conn.close()


async def post_at_rate(url: str, rate: float, seconds: float, posted: list[int]) -> None:
    from dodo_transform.relay.signing import sign

    start = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        n = 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(elapsed * rate) + 1
            batch = []
            while n < due:
                n += 1
                data = {k: v for k, v in SAMPLE["data"].items() if k != "customer"}
                body = json.dumps({**SAMPLE, "timestamp": f"soak-{n}", "data": data}).encode()
                batch.append(client.post(url, content=body, headers=sign(SECRET, body)))
            for r in await asyncio.gather(*batch):
                assert r.status_code == 202, r.text
            posted[0] = n
            await asyncio.sleep(max(0.0, (n / rate) - (time.monotonic() - start)))


def soak(minutes: float, rate: float, window: float, fail_every: int, sample: float) -> None:
    from dodo_transform.relay.config import load_config
    from dodo_transform.relay.server import create_app
    from dodo_transform.serving import ServerThread

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        target = ServerThread(target_app(fail_every), lifespan=False).start()
        config = load_config(write_config(tmp, target.url, window))
        server = ServerThread(create_app(config, retention_every=2.0)).start()
        db = config.server.database
        posted = [0]
        label = f"window {window:g} s" if window else "retention off"
        print(f"\n{label}: {rate:g} webhooks/s for {minutes:g} min, 1 in {fail_every} answered 500")
        print(
            "| t (s) | posted | deliveries kept | attempts kept | file MB | WAL MB | free pages |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        done = threading.Event()

        def poster() -> None:
            asyncio.run(post_at_rate(f"{server.url}/webhooks/soak", rate, minutes * 60, posted))
            done.set()

        thread = threading.Thread(target=poster, daemon=True)
        start = time.monotonic()
        thread.start()
        try:
            while not done.wait(sample):
                t = time.monotonic() - start
                main, wal = sizes(db)
                kept, tries, free = counts(db)
                print(
                    f"| {t:.0f} | {posted[0]:,} | {kept:,} | {tries:,} | {main / 1e6:.1f} |"
                    f" {wal / 1e6:.1f} | {free:,} |",
                    flush=True,
                )
        finally:
            thread.join()
            server.stop()
            target.stop()
        main, _ = sizes(db)  # closed: the WAL is checkpointed into the file
        print(f"after stop: file {main / 1e6:.1f} MB, {posted[0]:,} webhooks posted")


def batch_time(deliveries: int = 1000) -> None:
    import os
    import statistics

    from dodo_transform.relay.sqlite_store import SqliteStore
    from dodo_transform.relay.store import PRUNE_BATCH, Attempt, bound_body

    batch = PRUNE_BATCH
    with tempfile.TemporaryDirectory() as tmp_name:
        store = SqliteStore(Path(tmp_name) / "batch.db")
        t0 = 1_700_000_000.0
        for i in range(deliveries):
            d = store.ingest("ep", f"m{i}", "t", b"{}" * 500, {}, f"k{i}", False, t0).delivery_id
            for n in range(2):
                store.claim(t0, 1)
                body = {"method": "POST", "url": "http://t/", "body": os.urandom(50_000).hex()}
                a = Attempt(d, 0, t0, bound_body(body, 64 * 1024), 500, "{}", 1.0, None)
                store.finish(d, "failed" if n else "pending", now=t0, attempt=a, next_attempt_at=t0)
        size = store.path.stat().st_size
        times = []
        while True:
            start = time.perf_counter()
            n = store.prune(t0 + 1, batch)
            times.append((time.perf_counter() - start) * 1000)
            if n < batch:
                break
        store.close()
        print(
            f"\nretention batches of {batch} ({deliveries:,} deliveries, {size / 1e6:.0f} MB):"
            f" median {statistics.median(times):.0f} ms, max {max(times):.0f} ms per batch"
            f" (prune and incremental vacuum); file after: {store.path.stat().st_size / 1e6:.1f} MB"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--rate", type=float, default=40.0, help="webhooks per second")
    p.add_argument("--window", type=float, default=45.0, help="retention, seconds (0: off)")
    p.add_argument("--fail-every", type=int, default=10)
    p.add_argument("--sample", type=float, default=15.0, help="seconds between rows")
    p.add_argument("--no-soak", action="store_true", help="only the batch timing")
    args = p.parse_args()
    if not args.no_soak:
        soak(args.minutes, args.rate, args.window, args.fail_every, args.sample)
    batch_time()


if __name__ == "__main__":
    main()
