"""Test a handler against sample payloads: what ``dodo-transform test`` does, as an API.

    from dodo_transform.testing import payloads, run

    inputs = payloads(events=["payment.succeeded"])
    for record in run("handlers/mailerlite/groups_by_amount.js", inputs):
        print(record["status"], record["request"]["body"])

Each record is one line of ``dodo-transform test --json``. ``lint=True`` adds the warnings
the CLI shows (MailerLite lint, source analysis, fields read that no Dodo payload has); an
error record carries a ``hint`` when there is something to teach.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from . import analysis, hints, samples, strictjson
from .mailerlite.lint import lint_request
from .report import json_record
from .sandbox import BaseSandbox, Limits
from .transform import Decision, Handler, HandlerError, Request, parse_now, transform

__all__ = [
    "Linter",
    "Payload",
    "PayloadError",
    "decide",
    "default_lint",
    "envelope_payload",
    "payloads",
    "run",
]

Linter = Callable[[Request], list[dict[str, str]]]


@dataclass(frozen=True)
class Payload:
    """One Dodo envelope to run: ``name`` is the file path given or the built-in sample's name
    (None for an envelope that came from neither, such as one posted to ``/api/test``)."""

    name: str | None
    event_type: str
    text: str
    warnings: tuple[dict[str, str], ...] = ()  # about the envelope itself (an unknown type)


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
        raw = path.read_bytes()
    except OSError as e:
        raise PayloadError(f"{name}: cannot read: {e.strerror or e}") from None
    return envelope_from_bytes(name, raw)


def envelope_from_bytes(name: str | None, raw: bytes) -> Payload:
    """A user's envelope read from its bytes, by the rule ``serve`` applies at its door (so
    one that passes here passes there); :class:`PayloadError` says what is wrong."""
    shown = name or "payload"
    try:
        envelope = strictjson.loads(raw)
    except strictjson.NotJSON as e:
        raise PayloadError(f"{shown}: not RFC 8259 JSON: {e}") from None
    text = raw.decode("utf-8")
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        raise PayloadError(
            f'{shown}: not a Dodo webhook envelope: expected an object with a string "type" '
            "(and business_id, timestamp, data)"
        )
    return envelope_payload(name, envelope["type"], text)


def envelope_payload(name: str | None, event_type: str, text: str) -> Payload:
    """A user's envelope (not a built-in sample): an unknown ``type`` gets a warning."""
    return Payload(name, event_type, text, _type_warnings(event_type))


def _type_warnings(event_type: str) -> tuple[dict[str, str], ...]:
    known = samples.event_types()
    if event_type in known:
        return ()
    close = difflib.get_close_matches(event_type, known, n=1, cutoff=0.6)
    guess = f' (did you mean "{close[0]}"?)' if close else ""
    return (
        {
            "code": "unknown_event_type",
            "path": "type",
            "message": f"{event_type!r} is not a Dodo event type{guess}: "
            "a handler that checks webhook.eventType will not recognise it",
        },
    )


def default_lint(request: Request) -> list[dict[str, str]]:
    """What ``lint=True`` runs on each request: the MailerLite lint without an account."""
    return lint_request(request.method, request.url, request.body)


def run(
    handler: Handler | str | Path,
    inputs: Iterable[Payload] | None = None,
    *,
    url: str = "https://example.invalid/webhook",
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    now: datetime | str | None = None,
    limits: Limits | None = None,
    lint: Linter | bool | None = None,
    sandbox: BaseSandbox | None = None,
) -> Iterator[dict[str, Any]]:
    """Run ``handler`` (a :class:`Handler`, or the path of a ``.js`` file) on each payload
    (default: every built-in sample) and yield one ``--json`` record per payload, in order.

    ``lint``: ``True`` for :func:`default_lint`, or a callable taking the :class:`Request`;
    either way the source analysis and the payload-field warnings are added too.

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
            else decide(
                loaded,
                p,
                url=url,
                env=env,
                headers=headers,
                now=now,
                limits=limits,
                lint=lint,
                sandbox=sandbox,
            )
        )
        yield json_record(decision, p.name, p.event_type)


def decide(
    handler: Handler,
    payload: Payload,
    *,
    url: str = "https://example.invalid/webhook",
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    now: datetime | str | None = None,
    limits: Limits | None = None,
    lint: Linter | bool | None = None,
    sandbox: BaseSandbox | None = None,
) -> Decision:
    """One run of :func:`run`, as a :class:`Decision` (with the hint and the warnings)."""
    linter: Linter | None = default_lint if lint is True else (lint or None)
    decision = transform(
        handler,
        payload.text,
        url=url,
        env=env,
        headers=headers,
        now=now,
        limits=limits,
        sandbox=sandbox,
        event_type=payload.event_type,
    )
    now_ms = None if now is None else parse_now(now).timestamp() * 1000.0
    return _teach(
        decision,
        handler,
        payload,
        linter,
        url=url,
        env=env,
        now_ms=now_ms,
        limits=limits,
        sandbox=sandbox,
    )


def _teach(
    decision: Decision,
    handler: Handler,
    p: Payload,
    linter: Linter | None,
    *,
    url: str,
    env: dict[str, str] | None,
    now_ms: float | None,
    limits: Limits | None,
    sandbox: BaseSandbox | None,
) -> Decision:
    """``decision`` with the hint on its error and, when linting, every warning."""
    error = decision.error
    reads: list[hints.Read] = []
    # A run over its time limit is stopped where no finally block runs, the tracer's
    # included: tracing it again would only spend the whole limit a second time, to read
    # nothing (so such a payload gets no missing-field warnings).
    timed_out = error is not None and error.kind == "time_limit"
    wants_reads = not timed_out and (
        linter is not None or error is not None and error.kind == "exception"
    )
    if wants_reads:
        reads = hints.trace_reads(
            handler.source,
            p.text,
            event_type=p.event_type,
            url=url,
            env=env,
            now_ms=now_ms,
            limits=limits,
            sandbox=sandbox,
        )
    payload = strictjson.loads(p.text.encode()) if reads else None
    if error is not None:
        hint = hints.error_hint(error, handler.source) or hints.read_hint(error, reads, payload)
        decision = replace(decision, error=hints.with_hint(error, hint))
    if linter is None:
        return decision
    warnings = list(p.warnings)
    if decision.request is not None:
        warnings += linter(decision.request)
    warnings += analysis.source_warnings(handler.source, handler.filename)
    warnings += hints.missing_field_warnings(reads, payload)
    if decision.request is not None:
        event = strictjson.loads(p.text.encode())  # as the door read it: a huge integer too
        warnings += hints.zero_decimal_warnings(event, decision.request.body)
    return decision.with_warnings(analysis.explain_rounded(warnings))
