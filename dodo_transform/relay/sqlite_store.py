"""The SQLite :class:`~dodo_transform.store.Store` (WAL; one connection, one thread).

Embedded: one ``serve`` process delivers from the file (it holds :func:`hold_delivery`'s
lock, so a second cannot), and every claim belongs to
:data:`~dodo_transform.relay.store.LOCAL_OWNER`, so a restart after a crash takes back at once
what the dead process had in flight. Leases are kept all the same (one API for every store).
Processes that only receive (``serve --role ingest``) may write to the file beside it: the
worker learns of their commits from SQLite's ``data_version`` (:meth:`SqliteStore.version`).

Durability: the ingest commit, the one behind the 2xx we answer Dodo, runs with
``synchronous=FULL`` so an acknowledged event survives a power loss, not only a crash of the
process. Every other write uses ``NORMAL``: in WAL mode that survives a kill -9, and what a
power loss could undo there is a state change the worker redoes (at-least-once).
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .store import (
    BULK_REPLAYS_KEPT,
    DEFAULT_LEASE,
    FINISHED,
    LOCAL_OWNER,
    PRUNE_BATCH,
    STATUSES,
    Attempt,
    BulkReplayed,
    Delivery,
    DeliveryQuery,
    EndpointState,
    EndpointStats,
    Event,
    Ingested,
    Listed,
    NewEvent,
    Outcome,
    Recorded,
    Status,
    Store,
    customer_key,
    dumps,
    kept_bulk_replay,
    pack_request,
    storable_event,
    storable_outcome,
    storable_query,
    unpack_request,
)

log = logging.getLogger("dodo_transform.sqlite")
# Waiting for another process's write lock (a worker's record beside an ingest process):
# polled from this often, doubling up to the max, for at most BUSY_TIMEOUT s. SQLite's own
# busy handler sleeps blindly, 1, 2, 5, 10... up to 100 ms at a time, and a writer that takes
# the lock again a moment after it let go (the worker, recording batch after batch) can keep
# it from the waiter for as long: ingest commits waited over 100 ms behind the worker that way.
_LOCK_POLL_FIRST, _LOCK_POLL_MAX = 0.0002, 0.002
BUSY_TIMEOUT = 30.0
_SQLITE_BUSY = 5  # sqlite3.h; the module's constant is missing from the type stubs

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
    # 3: the operator's views: endpoints' failure streaks and disabled flags; lists by time and
    # by event type; an endpoint's recent attempts.
    """
    CREATE TABLE endpoint_state (
        endpoint TEXT PRIMARY KEY,
        failing_since REAL,
        disabled_at REAL
    );
    CREATE INDEX deliveries_created ON deliveries (created_at);
    CREATE INDEX events_type ON events (event_type);
    CREATE INDEX attempts_started ON attempts (started_at);
    """,
    # 4: claims under a lease (lease_until, from version 1, is written again, with its owner),
    # and partial indexes over the unfinished rows only: a claim used to step over every
    # finished delivery of a customer to find the unfinished one ahead of it.
    """
    ALTER TABLE deliveries ADD COLUMN owner TEXT;
    CREATE INDEX deliveries_unfinished ON deliveries (ordering_key, id)
        WHERE status IN ('pending', 'delivering');
    CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'delivering';
    """,
    # 5: bounded storage. An attempt's request body is kept once per distinct text (the
    # attempts of a retried delivery share it), compressed, and cut at
    # `max_stored_body_bytes` by the worker; older attempts keep theirs inline. The index
    # lets retention find the bodies no attempt refers to any more.
    """
    CREATE TABLE request_bodies (
        key TEXT PRIMARY KEY,
        stored BLOB NOT NULL
    );
    ALTER TABLE attempts ADD COLUMN body_key TEXT REFERENCES request_bodies (key);
    CREATE INDEX attempts_body ON attempts (body_key) WHERE body_key IS NOT NULL;
    """,
    # 6: the deliveries in flight, by ordering key: whether one of a chain is in flight was
    # answered by stepping over every unfinished delivery of the chain, for each hand-off and
    # claim (a customer's burst of thousands made each link of it slower than the last).
    """
    CREATE INDEX deliveries_in_flight ON deliveries (ordering_key) WHERE status = 'delivering';
    """,
    # 7: bulk replays, kept where every process sees them: their progress was held in the
    # memory of the process that started them, which may not be the one delivering (a
    # `--role ingest` process), and it ended with that process.
    """
    CREATE TABLE bulk_replays (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        query TEXT NOT NULL,
        replayed TEXT NOT NULL,
        refused TEXT NOT NULL,
        settled TEXT
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# Claimable (with d pending and due, or delivering under an expired lease): the oldest
# unfinished delivery of its ordering key, and no other of the key in flight under a live
# lease. Each `o.status` term is a partial index's own condition, so SQLite uses that index.
_ELIGIBLE = """
    NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.ordering_key = d.ordering_key AND o.status IN ('pending', 'delivering')
          AND o.id < d.id)
    AND NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.ordering_key = d.ordering_key AND o.status = 'delivering'
          AND o.id != d.id AND o.lease_until > :now)
    AND d.endpoint NOT IN (
        SELECT endpoint FROM endpoint_state WHERE disabled_at IS NOT NULL)
"""
# The filters of a DeliveryQuery, over deliveries d joined with their events e.
_MATCHES = """
    (:status IS NULL OR d.status = :status)
    AND (:endpoint IS NULL OR d.endpoint = :endpoint)
    AND (:event_type IS NULL OR e.event_type = :event_type)
    AND (:since IS NULL OR d.created_at >= :since)
    AND (:until IS NULL OR d.created_at < :until)
    AND (:customer IS NULL OR d.ordering_key = d.endpoint || :customer)
    AND (:before IS NULL OR d.id < :before)
"""
_DELIVERY_COLS = (
    "id, event_id, endpoint, status, attempt_count, next_attempt_at, ordering_key, last_error, "
    "transform, created_at, updated_at, schedule_attempts"
)


class DeliveryLockHeld(Exception):
    """Another process delivers from this SQLite file."""


def hold_delivery(path: str | Path) -> int:
    """Make this process the one that delivers from the SQLite file at ``path``, for as long
    as it lives (the returned descriptor, left open, holds the lock; the kernel releases it
    when the process ends, however it ends). Two delivering processes on one file would
    each take the other's deliveries in flight back (:meth:`SqliteStore.recover`), so the
    second is refused: :class:`DeliveryLockHeld`, saying which process holds the file."""
    fd = os.open(_delivery_lock(path), os.O_RDWR | os.O_CREAT, 0o600)
    # An ingest process's look (delivering_process) holds it for a moment: try for ~1.5 s.
    for wait in (0.05, 0.1, 0.2, 0.4, 0.8, None):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if wait is None:
                holder = _holder(fd)
                os.close(fd)
                raise DeliveryLockHeld(holder) from None
            time.sleep(wait)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}".encode())
    return fd


