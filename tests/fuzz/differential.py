"""Run one handler here (the public API) and in Node 20, and say where the two differ.

Node's raw answer has the shape of the sandbox's (``node_runner.js``), so both go through the
same contract checks (:func:`dodo_transform.transform.decide`) before they are compared:
status, error kind, method, URL, headers in order, body byte for byte, console lines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dodo_transform import Decision, Handler, HandlerError, samples, transform
from dodo_transform.sandbox import RawRun, TransformError
from dodo_transform.transform import decide

__all__ = ["ENVELOPES", "NOW", "URL", "Difference", "Node", "compare", "node_path", "run_here"]

NOW = "2025-08-04T05:30:45.000Z"
NOW_MS = 1754285445000.0
URL = "https://example.invalid/webhook"
ENV = {"GROUP_ID": "12345", "API_BASE": "https://api.example.com"}
# Seven envelopes with different shapes: a payment, one in JPY with a one-word name and no
# phone, a subscription with business-name metadata, a cancellation, a refund, a dispute whose
# amount is a string, a licence key (no customer object).
ENVELOPE_NAMES = (
    "payment.succeeded",
    "payment.succeeded__jpy_zero_decimal_single_name_no_phone",
    "subscription.active__dub_metadata_business_name",
    "subscription.cancelled",
    "refund.succeeded",
    "dispute.opened",
    "license_key.created",
)
ENVELOPES: tuple[str, ...] = tuple(samples.get(name).text for name in ENVELOPE_NAMES)
RUNNER = Path(__file__).with_name("node_runner.js")


def node_path() -> str | None:
    return shutil.which("node")


class Node:
    """One long-lived Node 20 process running ``node_runner.js``."""

    def __init__(self) -> None:
        node = node_path()
        if node is None:
            raise RuntimeError("node is not on PATH: the fuzzer needs Node 20 as its oracle")
        self._proc = subprocess.Popen(
            [node, str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**os.environ, "TZ": "UTC"},
        )

    def run(self, source: str, envelopes: tuple[str, ...]) -> list[dict[str, Any]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        request = {
            "source": source,
            "events": list(envelopes),
            "url": URL,
            "now": NOW_MS,
            "env": ENV,
        }
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("node_runner.js stopped")
        runs: list[dict[str, Any]] = json.loads(line)["runs"]
        return runs

    def decisions(self, source: str, envelopes: tuple[str, ...]) -> list[Decision]:
        return [_decide(raw) for raw in self.run(source, envelopes)]

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)


_NODE_KINDS = {"syntax": "syntax_error"}


def _decide(raw: dict[str, Any]) -> Decision:
    error = raw.get("error")
    result = raw.get("result")
    if result is not None and isinstance(result.get("method"), dict):
        result["method"] = result["method"]["type"]
    run = RawRun(
        result=result,
        error=None
        if error is None
        else TransformError(_NODE_KINDS.get(error["kind"], error["kind"]), error["message"]),  # type: ignore[arg-type]
        logs=[(level, text) for level, text in raw["logs"]],
    )
    return decide(run, {})


def run_here(source: str, envelopes: tuple[str, ...]) -> list[Decision]:
    try:
        handler = Handler(source)
    except HandlerError as e:
        return [Decision("error", None, error=e.error) for _ in envelopes]
    return [transform(handler, text, url=URL, env=ENV, now=NOW) for text in envelopes]


@dataclass(frozen=True)
class Difference:
    """Where one run differs: the aspect (``status``, ``body``, ``console``…), V8's and our
    value of it, and which envelope."""

    aspect: str
    node: str
    here: str
    envelope: int

    def describe(self) -> str:
        return (
            f"{self.aspect} differs on {ENVELOPE_NAMES[self.envelope]}:\n"
            f"  V8:   {_short(self.node)}\n  here: {_short(self.here)}"
        )


def _short(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def _aspects(d: Decision) -> dict[str, str]:
    out = {"status": d.status}
    if d.error is not None:
        # Error texts are each engine's own (a documented difference); the kind is not.
        out["error"] = d.error.kind
    if d.request is not None:
        out["method"] = d.request.method
        out["url"] = d.request.url
        out["headers"] = json.dumps(list(d.request.headers.items()), ensure_ascii=False)
        out["body"] = d.request.body
    out["console"] = "\n".join(f"[{line.level}] {line.message}" for line in d.logs)
    return out


def compare(node: Decision, here: Decision, envelope: int) -> Difference | None:
    """The first aspect in which the two decisions differ, or None."""
    a, b = _aspects(node), _aspects(here)
    for aspect in ("status", "error", "method", "url", "headers", "body", "console"):
        if a.get(aspect) != b.get(aspect):
            if aspect == "console":
                return _console_difference(node, here, envelope)
            return Difference(aspect, a.get(aspect, "-"), b.get(aspect, "-"), envelope)
    return None


def _console_difference(node: Decision, here: Decision, envelope: int) -> Difference:
    """The first console line that differs, not the whole log."""
    for i in range(max(len(node.logs), len(here.logs))):
        a = node.logs[i] if i < len(node.logs) else None
        b = here.logs[i] if i < len(here.logs) else None
        if a != b:
            show = lambda line: "(none)" if line is None else f"[{line.level}] {line.message}"  # noqa: E731
            return Difference("console", show(a), show(b), envelope)
    raise AssertionError("no console line differs")
