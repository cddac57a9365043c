"""What the pipeline keeps: events, deliveries, attempts; the interfaces a store implements.

:class:`Store` is synchronous and small on purpose: SQLite implements it in
:mod:`~dodo_transform.relay.sqlite_store`. The server and the worker use :class:`AsyncStore`,
the same methods awaited; :class:`ThreadedStore` provides it for a synchronous store by running
every call on one dedicated thread (SQLite's single writer), and a natively asynchronous store
can implement it directly.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import itertools
import json
import queue
import re
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, TypeVar, get_args, overload

from ..strictjson import LONE_SURROGATE, escape_lone_surrogates
from ..transform import redact_headers
from .batching import GroupCommit

# A delivery's state. `pending` may be a retry waiting for `next_attempt_at`.
Status = Literal[
    "pending", "delivering", "succeeded", "failed", "cancelled", "filtered", "transform_failed"
]
STATUSES: tuple[Status, ...] = get_args(Status)
FINISHED: frozenset[Status] = frozenset(
    {"succeeded", "failed", "cancelled", "filtered", "transform_failed"}
)
RESPONSE_MAX_BYTES = 20_000
# The default of `[server] max_stored_body_bytes`: a request body kept in the record is cut
# here (the target always gets the whole body).
STORED_BODY_MAX = 64 * 1024
# What a request record says about a body it does not hold in full.
BODY_MARKERS = ("body_truncated", "body_bytes", "body_sha256")
# Finished deliveries whose last change is older than the retention window are deleted this
# many at a time: one short transaction each, so ingest never waits long for the write lock.
PRUNE_BATCH = 50
# The owner of every claim in an embedded store (one delivering process).
LOCAL_OWNER = "local"
# Seconds a stopping server waits for a store to close (see ThreadedStore.aclose).
CLOSE_TIMEOUT = 5.0
# How long a claim lasts unless renewed: an instance that dies holds its deliveries this long.
DEFAULT_LEASE = 30.0
# How often a worker on an embedded store looks for work another process committed (its
# delay to start on a webhook an ingest process received): every WAKE_POLL s while there is
# some, backing off to WAKE_POLL_IDLE s when there has been none for a while (an idle serve
# then spends ~0.3 % of a CPU on it, not ~4 %).
WAKE_POLL, WAKE_POLL_IDLE = 0.02, 0.25
# Bulk replays kept (their progress, for the console and `replay --wait`): the most recent.
BULK_REPLAYS_KEPT = 50
# A store that could not be reached (each backend adds its own errors to these).
UNREACHABLE: tuple[type[BaseException], ...] = (OSError, TimeoutError, asyncio.TimeoutError)


@dataclass(frozen=True)
class Event:
    id: int
    endpoint: str
    webhook_id: str
    event_type: str | None
    body: bytes
    headers: dict[str, str]
    received_at: float

    def to_dict(self) -> dict[str, Any]:
        """As the admin API and ``deliveries show`` present it: secrets in headers redacted."""
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event_type": self.event_type,
            "received_at": self.received_at,
            "headers": redact_headers(self.headers),
            "body": self.body.decode("utf-8", errors="replace"),
        }


@dataclass(frozen=True)
class Delivery:
    id: int
    event_id: int
    endpoint: str
    status: Status
    attempt_count: int
    next_attempt_at: float | None
    ordering_key: str
    last_error: str | None
    transform: dict[str, Any] | None  # logs / error of the last transform run
    created_at: float
    updated_at: float
    # Attempts since the last replay: the position in the retry schedule. ``attempt_count``
    # counts every attempt ever made and only grows.
    schedule_attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    n: int  # 1, 2, ... per delivery; assigned by the store
    started_at: float
    request: dict[str, Any] | None  # as sent, secrets redacted
    status_code: int | None  # None: no HTTP answer (connection error, timeout)
    response_body: str | None
    duration_ms: float
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Ingested:
    delivery_id: int
    status: Status
    duplicate: bool


def customer_key(endpoint: str, email: str) -> str:
    """The ordering key of a customer's deliveries on an endpoint; the customer-email filter
    of :class:`DeliveryQuery` finds deliveries by it."""
    return f"{endpoint}\ncustomer:{email.strip().lower()}"


@dataclass(frozen=True)
class DeliveryQuery:
    """Which deliveries a list, a count or a bulk replay is about; every given field narrows.

    ``since``/``until`` bound the time the event was received (``until`` excluded);
    ``before`` is the pagination cursor: only deliveries with a smaller id (the list is newest
    first, so the last id of a page is the next page's cursor).
    """

    status: Status | None = None
    endpoint: str | None = None
    event_type: str | None = None
    since: float | None = None
    until: float | None = None
    customer_email: str | None = None
    before: int | None = None


@dataclass(frozen=True)
class Listed:
    """A delivery as lists show it: with its event's id and type and the last HTTP status."""

    delivery: Delivery
    webhook_id: str
    event_type: str | None
    http_status: int | None  # the last attempt's status code; None: no attempt or no answer

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.delivery.to_dict(),
            "webhook_id": self.webhook_id,
            "event_type": self.event_type,
            "http_status": self.http_status,
        }


