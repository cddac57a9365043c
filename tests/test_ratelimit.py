import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator

import pytest
from helpers_servers import Target, write_config

from dodo_transform.clock import FakeClock, SystemClock
from dodo_transform.relay.config import load_config
from dodo_transform.relay.dispatcher import Dispatcher, new_client
from dodo_transform.relay.ratelimit import Limiter, Rate, RateLimiter, limiter_key, parse_rate
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.store import ThreadedStore

KEY = ("connect.mailerlite.com", "cred")


def test_100_queued_deliveries_complete_without_a_single_429(tmp_path) -> None:
    """MailerLite's 120/minute scaled down to 20 per 0.5 s fixed window at the target."""
    with Target(window_limit=(20, 0.5)) as target:
        config = load_config(
            write_config(tmp_path, target.url, extra_endpoint='rate_limit = "20/0.5s"')
        )

        async def go() -> dict[str, int]:
            store = ThreadedStore(lambda: SqliteStore(tmp_path / "store.db"))
            client = new_client()
            dispatcher = Dispatcher(
                config, store, client, clock=SystemClock(), rng=random.Random(1), concurrency=50
            )
            for i in range(100):
                body = json.dumps({"type": "payment.succeeded", "data": {"i": i}}).encode()
                await store.ingest(
                    "test",
                    f"msg_{i}",
                    "payment.succeeded",
                    body,
                    {},
                    f"test\n{i}",
                    False,
                    SystemClock().now(),
                )
            await dispatcher.run_once()
            counts = await store.counts()
            await client.aclose()
            store.close()
            return counts

        counts = asyncio.run(go())
    assert counts == {"succeeded": 100}
    assert target.too_many == 0
    assert len(target.received) == 100


def limiter() -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock(1000.0)
    return RateLimiter(clock), clock


def test_slots_are_held_until_a_window_after_the_response() -> None:
    async def go() -> None:
        lim, clock = limiter()
        rate = Rate(2, 60)
        await lim.acquire(KEY, rate)
        await lim.acquire(KEY, rate)
        clock.advance(5)
        lim.release(KEY)
        lim.release(KEY)
        await lim.acquire(KEY, rate)  # FakeClock.sleep jumps to when the first slot frees
        assert clock.now() == pytest.approx(1065)

    asyncio.run(go())


def test_remaining_zero_pauses_the_key_for_retry_after_or_a_window() -> None:
    async def go() -> None:
        lim, clock = limiter()
        rate = Rate(100, 60)
        await lim.acquire(KEY, rate)
        lim.release(KEY, {"X-RateLimit-Remaining": "0"}, 200)
        assert lim.paused_until(KEY) == pytest.approx(1060)
        await lim.acquire(KEY, rate)
        assert clock.now() >= 1060
        lim.release(KEY, {"Retry-After": "119"}, 429)
        assert lim.paused_until(KEY) == pytest.approx(clock.now() + 119)

    asyncio.run(go())


def test_a_lower_advertised_limit_is_adopted() -> None:
    async def go() -> None:
        lim, clock = limiter()
        await lim.acquire(KEY, Rate(120, 60))
        lim.release(KEY, {"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "5"}, 200)
        await lim.acquire(KEY, Rate(120, 60))
        assert clock.now() == pytest.approx(1060)

    asyncio.run(go())


@contextlib.asynccontextmanager
async def a_limiter(database: str | None, clock: FakeClock) -> AsyncIterator[Limiter]:
    """The limiter of one process, or the one shared through PostgreSQL at ``database``."""
    if database is None:
        yield RateLimiter(clock)
        return
    from dodo_transform.relay.postgres_ratelimit import SharedRateLimiter
    from dodo_transform.relay.postgres_store import PostgresStore

    store = await PostgresStore.open(database)
    try:
        yield SharedRateLimiter(store, clock)
    finally:
        await store.aclose()


@pytest.mark.parametrize("shared", [False, True], ids=["this process", "postgresql"])
def test_a_changed_rate_applies_at_once_and_a_learned_limit_lapses(shared, request) -> None:
    # Before, the first limit a key met stayed: a raised rate_limit never took effect on
    # PostgreSQL, even after restarting every instance, nor a reloaded one in one process.
    from dodo_transform.relay.ratelimit import LEARNED_FOR

    database = request.getfixturevalue("fresh_pg_database") if shared else None

    async def go() -> None:
        clock = FakeClock(1000.0)
        async with a_limiter(database, clock) as lim:
            p = await lim.acquire(KEY, Rate(1, 60))
            await lim.finished(p, None, 200)  # its slot is held until 1060
            p = await lim.acquire(KEY, Rate(5, 60))  # the config was raised: no wait
            assert clock.now() == 1000
            # The target says 2: with two slots held, the next waits for the first to free.
            await lim.finished(p, {"X-RateLimit-Limit": "2"}, 200)
            await lim.finished(await lim.acquire(KEY, Rate(5, 60)), None, 200)
            assert clock.now() == pytest.approx(1060)
            clock.advance(LEARNED_FOR + 60)  # not said again for long: 5 a window again
            for _ in range(5):
                await lim.acquire(KEY, Rate(5, 60))
            assert clock.now() == pytest.approx(1060 + LEARNED_FOR + 60)

    asyncio.run(go())


@pytest.mark.parametrize("shared", [False, True], ids=["this process", "postgresql"])
@pytest.mark.parametrize("retry_after", ["31536000", "1764556800", "9" * 400, "²"])
def test_a_429s_retry_after_pauses_the_key_an_hour_at_most(shared, retry_after, request) -> None:
    # A year, an epoch time sent by mistake, or a number past any double held every delivery
    # to the target (on PostgreSQL across restarts: paused_until is shared); "²" is no number.
    from dodo_transform.relay.ratelimit import LONGEST_PAUSE

    database = request.getfixturevalue("fresh_pg_database") if shared else None

    async def go() -> None:
        clock = FakeClock(1000.0)
        async with a_limiter(database, clock) as lim:
            p = await lim.acquire(KEY, Rate(100, 60))
            await lim.finished(p, {"Retry-After": retry_after}, 429)
            await lim.acquire(KEY, Rate(100, 60))
            waited = clock.now() - 1000
            assert waited == pytest.approx(LONGEST_PAUSE if retry_after != "²" else 60)

    asyncio.run(go())


def test_credentials_have_separate_budgets_and_are_not_kept_in_clear() -> None:
    a = limiter_key("connect.mailerlite.com", {"Authorization": "Bearer A"})
    b = limiter_key("Connect.MailerLite.com", {"Authorization": "Bearer B", "X-Other": "1"})
    assert a[0] == b[0] and a[1] != b[1]
    assert "Bearer A" not in a[1]


@pytest.mark.parametrize(
    "text, rate",
    [
        ("120/minute", Rate(120, 60)),
        ("10/second", Rate(10, 1)),
        ("1000 / hour", Rate(1000, 3600)),
        ("20/0.5s", Rate(20, 0.5)),
    ],
)
def test_parse_rate(text, rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "fast", "0/minute", "10/fortnight", "10/0s"])
def test_parse_rate_rejects_nonsense(text) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)
