"""What an operator can see and do, once: the admin API (JSON) and the console (HTML) both
call these, so a replay from a script and a replay from a button are the same act.

Each refusal is an :class:`OperationError` carrying the HTTP status the admin API answers
and a sentence for the person. A bulk replay is kept in the store, and its progress is read
from its deliveries' current states there: behind a load balancer, the instance asked for it
may not be the one that started it, nor the one delivering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..transform import redact_headers
from .handlers import HandlerLoadError
from .query import QueryError
from .store import (
    BULK_REPLAYS_KEPT,
    REPLAY_ENDED,
    BulkReplayed,
    Delivery,
    DeliveryQuery,
    EndpointStats,
    Listed,
    bound_body,
    said,
)
from .transformer import LaneStats, share_of

if TYPE_CHECKING:
    from .server import App

log = logging.getLogger("dodo_transform.operations")

__all__ = [
    "BULK_MAX",
    "DETAIL_ATTEMPTS",
    "DETAIL_BODY",
    "OperationError",
    "Operations",
    "listed_dict",
    "progress",
    "refusal",
]

# A delivery's detail answers its latest attempts and cuts every body, whatever the delivery
# holds (retried for weeks, or a huge request): the defaults, and the most one may ask for.
DETAIL_ATTEMPTS, DETAIL_ATTEMPTS_MAX = 10, 100
DETAIL_BODY, DETAIL_BODY_MAX = 16 * 1024, 1024 * 1024
# One bulk replay touches at most this many deliveries; repeat it for more (each run takes
# the newest matching ones that are not yet pending).
BULK_MAX = 10_000


class OperationError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def refusal(e: BaseException) -> OperationError:
    """What an operator's request failed with (one of :attr:`Operations.refusals`), as the
    admin API and the console answer it: its status and a sentence for the person. A store
    that cannot answer is 503, saying why, logged once (its own message, no traceback)."""
    if isinstance(e, OperationError):
        return e
    if isinstance(e, QueryError):
        return OperationError(400, str(e))
    log.error("an operator's request failed: the store is unavailable: %s", said(e))
    return OperationError(503, f"the store is unavailable ({said(e)}); try again once it is back")


def _id_list(ids: list[int], shown: int = 20) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(map(str, ids[:shown])) + more


def progress(bulk: BulkReplayed) -> dict[str, Any]:
    """A bulk replay as the admin API answers it (and the console shows it)."""
    done = sum(n for s, n in bulk.by_status.items() if s in REPLAY_ENDED)
    return {
        "id": bulk.id,
        "filter": bulk.query,
        "started_at": bulk.started_at,
        "total": bulk.total,
        "finished": done,
        "done": done == bulk.total,
        "by_status": bulk.by_status,
        "refused": {str(k): v for k, v in bulk.refused.items()},
    }


class Operations:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def refusals(self) -> tuple[type[BaseException], ...]:
        """What a request may fail with and the person be told (:func:`refusal`): a refused
        operation, a bad filter, a store that cannot answer right now."""
        return (OperationError, QueryError, *self.app.store.unavailable)

    # -- reading ---------------------------------------------------------------------------

    async def search(self, query: DeliveryQuery, limit: int) -> tuple[list[Listed], str | None]:
        """A page of deliveries, newest first, and the cursor of the next page (or None)."""
        rows = await self.app.store.search(query, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (str(rows[-1].delivery.id) if more and rows else None)

    async def delivery(self, delivery_id: int) -> Delivery:
        d = await self.app.store.get_delivery(delivery_id)
        if d is None:
            raise OperationError(404, f"no delivery {delivery_id}")
        return d

    async def detail(
        self,
        delivery_id: int,
        *,
        attempts: int = DETAIL_ATTEMPTS,
        before: int | None = None,
        body_limit: int = DETAIL_BODY,
    ) -> dict[str, Any]:
        """A delivery with its event (headers redacted) and its latest ``attempts`` attempts
        numbered below ``before``; ``attempts_cursor`` pages to older ones. Bodies longer
        than ``body_limit`` bytes are cut, marked, with their full length and SHA-256."""
        d = await self.delivery(delivery_id)
        event = await self.app.store.get_event(d.event_id)
        rows = await self.app.store.attempts(d.id, limit=attempts, before=before)
        out = d.to_dict()
        out["handler_version"] = (d.transform or {}).get("handler_version")
        out["event"] = None
        if event is not None:
            out["event"] = bound_body(event.to_dict(), body_limit)
        out["attempts"] = []
        for a in rows:
            shown = a.to_dict()
            if a.request is not None:
                shown["request"] = bound_body(a.request, body_limit)
            out["attempts"].append(shown)
        # Attempts are numbered 1, 2, ... per delivery: below the first shown, there are more.
        out["attempts_cursor"] = str(rows[0].n) if rows and rows[0].n > 1 else None
        return out

    async def endpoints(self) -> list[dict[str, Any]]:
        """Every configured endpoint: its config (secrets redacted), the handler that runs,
        its state, and its success rate and latency over the last hour and day."""
        now = self.app.clock.now()
        hour = await self.app.store.endpoint_stats(now - 3600)
        day = await self.app.store.endpoint_stats(now - 86400)
        states = await self.app.health.states()
        failures = self.app.handlers.failures()
        stage, threads = self.app.stage.stats(), self.app.stage.threads
        out = []
        for name, ep in self.app.config.endpoints.items():
            loaded = self.app.handlers.get(name)
            state = states.get(name)
            failure = failures.get(name)
            stats_day = day.get(name, EndpointStats())
            out.append(
                {
                    "name": name,
                    "url": ep.url,
                    "events": sorted(ep.events) if ep.events is not None else None,
                    "secrets": [f"whsec_{_tail(s)}" for s in ep.secrets],
                    "headers": redact_headers(ep.headers),
                    # Its values, whatever their names: a key named STRIPE_SK or ML_KEY is
                    # no less secret than one named API_TOKEN.
                    "env": {k: _tail(v) for k, v in ep.env.items()},
                    "rate_limit": str(ep.rate_limit) if ep.rate_limit else None,
                    "retry_schedule": list(ep.retry_schedule),
                    "timeout": ep.timeout,
                    "handler": {
                        "path": str(loaded.path),
                        "version": loaded.version,
                        "loaded_at": loaded.loaded_at,
                        "error": failure.error if failure else None,
                        "error_at": failure.at if failure else None,
                    },
                    "disabled_at": state.disabled_at if state else None,
                    "failing_since": state.failing_since if state else None,
                    "last_hour": _rates(hour.get(name, EndpointStats())),
                    "last_day": _rates(stats_day),
                    "last_error": stats_day.last_error,  # the latest of the last day
                    "last_error_at": stats_day.last_error_at,
                    "queue_depth": stats_day.queued,
                    "oldest_pending_age": (
                        max(0.0, now - stats_day.oldest_queued_at)
                        if stats_day.oldest_queued_at is not None
                        else None
                    ),
                    "transform": {
                        **stage.get(name, LaneStats()).to_dict(),
                        "weight": ep.transform_weight,
                        "cap": share_of(self.app.config.endpoints, name, threads).cap,
                    },
                }
            )
        return out

    # -- acting ----------------------------------------------------------------------------

    async def replay(self, delivery_id: int) -> Delivery:
        d = await self.delivery(delivery_id)
        replayed = await self._replay(d, {})
        self.app.dispatcher.kick()
        return replayed

    async def _replay(self, d: Delivery, refreshed: dict[str, str | None]) -> Delivery:
        """Replay one delivery. ``refreshed`` holds the endpoints whose handler file was
        already looked at in this operation, with the error if it did not load: a bulk
        replay reads each file once."""
        if d.status == "delivering":
            raise OperationError(
                409, f"delivery {d.id} is being delivered right now; try again later"
            )
        ep = self.app.config.endpoints.get(d.endpoint)
        if ep is None:
            raise OperationError(409, f"endpoint {d.endpoint!r} is no longer configured")
        event = await self.app.store.get_event(d.event_id)
        if event is not None and not ep.accepts(event.event_type):
            raise OperationError(
                409,
                f"event type {event.event_type!r} is outside the endpoint's "
                "events filter; add it to `events` to deliver it",
            )
        if self.app.config.server.watch_handlers:
            if ep.name not in refreshed:
                try:
                    # What the watcher would load a moment later, loaded now: the replay
                    # runs the handler as it is on disk.
                    await asyncio.to_thread(self.app.handlers.refresh, ep.name)
                    refreshed[ep.name] = None
                except HandlerLoadError as e:
                    refreshed[ep.name] = str(e)
            if (problem := refreshed[ep.name]) is not None:
                raise OperationError(
                    409,
                    f"not replayed: the handler file does not load ({problem}); fix it, or "
                    "the version still running keeps being used for new events",
                )
        replayed = await self.app.store.replay(d.id, self.app.clock.now())
        if replayed is None:
            raise OperationError(404, f"no delivery {d.id}")
        self.app.events.operated(replayed, "replayed")
        return replayed

    async def cancel(self, delivery_id: int) -> Delivery:
        d = await self.delivery(delivery_id)
        if d.status != "pending":
            raise OperationError(
                409,
                f"delivery {d.id} is {d.status}; only a pending delivery (also one waiting "
                "for a retry) can be cancelled",
            )
        cancelled = await self.app.store.cancel(d.id, self.app.clock.now())
        if cancelled is None or cancelled.status != "cancelled":
            raise OperationError(409, f"delivery {d.id} was claimed meanwhile; try again")
        self.app.dispatcher.kick()  # the customer's next delivery may go now
        self.app.events.operated(cancelled, "cancelled")
        return cancelled

    async def count(self, query: DeliveryQuery) -> int:
        return await self.app.store.count(query)

    async def bulk_replay(self, query: DeliveryQuery, shown: Mapping[str, Any]) -> BulkReplayed:
        """Replay every delivery matching ``query`` (at most :data:`BULK_MAX`), newest first.

        ``query.before`` pins the set that was counted for the confirmation: deliveries that
        arrived after the count are not included.
        """
        started = self.app.clock.now()
        rows = await self.app.store.search(query, BULK_MAX)
        refreshed: dict[str, str | None] = {}
        replayed: list[int] = []
        refused: dict[int, str] = {}
        try:
            for row in rows:
                try:
                    replayed.append((await self._replay(row.delivery, refreshed)).id)
                except OperationError as e:
                    refused[row.delivery.id] = str(e)
            bulk_id = await self.app.store.add_bulk_replay(started, shown, replayed, refused)
        except self.app.store.unavailable as e:
            if not replayed:
                raise  # nothing happened: the plain "store is unavailable" answer says it all
            # Some replays stand and will be delivered; their progress cannot be kept. Say
            # which, since running the same filter again would replay them a second time.
            log.error("bulk replay stopped: the store is unavailable: %s", said(e))
            message = (
                f"the store became unavailable ({said(e)}) during the bulk "
                f"replay: {len(replayed)} of {len(rows)} deliveries were replayed and will be "
                f"delivered once it is back (ids {_id_list(replayed)}); this replay's progress "
                "is not kept."
            )
            if rest := len(rows) - len(replayed):
                message += (
                    f" The other {rest} were not replayed: once the store is back, replay them "
                    "(a filter such as status=failed no longer matches the ones replayed)."
                )
            raise OperationError(503, message) from e
        finally:
            if replayed:
                self.app.dispatcher.kick()
        return await self.bulk(bulk_id)

    async def bulk(self, bulk_id: int) -> BulkReplayed:
        """One bulk replay, with each of its deliveries' current status."""
        kept = await self.app.store.bulk_replay(bulk_id)
        if kept is None:
            raise OperationError(
                404, f"no bulk replay {bulk_id} (kept: the last {BULK_REPLAYS_KEPT})"
            )
        await self._settle(kept)
        return kept

    async def bulks(self) -> list[BulkReplayed]:
        """The kept bulk replays, newest first, with their counts (one store call each)."""
        kept = []
        for bulk_id in await self.app.store.bulk_replay_ids():
            bulk = await self.app.store.bulk_replay(bulk_id, each=False)
            if bulk is not None:  # not forgotten meanwhile
                await self._settle(bulk)
                kept.append(bulk)
        return kept

    async def _settle(self, bulk: BulkReplayed) -> None:
        # Once every delivery has finished, its counts are kept: a later replay of the same
        # deliveries neither reopens this one nor makes it count them again.
        if not bulk.settled and all(s in REPLAY_ENDED for s in bulk.by_status):
            await self.app.store.settle_bulk_replay(bulk.id, bulk.by_status)

    async def enable(self, endpoint: str) -> bool:
        if endpoint not in self.app.config.endpoints:
            raise OperationError(404, f"no endpoint {endpoint!r}")
        enabled = await self.app.health.enable(endpoint)
        self.app.dispatcher.kick()
        return enabled


def _rates(stats: EndpointStats) -> dict[str, Any]:
    return {
        "attempts": stats.attempts,
        "succeeded": stats.succeeded,
        "success_rate": stats.succeeded / stats.attempts if stats.attempts else None,
        "mean_ms": round(stats.mean_ms, 1) if stats.mean_ms is not None else None,
        "max_ms": round(stats.max_ms, 1) if stats.max_ms is not None else None,
    }


def listed_dict(row: Listed) -> dict[str, Any]:
    """A list row as the API answers it (the transform record is left to the detail)."""
    out = row.to_dict()
    out["handler_version"] = (row.delivery.transform or {}).get("handler_version")
    out.pop("transform", None)
    return out


def _tail(secret: str) -> str:
    """A secret as pages and answers show it: its last four characters, when it is long
    enough that they give nothing away."""
    return f"…{secret[-4:]}" if len(secret) > 12 else "…"
