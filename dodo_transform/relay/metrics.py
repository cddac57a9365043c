"""``GET /metrics``: the relay in Prometheus' text format (prometheus-client).

Counters and histograms are fed by the observer calls; the queue gauges are read from the
store at scrape time, so they are right also after a restart. While the store cannot answer,
a scrape still gets everything else, ``store_up`` is 0 and the queue gauges are left out
(a stale depth would read as a real one). Each app has its own registry (several apps in one
process — tests, the demo — never share counters).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from .events import Observer, ReceiveOutcome
from .store import FINISHED, Attempt, Delivery, Status, said

if TYPE_CHECKING:
    from .server import App

__all__ = ["Metrics"]

# The *_created series double every counter for little use; Prometheus does without them.
disable_created_metrics()  # type: ignore[no-untyped-call]
PREFIX = "dodo_transform_"
# A scrape does not hang on a store that does not answer (as /healthz does not).
STORE_TIMEOUT = 2.0
log = logging.getLogger("dodo_transform.metrics")
# Seconds: from a fast local target to the 15 s timeout.
ATTEMPT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30)
TRANSFORM_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


def status_class(status: int | None) -> str:
    return f"{status // 100}xx" if status is not None and 100 <= status <= 599 else "error"


class Metrics(Observer):
    def __init__(self, app: App) -> None:
        self.app = app
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.received_total = Counter(
            PREFIX + "webhooks_received",
            "Webhooks answered at POST /webhooks/{endpoint}, by outcome.",
            ["endpoint", "outcome"],
            registry=r,
        )
        self.deliveries_total = Counter(
            PREFIX + "deliveries",
            "Deliveries that reached a final state.",
            ["endpoint", "status"],
            registry=r,
        )
        self.attempts_total = Counter(
            PREFIX + "attempts",
            "Delivery attempts, by the answer's status class (error: no HTTP answer).",
            ["endpoint", "status_class"],
            registry=r,
        )
        self.attempt_seconds = Histogram(
            PREFIX + "attempt_duration_seconds",
            "Time from sending a request to the end of its answer.",
            ["endpoint"],
            buckets=ATTEMPT_BUCKETS,
            registry=r,
        )
        self.transform_seconds = Histogram(
            PREFIX + "transform_duration_seconds",
            "Time the handler took in the sandbox, per transform.",
            ["endpoint"],
            buckets=TRANSFORM_BUCKETS,
            registry=r,
        )
        # The transform stage (transformer.py): what each endpoint takes of the sandbox
        # threads, and how long its runs wait for one.
        self.sandbox_cpu = Counter(
            PREFIX + "sandbox_cpu_seconds",
            "Sandbox CPU time used by the endpoint's handler runs (its fair share).",
            ["endpoint"],
            registry=r,
        )
        self.sandbox_wait = Histogram(
            PREFIX + "sandbox_wait_seconds",
            "Time a handler run waited in its endpoint's queue for a sandbox.",
            ["endpoint"],
            buckets=TRANSFORM_BUCKETS,
            registry=r,
        )
        self.sandbox_queued = Gauge(
            PREFIX + "sandbox_queued",
            "Handler runs waiting for a sandbox.",
            ["endpoint"],
            registry=r,
        )
        self.sandbox_running = Gauge(
            PREFIX + "sandbox_running",
            "Handler runs in a sandbox now.",
            ["endpoint"],
            registry=r,
        )
        self.sandbox_threads = Gauge(
            PREFIX + "sandbox_threads",
            "Sandboxes (processes or threads) of the transform stage.",
            registry=r,
        )
        self._store_up = True
        self.store_up = Gauge(
            PREFIX + "store_up",
            "1 when the store answered this scrape's query, 0 when it could not be reached.",
            registry=r,
        )
        self.queue_depth = Gauge(
            PREFIX + "queue_depth",
            "Deliveries pending or in flight.",
            ["endpoint"],
            registry=r,
        )
        self.oldest_pending = Gauge(
            PREFIX + "oldest_pending_age_seconds",
            "Age of the oldest pending or in-flight delivery's event (0 when none).",
            ["endpoint"],
            registry=r,
        )
        self.retention_deleted = Counter(
            PREFIX + "retention_deleted",
            "Finished deliveries deleted by retention, with their events and attempts.",
            registry=r,
        )
        self.rate_limit_wait = Counter(
            PREFIX + "rate_limit_wait_seconds",
            "Time sends waited for a target's rate limit.",
            ["target"],
            registry=r,
        )

    async def render(self) -> tuple[bytes, str]:
        now = self.app.clock.now()
        try:
            stats = await asyncio.wait_for(self.app.store.endpoint_stats(now), STORE_TIMEOUT)
        except self.app.store.unavailable as e:  # its timeout among them
            if self._store_up:  # once per outage, not once per scrape
                log.warning("metrics: the store is unavailable (%s)", said(e))
            self._store_up = False
            self.store_up.set(0)
            self.queue_depth.clear()
            self.oldest_pending.clear()
        else:
            self._store_up = True
            self.store_up.set(1)
            for name in sorted(set(self.app.config.endpoints) | set(stats)):
                s = stats.get(name)
                self.queue_depth.labels(name).set(s.queued if s else 0)
                oldest = s.oldest_queued_at if s else None
                self.oldest_pending.labels(name).set(max(0.0, now - oldest) if oldest else 0)
        stage = self.app.stage.stats()
        for name in sorted(set(self.app.config.endpoints) | set(stage)):
            lane = stage.get(name)
            self.sandbox_queued.labels(name).set(lane.queued if lane else 0)
            self.sandbox_running.labels(name).set(lane.running if lane else 0)
        self.sandbox_threads.set(self.app.stage.threads)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def received(self, endpoint: str, outcome: ReceiveOutcome, **_: Any) -> None:
        if outcome == "unknown_endpoint":
            endpoint = ""  # names from the URL: an attacker must not mint label values
        self.received_total.labels(endpoint, outcome).inc()
        if outcome == "filtered":
            self.deliveries_total.labels(endpoint, "filtered").inc()

    def recorded(
        self,
        delivery: Delivery,
        status: Status,
        *,
        attempt: Attempt | None = None,
        transform: Any = None,
        **_: Any,
    ) -> None:
        ep = delivery.endpoint
        if status in FINISHED:
            self.deliveries_total.labels(ep, status).inc()
        if attempt is not None:
            self.attempts_total.labels(ep, status_class(attempt.status_code)).inc()
            self.attempt_seconds.labels(ep).observe(attempt.duration_ms / 1000)
        if isinstance(transform, dict) and isinstance(transform.get("duration_ms"), (int, float)):
            self.transform_seconds.labels(ep).observe(transform["duration_ms"] / 1000)

    def transformed(self, endpoint: str, cpu_seconds: float, waited: float) -> None:
        """A handler run finished on the transform stage (called on its sandbox thread)."""
        self.sandbox_cpu.labels(endpoint).inc(cpu_seconds)
        self.sandbox_wait.labels(endpoint).observe(waited)

    def rate_limited(self, target: str, waited: float) -> None:
        self.rate_limit_wait.labels(target).inc(waited)

    def operated(self, delivery: Delivery, action: str) -> None:
        if action == "cancelled":
            self.deliveries_total.labels(delivery.endpoint, "cancelled").inc()
