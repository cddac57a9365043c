"""Time as an injectable object, so the worker, store and limiter can be driven by tests.

Everything that schedules (``next_attempt_at``, rate-limit windows) reads ``clock.now()``
(wall-clock seconds since the epoch) and waits with ``await clock.sleep(s)``. Tests pass a
:class:`FakeClock` and move time forward instead of sleeping through a retry schedule.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """Virtual time: ``sleep`` advances the clock instead of waiting."""

    def __init__(self, start: float | None = None) -> None:
        self.t = time.time() if start is None else start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def sleep(self, seconds: float) -> Coroutine[Any, Any, None]:
        # The wake-up time is fixed when sleep() is called, not when the coroutine first runs:
        # wrapped in a task it may start after another sleeper moved the clock, and adding the
        # wait then would carry time past the moment the caller asked for.
        return self._until(self.t + max(0.0, seconds))

    async def _until(self, target: float) -> None:
        self.t = max(self.t, target)
        # Yield so other tasks run, as a real sleep would let them.
        await asyncio.sleep(0)
