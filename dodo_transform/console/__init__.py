"""The operator's web console, served by ``serve`` under ``/ui/``.

Server-rendered pages (Starlette + Jinja2) over the same operations as the admin API
(:mod:`dodo_transform.relay.operations`): deliveries (filters, pages, live updates over
server-sent events), one delivery (event, transform, attempts, replay and cancel), bulk
replay with a count and a confirmation, endpoints, alerts; and the handler playground
(:mod:`dodo_transform.workbench.playground`) at ``/ui/playground`` behind the same sign-in. Every
asset ships in this package
(no CDN); the pages work without JavaScript except for the live updates. Off, like the
admin API, without ``[server] admin_token``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..workbench.playground import create_app as create_playground
from .auth import Auth
from .pages import console_routes

__all__ = ["mount_console"]

STATIC = Path(__file__).with_name("static")


def mount_console(app: Starlette) -> None:
    """Add ``/ui/`` to an app made by :func:`dodo_transform.relay.server.create_app`."""
    state = app.state.dodo
    auth = Auth(state)

    async def signed_in(request: Request) -> Response | None:
        """The playground behind the console's own session (or the bearer token)."""
        if not auth.token:
            return JSONResponse({"error": "the console is off: set [server] admin_token"}, 403)
        if await auth.admitted(request):
            return None
        if request.method == "GET":
            return RedirectResponse("/ui/login?next=/ui/playground/", 303)
        return JSONResponse({"error": "sign in to the console first"}, 401)

    # The endpoints' handler files, as loaded at start-up; Save writes one back only with
    # [ui] allow_handler_edit, and the relay's file watcher then loads it like any edit.
    playground = create_playground(
        signed_in,
        handlers={name: h.path for name, h in state.handlers.all().items()},
        allow_save=state.config.ui.allow_handler_edit,
        sandbox=lambda: state.sandbox,
    )
    app.router.routes.append(
        Mount(
            "/ui",
            routes=[
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
                Mount("/playground", app=playground),
                *console_routes(state),
            ],
        )
    )
