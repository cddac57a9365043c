"""The HTTP side: receive Dodo's webhooks; the admin API (``admin.py``), ``/metrics`` and
``/openapi.json`` beside it.

Receive path, in this order: endpoint known (404) → body within the limit (413) → signature
valid (401) → RFC 8259 JSON: UTF-8, no ``NaN`` (400) → event and delivery committed
(deduplicated by ``webhook-id``) → 2xx; a store that cannot commit answers 503 (nothing
acknowledged, Dodo retries). Transformation and delivery happen after the acknowledgement,
in the worker.

Roles: ``all`` receives and delivers; ``ingest`` only receives (another instance's worker,
woken by the shared store, delivers); ``worker`` only delivers (its ``/webhooks`` answer 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Literal, TypeVar, get_args

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import strictjson
from ..clock import Clock, SystemClock
from ..mailerlite.lint import lint_request
from ..report import json_record
from ..sandbox import SandboxProcessError
from ..sandbox.base import BaseSandbox
from ..transform import redact_headers, redact_userinfo, transform_async
from ..workbench import testapi
from .admin import admin_routes
from .alerts import Alerts
from .config import Config, ConfigError, EndpointConfig, load_config, redact_url
from .dispatcher import Dispatcher, new_client
from .events import ANSWER, Observer, Observers, ReceiveOutcome
from .handlers import Handlers
from .health import EndpointHealth
from .live import LiveFeed
from .logs import LogObserver
from .metrics import Metrics
from .openapi import openapi_document
from .operations import Operations
from .ratelimit import Limiter, RateLimiter
from .retention import EVERY as RETENTION_EVERY
from .retention import Retention
from .sender import Sender
from .signing import REQUIRED_HEADERS, SignatureError, verify
from .sqlite_store import SqliteStore
from .store import CLOSE_TIMEOUT, LOCAL_OWNER, AsyncStore, Store, ThreadedStore, customer_key, said
from .transformer import TransformStage
from .wire import scope_decision

log = logging.getLogger("dodo_transform.server")
Role = Literal["all", "ingest", "worker"]
ROLES: tuple[Role, ...] = get_args(Role)
PING_TIMEOUT = 2.0  # /healthz answers 503 rather than hang on a store that does not answer
# /healthz answers 503 for this long after the store refused to store a webhook (a full disk
# reads fine but cannot write), then lets the balancer try this instance again. A store that
# could not be reached at all does not count: the ping sees that, and sees it end.
WRITE_FAILURE_HOLD = 10.0


def _store_errors(store: AsyncStore | None) -> tuple[type[BaseException], ...]:
    """What opening a store, or its first calls, raise when the database cannot be used."""
    from .postgres_store import StoreUnavailable  # here: only a failure loads asyncpg

    return (*(AsyncStore.unavailable if store is None else store.unavailable), StoreUnavailable)


async def open_store(config: Config) -> AsyncStore:
    """The store the config names: PostgreSQL for a ``postgresql://`` URL, else SQLite."""
    if config.server.database_url:
        from .postgres_store import PostgresStore

        return await PostgresStore.open(config.server.database_url)
    return await asyncio.to_thread(ThreadedStore, lambda: SqliteStore(config.server.database))


def describe_store(config: Config) -> str:
    """The store for people: the path, or the URL with its password hidden."""
    url = config.server.database_url
    return f"PostgreSQL {redact_url(url)}" if url else f"SQLite {config.server.database}"


