"""Reading the runner's answer: the handler's result and the run's console lines."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .job import Limits
from .sources import SOURCES

__all__ = ["Unreadable", "captured_logs", "loaded_sources", "read_answer"]


class Unreadable(Exception):
    """The runner's answer is not what prelude.js produces: a bug of ours, never the handler's."""


def read_answer(text: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The runner's answer and its per-run state, checked before anything trusts their shape."""
    answer = None
    if isinstance(text, str):
        # A request's body follows its record, after the first newline (prelude.js).
        record, newline, body = text.partition("\n")
        with contextlib.suppress(ValueError):
            answer = json.loads(record)
        if newline and isinstance(answer, dict):
            answer["body"] = body
    state = answer.pop("logs", None) if isinstance(answer, dict) else None
    lines = state.get("lines") if isinstance(state, dict) else None
    if (
        not isinstance(answer, dict)
        or not isinstance(state, dict)
        or not isinstance(lines, list)
        or len(lines) % 2
        or not all(isinstance(x, str) for x in lines)
        or not isinstance(state.get("dropped"), int)
    ):
        raise Unreadable(
            "internal error: the sandbox's answer could not be read; this is a bug in "
            f"dodo-transform, please report it with the handler (answer: {str(text)[:200]!r})"
        )
    return answer, state


def loaded_sources(state: dict[str, Any]) -> frozenset[str]:
    """The cold-path sources a run compiled or used (prelude.js records them by name)."""
    loaded = state.get("loaded")
    return frozenset(loaded).intersection(SOURCES) if isinstance(loaded, dict) else frozenset()


def captured_logs(captured: dict[str, Any], limits: Limits, filename: str) -> list[tuple[str, str]]:
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
    cut = " (the last one kept is cut short)" if captured.get("cut") else ""
    if dropped or cut:
        out.append(
            (
                "warn",
                f"[dodo-transform] {dropped} more console line(s) dropped{cut}: a run keeps "
                f"at most {limits.max_log_lines} lines / {limits.max_log_bytes:,} characters",
            )
        )
    return out
