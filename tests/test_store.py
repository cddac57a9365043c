import sqlite3
from pathlib import Path

import pytest

from dodo_transform.relay.sqlite_store import SCHEMA_VERSION, SqliteStore
from dodo_transform.relay.store import Attempt

T0 = 1_700_000_000.0


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "s.db")
    yield s
    s.close()


def ingest(store: SqliteStore, wid: str, key: str = "k", filtered: bool = False, now=T0):
    return store.ingest(
        "ep", wid, "payment.succeeded", b'{"x":1}', {"webhook-id": wid}, key, filtered, now
    )


def test_schema_version_is_recorded_and_reopening_is_idempotent(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "s.db").close()
    s = SqliteStore(tmp_path / "s.db")
    assert s.schema_version() == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "s.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    s.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "s.db").close()
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("UPDATE schema_version SET version = 99")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        SqliteStore(tmp_path / "s.db")


def test_ingest_dedupes_by_webhook_id_per_endpoint(store: SqliteStore) -> None:
    first = ingest(store, "msg_1")
    again = ingest(store, "msg_1")
    assert (again.delivery_id, again.duplicate) == (first.delivery_id, True)
    other = store.ingest("other", "msg_1", None, b"{}", {}, "k2", False, T0)
    assert not other.duplicate
    assert store.counts() == {"pending": 2}


def test_event_is_kept_byte_for_byte(store: SqliteStore) -> None:
    d = store.get_delivery(ingest(store, "msg_1").delivery_id)
    event = store.get_event(d.event_id)
    assert event.body == b'{"x":1}' and event.headers == {"webhook-id": "msg_1"}


def test_filtered_events_are_recorded_but_never_claimed(store: SqliteStore) -> None:
    assert ingest(store, "msg_1", filtered=True).status == "filtered"
    assert store.claim(T0 + 10, 10) == []
    assert store.next_due() is None


def test_claim_takes_only_the_oldest_unfinished_per_ordering_key(store: SqliteStore) -> None:
    a = ingest(store, "a", key="alice").delivery_id
    b = ingest(store, "b", key="alice").delivery_id
    c = ingest(store, "c", key="carol").delivery_id
    assert [d.id for d in store.claim(T0, 10)] == [a, c]
    assert store.claim(T0, 10) == []  # b waits for a
    store.finish(a, "pending", now=T0, next_attempt_at=T0 + 5)
    assert store.claim(T0 + 100, 10)[0].id == a  # still a, even when b is due
    store.finish(a, "succeeded", now=T0)
    assert [d.id for d in store.claim(T0, 10)] == [b]


def test_recover_returns_in_flight_deliveries_to_pending(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 10)
    assert store.get_delivery(d).status == "delivering"
    assert store.recover(T0 + 1) == 1
    assert store.get_delivery(d).status == "pending"
    assert [x.id for x in store.claim(T0 + 1, 10)] == [d]


def test_finish_records_attempts_in_order_and_counts_them(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 1)
    attempt = Attempt(d, 0, T0, {"method": "POST"}, 500, "oops", 1.5, None)
    store.finish(d, "pending", now=T0, attempt=attempt, next_attempt_at=T0 + 5)
    store.claim(T0 + 5, 1)
    store.finish(d, "succeeded", now=T0 + 5, attempt=Attempt(d, 0, T0 + 5, None, 200, "", 1, None))
    assert [(a.n, a.status_code) for a in store.attempts(d)] == [(1, 500), (2, 200)]
    row = store.get_delivery(d)
    assert (row.status, row.attempt_count, row.next_attempt_at) == ("succeeded", 2, None)


def test_replay_restarts_the_schedule_but_keeps_history(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 1)
    store.finish(
        d,
        "failed",
        now=T0,
        attempt=Attempt(d, 0, T0, None, 422, "", 1, None),
        last_error="HTTP 422",
    )
    replayed = store.replay(d, T0 + 50)
    # attempt_count is history (it only grows); schedule_attempts restarts the schedule.
    assert (
        replayed.status,
        replayed.attempt_count,
        replayed.schedule_attempts,
        replayed.next_attempt_at,
    ) == ("pending", 1, 0, T0 + 50)
    assert len(store.attempts(d)) == 1


def test_attempt_count_keeps_growing_across_replays(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    for i in range(3):
        store.claim(T0 + i, 1)
        store.finish(d, "failed", now=T0 + i, attempt=Attempt(d, 0, T0 + i, None, 500, "", 1, None))
        store.replay(d, T0 + i)
    store.claim(T0 + 9, 1)
    store.finish(
        d,
        "pending",
        now=T0 + 9,
        attempt=Attempt(d, 0, T0 + 9, None, 500, "", 1, None),
        next_attempt_at=T0 + 20,
    )
    row = store.get_delivery(d)
    assert (row.attempt_count, row.schedule_attempts) == (4, 1)
    assert [a.n for a in store.attempts(d)] == [1, 2, 3, 4]
    assert store.list_deliveries()[0].attempt_count == 4


def test_claim_and_finish_leave_lease_until_unwritten(store: SqliteStore) -> None:
    # recover() requeues every `delivering` row (one process owns the store), so no lease.
    d = ingest(store, "a").delivery_id
    store.claim(T0, 1)
    assert store._db.execute("SELECT lease_until FROM deliveries").fetchone() == (None,)
    store.finish(d, "pending", now=T0, next_attempt_at=T0)
    store.claim(T0, 1)
    assert store.recover(T0 + 1) == 1  # whatever the claim time
    assert store.get_delivery(d).status == "pending"


def test_version_1_store_migrates_with_attempts_recounted(tmp_path: Path) -> None:
    from dodo_transform.relay.sqlite_store import MIGRATIONS

    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript(
        MIGRATIONS[0]
        + """
        CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (1);
        INSERT INTO events VALUES (1, 'ep', 'a', NULL, x'7b7d', '{}', 0);
        INSERT INTO deliveries (id, event_id, endpoint, status, attempt_count, ordering_key,
            created_at, updated_at) VALUES (1, 1, 'ep', 'pending', 1, 'k', 0, 0);
        INSERT INTO attempts (delivery_id, n, started_at, duration_ms) VALUES
            (1, 1, 0, 1), (1, 2, 0, 1), (1, 3, 0, 1);
    """
    )
    db.close()
    s = SqliteStore(path)  # a replay had reset attempt_count to 0; one attempt since
    row = s.get_delivery(1)
    assert (s.schema_version(), row.attempt_count, row.schedule_attempts) == (SCHEMA_VERSION, 3, 1)
    s.close()


def test_readonly_store_reads_without_writing_and_refuses_another_version(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    s = SqliteStore(path)
    ingest(s, "a")
    s.close()
    before = path.read_bytes()
    ro = SqliteStore(path, readonly=True)
    assert [d.status for d in ro.list_deliveries()] == ["pending"]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro.replay(1, T0)
    ro.close()
    # Byte for byte the same; SQLite's WAL index (-shm) may appear, the log stays empty.
    assert path.read_bytes() == before
    wal = tmp_path / "s.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 1")
    db.commit()
    db.close()
    with pytest.raises(
        RuntimeError, match=f"schema version 1, this dodo-transform reads {SCHEMA_VERSION}"
    ):
        SqliteStore(path, readonly=True)
    db = sqlite3.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchone() == (1,)  # not migrated
    db.close()


def test_committed_ingest_survives_reopening(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "s.db")
    ingest(s, "a")
    s.close()
    s = SqliteStore(tmp_path / "s.db")
    assert s.list_deliveries()[0].status == "pending"
    assert s.list_deliveries(status="failed") == []
    s.close()
