"""The QuickJS sandbox: one fresh context per run, limits, console capture.

Isolation is by construction: every run gets a new QuickJS runtime and context, so nothing a
handler does (globals, prototypes, top-level variables) survives it. Creating a context and
loading the prelude into it is most of an event's cost (see the README's benchmark; sources
are compiled once and read back as bytecode, see :mod:`engine`), so it happens ahead of time
where it can: a ``Sandbox(thread=True)`` prepares, right after each event, the next context
for the same handler (prelude, clock, top-level code, and the cold-path sources its earlier
runs needed, such as Intl), and the next event only pays for the call.

QuickJS runtimes must stay on the thread that created them (their stack-overflow guard is
bound to that thread's stack), so a threaded ``Sandbox`` owns one worker thread on which every
context lives and dies, and ``run`` queues there from any thread; ``thread=False`` runs inline
on the creating thread only.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from . import engine
from .engine import JSException, StackOverflow

__all__ = ["Job", "Limits", "RawRun", "Sandbox", "TransformError", "default_sandbox"]

_MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-run limits. Hitting one is a transform error that names it."""

    time_ms: float = 1000.0
    memory_bytes: int = 64 * _MiB
    stack_bytes: int = 1024 * 1024  # about V8's default: a 3,000-deep payload still serialises
    max_log_lines: int = 500
    max_log_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        # QuickJS treats 0 and negative limits as "none": refuse them rather than run unbounded.
        if not self.time_ms > 0:
            raise ValueError(f"time limit must be more than 0 ms, not {self.time_ms:g}")
        if self.memory_bytes < 4 * _MiB:
            raise ValueError(
                f"memory limit must be at least 4 MiB (the sandbox itself needs about 2), "
                f"not {self.memory_bytes / _MiB:g} MiB"
            )
        if self.stack_bytes < 64 * 1024:
            raise ValueError(f"stack limit must be at least 64 KiB, not {self.stack_bytes}")


@dataclass(frozen=True)
class TransformError:
    """Why no request was produced.

    ``kind`` is one of: ``code_size``, ``syntax_error``, ``no_handler``, ``async_handler``,
    ``exception``, ``invalid_return``, ``invalid_method``, ``invalid_url``, ``invalid_headers``,
    ``forbidden_header``, ``unserializable_payload``, ``time_limit``, ``memory_limit``,
    ``stack_limit``, ``egress_denied`` (set by the dispatcher). ``line``/``column`` point into
    the handler's own file.
    """

    kind: str
    message: str
    line: int | None = None
    column: int | None = None
    stack: str | None = None


@dataclass(frozen=True)
class Job:
    """One run: a handler's source and the event it gets."""

    source: str
    filename: str
    payload_json: str  # the Dodo envelope, as received
    event_type: str
    url: str  # webhook.url before the handler runs
    env: dict[str, str] | None = None
    now_ms: float | None = None  # freeze Date.now() / new Date() at this instant
    limits: Limits | None = None  # None: the sandbox's


@dataclass
class RawRun:
    """What came out of QuickJS, before the contract checks of :mod:`transform`."""

    result: dict[str, Any] | None
    error: TransformError | None
    logs: list[tuple[str, str]] = field(default_factory=list)
    duration_ms: float = 0.0


