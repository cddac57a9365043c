"""The whole flow as an operator runs it: `dodo-transform serve` as a process, the CLI, signed
samples, the real MailerLite handler, and a local HTTP target standing in for MailerLite."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers_servers import HTTP, SECRET, ServeProcess, Target, free_port

from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread
from dodo_transform.transform import Handler, transform

ROOT = Path(__file__).resolve().parent.parent
HANDLER = ROOT / "handlers" / "mailerlite" / "add_customer_on_payment.js"
SAMPLES = ROOT / "dodo_transform" / "samples"


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodo_transform", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


@pytest.fixture
def flow(tmp_path):
    with Target() as target:
        # The shipped handler, pointed at the local target instead of connect.mailerlite.com.
        source = HANDLER.read_text().replace("https://connect.mailerlite.com", target.url)
        (tmp_path / "handler.js").write_text(source)
        port = free_port()
        config = tmp_path / "dodo-transform.toml"
        config.write_text(f"""
[server]
port = {port}
database = "e2e.db"
admin_token = "${{E2E_ADMIN_TOKEN}}"

[[endpoints]]
name = "mailerlite-payments"
secrets = ["{SECRET}"]
handler = "handler.js"
url = "https://connect.mailerlite.com/api/subscribers"
events = ["payment.succeeded"]
allow_hosts = ["127.0.0.1"]
credential_hosts = ["127.0.0.1"]  # the handler sends to the local target, key and all
[endpoints.headers]
Authorization = "Bearer ${{E2E_ML_KEY}}"
""")
        env = {"E2E_ADMIN_TOKEN": "t0ken", "E2E_ML_KEY": "ml-secret-key"}
        server = ServeProcess(config, port, env)
        import os

        os.environ.update(env)  # the CLI commands read the same config
        try:
            banner = server.start()
            yield server, target, config, banner, source
        finally:
            server.stop()
            for k in env:
                os.environ.pop(k, None)


def test_signed_sample_reaches_the_target_exactly_as_transformed(flow) -> None:
    server, target, config, banner, source = flow
    assert "POST /webhooks/mailerlite-payments" in banner

    sent = cli(config, "send-sample", "payment.succeeded", "--endpoint", "mailerlite-payments")
    assert sent.returncode == 0, sent.stderr
    assert "HTTP 202 accepted; delivery 1" in sent.stdout
    wait_for(lambda: len(target.received) == 1)

    sample = (SAMPLES / "payment.succeeded.json").read_text()
    expected = transform(
        Handler(source),
        sample,
        url="https://connect.mailerlite.com/api/subscribers",
        headers={"Authorization": "Bearer ml-secret-key"},
    ).request
    got = target.received[0]
    assert (got.method, got.path) == ("POST", "/api/subscribers")
    assert got.body.decode() == expected.body
    assert json.loads(got.body)["email"] == "jane.doe@example.com"
    assert got.headers["authorization"] == "Bearer ml-secret-key"
    assert got.headers["content-type"] == "application/json"

    listed = cli(config, "deliveries", "--status", "succeeded")
    assert listed.returncode == 0 and "succeeded" in listed.stdout
    replayed = cli(config, "replay", "1")
    assert replayed.returncode == 0 and "delivery 1: pending" in replayed.stdout
    wait_for(lambda: len(target.received) == 2)
    assert target.received[1].body == got.body
    # The replay is the same delivery: the same event id and Idempotency-Key.
    for header in ("webhook-id", "webhook-timestamp", "idempotency-key"):
        assert target.received[1].headers[header] == got.headers[header]


def test_filtered_event_and_duplicate_webhook_id_deliver_nothing(flow) -> None:
    server, target, config, _banner, _source = flow
    filtered = cli(config, "send-sample", "payment.failed", "--endpoint", "mailerlite-payments")
    assert filtered.returncode == 0 and "filtered" in filtered.stdout

    body = (SAMPLES / "payment.succeeded.json").read_bytes()
    headers = sign(SECRET, body)
    url = f"{server.url}/webhooks/mailerlite-payments"
    assert HTTP.post(url, content=body, headers=headers).status_code == 202
    assert HTTP.post(url, content=body, headers=headers).status_code == 200
    wait_for(lambda: len(target.received) == 1)
    time.sleep(0.5)  # anything else would have been sent by now
    assert len(target.received) == 1
    rows = json.loads(cli(config, "deliveries", "--json").stdout)
    assert sorted(d["status"] for d in rows) == ["filtered", "succeeded"]


def test_sigterm_shuts_down_cleanly_and_deliveries_reads_the_store_offline(flow) -> None:
    server, target, config, _banner, _source = flow
    cli(config, "send-sample", "payment.succeeded", "--endpoint", "mailerlite-payments")
    wait_for(lambda: len(target.received) == 1)
    # uvicorn finishes its graceful shutdown (lifespan: worker stopped, store closed), then
    # re-raises SIGTERM so the exit status says how the process ended.
    assert server.terminate() in (0, -15)
    log = server.stderr_text()
    assert "Traceback" not in log
    # The log's last lines, written by its own thread, are out before the signal is re-raised.
    assert " INFO    stopped\n" in log, log[-500:]
    assert log.splitlines()[-1].split()[2:5] == ["Finished", "server", "process"], log[-500:]
    offline = cli(config, "deliveries")
    assert offline.returncode == 0 and "reading" in offline.stderr
    assert "succeeded" in offline.stdout
    assert cli(config, "replay", "1").returncode == 1  # needs the server


# -- serve and deliveries edge cases (in-process: main() of the CLI) --------------------------


def test_serve_on_a_busy_port_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    import socket

    from helpers_servers import write_config

    from dodo_transform.cli import main

    config = write_config(tmp_path, "http://127.0.0.1:9")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--config", str(config), "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "serving" not in out
    assert err.startswith(f"dodo-transform: cannot listen on 127.0.0.1:{port}: ")
    assert err.rstrip().endswith("in use; choose another with --port")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_serve_where_no_sandbox_process_can_start_is_one_line_and_exit_2(
    tmp_path, capsys, monkeypatch
) -> None:
    from helpers_servers import write_config

    from dodo_transform.cli import main

    config = write_config(tmp_path, "http://127.0.0.1:9")
    monkeypatch.setattr(sys, "executable", "/bin/false")  # an interpreter that exits at once
    assert main(["serve", "--config", str(config), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert "serving" not in out
    assert "server.sandbox_isolation: the sandbox process could not start: it exited" in err
    assert 'sandbox_isolation = "thread"' in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_serve_banner_names_the_port_it_listens_on(tmp_path) -> None:
    from helpers_servers import write_config

    port = free_port()
    server = ServeProcess(write_config(tmp_path, "http://127.0.0.1:9"), port)
    try:
        banner = server.start()
        assert banner.startswith(f"dodo-transform: serving http://127.0.0.1:{port} (")
        assert server.terminate() in (0, -15)
    finally:
        server.stop()


def test_deliveries_reads_the_store_when_the_admin_api_is_off(tmp_path, capsys) -> None:
    from helpers_servers import write_config

    from dodo_transform.cli import main
    from dodo_transform.relay.config import load_config
    from dodo_transform.relay.server import create_app

    with Target() as target:
        config = write_config(tmp_path, target.url, admin_token=None)
        with ServerThread(create_app(load_config(config))) as server:
            body = (SAMPLES / "payment.succeeded.json").read_bytes()
            r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=sign(SECRET, body))
            assert r.status_code == 202
            wait_for(lambda: len(target.received) == 1)
            code = main(["deliveries", "--config", str(config), "--url", server.url])
            out, err = capsys.readouterr()
    assert code == 0, err
    assert (
        err == f"dodo-transform: admin API disabled (no server.admin_token); reading "
        f"{tmp_path / 'store.db'}\n"
    )
    assert "succeeded" in out and "HTTP 403" not in out + err


def test_offline_deliveries_never_migrates_the_store(tmp_path, capsys) -> None:
    import sqlite3

    from helpers_servers import write_config

    from dodo_transform.cli import main
    from dodo_transform.relay.sqlite_store import SCHEMA_VERSION, SqliteStore

    config = write_config(tmp_path, "http://127.0.0.1:9")
    down = f"http://127.0.0.1:{free_port()}"
    db = tmp_path / "store.db"
    store = SqliteStore(db)
    store.ingest("test", "msg_1", "payment.succeeded", b"{}", {}, "k", False, 0.0)
    store.close()
    assert main(["deliveries", "--config", str(config), "--url", down, "--json"]) == 0
    out, err = capsys.readouterr()
    assert "server not reachable; reading" in err
    assert [d["attempt_count"] for d in json.loads(out)] == [0]
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION - 1,))
    conn.commit()
    conn.close()
    assert main(["deliveries", "--config", str(config), "--url", down]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        f"dodo-transform: {db}: schema version {SCHEMA_VERSION - 1}, this "
        f"dodo-transform reads {SCHEMA_VERSION}; run the matching "
        "dodo-transform (`serve` migrates it)"
    )
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION - 1,)
    conn.close()


def test_serve_listens_with_an_explicit_tcp_protocol() -> None:
    # With protocol 0 asyncio leaves TCP_NODELAY off on accepted connections and every
    # keep-alive answer waits ~40 ms for a delayed ACK (seen as 15x slower acks in bench/ingest).
    import socket

    from dodo_transform.serving import listen_socket

    sock = listen_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_serve_refuses_the_fallback_engine_unless_the_config_allows_it(tmp_path) -> None:
    from helpers_servers import write_config

    config = write_config(tmp_path, "http://127.0.0.1:9")
    env = {"DODO_TRANSFORM_ENGINE": "binding"}
    refused = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert refused.returncode == 2
    assert "fallback engine (DODO_TRANSFORM_ENGINE=binding)" in refused.stderr
    assert "allow_fallback_engine = true" in refused.stderr
    assert "Traceback" not in refused.stderr and "serving" not in refused.stdout

    allowed = write_config(
        tmp_path, "http://127.0.0.1:9", extra_server="allow_fallback_engine = true"
    )
    server = ServeProcess(allowed, free_port(), env=env)
    try:
        server.start()
        engine_line = server.proc.stdout.readline()
        assert "sandbox engine: quickjs-ng" in engine_line and "binding (fallback" in engine_line
    finally:
        server.stop()


def test_serve_names_the_engine_it_runs_handlers_on(tmp_path) -> None:
    from helpers_servers import write_config

    server = ServeProcess(write_config(tmp_path, "http://127.0.0.1:9"), free_port())
    try:
        server.start()
        line = server.proc.stdout.readline()
        assert "sandbox engine: QuickJS C API" in line
        assert re.search(r"; \d+ sandbox process(es)?$", line.rstrip("\n")), line
    finally:
        server.stop()
