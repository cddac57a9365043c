"""The binding engine: the ``quickjs-ng`` wheel's own ``quickjs.Context``, as a fallback.

Used where the C-API engine cannot run (see :func:`dodo_transform.sandbox.capi.unavailable`)
or when ``DODO_TRANSFORM_ENGINE=binding`` asks for it. It keeps the same contract with three
weaker points, which is why ``serve`` refuses it unless the config allows it: the time limit
counts the whole process's CPU time; an error's kind is read from its text after the
handler's own ``Error.prototype.toString``; turning a thrown value into text is not
time-limited.
"""

from __future__ import annotations

from typing import Any

import quickjs

__all__ = ["BindingContext", "JSException", "StackOverflow"]

# Both engines raise these, so the sandbox handles one set of exceptions.
JSException = quickjs.JSException
StackOverflow = quickjs.StackOverflow


class BindingContext:
    """A ``quickjs.Context`` with the :class:`~dodo_transform.sandbox.engine.Context` interface."""

    __slots__ = ("_ctx",)

    def __init__(self) -> None:
        self._ctx: quickjs.Context | None = quickjs.Context()

    def set_memory_limit(self, limit: int) -> None:
        self._open().set_memory_limit(limit)

    def set_max_stack_size(self, size: int) -> None:
        self._open().set_max_stack_size(size)

    def set_time_limit(self, seconds: float) -> None:
        self._open().set_time_limit(seconds)

    def set(self, name: str, value: Any) -> None:
        self._open().set(name, value)

    def eval(self, source: str) -> Any:
        return self._open().eval(source)

    def lend(self, name: str, data: bytes) -> None:
        # The binding cannot lend memory: the context gets a copy, a string of the bytes.
        self._open().set(name, data.decode("latin-1"))

    def close(self) -> None:
        # The binding frees a runtime with its last reference; this drops ours.
        self._ctx = None

    def _open(self) -> quickjs.Context:
        if self._ctx is None:
            raise RuntimeError("this QuickJS context was closed")
        return self._ctx
