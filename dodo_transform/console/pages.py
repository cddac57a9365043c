"""The console's routes: sign-in, deliveries, one delivery, bulk replay, endpoints, alerts,
and the live feed.

Every page is a plain GET that renders a template, every action a POST form that redirects
(303) back to a page — so the console works without JavaScript; ``console.js`` only adds the
live updates. Actions call :class:`~dodo_transform.relay.operations.Operations`, exactly as
the admin API does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..relay.operations import BULK_MAX, OperationError, listed_dict, progress, refusal
from ..relay.query import FILTERS, QueryError, parse_id, parse_query
from ..relay.store import DELETED, STATUSES
from .auth import Auth

if TYPE_CHECKING:
    from ..relay.server import App

__all__ = ["console_routes"]

PAGE_SIZE = 50
FORM_MAX_BYTES = 64 * 1024
PING_SECONDS = 15.0
# What a redirect after an action may say (a code, never text from the URL: no phishing).
NOTICES = {
    "replayed": "Replayed: the delivery is pending again and goes out with a fresh schedule.",
    "cancelled": "Cancelled: the delivery will not be sent.",
    "enabled": "Enabled: the endpoint's pending deliveries go out again, in order.",
    "not-disabled": "The endpoint was not disabled.",
    "signed-out": "Signed out.",
}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(t: float | None) -> str:
    if t is None:
        return "—"
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _pretty(text: str | None) -> str:
    """JSON text indented for reading; anything else as it is."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


_env.filters.update(when=_when, age=_age, pretty=_pretty)
_env.filters["json"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)


