"""Fixed-window rate limiting in the style of Laravel's ``throttle`` middleware.

The window opens on the first request after the previous one expired and lasts
``window_seconds``; a request that is refused does not count. The clock is injected so tests
can jump past a window instead of sleeping.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends (>= 1) when refused, else 0


class FixedWindow:
    """Not thread-safe on its own: the emulator calls it under its state lock."""

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float]) -> None:
        if limit < 1:
            raise ValueError("rate limit must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window must be positive")
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits = 0
        self._window_end: float | None = None

    def _roll(self, now: float) -> None:
        if self._window_end is not None and now >= self._window_end:
            self._hits = 0
            self._window_end = None

    def hit(self) -> Verdict:
        now = self._clock()
        self._roll(now)
        if self._hits >= self.limit:
            assert self._window_end is not None
            retry = max(1, math.ceil(self._window_end - now))
            return Verdict(False, self.limit, 0, retry)
        if self._window_end is None:
            self._window_end = now + self.window_seconds
        self._hits += 1
        return Verdict(True, self.limit, self.limit - self._hits, 0)

    def remaining(self) -> int:
        self._roll(self._clock())
        return self.limit - self._hits

    def reset(self) -> None:
        self._hits = 0
        self._window_end = None
