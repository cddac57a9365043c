"""How a run is shown: the ``--json`` record and the human-readable block."""

from __future__ import annotations

import json
import re
from typing import Any

from .transform import Decision

__all__ = ["json_record", "render"]


def json_record(decision: Decision, payload_file: str | None, event_type: str) -> dict[str, Any]:
    """One line of ``dodo-transform test --json`` (also the simulate API's answer)."""
    return {"payload_file": payload_file, "event_type": event_type, **decision.to_dict()}


_COLOURS = {"ok": "32", "cancelled": "33", "error": "31", "dim": "2", "warn": "33", "bold": "1"}
_LABEL = {"ok": "SEND", "cancelled": "CANCELLED", "error": "ERROR"}


def render(record: dict[str, Any], *, colour: bool = False) -> str:
    """The human block for one record of :func:`json_record`.

    Text from the handler or the event (logs, the URL, headers, errors) is shown with its
    control characters escaped: a customer name holding ``ESC[2J`` must not clear the
    reader's terminal, nor a carriage return overwrite a line of the report."""

    def c(style: str, text: str) -> str:
        text = _visible(text)
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if colour else text

    status = record["status"]
    source = record["payload_file"] or "-"
    took = "{:.2f} ms".format(record["duration_ms"])
    title = record["event_type"] or "(no type)"
    out = [f"{c('bold', title)}  {c('dim', source)}  {c(status, _LABEL[status])}  {c('dim', took)}"]
    request = record["request"]
    if request:
        out.append(_visible(f"  {request['method']} {request['url']}"))
        out.extend(_visible(f"  {k}: {v}") for k, v in request["headers"].items())
        out.append(_indent(_visible(_pretty(request["body"])), "  "))
    if status == "cancelled":
        out.append("  handler set cancel = true: nothing is sent")
    error = record["error"]
    if error:
        where = f" at line {error['line']}, column {error['column']}" if error["line"] else ""
        out.append(c("error", f"  {error['kind']}{where}: {error['message']}"))
        if error["stack"]:
            out.append(c("dim", _indent(error["stack"], "    ")))
        if error.get("hint"):
            out.append(c("warn", f"  hint: {error['hint']}"))
    for line in record["logs"]:
        out.append(f"  {c('dim', 'console.' + line['level'])}  {_visible(line['message'])}")
    for w in record["warnings"]:
        out.append(c("warn", f"  warning [{w['code']}] {w['path']}: {w['message']}"))
    return "\n".join(out)


# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides that
# would show text in another order than it has.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: _escape(ord(m.group())), text)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _Number(str):
    """A number's text as the handler's JSON.stringify wrote it (``1e-7``, not ``1e-07``)."""


def _pretty(body: str) -> str:
    try:
        value = json.loads(body, parse_float=_Number, parse_int=_Number)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to re-indent
        return body
    try:
        return _indented(value, "")
    except RecursionError:
        return body


def _indented(value: Any, margin: str) -> str:
    inner = margin + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{_string(k)}: {_indented(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{margin}}}"
    if isinstance(value, list) and value:
        items = (inner + _indented(v, inner) for v in value)
        return "[\n" + ",\n".join(items) + f"\n{margin}]"
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)  # true, false, null, {} and []


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))
