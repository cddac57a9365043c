"""Test a handler against sample payloads: what ``dodo-transform test`` does, as an API.

    from dodo_transform.testing import payloads, run

    inputs = payloads(events=["payment.succeeded"])
    for record in run("handlers/mailerlite/groups_by_amount.js", inputs):
        print(record["status"], record["request"]["body"])

Each record is one line of ``dodo-transform test --json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import samples
from .report import json_record
from .sandbox import Limits, Sandbox
from .transform import Decision, Handler, HandlerError, Request, transform

__all__ = ["Payload", "PayloadError", "payloads", "run"]

Linter = Callable[[Request], list[dict[str, str]]]


@dataclass(frozen=True)
class Payload:
    """One Dodo envelope to run: ``name`` is the file path given or the built-in sample's name."""

    name: str
    event_type: str
    text: str


class PayloadError(ValueError):
    """An input that cannot be used: unreadable, not JSON, not an envelope, unknown event."""


def payloads(
    events: Sequence[str] = (), files: Sequence[str | Path] = (), *, order: Sequence[str] = ()
) -> list[Payload]:
    """Built-in samples by event type (or variant name), then envelope files or directories
    (every ``*.json`` below, sorted by path). With neither, every built-in sample.

    ``order`` (``"event"``/``"file"`` per item) interleaves the two lists as given on a
    command line; by default events come first.
    """
    if not events and not files:
        return [Payload(s.name, s.event_type, s.text) for s in samples.all()]
    queues: dict[str, list[str | Path]] = {"event": list(events), "file": list(files)}
    kinds = list(order) or ["event"] * len(events) + ["file"] * len(files)
    out: list[Payload] = []
    for kind in kinds:
        value = queues[kind].pop(0)
        if kind == "event":
            try:
                s = samples.get(str(value))
            except KeyError as e:
                raise PayloadError(e.args[0]) from None
            out.append(Payload(s.name, s.event_type, s.text))
        else:
            out.extend(_from_path(str(value)))
    return out


def _from_path(given: str) -> list[Payload]:
    path = Path(given)
    if not path.is_dir():
        return [_read_envelope(given, path)]
    found = sorted(path.rglob("*.json"))
    if not found:
        raise PayloadError(f"{given}: no *.json files in this directory")
    return [_read_envelope(str(f), f) for f in found]


def _read_envelope(name: str, path: Path) -> Payload:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PayloadError(f"{name}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        envelope = json.loads(text)
    except ValueError as e:
        raise PayloadError(f"{name}: invalid JSON: {e}") from None
    except RecursionError:
        raise PayloadError(f"{name}: JSON nested too deeply to read") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        raise PayloadError(
            f'{name}: not a Dodo webhook envelope: expected an object with a string "type" '
            "(and business_id, timestamp, data)"
        )
    return Payload(name, envelope["type"], text)


def run(
    handler: Handler | str | Path,
    inputs: Iterable[Payload] | None = None,
    *,
    url: str = "https://example.invalid/webhook",
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    now: datetime | str | None = None,
    limits: Limits | None = None,
    lint: Linter | None = None,
    sandbox: Sandbox | None = None,
) -> Iterator[dict[str, Any]]:
    """Run ``handler`` (a :class:`Handler`, or the path of a ``.js`` file) on each payload
    (default: every built-in sample) and yield one ``--json`` record per payload, in order.

    Raises ``OSError`` when the handler file cannot be read."""
    loaded: Handler | Decision
    if isinstance(handler, Handler):
        loaded = handler
    else:
        try:
            loaded = Handler.from_file(str(handler))
        except HandlerError as e:  # e.g. over the code-size limit: every run fails alike
            loaded = Decision("error", None, error=e.error)
    for p in payloads() if inputs is None else inputs:
        decision = (
            loaded
            if isinstance(loaded, Decision)
            else transform(
                loaded,
                p.text,
                url=url,
                env=env,
                headers=headers,
                now=now,
                limits=limits,
                sandbox=sandbox,
                event_type=p.event_type,
            )
        )
        if lint is not None and decision.request is not None:
            decision = decision.with_warnings(lint(decision.request))
        yield json_record(decision, p.name, p.event_type)
