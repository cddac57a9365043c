"""Helpers for the emulator and lint tests: a real uvicorn server on 127.0.0.1, fake clocks.

Imported by test modules directly (it is not a pytest conftest, so it adds no fixtures of
its own to the rest of the suite).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = ROOT / "examples" / "mailerlite-seed.json"
HANDLERS = ROOT / "handlers" / "mailerlite"
SAMPLES = ROOT / "dodo_transform" / "samples"  # the built-in copies of the shared samples
KEY = "contract-key"


class FakeClock:
    """A monotonic clock the test moves by hand, so windows never depend on real time."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeWall:
    """Wall-clock time for the emulator's timestamps, fixed unless advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 9, 19, 11, 10, 41, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yield its base URL."""
    # proto must be IPPROTO_TCP (not 0) or asyncio skips TCP_NODELAY on accepted sockets, and
    # every keep-alive response then waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("emulator did not start")
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
