"""Metrics and logs after known traffic: /metrics parsed with prometheus-client's own parser,
and ``serve --log-format json`` read line by line from a real subprocess."""

from __future__ import annotations

import json
import time
from pathlib import Path

from helpers_servers import (
    HTTP,
    SECRET,
    SECRET_2,
    Reply,
    ServeProcess,
    Target,
    free_port,
    write_config,
)
from prometheus_client.parser import text_string_to_metric_families

from dodo_transform import samples
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread

ADMIN = {"Authorization": "Bearer admin-token"}
EVENTS = 'events = ["payment.succeeded", "refund.succeeded"]'


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def body(event_type: str, email: str) -> bytes:
    payload = json.loads(samples.get(event_type).text)
    payload["data"]["customer"]["email"] = email
    return json.dumps(payload).encode()


def refunds_fail(target: Target) -> None:
    # A 422 is final: the refund's delivery ends `failed` after one attempt.
    target.responder = lambda got: (
        Reply(422, '{"message":"no"}')
        if json.loads(got.body)["type"] == "refund.succeeded"
        else None
    )


def send_known_traffic(url: str) -> dict[str, int]:
    """3 accepted payments, 1 accepted refund, 1 duplicate, 1 filtered, 2 unauthorized."""

    def post(data: bytes, headers: dict[str, str]) -> int:
        return HTTP.post(f"{url}/webhooks/test", content=data, headers=headers).status_code

    codes = []
    first = body("payment.succeeded", "p0@example.com")
    first_headers = sign(SECRET, first)
    codes.append(post(first, first_headers))
    for i in (1, 2):
        data = body("payment.succeeded", f"p{i}@example.com")
        codes.append(post(data, sign(SECRET, data)))
    refund = body("refund.succeeded", "r@example.com")
    codes.append(post(refund, sign(SECRET, refund)))
    codes.append(post(first, first_headers))  # Dodo redelivers: duplicate
    filtered = body("subscription.active", "s@example.com")
    codes.append(post(filtered, sign(SECRET, filtered)))
    for _ in range(2):
        codes.append(post(first, sign(SECRET_2, first)))  # another endpoint's secret
    assert codes == [202, 202, 202, 202, 200, 202, 401, 401]
    return {"delivered": 3, "failed": 1}


