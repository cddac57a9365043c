"""dodo-transform: run Dodo Payments webhook handlers in QuickJS and deliver the result.

The public surface for testing handlers::

    from dodo_transform import Handler, samples, transform

    d = transform(Handler.from_file("handlers/mailerlite/groups_by_amount.js"),
                  samples.get("payment.succeeded").text, now="2025-08-04T05:30:45Z")
    d.status, d.request.method, d.request.url, d.request.json(), d.logs, d.error
"""

from . import samples
from .sandbox import Limits, Sandbox
from .transform import (
    Decision,
    Handler,
    HandlerError,
    LogLine,
    Request,
    TransformError,
    check_handler,
    transform,
    transform_async,
)

__all__ = [
    "Decision",
    "Handler",
    "HandlerError",
    "Limits",
    "LogLine",
    "Request",
    "Sandbox",
    "TransformError",
    "check_handler",
    "samples",
    "transform",
    "transform_async",
]
