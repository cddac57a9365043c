"""The operator's web console, served by ``serve`` under ``/ui/``.

Server-rendered pages (Starlette + Jinja2) over the same operations as the admin API
(:mod:`dodo_transform.relay.operations`): deliveries (filters, pages, live updates over
server-sent events), one delivery (event, transform, attempts, replay and cancel), bulk
replay with a count and a confirmation, endpoints, alerts. Every asset ships in this package
(no CDN); the pages work without JavaScript except for the live updates. Off, like the
admin API, without ``[server] admin_token``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from .pages import console_routes

__all__ = ["mount_console"]

STATIC = Path(__file__).with_name("static")


def mount_console(app: Starlette) -> None:
    """Add ``/ui/`` to an app made by :func:`dodo_transform.relay.server.create_app`."""
    state = app.state.dodo
    app.router.routes.append(
        Mount(
            "/ui",
            routes=[
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
                *console_routes(state),
            ],
        )
    )
