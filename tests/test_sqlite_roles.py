"""Roles on one SQLite file: processes that receive beside the one that delivers.

Real parts: `dodo-transform serve` child processes on one SQLite file, a real target on
loopback. The worker's idle re-check is 30 s away, so a delivery within the tests' waits
shows it was woken by the ingest process's commit (SQLite's data_version), not by its timer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict

from helpers_servers import (
    HTTP,
    SECRET,
    Reply,
    ServeProcess,
    Target,
    free_port,
    wait_for,
    write_config,
)

from dodo_transform.relay.signing import sign


def post(url: str, i: int, email: str) -> int:
    body = json.dumps(
        {"type": "payment.succeeded", "data": {"i": i, "customer": {"email": email}}}
    ).encode()
    headers = sign(SECRET, body, msg_id=f"msg_{i}")
    return HTTP.post(f"{url}/webhooks/test", content=body, headers=headers, timeout=20).status_code


def received(target: Target) -> list[tuple[str, int]]:
    """(customer, i) of each request the target received, in arrival order."""
    out = []
    for body in target.bodies():
        data = json.loads(body)["data"]
        out.append((data["customer"]["email"], data["i"]))
    return out


def succeeded(server: ServeProcess) -> int:
    """Deliveries recorded as succeeded, as the server's /healthz counts them."""
    detail = HTTP.get(f"{server.url}/healthz", headers={"Authorization": "Bearer admin-token"})
    return int(detail.json()["deliveries"].get("succeeded", 0))


def test_an_ingest_process_and_a_worker_process_share_one_sqlite_file(tmp_path) -> None:
    with Target() as target:
        target.default = Reply(delay=0.5)  # each attempt is in flight for a while
        config = write_config(tmp_path, target.url)
        worker = ServeProcess(config, free_port(), args=("--role", "worker"))
        ingest = ServeProcess(config, free_port(), args=("--role", "ingest"))
        try:
            banner = worker.start()
            assert (
                "role worker" in banner and "(no webhooks: --role worker only delivers)" in banner
            )
            banner = ingest.start()
            assert "role ingest" in banner and "(POST /webhooks/test)" in banner
            assert "no process delivers" not in banner  # the worker does
            r = HTTP.post(f"{worker.url}/webhooks/test", content=b"{}", timeout=20)
            assert r.status_code == 503 and "--role worker" in r.json()["error"]
            # A worker killed with attempts in flight; the next one sends them again.
            for i in range(12):
                assert post(ingest.url, i, f"c{i}@example.com") == 202
            wait_for(lambda: len(target.received) >= 1, 20, "a first attempt")
            worker.kill9()
            worker = ServeProcess(config, free_port(), args=("--role", "worker"))
            worker.start()
            # Recorded as delivered: by the new worker, since the old one recorded nothing.
            wait_for(lambda: succeeded(ingest) == 12, 30, "every acknowledged event delivered")
            assert "requeued" in worker.stderr_text()
            assert len(target.received) >= 13  # at least one sent again (at-least-once)
            # Three customers' events, each customer's in order.
            target.default = Reply()
            emails = ["a@example.com", "b@example.com", "c@example.com"]
            for i in range(100, 130):
                assert post(ingest.url, i, emails[i % 3]) == 202
            wait_for(
                lambda: {i for _, i in received(target)} >= set(range(100, 130)),
                20,
                "the 30 events",
            )
            per_customer: dict[str, list[int]] = defaultdict(list)
            for email, i in received(target):
                if i >= 100:
                    per_customer[email].append(i)
            for email, got in per_customer.items():
                assert got == sorted(got), f"{email}: delivered out of order: {got}"
            assert sorted(i for got in per_customer.values() for i in got) == list(range(100, 130))
            wait_for(lambda: succeeded(ingest) == 42, 20, "all 42 recorded")
        finally:
            ingest.stop()
            worker.stop()


def test_an_ingest_process_alone_says_that_nothing_delivers_what_it_stores(tmp_path) -> None:
    with Target() as target:
        config = write_config(tmp_path, target.url)
        ingest = ServeProcess(config, free_port(), args=("--role", "ingest"))
        try:
            ingest.start()
            banner = ingest.proc.stdout.readline() + ingest.proc.stdout.readline()
            assert f"warning: no process delivers from {tmp_path / 'store.db'} yet" in banner
            assert "--role worker" in banner and "started when /api/test" in banner
            assert post(ingest.url, 1, "a@example.com") == 202  # stored all the same
            # A worker started beside it finds the lock free (the ingest process only
            # looked at it) and delivers what was stored.
            worker = ServeProcess(config, free_port(), args=("--role", "worker"))
            try:
                worker.start()
                wait_for(lambda: succeeded(ingest) == 1, 20, "the stored event delivered")
            finally:
                worker.stop()
            ingest.terminate()
            log = ingest.stderr_text()
            assert "stopping" in log and "in-flight attempts" not in log
        finally:
            ingest.stop()
    assert len(target.received) == 1


def test_a_second_delivering_process_on_one_sqlite_file_is_refused_in_one_line(
    tmp_path,
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:1")
    first = ServeProcess(config, free_port())
    try:
        first.start()
        for role in ("all", "worker"):
            r = subprocess.run(
                [sys.executable, "-m", "dodo_transform", "serve", "--config", str(config)]
                + ["--port", str(free_port()), "--role", role],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
            assert f"is delivered from by another serve process (pid {first.proc.pid})" in (
                r.stderr
            )
            assert "--role ingest" in r.stderr and "Traceback" not in r.stderr
    finally:
        first.stop()
    # The kernel releases the lock however the process ended: tests/test_store.py.
