"""The transform stage: N sandboxes shared fairly between endpoints.

Each endpoint has its own queue of runs (a *lane*). A free sandbox thread takes the next run
from the lane that has used the least sandbox CPU time so far, relative to its weight
(start-time fair queuing over measured run time): a handler that spins for 200 ms per event
is charged 200 ms, so a pass-through endpoint beside it gets the next free thread after at
most one of its runs, not after all of them. A lane runs at most ``cap`` runs at once
(serve's default: one thread fewer than there are, at least 1, unless the endpoint is the
only one), so one endpoint can never occupy every thread; and lanes whose runs are measured
slow (``SLOW_ESTIMATE``) share that cap between them, so several slow endpoints cannot
either.

A lane that was idle starts again at the current virtual time: being quiet for an hour earns
no credit to monopolise the threads afterwards.

Every run still gets a fresh QuickJS context (see :mod:`~dodo_transform.sandbox.pool`); each
"thread" is a sandbox of its own with its own warm contexts, and a lane's runs go back to the
thread that ran it last when that one is free, where its next context is already prepared.
serve's sandboxes are child processes (:class:`~dodo_transform.sandbox.process.ProcessSandbox`),
so neither QuickJS nor the Python around each run takes the GIL from serve's event loop;
``processes=False`` keeps them as threads of this process. Either way throughput scales with
their number.

A child process is given a lane's next run while it runs the previous one (up to
``PIPELINE_DEPTH`` at once), so it never waits for this process between runs: only a lane
whose runs are measured cheap, in the sandboxes it already holds, and only while no other
lane waits for a sandbox (the lines then run out, and that lane gets the first to empty).
A lane's ``cap`` counts sandboxes, not runs in line.

The scheduler is a lock and a few counters: ``submit`` may be called from any thread, and a
run's completion (on its sandbox thread) hands the thread straight to the next lane.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..sandbox import Sandbox
from ..sandbox.base import BaseSandbox
from ..sandbox.job import Job, Limits, RawRun
from ..sandbox.process import ProcessSandbox, SandboxProcessError

if TYPE_CHECKING:
    from .config import EndpointConfig, ServerConfig

__all__ = [
    "Lane",
    "LaneStats",
    "Share",
    "TransformStage",
    "cgroup_cpus",
    "default_threads",
    "share_of",
]

log = logging.getLogger("dodo_transform.transformer")

# What a lane's first run is assumed to cost until one has been measured.
FIRST_ESTIMATE = 0.001
# How fast a lane's cost estimate follows its latest runs.
ESTIMATE_WEIGHT = 0.3
# How many runs a sandbox process is given at once (bench/delivery.py, a spread backlog on
# 2 cores: 1 → 1,182–1,284 deliveries/s; 2, 3, 5 and 8 → 1,300–1,390 alike).
PIPELINE_DEPTH = 2
# A lane's runs queue inside a sandbox, behind its own, only while each costs under this:
# a run queued there cannot move to another sandbox that frees up first.
PIPELINE_MAX_ESTIMATE = 0.005
# Lanes whose runs cost this much or more (seconds of CPU) are slow: under the default caps
# they hold one sandbox fewer than there are between them, not each.
SLOW_ESTIMATE = 0.05


def default_threads() -> int:
    """One sandbox per CPU this process may use: the CPUs it may run on, no more than a
    container's CPU quota allows (a pod limited to 2 CPUs on a 64-core node gets 2)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_cpus()
    return max(1, min(cpus, quota) if quota is not None else cpus)


def cgroup_cpus(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> int | None:
    """The CPU quota of this process's cgroup (v2), rounded up; None when there is none."""
    try:
        quota, period = path.read_text().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError, ZeroDivisionError):  # absent, or not what cgroup v2 writes
        return None


@dataclass(frozen=True)
class Share:
    """An endpoint's claim on the stage: its ``weight`` (2 gets twice the sandbox time of
    1 when both are busy) and ``cap``, the most runs it may have at once (None: the
    stage's default, one thread fewer than there are)."""

    weight: float = 1.0
    cap: int | None = None
    chosen: bool = False  # the cap is the endpoint's own (max_concurrent_transforms)
    gone: bool = False  # the endpoint is no longer in the config (a reload removed it)


def share_of(endpoints: Mapping[str, EndpointConfig], name: str, threads: int) -> Share:
    """An endpoint's share as the config says. Unless it sets ``max_concurrent_transforms``,
    it may use one thread fewer than there are, keeping one for the others, or every thread
    when it is the only endpoint (an endpoint a reload removed: the stage's default)."""
    ep = endpoints.get(name)
    if ep is None:
        return Share(gone=True)
    alone = len(endpoints) == 1
    cap = ep.max_concurrent_transforms or (threads if alone else max(1, threads - 1))
    return Share(ep.transform_weight, cap, chosen=ep.max_concurrent_transforms is not None)


