"""What happens in the relay, told to observers: metrics, logs and alerts hang off here.

The receiver reports each webhook's outcome and the dispatcher each recorded state change of a
delivery (with the attempt, when one was made). Observers are called on the event loop after
the store has committed, so what they see is durable; they must not block, and an observer
that raises is logged and otherwise ignored: watching the pipeline never breaks it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from .store import Attempt, Delivery, Status

__all__ = ["Observer", "Observers", "ReceiveOutcome"]

log = logging.getLogger("dodo_transform.relay")

# unauthorized: a bad signature; invalid: not JSON (or not readable); too_large: over
# max_body_bytes; unknown_endpoint: no such endpoint in the config.
ReceiveOutcome = Literal[
    "accepted", "duplicate", "filtered", "unauthorized", "invalid", "too_large", "unknown_endpoint"
]


class Observer:
    """Override what you need; every method does nothing by default."""

    def received(
        self,
        endpoint: str,
        outcome: ReceiveOutcome,
        *,
        webhook_id: str | None = None,
        event_type: str | None = None,
        delivery_id: int | None = None,
    ) -> None:
        """A ``POST /webhooks/{endpoint}`` was answered."""

    def recorded(
        self,
        delivery: Delivery,
        status: Status,
        *,
        attempt: Attempt | None = None,
        transform: Mapping[str, Any] | None = None,
        last_error: str | None = None,
        next_attempt_at: float | None = None,
    ) -> None:
        """``delivery`` (as it was claimed) was moved to ``status`` in the store;
        ``status == "pending"`` with ``next_attempt_at`` is a scheduled retry."""


class Observers(Observer):
    """Several observers as one; a failing observer is logged and skipped."""

    def __init__(self, observers: Iterable[Observer] = ()) -> None:
        self.observers = list(observers)

    def received(self, endpoint: str, outcome: ReceiveOutcome, **details: Any) -> None:
        for o in self.observers:
            try:
                o.received(endpoint, outcome, **details)
            except Exception:
                log.exception("observer %r failed on a received webhook", o)

    def recorded(self, delivery: Delivery, status: Status, **details: Any) -> None:
        for o in self.observers:
            try:
                o.recorded(delivery, status, **details)
            except Exception:
                log.exception("observer %r failed on delivery %s", o, delivery.id)