def samples_of(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_exactly_the_traffic_sent(tmp_path: Path) -> None:
    with Target() as target:
        refunds_fail(target)
        config = load_config(write_config(tmp_path, target.url, extra_endpoint=EVENTS))
        with ServerThread(create_app(config)) as server:
            send_known_traffic(server.url)
            wait_for(lambda: len(target.received) == 4)

            def metrics() -> dict:
                r = HTTP.get(f"{server.url}/metrics")
                assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
                return samples_of(r.text)

            def value(name: str, **labels: str) -> float:
                return metrics().get((name, tuple(sorted(labels.items()))), 0.0)

            wait_for(
                lambda: (
                    value("dodo_transform_deliveries_total", endpoint="test", status="failed") == 1
                )
            )
            received = "dodo_transform_webhooks_received_total"
            assert value(received, endpoint="test", outcome="accepted") == 4
            assert value(received, endpoint="test", outcome="duplicate") == 1
            assert value(received, endpoint="test", outcome="filtered") == 1
            assert value(received, endpoint="test", outcome="unauthorized") == 2
            deliveries = "dodo_transform_deliveries_total"
            wait_for(lambda: value(deliveries, endpoint="test", status="succeeded") == 3)
            assert value(deliveries, endpoint="test", status="filtered") == 1
            attempts = "dodo_transform_attempts_total"
            assert value(attempts, endpoint="test", status_class="2xx") == 3
            assert value(attempts, endpoint="test", status_class="4xx") == 1
            m = metrics()
            assert (
                m[("dodo_transform_attempt_duration_seconds_count", (("endpoint", "test"),))] == 4
            )
            assert (
                m[("dodo_transform_transform_duration_seconds_count", (("endpoint", "test"),))] == 4
            )
            assert m[("dodo_transform_queue_depth", (("endpoint", "test"),))] == 0
            assert m[("dodo_transform_oldest_pending_age_seconds", (("endpoint", "test"),))] == 0


def test_metrics_can_require_the_admin_token(tmp_path: Path) -> None:
    config = load_config(
        write_config(tmp_path, "http://127.0.0.1:9", extra_server="protect_metrics = true")
    )
    with ServerThread(create_app(config)) as server:
        assert HTTP.get(f"{server.url}/metrics").status_code == 401
        assert HTTP.get(f"{server.url}/metrics", headers=ADMIN).status_code == 200


def test_json_logs_have_one_received_and_one_attempt_line_per_delivery(tmp_path: Path) -> None:
    with Target() as target:
        refunds_fail(target)
        config = write_config(tmp_path, target.url, extra_endpoint=EVENTS)
        server = ServeProcess(config, free_port())
        try:
            server.start(args=("--log-format", "json"))
            send_known_traffic(server.url)
            wait_for(lambda: len(target.received) == 4)
            wait_for(lambda: server.stderr_text().count('"message": "attempt"') == 4)
            assert server.terminate() in (0, -15)
            stdout = server.proc.stdout.read()
        finally:
            server.stop()
    text = server.stderr_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    received = [x for x in lines if x["message"] == "received"]
    attempts = [x for x in lines if x["message"] == "attempt"]
    accepted = [x for x in received if x["outcome"] == "accepted"]
    assert len(accepted) == 4
    assert sorted(x["outcome"] for x in received) == sorted(
        ["accepted"] * 4 + ["duplicate", "filtered", "unauthorized", "unauthorized"]
    )
    by_delivery = {x["delivery_id"]: x for x in attempts}
    assert sorted(by_delivery) == sorted(x["delivery_id"] for x in accepted)
    for line in accepted:
        attempt = by_delivery[line["delivery_id"]]
        for key in ("endpoint", "webhook_id", "delivery_id", "event_type"):
            assert attempt[key] == line[key], key
        assert isinstance(attempt["duration_ms"], float)
        assert attempt["http_status"] == (422 if line["event_type"] == "refund.succeeded" else 200)
        assert attempt["status"] == ("failed" if attempt["http_status"] == 422 else "succeeded")
    assert {x["http_status"] for x in received if x["outcome"] == "unauthorized"} == {401}
    # Why, as the answer said it: an operator with a wrong secret reads it in the log.
    assert {x["reason"] for x in received if x["outcome"] == "unauthorized"} == {
        "invalid webhook signature: signature does not match any configured secret "
        "(wrong secret or altered body)"
    }
    assert all("reason" not in x for x in accepted)
    assert any(x["message"].startswith("started") for x in lines)
    assert any(x["message"] == "stopped" for x in lines)
    everything = text + stdout
    for secret in (SECRET, SECRET.removeprefix("whsec_"), SECRET_2, "admin-token", "target-key"):
        assert secret not in everything


def _log_writer(stream):
    import logging

    from dodo_transform.relay.logs import _Formatter, _Writer

    writer = _Writer(stream, _Formatter("text"))
    logger = logging.getLogger(f"dodo_transform.test_writer.{id(writer)}")
    logger.handlers[:] = [writer]
    logger.propagate = False
    logger.setLevel("INFO")
    return writer, logger


def test_log_lines_are_written_in_order_by_their_own_thread_and_all_of_them_at_close(
    tmp_path: Path,
) -> None:
    with (tmp_path / "log").open("w") as stream:
        writer, logger = _log_writer(stream)
        for i in range(3000):
            logger.info("line %d", i)
        writer.close()
    lines = (tmp_path / "log").read_text().splitlines()
    assert [line.rsplit(" ", 1)[1] for line in lines] == [str(i) for i in range(3000)]


def test_a_stalled_stderr_never_stalls_the_logger_and_dropped_lines_are_counted() -> None:
    import os
    import threading

    read_end, write_end = os.pipe()  # nobody reads it at first: the writer thread blocks
    with os.fdopen(write_end, "w") as stream:
        writer, logger = _log_writer(stream)
        writer.MAX_QUEUED = 100
        for i in range(5000):  # ~500 KB: far more than the pipe holds
            logger.info("line %d %s", i, "x" * 80)
        # Only now is anything read: the logging calls above returned without it.
        out = bytearray()
        reader = threading.Thread(target=read_all, args=(read_end, out))
        reader.start()
        writer.close()
    reader.join(10)
    lines = out.decode().splitlines()
    written = [line for line in lines if " line " in line]
    dropped = [line for line in lines if "log lines dropped" in line]
    count = sum(int(line.split("(")[1].split()[0]) for line in dropped)
    assert count > 0 and len(written) + count == 5000  # each line written or counted
    numbers = [int(line.split(" line ")[1].split()[0]) for line in written]
    assert numbers == sorted(numbers)  # what was written kept its order


def read_all(fd: int, out: bytearray) -> None:
    import os

    while chunk := os.read(fd, 65536):
        out += chunk
    os.close(fd)


def test_every_receive_outcome_is_logged_with_the_status_it_answered(caplog) -> None:
    """A 503 (the store down) was missing: the log observer raised on every refused webhook,
    and serve's log showed a traceback for each."""
    import logging
    from typing import get_args

    from dodo_transform.relay.events import ReceiveOutcome
    from dodo_transform.relay.logs import LogObserver

    with caplog.at_level(logging.INFO, logger="dodo_transform"):
        for outcome in get_args(ReceiveOutcome):
            LogObserver().received("ep", outcome, webhook_id=f"msg_{outcome}")
    statuses = {r.fields["outcome"]: r.fields["http_status"] for r in caplog.records}  # type: ignore[attr-defined]
    assert set(statuses) == set(get_args(ReceiveOutcome))
    assert statuses["unavailable"] == 503 and statuses["accepted"] == 202


def test_asyncpg_warnings_are_one_line_in_serves_log() -> None:
    """During a database outage asyncpg's pool warns every second with a traceback; serve
    says what failed itself, so its log keeps asyncpg's message on one line."""
    import subprocess
    import sys

    code = """
import logging
from dodo_transform.relay.logs import configure_logging, flush_logs
configure_logging()
for _ in range(3):  # one outage, three reconnection attempts: said once
    try:
        raise ConnectionRefusedError(111, "Connect call failed")
    except OSError:
        logging.getLogger("asyncpg.pool").warning("Failed to restore the pool floor", exc_info=True)
logging.getLogger("asyncpg.pool").info("below warning: not shown")
try:
    raise KeyError("ours")
except KeyError:
    logging.getLogger("dodo_transform.dispatcher").exception("a bug of ours")
flush_logs()
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = run.stderr.splitlines()
    assert lines[0].endswith(
        "WARNING asyncpg.pool: Failed to restore the pool floor "
        "(ConnectionRefusedError: [Errno 111] Connect call failed)"
    ), run.stderr
    assert "below warning" not in run.stderr
    assert lines[1].endswith("ERROR   a bug of ours") and "Traceback" in lines[2]  # ours keep it
    assert run.stderr.count("Failed to restore the pool floor") == 1


def test_live_changes_made_while_a_batch_is_being_shared_go_in_the_next_batch() -> None:
    """A change published while the previous batch's NOTIFY is still on its way must follow
    it, not wait for some later change. The store is a stand-in whose broadcast publishes
    the second change mid-way, on cue (a real round trip is too short to land in)."""
    import asyncio

    from dodo_transform.relay.live import LiveFeed

    feed = LiveFeed()

    class MidBroadcast:
        def __init__(self) -> None:
            self.sent: list[list[dict]] = []

        async def subscribe(self, channel, on_payload) -> None:
            pass

        async def broadcast(self, channel, payload) -> None:
            if not self.sent:
                feed.publish({"id": 2})  # while the first batch is on its way
            await asyncio.sleep(0)
            self.sent.append(json.loads(payload)["messages"])

    async def go() -> list[list[dict]]:
        store = MidBroadcast()
        await feed.share(store)  # type: ignore[arg-type]
        feed.publish({"id": 1})
        for _ in range(100):
            if len(store.sent) == 2:
                break
            await asyncio.sleep(0.05)
        return store.sent

    assert asyncio.run(go()) == [[{"id": 1}], [{"id": 2}]]
