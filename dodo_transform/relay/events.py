"""What happens in the relay, told to observers: metrics, logs, alerts and the console's live
view hang off here.

The receiver reports each webhook's outcome and the dispatcher each recorded state change of a
delivery (with the attempt, when one was made) and each wait for a rate limit; the admin API
reports what an operator did to a delivery or an endpoint; the handlers' owner reports each
(re)load. Observers are called on the event loop after
the store has committed, so what they see is durable; they must not block, and an observer
that raises is logged and otherwise ignored: watching the pipeline never breaks it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from .store import Attempt, Delivery, EndpointState, Event, Status

__all__ = ["ANSWER", "Observer", "Observers", "OperatorAction", "ReceiveOutcome"]

log = logging.getLogger("dodo_transform.relay")

# unauthorized: a bad signature; invalid: not JSON (or not readable); too_large: over
# max_body_bytes; timeout: the body did not arrive in time; unknown_endpoint: no such
# endpoint in the config; unavailable: answered 503 (the store could not commit it, or this
# instance has --role worker).
ReceiveOutcome = Literal[
    "accepted",
    "duplicate",
    "filtered",
    "unauthorized",
    "invalid",
    "too_large",
    "timeout",
    "unknown_endpoint",
    "unavailable",
]
# The HTTP status each outcome is answered with (the log says it too).
ANSWER: dict[ReceiveOutcome, int] = {
    "accepted": 202,
    "filtered": 202,
    "duplicate": 200,
    "unauthorized": 401,
    "invalid": 400,
    "too_large": 413,
    "timeout": 408,
    "unknown_endpoint": 404,
    "unavailable": 503,
}
OperatorAction = Literal["replayed", "cancelled"]


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
        reason: str | None = None,
    ) -> None:
        """A ``POST /webhooks/{endpoint}`` was answered; ``reason``: why it was refused, as
        the answer said it."""

    def recorded(
        self,
        delivery: Delivery,
        status: Status,
        *,
        attempt: Attempt | None = None,
        transform: Mapping[str, Any] | None = None,
        last_error: str | None = None,
        next_attempt_at: float | None = None,
        event: Event | None = None,
    ) -> None:
        """``delivery`` (as it was claimed) was moved to ``status`` in the store;
        ``status == "pending"`` with ``next_attempt_at`` is a scheduled retry. ``event`` is
        the delivery's event when the dispatcher had read it."""

    def rate_limited(self, target: str, waited: float) -> None:
        """A send waited ``waited`` seconds for the rate limit of host ``target``."""

    def operated(self, delivery: Delivery, action: OperatorAction) -> None:
        """An operator's ``action`` was recorded; ``delivery`` is the row afterwards."""

    def endpoint_changed(self, endpoint: str, state: EndpointState, *, by: str) -> None:
        """An endpoint was disabled (``by="failures"``) or enabled again (``by="operator"``)."""

    def handler_loaded(
        self, endpoint: str, version: str | None, *, error: str | None = None
    ) -> None:
        """The endpoint's handler file was loaded again: ``version`` runs from now on, or
        ``error`` says why the file was refused (the previous version keeps running)."""


class Observers(Observer):
    """Several observers as one; a failing observer is logged and skipped."""

    def __init__(self, observers: Iterable[Observer] = ()) -> None:
        self.observers = list(observers)

    def add(self, observer: Observer) -> None:
        self.observers.append(observer)

    def _each(self, method: str, what: str, *args: Any, **details: Any) -> None:
        for o in self.observers:
            try:
                getattr(o, method)(*args, **details)
            except Exception:
                log.exception("observer %r failed on %s", o, what)

    def received(self, endpoint: str, outcome: ReceiveOutcome, **details: Any) -> None:
        self._each("received", "a received webhook", endpoint, outcome, **details)

    def recorded(self, delivery: Delivery, status: Status, **details: Any) -> None:
        self._each("recorded", f"delivery {delivery.id}", delivery, status, **details)

    def rate_limited(self, target: str, waited: float) -> None:
        self._each("rate_limited", "a rate-limit wait", target, waited)

    def operated(self, delivery: Delivery, action: OperatorAction) -> None:
        self._each("operated", f"delivery {delivery.id}", delivery, action)

    def endpoint_changed(self, endpoint: str, state: EndpointState, *, by: str) -> None:
        self._each("endpoint_changed", f"endpoint {endpoint}", endpoint, state, by=by)

    def handler_loaded(
        self, endpoint: str, version: str | None, *, error: str | None = None
    ) -> None:
        self._each("handler_loaded", f"endpoint {endpoint}", endpoint, version, error=error)
