"""Changes as they happen, for the console's open pages (server-sent events).

Each open page subscribes a bounded queue; every observed change is put on every queue as a
small dict. A page that reads too slowly loses messages rather than slowing the relay (the
page re-reads the list on the next message anyway). Observers may be called from a thread
(a handler reload): the message is then handed to the event loop.

On a shared store (:meth:`LiveFeed.share`) the changes this instance makes also go to the
others, gathered for :data:`SHARE_EVERY` seconds into one notification, so a page open on any
instance follows deliveries whichever instance receives and delivers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from .events import Observer, OperatorAction, ReceiveOutcome
from .store import AsyncStore, Delivery, EndpointState, Status, said

__all__ = ["LiveFeed"]

log = logging.getLogger("dodo_transform.live")
QUEUE_SIZE = 256
CHANNEL = "dodo_transform_live"
SHARE_EVERY = 0.1
# PostgreSQL's NOTIFY payload is below 8,000 bytes: a batch is split to stay under it.
PAYLOAD_MAX = 7000


class LiveFeed(Observer):
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._store: AsyncStore | None = None  # sharing with the other instances
        self._origin = uuid.uuid4().hex
        self._outbox: list[dict[str, Any]] = []
        self._sending: asyncio.Task[None] | None = None

    async def share(self, store: AsyncStore) -> None:
        """Exchange changes with the other instances of a shared store (call on the loop)."""
        self._loop = asyncio.get_running_loop()
        self._store = store
        await store.subscribe(CHANNEL, self._arrived)

    def _arrived(self, payload: str) -> None:
        if not self._queues:
            return  # no page open here
        try:
            batch = json.loads(payload)
            if batch["from"] == self._origin:
                return  # ours: already shown here
            messages = list(batch["messages"])
        except (ValueError, KeyError, TypeError):
            return  # not ours to read (another version, another tool on the channel)
        for message in messages:
            if isinstance(message, dict):
                self._fan_out(message)

    def _share(self, message: dict[str, Any]) -> None:
        self._outbox.append(message)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.ensure_future(self._send_soon())

    async def _send_soon(self) -> None:
        store = self._store
        assert store is not None
        while self._outbox:  # what arrives while a batch is being sent goes in the next one
            await asyncio.sleep(SHARE_EVERY)
            batch, self._outbox = self._outbox, []
            chunk: list[str] = []
            size = 0
            for text in (json.dumps(m, separators=(",", ":")) for m in batch):
                if chunk and size + len(text) > PAYLOAD_MAX:
                    await self._send(store, chunk)
                    chunk, size = [], 0
                chunk.append(text)
                size += len(text) + 1
            if chunk:
                await self._send(store, chunk)

    async def _send(self, store: AsyncStore, chunk: list[str]) -> None:
        payload = f'{{"from":"{self._origin}","messages":[{",".join(chunk)}]}}'
        try:
            await store.broadcast(CHANNEL, payload)
        except Exception as e:  # the console of other instances misses these; never worse
            log.debug("sharing live changes failed: %s", said(e))

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue of changes; ``None`` on it means the server is stopping."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        if self._closed:
            queue.put_nowait(None)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._queues.discard(queue)

    def close(self) -> None:
        """End every open stream (the server is stopping)."""
        self._closed = True
        if self._sending is not None:
            self._sending.cancel()
        for queue in list(self._queues):
            self._put(queue, None)

    def close_threadsafe(self) -> None:
        """:meth:`close` from a signal handler or another thread: open streams would
        otherwise hold a graceful shutdown until its timeout."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.close)

    def publish(self, message: dict[str, Any]) -> None:
        if not self._queues and self._store is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._here, message)
        else:
            self._here(message)

    def _here(self, message: dict[str, Any]) -> None:
        """A change this instance made: to its pages, and to the other instances'."""
        self._fan_out(message)
        if self._store is not None and not self._closed:
            self._share(message)

    def _fan_out(self, message: dict[str, Any]) -> None:
        for queue in list(self._queues):
            self._put(queue, message)

    @staticmethod
    def _put(queue: asyncio.Queue[dict[str, Any] | None], message: dict[str, Any] | None) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(message)

    def received(
        self, endpoint: str, outcome: ReceiveOutcome, *, delivery_id: int | None = None, **_: Any
    ) -> None:
        if delivery_id is not None:
            self.publish(
                {"kind": "delivery", "id": delivery_id, "endpoint": endpoint, "outcome": outcome}
            )

    def recorded(self, delivery: Delivery, status: Status, **_: Any) -> None:
        self.publish(
            {"kind": "delivery", "id": delivery.id, "endpoint": delivery.endpoint, "status": status}
        )

    def operated(self, delivery: Delivery, action: OperatorAction) -> None:
        self.publish(
            {
                "kind": "delivery",
                "id": delivery.id,
                "endpoint": delivery.endpoint,
                "status": delivery.status,
                "action": action,
            }
        )

    def endpoint_changed(self, endpoint: str, state: EndpointState, *, by: str) -> None:
        self.publish({"kind": "endpoint", "endpoint": endpoint, "by": by})

    def handler_loaded(
        self, endpoint: str, version: str | None, *, error: str | None = None
    ) -> None:
        self.publish({"kind": "handler", "endpoint": endpoint, "version": version})
