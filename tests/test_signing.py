import time
from datetime import datetime, timezone

import pytest
from helpers_servers import SECRET, SECRET_2
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

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
        (lambda h, b: (h, b"\xff\xfe"), "does not match"),
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


@given(
    body=st.text(max_size=300),
    msg_id=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1),
)
def test_signatures_match_the_standardwebhooks_library_both_ways(body, msg_id) -> None:
    ts = int(time.time())
    ours = sign(SECRET, body, msg_id=msg_id, timestamp=ts)
    theirs = Webhook(SECRET).sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body)
    assert ours["webhook-signature"] == theirs
    Webhook(SECRET).verify(body, ours, json_parse=False)
    verify([SECRET], body.encode(), ours)


def test_a_body_that_is_not_utf8_is_verified_over_its_bytes() -> None:
    # The signature covers bytes; whether they are JSON is the next check's business (400).
    body = '{"type":"payment.succeeded"}'.encode("utf-16")
    verify([SECRET], body, sign(SECRET, body))


# The exact inputs of issue #12: each carries a signature valid for the canonical timestamp,
# which the library accepts because it reads the header with float().
T = 1_790_000_000


@pytest.mark.parametrize(
    "stamp", [f"{T}.5", f"+{T}", "1.79e9", f" {T}", f"{T} ", f"0{T}", f"{T}.0", "-1", "１２３"]
)
def test_timestamps_must_be_plain_decimal_integers(stamp) -> None:
    headers = {**sign(SECRET, BODY, timestamp=T), "webhook-timestamp": stamp}
    with pytest.raises(SignatureError, match="not a Unix timestamp in seconds"):
        verify([SECRET], BODY, headers, now=T)
    verify([SECRET], BODY, sign(SECRET, BODY, timestamp=T), now=T)  # the canonical one passes
