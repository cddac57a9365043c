"""``POST /api/test``: ``dodo-transform test --json`` over HTTP, for the playground and scripts.

Request ``{"code": str, "event": str | null, "payload": object | null, "url": str | null,
"env": {str: str}, "now": str | null}`` (only ``code`` is required); answer
``{"results": [record, ...]}`` with each record exactly a ``test --json`` line (the same
:func:`dodo_transform.testing.run`, linting on). With neither ``event`` nor ``payload``, every
built-in sample runs. Mistakes are ``400 {"error": ...}``; code over the size limit is 413.

The route does no authentication of its own: :func:`route` takes the check of whoever mounts
it (the admin token in ``serve``, the one-time token in the playground).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import samples, strictjson, testing
from ..sandbox import BaseSandbox, SandboxProcessError
from ..transform import MAX_CODE_SIZE, Handler, HandlerError, parse_now

__all__ = [
    "MAX_REQUEST_BYTES",
    "TestRequest",
    "TestRequestError",
    "answer",
    "parse",
    "route",
    "run",
]

DEFAULT_URL = "https://example.invalid/webhook"
# The code's own limit is 50 KiB; the rest leaves room for a large pasted envelope.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
_KEYS = ("code", "event", "payload", "url", "env", "now")


class TestRequestError(ValueError):
    """A request the API refuses; ``status`` is the HTTP status to answer with."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class TestRequest:
    """A checked request: the handler and the inputs to run it on."""

    __test__ = False

    def __init__(
        self,
        handler: Handler,
        inputs: list[testing.Payload],
        url: str,
        env: dict[str, str],
        now: str | None,
    ) -> None:
        self.handler, self.inputs, self.url, self.env, self.now = handler, inputs, url, env, now


def parse(body: Any) -> TestRequest:
    """Check a decoded request body; :class:`TestRequestError` says what is wrong."""
    if not isinstance(body, dict):
        raise TestRequestError('send a JSON object: {"code": "function handler(webhook) {...}"}')
    unknown = sorted(set(body) - set(_KEYS))
    if unknown:
        raise TestRequestError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(_KEYS)}")
    code = body.get("code")
    if not isinstance(code, str):
        raise TestRequestError("code must be a string: the handler's JavaScript source")
    try:
        handler = Handler(code)
    except HandlerError as e:
        status = 413 if len(code) > MAX_CODE_SIZE else 400
        raise TestRequestError(e.error.message, status) from None
    event, payload = body.get("event"), body.get("payload")
    if event is not None and payload is not None:
        raise TestRequestError("give event or payload, not both")
    if event is not None:
        if not isinstance(event, str):
            raise TestRequestError("event must be a string: a built-in sample's event type")
        try:
            sample = samples.get(event)
        except KeyError as e:
            raise TestRequestError(e.args[0]) from None
        inputs = [testing.Payload(sample.name, sample.event_type, sample.text)]
    elif payload is not None:
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise TestRequestError(
                'payload must be a Dodo webhook envelope: an object with a string "type" '
                "(and business_id, timestamp, data)"
            )
        try:  # as serve's door: an envelope with NaN would only fail later, as the handler's
            text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise TestRequestError(
                "payload holds NaN or Infinity, which RFC 8259 JSON (and Dodo) never has"
            ) from None
        inputs = [testing.envelope_payload(None, payload["type"], text)]
    else:
        inputs = testing.payloads()
    url = body.get("url")
    if url is not None and not isinstance(url, str):
        raise TestRequestError("url must be a string: webhook.url before the handler runs")
    env = body.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise TestRequestError("env must be an object of string values")
    now = body.get("now")
    if now is not None:
        if not isinstance(now, str):
            raise TestRequestError('now must be an ISO-8601 string, e.g. "2025-08-04T05:30:45Z"')
        try:
            parse_now(now)
        except ValueError as e:
            raise TestRequestError(f"now: {e}") from None
    return TestRequest(handler, inputs, url or DEFAULT_URL, env, now)


def run(request: TestRequest, sandbox: BaseSandbox | None = None) -> list[dict[str, Any]]:
    """The records for a checked request: :func:`testing.run` as ``test --json`` calls it."""
    return list(_records(request, sandbox))


def _records(request: TestRequest, sandbox: BaseSandbox | None) -> Iterator[dict[str, Any]]:
    return testing.run(
        request.handler,
        request.inputs,
        url=request.url,
        env=request.env,
        now=request.now,
        lint=True,
        sandbox=sandbox,
    )


async def answer(request: Request, sandbox: BaseSandbox | None = None) -> Response:
    """Read, check and run one request; the JSON answer."""
    try:
        raw = await _read(request)
        checked = parse(json.loads(raw))
    except TestRequestError as e:
        return JSONResponse({"error": str(e)}, status_code=e.status)
    except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
        return JSONResponse({"error": f"body is not valid JSON: {e}"}, status_code=400)
    except ClientDisconnect:
        return JSONResponse({"error": "client disconnected"}, status_code=400)
    # QuickJS runs off the event loop; the sandbox queues from any thread. One record per
    # step: a batch holds a thread only for a run at a time, and ends when its client goes.
    records: list[dict[str, Any]] = []
    steps = _records(checked, sandbox)
    try:
        while (record := await asyncio.to_thread(next, steps, None)) is not None:
            records.append(record)
            if await request.is_disconnected():
                return JSONResponse({"error": "client disconnected"}, status_code=400)
    except SandboxProcessError as e:  # its sandbox process died under the run, or stopped
        return JSONResponse({"error": f"{e}; try again"}, status_code=503)
    return _Records({"results": records})


class _Records(JSONResponse):
    def render(self, content: Any) -> bytes:
        # A handler's strings may hold a lone surrogate, which UTF-8 cannot: escaped, as
        # JSON.stringify does, where Starlette's encoding failed with a 500.
        return strictjson.dumps(content).encode()


async def _read(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    too_large = TestRequestError(
        f"request body larger than {MAX_REQUEST_BYTES:,} bytes (the handler code itself may "
        "be at most 51,200 characters)",
        413,
    )
    if (
        declared
        and declared.isascii()
        and declared.isdigit()
        and int(declared[:18]) > MAX_REQUEST_BYTES
    ):
        raise too_large
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_REQUEST_BYTES:
            raise too_large
    return bytes(chunks)


def route(
    auth: Callable[[Request], Awaitable[Response | None]],
    *,
    path: str = "/api/test",
    sandbox: Callable[[], BaseSandbox | None] = lambda: None,
) -> Route:
    """The ``POST`` route: ``auth`` answers a refusal (401/403...) or None to go on;
    ``sandbox`` gives the sandbox to run on (None: the default one)."""

    async def endpoint(request: Request) -> Response:
        denied = await auth(request)
        if denied is not None:
            return denied
        return await answer(request, sandbox())

    return Route(path, endpoint, methods=["POST"])
