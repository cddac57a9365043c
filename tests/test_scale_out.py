"""Several serve processes on one PostgreSQL database, as an operator runs them.

- Chaos: three instances, 1,200 signed events posted round-robin (each customer's events one
  after another, as Dodo sends them), two instances SIGKILLed at different moments and
  restarted. Every acknowledged event reaches the target, each customer's events arrive in
  order and never two at once, and the only repeats are deliveries a kill cut short.
- Shared rate limit: three instances drain 500 MailerLite upserts through the emulator, both
  sides at 100 requests per 5 s (MailerLite's 120/minute, time-compressed): no 429, and the
  budget is reused at ≥ 95 % of the pace the limit allows.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from helpers_servers import (
    SECRET,
    Reply,
    ServeProcess,
    Target,
    Timed,
    free_port,
    write_config,
)

from dodo_transform.mailerlite.emulator.app import create_app as emulator_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread

CUSTOMERS = 60
PER_CUSTOMER = 20  # 1,200 events
CONCURRENCY = 8
DELAY = 0.01  # the target's answer time: deliveries are in flight when an instance dies


def scale_config(tmp: Path, target_url: str, database: str, **kw) -> Path:
    # A 3-s lease: a killed instance's deliveries move on quickly, and a live one (renewing
    # every second) keeps its own even on a busy machine.
    return write_config(
        tmp,
        target_url,
        database=database,
        extra_server=f"concurrency = {CONCURRENCY}\nlease = 3",
        **kw,
    )


def test_three_instances_two_killed_lose_nothing_and_keep_each_customers_order(
    tmp_path, fresh_pg_database
) -> None:
    with Target() as target:
        target.default = Reply(200, delay=DELAY)
        config = scale_config(tmp_path, target.url, fresh_pg_database)
        instances = [ServeProcess(config, free_port()) for _ in range(3)]
        acked: set[int] = set()
        lock = threading.Lock()
        kills: list[int] = []
        try:
            for s in instances:
                s.start()

            def chaos() -> None:
                # Kill instance 0 after a quarter of the events, instance 1 after half; each
                # comes back a moment later (a supervisor restarting it).
                for victim, at in ((0, 300), (1, 650)):
                    while len(acked) < at:
                        time.sleep(0.01)
                    instances[victim].kill9()
                    kills.append(victim)
                    time.sleep(0.5)
                    instances[victim].start()

            def customer(c: int) -> None:
                with httpx.Client(timeout=20) as client:
                    for k in range(PER_CUSTOMER):
                        i = c * PER_CUSTOMER + k
                        body = json.dumps(
                            {
                                "type": "payment.succeeded",
                                "data": {"i": i, "customer": {"email": f"c{c}@example.com"}},
                            }
                        ).encode()
                        headers = sign(SECRET, body, msg_id=f"msg_{i}")
                        # Round-robin; an instance that is down (or answers 503) makes the
                        # sender try the next one, as Dodo's retry would reach another.
                        for attempt in range(60):
                            s = instances[(i + attempt) % 3]
                            try:
                                r = client.post(
                                    f"{s.url}/webhooks/test", content=body, headers=headers
                                )
                            except httpx.HTTPError:
                                time.sleep(0.05)
                                continue
                            if r.status_code in (200, 202):
                                with lock:
                                    acked.add(i)
                                break
                        else:
                            raise AssertionError(f"event {i} was never acknowledged")

            killer = threading.Thread(target=chaos)
            killer.start()
            with ThreadPoolExecutor(12) as pool:
                list(pool.map(customer, range(CUSTOMERS)))
            killer.join(60)
            assert kills == [0, 1]

            deadline = time.monotonic() + 120
            while not acked <= {json.loads(b)["data"]["i"] for b in target.bodies()}:
                assert time.monotonic() < deadline, "acknowledged events not all delivered"
                time.sleep(0.1)
        finally:
            for s in instances:
                s.stop()
        received = list(target.received)

    arrivals: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r in received:
        i = json.loads(r.body)["data"]["i"]
        arrivals[i // PER_CUSTOMER].append((i, r.at))
    total = CUSTOMERS * PER_CUSTOMER
    assert len(acked) == total
    duplicates = len(received) - total
    for c, seq in arrivals.items():
        events = [i for i, _ in seq]
        # In order: a repeat comes right after its first copy, never after a later event.
        assert events == sorted(events), f"customer {c} out of order: {events}"
        # One at a time: the next request left only after the previous answer came back.
        for (_, a), (_, b) in zip(seq, seq[1:], strict=False):
            assert b - a >= DELAY * 0.9, f"customer {c}: two deliveries in flight at once"
    # Only what a kill cut short may repeat: at most each killed instance's in-flight ones.
    print(f"\nchaos: {total} events, {len(received)} deliveries, {duplicates} duplicates")
    assert 0 <= duplicates <= 2 * CONCURRENCY


UPSERT = """
function handler(webhook) {
  const c = webhook.payload.data.customer;
  webhook.url = "https://connect.mailerlite.com/api/subscribers";
  webhook.headers = {"Authorization": "Bearer " + webhook.env.KEY, "Accept": "application/json"};
  webhook.payload = {email: c.email, fields: {name: c.name}};
  return webhook;
}
"""
LIMIT, WINDOW, UPSERTS = 100, 5.0, 500


def test_three_instances_share_mailerlites_rate_limit(tmp_path, fresh_pg_database) -> None:
    emulator = Timed(emulator_app(rate_limit=LIMIT, window_seconds=WINDOW))
    with ServerThread(emulator, lifespan=False) as ml:
        config = write_config(
            tmp_path,
            "https://connect.mailerlite.com",
            database=fresh_pg_database,
            handler=UPSERT,
            extra_server="concurrency = 32",
            extra_endpoint=f'rate_limit = "{LIMIT}/{WINDOW:g}s"\nenv = {{ KEY = "test-key" }}\n'
            f'rewrite_urls = {{ "https://connect.mailerlite.com/" = "{ml.url}/" }}',
        )
        instances = [ServeProcess(config, free_port()) for _ in range(3)]
        try:
            for s in instances:
                s.start()
            with httpx.Client(timeout=20) as client:
                for i in range(UPSERTS):
                    body = json.dumps(
                        {
                            "type": "payment.succeeded",
                            "data": {"customer": {"email": f"u{i}@example.com", "name": f"U{i}"}},
                        }
                    ).encode()
                    s = instances[i % 3]
                    r = client.post(
                        f"{s.url}/webhooks/test",
                        content=body,
                        headers=sign(SECRET, body, msg_id=f"msg_{i}"),
                    )
                    assert r.status_code == 202
            deadline = time.monotonic() + 120
            while sum(1 for _, status in emulator.log if status in (200, 201)) < UPSERTS:
                assert time.monotonic() < deadline, "the backlog did not drain"
                assert not any(status == 429 for _, status in emulator.log), "a 429"
                time.sleep(0.2)
        finally:
            for s in instances:
                s.stop()
    statuses = [status for _, status in emulator.log]
    assert statuses.count(429) == 0
    assert statuses.count(201) == UPSERTS
    times = sorted(at for at, status in emulator.log if status == 201)
    # Throughput over the full windows: the limit lets LIMIT through at once and the next
    # LIMIT a window later, so request k * LIMIT goes out k windows after the first at the
    # earliest. (How fast each window's LIMIT requests go out is the pipeline's speed, not
    # the limiter's: here well within a window.)
    windows = (UPSERTS - 1) // LIMIT
    took = times[windows * LIMIT] - times[0]
    print(
        f"\nrate limit: {windows * LIMIT} upserts in {took:.2f} s over {windows} windows"
        f" (the limit allows them in {windows * WINDOW:g} s at best); all {UPSERTS} in"
        f" {times[-1] - times[0]:.1f} s"
    )
    assert windows * WINDOW / took >= 0.95
