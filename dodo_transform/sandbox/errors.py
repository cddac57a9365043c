"""Why a run produced no request: the error kinds, and how an escaped error is classified.

A kind is decided where the error is made: by the prelude's answer (``exception``,
``invalid_return``...), by the engine's own limit errors (``time_limit``, ``memory_limit``,
``stack_limit``), by the contract checks of :mod:`dodo_transform.transform`, or by the
dispatcher (``egress_denied``). Only the text of a *limit* error is read here, and only the
engine's own, never text a handler could have produced through its ``toString``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from .engine import Context, JSException

if TYPE_CHECKING:
    from .job import Limits

__all__ = ["ERROR_KINDS", "ERROR_TEXT_MAX", "ErrorKind", "TransformError", "cap_text"]

ErrorKind = Literal[
    "code_size",
    "syntax_error",
    "no_handler",
    "async_handler",
    "exception",
    "invalid_return",
    "invalid_method",
    "invalid_url",
    "invalid_headers",
    "forbidden_header",
    "unserializable_payload",
    "request_too_large",
    "time_limit",
    "memory_limit",
    "stack_limit",
    "egress_denied",
    "credential_scope",
    "internal",
]
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)
MiB = 1024 * 1024


@dataclass(frozen=True)
class TransformError:
    """Why no request was produced.

    ``kind`` is an :data:`ErrorKind`, decided where the error is made (``egress_denied`` and
    ``credential_scope`` by the dispatcher). ``line``/``column`` point into the handler's own
    file. ``hint`` is what to do about it, added by the workbench
    (:mod:`dodo_transform.hints`); the message itself never changes.
    """

    kind: ErrorKind
    message: str
    line: int | None = None
    column: int | None = None
    stack: str | None = None
    hint: str | None = None


# A transform error's message or stack as a sandbox process answers it and a record keeps it:
# a handler may throw a string of megabytes.
ERROR_TEXT_MAX = 4096


def cap_text(text: str, limit: int = ERROR_TEXT_MAX) -> str:
    """``text`` in at most ``limit`` characters; cut, it ends saying how long it was where
    the limit leaves room for that (so the child's cut survives the record's: cutting it
    again changes nothing)."""
    if len(text) <= limit:
        return text
    said = f"… [cut: {len(text):,} characters in all]"
    if len(said) > limit:  # no room to say it: the limit still holds
        return text[: max(0, limit)]
    return text[: limit - len(said)] + said


# "    at handler (<input>:3:17)" or, for syntax errors, "    at <input>:3:17"
_FRAME = re.compile(r"<input>:(\d+):(\d+)")
# A throw whose value is not visibly an Error: it may throw null on purpose.
_MAY_THROW_NULL = re.compile(r"\bthrow\s+(?!new\b)")
STATIC_ERRORS = frozenset({"syntax_error", "no_handler", "async_handler", "code_size"})


def host_error(
    ctx: Context, text: str, limits: Limits, source: str, filename: str
) -> TransformError:
    """An exception that escaped to the host: a limit, a syntax error or a top-level throw."""
    head = text.split("\n", 1)[0]
    if head.startswith("InternalError: interrupted"):
        return limit_error("time_limit", text, limits, source, filename)
    # Not "string too long": QuickJS's longest string (2^30 characters, V8's RangeError
    # "Invalid string length") is a handler's exception, reached within any memory limit by
    # doubling a string, whose halves are shared.
    if head.startswith("InternalError: out of memory"):
        return limit_error("memory_limit", text, limits, source, filename)
    if head.startswith("RangeError: Maximum call stack size exceeded"):
        return limit_error("stack_limit", text, limits, source, filename)
    if head == "InternalError" or (head == "null" and _exhausted(ctx)):
        # QuickJS could not even allocate the error object, or its message: an InternalError
        # without one is how running out of memory ends when the heap fills again while the
        # prelude compiles a cold-path source (to report the first error, say). Handlers have
        # no InternalError constructor of their own.
        return limit_error("memory_limit", text, limits, source, filename)
    line, column, stack = _locate(text, source, filename)
    if head.startswith("SyntaxError"):
        return TransformError("syntax_error", f"{filename}: {head}", line, column, stack)
    message = head if ": " in head else f"top-level code threw a non-Error value: {head}"
    return TransformError("exception", message, line, column, stack)


def _exhausted(ctx: Context) -> bool:
    try:
        ctx.eval("[1, 2, 3].map(String).join()")
        # The first probe may live on the few bytes that unwinding the exception freed: a
        # second, bigger one (64 KB, no built-in a handler could have patched) tells.
        ctx.eval("(function () { let s = 'x'; for (let i = 0; i < 16; i++) s += s; })()")
        return False
    except JSException:
        return True


LimitKind = Literal["time_limit", "memory_limit", "stack_limit"]


def limit_error(
    kind: LimitKind, text: str, limits: Limits, source: str, filename: str
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


def request_too_large(size: int, limit: int) -> TransformError:
    return TransformError(
        "request_too_large",
        f"the handler returned a request of {size:,} bytes (method, URL, headers and body); "
        f"the limit is {limit:,} bytes: send less (an id instead of the whole object), or raise "
        "the endpoint's max_request_bytes",
    )


def _memory_message(limits: Limits) -> str:
    return f"memory limit exceeded: the handler needed more than {limits.memory_bytes / MiB:g} MiB"


def js_error(err: dict[str, Any], limits: Limits, source: str, filename: str) -> TransformError:
    kind, message = err["kind"], err["message"]
    if kind not in ERROR_KINDS:  # prelude.js names the kind; anything else is a bug of ours
        return TransformError("internal", f"internal error: the sandbox reported {kind!r}")
    stack = err.get("stack")
    if err.get("thrown_null"):
        # QuickJS throws a bare null when it cannot even allocate the out-of-memory error.
        if not _MAY_THROW_NULL.search(source):
            kind = "memory_limit"
        else:
            message += (
                " (unless the handler throws null itself, it ran out of memory: more than "
                f"{limits.memory_bytes / MiB:g} MiB)"
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
