"""serve on PostgreSQL: the URL in the config, roles, readiness, wake-ups, a database outage.

Real parts throughout: the machine's PostgreSQL (a database per test), uvicorn on loopback,
a real target, and for the outage a TCP proxy between the server and PostgreSQL that the test
stops and starts (PostgreSQL itself keeps running).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from helpers_proxy import TcpProxy
from helpers_servers import HTTP, SECRET, Reply, Target, free_port, wait_for, write_config

from dodo_transform.relay.config import ConfigError, load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread

ADMIN = {"Authorization": "Bearer admin-token"}


def event(i: int, email: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "payment.succeeded",
            "data": {"i": i, "customer": {"email": email or f"c{i}@example.com"}},
        }
    ).encode()
    return body, sign(SECRET, body, msg_id=f"msg_{i}")


def post(url: str, i: int, **kw) -> httpx.Response:
    body, headers = event(i, **kw)
    return HTTP.post(f"{url}/webhooks/test", content=body, headers=headers, timeout=20)


def delivered(target: Target) -> set[int]:
    return {json.loads(b)["data"]["i"] for b in target.bodies()}


def failed(url: str) -> list[int]:
    page = HTTP.get(f"{url}/deliveries", params={"status": "failed"}, headers=ADMIN).json()
    return [d["id"] for d in page["deliveries"]]


@pytest.fixture
def behind_proxy(fresh_pg_database):
    """The test's database reached through a TCP proxy the test stops and starts: (the
    proxy, the URL through it)."""
    real = urlsplit(fresh_pg_database)
    proxy = TcpProxy(real.hostname, real.port).start()
    try:
        yield proxy, real._replace(netloc=f"postgres@127.0.0.1:{proxy.port}").geturl()
    finally:
        proxy.close()


def test_database_url_with_variables_selects_postgresql(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:1", database="${DB_URL}")
    url = "postgresql://app:s3cret@db.internal:5432/dodo"
    config = load_config(path, {"DB_URL": url})
    assert config.server.database_url == url
    path = write_config(tmp_path, "http://127.0.0.1:1", database="mysql://db/x")
    with pytest.raises(ConfigError, match="server.database: mysql://db/x: a URL must be"):
        load_config(path)
    path = write_config(tmp_path, "http://127.0.0.1:1", database="postgresql://u:pw@h:x/d")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "pw" not in str(e.value) and "u:***@h:x" in str(e.value)  # the password is hidden
    path = write_config(tmp_path, "http://127.0.0.1:1", database="data/store.db")
    assert load_config(path).server.database == tmp_path / "data" / "store.db"
    # The scheme forgotten: not taken for an SQLite file named after a server.
    path = write_config(tmp_path, "http://127.0.0.1:1", database="db.internal:5432/dodo")
    with pytest.raises(ConfigError, match="looks like host:port") as e:
        load_config(path)
    assert "write postgresql://USER@db.internal:5432/dodo" in str(e.value)
    path = write_config(tmp_path, "http://127.0.0.1:1", database="app@db.internal:5432/dodo")
    with pytest.raises(ConfigError, match="write postgresql://app@db.internal:5432/dodo"):
        load_config(path)
    path = write_config(tmp_path, "http://127.0.0.1:1", database="backup:2024/store.db")
    assert load_config(path).server.database == tmp_path / "backup:2024" / "store.db"


def serve_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodo_transform", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_an_unreachable_database_in_one_line(tmp_path) -> None:
    closed = free_port()
    config = write_config(
        tmp_path, "http://127.0.0.1:1", database=f"postgresql://postgres:pw@127.0.0.1:{closed}/x"
    )
    r = serve_cli("--config", str(config), "--port", "0")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert f"server.database: postgresql://postgres:***@127.0.0.1:{closed}/x:" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "database, said",
    [
        ("postgresql://postgres@nohost.invalid:5432/x", "cannot resolve the database's host name"),
        ("missing/store.db", "missing does not exist; create it"),
    ],
)
def test_serve_says_what_is_wrong_with_the_database_setting(tmp_path, database, said) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:1", database=database)
    for role in ("all", "ingest"):
        r = serve_cli("--config", str(config), "--port", "0", "--role", role)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
        assert said in r.stderr, r.stderr


def test_healthz_is_readiness_publicly_and_details_with_the_admin_token(
    tmp_path, fresh_pg_database
) -> None:
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, database=fresh_pg_database))
        with ServerThread(create_app(config)) as server:
            r = HTTP.get(f"{server.url}/healthz")
            assert (r.status_code, r.json()) == (200, {"status": "ok"})
            assert post(server.url, 1).status_code == 202
            wait_for(lambda: delivered(target) == {1})

            def details() -> dict:
                return dict(HTTP.get(f"{server.url}/healthz", headers=ADMIN).json())

            # The target answered before the outcome is recorded: wait for the record.
            wait_for(lambda: details()["deliveries"] == {"succeeded": 1})
            detail = details()
            assert detail["status"] == "ok" and detail["role"] == "all"
            assert detail["backend"].startswith("PostgreSQL postgresql://postgres@127.0.0.1")


def test_an_ingest_instance_and_a_worker_instance_share_the_work(
    tmp_path, fresh_pg_database
) -> None:
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, database=fresh_pg_database))
        ingest = ServerThread(create_app(config, role="ingest"))
        worker = ServerThread(create_app(config, role="worker"))
        with ingest, worker:
            r = post(worker.url, 1)
            assert r.status_code == 503 and "--role worker" in r.json()["error"]
            # The worker sleeps until told (its idle re-check is 30 s away): the ingest
            # instance's commit NOTIFYs it.
            for i in range(2, 7):
                assert post(ingest.url, i).status_code == 202
            wait_for(lambda: delivered(target) == {2, 3, 4, 5, 6}, timeout=20)
            detail = HTTP.get(f"{ingest.url}/healthz", headers=ADMIN).json()
            assert detail["role"] == "ingest" and detail["in_flight"] == 0


def before_and_after(tmp_path: Path, target: Target, database: str):
    """The config before and after an endpoint ``newone`` was added, to reach the
    instances one by one."""
    before = load_config(write_config(tmp_path, target.url, database=database))
    path = write_config(tmp_path, target.url, database=database)
    path.write_text(
        path.read_text()
        + f"""
