"""The HTTP side: receive Dodo's webhooks, and the admin API.

Receive path, in this order: endpoint known (404) → body within the limit (413) → signature
valid (401) → JSON (400) → event and delivery committed (deduplicated by ``webhook-id``) →
2xx. Transformation and delivery happen after the acknowledgement, in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..clock import Clock, SystemClock
from ..mailerlite.lint import lint_request
from ..report import json_record
from ..sandbox import Sandbox
from ..transform import redact_headers, transform_async
from ..workbench import testapi
from .config import Config, EndpointConfig
from .dispatcher import Dispatcher, new_client
from .events import Observer, Observers, ReceiveOutcome
from .handlers import HandlerLoadError, Handlers
from .signing import SignatureError, verify
from .sqlite_store import SqliteStore
from .store import STATUSES, AsyncStore, Delivery, Store, ThreadedStore

log = logging.getLogger("dodo_transform.server")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _TooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing (``_TooLarge``) as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise _TooLarge
    return bytes(chunks)


def ordering_key(endpoint: str, payload: Any) -> str:
    """Deliveries sharing a key are sent one at a time, oldest first.

    The key is the endpoint plus the customer's email when the envelope has one: a
    subscriber's events then reach the target in the order received, whatever path the
    handler picks (stricter than per target path, which is only known after the transform).
    Events without a customer are not ordered (Dodo does not promise an order either).
    """
    data = payload.get("data") if isinstance(payload, dict) else None
    customer = data.get("customer") if isinstance(data, dict) else None
    email = customer.get("email") if isinstance(customer, dict) else None
    if isinstance(email, str) and email:
        return f"{endpoint}\ncustomer:{email.strip().lower()}"
    return ""  # filled with a unique value by the caller


class App:
    """State shared by the routes: config, store, worker."""

    def __init__(
        self,
        config: Config,
        *,
        store_factory: Callable[[], Store] | None = None,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
        run_worker: bool = True,
        observers: Iterable[Observer] = (),
        **dispatcher_options: Any,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self._store_factory = store_factory or (lambda: SqliteStore(config.server.database))
        self._client = client
        self._run_worker = run_worker
        self._dispatcher_options = dispatcher_options
        self.handlers = Handlers(config.endpoints)
        self.events = Observers(observers)
        self.store: AsyncStore
        self.sandbox: Sandbox
        self.dispatcher: Dispatcher
        self._worker: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self.store = await asyncio.to_thread(ThreadedStore, self._store_factory)
        recovered = await self.store.recover(self.clock.now())
        if recovered:
            log.warning("requeued %d deliveries interrupted by a crash or stop", recovered)
        client = self._client or new_client()
        # QuickJS runs on the sandbox's own thread: transforms never block the event loop.
        given = self._dispatcher_options.pop("sandbox", None)
        self.sandbox = given or Sandbox()
        self.dispatcher = Dispatcher(
            self.config,
            self.store,
            client,
            clock=self.clock,
            sandbox=self.sandbox,
            handlers=self.handlers,
            events=self.events,
            **self._dispatcher_options,
        )
        if self._run_worker:
            self._worker = asyncio.create_task(self.dispatcher.run(), name="dispatcher")
        try:
            yield
        finally:
            if self._worker is not None:
                await self.dispatcher.stop(self.config.server.shutdown_grace)
                await self._worker
            if self._client is None:
                await client.aclose()
            if given is None:
                await asyncio.to_thread(self.sandbox.close)
            await asyncio.to_thread(self.store.close)

    # -- receive ---------------------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        name = request.path_params["endpoint"]
        ep = self.config.endpoints.get(name)
        if ep is None:
            self.events.received(name, "unknown_endpoint")
            # Configured names are not listed: this route is public.
            return error(
                404, f"no endpoint {name!r}; post to /webhooks/<endpoint name from the config>"
            )
        limit = self.config.server.max_body_bytes
        try:
            body = await read_body(request, limit)
        except _TooLarge:
            self.events.received(name, "too_large")
            return error(413, f"body larger than {limit:,} bytes (server.max_body_bytes)")
        except ClientDisconnect:
            self.events.received(name, "invalid")
            return error(400, "client disconnected before sending the whole body")
        try:
            verify(ep.secrets, body, request.headers)
        except SignatureError as e:
            self.events.received(name, "unauthorized")
            return error(401, f"invalid webhook signature: {e}")
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
            self.events.received(name, "invalid", webhook_id=request.headers["webhook-id"])
            return error(400, f"body is not valid JSON: {e}")
        return await self._store_event(ep, request, body, payload)

    async def _store_event(
        self, ep: EndpointConfig, request: Request, body: bytes, payload: Any
    ) -> Response:
        webhook_id = request.headers["webhook-id"]
        event_type = payload.get("type") if isinstance(payload, dict) else None
        event_type = event_type if isinstance(event_type, str) else None
        key = ordering_key(ep.name, payload) or f"{ep.name}\nwebhook:{webhook_id}"
        headers = redact_headers(dict(request.headers))
        result = await self.store.ingest(
            ep.name,
            webhook_id,
            event_type,
            body,
            headers,
            key,
            not ep.accepts(event_type),
            self.clock.now(),
        )
        if not result.duplicate and result.status == "pending":
            self.dispatcher.kick()
        status: ReceiveOutcome = (
            "duplicate"
            if result.duplicate
            else ("filtered" if result.status == "filtered" else "accepted")
        )
        self.events.received(
            ep.name,
            status,
            webhook_id=webhook_id,
            event_type=event_type,
            delivery_id=result.delivery_id,
        )
        return JSONResponse(
            {"status": status, "delivery_id": result.delivery_id},
            status_code=200 if result.duplicate else 202,
        )

    # -- operations ------------------------------------------------------------------------

    async def healthz(self, _request: Request) -> Response:
        worker_dead = self._worker is not None and self._worker.done()
        counts = await self.store.counts()
        body = {
            "status": "unhealthy" if worker_dead else "ok",
            "deliveries": counts,
            "in_flight": self.dispatcher.in_flight,
        }
        return JSONResponse(body, status_code=503 if worker_dead else 200)

    async def admin_check(self, request: Request) -> Response | None:
        return self._admin(request)

    def _admin(self, request: Request) -> Response | None:
        token = self.config.server.admin_token
        if not token:
            return error(403, "the admin API is disabled: set [server] admin_token in the config")
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return error(401, "admin routes need 'Authorization: Bearer <server.admin_token>'")
        return None

    async def list_deliveries(self, request: Request) -> Response:
        if (denied := self._admin(request)) is not None:
            return denied
        status = request.query_params.get("status") or None
        endpoint = request.query_params.get("endpoint") or None
        if status is not None and status not in STATUSES:
            return error(400, f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        limit_text = request.query_params.get("limit", "100")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            return error(400, "limit must be an integer 1..1000")
        rows = await self.store.list_deliveries(status, endpoint, int(limit_text))
        return JSONResponse({"deliveries": [d.to_dict() for d in rows]})

    async def _admin_delivery(self, request: Request) -> Delivery | Response:
        """The delivery of an admin route's ``{id}``, or the response refusing the request."""
        if (denied := self._admin(request)) is not None:
            return denied
        text = request.path_params["id"]
        d = await self.store.get_delivery(int(text)) if text.isdigit() else None
        return d if d is not None else error(404, f"no delivery {text!r}")

    async def get_delivery(self, request: Request) -> Response:
        d = await self._admin_delivery(request)
        if isinstance(d, Response):
            return d
        event = await self.store.get_event(d.event_id)
        attempts = await self.store.attempts(d.id)
        out = d.to_dict()
        if event is not None:
            out["event"] = {
                "id": event.id,
                "webhook_id": event.webhook_id,
                "event_type": event.event_type,
                "received_at": event.received_at,
                "body": event.body.decode("utf-8", errors="replace"),
            }
        out["attempts"] = [a.to_dict() for a in attempts]
        return JSONResponse(out)

    async def replay(self, request: Request) -> Response:
        d = await self._admin_delivery(request)
        if isinstance(d, Response):
            return d
        if d.status == "delivering":
            return error(409, f"delivery {d.id} is being delivered right now; try again later")
        event = await self.store.get_event(d.event_id)
        ep = self.config.endpoints.get(d.endpoint)
        if ep is None:
            return error(409, f"endpoint {d.endpoint!r} is no longer configured")
        if event is not None and not ep.accepts(event.event_type):
            return error(
                409,
                f"event type {event.event_type!r} is outside the endpoint's "
                "events filter; add it to `events` to deliver it",
            )
        try:
            # A replay runs the handler as it is on disk now, and so does every later event.
            await asyncio.to_thread(self.handlers.reload, ep.name)
        except HandlerLoadError as e:
            return error(409, f"not replayed: the handler does not load: {e}")
        replayed = await self.store.replay(d.id, self.clock.now())
        self.dispatcher.kick()
        assert replayed is not None
        return JSONResponse({"delivery_id": d.id, "status": replayed.status}, status_code=202)

    async def simulate(self, request: Request) -> Response:
        if (denied := self._admin(request)) is not None:
            return denied
        ep = self.config.endpoints.get(request.path_params["name"])
        if ep is None:
            return error(404, f"no endpoint {request.path_params['name']!r}")
        try:
            body = json.loads(await read_body(request, self.config.server.max_body_bytes))
        except _TooLarge:
            return error(413, "request body too large")
        except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
            return error(400, f"body is not valid JSON: {e}")
        if not isinstance(body, dict) or not isinstance(body.get("payload"), dict):
            return error(400, 'send {"payload": {...Dodo envelope...}, "code"?: str, "now"?: str}')
        code, now = body.get("code"), body.get("now")
        if code is not None and not isinstance(code, str):
            return error(400, "code must be a string (the handler's JavaScript source)")
        if now is not None and not isinstance(now, str):
            return error(400, 'now must be an ISO-8601 string, e.g. "2025-08-04T05:30:45Z"')
        handler = code if code is not None else self.handlers.get(ep.name).handler
        try:
            decision = await transform_async(
                handler,
                body["payload"],
                sandbox=self.sandbox,
                url=ep.url,
                env=ep.env,
                headers=ep.headers,
                now=now,
                limits=ep.limits,
            )
        except ValueError as e:
            return error(400, f"now: {e}")
        event_type = body["payload"].get("type")
        if decision.request is not None:  # as `dodo-transform test` does
            r = decision.request
            decision = decision.with_warnings(lint_request(r.method, r.url, r.body))
        return JSONResponse(json_record(decision, None, event_type))


def create_app(config: Config, **options: Any) -> Starlette:
    """The Starlette app; ``options`` go to :class:`App` (tests inject clock, store, client)."""
    state = App(config, **options)
    app = Starlette(
        routes=[
            Route("/webhooks/{endpoint}", state.receive, methods=["POST"]),
            Route("/healthz", state.healthz, methods=["GET"]),
            Route("/deliveries", state.list_deliveries, methods=["GET"]),
            Route("/deliveries/{id}", state.get_delivery, methods=["GET"]),
            Route("/deliveries/{id}/replay", state.replay, methods=["POST"]),
            Route("/endpoints/{name}/simulate", state.simulate, methods=["POST"]),
            # Any handler code on samples, as `dodo-transform test --json` does it.
            testapi.route(state.admin_check, sandbox=lambda: state.sandbox),
        ],
        lifespan=state.lifespan,
    )
    app.state.dodo = state
    return app
