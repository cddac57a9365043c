"""Changes as they happen, for the console's open pages (server-sent events).

Each open page subscribes a bounded queue; every observed change is put on every queue as a
small dict. A page that reads too slowly loses messages rather than slowing the relay (the
page re-reads the list on the next message anyway). Observers may be called from a thread
(a handler reload): the message is then handed to the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .events import Observer, OperatorAction, ReceiveOutcome
from .store import Delivery, EndpointState, Status

__all__ = ["LiveFeed"]

QUEUE_SIZE = 256


class LiveFeed(Observer):
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

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
        for queue in list(self._queues):
            self._put(queue, None)

    def close_threadsafe(self) -> None:
        """:meth:`close` from a signal handler or another thread: open streams would
        otherwise hold a graceful shutdown until its timeout."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.close)

    def publish(self, message: dict[str, Any]) -> None:
        if not self._queues:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._fan_out, message)
        else:
            self._fan_out(message)

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