@dataclass(frozen=True)
class LaneStats:
    """One endpoint's use of the stage since start."""

    runs: int = 0
    cpu_seconds: float = 0.0  # sandbox thread CPU time of its runs: what it is charged
    waited: float = 0.0  # time its runs spent in its queue, before a sandbox took them
    queued: int = 0  # waiting: in its queue, or in line inside a sandbox behind its own
    running: int = 0
    peak_running: int = 0  # the most runs it had at once

    def to_dict(self) -> dict[str, float | int]:
        return {
            "runs": self.runs,
            "cpu_seconds": round(self.cpu_seconds, 6),
            "mean_cpu_ms": round(self.cpu_seconds / self.runs * 1000, 3) if self.runs else 0.0,
            "mean_wait_ms": round(self.waited / self.runs * 1000, 3) if self.runs else 0.0,
            "queued": self.queued,
            "running": self.running,
            "peak_running": self.peak_running,
        }


@dataclass
class _Queue:
    name: str
    runs: deque[tuple[Job, concurrent.futures.Future[RawRun], float]] = field(default_factory=deque)
    given: int = 0  # runs given to sandboxes: running, or next in line behind its own
    held: int = 0  # sandboxes holding its runs: how many run at once
    vtime: float = 0.0  # sandbox time used so far, divided by the weight (virtual time)
    estimate: float = FIRST_ESTIMATE  # what its next run will likely cost
    order: int = 0  # when it was last served: breaks ties round-robin
    last_thread: int | None = None
    done: int = 0
    measured: int = 0  # runs that reported their own cost (not failures in the host)
    seconds: float = 0.0
    waited: float = 0.0
    peak: int = 0


Observe = Callable[[str, float, float], None]
# A run handed to a thread: (thread, lane, job, its future, how long it waited in the lane,
# what the lane was charged for it in advance).
_Start = tuple[int, _Queue, Job, concurrent.futures.Future[RawRun], float, float]


