"""The transform core: handler source + Dodo event in, a decision out.

No I/O happens here. The QuickJS run itself lives in :mod:`dodo_transform.sandbox`; this module
builds the ``webhook`` object the contract promises, reads back what the handler returned and
decides, fail-closed, whether there is a request to send.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from .sandbox import (
    BaseSandbox,
    ErrorKind,
    Job,
    Limits,
    RawRun,
    TransformError,
    default_sandbox,
)
from .sandbox.errors import request_too_large
from .sandbox.job import request_bytes

__all__ = [
    "Decision",
    "Handler",
    "Limits",
    "LogLine",
    "Request",
    "TransformError",
    "check_handler",
    "parse_now",
    "transform",
    "transform_async",
    "ALLOWED_METHODS",
    "FORBIDDEN_HEADERS",
]


class Submits(Protocol):
    """Where ``transform_async`` runs a job: a ``Sandbox(thread=True)``, or one endpoint's
    lane of serve's transform stage."""

    @property
    def limits(self) -> Limits: ...

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]: ...


ALLOWED_METHODS = ("POST", "PUT", "PATCH")
FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
    }
)
FORBIDDEN_HEADER_PREFIXES = ("proxy-", "webhook-")
MIN_CODE_SIZE = 10
MAX_CODE_SIZE = 51_200
# Header names whose values are secrets: redacted in anything we print or store.
SECRET_HEADER = re.compile(r"authorization|api[-_]?key|token|secret|cookie|password", re.I)
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# What an HTTP client can put on the wire as a field value: visible ASCII, space and tab.
_HEADER_VALUE_BAD = re.compile(r"[^\t\x20-\x7e]")
_AUTHORITY_END = re.compile(r"[/?#]")
# An HTTP field name (RFC 9110 token).
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

Status = Literal["ok", "cancelled", "error"]


@dataclass(frozen=True)
class Request:
    """The HTTP request a handler decided to send. ``body`` is the exact text sent."""

    method: str
    url: str
    headers: dict[str, str]
    body: str

    def redacted(self) -> Request:
        return Request(
            self.method, redact_userinfo(self.url), redact_headers(self.headers), self.body
        )

    def json(self) -> Any:
        """The body parsed back, for assertions in tests."""
        return json.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict, which deep-copies field by field: this runs twice for
        # every delivery attempt, on the event loop.
        return {
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "body": self.body,
        }


@dataclass(frozen=True)
class LogLine:
    level: Literal["log", "info", "warn", "error", "debug"]
    message: str


