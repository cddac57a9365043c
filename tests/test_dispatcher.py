"""The delivery worker against a real HTTP target, a real SQLite file and real QuickJS.

Time is a FakeClock: ``run_once`` delivers what is due now; tests advance the clock to the
next attempt instead of sleeping through the schedule.
"""

import asyncio
import json
import random
from pathlib import Path

import pytest
from helpers_servers import (
    IDENTITY,
    Reply,
    Target,
    another_endpoint,
    bound_socket,
    write_config,
)

from dodo_transform.clock import FakeClock
from dodo_transform.relay.config import load_config
from dodo_transform.relay.dispatcher import Dispatcher, new_client
from dodo_transform.relay.events import Observer
from dodo_transform.relay.server import ordering_key
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.store import ThreadedStore

T0 = 1_800_000_000.0
SVIX = None  # write_config: omit retry_schedule → the default Svix schedule


def envelope(email: str = "jane@example.com", n: int = 0) -> bytes:
    return json.dumps(
        {
            "business_id": "bus_1",
            "type": "payment.succeeded",
            "timestamp": "2025-08-04T05:30:45Z",
            "data": {"n": n, "customer": {"email": email}},
        }
    ).encode()


class Rig:
    def __init__(self, tmp_path: Path, url: str, **config_options) -> None:
        self.config = load_config(write_config(tmp_path, url, **config_options))
        self.clock = FakeClock(T0)
        self.db = tmp_path / "store.db"
        self._n = 0

    async def __aenter__(self) -> "Rig":
        self.store = ThreadedStore(lambda: SqliteStore(self.db))
        self.client = new_client()
        self.dispatcher = Dispatcher(
            self.config, self.store, self.client, clock=self.clock, rng=random.Random(7)
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        self.store.close()

    async def ingest(self, body: bytes | None = None) -> int:
        self._n += 1
        body = body or envelope(n=self._n)
        key = ordering_key("test", json.loads(body)) or f"test\n{self._n}"
        result = await self.store.ingest(
            "test", f"msg_{self._n}", "payment.succeeded", body, {}, key, False, self.clock.now()
        )
        return result.delivery_id

    async def row(self, delivery_id: int):
        return await self.store.get_delivery(delivery_id)

    async def attempts(self, delivery_id: int):
        return await self.store.attempts(delivery_id)


async def run_until_received(dispatcher: Dispatcher, target, n: int) -> None:
    """Run the worker until the target has ``n`` requests (or 60 s), then stop it."""
    worker = asyncio.create_task(dispatcher.run())
    for _ in range(600):
        if len(target.received) >= n:
            break
        await asyncio.sleep(0.1)
    await dispatcher.stop(5)
    await worker


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def target():
    with Target() as t:
        yield t


def test_500_then_200_is_delivered_on_the_second_attempt(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [Reply(500, "boom"), Reply(200)]
        async with Rig(tmp_path, target.url, retry_schedule=SVIX) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "pending" and row.attempt_count == 1
            assert T0 + 4 <= row.next_attempt_at <= T0 + 6  # 5 s ± 20 %
            assert await rig.dispatcher.run_once() == 0  # not due yet
            rig.clock.advance(6)
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "succeeded"
            assert [(a.n, a.status_code) for a in await rig.attempts(d)] == [(1, 500), (2, 200)]
            assert len(target.received) == 2
            assert target.received[0].body == target.received[1].body

    run(go())


def test_request_is_recorded_with_secrets_redacted(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            (attempt,) = await rig.attempts(d)
            assert target.received[0].headers["authorization"] == "Bearer target-key"
            assert attempt.request["headers"]["Authorization"] == "[redacted]"
            assert attempt.request["body"] == target.received[0].body.decode()
            assert "target-key" not in (tmp_path / "store.db").read_bytes().decode("latin-1")

    run(go())


def test_429_with_retry_after_waits_as_told_within_the_clamp(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [
            Reply(429, headers={"Retry-After": "100"}),
            Reply(429, headers={"Retry-After": "100000"}),
        ]
        async with Rig(tmp_path, target.url, retry_schedule=SVIX) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            # 5 s scheduled → at least 60 s after a 429 → Retry-After 100 within [60, 120]
            assert (await rig.row(d)).next_attempt_at == pytest.approx(T0 + 100)
            rig.clock.advance(99)
            assert await rig.dispatcher.run_once() == 0
            rig.clock.advance(1)
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            # 2nd failure: 300 s ± 20 % → Retry-After 100000 clamped to 2 × delay
            delay = row.next_attempt_at - rig.clock.now()
            assert 480 <= delay <= 720 and row.status == "pending"
            assert len(target.received) == 2

    run(go())


def test_422_fails_at_once_with_the_response_body_recorded(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [Reply(422, '{"message":"The email must be a valid email address."}')]
        async with Rig(tmp_path, target.url) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "failed" and "HTTP 422" in row.last_error
            (attempt,) = await rig.attempts(d)
            assert attempt.status_code == 422
            assert attempt.response_body == '{"message":"The email must be a valid email address."}'

    run(go())


def test_408_and_configured_4xx_are_retried(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [Reply(408), Reply(404), Reply(200)]
        async with Rig(tmp_path, target.url, extra_endpoint="retry_on_4xx = [408, 404]") as rig:
            d = await rig.ingest()
            for _ in range(3):
                await rig.dispatcher.run_once()
                rig.clock.advance(1)
            assert (await rig.row(d)).status == "succeeded"

    run(go())


def test_connection_refused_is_retried_until_the_schedule_is_exhausted(tmp_path) -> None:
    async def go() -> None:
        with bound_socket() as closed:  # bound, never listening: connections are refused
            url = f"http://127.0.0.1:{closed.getsockname()[1]}"
            async with Rig(tmp_path, url, retry_schedule=SVIX) as rig:
                d = await rig.ingest()
                for _ in range(8):
                    await rig.dispatcher.run_once()
                    rig.clock.advance(36000 * 1.2)
                row = await rig.row(d)
                attempts = await rig.attempts(d)
        assert row.status == "failed" and "gave up after 8 attempts" in row.last_error
        assert len(attempts) == 8
        assert all(a.status_code is None and "ConnectError" in a.error for a in attempts)

    run(go())


def test_timeout_is_retried_no_sooner_than_60_seconds(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [Reply(200, delay=1)]
        async with Rig(tmp_path, target.url, extra_endpoint="timeout = 0.3") as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            (attempt,) = await rig.attempts(d)
            assert attempt.status_code is None and "timed out" in attempt.error
            assert row.status == "pending" and row.next_attempt_at - T0 >= 60
            rig.clock.advance(120)
            await rig.dispatcher.run_once()
            assert (await rig.row(d)).status == "succeeded"

    run(go())


def test_redirect_is_a_failed_attempt_and_is_not_followed(tmp_path, target) -> None:
    async def go() -> None:
        target.script = [Reply(302, headers={"Location": "/elsewhere"})]
        async with Rig(tmp_path, target.url) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "pending" and row.attempt_count == 1
            assert (await rig.attempts(d))[0].status_code == 302
            assert [r.path for r in target.received] == ["/hook"]

    run(go())


def test_cancel_sends_nothing_and_ends_cancelled(tmp_path, target) -> None:
    async def go() -> None:
        handler = "function handler(w) { console.log('skip'); w.cancel = true; return w; }"
        async with Rig(tmp_path, target.url, handler=handler) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "cancelled"
            assert row.transform["logs"] == [{"level": "log", "message": "skip"}]
            assert target.received == [] and await rig.attempts(d) == []

    run(go())


def test_a_huge_thrown_message_and_a_too_large_request_are_recorded_bounded(
    tmp_path, target
) -> None:
    async def go() -> None:
        handler = (
            "function handler(w) {\n  if (w.payload.data.n === 1) throw new Error('x'.repeat(3e6));"
            "\n  w.payload = 'y'.repeat(2 * 1024 * 1024);\n  return w;\n}\n"
        )
        async with Rig(tmp_path, target.url, handler=handler) as rig:
            thrown, large = await rig.ingest(), await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(thrown)
            assert row.status == "transform_failed" and len(row.last_error) < 5000
            assert row.last_error.startswith("exception: Error: xxx")
            assert row.last_error.endswith("[cut: 3,000,007 characters in all]")  # the message
            assert len(row.transform["error"]["message"]) < 5000
            assert len(row.transform["error"]["stack"]) < 5000
            row = await rig.row(large)
            assert row.status == "transform_failed"
            assert row.last_error.startswith("request_too_large: the handler returned a request")
            assert target.received == []

    run(go())


def test_transform_error_is_recorded_and_nothing_is_sent(tmp_path, target) -> None:
    async def go() -> None:
        handler = "function handler(w) {\n  throw new Error('no email');\n}\n"
        async with Rig(tmp_path, target.url, handler=handler) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "transform_failed"
            assert row.transform["error"]["kind"] == "exception"
            assert row.transform["error"]["line"] == 2
            assert "no email" in row.last_error and target.received == []

    run(go())


def test_a_url_that_rewrite_urls_breaks_fails_once_and_is_not_retried(tmp_path, target) -> None:
    # The handler's URL is good; the rewrite appends its port to the replacement's.
    async def go() -> None:
        handler = "function handler(w) { w.url = 'https://api.example.com:443/x'; return w; }\n"
        rewrite = f'rewrite_urls = {{ "https://api.example.com" = "{target.url}" }}'
        async with Rig(tmp_path, target.url, handler=handler, extra_endpoint=rewrite) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "transform_failed" and target.received == []
            assert row.transform["error"]["kind"] == "invalid_url"
            assert "the rewritten URL does not parse as a URL" in row.last_error
            assert f"{target.url}:443/x" in row.last_error
            assert "rewrite_urls made it of 'https://api.example.com:443/x'" in row.last_error

    run(go())


def test_egress_to_loopback_is_refused_unless_allow_listed(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url, allow_hosts="[]") as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "transform_failed"
            assert row.transform["error"]["kind"] == "egress_denied"
            assert "'127.0.0.1'" in row.last_error and target.received == []

    run(go())


def test_same_subscriber_keeps_its_order_while_others_proceed(tmp_path, target) -> None:
    async def go() -> None:
        def n(body: bytes) -> int:
            return json.loads(body)["data"]["n"]

        # The first delivery of event 1 fails; everything else succeeds.
        target.responder = lambda got: (
            Reply(500)
            if n(got.body) == 1 and sum(n(r.body) == 1 for r in target.received) == 1
            else None
        )
        async with Rig(tmp_path, target.url) as rig:
            first = await rig.ingest(envelope("alice@example.com", 1))
            second = await rig.ingest(envelope("alice@example.com", 2))
            other = await rig.ingest(envelope("bob@example.com", 3))
            await rig.dispatcher.run_once()
            assert (await rig.row(first)).status == "pending"
            assert (await rig.row(second)).status == "pending"  # waits behind the first
            assert (await rig.row(other)).status == "succeeded"
            rig.clock.advance(1)
            await rig.dispatcher.run_once()
            alice = [n(r.body) for r in target.received if n(r.body) != 3]
            assert alice == [1, 1, 2]
            assert [n(r.body) for r in target.received].count(3) == 1

    run(go())


def n_of(body: bytes) -> int:
    return json.loads(body)["data"]["n"]


async def until(condition, what: str) -> None:
    for _ in range(600):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not {what} after 30 s")


async def second_on_the_wire(rig: Rig, target) -> asyncio.Task:
    """Alice's events 1, 2 and 3, one chain, the target holding event 2's request: the
    worker, once event 2 is on the wire and event 3's transform has run meanwhile."""
    target.responder = lambda got: setattr(target, "holding", n_of(got.body) == 2) or None
    for i in (1, 2, 3):
        await rig.ingest(envelope("alice@example.com", i))
    worker = asyncio.create_task(rig.dispatcher.run_once())
    await until(lambda: target.in_flight == 1 and len(target.received) == 2, "sending event 2")
    await until(lambda: rig.dispatcher.stage.stats()["test"].runs == 3, "transformed event 3")
    assert [n_of(r.body) for r in target.received] == [1, 2]  # 3 waits for its turn
    return worker


def test_a_chain_transforms_its_next_delivery_while_one_is_sent(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            worker = await second_on_the_wire(rig, target)
            target.holding = False
            await worker
            assert [n_of(r.body) for r in target.received] == [1, 2, 3]
            assert rig.dispatcher.stage.stats()["test"].runs == 3  # each transformed once

    run(go())


def test_a_handler_reloaded_meanwhile_transforms_the_next_delivery_again(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            worker = await second_on_the_wire(rig, target)
            (tmp_path / "handler.js").write_text(
                "function handler(webhook) { webhook.payload.version = 2; return webhook; }"
            )
            rig.dispatcher.handlers.reload("test")
            target.holding = False
            await worker
            sent = [json.loads(r.body) for r in target.received]
            assert [(b["data"]["n"], b.get("version")) for b in sent] == [
                (1, None),
                (2, None),
                (3, 2),  # the new code's, not the result computed ahead with the old one
            ]

    run(go())


def test_a_transform_run_ahead_too_long_ago_runs_again(tmp_path, target) -> None:
    from dodo_transform.relay.dispatcher import AHEAD_MAX_AGE

    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            worker = await second_on_the_wire(rig, target)
            rig.clock.advance(AHEAD_MAX_AGE + 1)  # e.g. a long wait for a rate limit
            target.holding = False
            await worker
            assert [n_of(r.body) for r in target.received] == [1, 2, 3]
            assert rig.dispatcher.stage.stats()["test"].runs == 4  # event 3's, again

    run(go())


def test_a_failed_link_drops_the_transform_started_for_the_next(tmp_path, target) -> None:
    async def go() -> None:
        target.responder = lambda got: (
            Reply(500) if [n_of(r.body) for r in target.received] == [1, 2] else None
        )
        async with Rig(tmp_path, target.url) as rig:
            ids = [await rig.ingest(envelope("alice@example.com", i)) for i in (1, 2, 3)]
            await rig.dispatcher.run_once()
            rows = [await rig.row(d) for d in ids]
            assert [r.status for r in rows] == ["succeeded", "pending", "pending"]
            assert [n_of(r.body) for r in target.received] == [1, 2]  # 3 waits behind 2
            rig.clock.advance(10)
            await rig.dispatcher.run_once()
            assert [n_of(r.body) for r in target.received] == [1, 2, 2, 3]
            assert [(await rig.row(d)).status for d in ids] == ["succeeded"] * 3

    run(go())


def test_stop_records_an_attempt_cut_short_as_interrupted_and_keeps_it_due(
    tmp_path, target
) -> None:
    async def go() -> None:
        target.script = [Reply(200, delay=2)]
        big = "function handler(w) { w.payload.pad = 'x'.repeat(5000); return w; }\n"
        limit = "max_stored_body_bytes = 1024"
        async with Rig(tmp_path, target.url, handler=big, extra_server=limit) as rig:
            seen = []

            class Watch(Observer):
                def recorded(self, delivery, status, **details) -> None:
                    seen.append((delivery.id, status, details))

            rig.dispatcher.events = Watch()
            d = await rig.ingest()
            worker = asyncio.create_task(rig.dispatcher.run())
            rig.dispatcher.kick()
            while not target.received:
                await asyncio.sleep(0.01)
            await rig.dispatcher.stop(grace=0.1)
            await worker
            row = await rig.row(d)
            assert (row.status, row.attempt_count) == ("pending", 1)
            assert row.next_attempt_at <= rig.clock.now()
            (attempt,) = await rig.attempts(d)
            assert attempt.status_code is None
            assert attempt.error == "interrupted: server shut down after 0.1 s grace"
            sent = target.received[0].headers["idempotency-key"]
            assert attempt.request["headers"]["Idempotency-Key"] == sent
            # Kept as any attempt's request is: the body cut at max_stored_body_bytes.
            assert attempt.request["body_truncated"] and len(attempt.request["body"]) == 1024
            assert attempt.request["body_bytes"] == len(target.received[0].body)
            # The observers (logs, metrics, alerts) hear of it as of any failed attempt.
            ((seen_id, status, details),) = seen
            assert (seen_id, status) == (d, "pending")
            assert details["attempt"].error == attempt.error
            assert details["next_attempt_at"] == row.next_attempt_at
            assert details["event"].webhook_id == "msg_1"

    run(go())


def test_worker_loop_delivers_new_work_when_kicked(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            worker = asyncio.create_task(rig.dispatcher.run())
            d = await rig.ingest()
            rig.dispatcher.kick()
            for _ in range(500):
                if (await rig.row(d)).status == "succeeded":
                    break
                await asyncio.sleep(0.01)
            await rig.dispatcher.stop(grace=1)
            await worker
            assert (await rig.row(d)).status == "succeeded"

    run(go())


def test_identity_handler_sends_the_envelope_unchanged(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url, handler=IDENTITY) as rig:
            body = envelope("x@example.com", 9)
            await rig.ingest(body)
            await rig.dispatcher.run_once()
            assert json.loads(target.received[0].body) == json.loads(body)

    run(go())


# -- retry.py and egress.py: the pure rules the worker applies --------------------------------


def test_schedule_is_svix_with_20_percent_jitter() -> None:
    from dodo_transform.relay.retry import DEFAULT_SCHEDULE, next_delay

    rng = random.Random(3)
    for failures, base in enumerate(DEFAULT_SCHEDULE, start=1):
        for _ in range(50):
            assert 0.8 * base <= next_delay(failures, rng=rng) <= 1.2 * base
    assert next_delay(len(DEFAULT_SCHEDULE) + 1) is None  # 8 attempts, then failed


def test_overload_floor_and_retry_after_clamp() -> None:
    from dodo_transform.relay.retry import next_delay

    rng = random.Random(0)
    assert next_delay(1, (5,), rng=rng, status=429) == 60
    assert next_delay(1, (5,), rng=rng, timed_out=True) == 60
    assert next_delay(1, (100,), rng=random.Random(0), retry_after=1) == next_delay(
        1, (100,), rng=random.Random(0)
    )  # never sooner than scheduled
    d = next_delay(1, (100,), rng=random.Random(0))
    assert next_delay(1, (100,), rng=random.Random(0), retry_after=10_000) == 2 * d


def test_retry_after_parses_seconds_and_http_dates() -> None:
    from dodo_transform.relay.retry import parse_retry_after

    now = 1_700_000_000.0
    assert parse_retry_after("119", now) == 119
    assert parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now) == pytest.approx(120)
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "address, internal",
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("172.16.0.1", True),
        ("169.254.169.254", True),
        ("fd00:ec2::254", True),
        ("::1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::ffff:127.0.0.1", True),
        ("fe80::1%eth0", True),
        ("93.184.216.34", False),
        ("2606:2800:220:1::1", False),
    ],
)
def test_internal_addresses(address, internal) -> None:
    from dodo_transform.relay.egress import is_internal

    assert is_internal(address) is internal


def test_egress_allow_list_is_an_exact_host_match() -> None:
    from dodo_transform.relay.egress import EgressDenied, check_url

    async def resolve(host: str, port: int) -> list[str]:
        return {"internal.example": ["10.0.0.5"], "public.example": ["93.184.216.34"]}[host]

    async def go() -> None:
        await check_url("https://public.example/x", [], resolve)
        await check_url("https://INTERNAL.example/x", ["internal.example"], resolve)
        with pytest.raises(EgressDenied, match="'internal.example'.*10.0.0.5"):
            await check_url("https://internal.example/x", ["other.example"], resolve)

    asyncio.run(go())


# -- failures the worker did not foresee, limits, replays ------------------------------------


class CrashingDispatcher(Dispatcher):
    """Processing of the deliveries in ``crash`` raises, as a host bug would."""

    crash: set[int] = set()

    async def deliver(self, d) -> None:
        if d.id in self.crash:
            raise RuntimeError("boom")
        await super().deliver(d)


def test_a_crashing_delivery_is_a_failed_attempt_and_ends_failed(tmp_path, target) -> None:
    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:  # retry_schedule [0.2, 0.2, 0.2]
            rig.dispatcher = CrashingDispatcher(
                rig.config, rig.store, rig.client, clock=rig.clock, rng=random.Random(7)
            )
            first = await rig.ingest(envelope("alice@example.com", 1))
            second = await rig.ingest(envelope("alice@example.com", 2))  # same ordering key
            rig.dispatcher.crash = {first}
            for n in range(1, 4):
                await rig.dispatcher.run_once()
                row = await rig.row(first)
                assert (row.status, row.attempt_count) == ("pending", n)
                assert "internal error: RuntimeError('boom')" in row.last_error
                assert (await rig.row(second)).status == "pending" and not target.received
                rig.clock.advance(1)
            await rig.dispatcher.run_once()  # the 4th and last attempt
            row = await rig.row(first)
            assert (row.status, row.attempt_count) == ("failed", 4)
            assert "internal error: RuntimeError('boom')" in row.last_error
            assert "gave up after 4 attempts" in row.last_error
            attempts = await rig.attempts(first)
            assert [(a.n, a.status_code, a.error) for a in attempts] == [
                (n, None, "internal error: RuntimeError('boom')") for n in range(1, 5)
            ]
            # The ordering key is free again: the next event of the subscriber went out.
            assert (await rig.row(second)).status == "succeeded"
            assert [json.loads(r.body)["data"]["n"] for r in target.received] == [2]

    run(go())


def test_a_request_that_cannot_be_sent_is_a_failed_attempt(tmp_path, target) -> None:
    import aiohttp

    from dodo_transform.relay.sender import Sender

    calls = []

    async def unsendable(_session, _ctx, params) -> None:
        calls.append(params.url)
        if len(calls) == 1:  # as encoding a non-ASCII header value would
            "é".encode("ascii")

    async def go() -> None:
        async with Rig(tmp_path, target.url) as rig:
            trace = aiohttp.TraceConfig()
            trace.on_request_start.append(unsendable)
            client = Sender(aiohttp.ClientSession(trace_configs=[trace]))
            rig.dispatcher.client = client
            try:
                d = await rig.ingest()
                await rig.dispatcher.run_once()
                row = await rig.row(d)
                (attempt,) = await rig.attempts(d)
                assert (row.status, row.attempt_count) == ("pending", 1)
                assert attempt.status_code is None
                assert attempt.error.startswith("request not sent: UnicodeEncodeError: ")
                assert "request not sent: UnicodeEncodeError" in row.last_error
                assert attempt.request["url"] == f"{target.url}/hook"
                rig.clock.advance(1)
                await rig.dispatcher.run_once()
                assert (await rig.row(d)).status == "succeeded" and len(target.received) == 1
            finally:
                await client.aclose()

    run(go())


def test_endpoint_time_limit_is_applied_to_the_handler(tmp_path, target) -> None:
    async def go() -> None:
        handler = "function handler(w) { while (true) {} }"
        async with Rig(
            tmp_path, target.url, handler=handler, extra_endpoint="time_limit_ms = 50"
        ) as rig:
            assert rig.config.endpoints["test"].limits.time_ms == 50
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "transform_failed"
            assert row.transform["error"]["kind"] == "time_limit"
            assert "50 ms" in row.last_error and target.received == []

    run(go())


def test_endpoint_memory_limit_is_applied_to_the_handler(tmp_path, target) -> None:
    async def go() -> None:
        handler = "function handler(w) { w.payload = 'x'.repeat(16 * 1024 * 1024); return w; }"
        async with Rig(
            tmp_path, target.url, handler=handler, extra_endpoint="memory_limit_mib = 8"
        ) as rig:
            d = await rig.ingest()
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert row.status == "transform_failed"
            assert row.transform["error"]["kind"] == "memory_limit"

    run(go())


def test_replay_keeps_counting_attempts_and_restarts_the_schedule(tmp_path, target) -> None:
    async def go() -> None:
        target.default = Reply(500)
        async with Rig(tmp_path, target.url, retry_schedule="[1, 100, 1000]") as rig:
            d = await rig.ingest()
            for _ in range(4):
                await rig.dispatcher.run_once()
                rig.clock.advance(1200)
            row = await rig.row(d)
            assert (row.status, row.attempt_count) == ("failed", 4)
            replayed = await rig.store.replay(d, rig.clock.now())
            assert replayed.attempt_count == 4  # "tries" does not forget what happened
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert (row.status, row.attempt_count) == ("pending", 5)
            # The schedule starts afresh: 1 s ± 20 %, not 100 s or "gave up".
            assert 0.8 <= row.next_attempt_at - rig.clock.now() <= 1.2
            target.default = Reply(200)
            rig.clock.advance(2)
            await rig.dispatcher.run_once()
            row = await rig.row(d)
            assert (row.status, row.attempt_count) == ("succeeded", 6)
            assert [a.n for a in await rig.attempts(d)] == [1, 2, 3, 4, 5, 6]

    run(go())


def test_the_worker_yields_to_a_burst_of_webhooks(tmp_path, target) -> None:
    from dodo_transform.relay.dispatcher import INGEST_PRESSURE, YIELDING_IN_FLIGHT

    async def go() -> None:
        target.default = Reply(200, delay=0.3)
        async with Rig(tmp_path, target.url) as rig:
            for i in range(12):
                await rig.ingest(envelope(f"c{i}@example.com", i))
            rig.dispatcher.receiving = lambda: INGEST_PRESSURE  # many webhooks arriving
            task = asyncio.create_task(rig.dispatcher.run_once())
            while not target.received:
                await asyncio.sleep(0.01)
            assert rig.dispatcher.in_flight == YIELDING_IN_FLIGHT
            rig.dispatcher.receiving = lambda: 0  # the burst is over: full speed again
            await task
            assert len(target.received) == 12

    run(go())


def test_a_backlog_on_one_endpoint_leaves_slots_for_another(tmp_path, target) -> None:
    """Six deliveries of "slow" (its target takes 2 s) are due before two of "test", with 4
    slots: "slow" may hold 3, so "test"'s are claimed and delivered beside them."""
    slow = another_endpoint("slow", f"{target.url}/slow")
    target.responder = lambda r: Reply(delay=2.0) if r.path == "/slow" else None

    async def go() -> None:
        config = load_config(write_config(tmp_path, target.url, extra_endpoint=slow))
        store = ThreadedStore(lambda: SqliteStore(tmp_path / "store.db"))
        client = new_client()
        dispatcher = Dispatcher(config, store, client, clock=FakeClock(T0), concurrency=4)
        try:
            for n in range(8):  # oldest first: the six of "slow", then the two of "test"
                endpoint = "slow" if n < 6 else "test"
                body = envelope(f"c{n}@example.com", n)
                key = f"{endpoint}\nc{n}"
                await store.ingest(
                    endpoint, f"msg_{n}", "payment.succeeded", body, {}, key, False, T0 - 8 + n
                )
            await run_until_received(dispatcher, target, 8)
            order = [r.path for r in target.received]
            assert sorted(order) == ["/hook"] * 2 + ["/slow"] * 6, order
            # One claim for everything due would have given "slow" all four slots, and
            # "test" would have waited for two rounds of its 2-second answers. (Which of the
            # first runs reaches the target first is up to the two sandboxes running them.)
            assert order[:5].count("/hook") == 2, order  # "test" beside slow's first three
        finally:
            await client.aclose()
            store.close()

    run(go())


def test_a_claim_whose_answer_was_lost_is_taken_back_once_the_worker_is_idle(
    tmp_path, target
) -> None:
    """The store commits a claim and the connection breaks before its answer arrives (a
    real server cannot be made to cut there on cue, hence the wrapper): the rows are leased
    to this worker, which does not know it holds them. Before, they waited for their lease
    to run out (30 s by default; an hour here, on a clock that does not move)."""

    class AnswerLost(ThreadedStore):
        lost: list[int]

        async def claim(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            claimed = await super().claim(*args, **kwargs)
            if claimed and not self.lost:
                self.lost.extend(d.id for d in claimed)
                raise ConnectionResetError("connection was closed in the middle of operation")
            return claimed

    async def go() -> None:
        config = load_config(write_config(tmp_path, target.url))
        store = AnswerLost(lambda: SqliteStore(tmp_path / "store.db"))
        store.lost = []
        client = new_client()
        dispatcher = Dispatcher(config, store, client, clock=FakeClock(T0), lease=3600)
        try:
            for n in range(3):
                key = f"test\nc{n}"
                body = envelope(f"c{n}@example.com", n)
                await store.ingest(
                    "test", f"msg_{n}", "payment.succeeded", body, {}, key, False, T0
                )
            await run_until_received(dispatcher, target, 3)
            assert store.lost  # the first claim's answer was lost ...
            assert len(target.received) == 3  # ... and its deliveries were made all the same
            assert {(await store.get_delivery(i)).status for i in store.lost} == {"succeeded"}
        finally:
            await client.aclose()
            store.close()

    run(go())


def test_events_unread_after_a_claim_are_read_when_the_store_answers_again(
    tmp_path, target
) -> None:
    """The claim is answered, then the store breaks off before the claimed events are read
    and is still unreachable for the first reads after (a real server cannot be made to cut
    there on cue, hence the wrapper). Each delivery waits for the store and is made: before,
    it was recorded as crashed, with a traceback in the log, and waited out its lease."""

    class BrokeOff(ThreadedStore):
        failures: int

        def _broken(self) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionRefusedError("Connect call failed ('127.0.0.1', 5432)")

        async def get_events(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._broken()
            return await super().get_events(*args, **kwargs)

        async def get_event(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._broken()
            return await super().get_event(*args, **kwargs)

    async def go() -> None:
        config = load_config(write_config(tmp_path, target.url))
        store = BrokeOff(lambda: SqliteStore(tmp_path / "store.db"))
        store.failures = 3  # the claim's read, then the first read of each of two deliveries
        client = new_client()
        dispatcher = Dispatcher(config, store, client, clock=FakeClock(T0), lease=3600)
        try:
            for n in range(2):
                body = envelope(f"c{n}@example.com", n)
                await store.ingest(
                    "test", f"msg_{n}", "payment.succeeded", body, {}, f"test\nc{n}", False, T0
                )
            await run_until_received(dispatcher, target, 2)
            assert store.failures == 0
            statuses = {(await store.get_delivery(i)).status for i in (1, 2)}
            assert statuses == {"succeeded"}
            assert [a.error for i in (1, 2) for a in await store.attempts(i)] == [None, None]
        finally:
            await client.aclose()
            store.close()

    run(go())


def test_a_delivery_still_in_flight_when_its_lease_runs_out_is_not_started_twice(
    tmp_path, target
) -> None:
    """The store was away for longer than the lease while a request was out (the clock
    jumps here): the next claim finds the row leased to no one alive and takes it, for this
    very worker. It must not send it a second time beside the attempt still running."""

    async def go() -> None:
        config = load_config(write_config(tmp_path, target.url))
        store = ThreadedStore(lambda: SqliteStore(tmp_path / "store.db"))
        client = new_client()
        clock = FakeClock(T0)
        dispatcher = Dispatcher(config, store, client, clock=clock, lease=5)
        target.holding = True
        try:
            await store.ingest(
                "test", "msg_1", "payment.succeeded", envelope(), {}, "test\nc", False, T0
            )
            worker = asyncio.create_task(dispatcher.run())
            for _ in range(100):
                if target.in_flight:
                    break
                await asyncio.sleep(0.05)
            assert target.in_flight == 1
            clock.advance(60)  # the lease (5 s) ran out, renewal never came
            dispatcher.kick()
            await asyncio.sleep(0.5)  # a claim now takes the row again
            target.holding = False
            for _ in range(100):
                if (await store.get_delivery(1)).status == "succeeded":
                    break
                await asyncio.sleep(0.05)
            await dispatcher.stop(5)
            await worker
            assert len(target.received) == 1
            assert [a.status_code for a in await store.attempts(1)] == [200]
        finally:
            target.holding = False
            await client.aclose()
            store.close()

    run(go())
