"""Constants and a server helper for the emulator and lint tests.

Imported by test modules directly (it is not a pytest conftest, so it adds no fixtures of
its own to the rest of the suite). Time comes from :class:`dodo_transform.clock.FakeClock`,
started at :data:`T0`, which moves the emulator's timestamps and rate-limit windows alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dodo_transform.clock import FakeClock
from dodo_transform.serving import ServerThread

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = ROOT / "examples" / "mailerlite-seed.json"
HANDLERS = ROOT / "handlers" / "mailerlite"
SAMPLES = ROOT / "dodo_transform" / "samples"  # the built-in copies of the shared samples
KEY = "contract-key"
# The instant of the recorded MailerLite traffic the emulator's answers are compared with.
T0 = datetime(2025, 9, 19, 11, 10, 41, tzinfo=timezone.utc).timestamp()

__all__ = ["HANDLERS", "KEY", "ROOT", "SAMPLES", "SEED_PATH", "T0", "FakeClock", "serve"]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` (without its lifespan) on a free loopback port; yield its base URL."""
    with ServerThread(app, lifespan=False) as server:
        yield server.url
