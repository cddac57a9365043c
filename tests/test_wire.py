"""What a target receives around the handler's request: the event's id and time, an
Idempotency-Key stable across retries and replays, the relay's own signature, and the
endpoint's credentials only where they may go. A real target, SQLite file and QuickJS."""

import base64
import json
import time

import pytest
from helpers_servers import HTTP, SECRET, SECRET_2, Reply, Target, write_config
from standardwebhooks.webhooks import Webhook
from test_dispatcher import Rig, envelope, run

from dodo_transform.clock import FakeClock
from dodo_transform.relay.config import ConfigError, load_config
from dodo_transform.relay.wire import idempotency_key
from dodo_transform.transform import redact_userinfo

T_EVENT = "1754285445"  # the webhook-timestamp Dodo sent


@pytest.fixture
def target():
    with Target() as t:
        yield t


async def ingest(rig: Rig, webhook_id: str = "msg_abc") -> int:
    headers = {"webhook-id": webhook_id, "webhook-timestamp": T_EVENT}
    result = await rig.store.ingest(
        "test", webhook_id, "payment.succeeded", envelope(), headers, webhook_id, False, 1.0
    )
    return result.delivery_id


def to_handler(url: str, headers: str = "{}") -> str:
    return (
        "function handler(webhook) {\n"
        f"  webhook.url = {json.dumps(url)};\n"
        f"  webhook.headers = {headers};\n"
        "  return webhook;\n}\n"
    )


def test_retries_and_a_replay_carry_the_same_event_id_time_and_idempotency_key(
    tmp_path, target
) -> None:
    async def go() -> None:
        target.script = [Reply(500), Reply(200)]
        async with Rig(tmp_path, target.url, retry_schedule="[1]") as rig:
            d = await ingest(rig)
            await rig.dispatcher.run_once()
            rig.clock.advance(2)
            await rig.dispatcher.run_once()
            await rig.store.replay(d, rig.clock.now())
            await rig.dispatcher.run_once()
            assert (await rig.row(d)).attempt_count == 3
            attempts = await rig.attempts(d)

        sent = [r.headers for r in target.received]
        assert len(sent) == 3
        key = idempotency_key("test", "msg_abc")
        for h in sent:
            assert (h["webhook-id"], h["webhook-timestamp"]) == ("msg_abc", T_EVENT)
            assert h["idempotency-key"] == key
            assert "webhook-signature" not in h  # no signing_secret configured
        # The record shows the same headers as were sent.
        assert {a.request["headers"]["Idempotency-Key"] for a in attempts} == {key}

    run(go())


def test_the_key_is_one_per_endpoint_and_event() -> None:
    keys = {
        idempotency_key("a", "msg_1"),
        idempotency_key("b", "msg_1"),
        idempotency_key("a", "msg_2"),
        idempotency_key("a", "msg_1", 1),
    }
    assert len(keys) == 4
    assert idempotency_key("a", "msg_1") == idempotency_key("a", "msg_1")
    assert all(k.isascii() and len(k) == 43 for k in keys)


