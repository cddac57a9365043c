"""What only the SQLite store does: its file, WAL, migrations, read-only opening.

Everything every store does is in test_store_contract.py, run on SQLite and PostgreSQL.
"""

import os
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


def test_a_version_2_store_with_a_delivery_in_flight_migrates_and_recovers_it(tmp_path) -> None:
    from dodo_transform.relay.sqlite_store import MIGRATIONS

    path = tmp_path / "v2.db"
    db = sqlite3.connect(path)
    db.executescript(
        ";".join(MIGRATIONS[:2])
        + """;
        CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (2);
        INSERT INTO events VALUES (1, 'ep', 'a', NULL, x'7b7d', '{}', 0);
        INSERT INTO deliveries (id, event_id, endpoint, status, ordering_key, created_at,
            updated_at) VALUES (1, 1, 'ep', 'delivering', 'k', 0, 0);
    """
    )
    db.close()
    s = SqliteStore(path)  # a claim from before leases: no owner, no lease
    assert s.recover(T0) == 1
    assert [d.id for d in s.claim(T0, 10)] == [1]
    s.close()


def test_a_claim_walks_the_partial_indexes_not_the_finished_history(tmp_path) -> None:
    s = SqliteStore(tmp_path / "s.db")
    plans = [
        " ".join(r[3] for r in s._db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        for sql, args in [
            (
                "SELECT 1 FROM deliveries d WHERE d.status = 'pending'"
                " AND d.next_attempt_at <= :now AND " + _eligible() + " ORDER BY"
                " d.next_attempt_at, d.id LIMIT 5",
                {"now": T0},
            ),
        ]
    ]
    # Pending rows in due order, and for each only the unfinished rows of its chain.
    assert "SEARCH d USING INDEX deliveries_due" in plans[0]
    assert "SEARCH o USING INDEX deliveries_unfinished" in plans[0]
    s.close()


def _eligible() -> str:
    from dodo_transform.relay.sqlite_store import _ELIGIBLE

    return _ELIGIBLE


def test_a_version_4_store_switches_to_incremental_vacuum_and_keeps_inline_bodies(
    tmp_path: Path,
) -> None:
    from dodo_transform.relay.sqlite_store import MIGRATIONS

    path = tmp_path / "v4.db"
    db = sqlite3.connect(path)
    db.executescript(
        "".join(MIGRATIONS[:4])
        + """
        CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (4);
        INSERT INTO events VALUES (1, 'ep', 'a', NULL, x'7b7d', '{}', 0);
        INSERT INTO deliveries (id, event_id, endpoint, status, attempt_count, ordering_key,
            created_at, updated_at) VALUES (1, 1, 'ep', 'failed', 1, 'k', 0, 0);
        INSERT INTO attempts (delivery_id, n, started_at, request, duration_ms) VALUES
            (1, 1, 0, '{"method":"POST","url":"http://t/","body":"inline"}', 1);
    """
    )
    db.close()
    assert sqlite3.connect(path).execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    s = SqliteStore(path)
    assert s.schema_version() == SCHEMA_VERSION
    assert s._db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # INCREMENTAL, after a VACUUM
    assert s.attempts(1)[0].request == {"method": "POST", "url": "http://t/", "body": "inline"}
    assert s.prune(1.0) == 1  # and retention removes it like any other
    assert s.attempts(1) == []
    s.close()


def test_a_pruned_sqlite_file_gives_its_pages_back(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    s = SqliteStore(path)
    for i in range(50):
        d = ingest(s, f"m{i}").delivery_id
        s.claim(T0, 1)
        body = {"method": "POST", "url": "http://t/", "body": os.urandom(30_000).hex()}
        s.finish(d, "failed", now=T0, attempt=Attempt(d, 0, T0, body, 500, "", 1.0, None))
    s._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = path.stat().st_size
    while s.prune(T0 + 1):
        pass
    s._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size < full / 5  # the file itself shrank, not only its free list
    s.close()


def test_version_tells_of_commits_by_another_process_not_of_its_own(tmp_path: Path) -> None:
    # What wakes a worker when `serve --role ingest` writes beside it: data_version.
    worker, ingester = SqliteStore(tmp_path / "s.db"), SqliteStore(tmp_path / "s.db")
    try:
        seen = worker.version()
        ingest(worker, "own")
        assert worker.version() == seen  # its own commit: no wake-up
        ingest(ingester, "other")
        assert worker.version() != seen
    finally:
        worker.close()
        ingester.close()


def test_one_process_holds_the_delivery_lock_until_it_ends(tmp_path: Path) -> None:
    import subprocess
    import sys

    from dodo_transform.relay.sqlite_store import DeliveryLockHeld, hold_delivery

    path = tmp_path / "s.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from dodo_transform.relay.sqlite_store import hold_delivery\n"
            f"hold_delivery({str(path)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DeliveryLockHeld, match=f"pid {holder.pid}"):
            hold_delivery(path)
    finally:
        holder.kill()
        holder.wait(10)
    os.close(hold_delivery(path))  # the kernel released it with the process


def test_a_write_waits_for_another_processs_lock_and_gives_up_after_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from dodo_transform.relay import sqlite_store

    store = SqliteStore(tmp_path / "s.db")
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:  # another writer, holding the lock until told
        db = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        db.execute("COMMIT")
        db.close()

    other = threading.Thread(target=other_process)
    other.start()
    try:
        assert held.wait(10)
        monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT", 0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            ingest(store, "w1")
        monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT", 30.0)
        threading.Timer(0.3, release.set).start()
        assert not ingest(store, "w1").duplicate  # waited for the lock, then wrote
        # SQLite's own busy handler is back for every other statement.
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    finally:
        release.set()
        other.join(10)
        store.close()
