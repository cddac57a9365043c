"""Which QuickJS engine runs handlers, behind one interface.

Two engines implement :class:`Context`: :mod:`~dodo_transform.sandbox.capi` (QuickJS's C API
through ``ctypes``, every source compiled once, time limit per thread; the default) and
:mod:`~dodo_transform.sandbox.binding` (the ``quickjs-ng`` binding's contexts, the fallback).
The choice is made once per process, when this module is imported.
"""

from __future__ import annotations

import logging
import os
import time
from importlib import metadata
from typing import Any, Literal, Protocol

from . import capi
from .binding import BindingContext, JSException, StackOverflow

__all__ = [
    "Context",
    "EngineName",
    "JSException",
    "StackOverflow",
    "describe",
    "ensure_utc",
    "fallback_reason",
    "name",
    "new_context",
    "using_c_api",
]

log = logging.getLogger("dodo_transform.sandbox.engine")

EngineName = Literal["capi", "binding"]


class Context(Protocol):
    """A fresh QuickJS context alone in its runtime, used by one thread at a time.

    ``eval`` and calls of the JavaScript functions it returns raise :class:`JSException`
    (or :class:`StackOverflow`) for a thrown value, carrying its text and then its stack.
    """

    def set_memory_limit(self, limit: int) -> None: ...

    def set_max_stack_size(self, size: int) -> None: ...

    def set_time_limit(self, seconds: float) -> None: ...

    def set(self, name: str, value: Any) -> None: ...

    def eval(self, source: str) -> Any: ...

    def lend(self, name: str, data: bytes) -> None:
        """Set the global ``name`` to a read-only view of ``data``: a Uint8Array over the
        process's one copy (C API), or a string of the bytes copied in (the binding)."""
        ...

    def close(self) -> None: ...


def _choose() -> tuple[EngineName, str | None]:
    if os.environ.get("DODO_TRANSFORM_ENGINE", "") == "binding":
        return "binding", "DODO_TRANSFORM_ENGINE=binding"
    reason = capi.unavailable()
    return ("binding", reason) if reason is not None else ("capi", None)


def _select() -> None:
    global _name, _reason
    _name, _reason = _choose()
    if _reason is not None:
        log.warning("sandbox engine: the quickjs-ng binding (fallback), because %s", _reason)
    elif (problem := capi.prompt_stop_problem()) is not None:
        log.warning(
            "sandbox engine: a handler over its time limit stops only at QuickJS's next look "
            "at it, up to 10,000 loop turns and calls later, because %s",
            problem,
        )


_name: EngineName
_reason: str | None
_select()


def name() -> EngineName:
    return _name


def using_c_api() -> bool:
    """Whether contexts read compiled bytecode through the C API (else the binding's)."""
    return _name == "capi"


def fallback_reason() -> str | None:
    """Why the fallback engine is in use, or None when the C-API engine is."""
    return _reason


def describe() -> str:
    """One line for start-up logs."""
    try:
        version = metadata.version("quickjs-ng")
    except metadata.PackageNotFoundError:  # e.g. vendored without its metadata
        version = "?"
    if _name == "capi":
        return f"QuickJS C API (quickjs-ng {version}, bytecode, per-thread time limit)"
    return f"quickjs-ng {version} binding (fallback: {_reason})"


def new_context() -> Context:
    return capi.CApiContext() if _name == "capi" else BindingContext()


def ensure_utc() -> None:
    """QuickJS takes local time from the C library; the contract says the sandbox is UTC.

    This changes the process's ``TZ`` when it is not UTC already: the only process-wide
    effect of the sandbox, made here so there is one place that does it.
    """
    if time.timezone == 0 and time.altzone == 0 and os.environ.get("TZ", "UTC") in ("UTC", "UTC0"):
        return
    if time.localtime().tm_gmtoff == 0 and time.daylight == 0:
        return
    os.environ["TZ"] = "UTC"
    time.tzset()
