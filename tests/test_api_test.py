"""`POST /api/test` in `serve`: the same records as `dodo-transform test --json`, behind the
admin token. A real server (uvicorn on 127.0.0.1), the real CLI in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers_servers import HTTP, write_config

from dodo_transform import samples
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.serving import ServerThread

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_HANDLERS = sorted((ROOT / "handlers" / "mailerlite").glob("*.js"))
ADMIN = {"Authorization": "Bearer admin-token"}
NOW = "2025-08-04T05:30:45Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api")
    config = load_config(write_config(tmp, "http://127.0.0.1:9"))
    with ServerThread(create_app(config, run_worker=False)) as s:
        yield s


def api(server, body, headers=ADMIN) -> httpx.Response:
    return HTTP.post(f"{server.url}/api/test", json=body, headers=headers, timeout=60)


def without_timing(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "duration_ms"} for r in records]


@pytest.mark.parametrize("handler", DOCUMENT_HANDLERS, ids=lambda p: p.stem)
def test_api_and_cli_give_identical_records_for_every_sample(server, tmp_path, handler):
    # The CLI names the handler by the path given; run it as `handler.js`, the API's name.
    shutil.copy(handler, tmp_path / "handler.js")
    cli = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", "handler.js", "--json", "--now", NOW],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    from_cli = [json.loads(line) for line in cli.stdout.splitlines()]
    r = api(server, {"code": handler.read_text(), "now": NOW})
    assert r.status_code == 200, r.text
    from_api = r.json()["results"]
    assert [x["payload_file"] for x in from_api] == samples.names()
    assert without_timing(from_api) == without_timing(from_cli)
    # Same keys in the same order: the same serialisation, byte for byte, but the timing.
    assert [json.dumps(x) for x in without_timing(from_api)] == [
        json.dumps(x) for x in without_timing(from_cli)
    ]


def test_one_event_a_posted_envelope_url_env_and_now(server):
    code = (
        "function handler(w) { w.url = w.url + '/' + w.env.LIST;"
        " w.payload = {at: new Date().toISOString(), type: w.eventType}; return w; }"
    )
    r = api(
        server,
        {
            "code": code,
            "event": "refund.failed",
            "url": "https://example.com/x",
            "env": {"LIST": "7"},
            "now": NOW,
        },
    )
    assert r.status_code == 200, r.text
    (record,) = r.json()["results"]
    assert record["payload_file"] == "refund.failed"
    assert record["request"]["url"] == "https://example.com/x/7"
    assert json.loads(record["request"]["body"]) == {
        "at": "2025-08-04T05:30:45.000Z",
        "type": "refund.failed",
    }
    envelope = samples.get("payment.succeeded").payload | {"type": "payment.succeded"}
    r = api(server, {"code": code, "payload": envelope, "env": {"LIST": "1"}})
    (record,) = r.json()["results"]
    assert record["payload_file"] is None and record["event_type"] == "payment.succeded"
    assert [w["code"] for w in record["warnings"]] == ["unknown_event_type"]


def test_the_admin_token_guards_it(server, tmp_path):
    body = {"code": "function handler(w) { return w; }", "event": "refund.failed"}
    missing = api(server, body, headers={})
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["error"]
    wrong = api(server, body, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401  # said apart: a token was given, and it is not this one
    assert wrong.json()["error"] == "the bearer token is not this server's [server] admin_token"
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", admin_token=None))
    with ServerThread(create_app(config, run_worker=False)) as s:
        assert api(s, body).status_code == 403


@pytest.mark.parametrize(
    "body,status,message",
    [
        (
            {"code": "function handler(w) { return w }\n//" + "x" * 60_000},
            413,
            "must be 10..51,200",
        ),
        ({"code": "x"}, 400, "must be 10..51,200"),
        ({"event": "refund.failed"}, 400, "code must be a string"),
        (
            {"code": "function handler(w) { return w }", "event": "nope"},
            400,
            "no built-in sample 'nope'",
        ),
        (
            {"code": "function handler(w) { return w }", "payload": [1]},
            400,
            "Dodo webhook envelope",
        ),
        (
            {"code": "function handler(w) { return w }", "now": "yesterday"},
            400,
            "now: not an ISO-8601",
        ),
        ({"code": "function handler(w) { return w }", "env": {"A": 1}}, 400, "env must be"),
        ({"code": "function handler(w) { return w }", "cod": 1}, 400, "unknown key(s) cod"),
        (
            {"code": "function handler(w) { return w }", "event": "refund.failed", "payload": {}},
            400,
            "not both",
        ),
    ],
)
def test_mistakes_get_a_clear_one_line_error(server, body, status, message):
    r = api(server, body)
    assert r.status_code == status
    assert message in r.json()["error"]


def test_a_payload_with_nan_is_refused_as_serve_refuses_it(server):
    body = b'{"code": "function handler(w) { return w }", "payload": {"type": "x", "n": NaN}}'
    r = HTTP.post(f"{server.url}/api/test", content=body, headers=ADMIN, timeout=60)
    assert r.status_code == 400 and "payload holds NaN or Infinity" in r.json()["error"]


def test_a_body_that_is_not_json_or_too_large(server):
    r = HTTP.post(f"{server.url}/api/test", content=b"{", headers=ADMIN)
    assert r.status_code == 400 and r.json()["error"].startswith("body is not valid JSON")
    r = HTTP.post(f"{server.url}/api/test", content=b" " * (3 * 1024 * 1024), headers=ADMIN)
    assert r.status_code == 413 and "larger than" in r.json()["error"]


LONE_SURROGATE = (
    "function handler(w) {\n"
    '  console.log("lone \\ud800 half", {k: "\\udfff"});\n'
    '  w.payload = {name: "a\\ud800b", ok: "é"};\n'
    "  return w;\n"
    "}\n"
)


def test_a_lone_surrogate_in_a_handlers_output_is_escaped_not_a_traceback(server, tmp_path):
    """JavaScript strings may hold half a UTF-16 pair, which UTF-8 has no bytes for: the
    JSON written escapes it as JSON.stringify does, the human output shows the escape."""
    (tmp_path / "handler.js").write_text(LONE_SURROGATE)
    test = [
        sys.executable,
        "-m",
        "dodo_transform",
        "test",
        "handler.js",
        "--event",
        "refund.failed",
    ]

    def cli(*args: str) -> str:
        r = subprocess.run(
            test + list(args), cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert r.returncode == 0 and not r.stderr, r.stderr
        return r.stdout

    (from_cli,) = [json.loads(line) for line in cli("--json", "--now", NOW).splitlines()]
    r = api(server, {"code": LONE_SURROGATE, "event": "refund.failed", "now": NOW})
    assert r.status_code == 200, r.text
    (from_api,) = r.json()["results"]
    assert without_timing([from_api]) == without_timing([from_cli])
    assert from_cli["logs"][0]["message"].startswith("lone \ud800 half")
    assert json.loads(from_cli["request"]["body"]) == {"name": "a\ud800b", "ok": "é"}
    shown = cli()
    assert "lone \\ud800 half" in shown and "é" in shown
