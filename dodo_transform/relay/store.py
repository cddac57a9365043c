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
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeVar, get_args

# A delivery's state. `pending` may be a retry waiting for `next_attempt_at`.
Status = Literal[
    "pending", "delivering", "succeeded", "failed", "cancelled", "filtered", "transform_failed"
]
STATUSES: tuple[Status, ...] = get_args(Status)
FINISHED: frozenset[Status] = frozenset(
    {"succeeded", "failed", "cancelled", "filtered", "transform_failed"}
)
RESPONSE_MAX_BYTES = 20_000


@dataclass(frozen=True)
class Event:
    id: int
    endpoint: str
    webhook_id: str
    event_type: str | None
    body: bytes
    headers: dict[str, str]
    received_at: float


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


class Store(abc.ABC):
    """Durable state. Every method is one transaction."""

    @abc.abstractmethod
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
        """Store an event and its delivery durably, or return the existing one (dedupe)."""

    @abc.abstractmethod
    def recover(self, now: float) -> int:
        """After a crash or stop: every ``delivering`` row goes back to ``pending``.

        One process owns the store: on start-up every ``delivering`` row is an attempt of a
        dead process, so there is no lease to wait for.
        """

    @abc.abstractmethod
    def claim(self, now: float, limit: int) -> list[Delivery]:
        """Mark up to ``limit`` due deliveries ``delivering``: the oldest per ordering key,
        never one of a disabled endpoint (see :meth:`set_endpoint_state`)."""

    @abc.abstractmethod
    def next_due(self) -> float | None:
        """When the earliest claimable pending delivery becomes due."""

    @abc.abstractmethod
    def get_event(self, event_id: int) -> Event | None: ...

    @abc.abstractmethod
    def get_delivery(self, delivery_id: int) -> Delivery | None: ...

    @abc.abstractmethod
    def attempts(self, delivery_id: int) -> list[Attempt]: ...

    @abc.abstractmethod
    def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    @abc.abstractmethod
    def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: float,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> None:
        """Move a claimed delivery to ``status`` (``pending`` + ``next_attempt_at`` = a retry).

        ``attempt`` (numbered by the store) is recorded in the same transaction; it adds one to
        ``attempt_count`` and to ``schedule_attempts`` (the retry schedule's position).
        """

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

    @abc.abstractmethod
    def set_endpoint_state(self, endpoint: str, state: EndpointState) -> None:
        """Record ``state``; a disabled endpoint's deliveries are no longer claimed."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def close(self) -> None: ...


T = TypeVar("T")


class AsyncStore(abc.ABC):
    """:class:`Store`'s methods, awaited: what the server and the worker use."""

    @abc.abstractmethod
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
    ) -> Ingested: ...

    @abc.abstractmethod
    async def recover(self, now: float) -> int: ...

    @abc.abstractmethod
    async def claim(self, now: float, limit: int) -> list[Delivery]: ...

    @abc.abstractmethod
    async def next_due(self) -> float | None: ...

    @abc.abstractmethod
    async def get_event(self, event_id: int) -> Event | None: ...

    @abc.abstractmethod
    async def get_delivery(self, delivery_id: int) -> Delivery | None: ...

    @abc.abstractmethod
    async def attempts(self, delivery_id: int) -> list[Attempt]: ...

    @abc.abstractmethod
    async def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    @abc.abstractmethod
    async def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: float,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> None: ...

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

    @abc.abstractmethod
    async def set_endpoint_state(self, endpoint: str, state: EndpointState) -> None: ...

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store (blocking; call it from a thread in async code)."""


class ThreadedStore(AsyncStore):
    """A synchronous :class:`Store` behind :class:`AsyncStore`: every call runs on one
    dedicated thread, so async code never blocks on disk and sqlite3's connection stays on
    the thread that made it."""

    def __init__(self, store_factory: Callable[[], Store]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._store: Store = self._executor.submit(store_factory).result()

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

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
        return await self._call(
            self._store.ingest,
            endpoint,
            webhook_id,
            event_type,
            body,
            headers,
            ordering_key,
            filtered,
            now,
        )

    async def recover(self, now: float) -> int:
        return await self._call(self._store.recover, now)

    async def claim(self, now: float, limit: int) -> list[Delivery]:
        return await self._call(self._store.claim, now, limit)

    async def next_due(self) -> float | None:
        return await self._call(self._store.next_due)

    async def get_event(self, event_id: int) -> Event | None:
        return await self._call(self._store.get_event, event_id)

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        return await self._call(self._store.get_delivery, delivery_id)

    async def attempts(self, delivery_id: int) -> list[Attempt]:
        return await self._call(self._store.attempts, delivery_id)

    async def list_deliveries(
        self, status: Status | None = None, endpoint: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        return await self._call(self._store.list_deliveries, status, endpoint, limit)

    async def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        now: float,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> None:
        await self._call(
            self._store.finish,
            delivery_id,
            status,
            now=now,
            attempt=attempt,
            next_attempt_at=next_attempt_at,
            last_error=last_error,
            transform=transform,
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

    async def set_endpoint_state(self, endpoint: str, state: EndpointState) -> None:
        await self._call(self._store.set_endpoint_state, endpoint, state)

    async def counts(self) -> dict[str, int]:
        return await self._call(self._store.counts)

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown(wait=True)


def truncate_body(data: bytes) -> str:
    """A response body for the record: at most 20,000 bytes (as Svix), decoded leniently."""
    return data[:RESPONSE_MAX_BYTES].decode("utf-8", errors="replace")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
