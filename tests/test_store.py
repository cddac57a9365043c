import sqlite3
from pathlib import Path

import pytest

from dodo_transform.sqlite_store import SCHEMA_VERSION, SqliteStore
from dodo_transform.store import Attempt

T0 = 1_700_000_000.0


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "s.db")
    yield s
    s.close()


def ingest(store: SqliteStore, wid: str, key: str = "k", filtered: bool = False, now=T0):
    return store.ingest("ep", wid, "payment.succeeded", b'{"x":1}', {"webhook-id": wid}, key,
                        filtered, now)


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
    assert store.claim(T0 + 10, 10, 60) == []
    assert store.next_due() is None


def test_claim_takes_only_the_oldest_unfinished_per_ordering_key(store: SqliteStore) -> None:
    a = ingest(store, "a", key="alice").delivery_id
    b = ingest(store, "b", key="alice").delivery_id
    c = ingest(store, "c", key="carol").delivery_id
    assert [d.id for d in store.claim(T0, 10, 60)] == [a, c]
    assert store.claim(T0, 10, 60) == []  # b waits for a
    store.finish(a, "pending", now=T0, next_attempt_at=T0 + 5)
    assert store.claim(T0 + 100, 10, 60)[0].id == a  # still a, even when b is due
    store.finish(a, "succeeded", now=T0)
    assert [d.id for d in store.claim(T0, 10, 60)] == [b]


def test_recover_returns_in_flight_deliveries_to_pending(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 10, 60)
    assert store.get_delivery(d).status == "delivering"
    assert store.recover(T0 + 1) == 1
    assert store.get_delivery(d).status == "pending"
    assert [x.id for x in store.claim(T0 + 1, 10, 60)] == [d]


def test_finish_records_attempts_in_order_and_counts_them(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 1, 60)
    attempt = Attempt(d, 0, T0, {"method": "POST"}, 500, "oops", 1.5, None)
    store.finish(d, "pending", now=T0, attempt=attempt, next_attempt_at=T0 + 5)
    store.claim(T0 + 5, 1, 60)
    store.finish(d, "succeeded", now=T0 + 5, attempt=Attempt(d, 0, T0 + 5, None, 200, "", 1, None))
    assert [(a.n, a.status_code) for a in store.attempts(d)] == [(1, 500), (2, 200)]
    row = store.get_delivery(d)
    assert (row.status, row.attempt_count, row.next_attempt_at) == ("succeeded", 2, None)


def test_replay_restarts_the_schedule_but_keeps_history(store: SqliteStore) -> None:
    d = ingest(store, "a").delivery_id
    store.claim(T0, 1, 60)
    store.finish(d, "failed", now=T0, attempt=Attempt(d, 0, T0, None, 422, "", 1, None),
                 last_error="HTTP 422")
    replayed = store.replay(d, T0 + 50)
    assert (replayed.status, replayed.attempt_count, replayed.next_attempt_at) == \
        ("pending", 0, T0 + 50)
    assert len(store.attempts(d)) == 1


def test_committed_ingest_survives_reopening(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "s.db")
    ingest(s, "a")
    s.close()
    s = SqliteStore(tmp_path / "s.db")
    assert s.list_deliveries()[0].status == "pending"
    assert s.list_deliveries(status="failed") == []
    s.close()
