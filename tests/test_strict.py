"""Issue #12 point 5, strict at the door: each input the issue found getting past it, as given.

Real servers on 127.0.0.1, a real SQLite file, the real CLI in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers_servers import SECRET, Target, write_config

from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.serving import ServerThread
from dodo_transform.testing import PayloadError, payloads

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"Authorization": "Bearer admin-token"}
IDENTITY_HANDLER = str(ROOT / "handlers" / "mailerlite" / "add_customer_on_payment.js")


@pytest.fixture
def target():
    with Target() as t:
        yield t


@pytest.fixture
def server(tmp_path, target):
    config = load_config(write_config(tmp_path, target.url))
    with ServerThread(create_app(config)) as srv:
        yield srv


def stored(tmp_path: Path) -> dict[str, int]:
    store = SqliteStore(tmp_path / "store.db")
    try:
        return store.counts()
    finally:
        store.close()


def post_signed(server: ServerThread, body: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/webhooks/test", content=body, headers=sign(SECRET, body))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodo_transform", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


# -- 1. RFC 8259 JSON only -------------------------------------------------------------------

ENVELOPE = '{"type":"payment.succeeded","data":{"total_amount":%s}}'
NOT_JSON = {
    "NaN": ((ENVELOPE % "NaN").encode(), "NaN at byte 51"),
    "Infinity": ((ENVELOPE % "Infinity").encode(), "Infinity at byte 51"),
    "-Infinity": ((ENVELOPE % "-Infinity").encode(), "-Infinity at byte 51"),
    "utf-16-bom": ((ENVELOPE % 1).encode("utf-16"), "UTF-16 byte order mark"),
    "utf-16-be": ((ENVELOPE % 1).encode("utf-16-be"), "NUL byte at byte 0"),
    "utf-16-le": ((ENVELOPE % 1).encode("utf-16-le"), "NUL byte at byte 1"),
    "utf-32-bom": ((ENVELOPE % 1).encode("utf-32"), "UTF-32 byte order mark"),
    "utf-32-be": ((ENVELOPE % 1).encode("utf-32-be"), "NUL byte at byte 0"),
    "utf-32-le": ((ENVELOPE % 1).encode("utf-32-le"), "NUL byte at byte 1"),
    "utf-8-bom": (b"\xef\xbb\xbf" + (ENVELOPE % 1).encode(), "UTF-8 byte order mark"),
    "latin-1": ('{"type":"payment.succeeded","data":{"name":"José"}}'.encode("latin-1"), "0xe9"),
}


@pytest.mark.parametrize("body, reason", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_ingest_takes_rfc8259_utf8_json_only(server, tmp_path, body, reason) -> None:
    r = post_signed(server, body)
    assert r.status_code == 400, r.text
    message = r.json()["error"]
    assert message.startswith("body is not RFC 8259 JSON: ") and reason in message
    assert stored(tmp_path) == {}  # refused before anything is stored
    # The same envelope as RFC 8259 JSON in UTF-8 is taken.
    assert post_signed(server, (ENVELOPE % 1).encode()).status_code == 202


def test_a_string_that_says_nan_is_fine(server) -> None:
    body = b'{"type":"payment.succeeded","data":{"note":"NaN or -Infinity"}}'
    assert post_signed(server, body).status_code == 202


def test_payload_files_follow_the_same_rule_in_the_api_and_the_cli(tmp_path) -> None:
    nan = tmp_path / "nan.json"
    nan.write_bytes((ENVELOPE % "NaN").encode())
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes((ENVELOPE % 1).encode("utf-16"))
    with pytest.raises(PayloadError, match=r"nan.json: not RFC 8259 JSON: NaN at byte 51$"):
        payloads(files=[nan])
    with pytest.raises(PayloadError, match="UTF-16 byte order mark"):
        payloads(files=[utf16])
    for path, reason in ((nan, "NaN at byte 51"), (utf16, "starts with a UTF-16 byte")):
        r = cli("test", IDENTITY_HANDLER, "--payload", str(path))
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert f"{path}: not RFC 8259 JSON: {reason}" in r.stderr
        assert "SyntaxError" not in r.stdout + r.stderr and "Traceback" not in r.stderr


# -- 2. Timestamps are plain decimal integers -------------------------------------------------

BODY = (ENVELOPE % 2900).encode()


# Spaces around the value never reach the app (HTTP strips them; test_signing.py has them);
# a space inside does.
@pytest.mark.parametrize("form", ["{T}.5", "+{T}", "{e}", "{h} {t}", "0{T}"])
def test_non_canonical_timestamps_are_refused(server, tmp_path, form) -> None:
    t = int(time.time())
    # "1.79e9" as the issue wrote it, at the time of this run: 3 significant digits would be
    # minutes away from now, so the exponent form here names the exact second.
    stamp = form.format(T=t, e=f"{t / 1e9:.9f}e9", h=str(t)[:5], t=str(t)[5:])
    headers = {**sign(SECRET, BODY, timestamp=t), "webhook-timestamp": stamp}
    r = httpx.post(f"{server.url}/webhooks/test", content=BODY, headers=headers)
    assert r.status_code == 401, r.text
    assert "is not a Unix timestamp in seconds (plain decimal digits" in r.json()["error"]
    assert stored(tmp_path) == {}
