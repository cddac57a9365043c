"""The SQLite :class:`~dodo_transform.store.Store` (WAL; one connection, one thread).

Durability: the ingest commit, the one behind the 2xx we answer Dodo, runs with
``synchronous=FULL`` so an acknowledged event survives a power loss, not only a crash of the
process. Every other write uses ``NORMAL``: in WAL mode that survives a kill -9, and what a
power loss could undo there is a state change the worker redoes (at-least-once).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .store import STATUSES, Attempt, Delivery, Event, Ingested, Status, Store, dumps

# Each entry migrates from version i to i + 1; append, never edit a released one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        webhook_id TEXT NOT NULL,
        event_type TEXT,
        body BLOB NOT NULL,
        headers TEXT NOT NULL,
        received_at REAL NOT NULL,
        UNIQUE (endpoint, webhook_id)
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES events (id),
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt_count INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL,
        lease_until REAL,
        ordering_key TEXT NOT NULL,
        last_error TEXT,
        transform TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
    CREATE INDEX deliveries_order ON deliveries (ordering_key, id);
    CREATE INDEX deliveries_event ON deliveries (event_id);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
        n INTEGER NOT NULL,
        started_at REAL NOT NULL,
        request TEXT,
        status_code INTEGER,
        response_body TEXT,
        duration_ms REAL NOT NULL,
        error TEXT,
        UNIQUE (delivery_id, n)
    );
    """,
    # 2: attempt_count counts every attempt, also across replays; schedule_attempts those since
    # the last replay (the retry schedule's position). A replay used to reset attempt_count,
    # which is exactly the schedule position: carry it over, and recount the attempts.
    """
    ALTER TABLE deliveries ADD COLUMN schedule_attempts INTEGER NOT NULL DEFAULT 0;
    UPDATE deliveries SET schedule_attempts = attempt_count,
        attempt_count = (SELECT COUNT(*) FROM attempts a WHERE a.delivery_id = deliveries.id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
# deliveries.lease_until (version 1) is no longer written nor read: one process owns the store
# and every `delivering` row it finds on start-up belongs to a dead process (see recover()).

# Claimable: pending, due, and the oldest unfinished delivery of its ordering key.
_ELIGIBLE = """
    d.status = 'pending' AND NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.ordering_key = d.ordering_key AND o.id < d.id
          AND o.status IN ('pending', 'delivering'))