def _js(name: str) -> str:
    text = resources.files(__package__).joinpath("js", name).read_text(encoding="utf-8")
    # Sources enter every context as strings; QuickJS copies a pure-ASCII string about ten
    # times faster than one it must widen to UTF-16. \uXXXX means the same in JS source.
    return _NON_ASCII.sub(_js_escape, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _js_escape(m: re.Match[str]) -> str:
    units = m.group().encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _load_prelude() -> str:
    primordials = _js("primordials.js").strip().rstrip(";")
    return _js("prelude.js").replace("/*@PRIMORDIALS@*/", primordials or "undefined")


_PRELUDE = _load_prelude()
_LIB = _js("lib.js")
_INTL = _js("intl.js")
_CLOCK = _js("clock.js")
_CONSOLE = _js("console.js")
_COLLATE = _js("collate.js")
# prelude.js's names for the cold-path sources.
_SOURCES = {"lib": _LIB, "intl": _INTL, "clock": _CLOCK, "console": _CONSOLE, "collate": _COLLATE}


# "    at handler (<input>:3:17)" or, for syntax errors, "    at <input>:3:17"
_FRAME = re.compile(r"<input>:(\d+):(\d+)")
_THREAD_STACK = 16 * _MiB


class _PreloadFailed(Exception):
    """Handing a context its cold-path sources failed; the handler's code has not run."""


class _TopLevelFailed(Exception):
    """The prepared context's top-level code failed: its saved exception is the run's error.
    (Raising the saved exception itself would tie it, through its traceback, to the context.)"""


class _Unreadable(Exception):
    """The runner's answer is not what prelude.js produces: a bug of ours, never the handler's."""


def _read_answer(text: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The runner's answer and its per-run state, checked before anything trusts their shape."""
    try:
        answer = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        answer = None
    state = answer.pop("logs", None) if isinstance(answer, dict) else None
    lines = state.get("lines") if isinstance(state, dict) else None
    if (
        not isinstance(lines, list)
        or len(lines) % 2
        or not all(isinstance(x, str) for x in lines)
        or not isinstance(state.get("dropped"), int)
    ):
        raise _Unreadable(
            "internal error: the sandbox's answer could not be read; this is a bug in "
            f"dodo-transform, please report it with the handler (answer: {str(text)[:200]!r})"
        )
    return answer, state


def _loaded(state: dict[str, Any]) -> frozenset[str]:
    """The cold-path sources a run compiled or used (prelude.js records them by name)."""
    loaded = state.get("loaded")
    return frozenset(loaded).intersection(_SOURCES) if isinstance(loaded, dict) else frozenset()


def _logs(captured: dict[str, Any], limits: Limits, filename: str) -> list[tuple[str, str]]:
    flat, dropped = captured["lines"], captured["dropped"]
    out: list[tuple[str, str]] = []
    size = 0
    for i in range(0, len(flat), 2):
        message = flat[i + 1]
        if "<input>" in message:  # a logged stack: name the user's file, hide our runner
            lines = [ln for ln in message.split("\n") if "__dodo_run__" not in ln]
            message = "\n".join(lines).replace("<input>", filename)
        if len(out) >= limits.max_log_lines or size + len(message) > limits.max_log_bytes:
            dropped += (len(flat) - i) // 2
            break
        size += len(message)
        out.append((flat[i], message))
    if dropped:
        out.append(
            (
                "warn",
                f"[dodo-transform] {dropped} more console line(s) dropped: a run keeps at most "
                f"{limits.max_log_lines} lines / {limits.max_log_bytes:,} characters",
            )
        )
    return out


class _Warm:
    """A fresh context with the prelude evaluated: pristine until used.

    ``prepare`` goes one step further for a known handler: it installs the run's clock and
    evaluates the handler's top-level code, so that an event only pays for the call. Nothing
    else happens in between, so the handler cannot tell; only wall time moves on, which is
    why prepared contexts expire (``Sandbox(prepared_ttl=...)``).
    """

    __slots__ = ("ctx", "host", "limits", "key", "runner", "failure", "top_level_s", "born")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.key: tuple[Any, ...] | None = None
        self.runner: Any = None
        self.failure: BaseException | None = None
        self.top_level_s = 0.0
        self.born = time.monotonic()
        self.ctx = engine.Context()
        self.ctx.set_memory_limit(limits.memory_bytes)
        self.ctx.set_max_stack_size(limits.stack_bytes)
        # QuickJS may not call back into Python while a time limit is set, so the cold-path
        # sources travel in as strings (compiled only if a run needs them, unless prepare()
        # hands them in compiled) and console output is collected inside the context.
        self.ctx.set("__dodo_lib", _LIB)
        self.ctx.set("__dodo_intl", _INTL)
        self.ctx.set("__dodo_clock", _CLOCK)
        self.ctx.set("__dodo_console", _CONSOLE)
        self.ctx.set("__dodo_collate", _COLLATE)
        self.host = self.ctx.eval(_PRELUDE)

    def prepare(
        self,
        key: tuple[Any, ...],
        source: str,
        now_ms: float | None,
        loads: frozenset[str] = frozenset(),
    ) -> None:
        """Install the clock and run the handler's top-level code (within the time limit).

        ``loads``: the cold-path sources (``_SOURCES``) the handler's earlier runs needed.
        They are handed in as functions read from bytecode, so the run does not compile them
        from text (intl.js alone is 69 KB), and Intl is set up before the handler's code."""
        self.key = key
        began = time.perf_counter()
        try:
            self.ctx.set_time_limit(self.limits.time_ms / 1000.0)
            try:
                for name in sorted(loads):
                    self.host("provide", name, self.ctx.eval(_SOURCES[name]))
                self.runner = self.host("start", now_ms)
                if "intl" in loads:
                    self.host("intl")
            except (JSException, StackOverflow):
                if loads:  # ours, not the handler's: e.g. Intl does not fit a small limit
                    raise _PreloadFailed from None
                raise
            began = time.perf_counter()  # the handler's own time starts here
            self.ctx.eval(source)
        except (JSException, StackOverflow) as e:
            self.failure = e.with_traceback(None)  # its frames would hold this context
        self.top_level_s = time.perf_counter() - began

    def close(self) -> None:
        """Free the runtime now rather than whenever Python lets go of it (the binding's
        contexts have no close and are freed with their last reference)."""
        close = getattr(self.ctx, "close", None)
        if close is not None:
            close()

    def captured_logs(self, filename: str) -> list[tuple[str, str]]:
        try:
            self.ctx.set_time_limit(0.05)
            return _logs(json.loads(self.host("logs")), self.limits, filename)
        except JSException:
            return []  # e.g. out of memory: the context cannot even serialise its log


class Sandbox:
    """Runs handler code, one pristine QuickJS context per run.

    With ``thread=True`` (the default) the contexts live on a dedicated thread and ``run`` may
    be called from any thread; the next context is prepared there while the caller carries on.
    With ``thread=False`` everything happens inline on the creating thread (no hand-off, the
    cheapest for a single-threaded caller such as the CLI); other threads may not use it.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        thread: bool = True,
        prewarm: bool = True,
        prepared_ttl: float = 2.0,
    ) -> None:
        self.limits = limits or Limits()
        self._prewarm = prewarm
        self._prepared_ttl = prepared_ttl
        self._warm: _Warm | None = None
        # On the sandbox thread, a context per recently used handler with its top-level code
        # already run: an event then costs one call. Keyed by (source, filename, now_ms, limits).
        self._prepared: OrderedDict[tuple[Any, ...], _Warm] = OrderedDict()
        # What the last runs of each recently used handler loaded of the cold-path sources.
        self._loads: OrderedDict[tuple[Any, ...], deque[frozenset[str]]] = OrderedDict()
        self._spent: _Warm | None = None
        self._owner = threading.get_ident()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        _ensure_utc()
        if not thread:
            return
        old = threading.stack_size()
        try:
            # Deep-but-legal recursion must hit QuickJS's own stack limit, never the thread's.
            threading.stack_size(_THREAD_STACK)
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="dodo-sandbox"
            )
            self._executor.submit(self._fill, None).result()
        finally:
            threading.stack_size(old)

    def run(self, job: Job) -> RawRun:
        """Compile the job's source in a fresh context and call ``handler`` once."""
        if self._executor is None:
            if threading.get_ident() != self._owner:
                raise RuntimeError("this Sandbox(thread=False) belongs to another thread")
            return self._run(job)
        return self._executor.submit(self._run, job).result()

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        """Like :meth:`run`, without waiting: for ``asyncio.wrap_future`` in async servers."""
        if self._executor is None:
            raise RuntimeError("submit() needs a Sandbox(thread=True)")
        return self._executor.submit(self._run, job)

    def check(self, source: str, filename: str = "handler.js") -> TransformError | None:
        """Compile ``source`` and check it defines a plain function ``handler``."""
        probe = '{"type":"dodo-transform.check"}'
        run = self.run(Job(source, filename, probe, "dodo-transform.check", "https://x.invalid/"))
        return run.error if run.error and run.error.kind in _STATIC_ERRORS else None

    def close(self) -> None:
        """Stop the sandbox thread and free every context it holds."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
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
            self._warm = _Warm(self.limits)
        if key is not None and key not in self._prepared:
            time.sleep(0)
            self._prepared[key] = self._prepare(_Warm(key[3]), key)
            while len(self._prepared) > _MAX_PREPARED:
                self._prepared.popitem(last=False)[1].close()

    def _take(self, key: tuple[Any, ...]) -> _Warm:
        warm = self._prepared.pop(key, None)
        if warm is not None:
            if time.monotonic() - warm.born <= self._prepared_ttl:
                return warm
            warm.close()
        if key[3] != self.limits:
            return _Warm(key[3])
        warm, self._warm = self._warm, None
        return warm if warm is not None else _Warm(key[3])

    def _prepare(self, warm: _Warm, key: tuple[Any, ...]) -> _Warm:
        recent = self._loads.get(key)
        loads = frozenset().union(*recent) if recent else frozenset()
        try:
            warm.prepare(key, key[0], key[2], loads)
        except _PreloadFailed:  # prepare it as for a first event: sources compile on use
            warm.close()
            self._loads.pop(key, None)
            warm = _Warm(key[3])
            warm.prepare(key, key[0], key[2])
        return warm

    def _run(self, job: Job) -> RawRun:
        source, filename, now_ms = job.source, job.filename, job.now_ms
        limits = job.limits or self.limits
        key = (source, filename, now_ms, limits)
        warm = self._take(key)
        began = time.perf_counter()
        if warm.key is None:
            warm = self._prepare(warm, key)
        ctx = warm.ctx
        try:
            if warm.failure is not None:
                raise _TopLevelFailed
            budget = limits.time_ms / 1000.0 - warm.top_level_s
            ctx.set_time_limit(max(budget, 0.001))
            env_json = json.dumps(job.env) if job.env else "{}"
            answer = warm.runner(job.payload_json, job.event_type, job.url, env_json)
            result, state = _read_answer(answer)
            logs = _logs(state, limits, filename)
            recent = self._loads.get(key)
            if recent is None:
                recent = self._loads[key] = deque(maxlen=_LOADS_REMEMBERED)
            recent.append(_loaded(state))
            self._loads.move_to_end(key)
            while len(self._loads) > _MAX_PREPARED:
                self._loads.popitem(last=False)
            error = (
                _js_error(result.pop("error"), limits, source, filename)
                if "error" in result
                else None
            )
            raw = RawRun(None if error else result, error, logs)
        except _Unreadable as e:
            raw = RawRun(None, TransformError("internal", str(e)), [])
        except (_TopLevelFailed, StackOverflow, JSException) as e:
            escaped = warm.failure if isinstance(e, _TopLevelFailed) else e
            if isinstance(escaped, StackOverflow):
                error = _limit_error("stack_limit", str(escaped), limits, source, filename)
            else:
                error = _host_error(ctx, str(escaped), limits, source, filename)
            raw = RawRun(None, error, warm.captured_logs(filename))
        raw.duration_ms = (time.perf_counter() - began + warm.top_level_s) * 1000.0
        # The used context is freed by _fill, after the caller has its result. A handler
        # whose top-level code failed is not prepared again ahead of its next event.
        self._spent = warm
        if not self._prewarm:
            self._spent = None
            warm.close()
        elif self._executor is not None:
            self._executor.submit(self._fill, key if warm.failure is None else None)
        else:
            self._fill(None)
        return raw


_MAX_PREPARED = 32
# A handler's context is prepared with what its last runs needed: one that stops logging or
# formatting stops paying for console.js or intl.js this many events later.
_LOADS_REMEMBERED = 8
# A throw whose value is not visibly an Error: it may throw null on purpose.
_MAY_THROW_NULL = re.compile(r"\bthrow\s+(?!new\b)")
_STATIC_ERRORS = frozenset({"syntax_error", "no_handler", "async_handler", "code_size"})


def _host_error(ctx: Any, text: str, limits: Limits, source: str, filename: str) -> TransformError:
    """An exception that escaped to the host: a limit, a syntax error or a top-level throw."""
    head = text.split("\n", 1)[0]
    if head.startswith("InternalError: interrupted"):
        return _limit_error("time_limit", text, limits, source, filename)
    if head.startswith(("InternalError: out of memory", "InternalError: string too long")):
        return _limit_error("memory_limit", text, limits, source, filename)
    if head.startswith("RangeError: Maximum call stack size exceeded"):
        return _limit_error("stack_limit", text, limits, source, filename)
    if head == "null" and _exhausted(ctx):
        # QuickJS could not even allocate the error object.
        return _limit_error("memory_limit", text, limits, source, filename)
    line, column, stack = _locate(text, source, filename)
    if head.startswith("SyntaxError"):
        return TransformError("syntax_error", f"{filename}: {head}", line, column, stack)
    message = head if ": " in head else f"top-level code threw a non-Error value: {head}"
    return TransformError("exception", message, line, column, stack)


def _exhausted(ctx: Any) -> bool:
    try:
        ctx.eval("[1, 2, 3].map(String).join()")
        return False
    except JSException:
        return True


def _limit_error(
    kind: str, text: str, limits: Limits, source: str, filename: str
) -> TransformError:
    message = {
        "time_limit": f"time limit exceeded: the handler ran for more than {limits.time_ms:g} ms "
        "(an endless loop, or catastrophic regular-expression backtracking?)",
        "memory_limit": _memory_message(limits),
        "stack_limit": f"stack limit exceeded: calls nested deeper than the "
        f"{limits.stack_bytes // 1024} KiB stack allows (runaway recursion?)",
    }[kind]
    line, column, stack = _locate(text, source, filename)
    return TransformError(kind, message, line, column, stack)


def _memory_message(limits: Limits) -> str:
    return f"memory limit exceeded: the handler needed more than {limits.memory_bytes / _MiB:g} MiB"


def _js_error(err: dict[str, Any], limits: Limits, source: str, filename: str) -> TransformError:
    kind, message = err["kind"], err["message"]
    stack = err.get("stack")
    if err.get("thrown_null"):
        # QuickJS throws a bare null when it cannot even allocate the out-of-memory error.
        if not _MAY_THROW_NULL.search(source):
            kind = "memory_limit"
        else:
            message += (
                " (unless the handler throws null itself, it ran out of memory: more than "
                f"{limits.memory_bytes / _MiB:g} MiB)"
            )
    if kind == "stack_limit":
        message = "stack limit exceeded: calls nested too deeply (runaway recursion?)"
    elif kind == "memory_limit":
        message = _memory_message(limits)
    if stack is None:
        return TransformError(kind, message)
    header = message.split(": ", 1)[1] if kind == "exception" and ": " in message else message
    name = err.get("name") or "Error"
    full = f"{name}: {header}\n{stack}" if kind == "exception" else stack
    line, column, rendered = _locate(full, source, filename)
    return TransformError(kind, message, line, column, rendered)


def _locate(text: str, source: str, filename: str) -> tuple[int | None, int | None, str | None]:
    """First frame in the user's file, and the stack with our own frames removed.

    A frame without a function name is a position in text that was compiled: the handler
    itself for a syntax error, but also the argument of JSON.parse, eval or new Function.
    A named frame (``at handler (...)``, ``at <eval> (...)``) wins over those.
    """
    lines = [ln for ln in text.rstrip("\n").split("\n") if "__dodo_run__" not in ln]
    max_line = source.count("\n") + 1
    named = [ln for ln in lines if _NAMED_FRAME.search(ln)]
    if named:
        lines = [ln for ln in lines if not _UNNAMED_FRAME.match(ln)]
    where: tuple[int | None, int | None] = (None, None)
    for ln in named or lines:
        m = _FRAME.search(ln)
        if m and int(m.group(1)) <= max_line:
            where = (int(m.group(1)), int(m.group(2)))
            break
    stack = "\n".join(lines).replace("<input>", filename)
    return where[0], where[1], stack if "\n" in stack or _FRAME.search(text) else None


_NAMED_FRAME = re.compile(r"^\s+at \S.* \(<input>:\d+:\d+\)$")
_UNNAMED_FRAME = re.compile(r"^\s+at <input>:\d+:\d+$")


def _ensure_utc() -> None:
    """QuickJS takes local time from the C library; the contract says the sandbox is UTC."""
    if time.timezone == 0 and time.altzone == 0 and os.environ.get("TZ", "UTC") in ("UTC", "UTC0"):
        return
    if time.localtime().tm_gmtoff == 0 and time.daylight == 0:
        return
    os.environ["TZ"] = "UTC"
    time.tzset()


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
