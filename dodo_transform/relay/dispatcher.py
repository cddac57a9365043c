"""The delivery worker: claim due deliveries, transform, guard egress, rate-limit, send, record.

One asyncio task per claimed delivery, at most ``concurrency`` at a time, sharing one HTTP
client (:class:`~.sender.Sender`). The loop sleeps until new work is signalled (:meth:`kick`,
called by the receiver, or a shared store's notification) or the next delivery falls due; it
polls only, once a second, while an endpoint at its share of the slots has due work.

With several endpoints, one holds at most three quarters of the slots (its *share*): a
backlog on one endpoint, behind a slow handler or a slow target, leaves slots for the
others' deliveries, whose handlers then run in their own queues of the transform stage
(:mod:`~.transformer`).

Store calls are batched: one claim takes every free slot's delivery (and one read their
events), and outcomes are group-committed (:class:`~.batching.GroupCommit`). Recording an
outcome also claims the next delivery of its ordering chain (a hand-off), which the same task
then delivers: a customer's burst flows one delivery after another without waiting for the
loop. The hand-off also names the delivery after that one, whose transform then starts while
the one handed on is sent (a transform is pure: only sending must wait its turn). Claims
are leases, renewed while the worker holds them; when the store is unreachable the worker
backs off, keeps what it has to record, and resumes when it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..clock import Clock, SystemClock
from ..sandbox import ErrorKind, SandboxProcessError, TransformError
from ..sandbox.base import BaseSandbox
from ..sandbox.errors import cap_text
from ..transform import Decision, Request, redact_userinfo, transform_async, url_problem
from .batching import GroupCommit
from .config import Config, EndpointConfig
from .egress import EgressDenied, ResolveError, Resolver, check_url, system_resolve
from .events import Observer
from .handlers import Handlers, LoadedHandler
from .health import EndpointHealth
from .ratelimit import Limiter, Permit, RateLimiter, limiter_key
from .retry import is_final_failure, is_success, next_delay, parse_retry_after
from .sender import Sender, SendFailed
from .store import (
    LOCAL_OWNER,
    RESPONSE_MAX_BYTES,
    AsyncStore,
    Attempt,
    Delivery,
    Event,
    Outcome,
    Status,
    bound_body,
    said,
    truncate_body,
    without_body,
)
from .transformer import TransformStage
from .wire import scope_decision, stamp

T = TypeVar("T")
log = logging.getLogger("dodo_transform.dispatcher")
IDLE_WAKE = 30.0  # re-check the store at least this often, in case the clock jumped
SKIPPED_WAKE = 1.0  # ... and this often while an endpoint at its share of slots has due work
# While the store is unreachable: first retry after this long, doubling up to the cap.
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0
# While this many webhooks are being received at once, the worker yields the CPU to them: it
# keeps at most YIELDING_IN_FLIGHT deliveries in flight (``concurrency`` if lower) and chains
# hand on no further. Acknowledgements are what Dodo waits for; stored deliveries can wait,
# and still progress.
INGEST_PRESSURE = 8
YIELDING_IN_FLIGHT = 4
# Once the grace is over, recording what was cut short and requeueing it wait at most this
# long each for the store (a lock held elsewhere would otherwise hold the stop for minutes).
STOP_STORE_TIMEOUT = 5.0
# On a shared store, a delivery for an endpoint this instance does not know waits this long
# (retried this often) for a config change to reach it, then fails: counted from its event's
# arrival or from when this instance first met the endpoint missing, whichever is later, so
# a replay of an old event waits like a new one.
UNKNOWN_ENDPOINT_WAIT, UNKNOWN_ENDPOINT_RETRY = 600.0, 10.0
# A transform run ahead for a chain's next delivery is used only this young (seconds): a
# handler may read the clock, and a long rate-limit wait, a slow target or a store outage
# before its turn would otherwise make what it read stale. Older, it runs again.
AHEAD_MAX_AGE = 1.0


@dataclass(frozen=True)
class _Foreseen:
    """A transform started ahead, for the delivery due after the one a chain is sending.
    It stands only for that delivery with the same endpoint and handler version."""

    delivery_id: int
    endpoint: EndpointConfig
    version: str
    started: float
    decision: asyncio.Task[Decision]

    def drop(self) -> None:
        self.decision.cancel()


def _retrieved(task: asyncio.Task[Decision]) -> None:
    # A dropped transform's failure is nobody's: it must not be logged as never retrieved.
    if not task.cancelled():
        task.exception()


def new_client() -> Sender:
    """The worker's HTTP client (create it on the event loop that uses it)."""
    return Sender()


