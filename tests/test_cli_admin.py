"""The operator's commands against a running server: ``deliveries`` (columns, filters,
``--json``, ``show``), ``replay --wait``, bulk ``replay``, ``cancel``, ``endpoints`` — and
without the endpoints' secrets in the environment."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from helpers_servers import HTTP, SECRET, Reply, Target, wait_for, write_config

from dodo_transform import samples
from dodo_transform.cli import main
from dodo_transform.relay.config import load_config
from dodo_transform.relay.handlers import handler_version
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread
from dodo_transform.transform import Handler

SECRET_VAR = "DODO_TEST_WEBHOOK_SECRET"


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A server whose config reads its webhook secret from a variable the CLI never sees."""
    monkeypatch.delenv(SECRET_VAR, raising=False)
    with Target() as target:
        path = write_config(tmp_path, target.url, secrets=(f"${{{SECRET_VAR}}}",))
        config = load_config(path, environ={SECRET_VAR: SECRET})
        with ServerThread(create_app(config)) as server:
            yield server, target, path


def post(server: ServerThread, event_type: str = "payment.succeeded") -> int:
    body = samples.get(event_type).text.encode()
    r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=sign(SECRET, body))
    return int(r.json()["delivery_id"])


def run(capsys, config: Path, server: ServerThread, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--config", str(config), "--url", server.url])
    out, err = capsys.readouterr()
    return code, out, err


def test_deliveries_show_time_event_type_and_http_status_and_filter(rig, capsys) -> None:
    server, target, config = rig
    target.responder = lambda got: (
        Reply(500) if json.loads(got.body)["type"] == "refund.succeeded" else None
    )
    paid, refund = post(server), post(server, "refund.succeeded")
    wait_for(lambda: len(target.received) == 5)  # the refund: 1 attempt and 3 retries
    code, out, err = run(capsys, config, server, "deliveries")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[:6] == ["id", "received", "(UTC)", "endpoint", "event", "type"]
    assert rows[0].split()[0] == str(refund)
    assert "refund.succeeded" in rows[0] and "failed" in rows[0] and " 500 " in rows[0]
    assert "payment.succeeded" in rows[1] and " 200 " in rows[1]
    assert time.strftime("%Y-%m-%d", time.gmtime()) in rows[1]
    code, out, _ = run(
        capsys, config, server, "deliveries", "--event", "refund.succeeded", "--json"
    )
    assert [d["id"] for d in json.loads(out)] == [refund]
    code, out, _ = run(capsys, config, server, "deliveries", "--since", "1h", "--json")
    assert [d["id"] for d in json.loads(out)] == [refund, paid]
    code, out, _ = run(capsys, config, server, "deliveries", "--until", "1h", "--json")
    assert json.loads(out) == []
    code, _, err = run(capsys, config, server, "deliveries", "--since", "soonish")
    assert code == 1 and "since: 'soonish' is not a time" in err


def test_a_long_endpoint_name_widens_its_column_and_the_others_stay_in_line(
    tmp_path, capsys
) -> None:
    name = "mailerlite-customer-fields-for-the-eu-store"  # longer than the column's default
    with Target() as target:
        path = write_config(tmp_path, target.url, name=name)
        with ServerThread(create_app(load_config(path))) as server:
            body = samples.get("payment.succeeded").text.encode()
            HTTP.post(f"{server.url}/webhooks/{name}", content=body, headers=sign(SECRET, body))
            wait_for(lambda: target.received)
            _, out, _ = run(capsys, path, server, "deliveries")
            header, row = out.splitlines()
            assert header.index("event type") == row.index("payment.succeeded")
            _, out, _ = run(capsys, path, server, "endpoints")
            header, row = out.splitlines()
            assert header.index("state") == row.index("enabled")


def test_deliveries_show_prints_the_attempts_and_transform_output(rig, capsys) -> None:
    server, target, config = rig
    source = 'function handler(w) { console.log("sending", w.eventType); return w; }'
    (config.parent / "handler.js").write_text(source)
    version = handler_version(Handler(source))

    def loaded() -> str:
        r = HTTP.get(f"{server.url}/endpoints", headers={"Authorization": "Bearer admin-token"})
        return str(r.json()["endpoints"][0]["handler"]["version"])

    wait_for(lambda: loaded() == version)  # the watcher loaded the edit
    target.default = Reply(201, '{"id":"7"}')
    d = post(server)
    wait_for(lambda: len(target.received) == 1)
    code, out, err = run(capsys, config, server, "deliveries", "show", str(d))
    assert code == 0, err
    assert f"delivery {d}  succeeded  endpoint test" in out
    assert "console.log: sending payment.succeeded" in out
    assert "HTTP 201" in out and 'response  {"id":"7"}' in out
    assert f"POST {target.url}/hook" in out
    code, out, _ = run(capsys, config, server, "deliveries", "show", str(d), "--json")
    assert json.loads(out)["attempts"][0]["status_code"] == 201
    code, _, err = run(capsys, config, server, "deliveries", "show", "999")
    assert code == 1 and err == "dodo-transform: no delivery 999\n"


def test_replay_wait_prints_the_outcome(rig, capsys) -> None:
    server, target, config = rig
    target.default = Reply(422, '{"message":"nope"}')
    d = post(server)
    wait_for(lambda: len(target.received) == 1)
    target.default = Reply(200)
    code, out, err = run(capsys, config, server, "replay", str(d), "--wait")
    assert code == 0, err
    assert out.splitlines() == [f"delivery {d}: pending", f"delivery {d}: succeeded (HTTP 200)"]
    target.default = Reply(422, '{"message":"nope"}')
    code, out, _ = run(capsys, config, server, "replay", str(d), "--wait")
    assert code == 1 and "failed (HTTP 422): HTTP 422: not retried" in out


def test_bulk_replay_by_filter_asks_then_replays(rig, capsys) -> None:
    server, target, config = rig
    target.default = Reply(500)
    made = [post(server) for _ in range(3)]  # the same customer: delivered one after another
    wait_for(lambda: len(target.received) == 12)  # 4 attempts each
    code, _, err = run(capsys, config, server, "replay", "--status", "failed")
    assert code == 2 and "3 deliveries match status=failed; add --yes" in err
    target.default = Reply(200)
    code, out, err = run(
        capsys, config, server, "replay", "--status", "failed", "--since", "1h", "--yes", "--wait"
    )
    assert code == 0, err
    assert out.splitlines()[-1].endswith(": 3 succeeded")
    assert len(target.received) == 15 and len(made) == 3
    code, out, _ = run(capsys, config, server, "replay", "--status", "failed", "--yes")
    assert (code, out) == (0, "no delivery matches status=failed\n")
    code, _, err = run(capsys, config, server, "replay", "--endpoint", "test")
    assert code == 2 and "needs --status" in err
    code, _, err = run(capsys, config, server, "replay", "1", "--status", "failed")
    assert code == 2 and "not both" in err


def test_cancel_and_endpoints(rig, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    server, target, config = rig
    target.default = Reply(503)
    config.write_text(config.read_text().replace("[0.2, 0.2, 0.2]", "[3600]"))
    monkeypatch.setenv(SECRET_VAR, SECRET)  # the server's environment, not the CLI's
    r = HTTP.post(f"{server.url}/reload", headers={"Authorization": "Bearer admin-token"})
    assert r.status_code == 200, r.text
    monkeypatch.delenv(SECRET_VAR)
    d = post(server)
    wait_for(lambda: len(target.received) == 1)
    code, out, err = run(capsys, config, server, "cancel", str(d))
    assert (code, out) == (0, f"delivery {d}: cancelled\n"), err
    code, _, err = run(capsys, config, server, "cancel", str(d))
    assert code == 1 and "only a pending delivery" in err
    code, out, err = run(capsys, config, server, "endpoints")
    assert code == 0, err
    assert out.splitlines()[1].split()[:2] == ["test", "enabled"]
    assert "cpu s" in out.splitlines()[0]
    # One handler run so far: its sandbox CPU seconds, a number (two decimals) in its column.
    assert re.fullmatch(r"\d+\.\d\d", out.splitlines()[1].split()[5])
    code, out, _ = run(capsys, config, server, "endpoints", "enable", "test")
    assert out == "endpoint test: was not disabled\n"
    code, _, err = run(capsys, config, server, "endpoints", "enable", "nope")
    assert code == 1 and "no endpoint 'nope'" in err


def test_send_sample_alone_needs_the_secret(rig, capsys) -> None:
    server, _, config = rig
    code, _, err = run(
        capsys, config, server, "send-sample", "payment.succeeded", "--endpoint", "test"
    )
    assert code == 2 and f"environment variable {SECRET_VAR} is not set" in err


def test_send_sample_needs_only_the_secret_not_the_endpoints_other_variables(
    tmp_path, capsys, monkeypatch
) -> None:
    # The target's API key is serve's business: whoever sends a sample need not have it.
    monkeypatch.setenv(SECRET_VAR, SECRET)
    monkeypatch.delenv("DODO_TEST_TARGET_KEY", raising=False)
    monkeypatch.delenv("DODO_TEST_OTHER_SECRET", raising=False)
    with Target() as target:
        path = write_config(
            tmp_path,
            target.url,
            secrets=(f"${{{SECRET_VAR}}}",),
            headers='Authorization = "Bearer ${DODO_TEST_TARGET_KEY}"',
        )
        # Another endpoint, whose secret is not set where the sample is sent either.
        other = f"""
[[endpoints]]
name = "other"
secrets = ["${{DODO_TEST_OTHER_SECRET}}"]
handler = "handler.js"
url = "{target.url}/other"
allow_hosts = ["127.0.0.1"]
"""
        path.write_text(path.read_text() + other)
        environ = {
            SECRET_VAR: SECRET,
            "DODO_TEST_TARGET_KEY": "k",
            "DODO_TEST_OTHER_SECRET": SECRET,
        }
        config = load_config(path, environ=environ)
        with ServerThread(create_app(config)) as server:
            code, out, err = run(
                capsys, path, server, "send-sample", "payment.succeeded", "--endpoint", "test"
            )
            assert code == 0 and "HTTP 202 accepted; delivery 1" in out, err
            code, _, err = run(
                capsys, path, server, "send-sample", "payment.succeeded", "--endpoint", "nope"
            )
            assert code == 2 and "no endpoint 'nope'; configured: test, other" in err
            wait_for(lambda: target.received, 15, "the sample delivered")
            assert target.received[0].headers["authorization"] == "Bearer k"


def test_deliveries_show_tells_when_it_shows_only_the_latest_attempts(tmp_path, capsys) -> None:
    with Target() as target:
        target.default = Reply(500, '{"error":"down"}')
        path = write_config(tmp_path, target.url, retry_schedule=json.dumps([0] * 11))
        server = ServerThread(create_app(load_config(path))).start()
        try:
            d = post(server)
            wait_for(lambda: len(target.received) == 12)
            wait_for(lambda: "failed" in run(capsys, path, server, "deliveries", "show", str(d))[1])
            code, online, err = run(capsys, path, server, "deliveries", "show", str(d))
        finally:
            server.stop()
    note = f"(the latest 10 of 12 attempts; the older ones: GET /deliveries/{d}?attempts_cursor=3)"
    assert code == 0 and note in online, err
    assert "attempt 3 " in online and "attempt 2 " not in online
    # The server is down: the CLI reads the store itself, and shows the same page.
    code, offline, err = run(capsys, path, server, "deliveries", "show", str(d))
    assert code == 0 and note in offline, err
    assert "attempt 12 " in offline and "attempt 2 " not in offline