[[endpoints]]
name = "newone"
secrets = ["{SECRET}"]
handler = "handler.js"
url = "{target.url}/new"
allow_hosts = ["127.0.0.1"]
"""
    )
    return before, load_config(path)


def test_a_new_endpoint_reaching_the_instances_one_by_one_loses_no_delivery(
    tmp_path, fresh_pg_database
) -> None:
    # The config gained an endpoint; the ingest instance has reloaded it, the worker not yet.
    # The worker must leave that endpoint's deliveries waiting, not fail them for good.
    from dodo_transform.clock import FakeClock

    with Target() as target:
        old_config, new_config = before_and_after(tmp_path, target, fresh_pg_database)
        ingest = ServerThread(create_app(new_config, role="ingest"))
        worker = ServerThread(create_app(old_config, role="worker"))
        with ingest:
            body, headers = event(1)
            r = HTTP.post(f"{ingest.url}/webhooks/newone", content=body, headers=headers)
            assert r.status_code == 202
            with worker:

                def seen() -> dict:
                    return HTTP.get(f"{ingest.url}/deliveries/1", headers=ADMIN).json()

                wait_for(lambda: "not configured" in (seen()["last_error"] or ""))
                assert seen()["status"] == "pending" and seen()["attempt_count"] == 0
            # The worker, restarted with the new config (the clock past the 10 s wait).
            clock = FakeClock(time.time() + 11)
            with ServerThread(create_app(new_config, role="worker", clock=clock)):
                wait_for(lambda: seen()["status"] == "succeeded", timeout=20)
        assert [r.path for r in target.received] == ["/new"]


def test_an_endpoint_disabled_by_one_instance_is_seen_and_enabled_through_another(
    tmp_path, fresh_pg_database, caplog
) -> None:
    # Each instance kept its own copy of the endpoints' states: the other one still showed
    # the endpoint enabled, answered an enable with "was not disabled" and changed nothing,
    # and could write its stale copy back over the disable.
    with Target() as target:
        target.default = Reply(500)
        config = load_config(
            write_config(
                tmp_path,
                target.url,
                database=fresh_pg_database,
                retry_schedule="[0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]",
                extra_server="disable_endpoint_after = 0.5",
            )
        )
        a = ServerThread(create_app(config))
        b = ServerThread(create_app(config))
        with a, b:

            def endpoint(server: ServerThread) -> dict:
                listed = HTTP.get(f"{server.url}/endpoints", headers=ADMIN).json()
                return listed["endpoints"][0]

            assert endpoint(b)["disabled_at"] is None  # b has read the states once
            for i in range(4):
                assert post(a.url, i, email=f"c{i}@example.com").status_code == 202
            wait_for(lambda: endpoint(a)["disabled_at"] is not None, timeout=30)
            assert endpoint(b)["disabled_at"] == endpoint(a)["disabled_at"]
            disabled = [r for r in caplog.records if "endpoint test disabled" in r.getMessage()]
            assert len(disabled) == 1  # by one instance, once (one alert)

            target.default = Reply(200)
            r = HTTP.post(f"{b.url}/endpoints/test/enable", headers=ADMIN)
            assert r.json() == {"endpoint": "test", "enabled": True, "was_disabled": True}
            assert endpoint(a)["disabled_at"] is None
            wait_for(lambda: delivered(target) == {0, 1, 2, 3}, timeout=30)


def test_a_cancel_through_one_instance_frees_the_customer_at_once_on_the_worker(
    tmp_path, fresh_pg_database
) -> None:
    # The head of a customer's chain waits a minute for its retry; cancelling it through the
    # ingest instance lets the next one go now: the worker is told (it slept until the
    # retry, up to 30 s).
    with Target() as target:
        target.script = [Reply(500)]
        config = load_config(
            write_config(tmp_path, target.url, database=fresh_pg_database, retry_schedule="[60]")
        )
        ingest = ServerThread(create_app(config, role="ingest"))
        worker = ServerThread(create_app(config, role="worker"))
        with ingest, worker:
            for i in (1, 2):
                assert post(ingest.url, i, email="jo@example.com").status_code == 202
            wait_for(lambda: len(target.received) == 1, what="the first attempt")

            def row(n: int) -> dict:
                return HTTP.get(f"{ingest.url}/deliveries/{n}", headers=ADMIN).json()

            wait_for(lambda: row(1)["status"] == "pending" and row(1)["attempt_count"] == 1)
            r = HTTP.post(f"{ingest.url}/deliveries/1/cancel", headers=ADMIN)
            assert r.status_code == 200, r.text
            wait_for(lambda: delivered(target) == {1, 2}, timeout=10, what="the next one")


def test_an_instance_stalled_past_its_lease_does_not_send_what_another_took_over(
    tmp_path, fresh_pg_database
) -> None:
    # Instance A claims X and is paused (SIGSTOP: a paused VM) while its handler runs; its
    # lease runs out, B takes X over and sends X, then Y of the same customer. A, resumed,
    # must not send X a third time, after Y.
    import asyncio
    import signal

    import asyncpg
    from helpers_servers import ServeProcess

    slow_first = (
        "function handler(w) {\n"
        "  if (w.payload.data.i === 0) { const t = Date.now(); while (Date.now() - t < 1500) {} }\n"
        "  return w;\n}\n"
    )

    async def owner_of_x() -> str | None:
        conn = await asyncpg.connect(fresh_pg_database)
        try:
            return await conn.fetchval(
                "SELECT owner FROM deliveries WHERE id = 1 AND status = 'delivering'"
            )
        finally:
            await conn.close()

    with Target() as target:
        path = write_config(
            tmp_path,
            target.url,
            database=fresh_pg_database,
            handler=slow_first,
            extra_server="lease = 2",
            extra_endpoint="time_limit_ms = 5000",
        )
        a, b = ServeProcess(path, free_port()), ServeProcess(path, free_port())
        try:
            a.start()
            assert post(a.url, 0, email="jo@example.com").status_code == 202
            wait_for(lambda: asyncio.run(owner_of_x()) is not None, what="X claimed by A")
            a.proc.send_signal(signal.SIGSTOP)
            try:
                b.start()
                assert post(b.url, 1, email="jo@example.com").status_code == 202
                wait_for(lambda: len(target.received) == 2, timeout=30, what="B sends X, Y")
            finally:
                a.proc.send_signal(signal.SIGCONT)
            wait_for(
                lambda: (
                    "not sent from here" in a.stderr_text()
                    or "outcome not recorded" in a.stderr_text()
                ),
                timeout=30,
                what="A, resumed, finds X gone",
            )
            assert "not sent from here" in a.stderr_text()
        finally:
            a.stop()
            b.stop()
    bodies = [json.loads(r.body)["data"]["i"] for r in target.received]
    assert bodies == [0, 1], bodies


def test_the_consoles_live_updates_show_what_another_instance_did(
    tmp_path, fresh_pg_database
) -> None:
    # A console open on the ingest instance follows a delivery the worker makes: the changes
    # of each instance reach the others (NOTIFY), not only its own pages.
    import queue
    import threading

    with Target() as target:
        from dodo_transform.console import mount_console

        config = load_config(write_config(tmp_path, target.url, database=fresh_pg_database))
        console = create_app(config, role="ingest")
        mount_console(console)  # as `serve` does
        ingest = ServerThread(console)
        worker = ServerThread(create_app(config, role="worker"))
        with ingest, worker:
            seen: queue.Queue[dict] = queue.Queue()

            def read() -> None:
                url = f"{ingest.url}/ui/events"
                # The stream ends when the server stops, mid-chunk.
                with (
                    contextlib.suppress(httpx.HTTPError),
                    httpx.stream("GET", url, headers=ADMIN, timeout=30) as r,
                ):
                    for line in r.iter_lines():
                        if line.startswith("data: "):
                            seen.put(json.loads(line[len("data: ") :]))

            threading.Thread(target=read, daemon=True).start()
            time.sleep(0.5)  # the stream is open
            assert post(ingest.url, 1).status_code == 202
            got = []
            deadline = time.monotonic() + 20
            while not any(m.get("status") == "succeeded" for m in got):
                assert time.monotonic() < deadline, got
                with contextlib.suppress(queue.Empty):
                    got.append(seen.get(timeout=1))
            assert got[0] == {
                "kind": "delivery",
                "id": 1,
                "endpoint": "test",
                "outcome": "accepted",
            }  # its own, at once
            assert {"kind": "delivery", "id": 1, "endpoint": "test", "status": "succeeded"} in got


def test_an_old_event_for_an_endpoint_not_reloaded_yet_waits_then_fails(
    tmp_path, fresh_pg_database, monkeypatch
) -> None:
    # An event that arrived an hour ago (a replay, or Dodo redelivering after an outage) for
    # the endpoint the worker has not reloaded yet: it waits there as a new one would, and
    # fails once the worker has gone 10 minutes without the endpoint.
    from dodo_transform.clock import FakeClock
    from dodo_transform.relay import dispatcher

    monkeypatch.setattr(dispatcher, "UNKNOWN_ENDPOINT_RETRY", 0.2)  # not 10 s of real waits
    with Target() as target:
        old_config, new_config = before_and_after(tmp_path, target, fresh_pg_database)
        an_hour_ago = FakeClock(time.time() - 3600)
        ingest = ServerThread(create_app(new_config, role="ingest", clock=an_hour_ago))
        with ingest:
            r = HTTP.post(f"{ingest.url}/webhooks/newone", content=event(1)[0], headers=event(1)[1])
            assert r.status_code == 202

            def seen() -> dict:
                return HTTP.get(f"{ingest.url}/deliveries/1", headers=ADMIN).json()

            with ServerThread(create_app(old_config, role="worker")):
                wait_for(lambda: "not configured" in (seen()["last_error"] or ""))
                assert seen()["status"] == "pending"
            clock = FakeClock()
            with ServerThread(create_app(old_config, role="worker", clock=clock)):
                wait_for(lambda: clock.advance(300) or seen()["status"] == "failed", timeout=20)
            assert "no longer configured" in seen()["last_error"]
        assert target.received == []


def test_a_bulk_replay_is_followed_from_any_instance_while_another_delivers(
    tmp_path, fresh_pg_database
) -> None:
    # Replayed through the ingest instance, delivered by the worker, followed from both: its
    # progress comes from the shared store, not from the memory of the instance asked.
    with Target() as target:
        target.default = Reply(500)
        config = load_config(
            write_config(tmp_path, target.url, database=fresh_pg_database, retry_schedule="[]")
        )
        ingest = ServerThread(create_app(config, role="ingest"))
        worker = ServerThread(create_app(config, role="worker"))
        with ingest, worker:
            for i in range(3):
                assert post(ingest.url, i).status_code == 202
            wait_for(lambda: len(failed(ingest.url)) == 3, timeout=20)
            target.default = Reply(200)
            r = HTTP.post(f"{ingest.url}/replays", headers=ADMIN, json={"status": "failed"})
            assert r.status_code == 202 and r.json()["total"] == 3
            job = r.json()["id"]

            def progress(server: ServerThread) -> dict:
                return HTTP.get(f"{server.url}/replays/{job}", headers=ADMIN).json()

            wait_for(lambda: progress(ingest)["done"], timeout=20)
            for server in (ingest, worker):
                seen = progress(server)
                assert (seen["finished"], seen["by_status"]) == (3, {"succeeded": 3})
                listed = HTTP.get(f"{server.url}/replays", headers=ADMIN).json()["replays"]
                assert [b["id"] for b in listed] == [job]
            assert sorted(delivered(target)) == [0, 1, 2]


def test_database_outage_answers_503_loses_nothing_acknowledged_and_resumes(
    tmp_path, behind_proxy, caplog
) -> None:
    proxy, through_proxy = behind_proxy
    with Target() as target:
        # Slow answers, so deliveries are in flight when the database goes away.
        target.default = Reply(200, delay=0.5)
        config = load_config(write_config(tmp_path, target.url, database=through_proxy))
        with ServerThread(create_app(config)) as server:
            acked = {i for i in range(10) if post(server.url, i).status_code == 202}
            assert acked == set(range(10))
            wait_for(lambda: len(target.received) >= 3, what="deliveries in flight")

            proxy.stop()  # the database is unreachable from here on
            refused = [post(server.url, i).status_code for i in range(100, 105)]
            assert refused == [503] * 5
            r = HTTP.get(f"{server.url}/healthz")
            assert r.status_code == 503 and r.json()["status"] == "unavailable"
            assert "store is unreachable" in r.json()["reason"]
            # The operator's routes say so too (not a 500 with a traceback in the log).
            for path in ("/deliveries", "/replays", "/replays/1", "/deliveries/1"):
                r = HTTP.get(f"{server.url}{path}", headers=ADMIN, timeout=30)
                assert r.status_code == 503, (path, r.text)
                assert r.json()["error"].startswith("the store is unavailable ("), path
            # Metrics still answer, saying the store is down, without a stale queue depth.
            r = HTTP.get(f"{server.url}/metrics", timeout=30)
            assert r.status_code == 200
            assert "dodo_transform_store_up 0.0" in r.text
            assert "dodo_transform_webhooks_received_total{" in r.text
            assert "dodo_transform_queue_depth{" not in r.text
            time.sleep(1.0)  # in-flight deliveries finish now and cannot record it

            proxy.start()
            wait_for(lambda: HTTP.get(f"{server.url}/healthz").status_code == 200)
            acked |= {i for i in range(10, 20) if post(server.url, i).status_code == 202}
            assert acked == set(range(20))
            wait_for(lambda: acked <= delivered(target), timeout=60, what="all delivered")

            def all_recorded() -> bool:
                r = HTTP.get(f"{server.url}/healthz", headers=ADMIN).json()
                return r.get("deliveries") == {"succeeded": 20}

            wait_for(all_recorded, timeout=60, what="every outcome recorded")
            r = HTTP.get(f"{server.url}/metrics", timeout=30)
            assert "dodo_transform_store_up 1.0" in r.text
            assert 'dodo_transform_queue_depth{endpoint="test"} 0.0' in r.text
        assert not delivered(target) & set(range(100, 105))  # nothing refused was kept
    # Said once each, not at every reconnection attempt of the outage.
    listen = [r.getMessage()[:24] for r in caplog.records if "LISTEN" in r.getMessage()]
    assert listen == ["LISTEN connection lost (", "LISTEN connection back"], listen


def test_a_bulk_replay_cut_short_by_an_outage_says_which_deliveries_were_replayed(
    tmp_path, behind_proxy
) -> None:
    from dodo_transform.relay.events import Observer

    proxy, through_proxy = behind_proxy

    class OutageAfterTwoReplays(Observer):
        def __init__(self) -> None:
            self.replayed: list[int] = []

        def operated(self, delivery, action) -> None:
            self.replayed.append(delivery.id)
            if len(self.replayed) == 2:
                proxy.stop()

    outage = OutageAfterTwoReplays()
    with Target() as target:
        target.default = Reply(500)
        config = load_config(
            write_config(tmp_path, target.url, database=through_proxy, retry_schedule="[]")
        )
        with ServerThread(create_app(config, observers=[outage])) as server:
            for i in range(5):
                assert post(server.url, i).status_code == 202

            wait_for(lambda: len(failed(server.url)) == 5, timeout=20)
            target.default = Reply(200)
            r = HTTP.post(
                f"{server.url}/replays", headers=ADMIN, json={"status": "failed"}, timeout=30
            )
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            ids = ", ".join(map(str, outage.replayed))
            assert "2 of 5 deliveries were replayed" in error, error
            assert f"(ids {ids}); this replay's progress is not kept." in error, error
            assert "The other 3 were not replayed: once the store is back, replay them" in error

            proxy.start()  # the two replayed are delivered, the other three still failed
            wait_for(lambda: len(target.received) == 7, timeout=30, what="the two replays")
            wait_for(lambda: len(failed(server.url)) == 3, timeout=30, what="replays recorded")
            assert HTTP.get(f"{server.url}/replays", headers=ADMIN).json()["replays"] == []


def no_crash(caplog) -> None:
    """Nothing serve logged was a crash or carried a traceback: an outage is waited out."""
    ours = [r for r in caplog.records if r.name.startswith("dodo_transform")]
    bad = [r.getMessage() for r in ours if r.exc_info or "crash" in r.getMessage()]
    assert not bad, bad


def test_an_outage_between_a_send_and_its_rate_limit_slot_loses_no_outcome(
    tmp_path, behind_proxy, caplog
) -> None:
    # The shared limiter's slots are rows: the target answers while the database is away,
    # so releasing the slot fails. The attempt's outcome must wait for the store, not be
    # dropped as a crash (the row would then stay `delivering` for its lease and be sent
    # again). The lease is long here, so a waited-out lease would show as a timeout.
    proxy, through_proxy = behind_proxy
    with Target() as target:
        target.holding = True
        config = load_config(
            write_config(
                tmp_path,
                target.url,
                database=through_proxy,
                extra_server="lease = 120",
                extra_endpoint='rate_limit = "50/second"',
            )
        )
        with ServerThread(create_app(config)) as server:
            for i in range(3):  # one customer: one in flight at a time
                assert post(server.url, i, email="jo@example.com").status_code == 202
            wait_for(lambda: target.in_flight == 1, what="the first delivery at the target")
            proxy.stop()
            target.holding = False  # answered while the database is unreachable
            wait_for(lambda: len(target.received) == 1 and target.in_flight == 0)
            time.sleep(0.5)  # the worker tries to release the slot and record the outcome
            proxy.start()
            wait_for(
                lambda: (
                    HTTP.get(f"{server.url}/healthz", headers=ADMIN).json().get("deliveries")
                    == {"succeeded": 3}
                ),
                timeout=20,
                what="every outcome recorded",
            )
            assert len(target.received) == 3 and delivered(target) == {0, 1, 2}  # none twice
            rows = HTTP.get(f"{server.url}/deliveries", headers=ADMIN).json()["deliveries"]
            assert [d["attempt_count"] for d in rows] == [1, 1, 1]
    no_crash(caplog)


def test_an_outage_while_endpoint_health_is_kept_is_waited_out(
    tmp_path, behind_proxy, caplog
) -> None:
    # A failed attempt is recorded, then the endpoint's failing streak is written: the
    # database goes away between the two (an observer of the record stops the proxy).
    from dodo_transform.relay.events import Observer

    proxy, through_proxy = behind_proxy

    class OutageAfterFirstFailure(Observer):
        def recorded(self, delivery, status, **details) -> None:
            if status == "pending" and details.get("attempt") is not None:
                proxy.stop()

    with Target() as target:
        target.script = [Reply(500)]  # then the default, 200
        # Held until the webhook's 202: the worker, woken by the commit, could otherwise
        # record the failure and the outage begin before the 202 got back through the proxy.
        target.holding = True
        config = load_config(
            write_config(tmp_path, target.url, database=through_proxy, retry_schedule="[0.5]")
        )
        observers = [OutageAfterFirstFailure()]
        with ServerThread(create_app(config, observers=observers)) as server:
            assert post(server.url, 1).status_code == 202
            target.holding = False
            wait_for(lambda: len(target.received) == 1, what="the failed attempt")
            time.sleep(0.5)
            proxy.start()
            wait_for(lambda: len(target.received) == 2, timeout=20, what="the retry")
            wait_for(
                lambda: (
                    HTTP.get(f"{server.url}/deliveries/1", headers=ADMIN).json()["status"]
                    == "succeeded"
                ),
                what="the retry recorded",
            )
            detail = HTTP.get(f"{server.url}/deliveries/1", headers=ADMIN).json()
            assert [a["status_code"] for a in detail["attempts"]] == [500, 200]
            (endpoint,) = HTTP.get(f"{server.url}/endpoints", headers=ADMIN).json()["endpoints"]
            assert endpoint["failing_since"] is None  # the streak was kept, then ended
    no_crash(caplog)


def test_a_store_that_answers_but_cannot_write_makes_the_instance_unready_for_a_while(
    tmp_path, fresh_pg_database
) -> None:
    # PostgreSQL answering "disk full" (SQLSTATE 53100) to every new event, as a full disk
    # would: reads and the readiness ping still work, storing a webhook does not.
    import asyncio

    import asyncpg

    from dodo_transform.clock import FakeClock

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(fresh_pg_database)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    clock = FakeClock(time.time())
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, database=fresh_pg_database))
        with ServerThread(create_app(config, clock=clock)) as server:
            assert post(server.url, 1).status_code == 202
            asyncio.run(
                sql(
                    "CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION"
                    " 'could not extend file: No space left on device' USING ERRCODE = '53100';"
                    " END $$ LANGUAGE plpgsql;"
                    " CREATE TRIGGER full_disk BEFORE INSERT ON events"
                    " FOR EACH ROW EXECUTE FUNCTION full_disk()"
                )
            )
            assert post(server.url, 2).status_code == 503
            r = HTTP.get(f"{server.url}/healthz")
            assert r.status_code == 503, r.text
            assert r.json()["reason"].startswith("the store refused to store a webhook 0 s ago")
            assert "No space left on device" in r.json()["reason"]
            clock.advance(11)  # the balancer may try this instance again ...
            assert HTTP.get(f"{server.url}/healthz").status_code == 200
            assert post(server.url, 3).status_code == 503  # ... which still cannot store
            assert HTTP.get(f"{server.url}/healthz").status_code == 503
            asyncio.run(sql("DROP TRIGGER full_disk ON events"))
            assert post(server.url, 4).status_code == 202  # stored: ready again at once
            assert HTTP.get(f"{server.url}/healthz").status_code == 200
            wait_for(lambda: delivered(target) == {1, 4})


def test_a_blip_of_the_database_does_not_hold_the_instance_out_of_the_pool(
    tmp_path, behind_proxy
) -> None:
    # Webhooks refused because the database could not be reached at all: once it answers,
    # the instance is ready again at once (the 10 s hold is for a store that answers and
    # refuses to write, such as a full disk).
    proxy, through_proxy = behind_proxy
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, database=through_proxy))
        with ServerThread(create_app(config)) as server:
            proxy.stop()
            assert post(server.url, 1).status_code == 503
            proxy.start()
            wait_for(lambda: HTTP.get(f"{server.url}/healthz").status_code == 200, timeout=5)
            assert post(server.url, 2).status_code == 202


def test_a_database_gone_between_the_check_and_the_start_is_one_line_not_a_traceback(
    tmp_path,
) -> None:
    # `serve` checks the database first (one line, exit 2, when it is down); this is the
    # moment after that check, when the app itself opens the store: uvicorn with serve's
    # logging, the database URL pointing at a port nobody listens on.
    config = write_config(
        tmp_path, "http://127.0.0.1:9", database=f"postgresql://postgres@127.0.0.1:{free_port()}/x"
    )
    script = (
        "import sys, uvicorn\n"
        "from dodo_transform.relay.config import load_config\n"
        "from dodo_transform.relay.logs import configure_logging, flush_logs\n"
        "from dodo_transform.relay.server import create_app\n"
        "configure_logging('info')\n"
        f"app = create_app(load_config({str(config)!r}))\n"
        "server = uvicorn.Server(uvicorn.Config(app, port=0, log_config=None))\n"
        "server.run()\n"
        "flush_logs()\n"
        "sys.exit(0 if server.started else 3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert "Traceback" not in done.stderr, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "the store could not be used" in x]
    assert "Start serve again once the database answers" in line
    assert "Application startup failed. Exiting." in done.stderr


def test_instances_starting_at_once_migrate_once_and_readers_never_migrate(
    fresh_pg_database,
) -> None:
    import asyncio

    from dodo_transform.relay.postgres_store import SCHEMA_VERSION, PostgresStore, StoreUnavailable

    async def go() -> None:
        with pytest.raises(StoreUnavailable, match="schema version 0, this dodo-transform reads"):
            await PostgresStore.open(fresh_pg_database, migrate=False)
        stores = await asyncio.gather(*(PostgresStore.open(fresh_pg_database) for _ in range(5)))
        try:
            assert {await s.schema_version() for s in stores} == {SCHEMA_VERSION}
            reader = await PostgresStore.open(fresh_pg_database, migrate=False)
            await reader.aclose()
        finally:
            for s in stores:
                await s.aclose()

    asyncio.run(go())


def test_deliveries_reads_postgresql_when_the_server_is_down(tmp_path, fresh_pg_database) -> None:
    with Target() as target:
        config_path = write_config(tmp_path, target.url, database=fresh_pg_database)
        config = load_config(config_path)
        with ServerThread(create_app(config)) as server:
            assert post(server.url, 1).status_code == 202
            wait_for(lambda: delivered(target) == {1})
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "deliveries", "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "server not reachable; reading postgresql://postgres@127.0.0.1" in r.stderr
    assert "succeeded" in r.stdout


def test_sigterm_records_an_attempt_cut_short_on_postgresql(tmp_path, fresh_pg_database) -> None:
    from helpers_servers import ServeProcess

    with Target() as target:
        target.default = Reply(200, delay=4)  # longer than shutdown_grace = 0.5
        path = write_config(tmp_path, target.url, database=fresh_pg_database)
        path.write_text(path.read_text().replace("shutdown_grace = 2", "shutdown_grace = 0.5"))
        server = ServeProcess(path, free_port())
        try:
            server.start()
            assert post(server.url, 1).status_code == 202
            wait_for(lambda: len(target.received) == 1)
            server.terminate()
        finally:
            server.stop()
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "deliveries", "show", "1", "--json"]
        + ["--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert (shown["status"], shown["attempt_count"]) == ("pending", 1)
    (attempt,) = shown["attempts"]
    assert attempt["error"] == "interrupted: server shut down after 0.5 s grace"
    sent = target.received[0].headers["idempotency-key"]
    assert attempt["request"]["headers"]["Idempotency-Key"] == sent
