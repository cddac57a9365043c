"""When to try a failed delivery again: Svix's schedule, jitter, overload floor, Retry-After.

Pure functions; the randomness comes from an injectable :class:`random.Random` so a test can
pin the jitter.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

# Delay after the 1st, 2nd, ... failure (the first attempt is immediate): 8 attempts in all,
# the schedule Dodo documents and Svix's OSS server uses.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
# Svix's OVERLOAD_PENALTY_SECS: a target that answered 429 or did not answer at all needs air.
OVERLOAD_FLOOR = 60.0
# 4xx answers that are worth retrying; every other 4xx is final (retrying a 422 only burns the
# target's rate limit).
DEFAULT_RETRY_ON_4XX: frozenset[int] = frozenset({408, 409, 425, 429})


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def is_final_failure(status: int | None, retry_on_4xx: frozenset[int]) -> bool:
    """True when the answer means "do not retry": a 4xx outside ``retry_on_4xx``."""
    return status is not None and 400 <= status < 500 and status not in retry_on_4xx


def next_delay(
    failures: int,
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE,
    *,
    rng: random.Random | None = None,
    status: int | None = None,
    timed_out: bool = False,
    retry_after: float | None = None,
) -> float | None:
    """Seconds until the next attempt after ``failures`` failed attempts, or None if exhausted.

    Order as Svix: scheduled delay with ±20 % jitter, then at least 60 s after a 429 or a
    timeout, then ``Retry-After`` honoured but clamped to [delay, 2 × delay] so a target cannot
    stall a delivery indefinitely nor make us hammer it.
    """
    if failures < 1 or failures > len(schedule):
        return None
    rng = rng or random.Random()
    delay = schedule[failures - 1] * rng.uniform(1 - JITTER, 1 + JITTER)
    if status == 429 or timed_out:
        delay = max(delay, OVERLOAD_FLOOR)
    if retry_after is not None:
        delay = min(max(retry_after, delay), 2 * delay)
    return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP-date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", a digit to isdigit() only
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)
