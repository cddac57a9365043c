import time

import pytest
from helpers_servers import SECRET, SECRET_2

from dodo_transform.relay.signing import SignatureError, sign, verify

BODY = b'{"type":"payment.succeeded","data":{}}'


def test_roundtrip_accepts_a_signed_body() -> None:
    verify([SECRET], BODY, sign(SECRET, BODY))


def test_rotated_second_secret_is_accepted() -> None:
    verify([SECRET, SECRET_2], BODY, sign(SECRET_2, BODY))


def test_signature_header_with_several_entries_matches_any() -> None:
    headers = sign(SECRET, BODY, msg_id="msg_1", timestamp=time.time())
    other = sign(SECRET_2, BODY, msg_id="msg_1", timestamp=float(headers["webhook-timestamp"]))
    headers["webhook-signature"] = other["webhook-signature"] + " " + headers["webhook-signature"]
    verify([SECRET], BODY, headers)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda h, b: (sign(SECRET_2, b), b), "does not match"),
        (lambda h, b: (h, b + b" "), "does not match"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), "missing"),
        (lambda h, b: ({}, b), "missing header(s): webhook-id, webhook-timestamp"),
        (lambda h, b: (sign(SECRET, b, timestamp=time.time() - 360), b), "too old"),
        (lambda h, b: (sign(SECRET, b, timestamp=time.time() + 360), b), "too new"),
        (lambda h, b: ({**h, "webhook-signature": "garbage"}, b), "malformed"),
        (lambda h, b: ({**h, "webhook-signature": "v1,%%%"}, b), "does not match"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), "Unix timestamp"),
        (lambda h, b: ({**h, "webhook-timestamp": "nan"}, b), "Unix timestamp"),
        (lambda h, b: (h, b"\xff\xfe"), "not UTF-8"),
    ],
    ids=[
        "wrong-secret",
        "tampered",
        "no-signature",
        "no-headers",
        "6-min-old",
        "6-min-ahead",
        "no-version",
        "bad-base64",
        "bad-timestamp",
        "nan-timestamp",
        "not-utf8",
    ],
)
def test_rejections_say_why(mutate, reason) -> None:
    headers, body = mutate(sign(SECRET, BODY), BODY)
    with pytest.raises(SignatureError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        verify([SECRET], body, headers)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.upper(): v for k, v in sign(SECRET, BODY).items()}
    verify([SECRET], BODY, headers)
