"""Standard Webhooks signatures (what Dodo sends).

``verify`` accepts a body when any configured secret matches (rotation) and the timestamp is
within ±5 minutes. It checks the HMAC over the raw body bytes, as the specification signs
them (the ``standardwebhooks`` library takes text, so it cannot verify a body that is not
UTF-8, and it reads the timestamp with ``float()``, so ``T.5``, ``+T`` or ``1.79e9`` would
pass: here the timestamp must be plain decimal digits, exactly the text that was signed).
``sign`` produces the headers Dodo would send; ``send-sample``, alerts and the tests use it
(tests/test_signing.py checks both against the library).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
TOLERANCE = 5 * 60  # seconds either side of the server's clock
# Seconds since the epoch as Dodo writes them: decimal digits, no sign, point, exponent,
# spaces or leading zero. (15 digits are far beyond any clock within the tolerance.)
_TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,14}")


class SignatureError(Exception):
    """The request is not a validly signed webhook; the message says why."""


def verify(
    secrets: Sequence[str], body: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> None:
    """Raise :class:`SignatureError` unless ``body`` is signed by one of ``secrets`` within
    the tolerance of ``now`` (default: the system clock, as Dodo's signer uses)."""
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in REQUIRED_HEADERS if not lower.get(h)]
    if missing:
        raise SignatureError(f"missing header(s): {', '.join(missing)}")
    msg_id, stamp = lower["webhook-id"], lower["webhook-timestamp"]
    if not _TIMESTAMP.fullmatch(stamp):
        raise SignatureError(
            f"webhook-timestamp {stamp[:40]!r} is not a Unix timestamp in seconds "
            "(plain decimal digits, e.g. 1733011200)"
        )
    skew = int(stamp) - (time.time() if now is None else now)
    if abs(skew) > TOLERANCE:
        direction = "too old" if skew < 0 else "too new"
        raise SignatureError(
            f"message timestamp {direction}: webhook-timestamp must be within 5 minutes "
            "of the server's clock"
        )
    given = _signatures(lower["webhook-signature"])
    for secret in secrets:
        expected = _digest(secret, msg_id, stamp, body)
        if any(hmac.compare_digest(expected, sig) for sig in given):
            return
    raise SignatureError(
        "signature does not match any configured secret (wrong secret or altered body)"
    )


def _signatures(header: str) -> list[bytes]:
    """The ``v1`` signatures of a ``webhook-signature`` header (space-separated entries)."""
    out: list[bytes] = []
    for entry in header.split(" "):
        version, comma, value = entry.partition(",")
        if not comma:
            raise SignatureError(
                "malformed webhook-signature header (expected 'v1,<base64>' entries)"
            )
        if version != "v1":
            continue  # another scheme (e.g. v1a, asymmetric) is not ours to check
        try:
            out.append(base64.b64decode(value))
        except (binascii.Error, ValueError):
            pass  # cannot match; another entry may
    return out


def _digest(secret: str, msg_id: str, stamp: str, body: bytes) -> bytes:
    """HMAC-SHA256 of ``id.timestamp.body`` under a ``whsec_<base64>`` secret (its key read
    as the ``standardwebhooks`` library reads it)."""
    key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    signed = f"{msg_id}.{stamp}.".encode("utf-8", "surrogateescape") + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(
    secret: str,
    body: bytes | str,
    *,
    msg_id: str | None = None,
    timestamp: float | None = None,
) -> dict[str, str]:
    """The three ``webhook-*`` headers for ``body``, as Dodo would send them."""
    data = body.encode() if isinstance(body, str) else body
    msg_id = msg_id or f"msg_{_secrets.token_hex(12)}"
    stamp = str(int(time.time() if timestamp is None else timestamp))
    signature = base64.b64encode(_digest(secret, msg_id, stamp, data)).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature}",
    }
