"""Operational webhooks: a real local receiver that verifies each alert's Standard Webhooks
signature gets Svix's events as deliveries fail, recover or run out of retries (with a
time-compressed retry schedule)."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path

import pytest
from helpers_servers import HTTP, SECRET, Reply, Target, write_config
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dodo_transform import samples
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread

ALERT_SECRET = "whsec_YWxlcnRzIGFyZSBzaWduZWQgdG9vISEhIQ=="
ADMIN = {"Authorization": "Bearer admin-token"}


class Receiver:
    """Accepts only correctly signed alerts; ``refuse`` first answers fail (503)."""

    def __init__(self, refuse: int = 0) -> None:
        self.alerts: list[dict] = []
        self.ids: list[str] = []
        self.refuse = refuse
        self.bad_signatures = 0
        self.authorization: list[str | None] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/alerts", self.handle, methods=["POST"])])
        self.server = ServerThread(app, lifespan=False)
        self.url = self.server.url + "/alerts"

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            Webhook(ALERT_SECRET).verify(body.decode(), dict(request.headers))
        except Exception:
            self.bad_signatures += 1
            return Response(status_code=401)
        with self._lock:
            self.authorization.append(request.headers.get("authorization"))
            if self.refuse > 0:
                self.refuse -= 1
                return Response(status_code=503)
            self.alerts.append(json.loads(body))
            self.ids.append(request.headers["webhook-id"])
        return Response(status_code=204)

    def types(self) -> list[str]:
        with self._lock:
            return [a["type"] for a in self.alerts]

    def __enter__(self) -> Receiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def alerts_config(receiver: Receiver, schedule: str = "[0.1, 0.1]", extra: str = "") -> str:
    return (
        f'\n[alerts]\nurl = "{receiver.url}"\nsecret = "{ALERT_SECRET}"\n'
        f"retry_schedule = {schedule}\n{extra}"
    )


@pytest.fixture
def target():
    with Target() as t:
        yield t


def serve(tmp_path: Path, target: Target, receiver: Receiver, schedule: str, **kw) -> ServerThread:
    path = write_config(tmp_path, target.url, retry_schedule=schedule, **kw)
    path.write_text(path.read_text() + alerts_config(receiver))
    return ServerThread(create_app(load_config(path)))


def post(server: ServerThread) -> tuple[int, str]:
    body = samples.get("payment.succeeded").text.encode()
    headers = sign(SECRET, body)
    r = HTTP.post(f"{server.url}/webhooks/test", content=body, headers=headers)
    return int(r.json()["delivery_id"]), headers["webhook-id"]


def test_failing_then_recovered_when_the_target_heals(tmp_path, target) -> None:
    target.script = [Reply(500)] * 5  # fails 5 times, then answers 200
    with (
        Receiver() as receiver,
        serve(tmp_path, target, receiver, "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]") as s,
    ):
        delivery_id, webhook_id = post(s)
        wait_for(
            lambda: receiver.types() == ["message.attempt.failing", "message.attempt.recovered"]
        )
        failing, recovered = receiver.alerts
        assert failing["data"]["endpointId"] == "test"
        assert failing["data"]["msgId"] == webhook_id
        assert failing["data"]["msgEventId"] == "payment.succeeded"
        assert failing["data"]["lastAttempt"]["responseStatusCode"] == 500
        assert failing["data"]["deliveryId"] == delivery_id
        assert recovered["data"]["lastAttempt"]["responseStatusCode"] == 200
        assert receiver.bad_signatures == 0
        listed = HTTP.get(f"{s.url}/alerts", headers=ADMIN).json()["alerts"]
        assert [(a["type"], a["status"]) for a in listed] == [
            ("message.attempt.recovered", "sent"),
            ("message.attempt.failing", "sent"),
        ]


def test_exhausted_when_it_never_heals_and_alerts_are_retried(tmp_path, target) -> None:
    target.default = Reply(500)
    with Receiver(refuse=1) as receiver, serve(tmp_path, target, receiver, "[0.1, 0.1]") as s:
        delivery_id, _ = post(s)
        wait_for(lambda: receiver.types() == ["message.attempt.exhausted"])
        (exhausted,) = receiver.alerts
        assert exhausted["data"]["deliveryId"] == delivery_id
        assert len(target.received) == 3
        (alert,) = HTTP.get(f"{s.url}/alerts", headers=ADMIN).json()["alerts"]
        assert (alert["status"], alert["attempts"]) == ("sent", 2)  # the 503, then accepted
        assert receiver.ids == [alert["id"]]  # the same webhook-id on every try


def test_endpoint_disabled_alert_after_continuous_failure(tmp_path, target) -> None:
    target.default = Reply(500)
    with Receiver() as receiver:
        server = serve(
            tmp_path,
            target,
            receiver,
            "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]",
            extra_server="disable_endpoint_after = 0.3",
        )
        with server as s:
            post(s)
            wait_for(lambda: "endpoint.disabled" in receiver.types())
            disabled = next(a for a in receiver.alerts if a["type"] == "endpoint.disabled")
            assert disabled["data"]["endpointId"] == "test"
            assert disabled["data"]["trigger"] == "automatic"
            assert disabled["data"]["failSince"].endswith("Z")


def test_alerts_config_is_checked(tmp_path) -> None:
    from dodo_transform.relay.config import ConfigError

    path = write_config(tmp_path, "http://127.0.0.1:9")
    base = path.read_text()
    for extra, key in (
        ('\n[alerts]\nurl = "ftp://x"\nsecret = "' + ALERT_SECRET + '"\n', "alerts.url"),
        (
            '\n[alerts]\nurl = "http://127.0.0.1:1/a"\nsecret = "whsec_!!not base64"\n',
            "alerts.secret",
        ),
        (
            '\n[alerts]\nurl = "http://127.0.0.1:1/a"\nsecret = "'
            + ALERT_SECRET
            + '"\nevents = ["message.failed"]\n',
            "alerts.events[0]",
        ),
    ):
        path.write_text(base + extra)
        with pytest.raises(ConfigError) as e:
            load_config(path)
        assert e.value.key == key


def test_a_password_in_the_alerts_url_goes_as_basic_authorization(tmp_path, target) -> None:
    target.script = [Reply(500)] * 5
    with Receiver() as receiver:
        url = receiver.url.replace("://", "://ops:s3cret@")
        path = write_config(tmp_path, target.url, retry_schedule="[0.1, 0.1, 0.1, 0.1, 0.1]")
        path.write_text(
            path.read_text() + f'\n[alerts]\nurl = "{url}"\nsecret = "{ALERT_SECRET}"\n'
        )
        config = load_config(path)
        assert config.alerts is not None and config.alerts.url == receiver.url
        basic = "Basic " + base64.b64encode(b"ops:s3cret").decode()
        assert config.alerts.headers["Authorization"] == basic
        with ServerThread(create_app(config)) as s:
            post(s)
            wait_for(lambda: "message.attempt.failing" in receiver.types())
        # The sixth attempt succeeds, so a "recovered" alert may follow: each alert, however
        # many arrived, carries the URL's credentials.
        assert receiver.authorization and set(receiver.authorization) == {basic}
