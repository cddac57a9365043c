"""The C-API engine: QuickJS contexts with every source compiled once.

The ``quickjs-ng`` binding creates a runtime and context per ``quickjs.Context()`` and
compiles every source it evaluates. An isolated run needs a fresh context and the same
prelude and handler in it every time, so compiling is wasted work: QuickJS compiles about
25 bytes of source per µs, and reads the same program back from bytecode several times
faster. The binding offers no bytecode, but its extension module carries QuickJS's own C API
(``JS_NewContext``, ``JS_WriteObject``, ``JS_ReadObject``...), and this module drives that API
through :mod:`ctypes`:

- every source is compiled once per process and kept as bytecode (with its source text and
  line/column tables, so ``Function.prototype.toString`` and stacks are as if compiled);
- a context is a new context alone in its runtime, as in the binding: limits and garbage stay
  per run. The runtime is reused once its last context has left nothing in it
  (:class:`_Runtimes`);
- the time limit counts the calling thread's CPU time, not the whole process's, and is kept
  by a watchdog thread, so JavaScript runs without the GIL and a busy Python thread cannot
  stretch it (see :class:`_Watchdog`).

Nothing here may be trusted before :func:`load` has checked, with :func:`self_test`, that the
shared object speaks the JSValue layout this module was written against: a wrong layout would
not fail loudly, it would read garbage. :class:`CApiContext` implements
:class:`~dodo_transform.sandbox.engine.Context` and raises the binding's own exception classes,
so the two engines are interchangeable; :mod:`~dodo_transform.sandbox.engine` picks one.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import mmap
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import _quickjs

from .binding import JSException, StackOverflow

__all__ = ["LAYOUT", "CApiContext", "Layout", "load", "self_test", "unavailable"]

# quickjs.h of the 0.17 line: the JSValue layout and constants below are written against it.
_VERSION = "0.17."
_TAG_OBJECT, _TAG_STRING, _TAG_STRING_ROPE, _TAG_INT, _TAG_BOOL = -1, -7, -6, 0, 1
_TAG_NULL, _TAG_UNDEFINED, _TAG_EXCEPTION, _TAG_FLOAT64 = 2, 3, 6, 8
_STRING_TAGS = (_TAG_STRING, _TAG_STRING_ROPE)  # a rope is a concatenation not yet flattened
_EVAL_COMPILE_ONLY = 1 << 5
_OBJ_BYTECODE = 1 << 0


class _Value(ctypes.Structure):
    # Not NaN-boxed: 64-bit builds pass {union u; int64 tag} by value.
    _fields_ = [("u", ctypes.c_uint64), ("tag", ctypes.c_int64)]


_NULL = _Value(0, _TAG_NULL)
_UNDEFINED = _Value(0, _TAG_UNDEFINED)


_FIRST_GC_BYTES = 2 * 1024 * 1024
# What shared_bytes() lends to contexts: read-only mappings (held here, with the ctypes view
# that pins each, for the life of the process) and their addresses.
_LENT: dict[bytes, tuple[Any, int | None]] = {}
_LENT_LOCK = threading.Lock()


def _read_only(data: bytes) -> int | None:
    """The address of a read-only mapping holding ``data`` (None where pages cannot be made
    read-only: contexts then get copies)."""
    with _LENT_LOCK:
        if data not in _LENT:
            region = mmap.mmap(-1, max(len(data), 1))
            region.write(data)
            pin = ctypes.c_char.from_buffer(region)  # the mapping cannot be closed under it
            address = ctypes.addressof(pin)
            try:
                mprotect = ctypes.CDLL(None, use_errno=True).mprotect
                mprotect.restype = ctypes.c_int
                mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
                ok = mprotect(address, len(region), mmap.PROT_READ) == 0
            except (AttributeError, OSError):
                ok = False
            _LENT[data] = ((region, pin), address if ok else None)
        return _LENT[data][1]


class _API:
    """The C functions, typed. Calls that run JavaScript or build a whole context release the
    GIL (other Python threads run meanwhile); the quick ones keep it, which avoids a GIL
    hand-off per call."""

    def __init__(self, path: str) -> None:
        slow, quick = ctypes.CDLL(path), ctypes.PyDLL(path)
        vp, sz, val = ctypes.c_void_p, ctypes.c_size_t, _Value
        cp, int_, psz = ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_size_t)

        def bind(lib: Any, name: str, res: Any, *args: Any) -> Any:
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, list(args)
            return fn

        self.GetVersion = bind(quick, "JS_GetVersion", ctypes.c_char_p)
        self.NewRuntime = bind(slow, "JS_NewRuntime", vp)
        self.FreeRuntime = bind(slow, "JS_FreeRuntime", None, vp)
        self.NewContext = bind(slow, "JS_NewContext", vp, vp)
        self.FreeContext = bind(slow, "JS_FreeContext", None, vp)
        self.RunGC = bind(slow, "JS_RunGC", None, vp)
        self.IsJobPending = bind(quick, "JS_IsJobPending", ctypes.c_bool, vp)
        self.ComputeMemoryUsage = bind(quick, "JS_ComputeMemoryUsage", None, vp, vp)
        self.GetGCThreshold = bind(quick, "JS_GetGCThreshold", sz, vp)
        self.SetMemoryLimit = bind(quick, "JS_SetMemoryLimit", None, vp, sz)
        self.SetGCThreshold = bind(quick, "JS_SetGCThreshold", None, vp, sz)
        self.SetMaxStackSize = bind(quick, "JS_SetMaxStackSize", None, vp, sz)
        self.UpdateStackTop = bind(quick, "JS_UpdateStackTop", None, vp)
        self.SetInterruptHandler = bind(quick, "JS_SetInterruptHandler", None, vp, vp, vp)
        self.Eval = bind(slow, "JS_Eval", val, vp, cp, sz, cp, int_)
        self.EvalFunction = bind(slow, "JS_EvalFunction", val, vp, val)
        self.Call = bind(slow, "JS_Call", val, vp, val, val, int_, ctypes.POINTER(val))
        self.WriteObject = bind(quick, "JS_WriteObject", vp, vp, psz, val, int_)
        self.ReadObject = bind(quick, "JS_ReadObject", val, vp, cp, sz, int_)
        self.FreeValue = bind(quick, "JS_FreeValue", None, vp, val)
        self.DupValue = bind(quick, "JS_DupValue", val, vp, val)
        self.HasException = bind(quick, "JS_HasException", ctypes.c_bool, vp)
        self.IsError = bind(quick, "JS_IsError", ctypes.c_bool, val)
        self.IsUncatchableError = bind(quick, "JS_IsUncatchableError", ctypes.c_bool, val)
        self.GetPrototype = bind(quick, "JS_GetPrototype", val, vp, val)
        self.GetException = bind(quick, "JS_GetException", val, vp)
        self.GetGlobalObject = bind(quick, "JS_GetGlobalObject", val, vp)
        # An exception's "stack" and string form may be the handler's own getter or toString:
        # those run JavaScript, so the GIL is released for them.
        self.GetPropertyStr = bind(slow, "JS_GetPropertyStr", val, vp, val, cp)
        self.ToCStringAny = bind(slow, "JS_ToCStringLen2", vp, vp, psz, val, ctypes.c_bool)
        self.SetPropertyStr = bind(quick, "JS_SetPropertyStr", int_, vp, val, cp, val)
        self.NewStringLen = bind(quick, "JS_NewStringLen", val, vp, cp, sz)
        self.ToCStringLen2 = bind(quick, "JS_ToCStringLen2", vp, vp, psz, val, ctypes.c_bool)
        self.FreeCString = bind(quick, "JS_FreeCString", None, vp, vp)
        self.free = bind(quick, "js_free", None, vp, vp)
        self.NewUint8Array = bind(quick, "JS_NewUint8Array", val, vp, vp, sz, vp, vp, ctypes.c_bool)
        self.NewUint8ArrayCopy = bind(quick, "JS_NewUint8ArrayCopy", val, vp, vp, sz)
        self.GetTypedArrayBuffer = bind(quick, "JS_GetTypedArrayBuffer", val, vp, val, vp, vp, vp)
        self.SetImmutableArrayBuffer = bind(
            quick, "JS_SetImmutableArrayBuffer", int_, val, ctypes.c_bool
        )


class Layout(NamedTuple):
    """What this module assumes of ``JSValue``: its size and the tags of ``quickjs.h``."""

    value_size: int = 16
    object_tag: int = _TAG_OBJECT
    string_tag: int = _TAG_STRING
    int_tag: int = _TAG_INT
    bool_tag: int = _TAG_BOOL
    null_tag: int = _TAG_NULL
    undefined_tag: int = _TAG_UNDEFINED
    exception_tag: int = _TAG_EXCEPTION
    float64_tag: int = _TAG_FLOAT64


LAYOUT = Layout()


def self_test(api: _API, layout: Layout = LAYOUT) -> str | None:
    """Why ``api`` does not speak ``layout``, or None.

    Reads known values back through the C API (each tag, an int, a double, a string, a thrown
    error's message) in a throw-away runtime. Nothing is dereferenced on a tag it did not
    expect; on a mismatch the runtime is leaked rather than freed, since freeing values read
    through a wrong layout could itself crash.
    """
    if ctypes.sizeof(_Value) != layout.value_size:
        return f"JSValue is {layout.value_size} bytes in quickjs.h, {ctypes.sizeof(_Value)} here"
    rt = api.NewRuntime()
    ctx = api.NewContext(rt) if rt else None
    if not ctx:
        return "QuickJS could not create a runtime and context"

    def run(source: str) -> _Value:
        text = source.encode()
        value: _Value = api.Eval(ctx, text, len(text), b"<self-test>", 0)
        return value

    def text_of(value: _Value) -> str | None:
        size = ctypes.c_size_t()
        ptr = api.ToCStringLen2(ctx, ctypes.byref(size), value, False)
        if not ptr:
            return None
        try:
            return ctypes.string_at(ptr, size.value).decode("utf-8", "replace")
        finally:
            api.FreeCString(ctx, ptr)

    def problem() -> str | None:
        plain: dict[str, tuple[int, Callable[[_Value], bool]]] = {
            "42": (layout.int_tag, lambda v: ctypes.c_int32(v.u & 0xFFFFFFFF).value == 42),
            "0.5": (
                layout.float64_tag,
                lambda v: ctypes.c_double.from_buffer_copy(ctypes.c_uint64(v.u)).value == 0.5,
            ),
            "true": (layout.bool_tag, lambda v: v.u & 0xFFFFFFFF == 1),
            "null": (layout.null_tag, lambda v: True),
            "undefined": (layout.undefined_tag, lambda v: True),
        }
        for source, (tag, check) in plain.items():
            v = run(source)
            if v.tag != tag or not check(v):
                return f"{source} read back as tag {v.tag}, value {v.u:#x}; expected tag {tag}"
        for source, tag, expect in (
            ("'dodo-' + 'transform'", layout.string_tag, "dodo-transform"),
            ("({})", layout.object_tag, None),
        ):
            v = run(source)
            if v.tag != tag:
                return f"{source} read back as tag {v.tag}; expected tag {tag}"
            got = text_of(v) if expect is not None else None
            api.FreeValue(ctx, v)
            if got != expect:
                return f"{source} read back as {got!r}; expected {expect!r}"
        v = run("throw new RangeError('self-test')")
        if v.tag != layout.exception_tag:
            return f"a throw read back as tag {v.tag}; expected tag {layout.exception_tag}"
        exc = api.GetException(ctx)
        if exc.tag != layout.object_tag or not api.IsError(exc):
            return f"a thrown RangeError read back as tag {exc.tag}; expected an Error object"
        message = api.GetPropertyStr(ctx, exc, b"message")
        api.FreeValue(ctx, exc)
        got = text_of(message) if message.tag == layout.string_tag else None
        if message.tag == layout.string_tag:
            api.FreeValue(ctx, message)
        if got != "self-test":
            return f"a thrown error's message read back as {got!r}; expected 'self-test'"
        return None

    found = problem()
    if found is None:
        api.FreeContext(ctx)
        api.FreeRuntime(rt)
    return found


def load(layout: Layout = LAYOUT) -> tuple[_API | None, str | None]:
    """The C API of the installed ``quickjs-ng``, or None and why it cannot be used."""
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return None, "a 32-bit build (JSValue is NaN-boxed there)"
    try:
        api = _API(_quickjs.__file__)
    except (OSError, AttributeError) as e:  # symbols hidden (e.g. a Windows .pyd exports none)
        return None, f"the C API is not exported by {_quickjs.__file__} ({e})"
    version = api.GetVersion().decode()
    if not version.startswith(_VERSION):
        return None, f"quickjs-ng {version}; this engine is written against {_VERSION}x"
    problem = self_test(api, layout)
    if problem is not None:
        return None, f"the self-test of the JSValue layout failed: {problem}"
    return api, None


_api, _unavailable = load()


def _loaded_api() -> _API:
    if _api is None:  # only contexts of this engine start watches, and they need the API
        raise RuntimeError(f"the C-API engine is unavailable: {_unavailable}")
    return _api


def unavailable() -> str | None:
    """Why this engine cannot run here (None: it can)."""
    return _unavailable


_Interrupt = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
# Installed on a runtime only once its run is over budget: QuickJS then throws "interrupted".
_STOP = _Interrupt(lambda _rt, _opaque: 1)
_STOP_PTR = ctypes.cast(_STOP, ctypes.c_void_p)
# Where quickjs.c of the 0.17 line keeps a context's ``int interrupt_counter`` (the operations
# left before QuickJS next polls the interrupt handler), used only once _counter_probe has
# seen it count there.
_COUNTER_OFFSET = 548
_COUNTER_FULL = 10_000  # JS_INTERRUPT_COUNTER_INIT: what QuickJS sets the count to at a poll


def _counter_probe(api: _API, offset: int = _COUNTER_OFFSET) -> str | None:
    """Why the interrupt counter is not at ``offset`` in a context, or None.

    Runs loops of known length and reads the four bytes there after each: the count must go
    down by two a turn (the loop's test and its jump back, each a poll site), and a count set
    to 1 must make the next poll call the interrupt handler. Only those four bytes are read
    and written, and only in a throw-away context.
    """
    rt = api.NewRuntime()
    ctx = api.NewContext(rt) if rt else None
    if not ctx:
        if rt:
            api.FreeRuntime(rt)
        return "QuickJS could not create a runtime and context"
    counter = ctypes.c_int32.from_address(ctx + offset)
    polled: list[int] = []

    def poll(_rt: int, _opaque: int) -> int:
        polled.append(1)
        return 0  # go on

    handler = _Interrupt(poll)

    def loop(turns: int) -> int:
        source = f"for (var i = 0; i < {turns}; i++) {{}}".encode()
        api.FreeValue(ctx, api.Eval(ctx, source, len(source), b"<probe>", 0))
        return counter.value

    try:
        start = loop(1)  # the first poll of a context sets the count: from here it is known
        short, long = loop(100), loop(300)
        if not 0 < long < short < start <= _COUNTER_FULL or (short - long) - (start - short) != 400:
            return f"it read {start}, {short}, {long} around loops of 100 and 300 turns"
        api.SetInterruptHandler(rt, ctypes.cast(handler, ctypes.c_void_p), None)
        loop(2)
        if polled:
            return "the interrupt handler was called with thousands of operations left"
        counter.value = 1
        loop(2)
        if not polled:
            return "a count of 1 did not make QuickJS poll the interrupt handler"
        return None
    finally:
        api.SetInterruptHandler(rt, None, None)
        api.FreeContext(ctx)
        api.FreeRuntime(rt)


# Where the watchdog finds a context's count of operations left before QuickJS polls, or None
# (a build whose layout differs): an overrun run then stops at the poll after the 10,000th.
_counter_problem = _counter_probe(_api) if _api is not None else None
_counter_at = _COUNTER_OFFSET if _api is not None and _counter_problem is None else None


def prompt_stop_problem() -> str | None:
    """Why an overrun run stops only at QuickJS's own next poll here, or None."""
    return _counter_problem


class _Bytecode:
    """Compiled programs by source text, shared by every context of the process."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entries: int = 512) -> None:
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._bytes = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            code = self._entries.get(key)
            if code is not None:
                self._entries.move_to_end(key)
            return code

    def put(self, key: str, code: bytes) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = code
            self._bytes += _size(key, code)
            while len(self._entries) > 1 and (
                self._bytes > self._max_bytes or len(self._entries) > self._max_entries
            ):
                dropped = self._entries.popitem(last=False)
                self._bytes -= _size(*dropped)


def _size(source: str, code: bytes) -> int:
    # The source is kept as the key: a 51,200-character handler of comments compiles to a few
    # hundred bytes, so its key is what costs.
    return sys.getsizeof(source) + len(code)


_bytecode = _Bytecode()


class _Watch:
    __slots__ = ("rt", "ctx", "clock", "deadline", "fired", "forcing")

    def __init__(self, rt: int, ctx: int, clock: int | None, deadline: float) -> None:
        self.rt, self.ctx, self.clock, self.deadline = rt, ctx, clock, deadline
        self.fired = False  # the stopping handler is installed
        self.forcing = False  # and the count of operations is kept at 1


class _Watchdog:
    """Stops runs that overran their CPU budget, without the GIL on the running thread.

    QuickJS polls an interrupt handler about every 10,000 operations. A ctypes callback there
    needs the GIL each time, and next to a busy Python thread (the server's event loop) each
    poll waits up to the 5 ms switch interval: handlers crawl, and a runaway one holds its
    thread many times its limit. So no handler is installed while a run is within budget. This
    thread reads each run's thread CPU clock and, once the budget is spent, installs a handler
    that stops the run at QuickJS's next poll.

    The next poll may be far off: 10,000 operations are a few milliseconds of a plain loop,
    but a loop around a slow built-in (``new Array(1e6).fill(0)``, 11 ms a turn) took 28 s
    to reach it, 28 times a 1 s limit. So the handler's installation also sets the context's
    count of operations left to 1 (see :func:`_counter_probe`), and sets it again every
    ``REPEAT`` seconds until the run has stopped, in case the run's own decrement of the
    count, racing with the write, wrote over it.
    """

    REPEAT = 0.01
    # CPU time of the run's thread for reading the stopped run's error (see stopped()).
    READ_ERROR = 0.02

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._runs: set[_Watch] = set()
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None
        self._clocks = threading.local()

    def watch(self, rt: int, ctx: int, budget: float) -> _Watch:
        clock = self._thread_clock()
        run = _Watch(rt, ctx, clock, _now(clock) + budget)
        with self._cond:
            self._runs.add(run)
            if self._thread is None or not self._thread.is_alive():  # the first run
                self._thread = threading.Thread(
                    target=self._loop, name="dodo-js-watchdog", daemon=True
                )
                self._thread.start()
            elif time.monotonic() + budget < self._wake_at:
                self._cond.notify()
        return run

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's runs, its watchdog thread, its lock (perhaps held
        at the fork) and its threads' clocks do not exist here; the next watch starts anew."""
        self._cond = threading.Condition()
        self._runs = set()
        self._wake_at = math.inf
        self._thread = None
        self._clocks = threading.local()

    def unwatch(self, run: _Watch) -> None:
        with self._cond:
            self._runs.discard(run)
            if run.fired:  # the next run on this runtime starts with no handler
                _loaded_api().SetInterruptHandler(run.rt, None, None)

    def stopped(self, run: _Watch) -> None:
        """The run has stopped at the limit: its thread now reads the error's stack. Forcing
        a poll at once would interrupt that read and lose the stack, so for ``READ_ERROR``
        of CPU the count is left at a full 10,000 operations. The stack is an accessor the
        handler may have replaced, with code of its own: past that, it is forced again."""
        with self._cond:
            if not run.fired:
                return
            run.forcing = False
            try:
                run.deadline = _now(run.clock) + self.READ_ERROR
            except OSError:
                run.deadline = -math.inf
            if _counter_at is not None:
                ctypes.c_int32.from_address(run.ctx + _counter_at).value = _COUNTER_FULL
            self._cond.notify()

    def _thread_clock(self) -> int | None:
        clocks = self._clocks
        if not hasattr(clocks, "id"):
            try:
                clocks.id = time.pthread_getcpuclockid(threading.get_ident())
            except (AttributeError, OSError):  # no per-thread CPU clock here: wall time
                clocks.id = None
        clock: int | None = clocks.id
        return clock

    def _loop(self) -> None:
        with self._cond:
            while True:
                wall = time.monotonic()
                wake = math.inf
                for run in self._runs:
                    if run.forcing:
                        left = 0.0
                    else:
                        try:
                            left = run.deadline - _now(run.clock)
                        except OSError:  # the run's clock cannot be read: stop it, fail closed
                            left = 0
                    if left <= 0:
                        if not run.fired:
                            # Written while the run's thread is inside QuickJS, which reads
                            # this pointer at its next poll; the run's own thread clears it.
                            _loaded_api().SetInterruptHandler(run.rt, _STOP_PTR, None)
                            run.fired = True
                        run.forcing = True
                        if _counter_at is not None:  # the run has not stopped yet: poll soon
                            ctypes.c_int32.from_address(run.ctx + _counter_at).value = 1
                            wake = min(wake, wall + self.REPEAT)
                    else:  # CPU time cannot pass faster than wall time
                        wake = min(wake, wall + left)
                self._wake_at = wake
                self._cond.wait(None if wake == math.inf else wake - wall)


def _now(clock: int | None) -> float:
    return time.monotonic() if clock is None else time.clock_gettime(clock)


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_watchdog.forget_after_fork)


class _Usage(ctypes.Structure):
    # quickjs.h's JSMemoryUsage: 26 int64 counters, malloc_size first, obj_count tenth.
    _fields_ = [(f"n{i}", ctypes.c_int64) for i in range(26)]


def _usage(api: _API, rt: int) -> tuple[int, int]:
    """The bytes a runtime holds and how many objects are alive in it."""
    usage = _Usage()
    api.ComputeMemoryUsage(rt, ctypes.byref(usage))
    return usage.n0, usage.n9


# What a new runtime starts with (quickjs.h): no memory limit, the first collection at 256 KiB,
# a 1 MiB stack. A reused runtime is set back to them.
_NO_LIMIT, _GC_THRESHOLD, _STACK_BYTES = 0, 256 * 1024, 1024 * 1024
# How much more than a new runtime an empty one may hold and still be reused: the tables that
# grow and never shrink (atoms, shapes). A handler that grew them a lot frees its runtime.
_REUSE_SLACK = 64 * 1024


class _Runtimes:
    """Empty runtimes, kept for the next context.

    A context needs a runtime of its own (the memory limit, the garbage collector and the job
    queue are per runtime), but not a new one: a new runtime, freed with its context, costs
    about 60 µs more than a context in a runtime that is already there, whose memory the
    allocator has just handed back. A closed context's runtime is kept only when nothing of
    the context is left in it: no pending job (a job holds its context), and, after a full
    collection, no object at all, so nothing a handler made can reach the next context. The
    limits go back to a new runtime's, and the memory limit counts from where a new runtime
    starts (``take`` says by how much the kept tables exceed that): whatever ran before, a
    handler has the room it would have in a new runtime, give or take the few table resizes
    the kept tables spare it (well under 1 % of a 4 MiB limit, tests/test_engine.py).
    """

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._idle: list[tuple[int, int]] = []  # (runtime, bytes above a new runtime's)
        self._new_bytes: int | None = None
        self._lock = threading.Lock()

    def take(self, api: _API) -> tuple[int | None, int]:
        """A runtime with no context, and the bytes it holds above a new one's."""
        with self._lock:
            reused = self._idle.pop() if self._idle else None
        if reused is not None:
            api.UpdateStackTop(reused[0])  # it may have served another thread
            return reused
        made: int | None = api.NewRuntime()
        if made and self._new_bytes is None:
            self._new_bytes = _usage(api, made)[0]
        return made, 0

    def give(self, api: _API, rt: int) -> None:
        """Keep ``rt``, whose only context was just freed, or free it."""
        if not api.IsJobPending(rt) and self._new_bytes is not None:
            api.RunGC(rt)
            held, objects = _usage(api, rt)
            above = held - self._new_bytes
            if objects == 0 and 0 <= above <= _REUSE_SLACK:
                api.SetMemoryLimit(rt, _NO_LIMIT)
                api.SetGCThreshold(rt, _GC_THRESHOLD)
                api.SetMaxStackSize(rt, _STACK_BYTES)
                api.SetInterruptHandler(rt, None, None)
                with self._lock:
                    if len(self._idle) < self._keep:
                        self._idle.append((rt, above))
                        return
        api.FreeRuntime(rt)


_runtimes = _Runtimes()


class CApiContext:
    """A QuickJS runtime and context driven through the C API (see the module docstring)."""

    def __init__(self) -> None:
        self._rt: Any = None  # first, so that close() works whatever fails below
        api = _api
        assert api is not None
        self._api = api
        self._budget = math.inf
        self._run: _Watch | None = None  # the watched run in progress, if any
        self._held: list[_Value] = []  # values handed to Python, freed with the context
        self._rt, self._above = _runtimes.take(api)
        if not self._rt:
            raise MemoryError("QuickJS could not create a runtime")
        self._ctx = api.NewContext(self._rt)
        if not self._ctx:
            _runtimes.give(api, self._rt)
            self._rt = None
            raise MemoryError("QuickJS could not create a context")
        self._global = api.GetGlobalObject(self._ctx)
        # Captured before any code runs, to name an escaped error whatever the code did to
        # Error: the sandbox tells a limit from a throw by this text. QuickJS raises its own
        # limits as InternalError ("out of memory") and RangeError (stack overflow).
        self._error_to_string = self._intrinsic(b"Error", b"toString")
        self._limit_errors = {
            self._intrinsic(b"InternalError").u: "InternalError",
            self._intrinsic(b"RangeError").u: "RangeError",
        }

    # -- the part of quickjs.Context's interface the sandbox uses --------------------------

    def set_memory_limit(self, limit: int) -> None:
        self._api.SetMemoryLimit(self._rt, limit + self._above)
        # QuickJS's first collection comes at 256 KiB, which a fresh context with the prelude
        # is just under: any allocation then costs a whole-heap GC (~25 us) in a run whose
        # heap is freed in one piece a moment later. Later collections adapt to the heap.
        self._api.SetGCThreshold(self._rt, min(_FIRST_GC_BYTES, limit // 4))

    def set_max_stack_size(self, size: int) -> None:
        self._api.SetMaxStackSize(self._rt, size)

    def set_time_limit(self, seconds: float) -> None:
        self._budget = seconds if seconds > 0 else math.inf

    def set(self, name: str, value: Any) -> None:
        self._open()
        self._api.SetPropertyStr(self._ctx, self._global, name.encode(), self._to_js(value))

    def eval(self, source: str) -> Any:
        self._open()
        api = self._api
        # Compiling or reading may fail (out of memory) and naming that error may run the
        # handler's code (a getter it left on a prototype): the limit covers all of it.
        with self._limited():
            code = _bytecode.get(source)
            if code is None:
                code = self._compile(source)
                _bytecode.put(source, code)
            fn = api.ReadObject(self._ctx, code, len(code), _OBJ_BYTECODE)
            if fn.tag == _TAG_EXCEPTION:
                self._raise()
            return self._to_py(api.EvalFunction(self._ctx, fn))  # EvalFunction frees fn

    def lend(self, name: str, data: bytes) -> None:
        """Set the global ``name`` to a Uint8Array over one read-only copy of ``data`` that
        every context of the process shares (JS_NewUint8Array with no free function), where
        a string would be copied into each context.

        Two locks keep a run from changing what another reads: the buffer is immutable (a
        write throws or does nothing), and the memory under it is mapped read-only, which
        QuickJS cannot get round (its Atomics.store ignores immutability): a write there
        would stop the process rather than reach the next run. The prelude takes the array
        off the global object before any other code runs, and only collate.js reads it."""
        self._open()
        api, ctx = self._api, self._ctx
        address = _LENT[data][1] if data in _LENT else _read_only(data)
        view = (
            api.NewUint8Array(ctx, address, len(data), None, None, False)
            if address is not None
            else api.NewUint8ArrayCopy(ctx, data, len(data))
        )
        if view.tag == _TAG_EXCEPTION:
            self._raise()
        buffer = api.GetTypedArrayBuffer(ctx, view, None, None, None)
        sealed = -1 if buffer.tag == _TAG_EXCEPTION else api.SetImmutableArrayBuffer(buffer, True)
        api.FreeValue(ctx, buffer)
        if sealed != 0:
            api.FreeValue(ctx, view)
            raise RuntimeError("QuickJS did not make a lent ArrayBuffer immutable")
        api.SetPropertyStr(ctx, self._global, name.encode(), view)  # which takes the view

    # -- internals -------------------------------------------------------------------------

    def _compile(self, source: str) -> bytes:
        api = self._api
        text = source.encode("utf-8", "surrogatepass")  # bytes end in NUL, as JS_Eval needs
        fn = api.Eval(self._ctx, text, len(text), b"<input>", _EVAL_COMPILE_ONLY)
        if fn.tag == _TAG_EXCEPTION:
            self._raise()
        size = ctypes.c_size_t()
        buf = api.WriteObject(self._ctx, ctypes.byref(size), fn, _OBJ_BYTECODE)
        api.FreeValue(self._ctx, fn)
        if not buf:
            self._raise()
        try:
            return ctypes.string_at(buf, size.value)
        finally:
            api.free(self._ctx, buf)

    @contextlib.contextmanager
    def _limited(self) -> Iterator[None]:
        """Run JavaScript under the time limit, which also covers turning a thrown value
        into text."""
        # The stack-overflow guard measures from the thread that runs: contexts are prepared
        # on one thread and may be called on another.
        self._api.UpdateStackTop(self._rt)
        budget = self._budget
        run = _watchdog.watch(self._rt, self._ctx, budget) if budget != math.inf else None
        self._run = run
        try:
            yield
        finally:
            self._run = None
            if run is not None:
                _watchdog.unwatch(run)

    def _call(self, fn: _Value, args: tuple[Any, ...]) -> Any:
        api, ctx = self._api, self._ctx
        argv = (_Value * max(len(args), 1))()
        made = 0
        try:
            for arg in args:
                argv[made] = self._to_js(arg)
                made += 1
            with self._limited():
                return self._to_py(api.Call(ctx, fn, _UNDEFINED, len(args), argv))
        finally:
            for i in range(made):
                api.FreeValue(ctx, argv[i])

    def _intrinsic(self, name: bytes, member: bytes = b"prototype") -> _Value:
        """``globalThis[name].prototype`` (or ``[name].prototype[member]``), held until close."""
        api, ctx = self._api, self._ctx
        ctor = api.GetPropertyStr(ctx, self._global, name)
        value = api.GetPropertyStr(ctx, ctor, b"prototype")
        api.FreeValue(ctx, ctor)
        if member != b"prototype":
            proto, value = value, api.GetPropertyStr(ctx, value, member)
            api.FreeValue(ctx, proto)
        self._held.append(value)
        held: _Value = value
        return held

    def _open(self) -> None:
        if self._rt is None:
            raise RuntimeError("this QuickJS context was closed")

    def _to_js(self, value: Any) -> _Value:
        if value is None:
            return _NULL
        if isinstance(value, str):
            data = value.encode("utf-8", "surrogatepass")
            made: _Value = self._api.NewStringLen(self._ctx, data, len(data))
            return made
        if isinstance(value, bool):
            return _Value(int(value), _TAG_BOOL)
        if isinstance(value, (int, float)):
            bits = ctypes.c_uint64.from_buffer_copy(ctypes.c_double(float(value))).value
            return _Value(bits, _TAG_FLOAT64)
        if isinstance(value, _Function) and value._owner is self:
            dup: _Value = self._api.DupValue(self._ctx, value._value)
            return dup
        raise TypeError(f"cannot pass {type(value).__name__} to JavaScript")

    def _to_py(self, value: _Value) -> Any:
        """Take ownership of ``value``: strings, numbers and null come back as Python values,
        objects as callables that live as long as the context."""
        tag = value.tag
        if tag == _TAG_EXCEPTION:
            self._raise()
        if tag in _STRING_TAGS:
            text = self._string(value)
            self._api.FreeValue(self._ctx, value)
            return text
        if tag in (_TAG_NULL, _TAG_UNDEFINED):
            return None
        if tag == _TAG_BOOL:
            return bool(value.u & 0xFFFFFFFF)
        if tag == _TAG_INT:
            return ctypes.c_int32(value.u & 0xFFFFFFFF).value
        if tag == _TAG_FLOAT64:
            return ctypes.c_double.from_buffer_copy(ctypes.c_uint64(value.u)).value
        if tag != _TAG_OBJECT:  # symbols, bigints: nothing the sandbox asks for
            self._api.FreeValue(self._ctx, value)
            return None
        self._held.append(value)
        return _Function(self, value)

    def _string(self, value: _Value) -> str | None:
        api = self._api
        size = ctypes.c_size_t()
        convert = api.ToCStringLen2 if value.tag in _STRING_TAGS else api.ToCStringAny
        ptr = convert(self._ctx, ctypes.byref(size), value, False)
        if not ptr:
            api.FreeValue(self._ctx, api.GetException(self._ctx))
            return None
        if api.HasException(self._ctx):  # converted, but a toString threw on the way
            api.FreeValue(self._ctx, api.GetException(self._ctx))
        try:
            return ctypes.string_at(ptr, size.value).decode("utf-8", "replace")
        finally:
            api.FreeCString(self._ctx, ptr)

    def _raise(self) -> None:
        """Raise the pending JavaScript exception as the binding would: its text, then its stack."""
        api, ctx = self._api, self._ctx
        exc = api.GetException(ctx)
        try:
            limit = False
            text: str | None
            if api.IsUncatchableError(exc):  # the time limit: no code of the handler runs now
                text, limit = "InternalError: interrupted", True
                if self._run is not None:
                    _watchdog.stopped(self._run)
            elif api.IsError(exc) and (name := self._limit_error_name(exc)) is not None:
                # One of the engine's own (out of memory, stack overflow): its message is an
                # own data property, so reading it runs nothing of the handler's.
                text = self._result_text(api.GetPropertyStr(ctx, exc, b"message"))
                text, limit = f"{name}: {text}" if text else name, True
            elif api.IsError(exc):  # a name or message getter may throw: no text then
                text = self._result_text(api.Call(ctx, self._error_to_string, exc, 0, None))
            else:
                text = self._string(exc)
            stack = None
            if exc.tag not in (_TAG_NULL, _TAG_UNDEFINED):
                stack = self._result_text(api.GetPropertyStr(ctx, exc, b"stack"), any_value=True)
        finally:
            api.FreeValue(ctx, exc)
        if text is None:
            raise JSException("(the JavaScript exception could not be converted to a string)")
        full = f"{text}\n{stack or ''}"
        if limit and ("stack overflow" in text or "call stack size exceeded" in text):
            raise StackOverflow(full)
        raise JSException(full)

    def _result_text(self, value: _Value, any_value: bool = False) -> str | None:
        """The text of a result this call owns and frees: None for a thrown exception (which
        is cleared), or unless it is a string (``any_value``: converted, as String() would)."""
        api = self._api
        if value.tag == _TAG_EXCEPTION:
            api.FreeValue(self._ctx, api.GetException(self._ctx))
            return None
        text = self._string(value) if any_value or value.tag in _STRING_TAGS else None
        api.FreeValue(self._ctx, value)
        return text

    def _limit_error_name(self, exc: _Value) -> str | None:
        proto = self._api.GetPrototype(self._ctx, exc)  # an Error object: no proxy, no code
        name = self._limit_errors.get(proto.u) if proto.tag == _TAG_OBJECT else None
        self._api.FreeValue(self._ctx, proto)
        return name

    def close(self) -> None:
        if self._rt is None:
            return
        api, ctx = self._api, self._ctx
        for value in self._held:
            api.FreeValue(ctx, value)
        self._held.clear()
        api.FreeValue(ctx, self._global)
        api.FreeContext(ctx)
        _runtimes.give(api, self._rt)
        self._rt = self._ctx = None

    def __del__(self) -> None:
        if self._rt is not None:
            self.close()


class _Function:
    """A JavaScript function (or other object) of a :class:`CApiContext`, called with Python
    strings, numbers, None and other functions of the same context."""

    __slots__ = ("_owner", "_value")

    def __init__(self, owner: CApiContext, value: _Value) -> None:
        self._owner = owner
        self._value = value

    def __call__(self, *args: Any) -> Any:
        if self._owner._rt is None:
            raise RuntimeError("the context of this function was closed")
        return self._owner._call(self._value, args)
