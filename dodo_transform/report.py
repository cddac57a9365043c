"""How a run is shown: the ``--json`` record and the human-readable block."""

from __future__ import annotations

import json
from typing import Any

from .transform import Decision

__all__ = ["json_record", "render"]


def json_record(decision: Decision, payload_file: str | None, event_type: str) -> dict[str, Any]:
    """One line of ``dodo-transform test --json`` (also the simulate API's answer)."""
    return {"payload_file": payload_file, "event_type": event_type, **decision.to_dict()}


_COLOURS = {"ok": "32", "cancelled": "33", "error": "31", "dim": "2", "warn": "33", "bold": "1"}
_LABEL = {"ok": "SEND", "cancelled": "CANCELLED", "error": "ERROR"}


def render(record: dict[str, Any], *, colour: bool = False) -> str:
    """The human block for one record of :func:`json_record`."""

    def c(style: str, text: str) -> str:
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if colour else text

    status = record["status"]
    source = record["payload_file"] or "-"
    took = "{:.2f} ms".format(record["duration_ms"])
    title = record["event_type"] or "(no type)"
    out = [f"{c('bold', title)}  {c('dim', source)}  {c(status, _LABEL[status])}  {c('dim', took)}"]
    request = record["request"]
    if request:
        out.append(f"  {request['method']} {request['url']}")
        out.extend(f"  {k}: {v}" for k, v in request["headers"].items())
        out.append(_indent(_pretty(request["body"]), "  "))
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
        out.append(f"  {c('dim', 'console.' + line['level'])}  {line['message']}")
    for w in record["warnings"]:
        out.append(c("warn", f"  warning [{w['code']}] {w['path']}: {w['message']}"))
    return "\n".join(out)


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to re-indent
        return body


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))
