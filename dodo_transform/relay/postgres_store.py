"""The PostgreSQL :class:`~dodo_transform.relay.store.AsyncStore`: one database, many instances.

Natively asynchronous (asyncpg and its connection pool: the event loop never waits on a
thread, and the pool's connections are what every instance's ingest and worker share).

- **Schema** in ``MIGRATIONS``, applied at start-up under a transaction-scoped advisory lock,
  so instances starting together migrate once, one after the other.
- **Claims** take rows ``FOR UPDATE SKIP LOCKED`` under a lease (``owner``, ``lease_until``):
  two instances never claim the same delivery, and one that dies leaves leases that run out,
  after which any instance takes the deliveries over.
- **Order per customer across instances**: a delivery is claimable only as the oldest
  unfinished one of its ordering key and while no other of the key is in flight anywhere.
  Row locks make each claim atomic; a statement's snapshot can only lag behind, and a lagging
  snapshot sees more unfinished rows, never fewer, so it can only claim less.
- **Durability**: every ingest commit is synchronous (PostgreSQL's default
  ``synchronous_commit``) before the 2xx, on connections of its own; concurrent ingests share
  one commit (group commit). The worker's claims and outcomes commit without waiting for the
  WAL flush: a crash of PostgreSQL may undo the last of them, and the worker redoes them.
- **Wake-ups**: commits that add or free work ``NOTIFY dodo_transform_work``; every instance
  ``LISTEN``\\ s on a connection of its own and wakes its worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from typing import Any

import asyncpg

from .store import (
    BULK_REPLAYS_KEPT,
    DEFAULT_LEASE,
    FINISHED,
    LOCAL_OWNER,
    PRUNE_BATCH,
    STATUSES,
    AsyncStore,
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
    customer_key,
    dumps,
    kept_bulk_replay,
    pack_request,
    storable_event,
    storable_outcome,
    storable_query,
    unpack_request,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PostgresStore", "StoreUnavailable"]

log = logging.getLogger("dodo_transform.postgres")
CHANNEL = "dodo_transform_work"
# pg_advisory_xact_lock key for migrations: "dodo" in ASCII.
_MIGRATION_LOCK = 0x646F646F
CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 15.0
INGEST_CONNECTIONS = 3  # the ingest pool's size (group commit needs few)

# Each entry migrates from version i to i + 1; append, never edit a released one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        endpoint TEXT NOT NULL,
        webhook_id TEXT NOT NULL,
        event_type TEXT,
        body BYTEA NOT NULL,
        headers TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL,
        UNIQUE (endpoint, webhook_id)
    );
    CREATE TABLE deliveries (
        id BIGSERIAL PRIMARY KEY,
        event_id BIGINT NOT NULL REFERENCES events (id),
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt_count INTEGER NOT NULL DEFAULT 0,
        schedule_attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at DOUBLE PRECISION,
        owner TEXT,
        lease_until DOUBLE PRECISION,
        ordering_key TEXT NOT NULL,
        last_error TEXT,
        transform TEXT,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX deliveries_unfinished ON deliveries (ordering_key, id)
        WHERE status IN ('pending', 'delivering');
    CREATE INDEX deliveries_pending ON deliveries (next_attempt_at, id) WHERE status = 'pending';
    CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'delivering';
    CREATE INDEX deliveries_event ON deliveries (event_id);
    CREATE INDEX deliveries_status ON deliveries (status, id);
    CREATE TABLE attempts (
        id BIGSERIAL PRIMARY KEY,
        delivery_id BIGINT NOT NULL REFERENCES deliveries (id),
        n INTEGER NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        request TEXT,
        status_code INTEGER,
        response_body TEXT,
        duration_ms DOUBLE PRECISION NOT NULL,
        error TEXT,
        UNIQUE (delivery_id, n)
    );
    CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        rate_limit INTEGER NOT NULL,
        paused_until DOUBLE PRECISION NOT NULL DEFAULT 0
    );
    CREATE TABLE rate_slots (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL REFERENCES rate_limits (key),
        release_at DOUBLE PRECISION,
        expires_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX rate_slots_key ON rate_slots (key, release_at);
    CREATE TABLE endpoint_state (
        endpoint TEXT PRIMARY KEY,
        failing_since DOUBLE PRECISION,
        disabled_at DOUBLE PRECISION
    );
    CREATE INDEX deliveries_created ON deliveries (created_at);
    CREATE INDEX events_type ON events (event_type);
    CREATE INDEX attempts_started ON attempts (started_at);
    """,
    # 2: bounded storage (see sqlite_store's migration 5): request bodies kept once per
    # distinct text, compressed; older attempts keep theirs inline.
    """
    CREATE TABLE request_bodies (
        key TEXT PRIMARY KEY,
        stored BYTEA NOT NULL
    );
    ALTER TABLE attempts ADD COLUMN body_key TEXT REFERENCES request_bodies (key);
    CREATE INDEX attempts_body ON attempts (body_key) WHERE body_key IS NOT NULL;
    """,
    # 3: the deliveries in flight, by ordering key (see sqlite_store's migration 6).
    """
    CREATE INDEX deliveries_in_flight ON deliveries (ordering_key) WHERE status = 'delivering';
    """,
    # 4: bulk replays, seen by every instance (see sqlite_store's migration 7).
    """
    CREATE TABLE bulk_replays (
        id BIGSERIAL PRIMARY KEY,
        started_at DOUBLE PRECISION NOT NULL,
        query TEXT NOT NULL,
        replayed TEXT NOT NULL,
        refused TEXT NOT NULL,
        settled TEXT
    );
    """,
    # 5: a rate's configured limit beside the one in use, and when the target's header last
    # lowered it: a changed config, or a learned limit gone stale, resets it.
    """
    ALTER TABLE rate_limits ADD COLUMN configured INTEGER;
    ALTER TABLE rate_limits ADD COLUMN learned_at DOUBLE PRECISION;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# The ingest of a batch in one statement (see PostgresStore.ingest_many). `woke` is read by
# the final SELECT so that PostgreSQL runs it; it notifies once, when anything is pending.
_INGEST = (
    """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[],
                         $6::float8[], $7::text[], $8::bool[])
        WITH ORDINALITY AS t(endpoint, webhook_id, event_type, body, headers, received_at,
                             ordering_key, filtered, ord)
), stored AS (
    INSERT INTO events (endpoint, webhook_id, event_type, body, headers, received_at)
    SELECT endpoint, webhook_id, event_type, body, headers, received_at FROM input ORDER BY ord
    ON CONFLICT (endpoint, webhook_id) DO NOTHING
    RETURNING id, endpoint, webhook_id
), fresh AS (
    SELECT DISTINCT ON (i.endpoint, i.webhook_id) s.id AS event_id, i.endpoint,
           i.ordering_key, i.filtered, i.received_at, i.ord
    FROM input i JOIN stored s ON s.endpoint = i.endpoint AND s.webhook_id = i.webhook_id
    ORDER BY i.endpoint, i.webhook_id, i.ord
), made AS (
    INSERT INTO deliveries (event_id, endpoint, status, next_attempt_at, ordering_key,
                            created_at, updated_at)
    SELECT event_id, endpoint, CASE WHEN filtered THEN 'filtered' ELSE 'pending' END,
           CASE WHEN filtered THEN NULL ELSE received_at END, ordering_key, received_at,
           received_at
    FROM fresh ORDER BY ord
    RETURNING id, event_id, status
), woke AS (
    SELECT pg_notify('"""
    + CHANNEL
    + """', '')
    FROM (SELECT 1 FROM made WHERE status = 'pending' LIMIT 1) AS pending
)
SELECT f.ord, m.id, m.status, (SELECT COUNT(*) FROM woke) AS woke
FROM made m JOIN fresh f ON f.event_id = m.event_id
"""
)
_COLS = (
    "id, event_id, endpoint, status, attempt_count, next_attempt_at, ordering_key, last_error, "
    "transform, created_at, updated_at, schedule_attempts"
)
# The same columns of a row f, named f_<column>: the delivery a hand-off reads after its own.
_FOLLOWING_COLS = ", ".join(f"f.{c.strip()} AS f_{c.strip()}" for c in _COLS.split(","))
# See sqlite_store._ELIGIBLE: the oldest unfinished of its key, no other of the key in flight.
_ELIGIBLE = """
    NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.ordering_key = d.ordering_key AND o.status IN ('pending', 'delivering')
          AND o.id < d.id)
    AND NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.ordering_key = d.ordering_key AND o.status = 'delivering'
          AND o.id <> d.id AND o.lease_until > $1)
    AND d.endpoint NOT IN (SELECT endpoint FROM endpoint_state WHERE disabled_at IS NOT NULL)
"""
# The filters of a DeliveryQuery over deliveries d joined with their events e ($1..$7: see
# _query_args).
_MATCHES = """
    ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.endpoint = $2)
    AND ($3::text IS NULL OR e.event_type = $3)
    AND ($4::float8 IS NULL OR d.created_at >= $4) AND ($5::float8 IS NULL OR d.created_at < $5)
    AND ($6::text IS NULL OR d.ordering_key = d.endpoint || $6)
    AND ($7::bigint IS NULL OR d.id < $7)
"""


class StoreUnavailable(Exception):
    """PostgreSQL cannot be reached or refused us; the message says which and why."""


class PostgresStore(AsyncStore):
    """Open with ``await PostgresStore.open(url)``; ``close()`` blocks (call it in a thread)."""

    shared = True
    unreachable = (
        *AsyncStore.unreachable,
        StoreUnavailable,
        asyncpg.InterfaceError,
        asyncpg.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,  # shutting down, not yet accepting
    )
    unavailable = (
        *unreachable,
        asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
        asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, after a failover
    )

    def __init__(
        self, url: str, pool: asyncpg.Pool, ingest_pool: asyncpg.Pool | None = None
    ) -> None:
        super().__init__()
        self.url = url
        self.pool = pool
        # Webhooks commit on connections of their own: an ack never waits for a connection
        # the worker (or the shared rate limiter) holds.
        self.ingest_pool = ingest_pool or pool
        self._listener: asyncio.Task[None] | None = None
        self._listening: asyncpg.Connection | None = None
        self._channels: dict[str, Callable[[str], None]] = {}

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = 2, max_size: int = 10, migrate: bool = True
    ) -> PostgresStore:
        """Connect, then create or migrate the schema (:class:`StoreUnavailable` if not).
        ``migrate=False`` (a reader such as ``deliveries``) refuses any other schema version
        instead of changing it."""
        pools: list[asyncpg.Pool] = []
        try:
            for size in (max_size, INGEST_CONNECTIONS):
                pools.append(
                    await asyncpg.create_pool(
                        url,
                        min_size=min(min_size, size),
                        max_size=size,
                        timeout=CONNECT_TIMEOUT,
                        command_timeout=COMMAND_TIMEOUT,
                    )
                )
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, ValueError) as e:
            for made in pools:
                made.terminate()
            raise StoreUnavailable(_describe(e)) from None
        pool, ingest_pool = pools
        store = cls(url, pool, ingest_pool)
        try:
            if migrate:
                await store.migrate()
            else:
                await store._check_version()
        except BaseException:
            pool.terminate()
            ingest_pool.terminate()
            raise
        return store

    async def migrate(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            # Instances starting at once queue here; the first migrates, the rest find it done.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await conn.fetchval("SELECT version FROM schema_version")
            if current is None:
                await conn.execute("INSERT INTO schema_version VALUES (0)")
                current = 0
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"schema version {current} is newer than this dodo-transform "
                    f"({SCHEMA_VERSION}); upgrade dodo-transform"
                )
            for sql in MIGRATIONS[current:]:
                await conn.execute(sql)
            await conn.execute("UPDATE schema_version SET version = $1", SCHEMA_VERSION)

    async def _check_version(self) -> None:
        try:
            current = await self.pool.fetchval("SELECT version FROM schema_version")
        except asyncpg.UndefinedTableError:
            current = None
        if current != SCHEMA_VERSION:
            raise StoreUnavailable(
                f"schema version {current or 0}, this dodo-transform reads {SCHEMA_VERSION}; "
                "run the matching dodo-transform (`serve` creates and migrates it)"
            )

    async def schema_version(self) -> int:
        return int(await self.pool.fetchval("SELECT version FROM schema_version"))

    # -- ingest ----------------------------------------------------------------------------

    async def ingest_many(self, events: Sequence[NewEvent]) -> list[Ingested]:
        events = [storable_event(e) for e in events]
        keys = [(e.endpoint, e.webhook_id) for e in events]
        async with self.ingest_pool.acquire() as conn:
            # One statement, so one round trip and one commit, for the whole batch: events,
            # their deliveries (ids in the batch's order: a customer's chain order), and the
            # wake-up. A webhook-id twice in the batch is stored once.
            rows = await conn.fetch(_INGEST, *_ingest_columns(events))
            made = {keys[r["ord"] - 1]: (r["ord"] - 1, r["id"], _status(r["status"])) for r in rows}
            others = [k for k in dict.fromkeys(keys) if k not in made]
            existing: dict[tuple[str, str], Ingested] = {}
            if others:  # stored before this batch (a redelivery): answer with its delivery
                for r in await conn.fetch(
                    "SELECT DISTINCT ON (e.id) e.endpoint, e.webhook_id, d.id, d.status"
                    " FROM events e JOIN deliveries d ON d.event_id = e.id"
                    " JOIN unnest($1::text[], $2::text[]) AS k(ep, wid)"
                    " ON e.endpoint = k.ep AND e.webhook_id = k.wid ORDER BY e.id, d.id",
                    [k[0] for k in others],
                    [k[1] for k in others],
                ):
                    existing[(r["endpoint"], r["webhook_id"])] = Ingested(
                        r["id"], _status(r["status"]), duplicate=True
                    )
        out: list[Ingested] = []
        for i, k in enumerate(keys):
            if k in made:
                first, delivery_id, status = made[k]
                out.append(Ingested(delivery_id, status, duplicate=i != first))
            else:
                out.append(existing[k])
        return out

    # -- the worker ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _worker_tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction of the worker's: committed without waiting for the WAL flush. As
        for SQLite's non-ingest writes, what a crash of PostgreSQL could undo is a claim or
        an outcome, and the worker redoes it (at-least-once); the ingest commit behind each
        2xx stays synchronous."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit TO OFF")
            yield conn

    async def recover(self, now: float, owner: str = LOCAL_OWNER) -> int:
        async with self._worker_tx() as conn:
            result = await conn.execute(
                "UPDATE deliveries SET status = 'pending', updated_at = $1, owner = NULL,"
                " lease_until = NULL, next_attempt_at = LEAST(COALESCE(next_attempt_at, $1), $1)"
                " WHERE status = 'delivering'"
                " AND (owner = $2 OR owner IS NULL OR lease_until <= $1)",
                now,
                owner,
            )
            n = _count(result)
            if n:
                await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
            return n

    async def claim(
        self,
        now: float,
        limit: int,
        *,
        owner: str = LOCAL_OWNER,
        lease: float = DEFAULT_LEASE,
        skip: Collection[str] = (),
    ) -> list[Delivery]:
        skipped = sorted(skip)  # endpoints at their share of this worker's slots
        async with self._worker_tx() as conn:
            # Deliveries of a dead instance first (each the oldest of its chain), then due ones.
            rows = await conn.fetch(
                f"WITH c AS (SELECT d.id FROM deliveries d WHERE d.status = 'delivering'"
                f" AND d.lease_until <= $1 AND {_ELIGIBLE} AND d.endpoint <> ALL($5::text[])"
                " ORDER BY d.id LIMIT $2 FOR UPDATE SKIP LOCKED)"
                " UPDATE deliveries SET status = 'delivering', owner = $3, lease_until = $4,"
                " updated_at = $1 FROM c WHERE deliveries.id = c.id"
                " AND deliveries.status = 'delivering' AND deliveries.lease_until <= $1"
                f" RETURNING {_qualified('deliveries')}",
                now,
                limit,
                owner,
                now + lease,
                skipped,
            )
            if len(rows) < limit:
                rows += await conn.fetch(
                    f"WITH c AS (SELECT d.id FROM deliveries d WHERE d.status = 'pending'"
                    f" AND d.next_attempt_at <= $1 AND {_ELIGIBLE}"
                    " AND d.endpoint <> ALL($5::text[])"
                    " ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE SKIP LOCKED)"
                    " UPDATE deliveries SET status = 'delivering', owner = $3, lease_until = $4,"
                    " updated_at = $1 FROM c WHERE deliveries.id = c.id"
                    " AND deliveries.status = 'pending'"
                    f" RETURNING {_qualified('deliveries')}",
                    now,
                    limit - len(rows),
                    owner,
                    now + lease,
                    skipped,
                )
        claimed = [_delivery(r) for r in rows]
        claimed.sort(key=lambda d: (d.next_attempt_at or 0.0, d.id))
        return claimed

    async def renew(self, now: float, ids: Sequence[int], *, owner: str, lease: float) -> set[int]:
        async with self._worker_tx() as conn:
            rows = await conn.fetch(
                "UPDATE deliveries SET lease_until = $1 WHERE status = 'delivering' AND owner = $2"
                " AND id = ANY($3::bigint[]) RETURNING id",
                now + lease,
                owner,
                list(ids),
            )
        return {row["id"] for row in rows}

    async def next_due(self) -> float | None:
        row = await self.pool.fetchrow(
            "SELECT (SELECT d.next_attempt_at FROM deliveries d WHERE d.status = 'pending'"
            f" AND {_ELIGIBLE} ORDER BY d.next_attempt_at, d.id LIMIT 1) AS due,"
            " (SELECT MIN(lease_until) FROM deliveries WHERE status = 'delivering') AS lease",
            float("-inf"),
        )
        assert row is not None
        times = [t for t in (row["due"], row["lease"]) if t is not None]
        return min(times) if times else None

    async def finish_many(
        self,
        outcomes: Sequence[Outcome],
        *,
        handoff: bool = False,
        lease: float = DEFAULT_LEASE,
        at: float | None = None,
    ) -> Recorded:
        outcomes = [storable_outcome(o) for o in outcomes]
        handed: list[Delivery | None] = []
        following: list[Delivery | None] = []
        freed = False
        tried = [o for o in outcomes if o.attempt is not None]
        packed = [pack_request(o.attempt.request) for o in tried if o.attempt]
        bodies = {p.key: p.stored for p in packed if p.key is not None}
        async with self._worker_tx() as conn:
            # Three statements for the whole batch (one delivery appears once in a batch).
            if bodies:
                await conn.execute(
                    "INSERT INTO request_bodies (key, stored) SELECT * FROM"
                    " unnest($1::text[], $2::bytea[]) ON CONFLICT (key) DO NOTHING",
                    list(bodies),
                    list(bodies.values()),
                )
            if tried:
                await conn.execute(
                    "INSERT INTO attempts (delivery_id, n, started_at, request, body_key,"
                    " status_code, response_body, duration_ms, error) SELECT u.id, (SELECT"
                    " COALESCE(MAX(n), 0) + 1 FROM attempts a WHERE a.delivery_id = u.id), u.at,"
                    " u.req, u.bkey, u.code, u.body, u.ms, u.err FROM unnest($1::bigint[],"
                    " $2::float8[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::text[],"
                    " $8::text[]) AS u(id, at, req, code, body, ms, err, bkey)",
                    [o.delivery_id for o in tried],
                    [o.attempt.started_at for o in tried if o.attempt],
                    [p.record for p in packed],
                    [o.attempt.status_code for o in tried if o.attempt],
                    [o.attempt.response_body for o in tried if o.attempt],
                    [o.attempt.duration_ms for o in tried if o.attempt],
                    [o.attempt.error for o in tried if o.attempt],
                    [p.key for p in packed],
                )
            rows = await conn.fetch(
                "UPDATE deliveries d SET status = u.status, next_attempt_at = u.nxt,"
                " last_error = u.err, transform = COALESCE(u.tr, d.transform),"
                " updated_at = u.at, attempt_count = d.attempt_count + u.n,"
                " schedule_attempts = d.schedule_attempts + u.n, owner = NULL,"
                " lease_until = NULL FROM unnest($1::bigint[], $2::text[], $3::float8[],"
                " $4::text[], $5::text[], $6::float8[], $7::int[], $8::text[])"
                " AS u(id, status, nxt, err, tr, at, n, owner)"
                " WHERE d.id = u.id AND d.status = 'delivering' AND d.owner = u.owner"
                " RETURNING d.id",
                [o.delivery_id for o in outcomes],
                [o.status for o in outcomes],
                [o.next_attempt_at for o in outcomes],
                [o.last_error for o in outcomes],
                [_json(dict(o.transform)) if o.transform is not None else None for o in outcomes],
                [o.now for o in outcomes],
                [1 if o.attempt is not None else 0 for o in outcomes],
                [o.owner for o in outcomes],
            )
            done = {r["id"] for r in rows}
            applied = [o.delivery_id in done for o in outcomes]
            lost = [o.delivery_id for o in tried if o.delivery_id not in done]
            if lost:  # the lease went elsewhere: the attempt is history, the state is theirs
                await conn.execute(
                    "UPDATE deliveries SET attempt_count = attempt_count + 1"
                    " WHERE id = ANY($1::bigint[])",
                    lost,
                )
            for o, ok in zip(outcomes, applied, strict=True):
                if not (ok and o.status != "pending"):
                    handed.append(None)
                    following.append(None)
                    continue
                nxt, after = (
                    await self._handoff(conn, o, lease, o.now if at is None else at)
                    if handoff
                    else (None, None)
                )
                handed.append(nxt)
                following.append(after)
                freed = freed or nxt is None
            if freed:  # a chain is free and nobody here took its next delivery
                await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
            ids = [d.event_id for d in handed + following if d is not None]
            events = await self._events(conn, ids) if ids else {}
        return Recorded(applied, handed, events, following)

    async def _handoff(
        self, conn: asyncpg.Connection, o: Outcome, lease: float, now: float
    ) -> tuple[Delivery | None, Delivery | None]:
        """The chain's next delivery, claimed, and the one after it, if due: not claimed."""
        # The chain's oldest unfinished delivery, if pending, due, and nothing else of the
        # chain is in flight. The UPDATE re-checks `pending` on the row's latest version, so
        # a claim by another instance at the same moment makes this one claim nothing.
        row = await conn.fetchrow(
            "WITH handed AS (UPDATE deliveries SET status = 'delivering', owner = $2,"
            " lease_until = $3, updated_at = $4 WHERE id = (SELECT d.id FROM deliveries d"
            " WHERE d.ordering_key = (SELECT ordering_key FROM deliveries WHERE id = $1)"
            " AND d.status IN ('pending', 'delivering') ORDER BY d.id LIMIT 1)"
            " AND status = 'pending' AND next_attempt_at <= $4"
            " AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.ordering_key ="
            " deliveries.ordering_key AND o.status = 'delivering' AND o.id <> deliveries.id)"
            " AND endpoint NOT IN (SELECT endpoint FROM endpoint_state"
            f" WHERE disabled_at IS NOT NULL) RETURNING {_COLS})"
            f" SELECT handed.*, {_FOLLOWING_COLS} FROM handed LEFT JOIN LATERAL"
            f" (SELECT {_COLS} FROM deliveries WHERE ordering_key = handed.ordering_key"
            " AND id > handed.id AND status IN ('pending', 'delivering') ORDER BY id LIMIT 1)"
            " f ON true",
            o.delivery_id,
            o.owner,
            now + lease,
            now,
        )
        if row is None:
            return None, None
        due = row["f_next_attempt_at"]
        if row["f_status"] != "pending" or due is None or due > now:
            return _delivery(row), None
        after = {k.removeprefix("f_"): v for k, v in row.items() if k.startswith("f_")}
        return _delivery(row), _delivery(after)

    # -- reads and operations --------------------------------------------------------------

    async def get_event(self, event_id: int) -> Event | None:
        return (await self.get_events([event_id])).get(event_id)

    async def get_events(self, event_ids: Sequence[int]) -> dict[int, Event]:
        async with self.pool.acquire() as conn:
            return await self._events(conn, event_ids)

    async def _events(self, conn: asyncpg.Connection, event_ids: Sequence[int]) -> dict[int, Event]:
        rows = await conn.fetch(
            "SELECT id, endpoint, webhook_id, event_type, body, headers, received_at"
            " FROM events WHERE id = ANY($1::bigint[])",
            list(event_ids),
        )
        return {
            r["id"]: Event(
                r["id"],
                r["endpoint"],
                r["webhook_id"],
                r["event_type"],
                bytes(r["body"]),
                json.loads(r["headers"]),
                r["received_at"],
            )
            for r in rows
        }

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        row = await self.pool.fetchrow(f"SELECT {_COLS} FROM deliveries WHERE id = $1", delivery_id)
        return _delivery(row) if row is not None else None

    async def attempts(
        self, delivery_id: int, *, limit: int | None = None, before: int | None = None
    ) -> list[Attempt]:
        rows = await self.pool.fetch(
            "SELECT a.delivery_id, a.n, a.started_at, a.request, b.stored, a.status_code,"
            " a.response_body, a.duration_ms, a.error FROM attempts a"
            " LEFT JOIN request_bodies b ON b.key = a.body_key"
            " WHERE a.delivery_id = $1 AND ($2::bigint IS NULL OR a.n < $2)"
            " ORDER BY a.n DESC LIMIT $3",
            delivery_id,
            before,
            limit,
        )
        rows.reverse()
        return [
            Attempt(
                r["delivery_id"],
                r["n"],
                r["started_at"],
                unpack_request(r["request"], r["stored"]),
                r["status_code"],
                r["response_body"],
                r["duration_ms"],
                r["error"],
            )
            for r in rows
        ]

    async def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        rows = await self.pool.fetch(
            f"SELECT {_COLS} FROM deliveries WHERE ($1::text IS NULL OR status = $1)"
            " AND ($2::text IS NULL OR endpoint = $2) ORDER BY id DESC LIMIT $3",
            status,
            endpoint,
            limit,
        )
        return [_delivery(r) for r in rows]

    async def _update_waking(self, sql: str, *args: Any) -> None:
        """Run ``sql``, an UPDATE; if it changed a row, work is free: wake the workers."""
        async with self.pool.acquire() as conn, conn.transaction():
            if _count(await conn.execute(sql, *args)):
                await conn.execute("SELECT pg_notify($1, '')", CHANNEL)

    async def replay(self, delivery_id: int, now: float) -> Delivery | None:
        await self._update_waking(
            "UPDATE deliveries SET status = 'pending', schedule_attempts = 0,"
            " next_attempt_at = $1, last_error = NULL, updated_at = $1"
            " WHERE id = $2 AND status <> 'delivering'",
            now,
            delivery_id,
        )
        return await self.get_delivery(delivery_id)

    async def search(self, query: DeliveryQuery, limit: int = 100) -> list[Listed]:
        rows = await self.pool.fetch(
            f"SELECT {_qualified('d')}, e.webhook_id, e.event_type AS listed_type,"
            " (SELECT a.status_code FROM attempts a WHERE a.delivery_id = d.id"
            " ORDER BY a.n DESC LIMIT 1) AS http_status"
            f" FROM deliveries d JOIN events e ON e.id = d.event_id WHERE {_MATCHES}"
            " ORDER BY d.id DESC LIMIT $8",
            *_query_args(query),
            limit,
        )
        return [
            Listed(_delivery(r), r["webhook_id"], r["listed_type"], r["http_status"]) for r in rows
        ]

    async def count(self, query: DeliveryQuery) -> int:
        n = await self.pool.fetchval(
            "SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id"
            f" WHERE {_MATCHES}",
            *_query_args(query),
        )
        return int(n)

    async def cancel(self, delivery_id: int, now: float) -> Delivery | None:
        await self._update_waking(  # its customer's next delivery is free now
            "UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL,"
            " last_error = 'cancelled by an operator', updated_at = $1"
            " WHERE id = $2 AND status = 'pending'",
            now,
            delivery_id,
        )
        return await self.get_delivery(delivery_id)

    async def endpoint_stats(self, since: float) -> dict[str, EndpointStats]:
        out: dict[str, dict[str, Any]] = {}
        async with self.pool.acquire() as conn:
            for r in await conn.fetch(
                "SELECT d.endpoint, COUNT(*) AS n,"
                " COUNT(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299) AS ok,"
                " AVG(a.duration_ms) AS mean, MAX(a.duration_ms) AS top FROM attempts a"
                " JOIN deliveries d ON d.id = a.delivery_id WHERE a.started_at >= $1"
                " GROUP BY d.endpoint",
                since,
            ):
                out[r["endpoint"]] = {
                    "attempts": r["n"],
                    "succeeded": r["ok"],
                    "mean_ms": r["mean"],
                    "max_ms": r["top"],
                }
            for r in await conn.fetch(
                # Each endpoint's latest failed attempt since `since`.
                "SELECT DISTINCT ON (d.endpoint) d.endpoint, a.error, a.status_code,"
                " a.started_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
                " WHERE a.started_at >= $1"
                " AND (a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299)"
                " ORDER BY d.endpoint, a.id DESC",
                since,
            ):
                text = r["error"] or f"HTTP {r['status_code']}"
                out.setdefault(r["endpoint"], {}).update(
                    last_error=text, last_error_at=r["started_at"]
                )
            for r in await conn.fetch(
                "SELECT endpoint, COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries"
                " WHERE status IN ('pending', 'delivering') GROUP BY endpoint"
            ):
                out.setdefault(r["endpoint"], {}).update(
                    queued=r["n"], oldest_queued_at=r["oldest"]
                )
        return {endpoint: EndpointStats(**values) for endpoint, values in out.items()}

    async def endpoint_states(self) -> dict[str, EndpointState]:
        rows = await self.pool.fetch(
            "SELECT endpoint, failing_since, disabled_at FROM endpoint_state"
        )
        return {r["endpoint"]: EndpointState(r["failing_since"], r["disabled_at"]) for r in rows}

    async def update_endpoint_state(
        self, endpoint: str, change: Callable[[EndpointState], EndpointState]
    ) -> tuple[EndpointState, EndpointState]:
        async with self.pool.acquire() as conn, conn.transaction():
            # The row locked, so another instance's update waits for this one. Two first
            # failures may both find no row: the later one's failing_since stands (a moment
            # apart), nothing worse.
            row = await conn.fetchrow(
                "SELECT failing_since, disabled_at FROM endpoint_state WHERE endpoint = $1"
                " FOR UPDATE",
                endpoint,
            )
            old = (
                EndpointState(row["failing_since"], row["disabled_at"]) if row else EndpointState()
            )
            new = change(old)
            if new == old:
                pass
            elif new == EndpointState():
                await conn.execute("DELETE FROM endpoint_state WHERE endpoint = $1", endpoint)
            else:
                await conn.execute(
                    "INSERT INTO endpoint_state (endpoint, failing_since, disabled_at)"
                    " VALUES ($1, $2, $3) ON CONFLICT (endpoint) DO UPDATE SET"
                    " failing_since = excluded.failing_since, disabled_at = excluded.disabled_at",
                    endpoint,
                    new.failing_since,
                    new.disabled_at,
                )
            if old.disabled_at is not None and new.disabled_at is None:
                await conn.execute("SELECT pg_notify($1, '')", CHANNEL)  # its work is free
        return old, new

    async def add_bulk_replay(
        self,
        started_at: float,
        query: Mapping[str, Any],
        replayed: Sequence[int],
        refused: Mapping[int, str],
    ) -> int:
        # One statement. The DELETE's snapshot does not hold the new row: keeping the newest
        # KEPT - 1 of the others keeps KEPT in all (by rank: a sequence may skip values).
        bulk_id: int = await self.pool.fetchval(
            "WITH added AS (INSERT INTO bulk_replays (started_at, query, replayed, refused)"
            " VALUES ($1, $2, $3, $4) RETURNING id),"
            " gone AS (DELETE FROM bulk_replays WHERE id IN (SELECT id FROM bulk_replays"
            " ORDER BY id DESC OFFSET $5))"
            " SELECT id FROM added",
            started_at,
            dumps(dict(query)),
            dumps(list(replayed)),
            dumps(dict(refused)),
            BULK_REPLAYS_KEPT - 1,
        )
        return bulk_id

    async def bulk_replay_ids(self) -> list[int]:
        rows = await self.pool.fetch("SELECT id FROM bulk_replays ORDER BY id DESC")
        return [r["id"] for r in rows]

    async def bulk_replay(self, bulk_id: int, *, each: bool = True) -> BulkReplayed | None:
        r = await self.pool.fetchrow(
            "SELECT id, started_at, query, replayed, refused, settled FROM bulk_replays"
            " WHERE id = $1",
            bulk_id,
        )
        if r is None:
            return None
        replayed: list[int] = json.loads(r["replayed"])
        found: dict[Status, int] | None = None
        statuses: dict[int, Status | None] | None = None
        if each:
            statuses = dict.fromkeys(replayed)
            for d in await self.pool.fetch(
                "SELECT id, status FROM deliveries WHERE id = ANY($1::bigint[])", replayed
            ):
                statuses[d["id"]] = _status(d["status"])
        elif r["settled"] is None:  # not settled: counted now
            rows = await self.pool.fetch(
                "SELECT status, COUNT(*) AS n FROM deliveries WHERE id = ANY($1::bigint[])"
                " GROUP BY status",
                replayed,
            )
            found = {_status(f["status"]): f["n"] for f in rows}
        return kept_bulk_replay(
            r["id"],
            r["started_at"],
            r["query"],
            replayed,
            r["refused"],
            r["settled"],
            found=found,
            statuses=statuses,
        )

    async def settle_bulk_replay(self, bulk_id: int, by_status: Mapping[str, int]) -> None:
        await self.pool.execute(
            "UPDATE bulk_replays SET settled = $1 WHERE id = $2 AND settled IS NULL",
            dumps(dict(by_status)),
            bulk_id,
        )

    async def counts(self) -> dict[str, int]:
        rows = await self.pool.fetch("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    async def ping(self) -> None:
        await self.ingest_pool.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT)

    async def prune(self, before: float, limit: int = PRUNE_BATCH) -> int:
        async with self._worker_tx() as conn:
            # SKIP LOCKED: a row a replay or a claim holds right now is left for next time;
            # the lock re-checks `status` on the row's latest version.
            rows = await conn.fetch(
                "SELECT id, event_id FROM deliveries WHERE created_at < $1 AND updated_at < $1"
                " AND status = ANY($2::text[]) ORDER BY created_at LIMIT $3"
                " FOR UPDATE SKIP LOCKED",
                before,
                sorted(FINISHED),
                limit,
            )
            if not rows:
                return 0
            ids = [r["id"] for r in rows]
            keys = await conn.fetch(
                "DELETE FROM attempts WHERE delivery_id = ANY($1::bigint[]) RETURNING body_key",
                ids,
            )
            await conn.execute("DELETE FROM deliveries WHERE id = ANY($1::bigint[])", ids)
            await conn.execute(
                "DELETE FROM events WHERE id = ANY($1::bigint[]) AND NOT EXISTS"
                " (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)",
                sorted({r["event_id"] for r in rows}),
            )
            unused = sorted({k["body_key"] for k in keys if k["body_key"] is not None})
            if unused:
                # An attempt committing the same body meanwhile is protected by its foreign
                # key: this statement then fails, and the next round tries again.
                await conn.execute(
                    "DELETE FROM request_bodies WHERE key = ANY($1::text[]) AND NOT EXISTS"
                    " (SELECT 1 FROM attempts a WHERE a.body_key = request_bodies.key)",
                    unused,
                )
            return len(ids)

    # -- notifications ---------------------------------------------------------------------

    async def listen(self, wake: Callable[[], None]) -> None:
        """LISTEN on a connection of our own, re-established (with a wake-up, for what was
        missed meanwhile) whenever it drops."""
        await self.subscribe(CHANNEL, lambda _payload: wake())

    async def subscribe(self, channel: str, on_payload: Callable[[str], None]) -> None:
        # Every channel on the one LISTEN connection; a channel added while it is up is
        # listened to at once, and all of them again after each reconnection.
        self._channels[channel] = on_payload
        if self._listener is None:
            ready = asyncio.get_running_loop().create_future()
            self._listener = asyncio.create_task(self._listen(ready), name="pg-listen")
            await ready
        elif self._listening is not None and not self._listening.is_closed():
            await self._listening.add_listener(channel, _payload_to(on_payload))

    async def broadcast(self, channel: str, payload: str) -> None:
        await self.pool.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        backoff = 0.1
        down = False  # logged once per outage, not at every reconnection attempt
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
                lost = asyncio.Event()
                conn.add_termination_listener(functools.partial(_set_on_call, lost))
                listened: set[str] = set()
                while missing := set(self._channels) - listened:  # also any added meanwhile
                    for channel in missing:
                        await conn.add_listener(channel, _payload_to(self._channels[channel]))
                    listened |= missing
                self._listening = conn
                if not ready.done():
                    ready.set_result(None)
                elif CHANNEL in self._channels:
                    self._channels[CHANNEL]("")  # work may have arrived while not listening
                if down:
                    log.warning("LISTEN connection back")
                    down = False
                backoff = 0.1
                while not lost.is_set():
                    # A dead peer is noticed by a query failing, not by waiting.
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(lost.wait(), 5.0)
                    if not lost.is_set():
                        await conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if not down:
                    log.warning("LISTEN connection lost (%s); reconnecting", _describe(e))
                    down = True
                if not ready.done():
                    ready.set_result(None)  # the worker polls meanwhile; do not block start-up
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        for pool in {self.pool, self.ingest_pool}:
            try:
                await asyncio.wait_for(pool.close(), COMMAND_TIMEOUT)
            except (asyncio.TimeoutError, OSError, asyncpg.PostgresError):
                pool.terminate()  # a connection hung on a dead server: drop it

    def close(self) -> None:
        """Drop every connection at once (outside the event loop); prefer :meth:`aclose`."""
        for pool in {self.pool, self.ingest_pool}:
            pool.terminate()


