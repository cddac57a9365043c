"""A warm context: a fresh QuickJS context with the prelude evaluated, optionally prepared
for one handler (clock installed, top-level code run) so that an event only pays for the call."""

from __future__ import annotations

import json
import time
from typing import Any

from . import engine
from .answer import captured_logs
from .engine import Context, JSException, StackOverflow
from .job import Limits
from .sources import (
    BUNDLE,
    COLLATION_TABLE,
    PRELUDE,
    SOURCES,
    V8,
    collates,
    named_sources,
    v8_builtins,
)

__all__ = ["PreloadFailed", "TopLevelFailed", "Warm"]


_DEFAULT_CAPS = (Limits.max_log_lines, Limits.max_log_bytes)


class PreloadFailed(Exception):
    """Handing a context its cold-path sources failed; the handler's code has not run."""


class TopLevelFailed(Exception):
    """The prepared context's top-level code failed: its saved exception is the run's error.
    (Raising the saved exception itself would tie it, through its traceback, to the context.)"""


class Warm:
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
        self.ctx: Context = engine.new_context()
        self.ctx.set_memory_limit(limits.memory_bytes)
        self.ctx.set_max_stack_size(limits.stack_bytes)
        # QuickJS may not call back into Python while a time limit is set, so the cold-path
        # sources travel in as one string (compiled only if a run needs them, unless prepare()
        # hands them in compiled) and console output is collected inside the context.
        self.ctx.set("__dodo_sources", BUNDLE)
        if engine.using_c_api():
            # The collation table (220 KB), lent rather than copied: a few microseconds.
            self.ctx.lend("__dodo_collation", COLLATION_TABLE)
        self.host = self.ctx.eval(PRELUDE)

    def prepare(
        self,
        key: tuple[Any, ...],
        source: str,
        now_ms: float | None,
        loads: frozenset[str] = frozenset(),
    ) -> None:
        """Install the clock and run the handler's top-level code (within the time limit).

        ``loads``: the cold-path sources (``SOURCES``) the handler's earlier runs needed.
        They are handed in as functions read from bytecode, so the run does not compile them
        from text (intl.js alone is 69 KB), and Intl is set up before the handler's code.
        V8's versions of the built-ins the handler's text names (``v8_builtins``) are
        installed here too, so that only handlers that use them pay for them."""
        self.key = key
        began = time.perf_counter()
        try:
            self.ctx.set_time_limit(self.limits.time_ms / 1000.0)
            builtins = v8_builtins(source)
            try:
                for name in sorted(loads):
                    self.host("provide", name, self.ctx.eval(SOURCES[name]))
                if not engine.using_c_api() and collates(source):
                    # The binding copies the table (220 KB) into the context: only for
                    # handlers whose text names what collates.
                    self.host("collation", COLLATION_TABLE.decode("ascii"))
                for name in named_sources(source):
                    if name not in loads:
                        self.host("provide", name, self.ctx.eval(SOURCES[name]))
                for name in builtins:
                    # date.js's parser goes in as text (rarely compiled), unless provided above.
                    text = SOURCES["dates"] if name == "dates" and "dates" not in loads else None
                    self.host("v8", self.ctx.eval(V8[name]), text)
                caps = (self.limits.max_log_lines, self.limits.max_log_bytes)
                if caps != _DEFAULT_CAPS:  # prelude.js starts with the defaults
                    self.host("caps", *caps)
                self.runner = self.host("start", now_ms)
                if "intl" in loads:
                    self.host("intl")
            except (JSException, StackOverflow):
                # Ours, not the handler's: e.g. Intl does not fit a small memory limit.
                if loads or builtins or collates(source) or named_sources(source):
                    raise PreloadFailed from None
                raise
            began = time.perf_counter()  # the handler's own time starts here
            self.ctx.eval(source)
        except (JSException, StackOverflow) as e:
            self.failure = e.with_traceback(None)  # its frames would hold this context
        self.top_level_s = time.perf_counter() - began

    def close(self) -> None:
        """Free the runtime now rather than whenever Python lets go of it."""
        self.ctx.close()

    def logs_so_far(self, filename: str) -> list[tuple[str, str]]:
        """What the console kept before a limit stopped the run. The context is spent, so
        it gets the room to serialise the (capped) log even when its heap is still full."""
        try:
            self.ctx.set_time_limit(0.05)
            room = 16 * self.limits.max_log_bytes + 4 * 1024 * 1024  # JSON escapes, UTF-16
            self.ctx.set_memory_limit(self.limits.memory_bytes + room)
            return captured_logs(json.loads(self.host("logs")), self.limits, filename)
        except JSException:
            return []