def test_a_signing_secret_signs_what_is_sent_and_a_generic_receiver_verifies_it(
    tmp_path, target
) -> None:
    async def go() -> None:
        handler = to_handler(target.url + "/hook", '{"X-Trace": "t1"}')
        extra = f'signing_secret = "{SECRET_2}"'
        rig = Rig(tmp_path, target.url, handler=handler, extra_endpoint=extra)
        rig.clock = FakeClock(time.time())  # a receiver checks the timestamp against its clock
        async with rig:
            await ingest(rig)
            await rig.dispatcher.run_once()
            now = rig.clock.now()

        (got,) = target.received
        h = got.headers
        assert h["webhook-id"] == "msg_abc"
        # Signed with this attempt's time: a retry hours later still verifies.
        assert h["webhook-timestamp"] == str(int(now))
        wanted = {k: h[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        assert Webhook(SECRET_2).verify(got.body, wanted) == json.loads(got.body)
        with pytest.raises(Exception, match="signature"):
            Webhook(SECRET).verify(got.body, wanted)  # Dodo's secret is not the relay's

    run(go())


async def deliver_one(tmp_path, target: Target, handler: str, **options: str):
    """One event through ``handler``, one attempt; returns its delivery row."""
    async with Rig(tmp_path, target.url, handler=handler, **options) as rig:
        d = await ingest(rig)
        await rig.dispatcher.run_once()
        return await rig.row(d)


def test_a_cookie_the_target_sets_never_goes_out_with_a_later_delivery(tmp_path, target) -> None:
    # Each delivery is one event's request: nothing of one target's answer may ride along
    # with the next (another customer's event, maybe another endpoint on that host).
    async def go() -> None:
        target.script = [Reply(200, headers={"Set-Cookie": "session=abc; Path=/"})]
        # By name: a cookie jar ignores cookies set by an IP address.
        by_name = target.url.replace("127.0.0.1", "localhost")
        async with Rig(tmp_path, by_name, allow_hosts=ELSEWHERE) as rig:
            await ingest(rig, "msg_1")
            await rig.dispatcher.run_once()
            await ingest(rig, "msg_2")
            await rig.dispatcher.run_once()

        assert [r.headers["webhook-id"] for r in target.received] == ["msg_1", "msg_2"]
        assert "cookie" not in target.received[1].headers

    run(go())


def test_handler_set_idempotency_key_is_replaced_and_the_delivery_says_so(tmp_path, target) -> None:
    handler = to_handler(target.url + "/hook", '{"idempotency-key": "mine"}')
    row = run(deliver_one(tmp_path, target, handler))
    assert target.received[0].headers["idempotency-key"] == idempotency_key("test", "msg_abc")
    assert [w["code"] for w in row.transform["warnings"]] == ["idempotency_key_replaced"]


def test_handler_cannot_forge_webhook_headers(tmp_path, target) -> None:
    handler = to_handler(target.url + "/hook", '{"webhook-id": "forged"}')
    row = run(deliver_one(tmp_path, target, handler))
    assert row.transform["error"]["kind"] == "forbidden_header"
    assert target.received == []


ELSEWHERE = '["127.0.0.1", "localhost"]'  # both loopback names reach the target


async def deliver_elsewhere(tmp_path, target: Target, extra: str = ""):
    """One event whose handler sends to localhost, while the configured url is 127.0.0.1
    (both reach the target); returns its delivery row."""
    handler = to_handler(target.url.replace("127.0.0.1", "localhost") + "/elsewhere")
    return await deliver_one(tmp_path, target, handler, allow_hosts=ELSEWHERE, extra_endpoint=extra)


def test_credentials_are_not_sent_to_a_host_outside_the_scope(tmp_path, target) -> None:
    row = run(deliver_elsewhere(tmp_path, target))
    (got,) = target.received
    assert "authorization" not in got.headers
    assert got.headers["idempotency-key"]  # the relay's headers still go
    assert row.status == "succeeded"
    (warning,) = row.transform["warnings"]
    assert warning["code"] == "credentials_dropped"
    scope = "localhost is outside the endpoint's credential scope (127.0.0.1)"
    assert scope in warning["message"] and "Authorization" in warning["message"]


def test_credential_hosts_widen_the_scope(tmp_path, target) -> None:
    row = run(deliver_elsewhere(tmp_path, target, 'credential_hosts = ["LocalHost"]'))
    assert target.received[0].headers["authorization"] == "Bearer target-key"
    assert row.transform["warnings"] == []


def test_off_scope_credentials_error_fails_closed(tmp_path, target) -> None:
    row = run(deliver_elsewhere(tmp_path, target, 'off_scope_credentials = "error"'))
    assert target.received == []
    assert row.status == "transform_failed"
    assert row.transform["error"]["kind"] == "credential_scope"
    assert row.last_error.startswith("credential_scope: localhost is outside")


def test_url_userinfo_is_basic_auth_in_scope_and_redacted_everywhere(tmp_path, target) -> None:
    async def go() -> None:
        url = target.url.replace("://", "://ann:s3cret-pw@") + "/hook"
        async with Rig(tmp_path, target.url, handler=to_handler(url)) as rig:
            # The endpoint's Bearer header is configured: userinfo loses to it, with a warning.
            d1 = await ingest(rig, "msg_1")
            await rig.dispatcher.run_once()
            rig.config.endpoints["test"].headers.clear()  # now the userinfo is the credential
            d2 = await ingest(rig, "msg_2")
            await rig.dispatcher.run_once()
            rows = [await rig.row(d1), await rig.row(d2)]
            attempts = [*(await rig.attempts(d1)), *(await rig.attempts(d2))]
        first, second = target.received
        assert first.headers["authorization"] == "Bearer target-key"
        assert rows[0].transform["warnings"][0]["code"] == "credentials_dropped"
        basic = base64.b64encode(b"ann:s3cret-pw").decode()
        assert second.headers["authorization"] == f"Basic {basic}"
        assert rows[1].transform["warnings"] == []
        for row in rows:
            # Recorded as it went out: the userinfo became a header (or was dropped).
            assert row.transform["request"]["url"] == target.url + "/hook"
        assert all("@" not in a.request["url"] for a in attempts)
        stored = (tmp_path / "store.db").read_bytes()
        assert b"s3cret-pw" not in stored and basic.encode() not in stored

    run(go())


def test_url_userinfo_is_not_sent_to_a_host_outside_the_scope(tmp_path, target) -> None:
    async def go() -> None:
        url = target.url.replace("://127.0.0.1", "://ann:pw@localhost") + "/x"
        rig_options = dict(handler=to_handler(url), allow_hosts=ELSEWHERE, headers="")
        async with Rig(tmp_path, target.url, **rig_options) as rig:
            d = await ingest(rig)
            await rig.dispatcher.run_once()
            row = await rig.row(d)
        assert "authorization" not in target.received[0].headers
        assert "the URL's user:password" in row.transform["warnings"][0]["message"]

    run(go())


def test_config_url_userinfo_becomes_a_scoped_header_the_handler_never_sees(
    tmp_path, target
) -> None:
    async def go() -> None:
        handler = "function handler(w) { console.log(w.url); return w; }\n"
        url = target.url.replace("://", "://ann:pw@")
        path = write_config(tmp_path, url, handler=handler)
        with pytest.raises(ConfigError, match="user:password@ and headers.Authorization"):
            load_config(path)  # two credentials for one endpoint: keep one
        async with Rig(tmp_path, url, handler=handler, headers="") as rig:
            ep = rig.config.endpoints["test"]
            d = await ingest(rig)
            await rig.dispatcher.run_once()
            row = await rig.row(d)
        basic = "Basic " + base64.b64encode(b"ann:pw").decode()
        assert ep.url == target.url + "/hook" and ep.headers["Authorization"] == basic
        assert row.transform["logs"] == [{"level": "log", "message": target.url + "/hook"}]
        assert target.received[0].headers["authorization"] == basic

    run(go())


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('signing_secret = "nope"', "signing_secret: not a signing secret: whsec_ followed"),
        ('signing_secret = "whsec_c2hvcnQ="', "signing_secret: not a signing secret"),
        ('off_scope_credentials = "warn"', "off_scope_credentials: 'warn': one of 'drop', 'error'"),
        ("credential_hosts = [1]", "credential_hosts[0]: must be a string"),
        (
            'credential_hosts = ["ok.example", "https://crm.example/"]',
            "credential_hosts[1]: 'https://crm.example/' is not a host name; write it as",
        ),
    ],
)
def test_bad_wire_keys_are_one_line_errors(tmp_path, line, problem) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=line)
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[")):
        load_config(path)


def test_signing_secret_comes_from_the_environment(tmp_path) -> None:
    path = write_config(
        tmp_path, "http://127.0.0.1:9", extra_endpoint='signing_secret = "${RELAY_SECRET}"'
    )
    config = load_config(path, environ={"RELAY_SECRET": SECRET_2})
    assert config.endpoints["test"].signing_secret == SECRET_2


def test_dropped_credentials_and_redacted_userinfo_show_in_api_cli_and_console(
    tmp_path, target, capsys
) -> None:
    from dodo_transform.cli import main
    from dodo_transform.console import mount_console
    from dodo_transform.relay.server import create_app
    from dodo_transform.relay.signing import sign
    from dodo_transform.serving import ServerThread

    url = target.url.replace("://127.0.0.1", "://ann:s3cret-pw@localhost") + "/x"
    path = write_config(tmp_path, target.url, handler=to_handler(url), allow_hosts=ELSEWHERE)
    app = create_app(load_config(path))
    mount_console(app)
    with ServerThread(app) as server:
        body = envelope()
        r = HTTP.post(
            f"{server.url}/webhooks/test",
            content=body,
            headers=sign(SECRET, body, msg_id="msg_abc"),
        )
        d = r.json()["delivery_id"]
        admin = {"Authorization": "Bearer admin-token"}
        deadline = time.monotonic() + 30
        while (detail := HTTP.get(f"{server.url}/deliveries/{d}", headers=admin).json())[
            "status"
        ] != "succeeded":
            assert time.monotonic() < deadline, detail
            time.sleep(0.05)
        page = HTTP.get(f"{server.url}/ui/deliveries/{d}", headers=admin).text
        assert main(["deliveries", "show", str(d), "--config", str(path), "--url", server.url]) == 0
    shown = capsys.readouterr().out
    assert "authorization" not in target.received[0].headers
    (warning,) = detail["transform"]["warnings"]
    assert warning["code"] == "credentials_dropped"
    assert "Authorization, the URL's user:password" in warning["message"]
    assert "warning [credentials_dropped] localhost is outside" in shown
    assert f"  key       {idempotency_key('test', 'msg_abc')}" in shown
    assert "credentials_dropped" in page and "localhost is outside" in page
    for text in (json.dumps(detail), shown, page):
        assert "s3cret-pw" not in text
    assert detail["transform"]["request"]["url"].startswith("http://localhost:")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://ann:pw@crm.example/v1?x=1", "https://***@crm.example/v1?x=1"),
        ("https://token@crm.example:8443", "https://***@crm.example:8443"),
        ("http://a@b@crm.example/p@q", "http://***@crm.example/p@q"),
        (
            "https://crm.example/?email=jane@example.com",
            "https://crm.example/?email=jane@example.com",
        ),
        ("https://crm.example/#a@b", "https://crm.example/#a@b"),
    ],
)
def test_userinfo_is_redacted_and_nothing_else(url, shown) -> None:
    assert redact_userinfo(url) == shown