def console_routes(app: App) -> list[Route]:
    auth = Auth(app)
    ops = app.operations

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        notice = NOTICES.get(request.query_params.get("done", ""))
        html = _env.get_template(template).render(
            csrf=auth.csrf(request),
            notice=notice,
            signed_in=auth.signed_in(request),
            page=template.removesuffix(".html"),
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def off(request: Request) -> Response | None:
        if auth.token:
            return None
        return render(request, "off.html", status=403)

    PageFn = Callable[[Request], Awaitable[Response]]

    def page(fn: PageFn) -> PageFn:
        """A GET page for signed-in users; others go to the sign-in page."""

        async def route(request: Request) -> Response:
            if (closed := off(request)) is not None:
                return closed
            if not await auth.admitted(request):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse("/ui/login?" + urlencode({"next": target}), 303)
            try:
                return await fn(request)
            except ops.refusals as e:
                refused = refusal(e)
                return render(request, "error.html", status=refused.status, message=str(refused))

        return route

    def action(fn: Callable[[Request, dict[str, str]], Awaitable[Response]]) -> PageFn:
        """A POST form of a signed-in user, with the session's CSRF token."""

        async def route(request: Request) -> Response:
            if (closed := off(request)) is not None:
                return closed
            if not await auth.admitted(request):
                return RedirectResponse("/ui/login", 303)
            form = await _form(request)
            if form is None:
                return render(request, "error.html", status=413, message="form too large")
            if not auth.csrf_ok(request, form.get("csrf", "")):
                return render(
                    request,
                    "error.html",
                    status=403,
                    message="the form expired or came from another site; reload the page "
                    "and try again",
                )
            try:
                return await fn(request, form)
            except ops.refusals as e:
                refused = refusal(e)
                return render(request, "error.html", status=refused.status, message=str(refused))

        return route

    # -- signing in ------------------------------------------------------------------------

    async def login_form(request: Request) -> Response:
        if (closed := off(request)) is not None:
            return closed
        if await auth.admitted(request):
            return RedirectResponse(_next(request.query_params.get("next")), 303)
        return render(request, "login.html", next=request.query_params.get("next", ""), wrong=False)

    async def login(request: Request) -> Response:
        if (closed := off(request)) is not None:
            return closed
        form = await _form(request) or {}
        if not auth.check_token(form.get("token", "")):
            await app.wrong_token()  # guessing gains nothing from fast or parallel answers
            return render(request, "login.html", status=401, next=form.get("next", ""), wrong=True)
        response = RedirectResponse(_next(form.get("next")), 303)
        auth.set_cookie(request, response)
        return response

    async def logout(_request: Request, _form: dict[str, str]) -> Response:
        # An action like the others: another site's page cannot sign the operator out.
        response = RedirectResponse("/ui/login?done=signed-out", 303)
        auth.clear_cookie(response)
        return response

    async def home(_request: Request) -> Response:
        return RedirectResponse("/ui/deliveries", 303)

    # -- deliveries ------------------------------------------------------------------------

    def filters(request: Request) -> dict[str, str]:
        return {k: request.query_params.get(k, "").strip() for k in FILTERS}

    async def rows_context(request: Request) -> dict[str, Any]:
        query = parse_query(request.query_params, app.clock.now())
        rows, cursor = await ops.search(query, PAGE_SIZE)
        shown = filters(request)
        older = urlencode({**{k: v for k, v in shown.items() if v}, "cursor": cursor or ""})
        return {
            "rows": [listed_dict(r) for r in rows],
            "older": f"/ui/deliveries?{older}" if cursor else None,
            "first_page": request.query_params.get("cursor") is None,
        }

    async def deliveries(request: Request) -> Response:
        shown = filters(request)
        context = await rows_context(request)
        query_text = urlencode({k: v for k, v in shown.items() if v})
        return render(
            request,
            "deliveries.html",
            filters=shown,
            statuses=STATUSES,
            endpoints=sorted(app.config.endpoints),
            query=query_text,
            **context,
        )

    async def rows(request: Request) -> Response:
        return render(request, "_rows.html", **await rows_context(request))

    def delivery_id(request: Request) -> int:
        value = parse_id(request.path_params["id"])
        if value is None:
            raise OperationError(404, f"no delivery {request.path_params['id']!r}")
        return value

    async def delivery(request: Request) -> Response:
        d = await ops.detail(delivery_id(request))
        return render(request, "delivery.html", d=d, now=app.clock.now())

    async def replay(request: Request, _form: dict[str, str]) -> Response:
        d = await ops.replay(delivery_id(request))
        return RedirectResponse(f"/ui/deliveries/{d.id}?done=replayed", 303)

    async def cancel(request: Request, _form: dict[str, str]) -> Response:
        d = await ops.cancel(delivery_id(request))
        return RedirectResponse(f"/ui/deliveries/{d.id}?done=cancelled", 303)

    # -- bulk replay -----------------------------------------------------------------------

    async def bulk_form(request: Request) -> Response:
        shown = filters(request)
        if not shown["status"]:
            raise QueryError("choose a status to replay (e.g. failed) in the filters first")
        query = parse_query(shown, app.clock.now())
        count = await ops.count(query)
        newest = await app.store.search(query, 1)
        pin = str(newest[0].delivery.id + 1) if newest else ""
        # The times as counted: "2h" posted back would mean two hours before the confirming.
        counted = {**shown, "since": _iso(query.since), "until": _iso(query.until)}
        return render(
            request,
            "bulk.html",
            filters=shown,
            counted=counted,
            count=count,
            taken=min(count, BULK_MAX),
            cursor=pin,
            back="/ui/deliveries?" + urlencode({k: v for k, v in shown.items() if v}),
        )

    async def bulk(request: Request, form: dict[str, str]) -> Response:
        shown = {k: form.get(k, "").strip() for k in FILTERS}
        if not shown["status"]:
            raise QueryError("a bulk replay needs a status")
        query = parse_query({**shown, "cursor": form.get("cursor", "")}, app.clock.now())
        job = await ops.bulk_replay(query, {k: v for k, v in shown.items() if v})
        return RedirectResponse(f"/ui/replays/{job.id}", 303)

    async def bulk_progress(request: Request) -> Response:
        value = parse_id(request.path_params["id"])
        if value is None:
            raise OperationError(404, "no such bulk replay")
        job = await ops.bulk(value)
        outcome = sorted((d, status or DELETED) for d, status in (job.statuses or {}).items())
        return render(request, "progress.html", job=progress(job), outcome=outcome)

    # -- endpoints and alerts --------------------------------------------------------------

    async def endpoints(request: Request) -> Response:
        return render(
            request, "endpoints.html", endpoints=await ops.endpoints(), now=app.clock.now()
        )

    async def enable(request: Request, _form: dict[str, str]) -> Response:
        enabled = await ops.enable(request.path_params["name"])
        return RedirectResponse(
            f"/ui/endpoints?done={'enabled' if enabled else 'not-disabled'}", 303
        )

    async def alerts(request: Request) -> Response:
        configured = app.config.alerts
        return render(
            request,
            "alerts.html",
            alerts=app.alerts.recent(),
            target=configured.url if configured else None,
        )

    # -- live ------------------------------------------------------------------------------

    async def events(request: Request) -> Response:
        if not auth.token or not await auth.admitted(request):
            return Response("sign in first", status_code=401, media_type="text/plain")
        queue = app.live.subscribe()

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n\n"
                while True:
                    try:
                        message = await asyncio.wait_for(queue.get(), PING_SECONDS)
                        line = "" if message is None else f"data: {json.dumps(message)}"
                    except asyncio.TimeoutError:
                        line = ": ping"  # keeps proxies from closing an idle stream
                    if not line or not auth.signed_in(request):
                        return  # stopping, or the session ended (expired, a new token)
                    yield f"{line}\n\n"
            finally:
                app.live.unsubscribe(queue)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return [
        Route("/", home, methods=["GET"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", action(logout), methods=["POST"]),
        Route("/deliveries", page(deliveries), methods=["GET"]),
        Route("/deliveries/rows", page(rows), methods=["GET"]),
        Route("/deliveries/{id}", page(delivery), methods=["GET"]),
        Route("/deliveries/{id}/replay", action(replay), methods=["POST"]),
        Route("/deliveries/{id}/cancel", action(cancel), methods=["POST"]),
        Route("/replay", page(bulk_form), methods=["GET"]),
        Route("/replay", action(bulk), methods=["POST"]),
        Route("/replays/{id}", page(bulk_progress), methods=["GET"]),
        Route("/endpoints", page(endpoints), methods=["GET"]),
        Route("/endpoints/{name}/enable", action(enable), methods=["POST"]),
        Route("/alerts", page(alerts), methods=["GET"]),
        Route("/events", events, methods=["GET"]),
    ]


# Pages show tokens and customer data: never kept by a browser cache or a proxy.
_NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def _next(target: str | None) -> str:
    """Where to go after signing in: only a console page (never another site)."""
    if target and target.startswith("/ui/") and not target.startswith("/ui//"):
        return target
    return "/ui/deliveries"


async def _form(request: Request) -> dict[str, str] | None:
    """An ``application/x-www-form-urlencoded`` body (the first value of each field);
    None when it is larger than the console's forms ever are."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            return None
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def _iso(epoch: float | None) -> str:
    """A time as the filters take it back unchanged (before 1970 too)."""
    return "" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat()
