"""Client-side rate limits per (target host, credential), so the target never answers 429.

Model: a key allows ``limit`` requests per ``window`` seconds. A request holds one of the
``limit`` slots from the moment it is sent until ``window`` seconds after its response
arrived. The target receives each request somewhere between our send and our response, so
any ``window``-long interval of the target's clock holds at most ``limit`` of our requests,
whether the target counts in fixed or sliding windows. (A token bucket does not give this: its
refill lets up to 2 × limit land in one fixed window.)

Adaptation: ``X-RateLimit-Limit`` below ours lowers ours, for :data:`LEARNED_FOR` seconds
after it was last seen (a plan upgraded at the target is then used); ``X-RateLimit-Remaining:
0`` while we hold fewer than ``limit`` slots (another client spends the budget) pauses the key
for a window (or ``Retry-After``); a 429 pauses it for ``Retry-After`` (or a window). A
changed configured rate (a reload, a restart) applies at once and forgets what was learned.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import re
from collections import deque
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass

from ..clock import Clock
from .retry import parse_retry_after

# How long a limit learned from X-RateLimit-Limit stands after the target last said it.
LEARNED_FOR = 600.0
LONGEST_PAUSE = 3600.0  # an hourly quota's reset; see pause_for
_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(?:(second|minute|hour)|(\d+(?:\.\d+)?)\s*s)\s*$")
# Headers that identify the account a request is billed to.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key", "x-mailerlite-apikey")


@dataclass(frozen=True)
class Rate:
    limit: int
    window: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}s"


# Published limits of well-known targets (MailerLite: 120 requests/minute per account).
KNOWN_RATES: dict[str, Rate] = {"connect.mailerlite.com": Rate(120, 60.0)}


def parse_rate(text: str) -> Rate:
    """``"120/minute"``, ``"10/second"``, ``"1000/hour"`` or ``"20/0.5s"``; ValueError if not."""
    m = _RATE.match(text)
    if not m:
        raise ValueError(
            f'{text!r} is not a rate; write e.g. "120/minute", "10/second" or "20/0.5s"'
        )
    window = _UNITS[m.group(2)] if m.group(2) else float(m.group(3))
    if int(m.group(1)) < 1 or window <= 0:
        raise ValueError(f"{text!r}: the count and the window must be positive")
    return Rate(int(m.group(1)), window)


def limiter_key(host: str, headers: Mapping[str, str]) -> tuple[str, str]:
    """(host, sha256 of the credential headers): one budget per account, secrets not kept."""
    cred = "\n".join(
        f"{k.lower()}:{v}" for k, v in sorted(headers.items()) if k.lower() in CREDENTIAL_HEADERS
    )
    return host.lower(), hashlib.sha256(cred.encode()).hexdigest()


@dataclass(frozen=True)
class Permit:
    """One request's slot: what :meth:`Limiter.acquire` hands out and ``finished`` takes back."""

    key: tuple[str, str]
    slot: int = 0  # a shared limiter's slot id
    window: float = 0.0


class Limiter(abc.ABC):
    """Where the worker asks before each send to a rate-limited target: this process's
    :class:`RateLimiter`, or one shared by every instance (PostgreSQL's)."""

    @abc.abstractmethod
    async def acquire(self, key: tuple[str, str], rate: Rate) -> Permit:
        """Wait for a slot of ``key`` under ``rate``."""

    @abc.abstractmethod
    async def finished(
        self, permit: Permit, headers: Mapping[str, str] | None, status: int | None
    ) -> None:
        """The request finished (any outcome): start the slot's window; adapt to the
        target's rate-limit headers."""


class _Bucket:
    def __init__(self, rate: Rate) -> None:
        self.configured = rate
        self.rate = rate  # lower while a learned limit stands
        self.learned_at = 0.0
        self.in_flight = 0
        self.releases: deque[float] = deque()  # when each finished request frees its slot
        self.paused_until = 0.0
        self.changed = asyncio.Event()


class RateLimiter(Limiter):
    """This process's limiter: ``acquire`` before each send, ``release`` after it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def _bucket(self, key: tuple[str, str], rate: Rate) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate)
        elif bucket.configured != rate or (
            bucket.rate != rate and self._clock.now() - bucket.learned_at >= LEARNED_FOR
        ):
            bucket.configured = bucket.rate = rate
            bucket.changed.set()  # waiters look again under the new rate
        return bucket

    async def acquire(self, key: tuple[str, str], rate: Rate) -> Permit:
        b = self._bucket(key, rate)
        while True:
            now = self._clock.now()
            while b.releases and b.releases[0] <= now:
                b.releases.popleft()
            if now >= b.paused_until and b.in_flight + len(b.releases) < b.rate.limit:
                b.in_flight += 1
                return Permit(key)
            wake = b.paused_until if now < b.paused_until else None
            if b.in_flight + len(b.releases) >= b.rate.limit and b.releases:
                wake = max(wake or 0.0, b.releases[0])
            b.changed.clear()
            if wake is None:
                # Only in-flight requests hold the slots: wait for one to finish.
                await b.changed.wait()
            else:
                await _first(b.changed.wait(), self._clock.sleep(wake - now))

    async def finished(
        self, permit: Permit, headers: Mapping[str, str] | None, status: int | None
    ) -> None:
        self.release(permit.key, headers, status)

    def release(
        self,
        key: tuple[str, str],
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        """The request finished (any outcome). Adapts to the target's rate-limit headers."""
        b = self._buckets[key]
        now = self._clock.now()
        b.in_flight -= 1
        b.releases.append(now + b.rate.window)
        if headers is not None:
            self._adapt(b, headers, status, now)
        b.changed.set()

    def _adapt(
        self, b: _Bucket, headers: Mapping[str, str], status: int | None, now: float
    ) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        limit = header_int(lower.get("x-ratelimit-limit"))
        if limit is not None and 0 < limit < b.configured.limit:
            if limit <= b.rate.limit:
                b.rate, b.learned_at = Rate(limit, b.rate.window), now
        retry_after = parse_retry_after(lower.get("retry-after"), now)
        exhausted = header_int(lower.get("x-ratelimit-remaining")) == 0
        held = b.in_flight + len(b.releases)
        if status == 429 or (exhausted and should_pause(held, b.rate.limit)):
            b.paused_until = max(b.paused_until, now + pause_for(retry_after, b.rate.window))

    def paused_until(self, key: tuple[str, str]) -> float:
        b = self._buckets.get(key)
        return b.paused_until if b else 0.0


def pause_for(retry_after: float | None, window: float) -> float:
    """How long a key pauses after a 429 or an exhausted budget: the target's ``Retry-After``,
    at most :data:`LONGEST_PAUSE` (an absurd one, or an epoch time sent by mistake, would
    hold every delivery to that target for years), or a window when it gave none."""
    return min(retry_after, max(LONGEST_PAUSE, window)) if retry_after is not None else window


def should_pause(held: int, limit: int) -> bool:
    """After ``X-RateLimit-Remaining: 0``: pause the key for a window only if someone else
    spends this budget too. When we hold every slot ourselves, the slots already wait for the
    target's window to end (each frees a window after a response the target counted), and a
    pause from the last answer would only add the time the batch took to go out."""
    return held < limit


def header_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _first(*aws: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