def test_dodo_transform_test_prints_a_handler_url_without_its_password(capsys, tmp_path) -> None:
    from dodo_transform.cli import main

    handler = tmp_path / "h.js"
    handler.write_text(to_handler("https://ann:s3cret-pw@crm.example/v1"))
    assert main(["test", str(handler), "--event", "payment.succeeded"]) == 0
    out = capsys.readouterr().out
    assert "POST https://***@crm.example/v1" in out and "s3cret-pw" not in out


def test_simulate_shows_the_credentials_a_request_would_go_without(tmp_path, target) -> None:
    from dodo_transform.relay.server import create_app
    from dodo_transform.serving import ServerThread

    def simulate(extra: str) -> dict:
        config = load_config(write_config(tmp_path, target.url, extra_endpoint=extra))
        with ServerThread(create_app(config)) as server:
            r = HTTP.post(
                f"{server.url}/endpoints/test/simulate",
                headers={"Authorization": "Bearer admin-token"},
                json={
                    "payload": json.loads(envelope()),
                    "code": to_handler("https://crm.example/"),
                },
            )
        assert r.status_code == 200
        return r.json()

    dropped = simulate("")
    assert "Authorization" not in dropped["request"]["headers"]
    assert [w["code"] for w in dropped["warnings"]] == ["credentials_dropped"]
    refused = simulate('off_scope_credentials = "error"')
    assert (refused["status"], refused["request"]) == ("error", None)
    assert refused["error"]["kind"] == "credential_scope"
    assert target.received == []


def test_a_config_url_that_does_not_parse_is_reported_without_its_password(tmp_path) -> None:
    path = write_config(tmp_path, "http://ann:s3cret-pw@[::1")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "s3cret-pw" not in str(e.value) and "'http://***@[::1/hook'" in str(e.value)