"""
_DELIVERY_COLS = (
    "id, event_id, endpoint, status, attempt_count, next_attempt_at, ordering_key, last_error, "
    "transform, created_at, updated_at, schedule_attempts"
)


class SqliteStore(Store):
    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open (creating and migrating) the store; ``readonly=True`` opens an existing file
        read-only, never migrating nor writing it, and refuses another schema version
        (:class:`RuntimeError`, one line)."""
        self.path = Path(path)
        if readonly:
            uri = f"file:{quote(str(self.path.absolute()))}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            try:
                self._check_version()
            except BaseException:
                self._db.close()
                raise
            return
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def _check_version(self) -> None:
        try:
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
        except sqlite3.DatabaseError as e:
            raise RuntimeError(f"{self.path}: not a dodo-transform store ({e})") from None
        current = int(row[0]) if row else 0
        if current != SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path}: schema version {current}, this dodo-transform reads "
                f"{SCHEMA_VERSION}; run the matching dodo-transform"
                + (" (`serve` migrates it)" if current < SCHEMA_VERSION else "")
            )

    def migrate(self) -> None:
        with self._tx():
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                self._db.execute("INSERT INTO schema_version VALUES (0)")
            current = row[0] if row else 0
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path}: schema version {current} is newer than this dodo-transform "
                    f"({SCHEMA_VERSION}); upgrade dodo-transform"
                )
            for sql in MIGRATIONS[current:]:
                for statement in filter(str.strip, sql.split(";")):
                    self._db.execute(statement)
            self._db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def _tx(self) -> _Tx:
        return _Tx(self._db)

    def ingest(
        self,
        endpoint: str,
        webhook_id: str,
        event_type: str | None,
        body: bytes,
        headers: Mapping[str, str],
        ordering_key: str,
        filtered: bool,
        now: float,
    ) -> Ingested:
        existing = self._existing(endpoint, webhook_id)
        if existing:
            return existing
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            with self._tx():
                cur = self._db.execute(
                    "INSERT INTO events (endpoint, webhook_id, event_type, body, headers,"
                    " received_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (endpoint, webhook_id) DO NOTHING",
                    (endpoint, webhook_id, event_type, body, dumps(dict(headers)), now),
                )
                if cur.rowcount == 0:
                    return self._existing(endpoint, webhook_id)  # type: ignore[return-value]
                status: Status = "filtered" if filtered else "pending"
                cur = self._db.execute(
                    "INSERT INTO deliveries (event_id, endpoint, status, next_attempt_at,"
                    " ordering_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        cur.lastrowid,
                        endpoint,
                        status,
                        None if filtered else now,
                        ordering_key,
                        now,
                        now,
                    ),
                )
                return Ingested(int(cur.lastrowid or 0), status, duplicate=False)
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def _existing(self, endpoint: str, webhook_id: str) -> Ingested | None:
        row = self._db.execute(
            "SELECT d.id, d.status FROM events e JOIN deliveries d ON d.event_id = e.id"
            " WHERE e.endpoint = ? AND e.webhook_id = ? ORDER BY d.id LIMIT 1",
            (endpoint, webhook_id),
        ).fetchone()
        return Ingested(row[0], _status(row[1]), duplicate=True) if row else None

    def recover(self, now: float) -> int:
        with self._tx():
            cur = self._db.execute(
                "UPDATE deliveries SET status = 'pending', updated_at = ?,"
                " next_attempt_at = MIN(COALESCE(next_attempt_at, ?), ?)"
                " WHERE status = 'delivering'",
                (now, now, now),
            )
            return cur.rowcount

    def claim(self, now: float, limit: int) -> list[Delivery]:
        with self._tx():
            rows = self._db.execute(
                f"SELECT {_DELIVERY_COLS} FROM deliveries d WHERE {_ELIGIBLE}"
                " AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
                (now, limit),
            ).fetchall()
            self._db.executemany(
                "UPDATE deliveries SET status = 'delivering', updated_at = ? WHERE id = ?",
                [(now, r[0]) for r in rows],
            )
        return [_delivery(r, status="delivering") for r in rows]

    def next_due(self) -> float | None:
        row = self._db.execute(
            f"SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE {_ELIGIBLE}"
        ).fetchone()
        return row[0] if row else None

    def get_event(self, event_id: int) -> Event | None:
        r = self._db.execute(
            "SELECT id, endpoint, webhook_id, event_type, body, headers, received_at"
            " FROM events WHERE id = ?",
            (event_id,),
        ).fetchone()
        if r is None:
            return None
        return Event(r[0], r[1], r[2], r[3], bytes(r[4]), json.loads(r[5]), r[6])

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        r = self._db.execute(
            f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
        return _delivery(r) if r else None

    def attempts(self, delivery_id: int) -> list[Attempt]:
        rows = self._db.execute(
            "SELECT delivery_id, n, started_at, request, status_code, response_body,"
            " duration_ms, error FROM attempts WHERE delivery_id = ? ORDER BY n",
            (delivery_id,),
        ).fetchall()
        return [
            Attempt(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, r[4], r[5], r[6], r[7])
            for r in rows
        ]

    def list_deliveries(
        self, status: str | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        rows = self._db.execute(
            f"SELECT {_DELIVERY_COLS} FROM deliveries"
            " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR endpoint = ?2)"
            " ORDER BY id DESC LIMIT ?3",
            (status, endpoint, limit),
        ).fetchall()
        return [_delivery(r) for r in rows]

    def finish(
        self,
        delivery_id: int,
        status: str,
        *,
        now: float,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> None:
        with self._tx():
            if attempt is not None:
                self._db.execute(
                    "INSERT INTO attempts (delivery_id, n, started_at, request, status_code,"
                    " response_body, duration_ms, error) VALUES (?, (SELECT COALESCE(MAX(n), 0)"
                    " + 1 FROM attempts WHERE delivery_id = ?), ?, ?, ?, ?, ?, ?)",
                    (
                        delivery_id,
                        delivery_id,
                        attempt.started_at,
                        dumps(attempt.request) if attempt.request is not None else None,
                        attempt.status_code,
                        attempt.response_body,
                        attempt.duration_ms,
                        attempt.error,
                    ),
                )
            self._db.execute(
                "UPDATE deliveries SET status = :status, next_attempt_at = :next,"
                " last_error = :error, transform = COALESCE(:transform, transform),"
                " updated_at = :now, attempt_count = attempt_count + :n,"
                " schedule_attempts = schedule_attempts + :n WHERE id = :id",
                {
                    "status": status,
                    "next": next_attempt_at,
                    "error": last_error,
                    "transform": dumps(dict(transform)) if transform is not None else None,
                    "now": now,
                    "n": 1 if attempt is not None else 0,
                    "id": delivery_id,
                },
            )

    def replay(self, delivery_id: int, now: float) -> Delivery | None:
        with self._tx():
            self._db.execute(
                # attempt_count keeps counting (it is history); the schedule starts afresh.
                "UPDATE deliveries SET status = 'pending', schedule_attempts = 0,"
                " next_attempt_at = ?, last_error = NULL, updated_at = ?"
                " WHERE id = ? AND status != 'delivering'",
                (now, now, delivery_id),
            )
        return self.get_delivery(delivery_id)

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {status: n for status, n in rows}

    def close(self) -> None:
        self._db.close()


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _status(value: object) -> Status:
    if value not in STATUSES:
        raise RuntimeError(f"the store holds an unknown delivery status {value!r}")
    return value


def _delivery(r: tuple[Any, ...], status: Status | None = None) -> Delivery:
    return Delivery(
        id=r[0],
        event_id=r[1],
        endpoint=r[2],
        status=status or _status(r[3]),
        attempt_count=r[4],
        next_attempt_at=r[5],
        ordering_key=r[6],
        last_error=r[7],
        transform=json.loads(r[8]) if r[8] else None,
        created_at=r[9],
        updated_at=r[10],
        schedule_attempts=r[11],
    )