def instance_owner() -> str:
    """This process's lease owner on a shared store: unique, and saying where it runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


T = TypeVar("T")


async def _within(seconds: float, work: Awaitable[T]) -> T:
    """``await work``, or :class:`asyncio.TimeoutError` after ``seconds``. What
    ``asyncio.wait_for`` does, without the task it makes for every call (10 µs a webhook)."""
    task = asyncio.current_task()
    assert task is not None
    late = False

    def expire() -> None:
        nonlocal late
        late = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await work
    except asyncio.CancelledError:
        if not late:
            raise  # cancelled from outside (the server stopping): not ours to turn
        if sys.version_info >= (3, 11):
            task.uncancel()  # ours, and handled: the task is no longer being cancelled
        raise asyncio.TimeoutError from None
    finally:
        timer.cancel()


class StartupAborted(Exception):
    """serve could not start, for a reason already logged in one line (the traceback uvicorn
    would print for it is left out: see :mod:`~.logs`)."""


class TooLarge(Exception):
    pass


# The headers a signature covers, as ASGI gives header names (lower case bytes).
_SIGNED_HEADERS = tuple(h.encode() for h in REQUIRED_HEADERS)
# After a wrong admin token, seconds before the answer; wrong tokens wait one after another.
WRONG_TOKEN_WAIT = 0.2
# A webhook's body (1 MiB at most) arrives within this, or the request is answered 408.
BODY_TIMEOUT = 30.0


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing (``TooLarge``) as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared[:18]) > limit:
        raise TooLarge
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise TooLarge
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
        return customer_key(endpoint, email)
    return ""  # filled with a unique value by the caller


class App:
    """State shared by the routes: config, store, worker, and what watches them."""

    def __init__(
        self,
        config: Config,
        *,
        store_factory: Callable[[], Store] | None = None,
        clock: Clock | None = None,
        client: Sender | None = None,
        run_worker: bool = True,
        observers: Iterable[Observer] = (),
        role: Role = "all",
        retention_every: float = RETENTION_EVERY,
        stage: TransformStage | None = None,
        **dispatcher_options: Any,
    ) -> None:
        self.config = config
        self._given_stage = stage  # started by serve's CLI, which checked it could start
        self.clock = clock or SystemClock()
        self._store_factory = store_factory
        self._client = client
        self.role = role
        self._run_worker = run_worker and role != "ingest"
        self._dispatcher_options = dispatcher_options
        self.events = Observers(observers)
        self.handlers = Handlers(config.endpoints, self.events)
        self.operations = Operations(self)
        self.prometheus = Metrics(self)
        self.live = LiveFeed()
        self.alerts = Alerts(config.alerts, self.clock)
        for watcher in (self.prometheus, self.live, self.alerts, LogObserver()):
            self.events.add(watcher)
        self.store: AsyncStore
        self.stage: TransformStage
        self.sandbox: BaseSandbox
        self.dispatcher: Dispatcher
        self.health: EndpointHealth
        self._worker: asyncio.Task[None] | None = None
        self._wrong_tokens = asyncio.Lock()
        self._retention_every = retention_every
        self.retention: Retention | None = None
        self._stop_watching = asyncio.Event()
        self._receiving = 0
        self._write_failed: tuple[float, str] | None = None  # when, and why

    async def _open_store(self) -> None:
        if self._store_factory is not None:
            factory = self._store_factory
            self.store = await asyncio.to_thread(ThreadedStore, factory)
        else:
            self.store = await open_store(self.config)
        # One process delivers from an embedded store, so a restart takes back at once what the
        # dead process held; on a shared store each instance is an owner of its own, and what a
        # dead one held comes back when its leases run out.
        self.owner = instance_owner() if self.store.shared else LOCAL_OWNER
        if self._run_worker:
            recovered = await self.store.recover(self.clock.now(), self.owner)
            if recovered:
                log.warning("requeued %d deliveries interrupted by a crash or stop", recovered)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        try:
            await self._open_store()
        except Exception as e:
            # `serve` checked the store just before; it went away since (or is failing).
            opened = getattr(self, "store", None)
            if not isinstance(e, _store_errors(opened)):
                raise
            if opened is not None:  # opened, then failed at its first call (recover)
                with contextlib.suppress(Exception):
                    await opened.aclose()
            log.error(
                "the store could not be used while serve started (%s); nothing was "
                "received. Start serve again once the database answers",
                said(e),
            )
            raise StartupAborted(str(e)) from None
        if self.store.shared:  # the console's live updates, from every instance
            await self.live.share(self.store)
        limiter: Limiter
        if self.store.shared:
            from .postgres_ratelimit import SharedRateLimiter
            from .postgres_store import PostgresStore

            assert isinstance(self.store, PostgresStore)
            limiter = SharedRateLimiter(self.store, self.clock)
        else:
            limiter = RateLimiter(self.clock)
        self._dispatcher_options.setdefault("limiter", limiter)
        client = self._client or new_client()
        # QuickJS runs in the transform stage's sandboxes, shared fairly between endpoints:
        # transforms never block the event loop. A given sandbox is a stage of one thread.
        given = self._dispatcher_options.pop("sandbox", None)
        if self._given_stage is not None:
            self.stage = self._given_stage
            self.stage.follow(lambda: self.config.endpoints, self.prometheus.transformed)
        else:
            self.stage = await asyncio.to_thread(
                TransformStage.for_config,
                self.config.server,
                lambda: self.config.endpoints,
                sandbox=given,
                # An ingest instance transforms only for the admin API's simulate and test
                # routes: its sandbox processes start when one is first asked for.
                prestart=self._run_worker,
                observe=self.prometheus.transformed,
            )
        # The workbench's test API (admin only) runs on the first thread, outside the lanes.
        self.sandbox = self.stage.sandboxes[0]
        self.health = EndpointHealth(
            self.store, self.clock, self.events, self.config.server.disable_endpoint_after
        )
        self.dispatcher = Dispatcher(
            self.config,
            self.store,
            client,
            clock=self.clock,
            stage=self.stage,
            handlers=self.handlers,
            events=self.events,
            health=self.health,
            owner=self.owner,
            **self._dispatcher_options,
        )
        tasks: list[asyncio.Task[None]] = []
        pruning: asyncio.Task[None] | None = None
        self.dispatcher.receiving = lambda: self._receiving
        if self._run_worker:
            self._worker = asyncio.create_task(self.dispatcher.run(), name="dispatcher")
            # Where deliveries are made, old ones are deleted (every instance may: the
            # store's batches skip rows another holds).
            self.retention = Retention(
                self.store,
                self.clock,
                self.config.server.retention_days,
                every=self._retention_every,
                on_deleted=self.prometheus.retention_deleted.inc,
            )
            pruning = asyncio.create_task(self.retention.run(), name="retention")
        self._stop_watching = asyncio.Event()
        if self.config.server.watch_handlers:
            tasks.append(asyncio.create_task(self._watch(), name="handler-watch"))
        # Alerts are a handful of posts: httpx, apart from the worker's client.
        alerts_client = httpx.AsyncClient(timeout=15.0, follow_redirects=False)
        self.alerts.start(alerts_client)
        on_hup = _on_sighup(self)
        log.info(
            "started: endpoints %s; store %s; alerts %s",
            ", ".join(self.config.endpoints),
            describe_store(self.config),
            redact_userinfo(self.config.alerts.url) if self.config.alerts else "off",
        )
        try:
            yield
        finally:
            if self._worker is not None:
                log.info("stopping: in-flight attempts get %g s", self.config.server.shutdown_grace)
            else:
                log.info("stopping")
            if on_hup is not None:
                on_hup()
            if pruning is not None:  # a batch is one transaction: it commits or is undone whole
                pruning.cancel()
                await asyncio.gather(pruning, return_exceptions=True)
            self._stop_watching.set()
            if self._worker is not None:
                await self.dispatcher.stop(self.config.server.shutdown_grace)
                await self._worker
            await self.alerts.stop()
            await alerts_client.aclose()
            for task in tasks:
                with contextlib.suppress(Exception):
                    await task
            self.live.close()
            if self._client is None:
                await client.aclose()
            await asyncio.to_thread(self.stage.close, cut_short=True)  # the grace is over
            try:
                await self.store.aclose()
            except asyncio.TimeoutError:
                log.error(
                    "the store did not close within %g s: a call still waits for the database "
                    "(another process holding SQLite's write lock?); stopping anyway, nothing "
                    "committed is lost",
                    CLOSE_TIMEOUT,
                )
            log.info("stopped")

    async def _watch(self) -> None:
        try:
            await self.handlers.watch(self._stop_watching)
        except Exception:  # watching is a convenience: never take the server down with it
            log.exception("watching handler files failed; reload with SIGHUP instead")

    # -- receive ---------------------------------------------------------------------------

    def _refuse(
        self,
        name: str,
        outcome: ReceiveOutcome,
        message: str,
        webhook_id: str | None = None,
        *,
        unread: bool = False,
    ) -> Response:
        """The answer to a webhook refused, and the same reason in the log (an operator
        whose secret is wrong reads it there, not in Dodo's dashboard).

        ``unread``: answered before the whole body was read. The connection then closes
        with the answer: uvicorn would go on reading and dropping what is left of the body,
        a byte at a time if that is how it comes, with no time limit."""
        self.events.received(name, outcome, webhook_id=webhook_id, reason=message)
        answer = error(ANSWER[outcome], message)
        if unread:
            answer.headers["connection"] = "close"
        return answer

    async def receive(self, request: Request) -> Response:
        name = request.path_params["endpoint"]
        if self.role == "worker":
            return self._refuse(
                name,
                "unavailable",
                "this instance runs with --role worker and receives no webhooks; send them "
                "to an instance with --role all or ingest",
                unread=True,
            )
        ep = self.config.endpoints.get(name)
        if ep is None:
            # Configured names are not listed: this route is public.
            return self._refuse(
                name,
                "unknown_endpoint",
                f"no endpoint {name!r}; post to /webhooks/<endpoint name from the config>",
                unread=True,
            )
        limit = self.config.server.max_body_bytes
        try:
            body = await _within(BODY_TIMEOUT, read_body(request, limit))
        except TooLarge:
            message = f"body larger than {limit:,} bytes (server.max_body_bytes)"
            return self._refuse(name, "too_large", message, unread=True)
        except ClientDisconnect:
            message = "client disconnected before sending the whole body"
            return self._refuse(name, "invalid", message)
        except asyncio.TimeoutError:
            message = f"the body did not arrive within {BODY_TIMEOUT:g} s"
            return self._refuse(name, "timeout", message, unread=True)
        # The worker yields while many webhooks are being acknowledged (dispatcher.py):
        # counted once the body is here, or clients that stall their uploads would hold
        # delivery back without knowing a secret.
        self._receiving += 1
        try:
            return await self._acknowledge(name, ep, request, body)
        finally:
            self._receiving -= 1

    async def _acknowledge(
        self, name: str, ep: EndpointConfig, request: Request, body: bytes
    ) -> Response:
        names = [k for k, _ in request.headers.raw if k in _SIGNED_HEADERS]
        repeated = [h.decode() for h in _SIGNED_HEADERS if names.count(h) > 1]
        if repeated:
            # One copy would be verified and another stored: a captured webhook sent again
            # with a second webhook-id would pass as new, each time.
            message = (
                f"header {repeated[0]} appears more than once; a webhook carries each of "
                f"{', '.join(REQUIRED_HEADERS)} once"
            )
            return self._refuse(name, "invalid", message)
        try:
            verify(ep.secrets, body, request.headers)
        except SignatureError as e:
            return self._refuse(name, "unauthorized", f"invalid webhook signature: {e}")
        try:
            payload = strictjson.loads(body)
        except strictjson.NotJSON as e:
            webhook_id = request.headers["webhook-id"]
            return self._refuse(name, "invalid", f"body is not RFC 8259 JSON: {e}", webhook_id)
        return await self._store_event(ep, request, body, payload)

    async def _store_event(
        self, ep: EndpointConfig, request: Request, body: bytes, payload: Any
    ) -> Response:
        webhook_id = request.headers["webhook-id"]
        event_type = payload.get("type") if isinstance(payload, dict) else None
        event_type = event_type if isinstance(event_type, str) else None
        key = ordering_key(ep.name, payload) or f"{ep.name}\nwebhook:{webhook_id}"
        headers = redact_headers(dict(request.headers))
        try:
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
        except Exception as e:
            # Nothing was committed, so nothing is acknowledged: Dodo retries later, and a
            # retry of an event that did commit after all is answered as a duplicate.
            log.error("storing webhook %s failed: %s", webhook_id, said(e))
            if not isinstance(e, self.store.unreachable):  # it answered, and refused
                self._write_failed = (self.clock.now(), said(e))
            message = "the store is unavailable; nothing was stored, retry later"
            return self._refuse(ep.name, "unavailable", message, webhook_id)
        self._write_failed = None
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
        answer: dict[str, object] = {"status": status, "delivery_id": result.delivery_id}
        if status == "filtered":  # stored and never sent: say why, for whoever is testing
            answer["reason"] = _filtered_reason(event_type, ep.name, ep.events or frozenset())
        return JSONResponse(answer, status_code=200 if result.duplicate else 202)

    # -- operations ------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        """Readiness for a load balancer: 200 ``{"status": "ok"}`` or 503 ``{"status":
        "unavailable", "reason": …}`` (the store unreachable, the worker stopped). Details
        (backend, role, counts, in flight) only with the admin token."""
        reason = None
        try:
            await asyncio.wait_for(self.store.ping(), PING_TIMEOUT)
        except Exception as e:
            reason = f"the store is unreachable ({type(e).__name__})"
        if reason is None and self._write_failed is not None:
            at, what = self._write_failed
            if (ago := self.clock.now() - at) < WRITE_FAILURE_HOLD:
                reason = f"the store refused to store a webhook {ago:.0f} s ago ({what})"
        if reason is None and self._worker is not None and self._worker.done():
            reason = "the delivery worker stopped"
        body: dict[str, Any] = (
            {"status": "ok"} if reason is None else {"status": "unavailable", "reason": reason}
        )
        if await self.admitted_bearer(request):
            body["backend"] = describe_store(self.config)
            body["role"] = self.role
            body["in_flight"] = self.dispatcher.in_flight
            body["store_error"] = self.dispatcher.store_error
            if reason is None:
                with contextlib.suppress(Exception):
                    body["deliveries"] = await asyncio.wait_for(self.store.counts(), PING_TIMEOUT)
        return JSONResponse(body, status_code=200 if reason is None else 503)

    async def admin_check(self, request: Request) -> Response | None:
        """:meth:`admin_denied`, a wrong token answered only after its turn to wait."""
        denied = self.admin_denied(request)
        if denied is not None and denied.status_code == 401:
            await self.wrong_token()
        return denied

    async def admitted_bearer(self, request: Request) -> bool:
        """Whether the request's ``Authorization`` carries the admin token; a wrong one
        presented waits its turn (:meth:`wrong_token`), wherever it is checked."""
        given = request.headers.get("authorization", "")
        if not given:
            return False
        if self.is_admin(given):
            return True
        await self.wrong_token()
        return False

    async def wrong_token(self) -> None:
        """Wait after a wrong admin token, one wrong token after another: guessing in
        parallel then gains nothing, at most 1 / :data:`WRONG_TOKEN_WAIT` guesses a second
        in all (a right token never waits)."""
        async with self._wrong_tokens:
            await asyncio.sleep(WRONG_TOKEN_WAIT)

    def admin_denied(self, request: Request) -> Response | None:
        """None when the request carries the admin token; else the response refusing it."""
        token = self.config.server.admin_token
        if not token:
            return error(403, "the admin API is disabled: set [server] admin_token in the config")
        given = request.headers.get("authorization", "")
        if not self.is_admin(given):
            if given.lower().startswith("bearer "):
                return error(401, "the bearer token is not this server's [server] admin_token")
            return error(401, "admin routes need 'Authorization: Bearer <server.admin_token>'")
        return None

    def is_admin(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header carries the admin token. The scheme is
        case-insensitive (RFC 9110 §11.1: ``bearer`` and ``BEARER`` are ``Bearer``)."""
        token = self.config.server.admin_token
        scheme, _, given = authorization.partition(" ")
        return (
            bool(token)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(
                given.lstrip(" ").encode("utf-8", "surrogateescape"), str(token).encode()
            )
        )

    async def metrics(self, request: Request) -> Response:
        if self.config.server.protect_metrics and (denied := await self.admin_check(request)):
            return denied
        body, content_type = await self.prometheus.render()
        return Response(body, media_type=content_type)

    async def openapi(self, _request: Request) -> Response:
        return JSONResponse(openapi_document(self.config))

    async def reload_config(self) -> str | None:
        """Read the config file again (what ``SIGHUP`` does): endpoints, handlers, alerts
        and the admin token change at once; ``[server]`` keys that need a new socket, store
        or sandboxes (host, port, database, sandbox_threads, sandbox_isolation) are kept and
        named in the log.
        None on success, else the problem (the running config stays)."""
        try:
            new = await asyncio.to_thread(load_config, self.config.path)
        except ConfigError as e:
            log.error("config not reloaded, the running one stays: %s", e)
            return str(e)
        old = self.config.server
        kept = [
            k
            for k in ("host", "port", "database", "sandbox_threads", "sandbox_isolation")
            if getattr(new.server, k) != getattr(old, k)
        ]
        if kept:
            log.warning("config reloaded; %s take effect after a restart", ", ".join(kept))
            new = dataclasses.replace(
                new, server=dataclasses.replace(new.server, **{k: getattr(old, k) for k in kept})
            )
        self.config = new
        self.dispatcher.config = new
        self.handlers.replace(new.endpoints)
        self.health.disable_after = new.server.disable_endpoint_after
        if self.retention is not None:
            self.retention.days = new.server.retention_days
        if self.alerts is not None:
            self.alerts.configure(new.alerts)
        log.warning("config %s reloaded: endpoints %s", new.path, ", ".join(new.endpoints))
        self.dispatcher.kick()
        return None

    async def simulate(self, request: Request) -> Response:
        if (denied := await self.admin_check(request)) is not None:
            return denied
        ep = self.config.endpoints.get(request.path_params["name"])
        if ep is None:
            return error(404, f"no endpoint {request.path_params['name']!r}")
        try:
            body = strictjson.loads(await read_body(request, self.config.server.max_body_bytes))
        except TooLarge:
            return error(413, "request body too large")
        except strictjson.NotJSON as e:
            return error(400, f"body is not RFC 8259 JSON: {e}")
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
                sandbox=self.stage.lane(ep.name),
                url=ep.url,
                env=ep.env,
                headers=ep.headers,
                now=now,
                limits=ep.limits,
            )
        except ValueError as e:
            return error(400, f"now: {e}")
        except SandboxProcessError as e:
            return error(503, f"{e}; try again")
        event_type = body["payload"].get("type")
        decision = scope_decision(decision, ep)  # without the credentials it would not send
        if decision.request is not None:  # as `dodo-transform test` does
            r = decision.request
            lint = lint_request(r.method, r.url, r.body)
            decision = decision.with_warnings([*decision.warnings, *lint])
        return JSONResponse(json_record(decision, None, event_type))


