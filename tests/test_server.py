"""The HTTP surface: receive (verify before anything, store before the 2xx) and admin routes.

A real uvicorn server in a thread, a real target, a real SQLite file.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from helpers_servers import HTTP, SECRET, SECRET_2, Reply, Target, write_config

from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.serving import ServerThread

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "dodo_transform" / "samples" / "payment.succeeded.json").read_bytes()
FAILED = (ROOT / "dodo_transform" / "samples" / "payment.failed.json").read_bytes()
ADMIN = {"Authorization": "Bearer admin-token"}


@pytest.fixture
def target():
    with Target() as t:
        yield t


@pytest.fixture
def make_server(tmp_path, target):
    servers = []

    def make(**options):
        config = load_config(write_config(tmp_path, target.url, **options))
        server = ServerThread(create_app(config)).start()
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()


def stored(tmp_path: Path) -> dict[str, int]:
    store = SqliteStore(tmp_path / "store.db")
    try:
        return store.counts()
    finally:
        store.close()


def post(server, body: bytes, headers: dict[str, str], endpoint: str = "test") -> httpx.Response:
    return HTTP.post(f"{server.url}/webhooks/{endpoint}", content=body, headers=headers)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


# Built when the test runs, not when it is collected: a signature made at collection time
# drifts towards the 5-minute tolerance while a busy machine works through the suite.
BAD_SIGNATURES: dict[str, Callable[[], tuple[dict[str, str], bytes]]] = {
    "wrong-secret": lambda: (sign(SECRET_2, SAMPLE), SAMPLE),
    "tampered": lambda: (sign(SECRET, SAMPLE), SAMPLE.replace(b"2900", b"9900")),
    "no-headers": lambda: ({}, SAMPLE),
    "no-timestamp": lambda: (
        {k: v for k, v in sign(SECRET, SAMPLE).items() if k != "webhook-timestamp"},
        SAMPLE,
    ),
    "6-min-old": lambda: (sign(SECRET, SAMPLE, timestamp=time.time() - 360), SAMPLE),
    "6-min-ahead": lambda: (sign(SECRET, SAMPLE, timestamp=time.time() + 360), SAMPLE),
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES))
def test_bad_signatures_get_401_and_nothing_is_stored(make_server, tmp_path, target, case) -> None:
    server = make_server()
    headers, body = BAD_SIGNATURES[case]()
    r = post(server, body, headers)
    assert r.status_code == 401
    assert r.json()["error"].startswith("invalid webhook signature: ")
    assert stored(tmp_path) == {} and target.received == []


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_webhook_header_sent_twice_is_refused(make_server, tmp_path, target, header) -> None:
    """A captured webhook sent again with a second webhook-id before the signed one must not
    pass as a new event: one copy would be verified, another stored and forwarded."""
    server = make_server()
    headers = sign(SECRET, SAMPLE)
    assert post(server, SAMPLE, headers).status_code == 202
    wait_for(lambda: len(target.received) == 1)
    forged = {"webhook-id": "msg_forged", "webhook-timestamp": "1", "webhook-signature": "v1,x"}
    twice = [(header, forged[header]), *headers.items()]
    r = HTTP.post(f"{server.url}/webhooks/test", content=SAMPLE, headers=twice)
    assert r.status_code == 400
    assert r.json()["error"].startswith(f"header {header} appears more than once")
    assert sum(stored(tmp_path).values()) == 1  # the one delivery of the first post


def test_rotated_secret_is_accepted(make_server, target) -> None:
    server = make_server(secrets=(SECRET, SECRET_2))
    r = post(server, SAMPLE, sign(SECRET_2, SAMPLE))
    assert r.status_code == 202 and r.json()["status"] == "accepted"
    wait_for(lambda: len(target.received) == 1)


def test_invalid_json_is_400_after_verification(make_server, tmp_path) -> None:
    server = make_server()
    body = b'{"type": "payment.succeeded",'
    r = post(server, body, sign(SECRET, body))
    assert r.status_code == 400 and "not RFC 8259 JSON" in r.json()["error"]
    assert post(server, body, sign(SECRET_2, body)).status_code == 401  # verified first
    deep = b"[" * 100_000 + b"]" * 100_000
    assert post(server, deep, sign(SECRET, deep)).status_code == 400
    assert stored(tmp_path) == {}


def test_body_over_the_limit_is_413_declared_or_streamed(make_server, tmp_path) -> None:
    server = make_server(extra_server="max_body_bytes = 1000")
    big = b'{"pad":"' + b"x" * 2000 + b'"}'
    assert post(server, big, sign(SECRET, big)).status_code == 413

    def chunks():
        for _ in range(100):
            yield b"x" * 100

    r = HTTP.post(f"{server.url}/webhooks/test", content=chunks(), headers=sign(SECRET, big))
    assert r.status_code == 413 and "max_body_bytes" in r.json()["error"]
    assert stored(tmp_path) == {}


def test_a_body_that_stalls_is_408_and_holds_no_delivery_back(
    make_server, tmp_path, monkeypatch
) -> None:
    """Uploads begun and never finished (no secret needed) once counted as webhooks being
    acknowledged, so the worker yielded to them for as long as they stayed open."""
    import socket

    from dodo_transform.relay import server as relay_server

    monkeypatch.setattr(relay_server, "BODY_TIMEOUT", 2.0)
    server = make_server()
    app = server.server.config.app
    head = (
        f"POST /webhooks/test HTTP/1.1\r\nHost: x\r\nContent-Length: {len(SAMPLE)}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in sign(SECRET, SAMPLE).items())
        + "\r\n"
    ).encode()
    stalled = []
    for _ in range(10):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        conn.sendall(head + SAMPLE[:100])
        stalled.append(conn)
    receiving = app.state.dodo.dispatcher.receiving
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # while they hang, none counts as being received
        assert receiving() == 0
        time.sleep(0.02)
    for conn in stalled:
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = conn.recv(4096)
            assert chunk, answer
            answer += chunk
        assert conn.recv(100) == b""  # closed with the answer: the rest of the body is not read
        conn.close()
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b'"the body did not arrive within 2 s"' in answer
    assert stored(tmp_path) == {}
    assert post(server, SAMPLE, sign(SECRET, SAMPLE)).status_code == 202


def test_a_connection_that_sends_no_whole_head_is_closed(make_server, monkeypatch) -> None:
    import socket

    from dodo_transform import serving

    monkeypatch.setattr(serving, "HEAD_TIMEOUT", 0.5)
    server = make_server()
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    half = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    half.sendall(b"POST /webhooks/test HTTP/1.1\r\nHost: x\r\n")
    assert idle.recv(100) == b"" and half.recv(100) == b""  # closed by the server
    idle.close()
    half.close()


def test_a_body_trickled_after_an_early_answer_does_not_hold_the_connection(
    make_server, monkeypatch
) -> None:
    """uvicorn reads and drops the rest of a body answered early, with no time limit: a
    client sending it a byte at a time held the connection as long as it liked."""
    import socket

    from dodo_transform import serving

    monkeypatch.setattr(serving, "HEAD_TIMEOUT", 1.0)
    server = make_server()
    for path, status in (("/webhooks/nope", b"404"), ("/nothing-here", b"404")):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode())
        answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 " + status), answer
        closed = False
        for _ in range(200):  # a byte every 0.1 s: 20 s at most
            try:
                conn.sendall(b"x")
                conn.settimeout(0.1)
                closed = conn.recv(100) == b""
            except TimeoutError:
                continue
            except OSError:  # reset: closed too
                closed = True
            if closed:
                break
        conn.close()
        assert closed, path


def test_no_route_and_a_wrong_method_answer_json_too(make_server) -> None:
    server = make_server()
    r = HTTP.get(f"{server.url}/nope")
    assert r.status_code == 404
    assert r.json() == {"error": "nothing at GET /nope; /openapi.json lists the routes"}
    r = HTTP.get(f"{server.url}/webhooks/test")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"] == "GET /webhooks/test is not allowed; /webhooks/test takes POST"
    r = HTTP.delete(f"{server.url}/replays", headers=ADMIN)
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}  # a set's order


def test_unknown_endpoint_is_404(make_server) -> None:
    r = post(make_server(), SAMPLE, sign(SECRET, SAMPLE), endpoint="nope")
    assert r.status_code == 404 and "no endpoint 'nope'" in r.json()["error"]


def test_redelivered_webhook_id_is_acknowledged_once_and_delivered_once(
    make_server, target
) -> None:
    server = make_server()
    headers = sign(SECRET, SAMPLE)
    first = post(server, SAMPLE, headers)
    again = post(server, SAMPLE, headers)
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery_id": first.json()["delivery_id"]}
    wait_for(lambda: len(target.received) == 1)
    time.sleep(0.3)  # a second delivery would have arrived by now
    assert len(target.received) == 1


def test_event_outside_the_filter_is_acknowledged_and_recorded_as_filtered(
    make_server, tmp_path, target
) -> None:
    server = make_server(extra_endpoint='events = ["payment.succeeded"]')
    r = post(server, FAILED, sign(SECRET, FAILED))
    assert r.status_code == 202 and r.json()["status"] == "filtered"
    assert r.json()["reason"] == (
        'not delivered: endpoint "test" delivers only "payment.succeeded" (its events), not '
        '"payment.failed"; the webhook is recorded as filtered'
    )
    untyped = b'{"data": {}}'
    r = post(server, untyped, sign(SECRET, untyped, msg_id="msg_untyped"))
    assert r.status_code == 202 and r.json()["reason"].endswith(
        "(its events), this webhook has no type; the webhook is recorded as filtered"
    )
    assert stored(tmp_path) == {"filtered": 2} and target.received == []


def test_acknowledged_event_is_already_committed(make_server, tmp_path, target) -> None:
    target.default = Reply(200, delay=2)  # keep the delivery in flight
    server = make_server()
    r = post(server, SAMPLE, sign(SECRET, SAMPLE))
    assert r.status_code == 202
    # A separate connection sees the event the moment the 2xx is out.
    assert sum(stored(tmp_path).values()) == 1


def test_admin_routes_require_the_token(make_server) -> None:
    server = make_server()
    assert HTTP.get(f"{server.url}/deliveries").status_code == 401
    r = HTTP.get(f"{server.url}/deliveries", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert HTTP.get(f"{server.url}/deliveries", headers=ADMIN).status_code == 200


def test_admin_routes_are_disabled_without_a_token(make_server) -> None:
    server = make_server(admin_token=None)
    r = HTTP.get(f"{server.url}/deliveries", headers=ADMIN)
    assert r.status_code == 403 and "admin_token" in r.json()["error"]
    r = HTTP.get(f"{server.url}/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_delivery_detail_replay_and_status_filter(make_server, target, tmp_path) -> None:
    target.script = [Reply(422, '{"message":"invalid"}')]
    server = make_server()
    delivery_id = post(server, SAMPLE, sign(SECRET, SAMPLE)).json()["delivery_id"]

    def status() -> str:
        return HTTP.get(f"{server.url}/deliveries/{delivery_id}", headers=ADMIN).json()["status"]

    wait_for(lambda: status() == "failed")
    detail = HTTP.get(f"{server.url}/deliveries/{delivery_id}", headers=ADMIN).json()
    assert detail["event"]["event_type"] == "payment.succeeded"
    assert [a["status_code"] for a in detail["attempts"]] == [422]
    assert detail["attempts"][0]["response_body"] == '{"message":"invalid"}'
    listed = HTTP.get(f"{server.url}/deliveries?status=failed", headers=ADMIN).json()
    assert [d["id"] for d in listed["deliveries"]] == [delivery_id]
    assert HTTP.get(f"{server.url}/deliveries?status=bogus", headers=ADMIN).status_code == 400
    # Fix the handler on disk, then replay: the new handler runs, without a restart.
    (tmp_path / "handler.js").write_text(
        "function handler(w) { w.payload = {fixed: true}; return w; }"
    )
    r = HTTP.post(f"{server.url}/deliveries/{delivery_id}/replay", headers=ADMIN)
    assert r.status_code == 202
    wait_for(lambda: status() == "succeeded")
    assert json.loads(target.received[-1].body) == {"fixed": True}
    assert HTTP.post(f"{server.url}/deliveries/999/replay", headers=ADMIN).status_code == 404


def test_replay_refuses_a_broken_handler(make_server, target, tmp_path) -> None:
    server = make_server()
    delivery_id = post(server, SAMPLE, sign(SECRET, SAMPLE)).json()["delivery_id"]
    wait_for(lambda: len(target.received) == 1)
    (tmp_path / "handler.js").write_text("function handler(w) { return w")
    r = HTTP.post(f"{server.url}/deliveries/{delivery_id}/replay", headers=ADMIN)
    assert r.status_code == 409 and "syntax_error" in r.json()["error"]


def test_simulate_returns_the_test_json_record(make_server, target) -> None:
    server = make_server()
    code = (
        "function handler(w) { w.payload = {email: w.payload.data.customer.email, "
        "at: new Date().toISOString()}; return w; }"
    )
    r = HTTP.post(
        f"{server.url}/endpoints/test/simulate",
        headers=ADMIN,
        json={"payload": json.loads(SAMPLE), "code": code, "now": "2025-08-04T05:30:45Z"},
    )
    assert r.status_code == 200
    out = r.json()
    assert out["status"] == "ok" and out["event_type"] == "payment.succeeded"
    assert json.loads(out["request"]["body"]) == {
        "email": "jane.doe@example.com",
        "at": "2025-08-04T05:30:45.000Z",
    }
    assert out["request"]["headers"]["Authorization"] == "[redacted]"
    assert target.received == []  # simulate never sends
    bad = HTTP.post(f"{server.url}/endpoints/test/simulate", headers=ADMIN, json={"x": 1})
    assert bad.status_code == 400
    default = HTTP.post(
        f"{server.url}/endpoints/test/simulate", headers=ADMIN, json={"payload": json.loads(SAMPLE)}
    ).json()
    assert json.loads(default["request"]["body"]) == json.loads(SAMPLE)


def test_simulate_lints_requests_aimed_at_mailerlite_like_test_does(make_server) -> None:
    server = make_server()
    code = (
        Path(__file__).resolve().parent.parent
        / "handlers"
        / "mailerlite"
        / "add_customer_on_payment.js"
    ).read_text()
    out = HTTP.post(
        f"{server.url}/endpoints/test/simulate",
        headers=ADMIN,
        json={"payload": json.loads(SAMPLE), "code": code},
    ).json()
    assert any(
        w["code"] == "non_numeric_group_id" and w["path"] == "groups[0]" for w in out["warnings"]
    )


def test_simulate_applies_the_endpoint_sandbox_limits(make_server) -> None:
    server = make_server(extra_endpoint="time_limit_ms = 50")
    r = HTTP.post(
        f"{server.url}/endpoints/test/simulate",
        headers=ADMIN,
        json={"payload": json.loads(SAMPLE), "code": "function handler(w) { while (true) {} }"},
    )
    assert r.status_code == 200
    out = r.json()
    assert out["status"] == "error" and out["error"]["kind"] == "time_limit"
    assert "50 ms" in out["error"]["message"]


def test_replay_keeps_the_attempt_count(make_server, target) -> None:
    target.default = Reply(500)
    server = make_server(retry_schedule="[0, 0]")
    delivery_id = post(server, SAMPLE, sign(SECRET, SAMPLE)).json()["delivery_id"]

    def row() -> dict:
        return HTTP.get(f"{server.url}/deliveries/{delivery_id}", headers=ADMIN).json()

    wait_for(lambda: row()["status"] == "failed")
    assert row()["attempt_count"] == 3
    target.default = Reply(200)
    assert (
        HTTP.post(f"{server.url}/deliveries/{delivery_id}/replay", headers=ADMIN).status_code == 202
    )
    wait_for(lambda: row()["status"] == "succeeded")
    detail = row()
    assert detail["attempt_count"] == 4 and len(detail["attempts"]) == 4
    assert [a["n"] for a in detail["attempts"]] == [1, 2, 3, 4]


def test_observers_hear_every_receive_outcome_and_every_recorded_state(tmp_path, target) -> None:
    from dodo_transform.relay.events import Observer

    heard: list[tuple[str, ...]] = []

    class Recorder(Observer):
        def received(self, endpoint, outcome, **details) -> None:
            heard.append(("received", endpoint, outcome))

        def recorded(self, delivery, status, **details) -> None:
            attempt = details["attempt"]
            heard.append(("recorded", delivery.endpoint, status, attempt and attempt.status_code))

    class Broken(Observer):  # a failing observer never breaks the pipeline
        def received(self, endpoint, outcome, **details) -> None:
            raise RuntimeError("observer bug")

    config = load_config(
        write_config(tmp_path, target.url, extra_endpoint='events = ["payment.succeeded"]')
    )
    app = create_app(config, observers=[Broken(), Recorder()])
    with ServerThread(app) as server:
        assert post(server, SAMPLE, sign(SECRET, SAMPLE)).status_code == 202
        wait_for(lambda: ("recorded", "test", "succeeded", 200) in heard)
        assert post(server, SAMPLE, sign(SECRET, SAMPLE)).status_code == 202  # new webhook-id
        headers = sign(SECRET, SAMPLE)
        post(server, SAMPLE, headers)
        assert post(server, SAMPLE, headers).json()["status"] == "duplicate"
        assert post(server, FAILED, sign(SECRET, FAILED)).json()["status"] == "filtered"
        assert post(server, SAMPLE, sign(SECRET_2, SAMPLE)).status_code == 401
        assert post(server, b"{", sign(SECRET, b"{")).status_code == 400
        assert post(server, SAMPLE, sign(SECRET, SAMPLE), endpoint="nope").status_code == 404
    outcomes = [h[2] for h in heard if h[0] == "received"]
    assert outcomes == [
        "accepted",
        "accepted",
        "accepted",
        "duplicate",
        "filtered",
        "unauthorized",
        "invalid",
        "unknown_endpoint",
    ]


def test_a_request_head_past_16_kib_is_refused_with_431_before_it_can_grow(tmp_path) -> None:
    # uvicorn's httptools protocol has no limit on headers (h11 stops at 16 KiB): ours does,
    # so a client streaming header lines cannot grow the server's memory without end.
    import socket

    from dodo_transform.serving import MAX_HEAD_BYTES

    config = load_config(write_config(tmp_path, "http://127.0.0.1:1"))
    with ServerThread(create_app(config, run_worker=False)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as conn:
            conn.sendall(b"POST /webhooks/test HTTP/1.1\r\nHost: x\r\n")
            sent, answer = 0, b""
            try:
                while sent < 50 * MAX_HEAD_BYTES:  # far past the limit, unless refused
                    conn.sendall(b"X-Pad-%d: %s\r\n" % (sent, b"a" * 1000))
                    sent += 1000
            except OSError:  # refused and closed while we were still sending
                pass
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"request line and headers over 16384 bytes" in answer
        # A request with headers just under the limit, and a body far over it, is served.
        body = SAMPLE + b" " * (4 * MAX_HEAD_BYTES)  # JSON may end in white space
        headers = {**sign(SECRET, body), "X-Pad": "a" * (MAX_HEAD_BYTES - 2000)}
        r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=headers)
        assert r.status_code == 202, r.text