def _payload_to(on_payload: Callable[[str], None]) -> Callable[..., None]:
    """An asyncpg listener (connection, pid, channel, payload) calling ``on_payload``."""
    return lambda _conn, _pid, _channel, payload: on_payload(payload)


def _ingest_columns(events: Sequence[NewEvent]) -> list[list[Any]]:
    return [
        [e.endpoint for e in events],
        [e.webhook_id for e in events],
        [e.event_type for e in events],
        [e.body for e in events],
        [dumps(dict(e.headers)) for e in events],
        [e.received_at for e in events],
        [e.ordering_key for e in events],
        [e.filtered for e in events],
    ]


def _json(value: Any) -> str | None:
    return dumps(value) if value is not None else None


def _query_args(q: DeliveryQuery) -> list[Any]:
    q = storable_query(q)
    # The customer's key minus its endpoint prefix: the filter then holds on every endpoint.
    customer = customer_key("", q.customer_email) if q.customer_email is not None else None
    return [q.status, q.endpoint, q.event_type, q.since, q.until, customer, q.before]


def _set_on_call(event: asyncio.Event, *_: object) -> None:
    event.set()


def _describe(e: BaseException) -> str:
    if isinstance(e, socket.gaierror):  # "[Errno -2] Name or service not known"
        return f"cannot resolve the database's host name ({e.strerror}); check the URL's host"
    text = str(e) or type(e).__name__
    return f"{type(e).__name__}: {text}" if text != type(e).__name__ else text


def _count(result: str) -> int:
    # asyncpg answers a status tag such as "UPDATE 3".
    return int(result.rsplit(" ", 1)[-1])


def _qualified(table: str) -> str:
    return ", ".join(f"{table}.{c.strip()}" for c in _COLS.split(","))


def _status(value: object) -> Status:
    if value not in STATUSES:
        raise RuntimeError(f"the store holds an unknown delivery status {value!r}")
    return value


def _delivery(r: Any) -> Delivery:
    return Delivery(
        id=r["id"],
        event_id=r["event_id"],
        endpoint=r["endpoint"],
        status=_status(r["status"]),
        attempt_count=r["attempt_count"],
        next_attempt_at=r["next_attempt_at"],
        ordering_key=r["ordering_key"],
        last_error=r["last_error"],
        transform=json.loads(r["transform"]) if r["transform"] else None,
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        schedule_attempts=r["schedule_attempts"],
    )