def _on_sighup(app: App) -> Callable[[], None] | None:
    """Reload the config on SIGHUP; returns how to stop listening. Only the main thread's
    event loop can take signals (``serve``); a server in a test's thread has none."""
    loop = asyncio.get_running_loop()
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return None
    pending: set[asyncio.Task[str | None]] = set()

    def reload() -> None:
        log.warning("SIGHUP: reloading the config")
        task = loop.create_task(app.reload_config())
        pending.add(task)
        task.add_done_callback(pending.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, reload)
    except (NotImplementedError, RuntimeError, ValueError):
        return None
    return lambda: None if loop.remove_signal_handler(signal.SIGHUP) else None


def create_app(config: Config, **options: Any) -> Starlette:
    """The Starlette app; ``options`` go to :class:`App` (tests inject clock, store, client)."""
    state = App(config, **options)
    app = Starlette(
        routes=[
            Route("/webhooks/{endpoint}", state.receive, methods=["POST"]),
            Route("/healthz", state.healthz, methods=["GET"]),
            Route("/metrics", state.metrics, methods=["GET"]),
            Route("/openapi.json", state.openapi, methods=["GET"]),
            *admin_routes(state),
            Route("/endpoints/{name}/simulate", state.simulate, methods=["POST"]),
            # Any handler code on samples, as `dodo-transform test --json` does it.
            testapi.route(state.admin_check, sandbox=lambda: state.sandbox),
        ],
        lifespan=state.lifespan,
        # Every answer of ours is JSON, also Starlette's own: no route, a wrong method, a bug.
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.dodo = state
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):  # no body allowed (Starlette's own rule)
        return Response(status_code=exc.status_code, headers=exc.headers)
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 404:
        console = request.url.path.startswith("/ui")
        routes = "/ui/ has the console" if console else "/openapi.json lists the routes"
        message = f"nothing at {where}; {routes}"
    elif exc.status_code == 405:
        allowed = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow", "")
        message = f"{where} is not allowed; {request.url.path} takes {allowed}"
    else:
        message = exc.detail
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(_request: Request, _exc: Exception) -> Response:
    # The traceback goes to the log (uvicorn's); the client gets one line.
    return error(500, "internal error; the server's log has the details")


def _filtered_reason(event_type: str | None, endpoint: str, events: frozenset[str]) -> str:
    """Why a webhook was recorded and will not be delivered, in one line."""
    accepted = ", ".join(_quoted(e) for e in sorted(events)) or "no event type"
    this = "this webhook has no type" if event_type is None else f"not {_quoted(event_type)}"
    return (
        f"not delivered: endpoint {_quoted(endpoint)} delivers only {accepted} (its events), "
        f"{this}; the webhook is recorded as filtered"
    )


def _quoted(text: str, limit: int = 100) -> str:
    # The type is the sender's: a megabyte of it is not echoed back.
    return json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)
