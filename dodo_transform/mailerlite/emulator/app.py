"""A local emulator of the MailerLite "new" API (connect.mailerlite.com/api).

It copies the recorded behaviour in ``mailerlite-api.md`` (recorded traffic wins over the
docs). Where the record is silent, this emulator decides as follows; the README summarises
this list.

Requests
- JSON is returned whatever ``Accept`` says. Real successes are JSON regardless, but a real
  *error* to a request with neither ``Accept: application/json`` nor
  ``X-Requested-With: XMLHttpRequest`` may come back as a Laravel redirect or HTML page, so
  such error responses carry an ``X-Emulator-Warning`` header saying so instead of breaking
  the client.
- Bodies are read as JSON. A body without a JSON ``Content-Type`` is still parsed (with a
  warning header); an unparseable body counts as empty input, as in Laravel, so it fails
  validation rather than erroring.
- Laravel's TrimStrings and ConvertEmptyStringsToNull middleware are applied: ``""`` arrives
  as ``null``, so ``"last_name": ""`` *clears* the stored value (POST and PUT alike).
- An unknown route answers 404 ``The route … could not be found.`` (and a wrong method 405)
  before authentication, as Laravel's router does; model 404s come after auth and carry
  the rate-limit headers.
- ``api_key=None`` accepts any non-empty bearer token.

Subscribers
- Group membership never appears in POST/PUT/GET-by-id responses (``groups: []``, as
  recorded). It shows with ``include=groups`` (list, and also GET by id), in the forget
  response and in ``GET /__emulator/state``.
- GET, PUT, DELETE, forget and assign accept the id or the email in the path. Only GET by
  email is recorded; PUT by email is what the document's cancellation handler does.
- PUT accepts a top-level ``email`` and changes the address (nodejs#73); a taken address is
  422 ``The email has already been taken.``
- Number fields accept numbers and numeric strings (Laravel ``numeric``: ``"29.00"``) and
  store them as numbers (whole values as integers, 29). Text fields accept strings and
  numbers (stored as strings). Date fields need ``yyyy-MM-dd`` (a real day).
- Our texts for the unrecorded errors, in Laravel 10 wording:
  ``The email field must be a valid email address.`` (inferred by the reference),
  ``The fields.X field must be a number.``, ``The fields.X field must match the format
  Y-m-d.``, ``The fields.X field must be a string.``, ``The selected status is invalid.``,
  ``The subscribed_at field must match the format Y-m-d H:i:s.`` (also opted_in_at,
  unsubscribed_at), ``The ip_address field must be a valid IP address.`` (also optin_ip).
- Email check: one ``@``, dot-atom local part, dotted DNS domain (no ``user@localhost``).
- Reactivation: asking an unsubscribed, bounced or junk subscriber to become active or
  unconfirmed (POST or PUT) is 422 with ``errors.status: ["This subscriber is <status> and
  cannot be imported."]`` (text from nodejs#37). ``resubscribe: true`` lifts this for
  ``unsubscribed`` only (and alone implies ``status: active``). Other changes still apply
  when no reactivation is asked for.
- Explicit ``null`` clears a field in POST as well as PUT. Unknown field keys (case-sensitive)
  are ignored. DELETE forgets the subscriber entirely: a later POST creates a new one (201).
- Lists are newest first. The cursor is Laravel-style opaque base64; a malformed one gives the
  first page. ``limit=0`` returns ``{"total": N}`` (after ``filter[status]``). Page links keep
  the other query parameters.

Groups and fields
- Groups list by page, default ``limit`` 50 (fields: 100), default order by creation.
  ``filter[name]`` is a case-insensitive substring match. Duplicate group names are allowed.
- Model 404s for groups and fields follow the recorded subscriber text:
  ``[App\\Models\\Group\\Group]``, ``[App\\Models\\Field\\Field]``.
- Re-assigning a member is 200 and idempotent; unassigning a non-member is 204.
- A field key is Laravel's ``Str::snake`` of its name; a second field with the same key is
  422 ``The name has already been taken.`` Default fields cannot be deleted (403
  ``This action is unauthorized.``); renaming keeps the key.

Rate limits
- One fixed window per emulated account (all tokens share it), opened by the first request
  (Laravel ``throttle``). 401s and route 404/405s do not count; refused requests do not
  count. A 429 carries ``Retry-After`` (whole seconds to the window end, at least 1),
  ``X-RateLimit-Limit``, ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` (epoch).
- A batch counts as **one** request against the global limit; its items do not count, so no
  item is ever 429. A batch made only of ``POST api/subscribers`` items also takes one of the
  import limit; when that is spent the whole batch is 429 ``You're being rate limited on
  import creation.`` with ``Retry-After`` (and the global rate headers).

State, seed and test endpoints
- State lives in memory behind one lock (concurrent requests stay consistent). The seed is
  ``{"groups": [{"id": "<numeric>", "name"}], "fields": [{"key", "name", "type"}],
  "subscribers": [<POST bodies>]}`` (all optional; ``subscribers`` helps demo e.g. an
  unsubscribed contact).
- ``GET /__emulator/state`` (no auth): subscribers with their group ids, groups, fields, the
  request count, the last 500 requests (method, path, status, parsed body) and the limits.
  ``POST /__emulator/reset`` restores the seed (or installs the JSON seed it is given) and
  clears the log and the rate-limit windows.
- Timestamps and rate-limit windows read ``clock`` (a :class:`dodo_transform.clock.Clock`,
  the system's by default), so tests move both with one fake clock.

Batch
- Item ``path`` must be a string; one leading ``/`` is accepted (the Node SDK sends it) and a
  query string is honoured. Paths outside ``api/`` and nested ``api/batch`` give the route
  404 inside the item. ``method`` is checked case-sensitively against GET, POST, PUT, DELETE,
  PATCH. A 204 item has ``body: null``.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...clock import Clock, SystemClock
from ..rules import BATCH_METHODS, MAX_BATCH, Errors, normalize_input
from .ratelimit import FixedWindow, Verdict
from .resources import Ctx, Resources, Result
from .state import Store, validate_seed

__all__ = ["MailerLiteEmulator", "create_app", "load_seed"]

ALL_METHODS = (*BATCH_METHODS, "HEAD", "OPTIONS")
LOG_SIZE = 500


def load_seed(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a seed file (``{"groups": [...], "fields": [...]}``)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    try:
        return validate_seed(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


class MailerLiteEmulator:
    """Routing and behaviour; the Starlette app is a thin shell around :meth:`handle`."""

    def __init__(
        self,
        *,
        api_key: str | None,
        seed: dict[str, Any] | None,
        rate_limit: int,
        import_limit: int,
        window_seconds: float,
        clock: Clock,
    ) -> None:
        self.api_key = api_key
        self.seed = validate_seed(seed)
        self.clock = clock
        self.lock = threading.RLock()
        self.store = Store(self.seed, self.wall_clock)
        self.limiter = FixedWindow(rate_limit, window_seconds, clock.now)
        self.import_limiter = FixedWindow(import_limit, window_seconds, clock.now)
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.request_count = 0
        res = Resources(self.store)
        r = re.compile
        # (pattern, {method: handler}); first match wins, like Laravel's route order.
        self.routes: list[tuple[re.Pattern[str], dict[str, Callable[[Ctx], Result]]]] = [
            (r(r"api/subscribers"), {"GET": res.list_subscribers, "POST": res.upsert}),
            (r(r"api/subscribers/(?P<sid>[^/]+)/forget"), {"POST": res.forget}),
            (
                r(r"api/subscribers/(?P<sid>[^/]+)/groups/(?P<gid>[^/]+)"),
                {"POST": res.assign, "DELETE": res.unassign},
            ),
            (
                r(r"api/subscribers/(?P<sid>[^/]+)"),
                {"GET": res.get_subscriber, "PUT": res.update, "DELETE": res.delete},
            ),
            (r(r"api/groups"), {"GET": res.list_groups, "POST": res.create_group}),
            (r(r"api/groups/(?P<gid>[^/]+)/subscribers"), {"GET": res.group_subscribers}),
            (
                r(r"api/groups/(?P<gid>[^/]+)"),
                {"PUT": res.update_group, "DELETE": res.delete_group},
            ),
            (r(r"api/fields"), {"GET": res.list_fields, "POST": res.create_field}),
            (
                r(r"api/fields/(?P<fid>[^/]+)"),
                {"PUT": res.update_field, "DELETE": res.delete_field},
            ),
            (r(r"api/batch"), {"POST": self.batch}),
        ]

    # -- plumbing --------------------------------------------------------------------------

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        with self.lock:
            if seed is not None:
                self.seed = validate_seed(seed)
            self.store.load(self.seed)
            self.limiter.reset()
            self.import_limiter.reset()
            self.log.clear()
            self.request_count = 0

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            state = self.store.snapshot()
            state["request_count"] = self.request_count
            state["requests"] = list(self.log)
            state["rate_limit"] = {
                "limit": self.limiter.limit,
                "remaining": self.limiter.remaining(),
                "import_limit": self.import_limiter.limit,
                "import_remaining": self.import_limiter.remaining(),
            }
            return state

    def _route(
        self, method: str, path: str, *, nested: bool = False
    ) -> tuple[Callable[[Ctx], Result] | None, dict[str, str], Result | None]:
        """(handler, path params, None) or (None, {}, the 404/405 result)."""
        for pattern, handlers in self.routes:
            match = pattern.fullmatch(path)
            if match is None or (nested and path == "api/batch"):
                continue
            handler = handlers.get("GET" if method == "HEAD" else method)
            if handler is None:
                allowed = [m for m in handlers] + (["HEAD"] if "GET" in handlers else [])
                message = (
                    f"The {method} method is not supported for route {path}. "
                    f"Supported methods: {', '.join(allowed)}."
                )
                return None, {}, (405, {"message": message}, {})
            return handler, match.groupdict(), None
        return None, {}, (404, {"message": f"The route {path} could not be found."}, {})

    def _auth_ok(self, authorization: str | None) -> bool:
        match = re.fullmatch(r"\s*Bearer\s+(\S+)\s*", authorization or "", re.IGNORECASE)
        if match is None:
            return False
        return self.api_key is None or match.group(1) == self.api_key

    def wall_clock(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), timezone.utc)

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> Result:
        """One HTTP request to the API; ``headers`` have lowercased names."""
        method = method.upper()
        path = path.strip("/")
        warnings: list[str] = []
        with self.lock:
            self.request_count += 1
            handler, params, failure = self._route(method, path)
            data = self._parse_body(body, headers.get("content-type", ""), warnings)
            if failure is not None:
                status, payload, extra = failure
            elif not self._auth_ok(headers.get("authorization")):
                status, payload, extra = 401, {"message": "Unauthenticated."}, {}
            else:
                verdict = self.limiter.hit()
                if not verdict.allowed:
                    status, payload = 429, {"message": "Too Many Attempts."}
                    extra = self._throttled_headers(verdict)
                else:
                    assert handler is not None
                    status, payload, extra = handler(Ctx(data, query, base_url, params))
                    extra = {**self._rate_headers(verdict), **extra}
            self.log.append({"method": method, "path": "/" + path, "status": status, "body": data})
        wants_json = "json" in headers.get("accept", "").split(",")[0] or (
            headers.get("x-requested-with", "").lower() == "xmlhttprequest"
        )
        if status >= 400 and not wants_json:
            warnings.append(
                "request has neither 'Accept: application/json' nor 'X-Requested-With: "
                "XMLHttpRequest'; the real API may answer this error with a redirect or HTML"
            )
        if warnings:
            extra = {**extra, "X-Emulator-Warning": "; ".join(warnings)}
        return status, payload, extra

    @staticmethod
    def _parse_body(body: bytes, content_type: str, warnings: list[str]) -> Any:
        if not body.strip():
            return {}
        if "json" not in content_type.lower():
            warnings.append("request body sent without 'Content-Type: application/json'")
        try:
            return normalize_input(json.loads(body))
        except (ValueError, UnicodeDecodeError):
            warnings.append("request body is not valid JSON; it was treated as empty input")
            return {}

    def _rate_headers(self, verdict: Verdict) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(verdict.limit),
            "X-RateLimit-Remaining": str(verdict.remaining),
        }

    def _throttled_headers(self, verdict: Verdict) -> dict[str, str]:
        reset = math.ceil(self.wall_clock().timestamp()) + verdict.retry_after
        return {
            "Retry-After": str(verdict.retry_after),
            "X-RateLimit-Limit": str(verdict.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        }

    # -- batch -----------------------------------------------------------------------------

    def batch(self, ctx: Ctx) -> Result:
        data = ctx.data if isinstance(ctx.data, dict) else {}
        items = data.get("requests")
        errors = Errors()
        if not items:
            errors.add("requests", "The requests field is required.")
        elif not isinstance(items, list):
            errors.add("requests", "The requests field must be an array.")
        elif len(items) > MAX_BATCH:
            errors.add("requests", f"The requests field must not have more than {MAX_BATCH} items.")
        else:
            for i, item in enumerate(items):
                _validate_batch_item(i, item, errors)
        if errors or not isinstance(items, list):
            return 422, errors.body(), {}
        if all(it["method"] == "POST" and _item_path(it)[0] == "api/subscribers" for it in items):
            verdict = self.import_limiter.hit()
            if not verdict.allowed:
                message = "You're being rate limited on import creation."
                return 429, {"message": message}, {"Retry-After": str(verdict.retry_after)}
        responses = []
        for item in items:
            path, query = _item_path(item)
            handler, params, failure = self._route(item["method"], path, nested=True)
            if failure is not None:
                code, body, _ = failure
            else:
                assert handler is not None
                inner = Ctx(item.get("body") or {}, query, ctx.base_url, params)
                code, body, _ = handler(inner)
            responses.append({"code": code, "body": body})
        ok = sum(1 for r in responses if 200 <= r["code"] < 300)
        body = {
            "total": len(responses),
            "successful": ok,
            "failed": len(responses) - ok,
            "responses": responses,
        }
        return 200, body, {}


def _item_path(item: dict[str, Any]) -> tuple[str, dict[str, str]]:
    path = item["path"]
    path = path[1:] if path.startswith("/") else path
    path, _, qs = path.partition("?")
    return path.rstrip("/"), dict(parse_qsl(qs))


def _validate_batch_item(i: int, item: Any, errors: Errors) -> None:
    item = item if isinstance(item, dict) else {}
    method = item.get("method")
    if method is None:
        errors.add(f"requests.{i}.method", f"The requests.{i}.method field is required.")
    elif method not in BATCH_METHODS:
        errors.add(f"requests.{i}.method", f"The selected requests.{i}.method is invalid.")
    path = item.get("path")
    if path is None:
        errors.add(f"requests.{i}.path", f"The requests.{i}.path field is required.")
    elif not isinstance(path, str):
        errors.add(f"requests.{i}.path", f"The requests.{i}.path field must be a string.")
    body = item.get("body")
    if body is not None and not isinstance(body, (dict, list)):
        errors.add(f"requests.{i}.body", f"The requests.{i}.body field must be an array.")


# -- ASGI shell ----------------------------------------------------------------------------

_BASE_HEADERS = {
    "Cache-Control": "no-cache, private",
    "Access-Control-Allow-Origin": "*",
    "X-Locale": "en",
}


def _json_response(status: int, body: Any, headers: dict[str, str]) -> Response:
    merged = {**_BASE_HEADERS, **headers}
    if status == 204 or body is None:
        return Response(status_code=status, headers=merged)
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(content, status_code=status, headers=merged, media_type="application/json")


def create_app(
    *,
    api_key: str | None = "test-key",
    seed: dict[str, Any] | None = None,
    rate_limit: int = 120,
    import_limit: int = 5,
    window_seconds: float = 60.0,
    clock: Clock | None = None,
) -> Starlette:
    """The emulator as an ASGI app. ``app.state.emulator`` is the :class:`MailerLiteEmulator`."""
    emulator = MailerLiteEmulator(
        api_key=api_key,
        seed=seed,
        rate_limit=rate_limit,
        import_limit=import_limit,
        window_seconds=window_seconds,
        clock=clock or SystemClock(),
    )

    async def api(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        base_url = str(request.base_url).rstrip("/")
        status, payload, extra = emulator.handle(
            request.method,
            request.scope["path"],
            dict(request.query_params),
            headers,
            body,
            base_url,
        )
        return _json_response(status, payload, extra)

    async def state(request: Request) -> Response:
        return _json_response(200, emulator.snapshot(), {})

    async def reset(request: Request) -> Response:
        body = await request.body()
        try:
            seed_doc = json.loads(body) if body.strip() else None
            emulator.reset(seed_doc)
        except ValueError as exc:
            return _json_response(422, {"message": str(exc)}, {})
        return _json_response(200, {"reset": True}, {})

    app = Starlette(
        routes=[
            Route("/__emulator/state", state, methods=["GET"]),
            Route("/__emulator/reset", reset, methods=["POST"]),
            Route("/{rest:path}", api, methods=list(ALL_METHODS)),
        ]
    )
    app.state.emulator = emulator
    return app
