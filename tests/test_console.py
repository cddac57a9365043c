"""The console in real headless Chromium (Debian's, through Playwright): sign-in, live list,
delivery detail, replay, bulk replay, a wrong token, and the pages without JavaScript.

Every page visited is saved as a screenshot; the folder is printed at the end of the module.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from browser import SCREENSHOTS, browser, screenshot  # noqa: F401  (the fixture)
from helpers_servers import HTTP, SECRET, Reply, Target, write_config

from dodo_transform import samples
from dodo_transform.console import mount_console
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread

TOKEN = "admin-token"


@pytest.fixture(scope="module", autouse=True)
def tell_where_the_screenshots_are(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if capture is not None and SCREENSHOTS.exists():
        with capture.global_and_fixture_disabled():  # past pytest's capture, to the terminal
            print(f"\nconsole screenshots: {SCREENSHOTS.resolve()}")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[ServerThread, Target]]:
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, retry_schedule="[0.1]"))
        app = create_app(config)
        mount_console(app)
        with ServerThread(app) as server:
            yield server, target


def post(server: ServerThread, email: str = "jane.doe@example.com") -> int:
    payload = json.loads(samples.get("payment.succeeded").text)
    payload["data"]["customer"]["email"] = email
    body = json.dumps(payload).encode()
    r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=sign(SECRET, body))
    assert r.status_code == 202, r.text
    return int(r.json()["delivery_id"])


def status_of(server: ServerThread, delivery_id: int) -> str:
    r = HTTP.get(
        f"{server.url}/deliveries/{delivery_id}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    return str(r.json()["status"])


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def sign_in(page, server: ServerThread, token: str = TOKEN) -> None:
    page.goto(server.url + "/ui/")
    assert "/ui/login" in page.url  # not signed in: the sign-in page
    page.fill("#token", token)
    page.click("button[type=submit]")


def test_sign_in_sets_a_strict_http_only_cookie_and_a_wrong_token_is_refused(
    browser,  # noqa: F811
    rig,
) -> None:
    server, _ = rig
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/ui/deliveries")
        assert page.url.startswith(server.url + "/ui/login?next=")
        screenshot(page, "console-login")
        sign_in(page, server, token="not-the-token")
        assert page.inner_text("#login-error") == "That is not the admin token."
        assert context.cookies() == []
        screenshot(page, "console-login-wrong-token")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/ui/deliveries")
        (cookie,) = context.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/ui")
        assert TOKEN not in cookie["value"]
        # The cookie is not readable from the page's JavaScript.
        assert page.evaluate("document.cookie") == ""
        page.click("header .logout button")
        page.wait_for_url(re.compile(r".*/ui/login.*"))
        page.goto(server.url + "/ui/deliveries")
        assert "/ui/login" in page.url
    finally:
        context.close()


def test_a_sample_appears_live_and_its_page_shows_the_attempt_and_response(
    browser,  # noqa: F811
    rig,
) -> None:
    server, target = rig
    target.default = Reply(201, '{"id":"42","email":"jane.doe@example.com"}')
    page = browser.new_page()
    try:
        sign_in(page, server)
        page.wait_for_url(server.url + "/ui/deliveries")
        page.wait_for_selector("#live:not([hidden])")  # the live stream is open
        page.evaluate("window.notReloaded = true")
        delivery_id = post(server)
        row = page.wait_for_selector(f'tr[data-id="{delivery_id}"] .badge.succeeded')
        assert row is not None and page.evaluate("window.notReloaded") is True
        row_text = page.inner_text(f'tr[data-id="{delivery_id}"]')
        assert "payment.succeeded" in row_text and "201" in row_text
        screenshot(page, "console-deliveries")
        page.click(f'tr[data-id="{delivery_id}"] a')
        page.wait_for_url(f"{server.url}/ui/deliveries/{delivery_id}")
        attempt = page.inner_text("#attempt-1")
        assert "HTTP 201" in attempt and '"email": "jane.doe@example.com"' in attempt
        assert f"POST {target.url}/hook" in attempt
        assert "Authorization: [redacted]" in attempt  # the target's key is never shown
        assert "target-key" not in page.content()
        screenshot(page, "console-delivery")
    finally:
        page.close()


def test_a_list_left_open_after_signing_out_goes_to_the_sign_in_page(
    browser,  # noqa: F811
    rig,
) -> None:
    """Its live refresh once followed the redirect and put the sign-in page into the table,
    with the stream still showing live."""
    server, _ = rig
    context = browser.new_context()
    try:
        listing = context.new_page()
        sign_in(listing, server)
        listing.wait_for_url(server.url + "/ui/deliveries")
        listing.wait_for_selector("#live:not([hidden])")
        other = context.new_page()
        other.goto(server.url + "/ui/deliveries")
        other.click("header .logout button")  # signed out in another tab
        other.wait_for_url(re.compile(r".*/ui/login.*"))
        post(server)
        listing.wait_for_url(re.compile(r".*/ui/login.*"))
        assert listing.query_selector("#rows") is None
    finally:
        context.close()


def test_a_failed_delivery_replayed_from_its_page_ends_succeeded(
    browser,  # noqa: F811
    rig,
) -> None:
    server, target = rig
    target.default = Reply(500, '{"message":"down"}')
    delivery_id = post(server)
    wait_for(lambda: status_of(server, delivery_id) == "failed")
    page = browser.new_page()
    try:
        sign_in(page, server)
        page.goto(f"{server.url}/ui/deliveries/{delivery_id}")
        assert page.inner_text("#status") == "failed"
        assert "HTTP 500" in page.inner_text("#attempt-2")
        screenshot(page, "console-delivery-failed")
        target.default = Reply(200)  # the target is fixed
        page.click("#replay")
        page.wait_for_selector("#status.succeeded", timeout=20_000)
        assert "HTTP 200" in page.inner_text("#attempt-3")
        screenshot(page, "console-delivery-replayed")
    finally:
        page.close()
    assert status_of(server, delivery_id) == "succeeded"


def test_bulk_replay_of_three_failed_deliveries(browser, rig) -> None:  # noqa: F811
    server, target = rig
    target.default = Reply(503)
    failed = [post(server, f"c{i}@example.com") for i in range(3)]
    for d in failed:
        wait_for(lambda d=d: status_of(server, d) == "failed")
    page = browser.new_page()
    try:
        sign_in(page, server)
        page.goto(f"{server.url}/ui/deliveries?status=failed")
        page.click("#bulk-replay")
        assert page.inner_text("#bulk-count") == "3"
        screenshot(page, "console-bulk-confirm")
        target.default = Reply(200)
        page.click("#confirm")
        page.wait_for_url(re.compile(r".*/ui/replays/\d+$"))
        page.wait_for_selector("#bulk-done", timeout=20_000)  # the page refreshes itself
        assert "3 of 3 finished" in page.inner_text("#bulk-progress")
        assert "3 succeeded" in page.inner_text("#bulk-progress")
        screenshot(page, "console-bulk-progress")
    finally:
        page.close()
    assert [status_of(server, d) for d in failed] == ["succeeded"] * 3


def test_bulk_replay_confirms_the_times_it_counted_and_says_what_the_cap_leaves(
    rig, monkeypatch
) -> None:
    from dodo_transform.console import pages
    from dodo_transform.relay import operations

    server, target = rig
    target.default = Reply(503)
    failed = [post(server, f"c{i}@example.com") for i in range(3)]
    for d in failed:
        wait_for(lambda d=d: status_of(server, d) == "failed")
    monkeypatch.setattr(pages, "BULK_MAX", 2)
    monkeypatch.setattr(operations, "BULK_MAX", 2)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    asked = time.time()
    r = HTTP.get(
        f"{server.url}/ui/replay", params={"status": "failed", "since": "1h"}, headers=bearer
    )
    assert r.status_code == 200, r.text
    # "1h" posted back on confirming would be an hour before the confirming, not the count.
    (since,) = re.findall(r'name="since" value="([^"]*)"', r.text)
    counted = datetime.fromisoformat(since).timestamp()
    assert asked - 3600 - 60 < counted <= asked - 3600 + 60
    assert re.search(r'id="bulk-count">2<', r.text)
    assert "3 match: a replay takes the newest 2. For the 1 older ones" in r.text
    # A time before 1970 goes back as it came (a negative epoch was refused on confirming).
    r = HTTP.get(
        f"{server.url}/ui/replay",
        params={"status": "failed", "since": "1960-01-01T00:00:00Z"},
        headers=bearer,
    )
    (since,) = re.findall(r'name="since" value="([^"]*)"', r.text)
    assert since == "1960-01-01T00:00:00+00:00"
    confirmed = HTTP.post(
        f"{server.url}/ui/replay", data={"status": "failed", "since": since}, headers=bearer
    )
    assert confirmed.status_code == 303, confirmed.text  # taken back as it was counted


def test_pages_work_without_javascript(browser, rig) -> None:  # noqa: F811
    server, target = rig
    target.responder = lambda got: (
        Reply(422, '{"message":"nope"}') if b"bad@example.com" in got.body else None
    )
    good, bad = post(server, "good@example.com"), post(server, "bad@example.com")
    wait_for(lambda: status_of(server, bad) == "failed" and status_of(server, good) == "succeeded")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server)
        page.wait_for_url(server.url + "/ui/deliveries")
        assert page.is_visible(f'tr[data-id="{good}"]') and page.is_visible(f'tr[data-id="{bad}"]')
        page.select_option("select[name=status]", "failed")
        page.fill("input[name=customer_email]", "bad@example.com")
        page.click("#filters button[type=submit]")
        # The click returns once the new page is committed, not loaded: read it after "load".
        page.wait_for_url(re.compile(r".*/ui/deliveries\?status=failed&.*"))
        assert page.is_visible(f'tr[data-id="{bad}"]')
        assert not page.is_visible(f'tr[data-id="{good}"]')
        screenshot(page, "console-deliveries-filtered-nojs")
        page.click(f'tr[data-id="{bad}"] a')
        page.wait_for_url(f"{server.url}/ui/deliveries/{bad}")
        assert "HTTP 422" in page.inner_text("#attempt-1")
        assert "not retried" in page.content()
        screenshot(page, "console-delivery-nojs")
        page.goto(f"{server.url}/ui/endpoints")
        assert "POST /webhooks/test" in page.inner_text("#endpoint-test")
        assert "whsec_…LaSw" in page.content() and SECRET not in page.content()
        screenshot(page, "console-endpoints")
        page.goto(f"{server.url}/ui/alerts")
        assert "alerts are off" in page.content()
        screenshot(page, "console-alerts")
    finally:
        context.close()


def test_forms_need_the_sessions_csrf_token_and_the_console_is_off_without_a_token(
    tmp_path: Path, rig
) -> None:
    server, _ = rig
    client = httpx.Client(base_url=server.url)
    r = client.post("/ui/login", data={"token": TOKEN})
    assert r.status_code == 303 and "dodo_transform_session" in r.cookies
    d = post(server)
    r = client.post(f"/ui/deliveries/{d}/cancel", data={"csrf": "forged"})
    assert r.status_code == 403 and "another site" in r.text
    bearer = HTTP.post(
        f"{server.url}/ui/deliveries/{d}/replay", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert bearer.status_code in (303, 409)  # a script with the token needs no CSRF token
    r = client.post("/ui/logout", data={"csrf": "forged"})  # another site's sign-out
    assert r.status_code == 403
    assert client.get("/ui/deliveries").status_code == 200  # still signed in
    client.close()
    off = tmp_path / "off"
    off.mkdir()
    app = create_app(load_config(write_config(off, "http://127.0.0.1:9", admin_token=None)))
    mount_console(app)
    with ServerThread(app) as bare:
        r = HTTP.get(f"{bare.url}/ui/deliveries")
        assert r.status_code == 403 and "console is off" in r.text


def test_a_disabled_endpoint_is_enabled_again_from_its_page(browser, tmp_path: Path) -> None:  # noqa: F811
    from dodo_transform.relay.sqlite_store import SqliteStore
    from dodo_transform.relay.store import EndpointState

    with Target() as target:
        config = load_config(write_config(tmp_path, target.url))
        store = SqliteStore(tmp_path / "store.db")
        store.set_endpoint_state("test", EndpointState(failing_since=1.0, disabled_at=2.0))
        store.close()
        app = create_app(config)
        mount_console(app)
        with ServerThread(app) as server:
            waiting = post(server)
            page = browser.new_page()
            try:
                sign_in(page, server)
                page.goto(f"{server.url}/ui/endpoints")
                assert "disabled since" in page.inner_text("#endpoint-test")
                screenshot(page, "console-endpoint-disabled")
                page.click("#endpoint-test button[type=submit]")
                page.wait_for_url(re.compile(r".*/ui/endpoints\?done=enabled$"))
                assert "enabled" in page.inner_text("#endpoint-test h2")
            finally:
                page.close()
            wait_for(lambda: status_of(server, waiting) == "succeeded")  # kept, then sent


def test_the_live_stream_ends_when_a_new_token_ends_its_session(rig, tmp_path: Path) -> None:
    import threading

    server, _ = rig
    client = httpx.Client(base_url=server.url, timeout=60)
    assert client.post("/ui/login", data={"token": TOKEN}).status_code == 303
    lines: list[str] = []
    ended = threading.Event()
    opened = threading.Event()

    def listen() -> None:
        with client.stream("GET", "/ui/events") as r:
            for line in r.iter_lines():
                lines.append(line)
                opened.set()
        ended.set()

    threading.Thread(target=listen, daemon=True).start()
    assert opened.wait(30)
    post(server)  # the stream is live: a message arrives
    config = tmp_path / "dodo-transform.toml"
    config.write_text(config.read_text().replace(f'"{TOKEN}"', '"a-new-admin-token-0123"'))
    r = HTTP.post(f"{server.url}/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    post(server)  # the next message finds the session over
    assert ended.wait(30), lines
    assert any(line.startswith("data: ") for line in lines)
    client.close()


def test_a_console_path_that_is_no_page_says_where_the_console_is(rig) -> None:
    server, _ = rig
    r = HTTP.get(f"{server.url}/ui/nope")
    assert r.status_code == 404
    assert r.json() == {"error": "nothing at GET /ui/nope; /ui/ has the console"}


def test_the_playground_is_behind_the_console_sign_in(rig) -> None:
    server, _ = rig
    r = HTTP.get(f"{server.url}/ui/playground/")
    assert r.status_code == 303 and r.headers["location"] == "/ui/login?next=/ui/playground/"
    assert HTTP.post(f"{server.url}/ui/playground/api/test", json={}).status_code == 401
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/ui/login", data={"token": TOKEN}).status_code == 303
        assert client.get("/ui/playground/").status_code == 200
        session = client.get("/ui/playground/api/session").json()
        assert [f["name"] for f in session["handlers"]] == ["test"]  # the endpoint's handler
        assert session["can_save"] is False  # [ui] allow_handler_edit is off
        code = "function handler(w) { w.payload = {ok: true}; return w; }"
        r = client.post(
            "/ui/playground/api/test", json={"code": code, "event": "payment.succeeded"}
        )
        (record,) = r.json()["results"]
        assert json.loads(record["request"]["body"]) == {"ok": True}
