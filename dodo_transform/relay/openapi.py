"""``GET /openapi.json``: the admin API and the receive route, described (OpenAPI 3.1).

Written by hand next to the routes it describes (``admin.py``, ``server.py``); a test
validates the document and runs schemathesis against a live server with it.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from .config import Config
from .operations import DETAIL_ATTEMPTS, DETAIL_ATTEMPTS_MAX, DETAIL_BODY, DETAIL_BODY_MAX
from .query import FILTERS
from .store import STATUSES

__all__ = ["openapi_document"]

_ERROR = {"$ref": "#/components/schemas/Error"}
_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_NUM = {"type": ["number", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Invalid parameters or body",
        401: "Missing or wrong admin token",
        403: "The admin API is disabled (no server.admin_token)",
        404: "No such delivery, endpoint or bulk replay",
        408: "The body did not arrive within 30 s",
        409: "Not possible in the current state",
        413: "Body too large",
        503: "The store is unavailable (or, running a handler, its sandbox process died): "
        "try again",
    }
    return {str(c): _json(_ERROR, text[c]) for c in codes}


_ADMIN = (401, 403, 503)  # 503: the store cannot be reached
# /healthz: the first two for anyone, the rest only with the admin token.
_HEALTH = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "reason": {"type": "string"},
        "backend": {"type": "string"},
        "role": {"type": "string", "enum": ["all", "ingest", "worker"]},
        "in_flight": {"type": "integer"},
        "store_error": _NULLABLE_STR,
        "deliveries": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}
_FILTER_PARAMS: list[dict[str, Any]] = [
    {
        "name": "status",
        "in": "query",
        "schema": {"type": "string", "enum": list(STATUSES)},
        "description": "Only deliveries in this state.",
    },
    {"name": "endpoint", "in": "query", "schema": {"type": "string"}},
    {"name": "event_type", "in": "query", "schema": {"type": "string"}},
    {
        "name": "since",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Received at or after: ISO-8601, epoch seconds, or a duration ago "
        "(30m, 2h, 7d).",
    },
    {
        "name": "until",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Received before (same forms as since).",
    },
    {"name": "customer_email", "in": "query", "schema": {"type": "string"}},
]
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},  # what parse_id reads
    "example": 1,
}


def _schemas() -> dict[str, Any]:
    delivery = {
        "type": "object",
        "required": ["id", "event_id", "endpoint", "status", "attempt_count", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "event_id": {"type": "integer"},
            "endpoint": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "attempt_count": {"type": "integer"},
            "schedule_attempts": {"type": "integer"},
            "next_attempt_at": _NULLABLE_NUM,
            "ordering_key": {"type": "string"},
            "last_error": _NULLABLE_STR,
            "created_at": {"type": "number"},
            "updated_at": {"type": "number"},
            "handler_version": _NULLABLE_STR,
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}},
        },
        "Delivery": delivery,
        "ListedDelivery": {
            "allOf": [
                {"$ref": "#/components/schemas/Delivery"},
                {
                    "type": "object",
                    "properties": {
                        "webhook_id": {"type": "string"},
                        "event_type": _NULLABLE_STR,
                        "http_status": _NULLABLE_INT,
                    },
                },
            ]
        },
        "Attempt": {
            "type": "object",
            "properties": {
                "delivery_id": {"type": "integer"},
                "n": {"type": "integer"},
                "started_at": {"type": "number"},
                "request": {"type": ["object", "null"]},
                "status_code": _NULLABLE_INT,
                "response_body": _NULLABLE_STR,
                "duration_ms": {"type": "number"},
                "error": _NULLABLE_STR,
            },
        },
        "DeliveryDetail": {
            "allOf": [
                {"$ref": "#/components/schemas/Delivery"},
                {
                    "type": "object",
                    "properties": {
                        "transform": {
                            "type": ["object", "null"],
                            "description": "The last transform: status, request, logs, "
                            "warnings (credentials_dropped, idempotency_key_replaced, …), "
                            "error, duration_ms, handler_version",
                        },
                        "event": {"type": "object"},
                        "attempts": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Attempt"},
                            "description": "The latest attempts (see the attempts parameter), "
                            "oldest first. A body longer than body_limit (or than the store's "
                            "max_stored_body_bytes) is cut and carries body_truncated, "
                            "body_bytes and body_sha256 of the whole body.",
                        },
                        "attempts_cursor": {
                            **_NULLABLE_STR,
                            "description": "Pass as attempts_cursor for the older attempts; "
                            "null when these are the first.",
                        },
                    },
                },
            ]
        },
        "StatusChange": {
            "type": "object",
            "required": ["delivery_id", "status"],
            "properties": {
                "delivery_id": {"type": "integer"},
                "status": {"type": "string", "enum": list(STATUSES)},
            },
        },
        "BulkReplayRequest": {
            "type": "object",
            "required": ["status"],
            "additionalProperties": False,
            "properties": {
                **{f: {"type": "string"} for f in FILTERS},
                "status": {"type": "string", "enum": list(STATUSES)},
                "cursor": {
                    "type": "string",
                    "description": "Only deliveries older than this id: the cursor of the "
                    "dry run pins the counted set.",
                },
                "dry_run": {"type": "boolean", "description": "Count only; replay nothing."},
            },
        },
        "BulkReplay": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "filter": {"type": "object"},
                "started_at": {"type": "number"},
                "total": {"type": "integer"},
                "finished": {"type": "integer"},
                "done": {"type": "boolean"},
                "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
                "refused": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "BulkCount": {
            "type": "object",
            "required": ["count"],
            "properties": {"count": {"type": "integer"}, "cursor": _NULLABLE_STR},
        },
        "Endpoint": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "transform": {
                    "type": "object",
                    "description": "The endpoint's use of the transform stage since start: "
                    "handler runs, their sandbox CPU time, mean CPU and queue wait per run, "
                    "runs queued and running now, the most at once, its weight and cap",
                    "properties": {
                        **{
                            k: {"type": "integer"}
                            for k in ("runs", "queued", "running", "peak_running", "cap")
                        },
                        **{
                            k: {"type": "number"}
                            for k in ("cpu_seconds", "mean_cpu_ms", "mean_wait_ms", "weight")
                        },
                    },
                }
            },
        },
        "Alert": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "type": {"type": "string"},
                "payload": {"type": "object"},
                "created_at": {"type": "number"},
                "status": {"type": "string", "enum": ["pending", "sent", "failed"]},
                "attempts": {"type": "integer"},
            },
        },
    }


def _version() -> str:
    try:
        return metadata.version("dodo-transform")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "0+unknown"


def openapi_document(config: Config) -> dict[str, Any]:
    admin: list[dict[str, list[str]]] = [{"adminToken": []}]
    paths: dict[str, Any] = {
        "/webhooks/{endpoint}": {
            "post": {
                "summary": "Receive a Dodo Payments webhook (Standard Webhooks signed)",
                "operationId": "receiveWebhook",
                "parameters": [
                    {
                        "name": "endpoint",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": sorted(config.endpoints)},
                    },
                    *[
                        {"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
                        for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
                    ],
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"status": {"const": "duplicate"}}},
                        "Already received (same webhook-id); nothing added",
                    ),
                    "202": _json(
                        {
                            "type": "object",
                            "properties": {
                                "status": {"enum": ["accepted", "filtered"]},
                                "delivery_id": {"type": "integer"},
                                "reason": {
                                    "type": "string",
                                    "description": "only when filtered: why it is not sent",
                                },
                            },
                        },
                        "Stored durably: delivered after this answer (accepted), or recorded and "
                        "never delivered (filtered: its type is outside the endpoint's events)",
                    ),
                    **_errors(400, 404, 408, 413),
                    "401": _json(_ERROR, "Missing, wrong or expired signature"),
                    "503": _json(
                        _ERROR,
                        "Not stored (the store is unreachable, or this instance has --role "
                        "worker); nothing acknowledged: send it again later",
                    ),
                },
            }
        },
        "/deliveries": {
            "get": {
                "summary": "List deliveries, newest first, filtered and paginated",
                "operationId": "listDeliveries",
                "security": admin,
                "parameters": [
                    *_FILTER_PARAMS,
                    {
                        "name": "cursor",
                        "in": "query",
                        # Empty: the first page, as an absent cursor.
                        "schema": {"type": "string", "pattern": "^([0-9]{1,18})?$"},
                        "description": "next_cursor of the previous page",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["deliveries", "next_cursor"],
                            "properties": {
                                "deliveries": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ListedDelivery"},
                                },
                                "next_cursor": _NULLABLE_STR,
                            },
                        },
                        "A page of deliveries; next_cursor is null on the last page",
                    ),
                    **_errors(400, *_ADMIN),
                },
            }
        },
        "/deliveries/{id}": {
            "get": {
                "summary": "A delivery with its event (headers redacted), transform and attempts",
                "operationId": "getDelivery",
                "security": admin,
                "parameters": [
                    _ID,
                    {
                        "name": "attempts",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": DETAIL_ATTEMPTS_MAX,
                            "default": DETAIL_ATTEMPTS,
                        },
                        "description": "How many of the latest attempts to include.",
                    },
                    {
                        "name": "attempts_cursor",
                        "in": "query",
                        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                        "description": "The attempts_cursor of a previous answer: older ones.",
                    },
                    {
                        "name": "body_limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": DETAIL_BODY_MAX,
                            "default": DETAIL_BODY,
                        },
                        "description": "Bodies (event, requests) longer than this many bytes "
                        "are cut, with their full length and SHA-256.",
                    },
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/DeliveryDetail"}, "The delivery"),
                    **_errors(400, 404, *_ADMIN),
                },
            }
        },
        "/deliveries/{id}/replay": {
            "post": {
                "summary": "Deliver again with a fresh retry schedule (current handler)",
                "operationId": "replayDelivery",
                "security": admin,
                "parameters": [_ID],
                "responses": {
                    "202": _json({"$ref": "#/components/schemas/StatusChange"}, "Pending again"),
                    **_errors(404, 409, *_ADMIN),
                },
            }
        },
        "/deliveries/{id}/cancel": {
            "post": {
                "summary": "Cancel a pending delivery (also one waiting for a retry)",
                "operationId": "cancelDelivery",
                "security": admin,
                "parameters": [_ID],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/StatusChange"}, "Cancelled"),
                    **_errors(404, 409, *_ADMIN),
                },
            }
        },
        "/replays": {
            "post": {
                "summary": "Bulk replay by filter (dry_run counts first)",
                "operationId": "bulkReplay",
                "security": admin,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/BulkReplayRequest"}
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/BulkCount"}, "Dry run: count"),
                    "202": _json({"$ref": "#/components/schemas/BulkReplay"}, "Replaying"),
                    **_errors(400, 413, *_ADMIN),
                },
            },
            "get": {
                "summary": "Recent bulk replays and their progress",
                "operationId": "listBulkReplays",
                "security": admin,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "replays": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/BulkReplay"},
                                }
                            },
                        },
                        "Newest first",
                    ),
                    **_errors(*_ADMIN),
                },
            },
        },
        "/replays/{id}": {
            "get": {
                "summary": "A bulk replay's progress",
                "operationId": "getBulkReplay",
                "security": admin,
                "parameters": [_ID],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/BulkReplay"}, "Progress"),
                    **_errors(404, *_ADMIN),
                },
            }
        },
        "/endpoints": {
            "get": {
                "summary": "Endpoints: config (secrets redacted), handler, state, statistics",
                "operationId": "listEndpoints",
                "security": admin,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "endpoints": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Endpoint"},
                                }
                            },
                        },
                        "Every configured endpoint",
                    ),
                    **_errors(*_ADMIN),
                },
            }
        },
        "/endpoints/{name}/enable": {
            "post": {
                "summary": "Enable an endpoint disabled after continuous failure",
                "operationId": "enableEndpoint",
                "security": admin,
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json({"type": "object"}, "Enabled; pending deliveries resume"),
                    **_errors(404, *_ADMIN),
                },
            }
        },
        "/endpoints/{name}/simulate": {
            "post": {
                "summary": "Run the endpoint's handler (or given code) on a payload; send nothing",
                "operationId": "simulate",
                "security": admin,
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["payload"],
                                "properties": {
                                    "payload": {"type": "object"},
                                    "code": {"type": "string"},
                                    "now": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json({"type": "object"}, "What `dodo-transform test --json` prints"),
                    **_errors(400, 404, 413, 503, *_ADMIN),
                },
            }
        },
        "/api/test": {
            "post": {
                "summary": "Run handler code on built-in samples or an envelope, as "
                "`dodo-transform test --json`",
                "operationId": "testHandler",
                "security": admin,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["code"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "event": {"type": ["string", "null"]},
                                    "payload": {"type": ["object", "null"]},
                                    "url": {"type": ["string", "null"]},
                                    "env": {
                                        "type": ["object", "null"],
                                        "additionalProperties": {"type": "string"},
                                    },
                                    "now": {"type": ["string", "null"]},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"results": {"type": "array"}}},
                        "One `test --json` record per payload",
                    ),
                    **_errors(400, 413, 503, *_ADMIN),
                },
            }
        },
        "/alerts": {
            "get": {
                "summary": "Recent operational webhooks (alerts) and their delivery",
                "operationId": "listAlerts",
                "security": admin,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "alerts": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Alert"},
                                }
                            },
                        },
                        "Newest first",
                    ),
                    **_errors(*_ADMIN),
                },
            }
        },
        "/reload": {
            "post": {
                "summary": "Read the config file again (as SIGHUP does)",
                "operationId": "reloadConfig",
                "security": admin,
                "responses": {
                    "200": _json({"type": "object"}, "Reloaded"),
                    **_errors(409, *_ADMIN),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Readiness: the store answers and the worker runs (details with"
                " the admin token)",
                "operationId": "health",
                "description": "Public: only `status` (and `reason` when not serving). With "
                "the admin token also `backend`, `role`, `in_flight`, `store_error` and "
                "`deliveries` (counts by state).",
                "security": [{}, {"adminToken": []}],
                "responses": {
                    "200": _json(_HEALTH, "Serving"),
                    "503": _json(_HEALTH, "Not serving"),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (text format)",
                "operationId": "metrics",
                "responses": {
                    "200": {
                        "description": "Metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_errors(*_ADMIN),
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dodo-transform relay",
            "version": _version(),
            "description": "Receives Dodo Payments webhooks and delivers them transformed; "
            "the admin API needs `Authorization: Bearer <server.admin_token>`.",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        },
    }