@dataclass(frozen=True)
class Decision:
    """The outcome of one run: send ``request``, or cancelled, or a transform error."""

    status: Status
    request: Request | None
    logs: tuple[LogLine, ...] = ()
    error: TransformError | None = None
    duration_ms: float = 0.0
    warnings: tuple[dict[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def with_warnings(self, warnings: list[dict[str, str]]) -> Decision:
        return replace(self, warnings=tuple(warnings))

    def to_dict(self, *, redact: bool = True) -> dict[str, Any]:
        """The JSON shape of ``dodo-transform test --json`` (without ``payload_file``)."""
        request = self.request.redacted() if (redact and self.request) else self.request
        return {
            "status": self.status,
            "request": request.to_dict() if request else None,
            "logs": [{"level": line.level, "message": line.message} for line in self.logs],
            "warnings": [dict(w) for w in self.warnings],
            "error": asdict(self.error) if self.error else None,
            "duration_ms": round(self.duration_ms, 3),
        }


@dataclass(frozen=True)
class Handler:
    """A handler's source, with the code-size limit checked once (syntax is checked by
    :func:`check_handler`, or reported by the first run).

    Construct it once and reuse it for many events; the source is compiled in a fresh
    sandbox on every run, so nothing one event does is seen by the next.
    """

    source: str
    filename: str = "handler.js"

    def __post_init__(self) -> None:
        size = len(self.source)
        if not MIN_CODE_SIZE <= size <= MAX_CODE_SIZE:
            raise HandlerError(
                TransformError(
                    "code_size",
                    f"{self.filename}: handler code is {size:,} characters; it must be "
                    f"{MIN_CODE_SIZE}..{MAX_CODE_SIZE:,} characters (the Svix API limit)",
                )
            )

    @classmethod
    def from_file(cls, path: str) -> Handler:
        with open(path, encoding="utf-8") as f:
            return cls(f.read(), filename=path)


class HandlerError(ValueError):
    """A handler that cannot run at all (size limit, syntax error, no ``handler``)."""

    def __init__(self, error: TransformError) -> None:
        super().__init__(error.message)
        self.error = error


def transform(
    handler: Handler | str,
    payload: str | bytes | Mapping[str, Any],
    *,
    url: str = "https://example.invalid/webhook",
    env: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | str | None = None,
    limits: Limits | None = None,
    sandbox: BaseSandbox | None = None,
    event_type: str | None = None,
) -> Decision:
    """Run ``handler`` on one Dodo webhook envelope and decide what to send.

    ``payload`` is the envelope as raw JSON text (what Dodo posted) or as a parsed mapping.
    ``headers`` are the endpoint's configured headers; the handler's own headers override them.
    ``now`` freezes ``Date.now()``/``new Date()`` (an aware datetime or an ISO-8601 string).
    ``event_type`` (``webhook.eventType``) is read from the envelope unless given by a caller
    that has parsed it already. Never raises for anything the handler does: every failure is
    a ``Decision`` with ``status == "error"``. Raises ``ValueError`` for a payload that is not
    JSON.
    """
    job = _job(handler, payload, url, env, now, limits, event_type)
    if isinstance(job, Decision):
        return job
    sandbox = sandbox or default_sandbox()
    cap = (limits or sandbox.limits).max_request_bytes
    return decide(sandbox.run(job), headers or {}, max_request_bytes=cap)


async def transform_async(
    handler: Handler | str,
    payload: str | bytes | Mapping[str, Any],
    *,
    sandbox: Submits,
    url: str = "https://example.invalid/webhook",
    env: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | str | None = None,
    limits: Limits | None = None,
    event_type: str | None = None,
) -> Decision:
    """:func:`transform` for asyncio code: the run happens on ``sandbox``'s own thread
    (a ``Sandbox(thread=True)``, or a lane of serve's transform stage) while the event loop
    carries on."""
    job = _job(handler, payload, url, env, now, limits, event_type)
    if isinstance(job, Decision):
        return job
    cap = (limits or sandbox.limits).max_request_bytes
    return decide(
        await asyncio.wrap_future(sandbox.submit(job)), headers or {}, max_request_bytes=cap
    )


def _job(
    handler: Handler | str,
    payload: str | bytes | Mapping[str, Any],
    url: str,
    env: Mapping[str, str] | None,
    now: datetime | str | None,
    limits: Limits | None,
    event_type: str | None,
) -> Job | Decision:
    if isinstance(handler, str):
        try:
            handler = Handler(handler)
        except HandlerError as e:
            return Decision("error", None, error=e.error)
    raw = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
        if event_type is None:
            parsed = json.loads(text) if isinstance(raw, str) else raw
            event_type = parsed.get("type") if isinstance(parsed, Mapping) else None
    except RecursionError:
        raise ValueError("the payload is nested too deeply to read") from None
    return Job(
        source=handler.source,
        filename=handler.filename,
        payload_json=text,
        event_type=event_type if isinstance(event_type, str) else "",
        url=url,
        env=dict(env) if env else None,
        now_ms=None if now is None else parse_now(now).timestamp() * 1000.0,
        limits=limits,
    )


def check_handler(handler: Handler, sandbox: BaseSandbox | None = None) -> TransformError | None:
    """Why ``handler`` can never produce a request (syntax error, no ``handler`` function,
    async handler), or None. Used at start-up so a typo stops the server, not an event."""
    return (sandbox or default_sandbox()).check(handler.source, handler.filename)


def decide(
    run: RawRun,
    endpoint_headers: Mapping[str, str],
    *,
    max_request_bytes: int = Limits.max_request_bytes,
) -> Decision:
    """Validate what the handler returned, fail-closed, and merge the headers."""
    logs = tuple(LogLine(level, message) for level, message in run.logs)  # type: ignore[arg-type]

    def failed(error: TransformError) -> Decision:
        return Decision("error", None, logs, error, run.duration_ms)

    def fail(kind: ErrorKind, message: str) -> Decision:
        return failed(TransformError(kind, message))

    if run.error is not None:
        return failed(run.error)
    out = run.result or {}
    if out.get("cancel") is True:
        return Decision("cancelled", None, logs, None, run.duration_ms)
    method = out.get("method")
    if method not in ALLOWED_METHODS:
        return fail(
            "invalid_method",
            f"webhook.method must be one of {', '.join(ALLOWED_METHODS)} (exactly, upper case); "
            f"the handler returned {_js_repr(method)}",
        )
    url = out.get("url")
    problem = url_problem(url)
    if problem:
        return fail("invalid_url", problem)
    merged = {"Content-Type": "application/json"}
    merged.update(endpoint_headers)
    headers = out.get("headers") or ()
    if isinstance(headers, str):  # what the handler set instead of an object
        return fail(
            "invalid_headers",
            f"webhook.headers must be an object of string values; the handler set {headers}",
        )
    for name, value, js_type in headers:
        if js_type != "string":
            return fail(
                "invalid_headers",
                f"webhook.headers[{name!r}] must be a string; the handler set {js_type}",
            )
        refused = header_problem(name, value)
        if refused is not None:
            return fail(*refused)
        for existing in [k for k in merged if k.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    body = out.get("body")
    if not isinstance(body, str):
        return fail("internal", f"internal error: the request body is {type(body).__name__}")
    assert isinstance(url, str)  # url_problem accepted it
    request = Request(method, url, merged, body)
    size = request_size(request)
    if size > max_request_bytes:
        return failed(request_too_large(size, max_request_bytes))
    return Decision("ok", request, logs, None, run.duration_ms)


def request_size(request: Request) -> int:
    """The request's size as the limit counts it: method, URL, header names and values, and
    body, in UTF-8 bytes (what goes on the wire, less HTTP's own framing)."""
    headers = request.headers
    return request_bytes(request.method, request.url, request.body, *headers, *headers.values())


def url_problem(url: Any) -> str | None:
    """Why ``url`` is not an absolute http(s) URL, or None when it is."""
    if not isinstance(url, str):
        return f"webhook.url must be a string; the handler set {_js_repr(url)}"
    try:  # urllib raises on what it cannot split: "http://[::1", a port of 99999
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError as e:
        return f"webhook.url does not parse as a URL ({e}); got {url!r}"
    if parts.scheme not in ("http", "https") or not host:
        return f"webhook.url must be an absolute http(s) URL; got {url!r}"
    if _SPACE_OR_CONTROL.search(url):
        return f"webhook.url must not contain whitespace or control characters; got {url!r}"
    return None


def header_problem(name: str, value: str) -> tuple[ErrorKind, str] | None:
    """Why a header the handler set cannot be sent: its error kind and message, or None."""
    lowered = name.lower()
    if not HEADER_NAME.match(name):
        return "invalid_headers", f"webhook.headers has an invalid header name {name!r}"
    if lowered in FORBIDDEN_HEADERS or lowered.startswith(FORBIDDEN_HEADER_PREFIXES):
        return "forbidden_header", (
            f"webhook.headers sets {name!r}, a forbidden header: the dispatcher controls "
            "hop-by-hop, framing, content-type and webhook-* signature headers"
        )
    if "\r" in value or "\n" in value:
        return "invalid_headers", f"webhook.headers[{name!r}] contains a line break"
    bad = _HEADER_VALUE_BAD.search(value)
    if bad:
        return "invalid_headers", (
            f"webhook.headers[{name!r}] contains {bad.group()!r}: header values must be "
            "printable ASCII; encode other text first (e.g. encodeURIComponent)"
        )
    return None


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to print or store: secret-bearing values are replaced."""
    return {k: ("[redacted]" if SECRET_HEADER.search(k) else v) for k, v in headers.items()}


def redact_userinfo(url: str) -> str:
    """``url`` safe to print or store: a ``user:password@`` in it becomes ``***@``."""
    scheme, sep, rest = url.partition("://")
    end = _AUTHORITY_END.search(rest)
    authority = rest[: end.start()] if end else rest
    if not sep or "@" not in authority:
        return url
    return f"{scheme}://***@{authority.rpartition('@')[2]}{rest[len(authority) :]}"


def parse_now(now: datetime | str) -> datetime:
    """An aware datetime from ``now`` (ISO-8601 with a zone, ``Z`` allowed)."""
    if isinstance(now, str):
        text = now.strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        try:
            now = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("not an ISO-8601 instant; use e.g. 2025-08-04T05:30:45Z") from None
    if now.tzinfo is None:
        raise ValueError("the instant needs a time zone, e.g. 2025-08-04T05:30:45Z")
    return now


def _js_repr(value: Any) -> str:
    if value is None:
        return "null/undefined"
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return str(value["type"])  # the prelude's description of a non-string value
    return json.dumps(value) if isinstance(value, (str, int, float, bool)) else type(value).__name__
