"""Standard Webhooks signatures (what Dodo sends), via the ``standardwebhooks`` library.

``verify`` accepts a body when any configured secret matches (rotation) and the timestamp is
within the library's ±5 minutes. ``sign`` produces the headers Dodo would send; ``send-sample``
and the tests use it.
"""

from __future__ import annotations

import binascii
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class SignatureError(Exception):
    """The request is not a validly signed webhook; the message says why."""


def verify(secrets: Sequence[str], body: bytes, headers: Mapping[str, str]) -> None:
    """Raise :class:`SignatureError` unless ``body`` is signed by one of ``secrets``."""
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in REQUIRED_HEADERS if not lower.get(h)]
    if missing:
        raise SignatureError(f"missing header(s): {', '.join(missing)}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("body is not UTF-8, so it cannot carry a valid signature") from None
    wanted = {h: lower[h] for h in REQUIRED_HEADERS}
    last = "no matching signature"
    for secret in secrets:
        try:
            Webhook(secret).verify(text, wanted, json_parse=False)
            return
        except WebhookVerificationError as e:
            last = str(e)
            if "timestamp" in last.lower() or "header" in last.lower():
                break  # the same for every secret
        except (ValueError, binascii.Error, OverflowError):
            # The library unpacks "v1,<b64>" entries without checking their shape.
            last = "malformed webhook-signature header (expected 'v1,<base64>' entries)"
            break
    raise SignatureError(_explain(last))


def sign(
    secret: str,
    body: bytes | str,
    *,
    msg_id: str | None = None,
    timestamp: float | None = None,
) -> dict[str, str]:
    """The three ``webhook-*`` headers for ``body``, as Dodo would send them."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    msg_id = msg_id or f"msg_{_secrets.token_hex(12)}"
    ts = int(time.time() if timestamp is None else timestamp)
    when = datetime.fromtimestamp(ts, tz=timezone.utc)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": Webhook(secret).sign(msg_id, when, text),
    }


def _explain(message: str) -> str:
    m = message.lower()
    if "too old" in m or "too new" in m:
        return f"{message}: webhook-timestamp must be within 5 minutes of the server's clock"
    if "no matching" in m:
        return "signature does not match any configured secret (wrong secret or altered body)"
    if "invalid signature headers" in m:
        return "webhook-timestamp is not a Unix timestamp in seconds"
    return message