def delivering_process(path: str | Path) -> str | None:
    """Which process delivers from the SQLite file at ``path`` ("pid 1234"), or None if
    none does (an ingest process alone stores webhooks that wait)."""
    lock = _delivery_lock(path)
    if not lock.exists():
        return None
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:  # another user's lock file: someone delivers, for all this one can tell
        return "another process"
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _delivery_lock(path: str | Path) -> Path:
    return Path(f"{path}.delivery-lock")


def _holder(fd: int) -> str:
    return os.pread(fd, 100, 0).decode("utf-8", "replace").strip() or "another process"


class SqliteStore(Store):
    # A locked file (another process's long write), a full or failing disk.
    unavailable = (*Store.unavailable, sqlite3.OperationalError)

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open (creating and migrating) the store; ``readonly=True`` opens an existing file
        read-only, never migrating nor writing it, and refuses another schema version
        (:class:`RuntimeError`, one line)."""
        self.path = Path(path)
        if readonly:
            uri = f"file:{quote(str(self.path.absolute()))}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
            try:
                self._check_version()
            except BaseException:
                self._db.close()
                raise
            return
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=BUSY_TIMEOUT)
        # Pages freed by retention go back to the file system (prune() runs
        # `incremental_vacuum`); this holds only when set before the first table is made.
        self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self.migrate()
        self._switch_to_incremental_vacuum()

    def _switch_to_incremental_vacuum(self) -> None:
        """A file made before auto-vacuum was set keeps its mode until rewritten: VACUUM it
        once (it needs about the file's size again in free disk, for a moment)."""
        if self._db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:  # 2: INCREMENTAL
            return
        log.warning(
            "%s: rewriting the file once (VACUUM) so that retention can shrink it", self.path
        )
        self._db.execute("VACUUM")

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

    def version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def _tx(self) -> _Tx:
        return _Tx(self._db)

    def ingest_many(self, events: Sequence[NewEvent]) -> list[Ingested]:
        # The one commit behind the 2xx: FULL makes it survive a power loss (see above).
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            with self._tx():
                return [self._ingest_one(e) for e in events]
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def _ingest_one(self, e: NewEvent) -> Ingested:
        e = storable_event(e)
        cur = self._db.execute(
            "INSERT INTO events (endpoint, webhook_id, event_type, body, headers,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (endpoint, webhook_id) DO NOTHING",
            (e.endpoint, e.webhook_id, e.event_type, e.body, dumps(dict(e.headers)), e.received_at),
        )
        if cur.rowcount == 0:
            row = self._db.execute(
                "SELECT d.id, d.status FROM events e JOIN deliveries d ON d.event_id = e.id"
                " WHERE e.endpoint = ? AND e.webhook_id = ? ORDER BY d.id LIMIT 1",
                (e.endpoint, e.webhook_id),
            ).fetchone()
            return Ingested(row[0], _status(row[1]), duplicate=True)
        status: Status = "filtered" if e.filtered else "pending"
        cur = self._db.execute(
            "INSERT INTO deliveries (event_id, endpoint, status, next_attempt_at,"
            " ordering_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                cur.lastrowid,
                e.endpoint,
                status,
                None if e.filtered else e.received_at,
                e.ordering_key,
                e.received_at,
                e.received_at,
            ),
        )
        return Ingested(int(cur.lastrowid or 0), status, duplicate=False)

    def recover(self, now: float, owner: str = LOCAL_OWNER) -> int:
        with self._tx():
            cur = self._db.execute(
                "UPDATE deliveries SET status = 'pending', updated_at = :now, owner = NULL,"
                " lease_until = NULL, next_attempt_at = MIN(COALESCE(next_attempt_at, :now), :now)"
                " WHERE status = 'delivering'"
                " AND (owner = :owner OR owner IS NULL OR lease_until <= :now)",
                {"now": now, "owner": owner},
            )
            return cur.rowcount

    def claim(
        self,
        now: float,
        limit: int,
        *,
        owner: str = LOCAL_OWNER,
        lease: float = DEFAULT_LEASE,
        skip: Collection[str] = (),
    ) -> list[Delivery]:
        with self._tx():
            # Endpoints at their share of the claiming worker's slots.
            skipped = {f"skip{i}": name for i, name in enumerate(sorted(skip))}
            not_skipped = f"d.endpoint NOT IN ({', '.join(':' + k for k in skipped)})"
            args = {"now": now, "limit": limit, **skipped}
            # Deliveries whose owner died first (they are the oldest of their chains), then
            # the due ones, earliest first.
            rows = self._db.execute(
                f"SELECT {_DELIVERY_COLS} FROM deliveries d WHERE d.status = 'delivering'"
                f" AND d.lease_until <= :now AND {_ELIGIBLE} AND {not_skipped}"
                " ORDER BY d.id LIMIT :limit",
                args,
            ).fetchall()
            if len(rows) < limit:
                rows += self._db.execute(
                    f"SELECT {_DELIVERY_COLS} FROM deliveries d WHERE d.status = 'pending'"
                    f" AND d.next_attempt_at <= :now AND {_ELIGIBLE} AND {not_skipped}"
                    " ORDER BY d.next_attempt_at, d.id LIMIT :limit",
                    {**args, "limit": limit - len(rows)},
                ).fetchall()
            self._lease([r[0] for r in rows], now, owner, lease)
        return [_delivery(r, status="delivering") for r in rows]

    def _lease(self, ids: list[int], now: float, owner: str, lease: float) -> None:
        self._db.executemany(
            "UPDATE deliveries SET status = 'delivering', owner = ?, lease_until = ?,"
            " updated_at = ? WHERE id = ?",
            [(owner, now + lease, now, i) for i in ids],
        )

    def renew(self, now: float, ids: Sequence[int], *, owner: str, lease: float) -> set[int]:
        renewed: set[int] = set()
        with self._tx():  # the write lock: what is read is what is updated
            for i in range(0, len(ids), 500):
                chunk = list(ids[i : i + 500])
                held = (
                    f"status = 'delivering' AND owner = ? AND id IN ({','.join('?' * len(chunk))})"
                )
                rows = self._db.execute(f"SELECT id FROM deliveries WHERE {held}", [owner, *chunk])
                renewed.update(row[0] for row in rows)
                self._db.execute(
                    f"UPDATE deliveries SET lease_until = ? WHERE {held}",
                    [now + lease, owner, *chunk],
                )
        return renewed

    def next_due(self) -> float | None:
        # The first eligible pending delivery in due order (the scan stops there), or the
        # earliest lease to run out, whichever comes first.
        now = -math.inf  # every lease is "live" here: what runs out is counted separately
        row = self._db.execute(
            f"SELECT d.next_attempt_at FROM deliveries d WHERE d.status = 'pending'"
            f" AND {_ELIGIBLE} ORDER BY d.next_attempt_at, d.id LIMIT 1",
            {"now": now},
        ).fetchone()
        lease = self._db.execute(
            "SELECT MIN(lease_until) FROM deliveries WHERE status = 'delivering'"
        ).fetchone()
        times = [t for t in (row[0] if row else None, lease[0]) if t is not None]
        return min(times) if times else None

    def get_event(self, event_id: int) -> Event | None:
        return self.get_events([event_id]).get(event_id)

    def get_events(self, event_ids: Sequence[int]) -> dict[int, Event]:
        out: dict[int, Event] = {}
        ids = list(event_ids)
        for i in range(0, len(ids), 500):  # SQLite's bound-parameter limit is 999 on old builds
            chunk = ids[i : i + 500]
            rows = self._db.execute(
                "SELECT id, endpoint, webhook_id, event_type, body, headers, received_at"
                f" FROM events WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for r in rows:
                out[r[0]] = Event(r[0], r[1], r[2], r[3], bytes(r[4]), json.loads(r[5]), r[6])
        return out

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        r = self._db.execute(
            f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
        return _delivery(r) if r else None

    def attempts(
        self, delivery_id: int, *, limit: int | None = None, before: int | None = None
    ) -> list[Attempt]:
        rows = self._db.execute(
            "SELECT a.delivery_id, a.n, a.started_at, a.request, b.stored, a.status_code,"
            " a.response_body, a.duration_ms, a.error FROM attempts a"
            " LEFT JOIN request_bodies b ON b.key = a.body_key"
            " WHERE a.delivery_id = ? AND (? IS NULL OR a.n < ?) ORDER BY a.n DESC LIMIT ?",
            (delivery_id, before, before, -1 if limit is None else limit),
        ).fetchall()
        rows.reverse()
        return [
            Attempt(r[0], r[1], r[2], unpack_request(r[3], r[4]), r[5], r[6], r[7], r[8])
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

    def finish_many(
        self,
        outcomes: Sequence[Outcome],
        *,
        handoff: bool = False,
        lease: float = DEFAULT_LEASE,
        at: float | None = None,
    ) -> Recorded:
        nothing: tuple[Delivery | None, Delivery | None] = (None, None)
        with self._tx():
            applied = [self._finish_one(o) for o in outcomes]
            pairs = [
                self._handoff(o, lease, o.now if at is None else at)
                if handoff and ok and o.status != "pending"
                else nothing
                for o, ok in zip(outcomes, applied, strict=True)
            ]
        handed, following = [p[0] for p in pairs], [p[1] for p in pairs]
        read = [d.event_id for d in handed + following if d is not None]
        return Recorded(applied, handed, self.get_events(read) if read else {}, following)

    def _finish_one(self, o: Outcome) -> bool:
        o = storable_outcome(o)
        if o.attempt is not None:
            a = o.attempt
            packed = pack_request(a.request)
            if packed.key is not None:
                self._db.execute(
                    "INSERT INTO request_bodies (key, stored) VALUES (?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (packed.key, packed.stored),
                )
            self._db.execute(
                "INSERT INTO attempts (delivery_id, n, started_at, request, body_key,"
                " status_code, response_body, duration_ms, error) VALUES (?, (SELECT"
                " COALESCE(MAX(n), 0) + 1 FROM attempts WHERE delivery_id = ?), ?, ?, ?, ?,"
                " ?, ?, ?)",
                (
                    o.delivery_id,
                    o.delivery_id,
                    a.started_at,
                    packed.record,
                    packed.key,
                    a.status_code,
                    a.response_body,
                    a.duration_ms,
                    a.error,
                ),
            )
        n = 1 if o.attempt is not None else 0
        cur = self._db.execute(
            "UPDATE deliveries SET status = :status, next_attempt_at = :next,"
            " last_error = :error, transform = COALESCE(:transform, transform),"
            " updated_at = :now, attempt_count = attempt_count + :n,"
            " schedule_attempts = schedule_attempts + :n, owner = NULL, lease_until = NULL"
            " WHERE id = :id AND status = 'delivering' AND owner = :owner",
            {
                "status": o.status,
                "next": o.next_attempt_at,
                "error": o.last_error,
                "transform": dumps(dict(o.transform)) if o.transform is not None else None,
                "now": o.now,
                "n": n,
                "id": o.delivery_id,
                "owner": o.owner,
            },
        )
        if cur.rowcount:
            return True
        # The lease went to another instance meanwhile: the attempt stays in the history,
        # the state is theirs to record.
        if n:
            self._db.execute(
                "UPDATE deliveries SET attempt_count = attempt_count + 1 WHERE id = ?",
                (o.delivery_id,),
            )
        return False

    def _handoff(
        self, o: Outcome, lease: float, now: float
    ) -> tuple[Delivery | None, Delivery | None]:
        """The chain's next delivery, claimed, and the one after it, if due: not claimed."""
        key = self._db.execute(
            "SELECT ordering_key FROM deliveries WHERE id = ?", (o.delivery_id,)
        ).fetchone()
        # The chain's two oldest unfinished deliveries (the partial index's condition, spelled
        # out so SQLite walks that index).
        rows = self._db.execute(
            f"SELECT {_DELIVERY_COLS} FROM deliveries d WHERE d.ordering_key = :key"
            " AND d.status IN ('pending', 'delivering') ORDER BY d.id LIMIT 2",
            {"key": key[0]},
        ).fetchall()
        if not rows or rows[0][3] != "pending" or rows[0][5] > now:
            return None, None
        row = rows[0]
        if self._db.execute(
            "SELECT 1 FROM deliveries WHERE ordering_key = ? AND status = 'delivering' LIMIT 1",
            (key[0],),
        ).fetchone():
            return None, None  # another of the chain is in flight (a replayed older one)
        if self._db.execute(
            "SELECT 1 FROM endpoint_state WHERE endpoint = ? AND disabled_at IS NOT NULL",
            (row[2],),
        ).fetchone():
            return None, None  # the endpoint was disabled: its deliveries wait
        self._lease([row[0]], now, o.owner, lease)
        after = rows[1] if len(rows) > 1 and rows[1][5] is not None and rows[1][5] <= now else None
        return _delivery(row, status="delivering"), _delivery(after) if after else None

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

    def search(self, query: DeliveryQuery, limit: int = 100) -> list[Listed]:
        cols = ", ".join(f"d.{c.strip()}" for c in _DELIVERY_COLS.split(","))
        rows = self._db.execute(
            f"SELECT {cols}, e.webhook_id, e.event_type, (SELECT a.status_code FROM attempts a"
            " WHERE a.delivery_id = d.id ORDER BY a.n DESC LIMIT 1)"
            f" FROM deliveries d JOIN events e ON e.id = d.event_id WHERE {_MATCHES}"
            " ORDER BY d.id DESC LIMIT :limit",
            {**_params(query), "limit": limit},
        ).fetchall()
        return [Listed(_delivery(r[:12]), r[12], r[13], r[14]) for r in rows]

    def count(self, query: DeliveryQuery) -> int:
        row = self._db.execute(
            f"SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id"
            f" WHERE {_MATCHES}",
            _params(query),
        ).fetchone()
        return int(row[0])

    def cancel(self, delivery_id: int, now: float) -> Delivery | None:
        with self._tx():
            self._db.execute(
                "UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL,"
                " last_error = 'cancelled by an operator', updated_at = ?"
                " WHERE id = ? AND status = 'pending'",
                (now, delivery_id),
            )
        return self.get_delivery(delivery_id)

    def endpoint_stats(self, since: float) -> dict[str, EndpointStats]:
        out: dict[str, dict[str, Any]] = {}
        for endpoint, n, ok, mean, top in self._db.execute(
            "SELECT d.endpoint, COUNT(*), SUM(a.status_code BETWEEN 200 AND 299),"
            " AVG(a.duration_ms), MAX(a.duration_ms) FROM attempts a"
            " JOIN deliveries d ON d.id = a.delivery_id WHERE a.started_at >= ?"
            " GROUP BY d.endpoint",
            (since,),
        ):
            out[endpoint] = {"attempts": n, "succeeded": ok or 0, "mean_ms": mean, "max_ms": top}
        for endpoint, error, status, at in self._db.execute(
            # Each endpoint's latest failed attempt since `since` (the index on started_at
            # bounds the scan: a scrape of /metrics reads no history).
            "SELECT d.endpoint, a.error, a.status_code, a.started_at FROM attempts a"
            " JOIN deliveries d ON d.id = a.delivery_id WHERE a.id IN (SELECT MAX(a2.id)"
            " FROM attempts a2 JOIN deliveries d2 ON d2.id = a2.delivery_id"
            " WHERE a2.started_at >= ?"
            " AND (a2.status_code IS NULL OR a2.status_code NOT BETWEEN 200 AND 299)"
            " GROUP BY d2.endpoint)",
            (since,),
        ):
            text = error or f"HTTP {status}"
            out.setdefault(endpoint, {}).update(last_error=text, last_error_at=at)
        for endpoint, queued, oldest in self._db.execute(
            "SELECT endpoint, COUNT(*), MIN(created_at) FROM deliveries"
            " WHERE status IN ('pending', 'delivering') GROUP BY endpoint"
        ):
            out.setdefault(endpoint, {}).update(queued=queued, oldest_queued_at=oldest)
        return {endpoint: EndpointStats(**values) for endpoint, values in out.items()}

    def endpoint_states(self) -> dict[str, EndpointState]:
        rows = self._db.execute("SELECT endpoint, failing_since, disabled_at FROM endpoint_state")
        return {r[0]: EndpointState(r[1], r[2]) for r in rows}

    def update_endpoint_state(
        self, endpoint: str, change: Callable[[EndpointState], EndpointState]
    ) -> tuple[EndpointState, EndpointState]:
        with self._tx():  # BEGIN IMMEDIATE: the write lock, so the read cannot go stale
            row = self._db.execute(
                "SELECT failing_since, disabled_at FROM endpoint_state WHERE endpoint = ?",
                (endpoint,),
            ).fetchone()
            old = EndpointState(*row) if row else EndpointState()
            new = change(old)
            if new == old:
                pass
            elif new == EndpointState():
                self._db.execute("DELETE FROM endpoint_state WHERE endpoint = ?", (endpoint,))
            else:
                self._db.execute(
                    "INSERT INTO endpoint_state (endpoint, failing_since, disabled_at)"
                    " VALUES (?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                    " failing_since = excluded.failing_since, disabled_at = excluded.disabled_at",
                    (endpoint, new.failing_since, new.disabled_at),
                )
        return old, new

    def add_bulk_replay(
        self,
        started_at: float,
        query: Mapping[str, Any],
        replayed: Sequence[int],
        refused: Mapping[int, str],
    ) -> int:
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO bulk_replays (started_at, query, replayed, refused)"
                " VALUES (?, ?, ?, ?)",
                (started_at, dumps(dict(query)), dumps(list(replayed)), dumps(dict(refused))),
            )
            self._db.execute(
                "DELETE FROM bulk_replays WHERE id NOT IN"
                " (SELECT id FROM bulk_replays ORDER BY id DESC LIMIT ?)",
                (BULK_REPLAYS_KEPT,),
            )
        return int(cur.lastrowid or 0)

    # A replayed delivery is found by id, and received before the replay started: SQLite
    # gives a deleted row's id again when it was the highest, so once retention has removed
    # the newest deliveries a new one could otherwise pass for a replayed one. (One machine,
    # one clock: every process on an SQLite file shares it.) json_each: a replay holds up to
    # 10,000 ids, more than SQLite's bound parameters.
    _REPLAYED = (
        "FROM json_each(:ids) j JOIN deliveries d ON d.id = j.value WHERE d.created_at <= :started"
    )

    def bulk_replay_ids(self) -> list[int]:
        rows = self._db.execute("SELECT id FROM bulk_replays ORDER BY id DESC")
        return [r[0] for r in rows]

    def bulk_replay(self, bulk_id: int, *, each: bool = True) -> BulkReplayed | None:
        r = self._db.execute(
            "SELECT id, started_at, query, replayed, refused, settled FROM bulk_replays"
            " WHERE id = ?",
            (bulk_id,),
        ).fetchone()
        if r is None:
            return None
        replayed: list[int] = json.loads(r[3])
        params = {"ids": r[3], "started": r[1]}
        found: dict[Status, int] | None = None
        statuses: dict[int, Status | None] | None = None
        if each:
            statuses = dict.fromkeys(replayed)
            for delivery_id, status in self._db.execute(
                f"SELECT d.id, d.status {self._REPLAYED}", params
            ):
                statuses[delivery_id] = _status(status)
        elif r[5] is None:  # not settled: counted now
            rows = self._db.execute(
                f"SELECT d.status, COUNT(*) {self._REPLAYED} GROUP BY d.status", params
            )
            found = {_status(s): n for s, n in rows}
        return kept_bulk_replay(
            r[0], r[1], r[2], replayed, r[4], r[5], found=found, statuses=statuses
        )

    def settle_bulk_replay(self, bulk_id: int, by_status: Mapping[str, int]) -> None:
        with self._tx():
            self._db.execute(
                "UPDATE bulk_replays SET settled = ? WHERE id = ? AND settled IS NULL",
                (dumps(dict(by_status)), bulk_id),
            )

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {status: n for status, n in rows}

    def ping(self) -> None:
        self._db.execute("SELECT 1").fetchone()

    def prune(self, before: float, limit: int = PRUNE_BATCH) -> int:
        finished = sorted(FINISHED)
        marks = ",".join("?" * len(finished))
        limit = min(limit, 500)  # the ids become bound parameters (999 on old builds)
        with self._tx():
            # created_at <= updated_at: the index on created_at narrows the scan.
            rows = self._db.execute(
                "SELECT id, event_id FROM deliveries WHERE created_at < ? AND updated_at < ?"
                f" AND status IN ({marks}) ORDER BY created_at LIMIT ?",
                (before, before, *finished, limit),
            ).fetchall()
            if not rows:
                return 0
            ids = [r[0] for r in rows]
            id_marks = ",".join("?" * len(ids))
            keys = [
                k
                for (k,) in self._db.execute(
                    f"SELECT DISTINCT body_key FROM attempts WHERE delivery_id IN ({id_marks})"
                    " AND body_key IS NOT NULL",
                    ids,
                )
            ]
            self._db.execute(f"DELETE FROM attempts WHERE delivery_id IN ({id_marks})", ids)
            self._db.execute(f"DELETE FROM deliveries WHERE id IN ({id_marks})", ids)
            events = sorted({r[1] for r in rows})
            self._db.execute(
                f"DELETE FROM events WHERE id IN ({','.join('?' * len(events))}) AND NOT EXISTS"
                " (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)",
                events,
            )
            if keys:
                self._db.execute(
                    f"DELETE FROM request_bodies WHERE key IN ({','.join('?' * len(keys))})"
                    " AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.body_key ="
                    " request_bodies.key)",
                    keys,
                )
        # Give the freed pages back to the file system; a batch frees few, so this is short.
        # executescript steps the pragma to its end (execute() frees a single page).
        self._db.executescript("PRAGMA incremental_vacuum;")
        return len(ids)

    def damage(self) -> str | None:
        """What ``PRAGMA quick_check`` finds wrong with the file (its first finding), or None
        when the file is sound. It reads every page (0.16 s for 205 MB in the page cache)."""
        try:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as e:
            return str(e)
        findings = [str(r[0]) for r in rows if r[0] != "ok"]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return f"{findings[0]}{more}" if findings else None

    def close(self) -> None:
        self._db.close()


def is_damage(e: sqlite3.Error) -> bool:
    """Whether ``e`` says the file is damaged or not a database at all (not, say, a path
    that cannot be opened, which is an ``OperationalError``)."""
    name = getattr(e, "sqlite_errorname", None)  # Python 3.11+
    if name is not None:
        return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
    return type(e) is sqlite3.DatabaseError


def _busy(e: sqlite3.OperationalError) -> bool:
    """Whether ``e`` says another connection holds the lock (SQLITE_BUSY and its variants)."""
    code = getattr(e, "sqlite_errorcode", None)  # Python 3.11+
    return (code & 0xFF) == _SQLITE_BUSY if code is not None else "locked" in str(e)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        db = self._db
        db.execute("PRAGMA busy_timeout = 0")  # this wait is polled here, not by SQLite
        try:
            wait, deadline = _LOCK_POLL_FIRST, time.monotonic() + BUSY_TIMEOUT
            while True:
                try:
                    db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    if not _busy(e) or time.monotonic() >= deadline:
                        raise
                time.sleep(wait)
                wait = min(wait * 2, _LOCK_POLL_MAX)
        finally:
            # Every other statement keeps SQLite's busy handler (a read meeting WAL recovery).
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _params(q: DeliveryQuery) -> dict[str, Any]:
    q = storable_query(q)
    # The customer's key minus its endpoint prefix: the filter then holds on every endpoint.
    customer = None
    if q.customer_email is not None:
        customer = customer_key("", q.customer_email)
    return {
        "status": q.status,
        "endpoint": q.endpoint,
        "event_type": q.event_type,
        "since": q.since,
        "until": q.until,
        "customer": customer,
        "before": q.before,
    }


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