class TransformStage:
    """``threads`` sandboxes shared fairly by endpoint: threads, or child processes with
    ``processes=True`` (started here, :class:`SandboxProcessError` if one cannot start, or
    at their first runs with ``prestart=False``), or the ``sandboxes`` given (not closed
    here). ``share(endpoint)`` says an endpoint's weight and cap, read at each run, so a
    config reload applies at once; ``observe(endpoint, seconds, waited)`` is told of every
    finished run (on the sandbox's thread)."""

    def __init__(
        self,
        threads: int | None = None,
        *,
        processes: bool = False,
        prestart: bool = True,
        sandboxes: Sequence[BaseSandbox] | None = None,
        share: Callable[[str], Share] = lambda _name: Share(),
        observe: Observe | None = None,
    ) -> None:
        self._owned = sandboxes is None
        if sandboxes is None:
            count = threads or default_threads()
            if processes:
                sandboxes = children = [ProcessSandbox(depth=PIPELINE_DEPTH) for _ in range(count)]
                if prestart:
                    _start_all(children)
            else:
                sandboxes = [Sandbox() for _ in range(count)]
        if not sandboxes:
            raise ValueError("a transform stage needs at least one sandbox thread")
        self.sandboxes: tuple[BaseSandbox, ...] = tuple(sandboxes)
        self.share = share
        self.observe = observe
        self._lock = threading.Lock()
        self._free: list[int] = list(range(len(self.sandboxes)))  # idle, last freed last
        # Each sandbox's runs given and not finished, and the lane they belong to: a sandbox
        # given several at once (a process's pipeline) holds runs of one lane only.
        self._load = [0] * len(self.sandboxes)
        self._depth = [getattr(s, "pipeline_depth", 1) for s in self.sandboxes]
        self._holder: list[_Queue | None] = [None] * len(self.sandboxes)
        self._queues: dict[str, _Queue] = {}
        self._served = 0
        self._closed = False

    @classmethod
    def for_config(
        cls,
        server: ServerConfig,
        endpoints: Callable[[], Mapping[str, EndpointConfig]],
        *,
        sandbox: BaseSandbox | None = None,
        prestart: bool = True,
        observe: Observe | None = None,
    ) -> TransformStage:
        """The stage ``[server]`` asks for (``sandbox_threads``, ``sandbox_isolation``),
        following ``endpoints`` (:meth:`follow`). A given ``sandbox`` makes a stage of that
        one."""
        stage = cls(
            server.sandbox_threads,
            processes=server.sandbox_isolation == "process",
            prestart=prestart,
            sandboxes=None if sandbox is None else [sandbox],
        )
        stage.follow(endpoints, observe)
        return stage

    def follow(
        self,
        endpoints: Callable[[], Mapping[str, EndpointConfig]],
        observe: Observe | None = None,
    ) -> None:
        """Read each endpoint's share from ``endpoints()`` at each run, so that a reloaded
        config applies at once, and tell ``observe`` of every finished run."""
        self.share = lambda name: share_of(endpoints(), name, self.threads)
        self.observe = observe

    @property
    def threads(self) -> int:
        return len(self.sandboxes)

    def default_cap(self) -> int:
        return max(1, self.threads - 1)

    def submit(self, endpoint: str, job: Job) -> concurrent.futures.Future[RawRun]:
        """Queue ``job`` in ``endpoint``'s lane; the future completes with its run."""
        future: concurrent.futures.Future[RawRun] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the transform stage is closed")
            q = self._queues.get(endpoint)
            if q is None:
                q = self._queues[endpoint] = _Queue(endpoint, vtime=self._now())
            elif not q.runs and not q.given:
                q.vtime = max(q.vtime, self._now())  # no credit for having been idle
            q.runs.append((job, future, time.perf_counter()))
            starts = self._schedule()
        self._start(starts)
        return future

    def lane(self, endpoint: str) -> Lane:
        """``endpoint``'s lane as a sandbox for :func:`~dodo_transform.transform_async`."""
        return Lane(self, endpoint)

    def stats(self) -> dict[str, LaneStats]:
        with self._lock:
            return {
                q.name: LaneStats(
                    q.done, q.seconds, q.waited, len(q.runs) + q.given - q.held, q.held, q.peak
                )
                for q in self._queues.values()
            }

    def close(self, *, cut_short: bool = False) -> None:
        """Stop taking runs, let those started finish (``cut_short``: end them now, see
        :meth:`BaseSandbox.close`), and close the sandboxes it made. Runs still queued are
        cancelled."""
        with self._lock:
            self._closed = True
            queued = [f for q in self._queues.values() for _, f, _ in q.runs]
            for q in self._queues.values():
                q.runs.clear()
        for f in queued:
            f.cancel()
        if self._owned:
            for sandbox in self.sandboxes:
                sandbox.close(cut_short=cut_short)

    # -- under the lock --------------------------------------------------------------------

    def _now(self) -> float:
        """The virtual time: the least used lane among those with work."""
        busy = [q.vtime for q in self._queues.values() if q.runs or q.given]
        return min(busy) if busy else max((q.vtime for q in self._queues.values()), default=0.0)

    def _schedule(self) -> list[_Start]:
        """Hand free threads to the lanes owed the most; the caller starts the runs."""
        starts: list[_Start] = []
        while True:
            picked = self._next()
            if picked is None:
                break
            q, thread = picked
            job, future, queued_at = q.runs.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up waiting
            waited = time.perf_counter() - queued_at
            q.waited += waited
            if not self._load[thread]:
                self._free.remove(thread)
                self._holder[thread] = q
                q.held += 1
                q.peak = max(q.peak, q.held)
            self._load[thread] += 1
            q.given += 1
            q.last_thread = thread
            self._served += 1
            q.order = self._served
            # Charged now at the lane's usual cost, corrected when the run reports its own.
            q.vtime += q.estimate / self._weight(q.name)
            starts.append((thread, q, job, future, waited, q.estimate))
        return starts

    def _next(self) -> tuple[_Queue, int] | None:
        """The lane owed the most among those whose next run has a place, and that place."""
        best: tuple[_Queue, int] | None = None
        for q in self._queues.values():
            if not q.runs or (best and (q.vtime, q.order) >= (best[0].vtime, best[0].order)):
                continue
            thread = self._place(q)
            if thread is not None:
                best = (q, thread)
        return best

    def _cap(self, q: _Queue) -> int:
        return self.share(q.name).cap or self.default_cap()

    def _place(self, q: _Queue) -> int | None:
        """Where ``q``'s next run goes: an idle sandbox while ``q`` holds fewer than its cap
        (the one it ran on last, if idle: its next context is ready there); else, once its
        runs are measured cheap, the one of its own sandboxes with the fewest in line; else
        nowhere yet. Not in line behind its own while another lane waits for an idle
        sandbox: its sandboxes must run empty for that one to get one."""
        if q.held < self._cap(q) and self._free and not self._slow_lanes_full(q):
            return q.last_thread if q.last_thread in self._free else self._free[-1]
        if (
            not q.measured
            or q.estimate > PIPELINE_MAX_ESTIMATE
            or any(
                other is not q
                and other.runs
                and other.held < self._cap(other)
                and not self._slow_lanes_full(other)  # it could not take a free one anyway
                for other in self._queues.values()
            )
        ):
            return None
        room = [
            i
            for i, holder in enumerate(self._holder)
            if holder is q and self._load[i] < self._depth[i]
        ]
        return min(room, key=self._load.__getitem__, default=None)

    def _slow_lanes_full(self, q: _Queue) -> bool:
        """Whether ``q`` is slow and the slow lanes hold, between them, every sandbox the
        default cap gives one lane: the last is kept for the quick ones, as one slow endpoint
        alone would keep it (while no quick lane has been seen, nothing is kept: every
        endpoint may be slow; the idle lane of an endpoint a reload removed is not counted).
        Lanes with a cap of their own in the config are left to it."""
        if not self._slow(q) or self.threads < 2:
            return False
        lanes = [o for o in self._queues.values() if o.runs or o.given or not self._gone(o)]
        slow = [o for o in lanes if self._slow(o)]
        if len(slow) == len(lanes):
            return False
        return sum(o.held for o in slow) >= self.default_cap()

    def _slow(self, q: _Queue) -> bool:
        if not q.measured or q.estimate < SLOW_ESTIMATE:
            return False
        share = self.share(q.name)
        return not share.chosen and (share.cap or self.default_cap()) == self.default_cap()

    def _gone(self, q: _Queue) -> bool:
        return self.share(q.name).gone

    def _weight(self, name: str) -> float:
        return self.share(name).weight

    # -- outside the lock ------------------------------------------------------------------

    def _start(self, starts: list[_Start]) -> None:
        for start in starts:
            began = time.perf_counter()
            try:
                inner = self.sandboxes[start[0]].submit(start[2])
            except Exception as e:  # the sandbox was closed under us: the run fails, not us
                self._finished(start, began, None, e)
                continue
            inner.add_done_callback(functools.partial(self._done, start, began))

    def _done(self, start: _Start, began: float, inner: concurrent.futures.Future[RawRun]) -> None:
        # Cancelled by a sandbox closed cut short: the stage's own future must still end.
        error = concurrent.futures.CancelledError() if inner.cancelled() else inner.exception()
        self._finished(start, began, None if error else inner.result(), error)

    def _finished(
        self, start: _Start, began: float, raw: RawRun | None, error: BaseException | None
    ) -> None:
        thread, q, _job, future, waited, charged = start
        # The run's CPU time (with its top-level code): unlike wall time it does not grow
        # when the machine is busy. A run that failed in the host is charged its wall time.
        cost = raw.cpu_ms / 1000 if raw is not None else time.perf_counter() - began
        with self._lock:
            q.given -= 1
            self._load[thread] -= 1
            if not self._load[thread]:
                self._holder[thread] = None
                q.held -= 1
                self._free.append(thread)
            q.done += 1
            q.seconds += cost
            q.vtime += (cost - charged) / self._weight(q.name)
            if raw is not None:  # a failure's wall time may include a run ahead of it
                q.measured += 1
                q.estimate += ESTIMATE_WEIGHT * (cost - q.estimate)
            starts = [] if self._closed else self._schedule()
        self._start(starts)
        if self.observe is not None:
            try:
                self.observe(q.name, cost, waited)
            except Exception:  # an observer's bug must not lose the run's result
                log.exception("observing a transform of %s failed", q.name)
        if error is not None:
            future.set_exception(error)
        else:
            assert raw is not None
            future.set_result(raw)


def _start_all(children: list[ProcessSandbox]) -> None:
    """Start the children side by side (~0.2 s in all), so that no run waits for one."""
    for child in children:
        child.start()
    try:
        for child in children:
            child.wait_started()
    except SandboxProcessError:
        for child in children:
            child.close()
        raise


class Lane:
    """One endpoint's door into the stage, shaped like a sandbox for ``transform_async``."""

    def __init__(self, stage: TransformStage, endpoint: str) -> None:
        self.stage, self.endpoint = stage, endpoint

    @property
    def limits(self) -> Limits:
        """The limits of a job that names none (the stage's sandboxes all have the same)."""
        return self.stage.sandboxes[0].limits

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        return self.stage.submit(self.endpoint, job)
