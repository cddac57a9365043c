"""What the relay puts on the wire around a handler's request: whom the endpoint's credentials
may reach, and the headers a target dedupes and verifies with.

Credential scoping (:func:`scope_credentials`) runs on the request as the handler addressed
it, before ``rewrite_urls``: the endpoint's configured headers, and any ``user:password@`` in
the URL, go only to the hosts of its ``credential_scope``. Elsewhere they are dropped with a
warning, or (``off_scope_credentials = "error"``) the delivery fails closed.

Stamping (:func:`stamp`) runs just before each attempt is sent:

- ``webhook-id``: the id of the event Dodo sent, the same on every attempt and replay;
- ``webhook-timestamp``: the event's own timestamp as Dodo sent it; with a
  ``signing_secret``, the time of this attempt instead, which is what the signature covers
  and what a Standard Webhooks receiver checks against its clock (±5 minutes): a retry hours
  later must still verify;
- ``webhook-signature`` (with a ``signing_secret``): Standard Webhooks ``v1`` over
  ``{webhook-id}.{webhook-timestamp}.{body as sent}``;
- ``Idempotency-Key``: :func:`idempotency_key` of (endpoint, event, request index).

These are the relay's: a handler cannot set ``webhook-*`` (a ``forbidden_header`` error), and
its own ``Idempotency-Key`` is replaced, with a warning on the delivery.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..sandbox import TransformError
from ..transform import Decision, Request
from .signing import sign
from .store import Event

if TYPE_CHECKING:  # config reads URLs with strip_userinfo
    from .config import EndpointConfig

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Every header the relay stamps; a handler's own of the same name (any case) is replaced.
STAMPED = frozenset({"idempotency-key", "webhook-id", "webhook-timestamp", "webhook-signature"})


class CredentialScopeError(Exception):
    """The handler addressed a host outside the credential scope (``"error"`` mode)."""


@dataclass(frozen=True)
class Scoped:
    """The request with only what it may carry to its host, and what was dropped, why."""

    request: Request
    warnings: tuple[dict[str, str], ...] = ()


def idempotency_key(endpoint: str, webhook_id: str, index: int = 0) -> str:
    """The key of one delivery: endpoint + event + the handler's request index (a handler
    makes one request per event today: 0). Retries and replays keep it; the same event on
    another endpoint gets another key. Opaque, ASCII, 43 characters."""
    digest = hashlib.sha256(f"{endpoint}\n{webhook_id}\n{index}".encode()).hexdigest()
    return f"dt_{digest[:40]}"


def strip_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without its ``user:password@``, and that as the value of a Basic
    ``Authorization`` header (None when the URL has none), as an HTTP client would send it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return parts._replace(netloc=hostport).geturl(), f"Basic {token}"


def scope_credentials(request: Request, ep: EndpointConfig) -> Scoped:
    """``request`` with the endpoint's credentials only where they may go, and no userinfo
    in its URL (in scope, it is sent as Basic ``Authorization``, as a client would)."""
    parts = urlsplit(request.url)
    host = (parts.hostname or "").lower()
    in_scope = host in ep.credential_scope
    headers = dict(request.headers)
    dropped: list[str] = []
    if not in_scope:
        for name, value in ep.headers.items():
            # A header of that name the handler set itself (another value) is its own.
            for k in [k for k, v in headers.items() if k.lower() == name.lower() and v == value]:
                del headers[k]
                dropped.append(k)
    url, basic = strip_userinfo(request.url)
    if basic is not None:
        if in_scope and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = basic
        else:
            dropped.append("the URL's user:password")
    if not dropped:
        return Scoped(replace(request, url=url, headers=headers))
    scope = ", ".join(sorted(ep.credential_scope))
    if in_scope:  # userinfo beside an Authorization header: the header wins
        message = f"not sent: {dropped[0]} (the request has an Authorization header already)"
    else:
        message = (
            f"{host} is outside the endpoint's credential scope ({scope}): not sent: "
            f"{', '.join(dropped)}; add the host to credential_hosts to send them there"
        )
        if ep.off_scope_credentials == "error":
            raise CredentialScopeError(message)
    warning = {"code": "credentials_dropped", "message": message, "path": "url"}
    return Scoped(replace(request, url=url, headers=headers), (warning,))


def scope_decision(decision: Decision, ep: EndpointConfig) -> Decision:
    """``decision`` as it may be sent: its request scoped, with the warnings, or the
    ``credential_scope`` error. The dispatcher and the admin API's simulate use it."""
    if decision.request is None:
        return decision
    try:
        scoped = scope_credentials(decision.request, ep)
    except CredentialScopeError as e:
        error = TransformError("credential_scope", str(e))
        return replace(decision, status="error", request=None, error=error)
    except ValueError as e:  # a URL the contract checks let through but that cannot be split
        return replace(
            decision, status="error", request=None, error=TransformError("invalid_url", str(e))
        )
    return replace(decision, request=scoped.request, warnings=decision.warnings + scoped.warnings)


def stamp(request: Request, ep: EndpointConfig, event: Event, now: float) -> Scoped:
    """``request`` with the relay's headers (see the module); a handler's own
    ``Idempotency-Key`` is replaced, with a warning."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in STAMPED}
    replaced = len(headers) < len(request.headers)
    headers[IDEMPOTENCY_HEADER] = idempotency_key(ep.name, event.webhook_id)
    if ep.signing_secret:
        headers.update(
            sign(ep.signing_secret, request.body, msg_id=event.webhook_id, timestamp=now)
        )
    else:
        headers["webhook-id"] = event.webhook_id
        original = {k.lower(): v for k, v in event.headers.items()}.get("webhook-timestamp")
        headers["webhook-timestamp"] = original or str(int(event.received_at))
    warnings: tuple[dict[str, str], ...] = ()
    if replaced:
        warnings = (
            {
                "code": "idempotency_key_replaced",
                "message": "the Idempotency-Key the handler (or the endpoint's headers) set "
                "was replaced by the relay's, which stays the same across retries and replays",
                "path": "headers.Idempotency-Key",
            },
        )
    return Scoped(replace(request, headers=headers), warnings)
