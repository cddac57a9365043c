"""Operational webhooks: the relay tells its operator when deliveries keep failing.

Svix's event types and payload shapes, so a receiver written for Svix fits:

- ``message.attempt.failing``: a delivery's 4th failed attempt (since its last replay);
- ``message.attempt.exhausted``: its final failure (the schedule is used up, or a final 4xx);
- ``message.attempt.recovered``: it succeeded after ``failing`` was sent for it;
- ``endpoint.disabled``: an endpoint was switched off after failing continuously
  (``[server] disable_endpoint_after``).

Each alert is a Standard Webhooks request signed with ``[alerts] secret`` (its ``webhook-id``
is the alert's id, stable across retries) and is itself retried on ``[alerts]
retry_schedule``. Alerts live in memory: the last :data:`KEPT` are shown by the console and
``GET /alerts``; one still being retried when the server stops is dropped (and logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Literal

import httpx

from ..clock import Clock
from .config import AlertsConfig
from .events import Observer
from .retry import is_success
from .signing import sign
from .store import Attempt, Delivery, EndpointState, Event, Status, truncate_body

__all__ = ["FAILING_AT", "Alert", "Alerts"]

log = logging.getLogger("dodo_transform.alerts")
FAILING_AT = 4  # Svix sends message.attempt.failing on the fourth failure
KEPT = 200
APP_ID = "dodo-transform"


@dataclass
class Alert:
    id: str
    type: str
    payload: dict[str, Any]
    created_at: float
    status: Literal["pending", "sent", "failed"] = "pending"
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class Alerts(Observer):
    def __init__(self, config: AlertsConfig | None, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._kept: deque[Alert] = deque(maxlen=KEPT)
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    def configure(self, config: AlertsConfig | None) -> None:
        """A reloaded config: later alerts go where it says (queued ones keep their target)."""
        self.config = config

    def start(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._stopping = False

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        dropped = [a.id for a in self._kept if a.status == "pending"]
        if dropped:
            log.warning("stopping with %d alert(s) not delivered: %s", len(dropped), dropped)

    def recent(self) -> list[dict[str, Any]]:
        """The last alerts, newest first."""
        return [a.to_dict() for a in reversed(self._kept)]

    # -- what raises an alert --------------------------------------------------------------

    def recorded(
        self,
        delivery: Delivery,
        status: Status,
        *,
        attempt: Attempt | None = None,
        event: Event | None = None,
        **_: Any,
    ) -> None:
        if attempt is None:
            return
        failures = delivery.schedule_attempts + 1  # this attempt's place since the last replay
        if status == "succeeded":
            if delivery.schedule_attempts >= FAILING_AT:
                self._message("message.attempt.recovered", delivery, attempt, event)
        elif status == "failed":
            self._message("message.attempt.exhausted", delivery, attempt, event)
        elif status == "pending" and failures == FAILING_AT:
            self._message("message.attempt.failing", delivery, attempt, event)

    def endpoint_changed(self, endpoint: str, state: EndpointState, *, by: str) -> None:
        if state.disabled_at is None or by != "failures":
            return
        data: dict[str, Any] = {
            "appId": APP_ID,
            "endpointId": endpoint,
            "trigger": "automatic",
        }
        if state.failing_since is not None:
            data["failSince"] = _iso(state.failing_since)
        self._emit("endpoint.disabled", data)

    def _message(self, type_: str, d: Delivery, attempt: Attempt, event: Event | None) -> None:
        self._emit(
            type_,
            {
                "appId": APP_ID,
                "endpointId": d.endpoint,
                "msgId": event.webhook_id if event else str(d.event_id),
                "msgEventId": event.event_type if event else None,
                "lastAttempt": {
                    "id": f"atmpt_{d.id}_{d.attempt_count + 1}",
                    "timestamp": _iso(attempt.started_at),
                    "responseStatusCode": attempt.status_code or 0,
                },
                # Ours, beyond Svix's fields: where to look in the console.
                "deliveryId": d.id,
                "error": attempt.error,
            },
        )

    def _emit(self, type_: str, data: dict[str, Any]) -> None:
        config = self.config
        if config is None or type_ not in config.events or self._stopping:
            return
        alert = Alert(
            id=f"alert_{secrets.token_hex(10)}",
            type=type_,
            payload={"type": type_, "data": data},
            created_at=self.clock.now(),
        )
        self._kept.append(alert)
        log.warning(
            "alert %s",
            type_,
            extra={"fields": {"alert_id": alert.id, "endpoint": data.get("endpointId")}},
        )
        if self._client is None:
            alert.status, alert.last_error = "failed", "the server was not running"
            return
        task = asyncio.get_running_loop().create_task(self._deliver(alert, config))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- delivering an alert ---------------------------------------------------------------

    async def _deliver(self, alert: Alert, config: AlertsConfig) -> None:
        assert self._client is not None
        body = json.dumps(alert.payload, separators=(",", ":"), ensure_ascii=False)
        for delay in (*config.retry_schedule, None):
            alert.attempts += 1
            headers = {
                **config.headers,
                "Content-Type": "application/json",
                # Signed at send time (wall clock): a receiver checks the timestamp's age.
                **sign(config.secret, body, msg_id=alert.id, timestamp=time.time()),
            }
            try:
                resp = await self._client.post(
                    config.url, content=body.encode(), headers=headers, timeout=config.timeout
                )
                alert.last_status_code = resp.status_code
                alert.last_error = (
                    None if is_success(resp.status_code) else truncate_body(resp.content[:500])
                )
            except httpx.HTTPError as e:
                alert.last_status_code = None
                alert.last_error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            if is_success(alert.last_status_code):
                alert.status, alert.next_attempt_at = "sent", None
                return
            if delay is None:
                break
            alert.next_attempt_at = self.clock.now() + delay
            await self.clock.sleep(delay)
        alert.status, alert.next_attempt_at = "failed", None
        log.error(
            "alert %s (%s) not delivered after %d attempts: %s",
            alert.id,
            alert.type,
            alert.attempts,
            alert.last_error or f"HTTP {alert.last_status_code}",
        )
