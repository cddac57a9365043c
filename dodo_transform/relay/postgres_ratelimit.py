"""Rate limits shared by every instance on one PostgreSQL database.

The model is :mod:`~dodo_transform.relay.ratelimit`'s (a request holds one of ``limit``
slots from its send until ``window`` seconds after its response), with the slots as rows:
``rate_slots`` per key, and the key's row in ``rate_limits`` (locked ``FOR UPDATE`` while a
slot is counted and taken, so instances take turns) with what the target's headers taught
(a lower ``X-RateLimit-Limit``, for ``LEARNED_FOR`` seconds after it was last said; a pause
after a 429 or ``X-RateLimit-Remaining: 0``), beside the configured limit, so a changed config
applies at once. N instances then send at most ``limit`` requests per ``window`` together:
MailerLite's 120/minute is per account, not per process.

Why PostgreSQL and not Redis: it is already the one thing every instance shares, and a slot
taken in a transaction is exactly as durable as the deliveries it paces. A slot whose instance
died before the response never gets its release time; it lapses ``IN_FLIGHT_MAX`` seconds
after it was taken (capacity is lost meanwhile, the limit is never exceeded).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..clock import Clock
from .postgres_store import PostgresStore
from .ratelimit import (
    LEARNED_FOR,
    Limiter,
    Permit,
    Rate,
    header_int,
    pause_for,
    should_pause,
)
from .retry import parse_retry_after

__all__ = ["SharedRateLimiter"]

IN_FLIGHT_MAX = 300.0
# A waiter whose slots are all held by requests still in flight (no release time known yet)
# looks again this often.
POLL = 0.05


class SharedRateLimiter(Limiter):
    def __init__(self, store: PostgresStore, clock: Clock) -> None:
        self._pool = store.pool
        self._clock = clock

    async def acquire(self, key: tuple[str, str], rate: Rate) -> Permit:
        name = "\n".join(key)
        while True:
            now = self._clock.now()
            async with self._pool.acquire() as conn, conn.transaction():
                # The configured rate, unless the target taught a lower one recently.
                await conn.execute(
                    "INSERT INTO rate_limits (key, rate_limit, configured) VALUES ($1, $2, $2)"
                    " ON CONFLICT (key) DO UPDATE SET rate_limit = excluded.rate_limit,"
                    " configured = excluded.configured, learned_at = NULL"
                    " WHERE rate_limits.configured IS DISTINCT FROM excluded.configured"
                    " OR rate_limits.learned_at < $3",
                    name,
                    rate.limit,
                    now - LEARNED_FOR,
                )
                state = await conn.fetchrow(
                    "SELECT rate_limit, paused_until FROM rate_limits WHERE key = $1 FOR UPDATE",
                    name,
                )
                await conn.execute(
                    "DELETE FROM rate_slots WHERE key = $1 AND (release_at <= $2"
                    " OR expires_at <= $2)",
                    name,
                    now,
                )
                held = await conn.fetchrow(
                    "SELECT COUNT(*) AS n, MIN(release_at) AS first FROM rate_slots WHERE key = $1",
                    name,
                )
                limit = min(rate.limit, state["rate_limit"])
                paused_until = state["paused_until"]
                if now >= paused_until and held["n"] < limit:
                    slot = await conn.fetchval(
                        "INSERT INTO rate_slots (key, expires_at) VALUES ($1, $2) RETURNING id",
                        name,
                        now + rate.window + IN_FLIGHT_MAX,
                    )
                    return Permit(key, int(slot), rate.window)
            if now < paused_until:
                wake = paused_until
            elif held["first"] is not None:
                wake = held["first"]
            else:
                wake = now + POLL
            await self._clock.sleep(max(0.0, min(wake, now + 1.0) - now))

    async def finished(
        self, permit: Permit, headers: Mapping[str, str] | None, status: int | None
    ) -> None:
        now = self._clock.now()
        name = "\n".join(permit.key)
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        limit = header_int(lower.get("x-ratelimit-limit"))
        retry_after = parse_retry_after(lower.get("retry-after"), now)
        exhausted = header_int(lower.get("x-ratelimit-remaining")) == 0
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE rate_slots SET release_at = $2 WHERE id = $1",
                permit.slot,
                now + permit.window,
            )
            pause = None
            if status == 429 or exhausted:
                state = await conn.fetchrow(
                    "SELECT l.rate_limit, (SELECT COUNT(*) FROM rate_slots s WHERE s.key = l.key"
                    " AND (s.release_at IS NULL OR s.release_at > $2)) AS held"
                    " FROM rate_limits l WHERE l.key = $1",
                    name,
                    now,
                )
                if status == 429 or should_pause(state["held"], state["rate_limit"]):
                    pause = now + pause_for(retry_after, permit.window)
            if (limit is not None and limit > 0) or pause is not None:
                await conn.execute(
                    "UPDATE rate_limits SET rate_limit = LEAST(rate_limit, COALESCE($2,"
                    " rate_limit)), paused_until = GREATEST(paused_until,"
                    " COALESCE($3::double precision, 0)),"
                    " learned_at = CASE WHEN $2::integer <= rate_limit AND $2::integer <"
                    " configured THEN $4 ELSE learned_at END"
                    " WHERE key = $1",
                    name,
                    limit if limit is not None and limit > 0 else None,
                    pause,
                    now,
                )
