"""The admin API's routes (JSON, ``Authorization: Bearer <server.admin_token>``).

Thin on purpose: each route reads its parameters, calls
:class:`~dodo_transform.relay.operations.Operations` and answers JSON; the console calls the
same operations. ``openapi.py`` describes every route here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .operations import (
    DETAIL_ATTEMPTS,
    DETAIL_ATTEMPTS_MAX,
    DETAIL_BODY,
    DETAIL_BODY_MAX,
    OperationError,
    listed_dict,
    progress,
    refusal,
)
from .query import FILTERS, QueryError, parse_count, parse_id, parse_query

if TYPE_CHECKING:
    from .server import App

__all__ = ["admin_routes", "read_json"]

MAX_LIMIT = 1000


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body; :class:`OperationError` (400/413) when it is not usable."""
    from .server import TooLarge, read_body  # here: server.py imports this module

    try:
        return json.loads(await read_body(request, limit))
    except TooLarge:
        raise OperationError(413, f"request body larger than {limit:,} bytes") from None
    except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
        raise OperationError(400, f"body is not valid JSON: {e}") from None


Handler = Callable[[Request], Awaitable[Response]]


def admin_routes(app: App) -> list[Route]:
    ops = app.operations

    def guarded(fn: Callable[[Request], Awaitable[Any]], status: int = 200) -> Handler:
        async def route(request: Request) -> Response:
            if (denied := await app.admin_check(request)) is not None:
                return denied
            try:
                out = await fn(request)
            except ops.refusals as e:
                refused = refusal(e)
                return error(refused.status, str(refused))
            # A route that answers with more than one status returns its own response.
            return out if isinstance(out, Response) else JSONResponse(out, status_code=status)

        return route

    def delivery_id(request: Request) -> int:
        text = request.path_params["id"]
        value = parse_id(text)
        if value is None:
            raise OperationError(404, f"no delivery {text!r}")
        return value

    async def list_deliveries(request: Request) -> dict[str, Any]:
        params = request.query_params
        query = parse_query(params, app.clock.now())
        limit_text = params.get("limit", "100")
        if not (limit_text.isascii() and limit_text.isdigit() and len(limit_text) <= 9) or not (
            1 <= int(limit_text) <= MAX_LIMIT
        ):
            raise QueryError(f"limit must be an integer 1..{MAX_LIMIT}")
        rows, cursor = await ops.search(query, int(limit_text))
        return {"deliveries": [listed_dict(r) for r in rows], "next_cursor": cursor}

    async def get_delivery(request: Request) -> dict[str, Any]:
        params = request.query_params
        cursor = params.get("attempts_cursor")
        before = parse_id(cursor) if cursor is not None else None
        if cursor is not None and before is None:
            raise QueryError(f"attempts_cursor: {cursor!r} is not a cursor (an attempts_cursor)")
        return await ops.detail(
            delivery_id(request),
            attempts=parse_count(params, "attempts", DETAIL_ATTEMPTS, DETAIL_ATTEMPTS_MAX),
            before=before,
            body_limit=parse_count(params, "body_limit", DETAIL_BODY, DETAIL_BODY_MAX),
        )

    async def replay(request: Request) -> dict[str, Any]:
        d = await ops.replay(delivery_id(request))
        return {"delivery_id": d.id, "status": d.status}

    async def cancel(request: Request) -> dict[str, Any]:
        d = await ops.cancel(delivery_id(request))
        return {"delivery_id": d.id, "status": d.status}

    async def bulk_replay(request: Request) -> Any:
        body = await read_json(request, app.config.server.max_body_bytes)
        if not isinstance(body, dict):
            raise OperationError(400, 'send a JSON object, e.g. {"status": "failed"}')
        unknown = sorted(set(body) - {*FILTERS, "cursor", "dry_run"})
        if unknown:
            known = ", ".join((*FILTERS, "cursor", "dry_run"))
            raise OperationError(400, f"unknown field {unknown[0]!r} (known: {known})")
        dry_run = body.get("dry_run", False)
        if not isinstance(dry_run, bool):
            raise OperationError(400, "dry_run must be true or false")
        params = {k: v for k, v in body.items() if k != "dry_run"}
        for k, v in params.items():
            if not isinstance(v, str):
                raise OperationError(400, f"{k} must be a string")
        if not params.get("status"):
            raise OperationError(
                400,
                'give a status (e.g. "failed"): a bulk replay of every state would '
                "send succeeded deliveries again",
            )
        query = parse_query(params, app.clock.now())
        if dry_run:
            count = await ops.count(query)
            newest = await app.store.search(query, 1)
            pin = str(newest[0].delivery.id + 1) if newest else None
            return {"count": count, "cursor": pin}
        bulk = await ops.bulk_replay(query, params)
        return JSONResponse(progress(bulk), status_code=202)

    async def list_bulk(_request: Request) -> dict[str, Any]:
        return {"replays": [progress(b) for b in await ops.bulks()]}

    async def get_bulk(request: Request) -> dict[str, Any]:
        value = parse_id(request.path_params["id"])
        if value is None:
            raise OperationError(404, f"no bulk replay {request.path_params['id']!r}")
        return progress(await ops.bulk(value))

    async def endpoints(_request: Request) -> dict[str, Any]:
        return {"endpoints": await ops.endpoints()}

    async def enable(request: Request) -> dict[str, Any]:
        name = request.path_params["name"]
        was_disabled = await ops.enable(name)
        return {"endpoint": name, "enabled": True, "was_disabled": was_disabled}

    async def alerts(_request: Request) -> dict[str, Any]:
        return {"alerts": app.alerts.recent() if app.alerts is not None else []}

    async def reload(_request: Request) -> dict[str, Any]:
        problem = await app.reload_config()
        if problem is not None:
            raise OperationError(409, f"config not reloaded, the running one stays: {problem}")
        return {"reloaded": True, "endpoints": list(app.config.endpoints)}

    async def replays(request: Request) -> Any:
        return await (bulk_replay if request.method == "POST" else list_bulk)(request)

    return [
        Route("/deliveries", guarded(list_deliveries), methods=["GET"]),
        Route("/deliveries/{id}", guarded(get_delivery), methods=["GET"]),
        Route("/deliveries/{id}/replay", guarded(replay, 202), methods=["POST"]),
        Route("/deliveries/{id}/cancel", guarded(cancel), methods=["POST"]),
        # One route for both methods, so a wrong method's 405 names both (Allow: GET, POST).
        Route("/replays", guarded(replays), methods=["GET", "POST"]),
        Route("/replays/{id}", guarded(get_bulk), methods=["GET"]),
        Route("/endpoints", guarded(endpoints), methods=["GET"]),
        Route("/endpoints/{name}/enable", guarded(enable), methods=["POST"]),
        Route("/alerts", guarded(alerts), methods=["GET"]),
        Route("/reload", guarded(reload), methods=["POST"]),
    ]
