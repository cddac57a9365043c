"""The admin API's lists, filters, pages, cancel, bulk replay and endpoint state: a real
server in a thread, a real target, a real SQLite file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from helpers_servers import HTTP, SECRET, Reply, Target, write_config

from dodo_transform import samples
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.store import DeliveryQuery, EndpointState
from dodo_transform.serving import ServerThread

ADMIN = {"Authorization": "Bearer admin-token"}


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def envelope(event_type: str, email: str) -> bytes:
    payload = json.loads(samples.get(event_type).text)
    payload["data"]["customer"]["email"] = email
    return json.dumps(payload).encode()


@pytest.fixture
def rig(tmp_path: Path):
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, retry_schedule="[0.1]"))
        with ServerThread(create_app(config)) as server:
            yield server, target


def post(server, body: bytes) -> int:
    r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=sign(SECRET, body))
    assert r.status_code == 202, r.text
    return int(r.json()["delivery_id"])


def get(server, path: str, **params) -> httpx.Response:
    return HTTP.get(f"{server.url}{path}", params=params, headers=ADMIN)


def status_of(server, delivery_id: int) -> str:
    return get(server, f"/deliveries/{delivery_id}").json()["status"]


def test_lists_filter_by_status_endpoint_event_type_time_and_customer(rig) -> None:
    server, target = rig
    target.responder = lambda got: (
        Reply(500) if json.loads(got.body)["type"] == "refund.succeeded" else None
    )
    paid = post(server, envelope("payment.succeeded", "Ann@Example.com"))
    before_refund = time.time()
    refund = post(server, envelope("refund.succeeded", "bob@example.com"))
    wait_for(lambda: status_of(server, refund) == "failed")
    wait_for(lambda: status_of(server, paid) == "succeeded")

    def ids(**params) -> list[int]:
        r = get(server, "/deliveries", **params)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()["deliveries"]]

    assert ids() == [refund, paid]
    assert ids(status="failed") == [refund]
    assert ids(endpoint="test") == [refund, paid] and ids(endpoint="other") == []
    assert ids(event_type="payment.succeeded") == [paid]
    assert ids(customer_email="ann@example.com") == [paid]  # any case, as Dodo spells it
    assert ids(since=str(before_refund)) == [refund]
    assert ids(until=str(before_refund)) == [paid]
    assert ids(since="1h") == [refund, paid] and ids(until="1h") == []
    row = get(server, "/deliveries", status="failed").json()["deliveries"][0]
    assert (row["event_type"], row["http_status"]) == ("refund.succeeded", 500)
    assert row["webhook_id"].startswith("msg_") and len(row["handler_version"]) == 12
    for bad in ({"status": "lost"}, {"since": "yesterday-ish"}, {"cursor": "x"}, {"limit": "0"}):
        r = get(server, "/deliveries", **bad)
        assert r.status_code == 400 and list(bad)[0] in r.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "nan"},
        {"until": "inf"},
        {"until": "1e999"},
        {"since": "1_000"},
        {"since": "\uff11\uff12\uff13"},  # fullwidth digits
        {"limit": "9" * 5000},
        {"limit": "\u00b2"},
    ],
)
def test_a_number_that_is_no_epoch_or_limit_is_400_not_a_silent_filter(rig, params) -> None:
    server, _ = rig
    r = get(server, "/deliveries", **params)
    assert r.status_code == 400, r.text
    (name,) = params
    assert r.json()["error"].startswith(name)


def test_a_planted_session_cookie_of_thousands_of_digits_is_no_session(rig) -> None:
    from dodo_transform.console import mount_console

    server, _ = rig
    mount_console(server.server.config.app)
    planted = {"Cookie": "dodo_transform_session=" + "9" * 5000 + ".x"}
    r = HTTP.get(f"{server.url}/ui/deliveries", headers=planted)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")


def test_wrong_tokens_sent_at_once_are_answered_one_after_another(rig) -> None:
    """Wherever the token is checked: the admin API, the console's pages and stream, the
    playground, /healthz's details. A faster door anywhere would serve guessing."""
    import concurrent.futures

    from dodo_transform.console import mount_console
    from dodo_transform.relay.server import WRONG_TOKEN_WAIT

    server, _ = rig
    mount_console(server.server.config.app)
    wrong = {"Authorization": "Bearer guess"}
    paths = ["/deliveries", "/ui/deliveries", "/ui/events", "/ui/playground/", "/healthz"] * 2
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        answers = list(pool.map(lambda p: HTTP.get(f"{server.url}{p}", headers=wrong), paths))
    assert [r.status_code for r in answers[:5]] == [401, 303, 401, 303, 200]
    assert "backend" not in answers[4].json()  # /healthz without its details
    # Parallel guesses gain nothing: ten take ten waits, not one.
    assert time.monotonic() - started >= len(paths) * WRONG_TOKEN_WAIT
    assert get(server, "/deliveries").status_code == 200  # the right token does not wait