class Dispatcher:
    def __init__(
        self,
        config: Config,
        store: AsyncStore,
        client: Sender,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        limiter: Limiter | None = None,
        resolve: Resolver = system_resolve,
        concurrency: int | None = None,
        sandbox: BaseSandbox | None = None,
        stage: TransformStage | None = None,
        handlers: Handlers | None = None,
        events: Observer | None = None,
        health: EndpointHealth | None = None,
        owner: str = LOCAL_OWNER,
        lease: float | None = None,
    ) -> None:
        # Endpoint -> when a delivery for it first met this instance's config without it.
        self._unknown_since: dict[str, float] = {}
        self.config = config
        # QuickJS runs on the stage's sandbox threads, shared fairly between endpoints; the
        # event loop awaits it. A given ``sandbox`` makes a stage of one thread.
        self._own_stage = stage is None
        self.stage = stage or TransformStage.for_config(
            config.server, lambda: self.config.endpoints, sandbox=sandbox
        )
        self.handlers = handlers or Handlers(config.endpoints)
        self.events = events or Observer()
        self.store = store
        self.client = client
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.limiter = limiter or RateLimiter(self.clock)
        self.resolve = resolve
        self.concurrency = concurrency or config.server.concurrency
        self.health = health or EndpointHealth(
            store, self.clock, self.events, config.server.disable_endpoint_after
        )
        # The event of each delivery in flight, for the observers (logs name its webhook-id).
        self._event_of: dict[int, Event] = {}
        self.owner = owner
        self.lease = lease or config.server.lease
        self._wake = asyncio.Event()
        self._tasks: dict[int, asyncio.Task[None]] = {}  # by chain: see _chains
        self._chains = itertools.count()
        self._slots: Counter[str] = Counter()  # tasks (delivery chains) per endpoint
        self._stopping = False
        self._loop_running = False
        self._loop_exited = asyncio.Event()
        self._events: dict[int, Event] = {}  # read with the claim, for deliver()
        # Finished delivery id -> its chain's next, and the one due after that with its event.
        # Delivery id -> the delivery handed on after it, when its lease was granted, and
        # the one due after that (with its event).
        self._handed: dict[int, tuple[Delivery, float, tuple[Delivery, Event] | None]] = {}
        self._foreseen: dict[int, _Foreseen] = {}  # delivery id -> its transform, started
        self._held: set[int] = set()  # deliveries this worker is working on (lease renewal)
        # Until when each held delivery's lease was last known good (a shared store): a
        # worker that stalled past it (a paused VM) asks before sending.
        self._leased_until: dict[int, float] = {}
        # A store call failed: one that committed may have lost its answer with the
        # connection, leaving rows leased to this worker that it does not know it holds.
        self._maybe_orphaned = False
        # Attempts on the wire: delivery id -> (delivery, request as sent, started, perf t0).
        self._sending: dict[int, tuple[Delivery, Request, float, float]] = {}
        self._recorder = GroupCommit(self._record)
        self.store_error: str | None = None  # the last store failure, until a call succeeds
        # How many webhooks the server is receiving right now (it sets this).
        self.receiving: Callable[[], int] = lambda: 0

    def kick(self) -> None:
        """New or newly due work: wake the loop."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run(self) -> None:
        """The worker loop, until :meth:`stop`."""
        self._loop_running = True
        renewing = asyncio.create_task(self._renew_leases(), name="lease-renewal")
        backoff = BACKOFF_FIRST
        try:
            await self._retrying(lambda: self.store.listen(self.kick))
            while not self._stopping:
                self._wake.clear()
                try:
                    await self._fill()
                    timeout = await self._idle_time()
                    self._store_ok()
                    backoff = BACKOFF_FIRST
                except Exception as e:  # the store is down or failing: back off, then retry
                    self._store_failed("claiming deliveries", e)
                    timeout, backoff = backoff, min(backoff * 2, BACKOFF_MAX)
                if self._stopping:
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            self._loop_exited.set()

    def _store_ok(self) -> None:
        if self.store_error is not None:
            log.warning("the store answers again; delivery resumes")
            self.store_error = None

    def _store_failed(self, doing: str, e: Exception) -> None:
        self._maybe_orphaned = True
        if self.store_error is None:
            log.error("%s failed (%s); retrying with backoff", doing, said(e))
        self.store_error = said(e)

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` until it succeeds, backing off while the store is unreachable."""
        backoff = BACKOFF_FIRST
        while True:
            try:
                result = await call()
            except Exception as e:
                self._store_failed("a store call", e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            self._store_ok()
            return result

    @property
    def config(self) -> Config:
        return self._config

    @config.setter
    def config(self, config: Config) -> None:  # a reload: what was missing is looked at anew
        self._config = config
        self._unknown_since.clear()

    async def _renew_leases(self) -> None:
        """Keep the leases of what this worker holds: it may wait long for a rate limit."""
        while True:
            await asyncio.sleep(self.lease / 3)
            if not self._held:
                continue
            try:
                held, now = sorted(self._held), self.clock.now()
                renewed = await self.store.renew(now, held, owner=self.owner, lease=self.lease)
            except Exception as e:
                self._store_failed("renewing leases", e)
                continue
            for i in renewed:  # the others went elsewhere: each is asked before its send
                if i in self._leased_until:
                    self._leased_until[i] = now + self.lease

    async def run_once(self) -> int:
        """Deliver everything due at ``clock.now()`` and wait for it; returns how many ran."""
        total = 0
        while True:
            total += await self._fill()
            if not self._tasks:
                return total
            await asyncio.wait(list(self._tasks.values()))

    async def stop(self, grace: float) -> None:
        """Stop claiming; let in-flight attempts finish for ``grace`` s; requeue the rest."""
        self._stopping = True
        self.kick()
        if self._loop_running:
            # A claim in progress may still start tasks: let the loop finish first.
            await self._loop_exited.wait()
        if self._tasks:
            _, late = await asyncio.wait(list(self._tasks.values()), timeout=grace)
            cut_short = list(self._sending.values())
            # Their events, for the observers, before the cancelled tasks forget them.
            events = {d.id: self._event_of.get(d.id) for d, *_ in cut_short}
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            await self._record_interrupted(cut_short, grace, events)
        # Whatever was cut short goes back to pending: it will be retried (at-least-once). If
        # the store is unreachable now, the leases run out and another instance (or this
        # one, restarted) takes them over.
        try:
            await asyncio.wait_for(
                self.store.recover(self.clock.now(), self.owner), STOP_STORE_TIMEOUT
            )
        except Exception as e:
            log.error(
                "requeueing interrupted deliveries failed (%s); %s",
                said(e),
                "the next start requeues them"
                if not self.store.shared
                else "their leases will expire",
            )
        if self._own_stage:
            # The grace is over: what still runs is for attempts cut short already.
            await asyncio.to_thread(self.stage.close, cut_short=True)

    async def _record_interrupted(
        self,
        cut_short: Sequence[tuple[Delivery, Request, float, float]],
        grace: float,
        events: Mapping[int, Event | None],
    ) -> None:
        """Attempts still on the wire when the grace ran out: recorded, due again at once.

        The target may have received the request: the history says so, and the attempt sent
        again after the restart carries the same Idempotency-Key for the target to dedupe on.
        """
        if not cut_short:
            return
        now = self.clock.now()
        error = f"interrupted: server shut down after {grace:g} s grace"
        outcomes = [
            Outcome(
                d.id,
                "pending",
                now,
                self.owner,
                Attempt(
                    d.id,
                    0,
                    started,
                    self._stored(request),
                    None,
                    None,
                    round((time.perf_counter() - t0) * 1000, 3),
                    error,
                ),
                next_attempt_at=now,
                last_error=f"{error}; sent again on restart",
            )
            for d, request, started, t0 in cut_short
        ]
        try:
            await asyncio.wait_for(
                self.store.finish_many(outcomes, handoff=False, lease=self.lease),
                STOP_STORE_TIMEOUT,
            )
        except Exception as e:  # recover() below (or the next start) still requeues them
            log.error("recording %d interrupted attempts failed (%s)", len(outcomes), said(e))
            return
        log.warning("%d attempts interrupted by the shutdown; recorded, due again", len(outcomes))
        # Failed attempts like any other for the logs, metrics and alerts.
        for (d, *_), o in zip(cut_short, outcomes, strict=True):
            self.events.recorded(
                d,
                "pending",
                attempt=o.attempt,
                last_error=o.last_error,
                next_attempt_at=o.next_attempt_at,
                event=events.get(d.id),
            )

    def _yielding(self) -> bool:
        return self.receiving() >= INGEST_PRESSURE

    def _limit(self) -> int:
        return min(YIELDING_IN_FLIGHT, self.concurrency) if self._yielding() else self.concurrency

    def _share(self, limit: int) -> int:
        """The most slots one endpoint may hold: with several endpoints, a quarter of them
        (at least one) stays for the others, so a backlog on one endpoint (a slow handler,
        a slow target) never keeps another's deliveries from being claimed."""
        if len(self.config.endpoints) <= 1:
            return limit
        return max(1, limit - max(1, limit // 4))

    async def _fill(self) -> int:
        if self._maybe_orphaned and not self._tasks:
            # Nothing in flight here, so every row leased to this worker is one whose claim
            # (or hand-off) lost its answer: take them back now, not when their leases run out.
            taken = await self.store.recover(self.clock.now(), self.owner)
            self._maybe_orphaned = False
            if taken:
                log.warning("took back %d deliveries claimed as the store connection broke", taken)
        total = 0
        while not self._stopping:
            limit = self._limit()
            free = limit - len(self._tasks)
            if free <= 0:
                break
            share = self._share(limit)
            skip = {ep for ep, n in self._slots.items() if n >= share}
            # No endpoint passes its share with this claim, whatever it brings.
            room = min([free, share] + [share - n for ep, n in self._slots.items() if n < share])
            granted = self.clock.now()  # the leases run from here
            claimed = await self.store.claim(
                granted, room, owner=self.owner, lease=self.lease, skip=skip
            )
            if claimed:
                try:
                    self._events.update(await self.store.get_events([d.event_id for d in claimed]))
                except Exception as e:  # deliver() reads each event itself then
                    self._store_failed("reading claimed events", e)
            for d in claimed:
                if d.id in self._held:
                    # Ours and still running: its lease ran out while the store was away,
                    # and this claim took it again. The running attempt records it.
                    self._events.pop(d.event_id, None)
                    continue
                chain = next(self._chains)
                task = asyncio.create_task(self._chain(d, granted), name=f"delivery-{d.id}")
                self._tasks[chain] = task
                self._slots[d.endpoint] += 1
                task.add_done_callback(functools.partial(self._done, chain, d.endpoint))
                total += 1
            if len(claimed) < room:
                break
        return total

    def _done(self, chain: int, endpoint: str, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(chain, None)
        self._slots[endpoint] -= 1
        if not self._slots[endpoint]:
            del self._slots[endpoint]
        self.kick()

    async def _chain(self, d: Delivery, granted: float) -> None:
        """Deliver ``d`` (its lease granted at ``granted``), then each next delivery of its
        chain handed on when one finishes, each one's transform started while the one before
        it is sent."""
        next_: Delivery | None = d
        after: tuple[Delivery, Event] | None = None
        ahead: _Foreseen | None = None
        try:
            while next_ is not None:
                self._held.add(next_.id)
                # From when the store granted it: a stall since (a paused VM, a long wait for
                # the store) may have let it run out unrenewed.
                self._leased_until[next_.id] = granted + self.lease
                if ahead is not None:
                    if ahead.delivery_id == next_.id:
                        self._foreseen[next_.id] = ahead  # for deliver()
                    else:
                        ahead.drop()  # the chain went another way (a replay, a cancel)
                # Not while stopping or yielding: nothing would be handed on to use it.
                ahead = None
                if after is not None and not (self._stopping or self._yielding()):
                    ahead = self._foresee(*after)
                try:
                    await self._guarded(next_)
                finally:
                    # Recorded, or given up on (its lease then expires and it is taken over).
                    self._held.discard(next_.id)
                    self._leased_until.pop(next_.id, None)
                    self._event_of.pop(next_.id, None)
                    unused = self._foreseen.pop(next_.id, None)
                    if unused is not None:
                        unused.drop()
                next_, granted, after = self._handed.pop(next_.id, (None, 0.0, None))
        finally:
            if ahead is not None:  # nothing was handed on to use it
                ahead.drop()

    def _foresee(self, d: Delivery, event: Event) -> _Foreseen | None:
        try:
            ep = self.config.endpoints.get(d.endpoint)
            if ep is None:
                return None
            loaded = self.handlers.get(ep.name)
        except Exception:  # a bug of ours: the delivery transforms itself when its turn comes
            log.exception("starting the transform of delivery %s ahead failed", d.id)
            return None
        task = asyncio.ensure_future(self._transform(ep, loaded, event))
        task.add_done_callback(_retrieved)
        return _Foreseen(d.id, ep, loaded.version, self.clock.now(), task)

    async def _idle_time(self) -> float:
        if len(self._tasks) >= self._limit():
            return IDLE_WAKE  # a finishing task kicks us
        due = await self.store.next_due()
        if due is None:
            return IDLE_WAKE
        if due <= self.clock.now() and max(self._slots.values(), default=0) >= self._share(
            self._limit()
        ):
            # Likely the due work of an endpoint at its share: one of its tasks finishing
            # kicks us. Look again now and then in case it was someone else's.
            return SKIPPED_WAKE
        # A due delivery we could not claim (race with a finishing one): look again soon.
        return min(IDLE_WAKE, max(0.05, due - self.clock.now()))

    async def _guarded(self, d: Delivery) -> None:
        try:
            await self.deliver(d)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            # A bug, or a handler result the host cannot use, or a sandbox process that died:
            # a failed attempt like any other, so a deterministic failure ends `failed` after
            # the schedule instead of holding its ordering key (and the row) forever.
            if isinstance(e, SandboxProcessError):  # says what happened: no traceback
                log.error("delivery %s: %s", d.id, e)
            else:
                log.exception("delivery %s crashed", d.id)
            try:
                await self._crashed(d, e)
            except Exception:  # the store itself failing: recover() requeues it on restart
                log.exception("recording the crash of delivery %s failed", d.id)

    async def _crashed(self, d: Delivery, e: Exception) -> None:
        row = await self.store.get_delivery(d.id)
        if row is None or row.status != "delivering":
            return  # the crash came after the outcome was recorded: keep it
        error = str(e) if isinstance(e, SandboxProcessError) else f"internal error: {e!r}"
        attempt = Attempt(d.id, 0, self.clock.now(), None, None, None, 0.0, error)
        ep = self.config.endpoints.get(d.endpoint)
        if ep is None:
            await self._finish(
                d, "failed", now=self.clock.now(), attempt=attempt, last_error=attempt.error
            )
            return
        await self._after_failure(row, ep, attempt, None, None, False, None)

    async def _finish(
        self,
        d: Delivery,
        status: Status,
        *,
        now: float,
        attempt: Attempt | None = None,
        next_attempt_at: float | None = None,
        last_error: str | None = None,
        transform: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a claimed delivery's new state (and its attempt), then tell the observers.

        While the store is unreachable the outcome waits here and is retried with backoff;
        the lease is not renewed meanwhile, so if the outage outlasts it another instance
        may deliver it again (at-least-once) and this outcome no longer applies.
        """
        outcome = Outcome(
            d.id, status, now, self.owner, attempt, next_attempt_at, last_error, transform
        )
        recorded = await self._retrying(lambda: self._recorder.submit(outcome))
        applied, handed, following, granted = recorded
        if not applied:
            log.warning("delivery %s: lease lost to another instance; outcome not recorded", d.id)
            return
        if handed is not None:
            self._handed[d.id] = (handed, granted, following)
        self.events.recorded(
            d,
            status,
            attempt=attempt,
            transform=transform,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            event=self._event_of.get(d.id),
        )
        if attempt is not None:  # endpoint health lives in the store too
            await self._retrying(lambda: self.health.attempted(d.endpoint, status == "succeeded"))

    async def _record(
        self, outcomes: Sequence[Outcome]
    ) -> list[tuple[bool, Delivery | None, tuple[Delivery, Event] | None, float]]:
        # No hand-off once stopping: what is handed on would only be requeued. Its lease runs
        # from now, not from the outcome's time: a long wait for the store since would have
        # it expire as it is granted, and the next claim take it again while it is sent.
        granted = self.clock.now()
        recorded = await self.store.finish_many(
            outcomes,
            handoff=not (self._stopping or self._yielding()),
            lease=self.lease,
            at=granted,
        )
        events = recorded.events
        following = recorded.following or [None] * len(outcomes)
        out: list[tuple[bool, Delivery | None, tuple[Delivery, Event] | None, float]] = []
        for applied, handed, after in zip(
            recorded.applied, recorded.handed_off, following, strict=True
        ):
            if handed is not None and handed.event_id in events:
                self._events[handed.event_id] = events[handed.event_id]
            known = None if after is None else events.get(after.event_id)
            out.append((applied, handed, (after, known) if after and known else None, granted))
        return out

    async def _transform(self, ep: EndpointConfig, loaded: LoadedHandler, event: Event) -> Decision:
        return await transform_async(
            loaded.handler,
            event.body,
            sandbox=self.stage.lane(ep.name),
            url=ep.url,
            env=ep.env,
            headers=ep.headers,
            event_type=event.event_type or "",
            limits=ep.limits,
        )

    async def deliver(self, d: Delivery) -> None:
        """One attempt of one claimed delivery, recorded in the store."""
        ep = self.config.endpoints.get(d.endpoint)
        now = self.clock.now()
        if (
            ep is None
            and self.store.shared
            and now - max(self._unknown_since.get(d.endpoint, now), d.created_at)
            < UNKNOWN_ENDPOINT_WAIT
        ):
            # Another instance received it, so it knows the endpoint: a config change is
            # reaching the instances one by one (each reloads its own). Wait for it here.
            self._events.pop(d.event_id, None)
            if d.endpoint not in self._unknown_since:
                self._unknown_since[d.endpoint] = now
                log.warning(
                    "endpoint %r is not in this instance's config; its deliveries wait (up to "
                    "%.0f min) for the config another instance runs to reach this one",
                    d.endpoint,
                    UNKNOWN_ENDPOINT_WAIT / 60,
                )
            await self._finish(
                d,
                "pending",
                now=now,
                next_attempt_at=now + UNKNOWN_ENDPOINT_RETRY,
                last_error=f"endpoint {d.endpoint!r} is not configured on the instance that "
                "claimed it (a config change not reloaded everywhere yet?); waiting",
            )
            return
        if ep is None:
            self._events.pop(d.event_id, None)
            await self._finish(
                d,
                "failed",
                now=now,
                last_error=f"endpoint {d.endpoint!r} is no longer configured",
            )
            return
        # Not read with its claim when the store broke off then: read now, waiting for the
        # store to answer like any other call of the worker (a failure here is no crash).
        event = self._events.pop(d.event_id, None) or await self._retrying(
            lambda: self.store.get_event(d.event_id)
        )
        assert event is not None, f"delivery {d.id} has no event"
        self._event_of[d.id] = event
        loaded = self.handlers.get(ep.name)
        # Its transform, if its chain started it ahead: used while the endpoint and the
        # handler are the ones it ran with, and while it is fresh. (Left in _foreseen on
        # the way here, _chain drops it.)
        foreseen = self._foreseen.pop(d.id, None)
        if foreseen is not None and (
            (foreseen.endpoint, foreseen.version) == (ep, loaded.version)
            and self.clock.now() - foreseen.started <= AHEAD_MAX_AGE
        ):
            decision = await foreseen.decision
        else:
            if foreseen is not None:  # reloaded meanwhile, or stale: run it afresh
                foreseen.drop()
            decision = await self._transform(ep, loaded, event)
        # The endpoint's credentials only where they may go (or the credential_scope error).
        decision = scope_decision(decision, ep)
        record = decision.to_dict()
        record["handler_version"] = loaded.version  # which code produced this transform
        # The body is the attempts' to keep (cut at max_stored_body_bytes): the delivery's
        # record of the transform keeps its length and hash, whatever the handler returned.
        record["request"] = without_body(record["request"])
        if record["error"] is not None:  # a handler may throw a message of megabytes
            record["error"] = {
                k: cap_text(v) if isinstance(v, str) else v for k, v in record["error"].items()
            }
        if decision.status == "cancelled":
            await self._finish(d, "cancelled", now=self.clock.now(), transform=record)
            return
        if decision.status == "error" or decision.request is None:
            err = decision.error
            msg = f"{err.kind}: {cap_text(err.message)}" if err else "transform produced no request"
            await self._finish(
                d, "transform_failed", now=self.clock.now(), last_error=msg, transform=record
            )
            return
        request = decision.request
        target = ep.rewrite(request.url)
        if target != request.url:
            if url_problem(target):  # the handler's URL passed: the rewrite broke it
                shown = redact_userinfo(target)  # the replacement may carry a proxy's password
                why = url_problem(shown) or f"the rewritten URL cannot be sent; got {shown!r}"
                why = why.replace("webhook.url", "the rewritten URL", 1)
                made_of = redact_userinfo(request.url)
                await self._refuse(
                    d, record, "invalid_url", f"{why} (rewrite_urls made it of {made_of!r})"
                )
                return
            request = replace(request, url=target)
        try:
            await check_url(request.url, ep.allow_hosts, self.resolve)
        except (EgressDenied, ValueError) as e:
            kind: ErrorKind = "egress_denied" if isinstance(e, EgressDenied) else "invalid_url"
            await self._refuse(d, record, kind, str(e))
            return
        except ResolveError as e:
            attempt = Attempt(
                d.id, 0, self.clock.now(), self._stored(request), None, None, 0.0, str(e)
            )
            await self._after_failure(d, ep, attempt, record, None, False, None)
            return
        # The limiter belongs to the API the handler addressed, also when it is rewritten to
        # a local emulator: MailerLite's 120/minute still applies.
        host = urlsplit(decision.request.url).hostname or ""
        await self._send(d, ep, event, request, record, host)

    async def _refuse(self, d: Delivery, record: dict[str, Any], kind: ErrorKind, msg: str) -> None:
        """The dispatcher's own transform error: nothing is sent."""
        record["status"] = "error"
        record["error"] = asdict(TransformError(kind, msg))
        await self._finish(
            d,
            "transform_failed",
            now=self.clock.now(),
            last_error=f"{kind}: {msg}",
            transform=record,
        )

    async def _send(
        self,
        d: Delivery,
        ep: EndpointConfig,
        event: Event,
        request: Request,
        record: dict[str, Any],
        host: str,
    ) -> None:
        rate = ep.rate_for(host)
        key = limiter_key(host, request.headers)
        permit = None
        if rate is not None:
            before = self.clock.now()
            # The shared limiter is in the store: while it is down, wait like any store call.
            permit = await self._retrying(lambda: self.limiter.acquire(key, rate))
            if (waited := self.clock.now() - before) > 0:
                self.events.rate_limited(host, waited)
        if not await self._lease_held(d):
            if permit is not None:  # not sent: the slot is given back
                await self._release_quietly(permit, None, None)
            return
        started = self.clock.now()
        # Signed now, after any rate-limit wait: the signature's timestamp is this attempt's.
        stamped = stamp(request, ep, event, started)
        request = stamped.request
        if stamped.warnings:
            record["warnings"] = [*record.get("warnings", []), *stamped.warnings]
        t0 = time.perf_counter()
        self._sending[d.id] = (d, request, started, t0)
        status: int | None = None
        body: str | None = None
        error: str | None = None
        timed_out = False
        resp_headers: Mapping[str, str] | None = None
        try:
            answer = await self.client.send(
                request.method,
                request.url,
                request.headers,
                request.body.encode("utf-8"),
                timeout=ep.timeout,
                max_bytes=RESPONSE_MAX_BYTES,
            )
            status, resp_headers = answer.status, answer.headers
            body = truncate_body(answer.body)
        except SendFailed as e:  # a failed attempt, never a crash
            error, timed_out = e.message, e.timed_out
        finally:
            self._sending.pop(d.id, None)
            if permit is not None:
                await self._release_quietly(permit, resp_headers, status)
        duration_ms = (time.perf_counter() - t0) * 1000
        attempt = Attempt(
            d.id, 0, started, self._stored(request), status, body, round(duration_ms, 3), error
        )
        if is_success(status):
            await self._finish(
                d, "succeeded", now=self.clock.now(), attempt=attempt, transform=record
            )
            return
        retry_after = (
            parse_retry_after(
                next((v for k, v in resp_headers.items() if k.lower() == "retry-after"), None),
                self.clock.now(),
            )
            if resp_headers is not None
            else None
        )
        await self._after_failure(d, ep, attempt, record, status, timed_out, retry_after)

    async def _release_quietly(
        self, permit: Permit, headers: Mapping[str, str] | None, status: int | None
    ) -> None:
        try:
            await self.limiter.finished(permit, headers, status)
        except Exception as e:  # the slot lapses by itself; the outcome still counts
            self._store_failed("releasing a rate-limit slot", e)

    async def _lease_held(self, d: Delivery) -> bool:
        """Whether this worker still holds ``d``: asked of the store only when the lease may
        have run out unrenewed (the worker stalled: a paused VM, a starved process), since
        another instance may have taken the delivery over and sent it, and later ones of its
        customer, meanwhile. Sending it now would repeat it out of order."""
        until = self._leased_until.get(d.id, float("inf"))
        if not self.store.shared or self.clock.now() < until - self.lease / 3:
            return True

        async def renew() -> tuple[set[int], float]:  # from the moment the store is asked
            at = self.clock.now()
            return await self.store.renew(at, [d.id], owner=self.owner, lease=self.lease), at

        held, at = await self._retrying(renew)
        if held:
            self._leased_until[d.id] = at + self.lease
            return True
        log.warning(
            "delivery %s: this worker stalled past its lease and another instance took it "
            "over; not sent from here",
            d.id,
        )
        return False

    def _stored(self, request: Request) -> dict[str, Any]:
        """The request as an attempt records it: secrets redacted, the body bounded."""
        return bound_body(request.redacted().to_dict(), self.config.server.max_stored_body_bytes)

    async def _after_failure(
        self,
        d: Delivery,
        ep: EndpointConfig,
        attempt: Attempt,
        record: dict[str, Any] | None,
        status: int | None,
        timed_out: bool,
        retry_after: float | None,
    ) -> None:
        now = self.clock.now()
        what = f"HTTP {status}" if status is not None else (attempt.error or "no response")
        if is_final_failure(status, ep.retry_on_4xx):
            await self._finish(
                d,
                "failed",
                now=now,
                attempt=attempt,
                transform=record,
                last_error=f"{what}: not retried (a 4xx other than "
                f"{', '.join(map(str, sorted(ep.retry_on_4xx)))} is final)",
            )
            return
        failures = d.schedule_attempts + 1  # since the last replay: a replay starts afresh
        delay = next_delay(
            failures,
            ep.retry_schedule,
            rng=self.rng,
            status=status,
            timed_out=timed_out,
            retry_after=retry_after,
        )
        if delay is None:
            await self._finish(
                d,
                "failed",
                now=now,
                attempt=attempt,
                transform=record,
                last_error=f"{what}: gave up after {failures} attempts",
            )
            return
        await self._finish(
            d,
            "pending",
            now=now,
            attempt=attempt,
            transform=record,
            next_attempt_at=now + delay,
            last_error=f"{what}: retrying in {delay:.0f} s",
        )
