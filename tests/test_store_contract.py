"""The store contract: every AsyncStore method, one suite, run on SQLite and on PostgreSQL.

SQLite is the embedded store behind ThreadedStore (a real file); PostgreSQL is the real server
(``tests/pg.py``: skipped without it on a developer's machine, failing under CI=true).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pg import truncate

from dodo_transform.relay.postgres_store import PostgresStore
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.store import (
    AsyncStore,
    Attempt,
    DeliveryQuery,
    NewEvent,
    Outcome,
    ThreadedStore,
    customer_key,
)

T0 = 1_700_000_000.0
Body = Callable[[AsyncStore], Awaitable[None]]


@pytest.fixture(params=["sqlite", "postgres"])
def check(request, tmp_path: Path) -> Callable[[Body], None]:
    """``check(body)`` runs ``await body(store)`` on a fresh, empty store of the backend."""
    if request.param == "sqlite":

        async def open_store() -> AsyncStore:
            return ThreadedStore(lambda: SqliteStore(tmp_path / "s.db"))

    else:
        url = request.getfixturevalue("pg_database")

        async def open_store() -> AsyncStore:
            store = await PostgresStore.open(url)
            await truncate(url)
            return store

    def run(body: Body) -> None:
        async def go() -> None:
            store = await open_store()
            try:
                await body(store)
            finally:
                await store.aclose()

        asyncio.run(go())

    return run


async def ingest(store: AsyncStore, wid: str, key: str = "k", filtered: bool = False, now=T0):
    return await store.ingest(
        "ep", wid, "payment.succeeded", b'{"x":1}', {"webhook-id": wid}, key, filtered, now
    )


def attempt(d: int, status: int | None = 200, at: float = T0) -> Attempt:
    return Attempt(d, 0, at, {"method": "POST"}, status, "body", 1.5, None)


# -- ingest ----------------------------------------------------------------------------------


def test_ingest_dedupes_by_webhook_id_per_endpoint(check) -> None:
    async def body(store: AsyncStore) -> None:
        first = await ingest(store, "msg_1")
        again = await ingest(store, "msg_1")
        assert (again.delivery_id, again.duplicate, again.status) == (
            first.delivery_id,
            True,
            "pending",
        )
        other = await store.ingest("other", "msg_1", None, b"{}", {}, "k2", False, T0)
        assert not other.duplicate and other.delivery_id != first.delivery_id
        assert await store.counts() == {"pending": 2}

    check(body)


def test_ingest_many_is_one_batch_with_duplicates_inside_and_outside_it(check) -> None:
    async def body(store: AsyncStore) -> None:
        old = await ingest(store, "old")

        def ev(wid: str, filtered: bool = False) -> NewEvent:
            return NewEvent("ep", wid, "t", wid.encode(), {}, f"k-{wid}", filtered, T0)

        out = await store.ingest_many([ev("a"), ev("old"), ev("b", True), ev("a"), ev("c")])
        assert [(o.status, o.duplicate) for o in out] == [
            ("pending", False),
            ("pending", True),
            ("filtered", False),
            ("pending", True),
            ("pending", False),
        ]
        assert out[1].delivery_id == old.delivery_id
        assert out[3].delivery_id == out[0].delivery_id
        # Ids follow the batch's order: it is the order of each customer's chain.
        assert out[0].delivery_id < out[2].delivery_id < out[4].delivery_id
        assert await store.counts() == {"pending": 3, "filtered": 1}

    check(body)


def test_concurrent_ingests_share_commits_and_each_gets_its_own_answer(check) -> None:
    async def body(store: AsyncStore) -> None:
        writes: list[int] = []
        real = store.ingest_many

        async def counting(events):
            writes.append(len(events))
            return await real(events)

        store.ingest_many = counting  # type: ignore[method-assign]
        store._ingests._write = counting  # the group commit holds the bound method
        results = await asyncio.gather(*(ingest(store, f"m{i}", key=f"k{i}") for i in range(50)))
        assert sorted(r.delivery_id for r in results) == sorted({r.delivery_id for r in results})
        assert not any(r.duplicate for r in results)
        assert sum(writes) == 50 and len(writes) < 50  # batched: fewer commits than events
        assert (await store.counts()) == {"pending": 50}

    check(body)


def test_event_is_kept_byte_for_byte(check) -> None:
    async def body(store: AsyncStore) -> None:
        raw = b'{"x":"\xc3\xa9"}\x00\xff'
        r = await store.ingest("ep", "w", None, raw, {"webhook-id": "w", "a": "é"}, "k", False, T0)
        d = await store.get_delivery(r.delivery_id)
        event = await store.get_event(d.event_id)
        assert (event.body, event.headers, event.event_type) == (
            raw,
            {"webhook-id": "w", "a": "é"},
            None,
        )
        assert (event.endpoint, event.webhook_id, event.received_at) == ("ep", "w", T0)
        assert await store.get_events([d.event_id, 999_999]) == {d.event_id: event}
        assert await store.get_event(999_999) is None
        assert await store.get_delivery(999_999) is None

    check(body)


def test_filtered_events_are_recorded_but_never_claimed(check) -> None:
    async def body(store: AsyncStore) -> None:
        assert (await ingest(store, "msg_1", filtered=True)).status == "filtered"
        assert await store.claim(T0 + 10, 10) == []
        assert await store.next_due() is None

    check(body)


# -- claims, order, leases -------------------------------------------------------------------


def test_claim_takes_only_the_oldest_unfinished_per_ordering_key(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="alice")).delivery_id
        b = (await ingest(store, "b", key="alice")).delivery_id
        c = (await ingest(store, "c", key="carol")).delivery_id
        claimed = await store.claim(T0, 10)
        assert [d.id for d in claimed] == [a, c]
        assert {d.status for d in claimed} == {"delivering"}
        assert await store.claim(T0, 10) == []  # b waits for a
        await store.finish(a, "pending", now=T0, next_attempt_at=T0 + 5)
        await store.finish(c, "succeeded", now=T0)
        assert [d.id for d in await store.claim(T0 + 6, 10)] == [a]  # still a, b is due too
        await store.finish(a, "succeeded", now=T0 + 6)
        assert [d.id for d in await store.claim(T0 + 6, 10)] == [b]

    check(body)


def test_claim_respects_the_limit_and_due_order(check) -> None:
    async def body(store: AsyncStore) -> None:
        ids = [
            (await ingest(store, f"m{i}", key=f"k{i}", now=T0 + 10 - i)).delivery_id
            for i in range(5)
        ]
        first = await store.claim(T0 + 10, 2)
        assert [d.id for d in first] == [ids[4], ids[3]]  # earliest due first
        assert [d.id for d in await store.claim(T0 + 8, 10)] == [ids[2]]  # 1 and 0 are not due
        assert await store.next_due() == T0 + 9

    check(body)


def test_claim_skips_the_endpoints_it_is_told_to(check) -> None:
    async def body(store: AsyncStore) -> None:
        async def on(endpoint: str, wid: str, now: float) -> int:
            r = await store.ingest(endpoint, wid, None, b"{}", {}, wid, False, now)
            return r.delivery_id

        a1, a2 = await on("a", "a1", T0), await on("a", "a2", T0 + 1)
        b1 = await on("b", "b1", T0 + 2)
        # The worker's slots for "a" are full: the newer "b" is claimed, "a" stays pending.
        assert [d.id for d in await store.claim(T0 + 5, 10, skip={"a"})] == [b1]
        assert [d.id for d in await store.claim(T0 + 5, 10, skip=["a", "b"])] == []
        assert [d.id for d in await store.claim(T0 + 5, 10, skip=())] == [a1, a2]
        # An expired lease of a skipped endpoint is not taken over either, until asked.
        assert await store.claim(T0 + 500, 10, skip={"a", "b"}) == []
        assert {d.id for d in await store.claim(T0 + 500, 10, skip={"b"})} == {a1, a2}

    check(body)


def test_nothing_of_a_key_is_claimed_while_one_of_it_is_in_flight(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="alice")).delivery_id
        b = (await ingest(store, "b", key="alice")).delivery_id
        await store.claim(T0, 10)
        await store.finish(a, "succeeded", now=T0)
        assert [d.id for d in await store.claim(T0, 10)] == [b]
        await store.replay(a, T0)  # the older one again, while b is in flight
        assert await store.claim(T0 + 1, 10) == []
        await store.finish(b, "succeeded", now=T0 + 1)
        assert [d.id for d in await store.claim(T0 + 1, 10)] == [a]

    check(body)


def test_an_expired_lease_is_taken_over_and_the_old_owner_is_fenced_off(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="alice")).delivery_id
        b = (await ingest(store, "b", key="alice")).delivery_id
        assert [d.id for d in await store.claim(T0, 10, owner="one", lease=10)] == [a]
        assert await store.claim(T0 + 9, 10, owner="two", lease=10) == []  # live lease
        assert await store.next_due() == T0 + 10  # when the lease runs out
        taken = await store.claim(T0 + 10, 10, owner="two", lease=10)
        assert [(d.id, d.status) for d in taken] == [(a, "delivering")]  # a before b: order
        # "one" comes back with its outcome: the attempt is history, the state is two's.
        assert not await store.finish(a, "succeeded", now=T0 + 11, owner="one", attempt=attempt(a))
        row = await store.get_delivery(a)
        assert (row.status, row.attempt_count) == ("delivering", 1)
        assert await store.finish(a, "succeeded", now=T0 + 12, owner="two", attempt=attempt(a))
        assert [x.n for x in await store.attempts(a)] == [1, 2]
        assert [d.id for d in await store.claim(T0 + 12, 10, owner="one")] == [b]

    check(body)


def test_renew_extends_only_the_owners_leases(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="a")).delivery_id
        b = (await ingest(store, "b", key="b")).delivery_id
        await store.claim(T0, 1, owner="one", lease=10)
        await store.claim(T0, 1, owner="two", lease=10)
        assert await store.renew(T0 + 8, [a, b], owner="one", lease=10) == {a}  # b is two's
        taken = await store.claim(T0 + 12, 10, owner="three", lease=10)
        assert [d.id for d in taken] == [b]  # two's lapsed, one's was renewed to T0 + 18
        assert await store.renew(T0 + 12, [b], owner="two", lease=10) == set()
        assert await store.renew(T0 + 12, [], owner="one", lease=10) == set()  # a to lapse
        assert [d.id for d in await store.claim(T0 + 19, 10, owner="three")] == [a]
        assert (await store.get_delivery(a)).status == "delivering"

    check(body)


def test_recover_requeues_the_owners_and_the_expired_but_not_live_leases(check) -> None:
    async def body(store: AsyncStore) -> None:
        ids = [(await ingest(store, f"m{i}", key=f"k{i}")).delivery_id for i in range(3)]
        await store.claim(T0, 1, owner="me", lease=10)
        await store.claim(T0, 1, owner="dead", lease=5)
        await store.claim(T0, 1, owner="alive", lease=60)
        assert await store.recover(T0 + 6, "me") == 2  # mine and the dead one's
        statuses = [(await store.get_delivery(i)).status for i in ids]
        assert statuses == ["pending", "pending", "delivering"]
        assert (await store.get_delivery(ids[0])).next_attempt_at == T0
        assert [d.id for d in await store.claim(T0 + 6, 10, owner="me")] == ids[:2]

    check(body)


def test_a_restarted_embedded_worker_takes_its_predecessors_work_back_at_once(check) -> None:
    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "a")).delivery_id
        await store.claim(T0, 10)  # the local owner (one process: SQLite's)
        assert await store.recover(T0 + 1) == 1  # whatever is left of the lease
        assert [x.id for x in await store.claim(T0 + 1, 10)] == [d]

    check(body)


# -- outcomes --------------------------------------------------------------------------------


def test_finish_records_attempts_in_order_and_counts_them(check) -> None:
    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "a")).delivery_id
        await store.claim(T0, 1)
        ok = await store.finish(
            d,
            "pending",
            now=T0,
            attempt=attempt(d, 500),
            next_attempt_at=T0 + 5,
            last_error="HTTP 500",
            transform={"logs": ["x"]},
        )
        assert ok
        row = await store.get_delivery(d)
        assert (row.status, row.next_attempt_at, row.last_error, row.transform) == (
            "pending",
            T0 + 5,
            "HTTP 500",
            {"logs": ["x"]},
        )
        await store.claim(T0 + 5, 1)
        await store.finish(d, "succeeded", now=T0 + 5, attempt=attempt(d, 200, T0 + 5))
        got = await store.attempts(d)
        assert [(a.n, a.status_code, a.started_at) for a in got] == [(1, 500, T0), (2, 200, T0 + 5)]
        assert (got[0].request, got[0].response_body, got[0].duration_ms) == (
            {"method": "POST"},
            "body",
            1.5,
        )
        row = await store.get_delivery(d)
        assert (row.status, row.attempt_count, row.next_attempt_at, row.transform) == (
            "succeeded",
            2,
            None,
            {"logs": ["x"]},  # kept when an outcome brings none
        )

    check(body)


def test_finish_many_hands_each_chain_its_next_delivery(check) -> None:
    async def body(store: AsyncStore) -> None:
        a1 = (await ingest(store, "a1", key="alice")).delivery_id
        a2 = (await ingest(store, "a2", key="alice")).delivery_id
        b1 = (await ingest(store, "b1", key="bob")).delivery_id
        b2 = (await ingest(store, "b2", key="bob", now=T0 + 100)).delivery_id  # not due yet
        c1 = (await ingest(store, "c1", key="carol")).delivery_id
        c2 = (await ingest(store, "c2", key="carol")).delivery_id
        await store.claim(T0, 10, owner="w")
        recorded = await store.finish_many(
            [
                Outcome(a1, "succeeded", T0, "w", attempt(a1)),
                Outcome(b1, "failed", T0, "w", attempt(b1, 422)),
                Outcome(c1, "pending", T0, "w", attempt(c1, 500), next_attempt_at=T0),  # a retry
            ],
            handoff=True,
            lease=10,
        )
        assert recorded.applied == [True, True, True]
        handed = recorded.handed_off
        assert handed[0] is not None and (handed[0].id, handed[0].status) == (a2, "delivering")
        assert handed[1:] == [None, None]  # b2 is not due; a retry keeps carol's chain on c1
        assert list(recorded.events) == [handed[0].event_id]  # read in the same call
        assert recorded.events[handed[0].event_id].webhook_id == "a2"
        assert (await store.get_delivery(a2)).status == "delivering"
        assert [d.id for d in await store.claim(T0, 10, owner="x")] == [c1]
        assert not await store.finish(a2, "succeeded", now=T0, owner="x")  # w holds a2
        assert (await store.get_delivery(b2)).status == "pending"
        assert (await store.get_delivery(c2)).status == "pending"

    check(body)


def test_a_hand_off_after_a_long_wait_for_the_store_is_leased_from_then(check) -> None:
    """An outcome recorded a minute after its attempt ended (the store was away): the lease
    of what it hands on runs from the record, or the next claim would take it again while it
    is being sent, and it would go out twice."""

    async def body(store: AsyncStore) -> None:
        a1 = (await ingest(store, "a1", key="alice")).delivery_id
        a2 = (await ingest(store, "a2", key="alice")).delivery_id
        await store.claim(T0, 10, owner="w", lease=10)
        recorded = await store.finish_many(
            [Outcome(a1, "succeeded", T0, "w", attempt(a1))], handoff=True, lease=10, at=T0 + 60
        )
        (handed,) = recorded.handed_off
        assert handed is not None and handed.id == a2
        assert await store.claim(T0 + 61, 10, owner="x") == []  # still w's
        assert [d.id for d in await store.claim(T0 + 71, 10, owner="x")] == [a2]  # expired

    check(body)


def test_a_hand_off_reads_the_delivery_due_after_the_one_handed_on(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = [(await ingest(store, f"a{i}", key="alice")).delivery_id for i in range(3)]
        b = [(await ingest(store, f"b{i}", key="bob")).delivery_id for i in range(2)]
        b.append((await ingest(store, "b2", key="bob", now=T0 + 100)).delivery_id)  # not due
        assert [d.id for d in await store.claim(T0, 10, owner="w")] == [a[0], b[0]]
        recorded = await store.finish_many(
            [Outcome(a[0], "succeeded", T0, "w"), Outcome(b[0], "failed", T0, "w")],
            handoff=True,
        )
        assert [d and d.id for d in recorded.handed_off] == [a[1], b[1]]
        following = recorded.following
        assert [d and (d.id, d.status) for d in following] == [(a[2], "pending"), None]
        webhooks = {e.webhook_id for e in recorded.events.values()}
        assert webhooks == {"a1", "a2", "b1"}  # what the handed-off and following ones carry
        # Read, not claimed: it waits behind the one handed on, for whoever holds the chain.
        assert (await store.get_delivery(a[2])).status == "pending"
        assert await store.claim(T0, 10, owner="x") == []

    check(body)


def test_finish_many_without_handoff_claims_nothing(check) -> None:
    async def body(store: AsyncStore) -> None:
        a1 = (await ingest(store, "a1", key="alice")).delivery_id
        a2 = (await ingest(store, "a2", key="alice")).delivery_id
        await store.claim(T0, 10)
        recorded = await store.finish_many([Outcome(a1, "cancelled", T0)])
        assert (recorded.applied, recorded.handed_off, recorded.events) == ([True], [None], {})
        assert (await store.get_delivery(a2)).status == "pending"

    check(body)


def test_replay_restarts_the_schedule_but_keeps_history(check) -> None:
    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "a")).delivery_id
        await store.claim(T0, 1)
        await store.finish(d, "failed", now=T0, attempt=attempt(d, 422), last_error="HTTP 422")
        replayed = await store.replay(d, T0 + 50)
        assert (
            replayed.status,
            replayed.attempt_count,
            replayed.schedule_attempts,
            replayed.next_attempt_at,
            replayed.last_error,
        ) == ("pending", 1, 0, T0 + 50, None)
        assert len(await store.attempts(d)) == 1
        await store.claim(T0 + 50, 1)
        assert (await store.replay(d, T0 + 51)).status == "delivering"  # not while in flight
        assert await store.replay(999_999, T0) is None

    check(body)


def test_bulk_replays_are_kept_with_their_deliveries_current_states(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="a")).delivery_id
        b = (await ingest(store, "b", key="b")).delivery_id
        query = {"status": "failed", "customer": "ann@example.com"}
        first = await store.add_bulk_replay(T0, query, [a, b, 999_999], {7: "in flight"})
        kept = await store.bulk_replay(first)
        assert kept is not None
        assert (kept.id, kept.query, kept.started_at, kept.total, kept.refused) == (
            first,
            query,
            T0,
            3,
            {7: "in flight"},
        )
        # Read when asked, from the deliveries: none recorded by the replay itself.
        assert kept.statuses == {a: "pending", b: "pending", 999_999: None}
        assert kept.by_status == {"pending": 2, "deleted": 1} and not kept.settled
        await store.claim(T0, 10)
        await store.finish(a, "succeeded", now=T0, attempt=attempt(a))
        await store.finish(b, "failed", now=T0, attempt=attempt(b, 500))
        assert await store.bulk_replay_ids() == [first]
        listed = await store.bulk_replay(first, each=False)  # counts only, for the list
        assert listed is not None and listed.statuses is None
        assert listed.by_status == {"succeeded": 1, "failed": 1, "deleted": 1}
        # Settled: the counts stay what they were when every delivery had finished.
        await store.settle_bulk_replay(first, listed.by_status)
        await store.replay(b, T0 + 1)
        for each in (False, True):
            listed = await store.bulk_replay(first, each=each)
            assert listed is not None and listed.settled
            assert listed.by_status == {"succeeded": 1, "failed": 1, "deleted": 1}
        kept = await store.bulk_replay(first)
        assert kept is not None and kept.statuses == {a: "succeeded", b: "pending", 999_999: None}
        # The newest first, and only the most recent BULK_REPLAYS_KEPT.
        later = [await store.add_bulk_replay(T0 + i, {}, [], {}) for i in range(1, 51)]
        assert await store.bulk_replay_ids() == sorted(later, reverse=True)
        assert await store.bulk_replay(first) is None

    check(body)


def test_a_bulk_replay_never_counts_a_delivery_received_after_it(check) -> None:
    # SQLite hands out a deleted highest id again: once retention has removed the replayed
    # deliveries, a new webhook may get one of their ids.
    async def body(store: AsyncStore) -> None:
        day = 86_400.0
        d = (await ingest(store, "old")).delivery_id
        await store.claim(T0, 1)
        await store.finish(d, "succeeded", now=T0, attempt=attempt(d))
        bulk = await store.add_bulk_replay(T0 + 1, {"status": "succeeded"}, [d], {})
        await store.claim(T0 + 1, 1)
        await store.finish(d, "succeeded", now=T0 + 1, attempt=attempt(d))
        assert await store.prune(T0 + 30 * day) == 1
        await ingest(store, "new", now=T0 + 31 * day)
        kept = await store.bulk_replay(bulk)
        assert kept is not None and kept.statuses == {d: None}
        assert kept.by_status == {"deleted": 1}
        listed = await store.bulk_replay(bulk, each=False)
        assert listed is not None and listed.by_status == {"deleted": 1}

    check(body)


def test_attempt_count_keeps_growing_across_replays(check) -> None:
    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "a")).delivery_id
        for i in range(3):
            await store.claim(T0 + i, 1)
            await store.finish(d, "failed", now=T0 + i, attempt=attempt(d, 500, T0 + i))
            await store.replay(d, T0 + i)
        await store.claim(T0 + 9, 1)
        await store.finish(
            d, "pending", now=T0 + 9, attempt=attempt(d, 500, T0 + 9), next_attempt_at=T0 + 20
        )
        row = await store.get_delivery(d)
        assert (row.attempt_count, row.schedule_attempts) == (4, 1)
        assert [a.n for a in await store.attempts(d)] == [1, 2, 3, 4]

    check(body)


# -- reads and operations --------------------------------------------------------------------


def test_list_deliveries_filters_newest_first_and_counts(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="a")).delivery_id
        b = (await ingest(store, "b", key="b")).delivery_id
        c = (await store.ingest("other", "c", None, b"{}", {}, "c", False, T0)).delivery_id
        await store.claim(T0, 1)
        await store.finish(a, "failed", now=T0, last_error="x")
        assert [d.id for d in await store.list_deliveries()] == [c, b, a]
        assert [d.id for d in await store.list_deliveries(limit=2)] == [c, b]
        assert [d.id for d in await store.list_deliveries(status="failed")] == [a]
        assert [d.id for d in await store.list_deliveries(endpoint="other")] == [c]
        assert await store.list_deliveries(status="failed", endpoint="other") == []
        assert await store.counts() == {"failed": 1, "pending": 2}

    check(body)


def test_ping_answers_when_the_store_is_reachable(check) -> None:
    async def body(store: AsyncStore) -> None:
        await store.ping()

    check(body)


def test_listen_returns_once_listening(check) -> None:
    async def body(store: AsyncStore) -> None:
        woken = asyncio.Event()
        await store.listen(woken.set)
        if store.shared:  # another instance's ingest wakes this one
            await ingest(store, "a")
            await asyncio.wait_for(woken.wait(), 10)

    check(body)


def test_two_workers_claiming_at_once_never_share_a_delivery_or_a_key(check) -> None:
    async def body(store: AsyncStore) -> None:
        for i in range(60):
            await ingest(store, f"m{i}", key=f"k{i % 12}")
        seen: dict[str, list[int]] = {}

        async def worker(owner: str) -> None:
            while True:
                claimed = await store.claim(T0, 4, owner=owner)
                if not claimed:
                    if not (await store.counts()).get("pending"):
                        return
                    await asyncio.sleep(0)
                    continue
                for d in claimed:
                    seen.setdefault(d.ordering_key, []).append(d.id)
                await asyncio.sleep(0)
                for d in claimed:
                    await store.finish(d.id, "succeeded", now=T0, owner=owner)

        await asyncio.gather(*(worker(f"w{n}") for n in range(4)))
        assert sum(len(v) for v in seen.values()) == 60
        for ids in seen.values():
            assert ids == sorted(ids) and len(set(ids)) == len(ids)

    check(body)


# -- the operator's views (lists, counts, cancel, endpoint health) -----------------------------


def test_search_and_count_filter_and_page_newest_first(check) -> None:
    from dodo_transform.relay.store import DeliveryQuery, customer_key

    async def body(store: AsyncStore) -> None:
        a = (
            await store.ingest(
                "ep", "a", "payment.succeeded", b"{}", {}, customer_key("ep", "A@x.io"), False, T0
            )
        ).delivery_id
        b = (
            await store.ingest("ep", "b", "payment.failed", b"{}", {}, "k-b", False, T0 + 10)
        ).delivery_id
        c = (
            await store.ingest(
                "other",
                "c",
                "payment.succeeded",
                b"{}",
                {},
                customer_key("other", "a@x.io"),
                False,
                T0 + 20,
            )
        ).delivery_id
        await store.claim(T0 + 30, 1)  # a
        await store.finish(a, "failed", now=T0 + 30, attempt=attempt(a, 422))
        listed = await store.search(DeliveryQuery())
        assert [x.delivery.id for x in listed] == [c, b, a]
        assert (listed[2].webhook_id, listed[2].event_type, listed[2].http_status) == (
            "a",
            "payment.succeeded",
            422,
        )
        assert listed[0].http_status is None and listed[0].to_dict()["webhook_id"] == "c"
        cases = {
            DeliveryQuery(status="failed"): [a],
            DeliveryQuery(endpoint="ep"): [b, a],
            DeliveryQuery(event_type="payment.succeeded"): [c, a],
            DeliveryQuery(since=T0 + 10): [c, b],
            DeliveryQuery(until=T0 + 10): [a],
            DeliveryQuery(customer_email=" a@X.io "): [c, a],  # on every endpoint
            DeliveryQuery(before=c): [b, a],
            DeliveryQuery(endpoint="ep", status="pending"): [b],
        }
        for query, ids in cases.items():
            assert [x.delivery.id for x in await store.search(query)] == ids, query
            assert await store.count(query) == len(ids), query
        assert [x.delivery.id for x in await store.search(DeliveryQuery(), limit=1)] == [c]

    check(body)


def test_cancel_stops_only_a_pending_delivery(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="a")).delivery_id
        b = (await ingest(store, "b", key="b")).delivery_id
        await store.claim(T0, 1)  # a is in flight
        assert (await store.cancel(a, T0)).status == "delivering"
        row = await store.cancel(b, T0 + 1)
        assert (row.status, row.next_attempt_at, row.last_error) == (
            "cancelled",
            None,
            "cancelled by an operator",
        )
        assert await store.claim(T0 + 2, 10) == []
        assert await store.cancel(999_999, T0) is None

    check(body)


def test_endpoint_stats_count_recent_attempts_and_the_queue(check) -> None:
    async def body(store: AsyncStore) -> None:
        a = (await ingest(store, "a", key="a")).delivery_id
        b = (await ingest(store, "b", key="b")).delivery_id
        await ingest(store, "c", key="c", now=T0 + 5)
        await store.claim(T0, 2)
        fail = Attempt(a, 0, T0, None, None, None, 10.0, "ConnectError: refused")
        await store.finish(a, "pending", now=T0, attempt=fail, next_attempt_at=T0 + 60)
        await store.finish(
            b, "succeeded", now=T0, attempt=Attempt(b, 0, T0, None, 200, "", 30.0, None)
        )
        stats = (await store.endpoint_stats(T0 - 1))["ep"]
        assert (stats.attempts, stats.succeeded, stats.mean_ms, stats.max_ms) == (2, 1, 20.0, 30.0)
        assert (stats.last_error, stats.last_error_at) == ("ConnectError: refused", T0)
        assert (stats.queued, stats.oldest_queued_at) == (2, T0)
        later = (await store.endpoint_stats(T0 + 1))["ep"]
        assert (later.attempts, later.last_error, later.queued) == (0, None, 2)

    check(body)


def test_a_disabled_endpoint_keeps_its_deliveries_waiting(check) -> None:
    from dodo_transform.relay.store import EndpointState

    async def body(store: AsyncStore) -> None:
        a1 = (await ingest(store, "a1", key="alice")).delivery_id
        a2 = (await ingest(store, "a2", key="alice")).delivery_id
        other = (await store.ingest("other", "o", None, b"{}", {}, "o", False, T0)).delivery_id
        assert await store.endpoint_states() == {}
        await store.claim(T0, 1, owner="w")  # a1 in flight
        await store.set_endpoint_state("ep", EndpointState(failing_since=T0, disabled_at=T0))
        assert await store.endpoint_states() == {"ep": EndpointState(T0, T0)}
        recorded = await store.finish_many([Outcome(a1, "succeeded", T0, "w")], handoff=True)
        assert recorded.handed_off == [None]  # not to a disabled endpoint
        assert [d.id for d in await store.claim(T0, 10, owner="w")] == [other]
        await store.set_endpoint_state("ep", EndpointState())  # enabled again: the row goes
        assert await store.endpoint_states() == {}
        assert [d.id for d in await store.claim(T0, 10, owner="w")] == [a2]

    check(body)


def test_an_endpoint_state_is_changed_from_what_the_store_holds(check) -> None:
    from dodo_transform.relay.store import EndpointState

    def fail_at(t: float):
        return lambda old: EndpointState(old.failing_since or t, old.disabled_at)

    def enable(old: EndpointState) -> EndpointState:
        return EndpointState() if old.disabled_at is not None else old

    async def body(store: AsyncStore) -> None:
        assert await store.update_endpoint_state("ep", enable) == (EndpointState(),) * 2
        assert await store.endpoint_states() == {}  # nothing written for no change
        assert await store.update_endpoint_state("ep", fail_at(T0)) == (
            EndpointState(),
            EndpointState(T0),
        )
        # Another instance disabled it meanwhile: a later failure keeps both its streak and
        # the flag (it was written back from a stale copy before).
        await store.set_endpoint_state("ep", EndpointState(T0, T0 + 5))
        old, new = await store.update_endpoint_state("ep", fail_at(T0 + 9))
        assert old == new == EndpointState(T0, T0 + 5)
        assert await store.update_endpoint_state("ep", enable) == (
            EndpointState(T0, T0 + 5),
            EndpointState(),
        )
        assert await store.endpoint_states() == {}

    check(body)


# -- bounded storage and retention -----------------------------------------------------------


def test_a_retried_body_is_stored_once_and_read_back_with_each_attempt(check) -> None:
    from dodo_transform.relay.store import bound_body

    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "big")).delivery_id
        full = "é" + "x" * 200_000  # a 2-byte character first: the cut falls on a boundary
        request = bound_body({"method": "POST", "url": "http://t/", "body": full}, 1001)
        assert request["body"] == "é" + "x" * 999
        for i in range(3):
            await store.claim(T0 + i, 1)
            fail = Attempt(d, 0, T0 + i, request, 500, "no", 1.0, None)
            await store.finish(d, "pending", now=T0 + i, attempt=fail, next_attempt_at=T0 + i + 1)
        got = await store.attempts(d)
        assert [a.request for a in got] == [request] * 3
        assert list(got[0].request) == [
            "method",
            "url",
            "body",
            "body_truncated",
            "body_bytes",
            "body_sha256",
        ]
        assert (got[0].request["body_bytes"], got[0].request["body_sha256"]) == (
            len(full.encode()),
            __import__("hashlib").sha256(full.encode()).hexdigest(),
        )
        assert await _rows(store, "request_bodies") == 1  # three attempts, one copy

    check(body)


async def _rows(store: AsyncStore, table: str) -> int:
    """How many rows ``table`` holds, read beside the store's own API (a test's view)."""
    if isinstance(store, PostgresStore):
        return int(await store.pool.fetchval(f"SELECT COUNT(*) FROM {table}"))
    assert isinstance(store, ThreadedStore)
    inner = store._store
    assert isinstance(inner, SqliteStore)
    return int(
        await store._call(lambda: inner._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    )


def test_prune_deletes_only_finished_deliveries_older_than_the_cutoff(check) -> None:
    async def body(store: AsyncStore) -> None:
        day = 86_400.0
        old_done = (await ingest(store, "old-done", key="a", now=T0)).delivery_id
        old_failed = (await ingest(store, "old-failed", key="b", now=T0)).delivery_id
        old_pending = (await ingest(store, "old-pending", key="c", now=T0)).delivery_id
        old_flight = (await ingest(store, "old-flight", key="d", now=T0)).delivery_id
        old_filtered = (await ingest(store, "old-filtered", key="e", filtered=True)).delivery_id
        replayed = (await ingest(store, "replayed", key="f", now=T0)).delivery_id
        new_done = (await ingest(store, "new-done", key="g", now=T0 + 40 * day)).delivery_id
        shared = {"method": "POST", "url": "http://t/", "body": "same body"}
        assert len(await store.claim(T0, 10)) == 5  # all but new_done, due later

        def tried(d: int, code: int, at: float = T0) -> Attempt:
            return Attempt(d, 0, at, shared, code, "", 1.0, None)

        await store.finish(old_done, "succeeded", now=T0, attempt=tried(old_done, 200))
        await store.finish(old_failed, "failed", now=T0, attempt=tried(old_failed, 500))
        await store.finish(replayed, "failed", now=T0, attempt=tried(replayed, 500))
        await store.finish(old_pending, "pending", now=T0, next_attempt_at=T0 + 90 * day)
        await store.replay(replayed, T0 + 35 * day)  # touched recently: its age starts again
        await store.claim(T0 + 35 * day, 10)
        await store.finish(replayed, "failed", now=T0 + 35 * day)
        await store.claim(T0 + 40 * day, 10)
        await store.finish(
            new_done, "succeeded", now=T0 + 40 * day, attempt=tried(new_done, 200, T0 + 40 * day)
        )

        pruned = 0
        while n := await store.prune(T0 + 30 * day, limit=1):  # one per batch
            pruned += n
        assert pruned == 3  # old_done, old_failed, old_filtered
        for gone in (old_done, old_failed, old_filtered):
            assert await store.get_delivery(gone) is None
            assert await store.attempts(gone) == []
        kept = [old_pending, old_flight, replayed, new_done]
        assert [(await store.get_delivery(d)) is not None for d in kept] == [True] * 4
        assert await _rows(store, "events") == 4
        # The body old attempts shared with a kept one stays; the rest is gone.
        assert (await store.attempts(new_done))[0].request == shared
        assert await _rows(store, "request_bodies") == 1
        assert await store.prune(T0 + 30 * day) == 0
        # A later cutoff takes the rest that is finished, and the last body with it.
        assert await store.prune(T0 + 50 * day) == 2
        assert await _rows(store, "request_bodies") == 0
        assert sorted((await store.counts()).items()) == [("delivering", 1), ("pending", 1)]

    check(body)


def test_attempts_page_backwards_from_the_latest(check) -> None:
    async def body(store: AsyncStore) -> None:
        d = (await ingest(store, "many")).delivery_id
        for i in range(7):
            await store.claim(T0 + i, 1)
            await store.finish(
                d, "pending", now=T0 + i, attempt=attempt(d, 500, T0 + i), next_attempt_at=T0 + i
            )
        assert [a.n for a in await store.attempts(d)] == [1, 2, 3, 4, 5, 6, 7]
        assert [a.n for a in await store.attempts(d, limit=3)] == [5, 6, 7]
        assert [a.n for a in await store.attempts(d, limit=3, before=5)] == [2, 3, 4]
        assert [a.n for a in await store.attempts(d, limit=3, before=2)] == [1]
        assert [a.n for a in await store.attempts(d, before=3)] == [1, 2]

    check(body)


def test_a_nul_or_a_lone_surrogate_in_any_text_is_stored(check) -> None:
    """PostgreSQL's text holds no NUL and UTF-8 no lone surrogate; a webhook's type or email,
    a handler's logs and error, a target's answer may carry either."""

    async def body(store: AsyncStore) -> None:
        key = customer_key("ep", "a\x00\ud800@example.com")
        got = await store.ingest(
            "ep", "w\x00", "pay\x00\udfff", b'{"x":"\\u0000"}', {"x-h": "v"}, key, False, T0
        )
        d = got.delivery_id
        assert await store.claim(T0, 1)
        sent = Attempt(
            d, 0, T0, {"url": "https://x.example/\ud800"}, 500, "n\x00\ud800", 1.5, "e\x00"
        )
        ok = await store.finish(
            d,
            "pending",
            now=T0,
            attempt=sent,
            next_attempt_at=T0 + 5,
            last_error="Error: \ud800\x00",
            transform={"logs": ["\x00\ud800"]},
        )
        assert ok
        row = await store.get_delivery(d)
        assert row.status == "pending"
        # What the store gives back always encodes as UTF-8: a lone surrogate as its escape.
        assert row.transform == {"logs": ["\x00\\ud800"]}
        assert row.last_error == "Error: \\ud800\ufffd"  # shown escaped, and U+FFFD for NUL
        event = await store.get_event(row.event_id)
        assert event.body == b'{"x":"\\u0000"}'  # the body byte for byte
        (a,) = await store.attempts(d)
        assert (a.status_code, a.request) == (500, {"url": "https://x.example/\\ud800"})
        assert (a.response_body, a.error) == ("n\ufffd\\ud800", "e\ufffd")
        # Filters given the text as received find the delivery.
        found = await store.search(DeliveryQuery(event_type="pay\x00\udfff"), 10)
        assert [r.delivery.id for r in found] == [d]
        found = await store.search(DeliveryQuery(customer_email="A\x00\ud800@example.com"), 10)
        assert [r.delivery.id for r in found] == [d]
        again = await store.ingest(
            "ep", "w\x00", "pay\x00\udfff", b"{}", {"x-h": "v"}, key, False, T0
        )
        assert again.duplicate and again.delivery_id == d

    check(body)
