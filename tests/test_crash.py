"""kill -9 while events are being ingested and delivered: nothing acknowledged is lost, and a
target that dedupes on the relay's headers applies each event once; SIGTERM records what it
cuts short."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from helpers_servers import (
    HTTP,
    SECRET,
    SECRET_2,
    Received,
    Reply,
    ServeProcess,
    Target,
    free_port,
    wait_for,
    write_config,
)

from dodo_transform.relay.signing import sign
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.wire import idempotency_key

TOTAL = 200


def post_event(server: ServeProcess, i: int) -> httpx.Response:
    """Event ``i`` (webhook-id ``msg_i``), signed as Dodo signs it; raises when the server
    is down or dies under the request."""
    body = json.dumps({"type": "payment.succeeded", "data": {"i": i}})
    return HTTP.post(
        f"{server.url}/webhooks/test",
        content=body,
        headers=sign(SECRET, body, msg_id=f"msg_{i}"),
        timeout=10,
    )


def test_kill_9_mid_flight_then_restart_delivers_every_acknowledged_event(tmp_path) -> None:
    with Target() as target:
        target.default = Reply(200, delay=0.02)  # keep deliveries in flight when we kill
        config = write_config(tmp_path, target.url, extra_server="concurrency = 8")
        server = ServeProcess(config, free_port())
        acked: set[int] = set()
        lock = threading.Lock()
        killed = threading.Event()
        try:
            server.start()

            def send(i: int) -> None:
                try:
                    r = post_event(server, i)
                except httpx.HTTPError:
                    return  # the server died under this request: not acknowledged
                if r.status_code in (200, 202):
                    with lock:
                        acked.add(i)
                        if len(acked) == TOTAL // 2 and not killed.is_set():
                            killed.set()
                            server.kill9()

            with ThreadPoolExecutor(16) as pool:
                list(pool.map(send, range(TOTAL)))
            assert killed.is_set()
            in_flight_at_kill = _counts(tmp_path).get("delivering", 0) + _counts(tmp_path).get(
                "pending", 0
            )

            server.start()  # same store: recovers the deliveries that were in flight
            _wait_until_all_finished(tmp_path)
        finally:
            server.stop()
        delivered = {json.loads(b)["data"]["i"] for b in target.bodies()}
    assert len(acked) >= TOTAL // 2
    assert acked <= delivered, f"lost: {sorted(acked - delivered)}"
    assert in_flight_at_kill > 0  # the kill really interrupted deliveries
    assert _counts(tmp_path) == {"succeeded": len(_all_events(tmp_path))}


EVENTS = 1000
KILLS = (250, 500, 750)  # kill -9 once this many events have been applied at the target


class DedupingTarget:
    """What a careful receiver does: verify the relay's signature, apply each
    Idempotency-Key once, answer 2xx to a repeat. Counts what reached it twice."""

    def __init__(self, target: Target, secret: str) -> None:
        from standardwebhooks import Webhook

        self.verifier = Webhook(secret)
        self.applied: dict[str, Received] = {}  # Idempotency-Key -> the request applied
        self.duplicates: list[Received] = []
        self.unverified: list[Received] = []
        target.responder = self.receive  # called under the target's lock

    def receive(self, got: Received) -> Reply | None:
        try:
            self.verifier.verify(got.body, got.headers)
        except Exception:
            self.unverified.append(got)
            return Reply(401)
        key = got.headers["idempotency-key"]
        if key in self.applied:
            self.duplicates.append(got)
        else:
            self.applied[key] = got
        return None  # the target's default reply


def test_three_kill_9s_while_delivering_1000_events_each_applied_once_at_a_deduping_target(
    tmp_path,
) -> None:
    """The issue's crash test: every acknowledged event applied exactly once, every
    duplicate on the wire recognisable by its key."""
    import time

    with Target() as target:
        target.default = Reply(200, delay=0.05)
        receiver = DedupingTarget(target, SECRET_2)
        config = write_config(
            tmp_path,
            target.url,
            extra_server="concurrency = 16",
            extra_endpoint=f'signing_secret = "{SECRET_2}"',
        )
        server = ServeProcess(config, free_port())
        acked: set[int] = set()
        lock = threading.Lock()

        def send(i: int) -> None:
            # As Dodo does: post until acknowledged, also across the server's restarts.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    r = post_event(server, i)
                    if r.status_code in (200, 202):
                        with lock:
                            acked.add(i)
                        return
                except httpx.HTTPError:
                    pass  # the server is down or died under this request
                time.sleep(0.05)

        def applied() -> int:
            return len(receiver.applied)  # a dict's len is atomic: no lock needed

        def kill_while_delivering(threshold: int) -> None:
            deadline = time.monotonic() + 60
            while applied() < threshold:
                assert time.monotonic() < deadline, f"{applied()} applied"
                time.sleep(0.01)
            # Hold the target's answers so that attempts are surely on the wire at the kill.
            target.holding = True
            while target.in_flight == 0:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            server.kill9()
            target.holding = False
            server.start()

        try:
            server.start()
            with ThreadPoolExecutor(8) as pool:
                sent = pool.map(send, range(EVENTS))
                for threshold in KILLS:
                    kill_while_delivering(threshold)
                list(sent)
            _wait_until_all_finished(tmp_path, timeout=90)
        finally:
            server.stop()

        on_wire = len(target.received)
        applied_ids = sorted(json.loads(r.body)["data"]["i"] for r in receiver.applied.values())
    assert acked == set(range(EVENTS))  # Dodo's retries got every event acknowledged
    assert applied_ids == list(range(EVENTS))  # each applied exactly once
    assert receiver.unverified == []
    for key, got in receiver.applied.items():
        assert key == idempotency_key("test", got.headers["webhook-id"])
    # Each kill cut attempts short: they were sent again, and each repeat carries the key
    # (and the webhook-id and body) of a delivery already applied.
    assert len(receiver.duplicates) >= len(KILLS)
    for dup in receiver.duplicates:
        first = receiver.applied[dup.headers["idempotency-key"]]
        assert (dup.headers["webhook-id"], dup.body) == (first.headers["webhook-id"], first.body)
    assert on_wire == EVENTS + len(receiver.duplicates)
    print(
        f"\n{EVENTS} events, {len(KILLS)} kill -9s: {on_wire} requests on the wire, "
        f"{len(receiver.duplicates)} duplicates, all recognised by their key"
    )
    assert _counts(tmp_path) == {"succeeded": EVENTS}


def _counts(tmp_path) -> dict[str, int]:
    store = SqliteStore(tmp_path / "store.db")
    try:
        return store.counts()
    finally:
        store.close()


def _all_events(tmp_path) -> list[int]:
    store = SqliteStore(tmp_path / "store.db")
    try:
        return [d.id for d in store.list_deliveries(limit=10_000)]
    finally:
        store.close()


def _wait_until_all_finished(tmp_path, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        counts = _counts(tmp_path)
        if not counts.get("pending") and not counts.get("delivering"):
            return
        assert time.monotonic() < deadline, f"deliveries not finished: {counts}"
        time.sleep(0.1)


def test_sigterm_records_attempts_cut_short_and_the_restart_sends_them_with_their_keys(
    tmp_path,
) -> None:
    import time

    events = 10
    with Target() as target:
        target.default = Reply(200, delay=4)  # longer than shutdown_grace = 0.5
        path = write_config(tmp_path, target.url)
        path.write_text(path.read_text().replace("shutdown_grace = 2", "shutdown_grace = 0.5"))
        server = ServeProcess(path, free_port())
        try:
            server.start()
            for i in range(events):
                assert post_event(server, i).status_code == 202
            deadline = time.monotonic() + 30
            while len(target.received) < events:
                assert time.monotonic() < deadline, f"{len(target.received)} sent"
                time.sleep(0.02)
            server.terminate()
            store = SqliteStore(tmp_path / "store.db")
            try:
                rows = store.list_deliveries()
                attempts = [a for d in rows for a in store.attempts(d.id)]
            finally:
                store.close()
            # Every attempt cut short is in the record, and its delivery is due again.
            assert {(d.status, d.attempt_count) for d in rows} == {("pending", 1)}
            assert {a.error for a in attempts} == {
                "interrupted: server shut down after 0.5 s grace"
            }
            assert "10 attempts interrupted by the shutdown" in server.stderr_text()

            target.default = Reply(200)
            server.start()  # the restart sends them again, with the same keys
            _wait_until_all_finished(tmp_path)
        finally:
            server.stop()
    keys = [r.headers["idempotency-key"] for r in target.received]
    assert len(keys) == 2 * events
    assert all(keys.count(k) == 2 for k in keys)
    assert {a.request["headers"]["Idempotency-Key"] for a in attempts} == set(keys)


def test_sigterm_while_another_process_holds_the_write_lock_stops_in_seconds(tmp_path) -> None:
    # Another process (a backup, an operator's sqlite3 shell) holds SQLite's write lock when
    # serve is stopped: each store call would wait out the 30 s busy timeout, and the stop
    # took 90 s and more (past a service manager's patience). Now each waits 5 s at most.
    import sqlite3
    import subprocess

    with Target() as target:
        target.holding = True
        path = write_config(tmp_path, target.url)
        server = ServeProcess(path, free_port())
        try:
            server.start()
            for i in range(3):
                assert post_event(server, i).status_code == 202
            wait_for(lambda: target.in_flight == 3, what="three requests in flight")
            lock = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
            target.holding = False  # they finish, and their outcomes cannot be written
            try:
                server.proc.terminate()
                try:
                    server.proc.wait(60)  # before: about 110 s
                except subprocess.TimeoutExpired:
                    pytest.fail(f"serve still stopping after 60 s:\n{server.stderr_text()}")
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            log = server.stderr_text()
            assert "the store did not close within 5 s" in log, log
            assert "Traceback" not in log, log
            server.start()  # nothing was lost: the restart delivers what was not recorded
            _wait_until_all_finished(tmp_path)
        finally:
            server.stop()
    assert {json.loads(r.body)["data"]["i"] for r in target.received} == {0, 1, 2}


def test_sigterm_while_a_handler_runs_for_its_whole_time_limit_stops_after_the_grace(
    tmp_path,
) -> None:
    # A handler may have most of a minute (time_limit_ms): the stop waited for its run to
    # end, far past shutdown_grace. Now the run is cut short once the grace is over, and the
    # delivery waits for the next start, as an interrupted attempt does.
    import subprocess
    import time

    with Target() as target:
        path = write_config(tmp_path, target.url, handler="function handler(w) { for (;;) {} }")
        text = path.read_text().replace("shutdown_grace = 2", "shutdown_grace = 0.5")
        path.write_text(
            text.replace("[endpoints.headers]", "time_limit_ms = 120000\n[endpoints.headers]")
        )
        server = ServeProcess(path, free_port())
        try:
            server.start()
            assert post_event(server, 0).status_code == 202
            admin = {"Authorization": "Bearer admin-token"}

            def status() -> str:
                return HTTP.get(f"{server.url}/deliveries/1", headers=admin).json()["status"]

            wait_for(lambda: status() == "delivering", what="the handler running")
            time.sleep(0.5)  # well into the run
            server.proc.terminate()
            try:
                server.proc.wait(60)  # before: the run's 120 s and more
            except subprocess.TimeoutExpired:
                pytest.fail(f"serve still stopping after 60 s:\n{server.stderr_text()}")
            log = server.stderr_text()
            assert "Traceback" not in log, log
        finally:
            server.stop()
        store = SqliteStore(tmp_path / "store.db")
        try:
            (row,) = store.list_deliveries()
        finally:
            store.close()
        assert row.status == "pending" and target.received == []
