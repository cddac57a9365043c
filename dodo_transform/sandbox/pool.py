"""The QuickJS sandbox: one fresh context per run, limits, console capture.

Isolation is by construction: every run gets a new QuickJS context alone in its runtime, so
nothing a handler does (globals, prototypes, top-level variables) survives it. Creating a
context and loading the prelude into it is most of an event's cost (see docs/benchmarks.md;
sources are compiled once and read back as bytecode, see :mod:`engine`), so it happens ahead of
time where it can: a ``Sandbox(thread=True)`` prepares, right after each event, the next
context for the same handler (prelude, clock, top-level code, and the cold-path sources its
earlier runs needed, such as Intl), and the next event only pays for the call. An inline
``Sandbox(thread=False, tidy_later=True)`` does the same when its caller calls :meth:`tidy`,
once the answer is out (what a sandbox process does, see :mod:`.process`).

QuickJS runtimes must stay on the thread that created them (their stack-overflow guard is
bound to that thread's stack), so a threaded ``Sandbox`` owns one worker thread on which every
context lives and dies, and ``run`` queues there from any thread; ``thread=False`` runs inline
on the creating thread only.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections import OrderedDict, deque
from typing import Any

from . import engine
from .answer import Unreadable, captured_logs, loaded_sources, read_answer
from .base import BaseSandbox
from .context import PreloadFailed, TopLevelFailed, Warm
from .engine import JSException, StackOverflow
from .errors import TransformError, host_error, js_error, limit_error
from .job import Job, Limits, MiB, RawRun

__all__ = ["Sandbox", "default_sandbox"]

# The stack of a thread that runs contexts (QuickJS needs more than some threads get).
THREAD_STACK = 16 * MiB


class Sandbox(BaseSandbox):
    """Runs handler code, one pristine QuickJS context per run.

    With ``thread=True`` (the default) the contexts live on a dedicated thread and ``run`` may
    be called from any thread; the next context is prepared there while the caller carries on.
    With ``thread=False`` everything happens inline on the creating thread (no hand-off, the
    cheapest for a single-threaded caller such as the CLI); other threads may not use it.
    Such a caller may take over the work done after a run, to do it when it has a moment:
    with ``tidy_later=True``, :meth:`tidy` frees the used context and prepares the next one
    for the same handler (a sandbox process calls it once its answer is sent).
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        thread: bool = True,
        prewarm: bool = True,
        prepared_ttl: float = 2.0,
        tidy_later: bool = False,
    ) -> None:
        if thread and tidy_later:
            raise ValueError("tidy_later is for a Sandbox(thread=False)")
        self.limits = limits or Limits()
        self._prewarm = prewarm
        self._prepared_ttl = prepared_ttl
        self._warm: Warm | None = None
        # On the sandbox thread, a context per recently used handler with its top-level code
        # already run: an event then costs one call. Keyed by (source, filename, now_ms, limits).
        self._prepared: OrderedDict[tuple[Any, ...], Warm] = OrderedDict()
        # What the last runs of each recently used handler loaded of the cold-path sources.
        self._loads: OrderedDict[tuple[Any, ...], deque[frozenset[str]]] = OrderedDict()
        self._spent: Warm | None = None
        self._tidy_later = tidy_later
        # (tidy_later) what tidy() prepares: the last run's key, None when nothing is owed.
        self._owed: tuple[Any, ...] | None = None
        self._owner = threading.get_ident()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        engine.ensure_utc()
        if not thread:
            return
        old = threading.stack_size()
        try:
            # Deep-but-legal recursion must hit QuickJS's own stack limit, never the thread's.
            threading.stack_size(THREAD_STACK)
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="dodo-sandbox"
            )
            self._executor.submit(self._fill, None).result()
        finally:
            threading.stack_size(old)

    def tidy(self) -> None:
        """Free the last run's context and prepare the next one for its handler, so that
        the next event for it pays only for the call. For a ``Sandbox(thread=False,
        tidy_later=True)``, between runs; a threaded sandbox does this on its own."""
        if self._executor is None and self._spent is not None:
            self._on_owner()
            key, self._owed = self._owed, None
            self._fill(key)

    def _on_owner(self) -> None:
        # An inline sandbox's runtimes live on its thread's stack (see the module's doc).
        if threading.get_ident() != self._owner:
            raise RuntimeError("this Sandbox(thread=False) belongs to another thread")

    def run(self, job: Job) -> RawRun:
        """Compile the job's source in a fresh context and call ``handler`` once."""
        if self._executor is None:
            self._on_owner()
            if self._spent is not None:  # tidy() was not called since the last run
                self._fill(None)
            return self._run(job)
        return self._executor.submit(self._run, job).result()

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        """Like :meth:`run`, without waiting: for ``asyncio.wrap_future`` in async servers."""
        if self._executor is None:
            raise RuntimeError("submit() needs a Sandbox(thread=True)")
        return self._executor.submit(self._run, job)

    def close(self, *, cut_short: bool = False) -> None:
        """Stop the sandbox thread and free every context it holds (``cut_short``: runs not
        begun are cancelled; one under way ends at its time limit, as a thread cannot be
        stopped from outside)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cut_short)
        for warm in [self._warm, self._spent, *self._prepared.values()]:
            if warm is not None:
                warm.close()
        self._warm = self._spent = None
        self._prepared.clear()

    # -- on the sandbox thread -------------------------------------------------------------

    def _fill(self, key: tuple[Any, ...] | None) -> None:
        # QuickJS holds the GIL while it frees and creates contexts; on the sandbox thread,
        # yield between the steps so a caller that wants the GIL back waits at most one step,
        # not Python's whole 5 ms switch interval.
        threaded = self._executor is not None
        if threaded:
            time.sleep(0)
        if self._spent is not None:
            self._spent.close()
            self._spent = None
        if self._warm is None:
            if threaded:
                time.sleep(0)
            self._warm = Warm(self.limits)
        if key is not None and key not in self._prepared:
            if threaded:
                time.sleep(0)
            self._prepared[key] = self._prepare(Warm(key[3]), key)
            while len(self._prepared) > _MAX_PREPARED:
                self._prepared.popitem(last=False)[1].close()

    def _take(self, key: tuple[Any, ...]) -> Warm:
        warm = self._prepared.pop(key, None)
        if warm is not None:
            if time.monotonic() - warm.born <= self._prepared_ttl:
                return warm
            warm.close()
        if key[3] != self.limits:
            return Warm(key[3])
        warm, self._warm = self._warm, None
        return warm if warm is not None else Warm(key[3])

    def _prepare(self, warm: Warm, key: tuple[Any, ...]) -> Warm:
        recent = self._loads.get(key)
        loads = frozenset().union(*recent) if recent else frozenset()
        try:
            warm.prepare(key, key[0], key[2], loads)
        except PreloadFailed:  # prepare it as for a first event: sources compile on use
            warm.close()
            self._loads.pop(key, None)
            warm = Warm(key[3])
            warm.prepare(key, key[0], key[2])
        return warm

    def _run(self, job: Job) -> RawRun:
        source, filename, now_ms = job.source, job.filename, job.now_ms
        limits = job.limits or self.limits
        key = (source, filename, now_ms, limits)
        warm = self._take(key)
        began, began_cpu = time.perf_counter(), time.thread_time()
        if warm.key is None:
            warm = self._prepare(warm, key)
        ctx = warm.ctx
        try:
            if warm.failure is not None:
                raise TopLevelFailed
            budget = limits.time_ms / 1000.0 - warm.top_level_s
            ctx.set_time_limit(max(budget, 0.001))
            env_json = json.dumps(job.env) if job.env else "{}"
            answer = warm.runner(job.payload_json, job.event_type, job.url, env_json)
            result, state = read_answer(answer)
            logs = captured_logs(state, limits, filename)
            recent = self._loads.get(key)
            if recent is None:
                recent = self._loads[key] = deque(maxlen=_LOADS_REMEMBERED)
            recent.append(loaded_sources(state))
            self._loads.move_to_end(key)
            while len(self._loads) > _MAX_PREPARED:
                self._loads.popitem(last=False)
            error = (
                js_error(result.pop("error"), limits, source, filename)
                if "error" in result
                else None
            )
            raw = RawRun(None if error else result, error, logs)
        except Unreadable as e:
            raw = RawRun(None, TransformError("internal", str(e)), [])
        except (TopLevelFailed, StackOverflow, JSException) as e:
            escaped = warm.failure if isinstance(e, TopLevelFailed) else e
            if isinstance(escaped, StackOverflow):
                error = limit_error("stack_limit", str(escaped), limits, source, filename)
            else:
                error = host_error(ctx, str(escaped), limits, source, filename)
            raw = RawRun(None, error, warm.logs_so_far(filename))
        raw.duration_ms = (time.perf_counter() - began + warm.top_level_s) * 1000.0
        raw.cpu_ms = (time.thread_time() - began_cpu + warm.top_level_s) * 1000.0
        # The used context is freed by _fill, after the caller has its result. A handler
        # whose top-level code failed is not prepared again ahead of its next event.
        self._spent = warm
        if not self._prewarm:
            self._spent = None
            warm.close()
        elif self._executor is not None:
            self._executor.submit(self._fill, key if warm.failure is None else None)
        elif self._tidy_later:
            self._owed = key if warm.failure is None else None
        else:
            self._fill(None)
        return raw


_MAX_PREPARED = 32
# A handler's context is prepared with what its last runs needed: one that stops logging or
# formatting stops paying for console.js or intl.js this many events later.
_LOADS_REMEMBERED = 8


_shared: Sandbox | None = None
_main: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The sandbox used when none is passed: inline on the main thread, else a shared thread.

    Inline use is limited to the main thread because its stack size is known to be ample for
    QuickJS's own stack limit; other threads may have been started with a small stack.
    """
    global _shared, _main
    with _default_lock:
        if threading.current_thread() is threading.main_thread():
            if _main is None:
                _main = Sandbox(thread=False)
            return _main
        if _shared is None:
            _shared = Sandbox()
        return _shared
