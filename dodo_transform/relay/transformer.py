"""The transform stage: N sandboxes shared fairly between endpoints.

Each endpoint has its own queue of runs (a *lane*). A free sandbox thread takes the next run
from the lane that has used the least sandbox CPU time so far, relative to its weight
(start-time fair queuing over measured run time): a handler that spins for 200 ms per event
is charged 200 ms, so a pass-through endpoint beside it gets the next free thread after at
most one of its runs, not after all of them. A lane runs at most ``cap`` runs at once
(serve's default: one thread fewer than there are, at least 1, unless the endpoint is the
only one), so one endpoint can never occupy every thread.

A lane that was idle starts again at the current virtual time: being quiet for an hour earns
no credit to monopolise the threads afterwards.

Every run still gets a fresh QuickJS context (see :mod:`~dodo_transform.sandbox.pool`); each
"thread" is a sandbox of its own with its own warm contexts, and a lane's runs go back to the
thread that ran it last when that one is free, where its next context is already prepared.
serve's sandboxes are child processes (:class:`~dodo_transform.sandbox.process.ProcessSandbox`),
so neither QuickJS nor the Python around each run takes the GIL from serve's event loop;
``processes=False`` keeps them as threads of this process. Either way throughput scales with
their number.

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


def share_of(endpoints: Mapping[str, EndpointConfig], name: str, threads: int) -> Share:
    """An endpoint's share as the config says. Unless it sets ``max_concurrent_transforms``,
    it may use one thread fewer than there are, keeping one for the others, or every thread
    when it is the only endpoint (an endpoint a reload removed: the stage's default)."""
    ep = endpoints.get(name)
    if ep is None:
        return Share()
    alone = len(endpoints) == 1
    cap = ep.max_concurrent_transforms or (threads if alone else max(1, threads - 1))
    return Share(ep.transform_weight, cap)


@dataclass(frozen=True)
class LaneStats:
    """One endpoint's use of the stage since start."""

    runs: int = 0
    cpu_seconds: float = 0.0  # sandbox thread CPU time of its runs: what it is charged
    waited: float = 0.0  # time its runs spent queued for a thread
    queued: int = 0
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
    running: int = 0
    vtime: float = 0.0  # sandbox time used so far, divided by the weight (virtual time)
    estimate: float = FIRST_ESTIMATE  # what its next run will likely cost
    order: int = 0  # when it was last served: breaks ties round-robin
    last_thread: int | None = None
    done: int = 0
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
                sandboxes = children = [ProcessSandbox() for _ in range(count)]
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
        self._free: list[int] = list(range(len(self.sandboxes)))
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
        each endpoint's share read from ``endpoints()`` at each run, so that a reloaded
        config applies. A given ``sandbox`` makes a stage of that one."""

        def share(name: str) -> Share:
            return share_of(endpoints(), name, stage.threads)

        stage = cls(
            server.sandbox_threads,
            processes=server.sandbox_isolation == "process",
            prestart=prestart,
            sandboxes=None if sandbox is None else [sandbox],
            share=share,
            observe=observe,
        )
        return stage

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
            elif not q.runs and not q.running:
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
                q.name: LaneStats(q.done, q.seconds, q.waited, len(q.runs), q.running, q.peak)
                for q in self._queues.values()
            }

    def close(self) -> None:
        """Stop taking runs, let those started finish, and close the sandboxes it made.
        Runs still queued are cancelled."""
        with self._lock:
            self._closed = True
            queued = [f for q in self._queues.values() for _, f, _ in q.runs]
            for q in self._queues.values():
                q.runs.clear()
        for f in queued:
            f.cancel()
        if self._owned:
            for sandbox in self.sandboxes:
                sandbox.close()

    # -- under the lock --------------------------------------------------------------------

    def _now(self) -> float:
        """The virtual time: the least used lane among those with work."""
        busy = [q.vtime for q in self._queues.values() if q.runs or q.running]
        return min(busy) if busy else max((q.vtime for q in self._queues.values()), default=0.0)

    def _schedule(self) -> list[_Start]:
        """Hand free threads to the lanes owed the most; the caller starts the runs."""
        starts: list[_Start] = []
        while self._free:
            q = self._next()
            if q is None:
                break
            job, future, queued_at = q.runs.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up waiting
            waited = time.perf_counter() - queued_at
            q.waited += waited
            thread = q.last_thread if q.last_thread in self._free else self._free[-1]
            assert thread is not None
            self._free.remove(thread)
            q.running += 1
            q.peak = max(q.peak, q.running)
            q.last_thread = thread
            self._served += 1
            q.order = self._served
            # Charged now at the lane's usual cost, corrected when the run reports its own.
            q.vtime += q.estimate / self._weight(q.name)
            starts.append((thread, q, job, future, waited, q.estimate))
        return starts

    def _next(self) -> _Queue | None:
        best: _Queue | None = None
        for q in self._queues.values():
            if not q.runs:
                continue
            cap = self.share(q.name).cap or self.default_cap()
            if q.running >= cap:
                continue
            if best is None or (q.vtime, q.order) < (best.vtime, best.order):
                best = q
        return best

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
        error = inner.exception()
        self._finished(start, began, None if error else inner.result(), error)

    def _finished(
        self, start: _Start, began: float, raw: RawRun | None, error: BaseException | None
    ) -> None:
        thread, q, _job, future, waited, charged = start
        # The run's CPU time (with its top-level code): unlike wall time it does not grow
        # when the machine is busy. A run that failed in the host is charged its wall time.
        cost = raw.cpu_ms / 1000 if raw is not None else time.perf_counter() - began
        with self._lock:
            q.running -= 1
            q.done += 1
            q.seconds += cost
            q.vtime += (cost - charged) / self._weight(q.name)
            q.estimate += ESTIMATE_WEIGHT * (cost - q.estimate)
            self._free.append(thread)
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