@dataclass(frozen=True)
class EndpointStats:
    """One endpoint's attempts since a time, and its queue, for the console and the metrics."""

    attempts: int = 0
    succeeded: int = 0
    mean_ms: float | None = None
    max_ms: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    queued: int = 0  # pending or delivering
    oldest_queued_at: float | None = None  # when the oldest queued event was received


@dataclass(frozen=True)
class EndpointState:
    """Kept across restarts: since when an endpoint fails without a success in between, and
    whether (since when) it is disabled: a disabled endpoint's deliveries wait, pending."""

    failing_since: float | None = None
    disabled_at: float | None = None


@dataclass(frozen=True)
class NewEvent:
    """A verified webhook to store with its delivery (``filtered``: recorded, never sent)."""

    endpoint: str
    webhook_id: str
    event_type: str | None
    body: bytes
    headers: Mapping[str, str]
    ordering_key: str
    filtered: bool
    received_at: float


@dataclass(frozen=True)
class Outcome:
    """A claimed delivery's new state (``pending`` + ``next_attempt_at`` is a retry), with the
    attempt that led there, if one was made. Recorded only while ``owner`` holds the lease."""

    delivery_id: int
    status: Status
    now: float
    owner: str = LOCAL_OWNER
    attempt: Attempt | None = None
    next_attempt_at: float | None = None
    last_error: str | None = None
    transform: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Store.finish_many` did, per outcome: whether its owner still held the lease
    (a lease lost to another instance records the attempt but not the state), and the next
    delivery of its ordering chain claimed on the way (``handoff``), if any."""

    applied: list[bool]
    handed_off: list[Delivery | None]
    # The events of the handed-off deliveries, read in the same call: the next delivery of
    # a chain starts without another round trip.
    events: dict[int, Event] = field(default_factory=dict)
    # Per outcome, the delivery due after the handed-off one in its chain, not claimed (its
    # event is in ``events`` too): its transform may start while the handed-off one is sent.
    following: list[Delivery | None] = field(default_factory=list)


@dataclass(frozen=True)
class BulkReplayed:
    """A bulk replay as the store keeps it, shared by every instance: what was asked, how many
    deliveries went back to pending and where they are now, which were refused and why."""

    id: int
    query: dict[str, Any]  # the filter, as the operator gave it
    started_at: float
    total: int  # deliveries replayed
    # Status -> how many of them are in it now (DELETED: removed by retention since); once
    # every one had finished, the counts of that moment (``settled``), which a later replay of
    # the same deliveries does not change.
    by_status: dict[str, int]
    settled: bool
    refused: dict[int, str]
    # Each replayed delivery's current status (None: deleted), when asked for.
    statuses: dict[int, Status | None] | None = None


# A replayed delivery removed by retention since (it had finished).
DELETED = "deleted"
# Where a replayed delivery has got to the end: finished, or finished and deleted since.
REPLAY_ENDED: frozenset[str] = FINISHED | {DELETED}


def kept_bulk_replay(
    bulk_id: int,
    started_at: float,
    query: str,
    replayed: list[int],
    refused: str,
    settled: str | None,
    *,
    found: Mapping[Status, int] | None = None,
    statuses: dict[int, Status | None] | None = None,
) -> BulkReplayed:
    """A ``bulk_replays`` row read back (``query``, ``refused`` and ``settled`` as stored,
    JSON), with what the store found of its deliveries: how many in each status, or each
    one's status. Those found in neither were deleted."""
    if settled is not None:  # its counts are kept
        counts = json.loads(settled)
    else:
        if statuses is not None:
            found = Counter(s for s in statuses.values() if s is not None)
        counts = {status: n for status, n in (found or {}).items() if n}
        if (missing := len(replayed) - sum(counts.values())) > 0:
            counts[DELETED] = missing
    reasons = {int(k): v for k, v in json.loads(refused).items()}
    return BulkReplayed(
        bulk_id,
        json.loads(query),
        started_at,
        len(replayed),
        counts,
        settled is not None,
        reasons,
        statuses,
    )


class Store(abc.ABC):
    """Durable state. Every method is one transaction.

    Work is claimed under a lease: ``claim`` marks deliveries ``delivering`` for ``owner``
    until ``now + lease``; the owner renews its leases while it works (:meth:`renew`) and
    records outcomes (:meth:`finish_many`); a delivery whose lease ran out (its owner died)
    is claimable again. An embedded store (SQLite) has one process, whose owner is always
    :data:`LOCAL_OWNER`, so a restart takes its predecessor's deliveries back at once
    (:meth:`recover`); a shared store gives every instance its own owner.
    """

    # Several processes may use this store at once (and must then each have an owner).
    shared: bool = False
    unavailable: tuple[type[BaseException], ...] = UNREACHABLE  # see AsyncStore

    def version(self) -> int | None:
        """A number that changes when another connection commits (``serve --role ingest``
        beside this process, on the same file): how an embedded store learns of work added
        elsewhere. None: the store cannot tell."""
        return None

    @abc.abstractmethod
    def ingest_many(self, events: Sequence[NewEvent]) -> list[Ingested]:
        """Store events and their deliveries durably in one commit, or return the existing
        delivery of an event already stored (dedupe by endpoint and ``webhook_id``)."""

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
        event = NewEvent(
            endpoint, webhook_id, event_type, body, headers, ordering_key, filtered, now
        )
        return self.ingest_many([event])[0]

    @abc.abstractmethod
    def recover(self, now: float, owner: str = LOCAL_OWNER) -> int:
        """Return to ``pending`` every ``delivering`` row of ``owner`` (its attempts were cut
        short: a stop, or a crash before this start) and every one whose lease expired."""

    @abc.abstractmethod
    def claim(
        self,
        now: float,
        limit: int,
        *,
        owner: str = LOCAL_OWNER,
        lease: float = DEFAULT_LEASE,
        skip: Collection[str] = (),
    ) -> list[Delivery]:
        """Mark up to ``limit`` due deliveries ``delivering`` for ``owner`` until ``now +
        lease``: per ordering key only the oldest unfinished one, and none while another of
        the key is in flight; never one of a disabled endpoint (see
        :meth:`set_endpoint_state`) or of an endpoint in ``skip`` (the worker's endpoints at
        their share of its slots). A delivery whose lease expired is taken over."""

    @abc.abstractmethod
    def renew(self, now: float, ids: Sequence[int], *, owner: str, lease: float) -> set[int]:
        """Extend to ``now + lease`` the leases ``owner`` still holds among ``ids`` (what it is
        working on: a claim it lost track of is left to expire); returns those ids."""

    @abc.abstractmethod
    def next_due(self) -> float | None:
        """When the earliest claimable pending delivery becomes due."""

    @abc.abstractmethod
    def get_event(self, event_id: int) -> Event | None: ...

    @abc.abstractmethod
    def get_events(self, event_ids: Sequence[int]) -> dict[int, Event]: ...

    @abc.abstractmethod
    def get_delivery(self, delivery_id: int) -> Delivery | None: ...

    @abc.abstractmethod
    def attempts(
        self, delivery_id: int, *, limit: int | None = None, before: int | None = None
    ) -> list[Attempt]:
        """A delivery's attempts in order; with ``limit``, only the latest ``limit`` of those
        numbered below ``before`` (a page of a long history)."""

    @abc.abstractmethod
    def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    @abc.abstractmethod
    def finish_many(
        self,
        outcomes: Sequence[Outcome],
        *,
        handoff: bool = False,
        lease: float = DEFAULT_LEASE,
        at: float | None = None,
    ) -> Recorded:
        """Record outcomes in one commit. Each ``attempt`` is numbered by the store and adds
        one to ``attempt_count`` and ``schedule_attempts`` (the retry schedule's position).

        With ``handoff``, a delivery that left its chain for good (any state but a retry)
        hands on: the chain's next delivery, if due, is claimed for the same owner in the
        same commit, so it starts without waiting for the next claim, its lease running from
        ``at`` (the caller's now; by default the outcome's, which a long wait for the store
        leaves behind, expiring the lease as it is granted). The one due after it is read
        too, not claimed (``Recorded.following``).
        """

    def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: float,
        owner: str = LOCAL_OWNER,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> bool:
        """One :class:`Outcome`; False when ``owner`` no longer held the lease."""
        outcome = Outcome(
            delivery_id, status, now, owner, attempt, next_attempt_at, last_error, transform
        )
        return self.finish_many([outcome]).applied[0]

    @abc.abstractmethod
    def replay(self, delivery_id: int, now: float) -> Delivery | None:
        """Make a delivery pending again with a fresh retry schedule (not if in flight).

        ``schedule_attempts`` goes back to 0; ``attempt_count`` and the attempts are kept.
        """

    @abc.abstractmethod
    def search(self, query: DeliveryQuery, limit: int = 100) -> list[Listed]:
        """Deliveries matching ``query``, newest (highest id) first, at most ``limit``."""

    @abc.abstractmethod
    def count(self, query: DeliveryQuery) -> int:
        """How many deliveries match ``query`` (``before`` included)."""

    @abc.abstractmethod
    def cancel(self, delivery_id: int, now: float) -> Delivery | None:
        """A ``pending`` delivery (also one waiting for a retry) becomes ``cancelled``; any
        other state is left alone. Returns the row as it is afterwards."""

    @abc.abstractmethod
    def endpoint_stats(self, since: float) -> dict[str, EndpointStats]:
        """Per endpoint: the attempts started at ``since`` or later (count, successes,
        latency, the latest failure) and the current queue (pending or in flight)."""

    @abc.abstractmethod
    def endpoint_states(self) -> dict[str, EndpointState]:
        """Every endpoint with a recorded failure streak or a disabled flag."""

    def set_endpoint_state(self, endpoint: str, state: EndpointState) -> None:
        """Record ``state``; a disabled endpoint's deliveries are no longer claimed."""
        self.update_endpoint_state(endpoint, lambda _old: state)

    @abc.abstractmethod
    def update_endpoint_state(
        self, endpoint: str, change: Callable[[EndpointState], EndpointState]
    ) -> tuple[EndpointState, EndpointState]:
        """Replace the endpoint's state ``old`` with ``change(old)`` in one transaction that
        no other instance's update interleaves with; returns ``(old, new)``. ``change`` must
        be pure (it may run again)."""

    @abc.abstractmethod
    def add_bulk_replay(
        self,
        started_at: float,
        query: Mapping[str, Any],
        replayed: Sequence[int],
        refused: Mapping[int, str],
    ) -> int:
        """Keep a bulk replay (forgetting all but the last :data:`BULK_REPLAYS_KEPT`); its id."""

    @abc.abstractmethod
    def bulk_replay_ids(self) -> list[int]:
        """The kept bulk replays, newest first. (One call each to read them: a call on an
        embedded store holds it, and counting 10,000 deliveries takes a few milliseconds.)"""

    @abc.abstractmethod
    def bulk_replay(self, bulk_id: int, *, each: bool = True) -> BulkReplayed | None:
        """One kept bulk replay; with ``each``, its deliveries' current statuses too."""

    @abc.abstractmethod
    def settle_bulk_replay(self, bulk_id: int, by_status: Mapping[str, int]) -> None:
        """Keep ``by_status`` as the replay's final counts (once every delivery finished)."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise if the store cannot be reached (a readiness check)."""

    @abc.abstractmethod
    def prune(self, before: float, limit: int = PRUNE_BATCH) -> int:
        """Delete up to ``limit`` finished deliveries whose last change (``updated_at``) is
        older than ``before``, with their attempts, their events once no delivery is left,
        and the request bodies no attempt refers to any more; returns how many deliveries.
        A pending or in-flight delivery is never deleted, whatever its age."""

    @abc.abstractmethod
    def close(self) -> None: ...


T = TypeVar("T")


class AsyncStore(abc.ABC):
    """:class:`Store`'s methods, awaited: what the server and the worker use.

    :meth:`ingest` and :meth:`finish` are group commits: calls made while the previous write
    is still running go to the store together, in one transaction (one fsync), so concurrent
    webhooks do not queue behind each other's commits.
    """

    shared: bool = False
    # What the store raises when it cannot be reached or used right now (a database down, a
    # connection lost, a disk failing) rather than for a bug of ours: the admin API answers
    # 503 for these, as ingest does, and the operator retries.
    unavailable: tuple[type[BaseException], ...] = UNREACHABLE
    # Those of them that say the database could not be reached at all (as opposed to one that
    # answered and refused: a full disk, a read-only standby).
    unreachable: tuple[type[BaseException], ...] = UNREACHABLE

    def __init__(self) -> None:
        self._ingests = GroupCommit(self.ingest_many)

    @abc.abstractmethod
    async def ingest_many(self, events: Sequence[NewEvent]) -> list[Ingested]: ...

    async def ingest(
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
        return await self._ingests.submit(
            NewEvent(endpoint, webhook_id, event_type, body, headers, ordering_key, filtered, now)
        )

    @abc.abstractmethod
    async def recover(self, now: float, owner: str = LOCAL_OWNER) -> int: ...

    @abc.abstractmethod
    async def claim(
        self,
        now: float,
        limit: int,
        *,
        owner: str = LOCAL_OWNER,
        lease: float = DEFAULT_LEASE,
        skip: Collection[str] = (),
    ) -> list[Delivery]: ...

    @abc.abstractmethod
    async def renew(
        self, now: float, ids: Sequence[int], *, owner: str, lease: float
    ) -> set[int]: ...

    @abc.abstractmethod
    async def next_due(self) -> float | None: ...

    @abc.abstractmethod
    async def get_event(self, event_id: int) -> Event | None: ...

    @abc.abstractmethod
    async def get_events(self, event_ids: Sequence[int]) -> dict[int, Event]: ...

    @abc.abstractmethod
    async def get_delivery(self, delivery_id: int) -> Delivery | None: ...

    @abc.abstractmethod
    async def attempts(
        self, delivery_id: int, *, limit: int | None = None, before: int | None = None
    ) -> list[Attempt]: ...

    @abc.abstractmethod
    async def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    @abc.abstractmethod
    async def finish_many(
        self,
        outcomes: Sequence[Outcome],
        *,
        handoff: bool = False,
        lease: float = DEFAULT_LEASE,
        at: float | None = None,
    ) -> Recorded: ...

    async def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: float,
        owner: str = LOCAL_OWNER,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> bool:
        outcome = Outcome(
            delivery_id, status, now, owner, attempt, next_attempt_at, last_error, transform
        )
        return (await self.finish_many([outcome])).applied[0]

    @abc.abstractmethod
    async def replay(self, delivery_id: int, now: float) -> Delivery | None: ...

    @abc.abstractmethod
    async def search(self, query: DeliveryQuery, limit: int = 100) -> list[Listed]: ...

    @abc.abstractmethod
    async def count(self, query: DeliveryQuery) -> int: ...

    @abc.abstractmethod
    async def cancel(self, delivery_id: int, now: float) -> Delivery | None: ...

    @abc.abstractmethod
    async def endpoint_stats(self, since: float) -> dict[str, EndpointStats]: ...

    @abc.abstractmethod
    async def endpoint_states(self) -> dict[str, EndpointState]: ...

    async def set_endpoint_state(self, endpoint: str, state: EndpointState) -> None:
        await self.update_endpoint_state(endpoint, lambda _old: state)

    @abc.abstractmethod
    async def update_endpoint_state(
        self, endpoint: str, change: Callable[[EndpointState], EndpointState]
    ) -> tuple[EndpointState, EndpointState]: ...

    @abc.abstractmethod
    async def add_bulk_replay(
        self,
        started_at: float,
        query: Mapping[str, Any],
        replayed: Sequence[int],
        refused: Mapping[int, str],
    ) -> int: ...

    @abc.abstractmethod
    async def bulk_replay_ids(self) -> list[int]: ...

    @abc.abstractmethod
    async def bulk_replay(self, bulk_id: int, *, each: bool = True) -> BulkReplayed | None: ...

    @abc.abstractmethod
    async def settle_bulk_replay(self, bulk_id: int, by_status: Mapping[str, int]) -> None: ...

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    async def ping(self) -> None: ...

    @abc.abstractmethod
    async def prune(self, before: float, limit: int = PRUNE_BATCH) -> int: ...

    @abc.abstractmethod
    async def listen(self, wake: Callable[[], None]) -> None:
        """From now on call ``wake`` (on the event loop) when another process adds work or
        frees an ordering chain: a shared store's notifications. Returns once listening."""

    async def subscribe(self, channel: str, on_payload: Callable[[str], None]) -> None:
        """Call ``on_payload`` (on the event loop) with what any instance sharing this store
        :meth:`broadcast` on ``channel``, this one included. An embedded store has no other
        instance: nothing to do."""
        return None

    async def broadcast(self, channel: str, payload: str) -> None:
        """Send ``payload`` (a few KB at most) to every instance subscribed to ``channel``."""
        return None

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store (blocking; call it from a thread in async code)."""

    async def aclose(self) -> None:
        """Release the store from async code."""
        await asyncio.to_thread(self.close)


class _StoreThread:
    """One thread that runs calls by priority (lower first), in order within a priority."""

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[
            tuple[int, int, Callable[[], Any] | None, Future[Any] | None]
        ] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._thread = threading.Thread(target=self._run, name="store", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], T], priority: int = 1) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((priority, next(self._seq), fn, future))
        return future

    def _run(self) -> None:
        while True:
            _, _, fn, future = self._queue.get()
            if fn is None or future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as e:
                future.set_exception(e)

    def shutdown(self) -> None:
        """Stop once every call queued before this one has run."""
        self._queue.put((sys.maxsize, next(self._seq), None, None))
        self._thread.join()


class ThreadedStore(AsyncStore):
    """A synchronous :class:`Store` behind :class:`AsyncStore`: every call runs on one
    dedicated thread, so async code never blocks on disk and sqlite3's connection stays on
    the thread that made it.

    Ingest goes first: a webhook's commit waits at most for the one call in progress, never
    behind a queue of the worker's claims and records (the 2xx waits for it; a delivery can).
    """

    def __init__(self, store_factory: Callable[[], Store]) -> None:
        super().__init__()
        self._thread = _StoreThread()
        self._store: Store = self._thread.submit(store_factory).result()
        self.shared = self._store.shared
        self.unavailable = self._store.unavailable
        self._poller: asyncio.Task[None] | None = None

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._thread.submit(lambda: fn(*args, **kwargs)))

    async def ingest_many(self, events: Sequence[NewEvent]) -> list[Ingested]:
        first = self._thread.submit(lambda: self._store.ingest_many(events), priority=0)
        return await asyncio.wrap_future(first)

    async def recover(self, now: float, owner: str = LOCAL_OWNER) -> int:
        return await self._call(self._store.recover, now, owner)

    async def claim(
        self,
        now: float,
        limit: int,
        *,
        owner: str = LOCAL_OWNER,
        lease: float = DEFAULT_LEASE,
        skip: Collection[str] = (),
    ) -> list[Delivery]:
        return await self._call(self._store.claim, now, limit, owner=owner, lease=lease, skip=skip)

    async def renew(self, now: float, ids: Sequence[int], *, owner: str, lease: float) -> set[int]:
        return await self._call(self._store.renew, now, ids, owner=owner, lease=lease)

    async def next_due(self) -> float | None:
        return await self._call(self._store.next_due)

    async def get_event(self, event_id: int) -> Event | None:
        return await self._call(self._store.get_event, event_id)

    async def get_events(self, event_ids: Sequence[int]) -> dict[int, Event]:
        return await self._call(self._store.get_events, event_ids)

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        return await self._call(self._store.get_delivery, delivery_id)

    async def attempts(
        self, delivery_id: int, *, limit: int | None = None, before: int | None = None
    ) -> list[Attempt]:
        return await self._call(self._store.attempts, delivery_id, limit=limit, before=before)

    async def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        return await self._call(self._store.list_deliveries, status, endpoint, limit)

    async def finish_many(
        self,
        outcomes: Sequence[Outcome],
        *,
        handoff: bool = False,
        lease: float = DEFAULT_LEASE,
        at: float | None = None,
    ) -> Recorded:
        return await self._call(
            self._store.finish_many, outcomes, handoff=handoff, lease=lease, at=at
        )

    async def replay(self, delivery_id: int, now: float) -> Delivery | None:
        return await self._call(self._store.replay, delivery_id, now)

    async def search(self, query: DeliveryQuery, limit: int = 100) -> list[Listed]:
        return await self._call(self._store.search, query, limit)

    async def count(self, query: DeliveryQuery) -> int:
        return await self._call(self._store.count, query)

    async def cancel(self, delivery_id: int, now: float) -> Delivery | None:
        return await self._call(self._store.cancel, delivery_id, now)

    async def endpoint_stats(self, since: float) -> dict[str, EndpointStats]:
        return await self._call(self._store.endpoint_stats, since)

    async def endpoint_states(self) -> dict[str, EndpointState]:
        return await self._call(self._store.endpoint_states)

    async def update_endpoint_state(
        self, endpoint: str, change: Callable[[EndpointState], EndpointState]
    ) -> tuple[EndpointState, EndpointState]:
        return await self._call(self._store.update_endpoint_state, endpoint, change)

    async def add_bulk_replay(
        self,
        started_at: float,
        query: Mapping[str, Any],
        replayed: Sequence[int],
        refused: Mapping[int, str],
    ) -> int:
        return await self._call(self._store.add_bulk_replay, started_at, query, replayed, refused)

    async def bulk_replay_ids(self) -> list[int]:
        return await self._call(self._store.bulk_replay_ids)

    async def bulk_replay(self, bulk_id: int, *, each: bool = True) -> BulkReplayed | None:
        return await self._call(self._store.bulk_replay, bulk_id, each=each)

    async def settle_bulk_replay(self, bulk_id: int, by_status: Mapping[str, int]) -> None:
        await self._call(self._store.settle_bulk_replay, bulk_id, by_status)

    async def counts(self) -> dict[str, int]:
        return await self._call(self._store.counts)

    async def ping(self) -> None:
        await self._call(self._store.ping)

    async def prune(self, before: float, limit: int = PRUNE_BATCH) -> int:
        return await self._call(self._store.prune, before, limit)

    async def listen(self, wake: Callable[[], None]) -> None:
        """Work this process adds kicks the worker itself; what another process commits to
        the same file (``serve --role ingest`` beside this worker) shows in the store's
        :meth:`~Store.version`, polled (:data:`WAKE_POLL`). SQLite's ``data_version`` ignores
        the connection's own commits, so a lone ``serve`` is never woken by itself."""
        last = await self._call(self._store.version)
        if last is not None and self._poller is None:
            self._poller = asyncio.create_task(self._poll(wake, last), name="store-poll")

    async def _poll(self, wake: Callable[[], None], last: int | None) -> None:
        interval = WAKE_POLL
        while True:
            await asyncio.sleep(interval)
            try:
                # After the worker's own calls: a poll never delays a claim or a record.
                now = await asyncio.wrap_future(self._thread.submit(self._store.version, 2))
            except Exception:  # the worker's own store calls report the failure
                continue
            if now != last:
                last, interval = now, WAKE_POLL
                wake()
            else:
                interval = min(interval * 1.5, WAKE_POLL_IDLE)

    async def aclose(self) -> None:
        """Close, waiting at most :data:`CLOSE_TIMEOUT` s (else ``TimeoutError``): the call
        running now may wait much longer (SQLite: up to its busy timeout) for a lock another
        process holds, and a stopping server does not wait for that. The file stays
        consistent (its journal says what was committed); the store thread, a daemon, ends
        with the process."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        closed = self._thread.submit(self._store.close)
        await asyncio.wait_for(asyncio.wrap_future(closed), CLOSE_TIMEOUT)
        await asyncio.to_thread(self._thread.shutdown)

    def close(self) -> None:
        self._thread.submit(self._store.close).result()
        self._thread.shutdown()


def truncate_body(data: bytes) -> str:
    """A response body for the record: at most 20,000 bytes (as Svix), decoded leniently."""
    return data[:RESPONSE_MAX_BYTES].decode("utf-8", errors="replace")


def said(e: BaseException) -> str:
    """A store failure as a log line or an answer says it: its type and message, or for a
    timeout, which has no message, that no answer came in time."""
    return f"{type(e).__name__}: {e}" if str(e) else f"{type(e).__name__}: no answer in time"


def bound_body(request: Mapping[str, Any], limit: int) -> dict[str, Any]:
    """``request`` (with a text ``body``) as the record keeps it: a body longer than ``limit``
    UTF-8 bytes is cut there (on a character boundary) and marked, with its full length and
    SHA-256, so the record can still be matched to what the target received."""
    body = request.get("body")
    if not isinstance(body, str):
        return dict(request)
    data = body.encode("utf-8", errors="surrogatepass")
    if len(data) <= limit:
        return dict(request)
    # A body cut before (in the store) keeps the length and hash of the whole one.
    return {
        **request,
        "body": data[:limit].decode("utf-8", errors="ignore"),
        "body_truncated": True,
        "body_bytes": request.get("body_bytes", len(data)),
        "body_sha256": request.get("body_sha256", hashlib.sha256(data).hexdigest()),
    }


def without_body(request: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A request record without its body, which the attempts keep: its length and SHA-256
    instead (a delivery's transform record then costs the same whatever the handler returns)."""
    if request is None or not isinstance(request.get("body"), str):
        return dict(request) if request is not None else None
    data = request["body"].encode("utf-8", errors="surrogatepass")
    out = {k: v for k, v in request.items() if k != "body"}
    return {**out, "body_bytes": len(data), "body_sha256": hashlib.sha256(data).hexdigest()}


@dataclass(frozen=True)
class PackedRequest:
    """An attempt's request as the stores keep it: the record without its body (JSON), and
    the body once per distinct text in ``request_bodies`` (``key``: its SHA-256; ``stored``:
    zlib-compressed), so the attempts of a retried delivery share one copy."""

    record: str | None
    key: str | None = None
    stored: bytes | None = None


def pack_request(request: Mapping[str, Any] | None) -> PackedRequest:
    if request is None:
        return PackedRequest(None)
    body = request.get("body")
    if not isinstance(body, str):
        return PackedRequest(dumps(dict(request)))
    data = body.encode("utf-8", errors="surrogatepass")
    record = dumps({k: v for k, v in request.items() if k != "body"})
    return PackedRequest(record, hashlib.sha256(data).hexdigest(), zlib.compress(data))


def unpack_request(record: str | None, stored: bytes | None) -> dict[str, Any] | None:
    """The request of :func:`pack_request` again (rows written before bodies were kept apart
    hold theirs inline: ``stored`` is None and the record is returned as it is)."""
    if record is None:
        return None
    request: dict[str, Any] = json.loads(record)
    if stored is None:
        return request
    head = {k: v for k, v in request.items() if k not in BODY_MARKERS}
    tail = {k: v for k, v in request.items() if k in BODY_MARKERS}
    text = zlib.decompress(stored).decode("utf-8", errors="surrogatepass")
    return {**head, "body": text, **tail}


def dumps(value: Any) -> str:
    """JSON text any store can hold. A lone surrogate (a handler may log one) comes back as
    its escape's six characters, ``\\ud800``, as :func:`storable` keeps it: what the store
    returns then always encodes as UTF-8, in a JSON answer or a page. (A NUL stays: JSON
    writes it ``\\u0000``, which every store holds, where :func:`storable` needs U+FFFD.)"""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if text.isascii() else LONE_SURROGATE.sub(_escaped_escape, text)


def _escaped_escape(m: re.Match[str]) -> str:
    return f"\\\\u{ord(m.group()):04x}"


@overload
def storable(text: str) -> str: ...
@overload
def storable(text: str | None) -> str | None: ...
def storable(text: str | None) -> str | None:
    """Text from outside (an event's type, a customer's email, a handler's error, a target's
    answer) as every store can hold it: no NUL character, which PostgreSQL's text refuses
    (U+FFFD instead), and a lone surrogate, which UTF-8 cannot encode, escaped (``\\ud800``).
    The event's body is kept byte for byte; filters go through this too, so they still match."""
    if text is None or _as_is(text):
        return text
    return escape_lone_surrogates(text.replace("\x00", "\ufffd"))


def _as_is(*texts: str | None) -> bool:
    """Whether :func:`storable` leaves every one of ``texts`` as it is (nearly always)."""
    return all(t is None or (t.isascii() and "\x00" not in t) for t in texts)


# What each store does to what it is given, in one place: the three things with text from
# outside, each with its texts storable (a copy only when one of them needs it).
_Texts = TypeVar("_Texts", "NewEvent", "Attempt", "Outcome", "DeliveryQuery")


def _with_storable(record: _Texts, *fields: str) -> _Texts:
    texts = {f: getattr(record, f) for f in fields}
    if _as_is(*texts.values()):
        return record
    return replace(record, **{f: storable(t) for f, t in texts.items()})


def storable_event(e: NewEvent) -> NewEvent:
    """``e`` with its texts :func:`storable` (its body is bytes, kept as they are)."""
    return _with_storable(e, "webhook_id", "event_type", "ordering_key")


def storable_outcome(o: Outcome) -> Outcome:
    """``o`` with its error and its attempt's answer and error :func:`storable`."""
    if o.attempt is not None:
        attempt = _with_storable(o.attempt, "response_body", "error")
        if attempt is not o.attempt:
            o = replace(o, attempt=attempt)
    return _with_storable(o, "last_error")


def storable_query(q: DeliveryQuery) -> DeliveryQuery:
    """``q`` with its texts mapped as :func:`storable` maps what is stored, so they match."""
    return _with_storable(q, "endpoint", "event_type", "customer_email")