def test_cursor_pages_walk_every_delivery_once_newest_first(rig) -> None:
    server, _ = rig
    made = [post(server, envelope("payment.succeeded", f"c{i}@example.com")) for i in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = get(server, "/deliveries", **params).json()
        seen += [d["id"] for d in page["deliveries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)


def test_cancel_a_retry_waiting_delivery_and_refuse_a_finished_one(tmp_path: Path) -> None:
    with Target() as target:
        target.default = Reply(503)
        config = load_config(write_config(tmp_path, target.url, retry_schedule="[3600]"))
        with ServerThread(create_app(config)) as server:
            d = post(server, envelope("payment.succeeded", "a@example.com"))
            wait_for(lambda: get(server, f"/deliveries/{d}").json()["attempt_count"] == 1)
            assert status_of(server, d) == "pending"  # waiting an hour for its retry
            r = HTTP.post(f"{server.url}/deliveries/{d}/cancel", headers=ADMIN)
            assert r.status_code == 200 and r.json() == {"delivery_id": d, "status": "cancelled"}
            r = HTTP.post(f"{server.url}/deliveries/{d}/cancel", headers=ADMIN)
            assert r.status_code == 409 and "only a pending delivery" in r.json()["error"]
            assert HTTP.post(f"{server.url}/deliveries/99/cancel", headers=ADMIN).status_code == 404
            assert HTTP.post(f"{server.url}/deliveries/x/cancel", headers=ADMIN).status_code == 404
            assert len(target.received) == 1


def test_bulk_replay_counts_then_replays_what_was_counted(rig) -> None:
    server, target = rig
    target.default = Reply(500)
    failed = [post(server, envelope("payment.succeeded", f"f{i}@example.com")) for i in range(3)]
    for d in failed:
        wait_for(lambda d=d: status_of(server, d) == "failed")
    url = f"{server.url}/replays"
    dry = HTTP.post(url, headers=ADMIN, json={"status": "failed", "dry_run": True})
    assert dry.status_code == 200 and dry.json()["count"] == 3
    late = post(server, envelope("payment.succeeded", "late@example.com"))
    wait_for(lambda: status_of(server, late) == "failed")
    target.default = Reply(200)
    r = HTTP.post(url, headers=ADMIN, json={"status": "failed", "cursor": dry.json()["cursor"]})
    assert r.status_code == 202 and r.json()["total"] == 3  # not the late one
    job = r.json()["id"]
    wait_for(lambda: get(server, f"/replays/{job}").json()["done"])
    progress = get(server, f"/replays/{job}").json()
    assert progress["by_status"] == {"succeeded": 3} and progress["finished"] == 3
    assert [d["id"] for d in get(server, "/deliveries", status="failed").json()["deliveries"]] == [
        late
    ]
    assert get(server, "/replays").json()["replays"][0]["id"] == job
    # Done stays done: what happens to one of its deliveries replayed again is not its own.
    target.default = Reply(500)
    HTTP.post(f"{server.url}/deliveries/{failed[0]}/replay", headers=ADMIN)
    wait_for(lambda: status_of(server, failed[0]) == "failed")
    again = get(server, f"/replays/{job}").json()
    assert again["done"] and again["by_status"] == {"succeeded": 3}
    for bad, word in (({}, "status"), ({"status": "x"}, "status"), ({"stat": "failed"}, "stat")):
        r = HTTP.post(url, headers=ADMIN, json=bad)
        assert r.status_code == 400 and word in r.json()["error"], r.text
    assert HTTP.post(url, headers=ADMIN, content=b"[").status_code == 400
    assert get(server, "/replays/999").status_code == 404


def test_a_disabled_endpoint_keeps_its_deliveries_pending_until_enabled(tmp_path: Path) -> None:
    with Target() as target:
        env = 'env = { ML_KEY = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret", GROUP = "12" }'
        config = load_config(write_config(tmp_path, target.url, extra_endpoint=env))
        SqliteStore(tmp_path / "store.db").set_endpoint_state("test", EndpointState(1.0, 2.0))
        with ServerThread(create_app(config)) as server:
            d = post(server, envelope("payment.succeeded", "a@example.com"))
            (ep,) = get(server, "/endpoints").json()["endpoints"]
            assert ep["disabled_at"] == 2.0 and ep["queue_depth"] == 1
            assert ep["secrets"] == ["whsec_…LaSw"]  # never the secret itself
            assert ep["headers"] == {"Authorization": "[redacted]"}
            assert ep["env"] == {"ML_KEY": "…cret", "GROUP": "…"}  # whatever the name says
            time.sleep(0.3)
            assert status_of(server, d) == "pending" and target.received == []
            r = HTTP.post(f"{server.url}/endpoints/test/enable", headers=ADMIN)
            assert r.json() == {"endpoint": "test", "enabled": True, "was_disabled": True}
            wait_for(lambda: status_of(server, d) == "succeeded")
            again = HTTP.post(f"{server.url}/endpoints/test/enable", headers=ADMIN).json()
            assert again["was_disabled"] is False
            assert (
                HTTP.post(f"{server.url}/endpoints/nope/enable", headers=ADMIN).status_code == 404
            )


def test_an_endpoint_failing_for_the_configured_time_is_disabled(tmp_path: Path) -> None:
    with Target() as target:
        target.default = Reply(500)
        path = write_config(
            tmp_path,
            target.url,
            retry_schedule="[0.2, 0.2, 0.2, 0.2, 0.2, 0.2]",
            extra_server="disable_endpoint_after = 0.5",
        )
        with ServerThread(create_app(load_config(path))) as server:
            d = post(server, envelope("payment.succeeded", "a@example.com"))

            def disabled() -> bool:
                return get(server, "/endpoints").json()["endpoints"][0]["disabled_at"] is not None

            wait_for(disabled)
            tries = len(target.received)
            assert status_of(server, d) == "pending"  # kept, not failed
            time.sleep(0.6)
            assert len(target.received) == tries  # nothing sent while disabled
            target.default = Reply(200)
            assert (
                HTTP.post(f"{server.url}/endpoints/test/enable", headers=ADMIN).status_code == 200
            )
            wait_for(lambda: status_of(server, d) == "succeeded")


def test_store_search_and_count_agree_on_every_filter(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    for i, (event, email) in enumerate(
        [("payment.succeeded", "a@x.com"), ("refund.succeeded", "b@x.com")] * 3
    ):
        key = f"ep\ncustomer:{email}"
        store.ingest("ep", f"m{i}", event, b"{}", {}, key, False, 100.0 + i)
    queries = [
        DeliveryQuery(),
        DeliveryQuery(event_type="refund.succeeded"),
        DeliveryQuery(customer_email="A@X.com"),
        DeliveryQuery(since=102, until=104),
        DeliveryQuery(before=4),
        DeliveryQuery(status="failed"),
    ]
    for q in queries:
        assert store.count(q) == len(store.search(q, 100))
    assert [r.delivery.id for r in store.search(DeliveryQuery(since=102, until=104))] == [4, 3]
    assert store.count(DeliveryQuery(customer_email="A@X.com")) == 3
    store.close()
