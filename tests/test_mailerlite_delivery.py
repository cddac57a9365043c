"""The MailerLite issue end to end: document handlers → real dispatcher → local emulator.

Everything is real: the QuickJS sandbox runs the handler files unchanged, the dispatcher keeps
its state in a SQLite file in ``tmp_path``, and it sends over HTTP to the MailerLite emulator
served by uvicorn on 127.0.0.1. The handlers address ``https://connect.mailerlite.com/…``; the
endpoint's ``rewrite_urls`` sends those requests to the emulator instead (the rate limit stays
MailerLite's, keyed by the original host).

Time: the dispatcher runs on a ``dodo_transform.clock.FakeClock``; the rate-limit tests hand
the *same* clock to the emulator (``clock=fake.now``), so the dispatcher's limiter and the
emulator's fixed window see one timeline and nothing sleeps. Handlers themselves see the real
date (the dispatcher has no frozen JS clock), so date fields are checked against the UTC date
taken before and after the delivery, exactly as the handler computes them.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest_emulator import KEY, SEED_PATH, serve
from conftest_emulator import T0 as EMULATOR_T0
from helpers_servers import SECRET

from dodo_transform import samples
from dodo_transform.clock import FakeClock
from dodo_transform.mailerlite.account import Account, fetch_account
from dodo_transform.mailerlite.emulator import create_app, load_seed
from dodo_transform.mailerlite.lint import lint_request
from dodo_transform.relay.config import Config, load_config
from dodo_transform.relay.dispatcher import Dispatcher, new_client
from dodo_transform.relay.server import ordering_key
from dodo_transform.relay.sqlite_store import SqliteStore
from dodo_transform.relay.store import ThreadedStore
from dodo_transform.sandbox import Sandbox
from dodo_transform.transform import Handler, transform

ROOT = Path(__file__).resolve().parent.parent
ORIGINALS = ROOT / "handlers" / "mailerlite"
NUMERIC = ROOT / "examples" / "handlers" / "mailerlite"
HANDLER_NAMES = (
    "add_customer_on_payment",
    "custom_fields",
    "groups_by_amount",
    "subscription_subscriber",
    "subscription_cancelled",
    "trigger_automation",
)
EVENT_OF = {
    "subscription_subscriber": "subscription.active",
    "subscription_cancelled": "subscription.cancelled",
}  # the others: payment.succeeded
ML_URL = "https://connect.mailerlite.com/api/subscribers"
SEED = load_seed(SEED_PATH)
IDS = {g["name"]: g["id"] for g in SEED["groups"]}
JANE = "jane.doe@example.com"
JPY = "payment.succeeded__jpy_zero_decimal_single_name_no_phone"
T0 = 1_800_000_000.0
NOW = "2025-08-04T05:30:45Z"  # frozen JS clock for the direct transform() runs (lint tests)


def groups_0_errors(*indexes: int) -> dict[str, list[str]]:
    """The recorded 422 errors for non-numeric group ids (mailerlite-nodejs#71)."""
    return {
        f"groups.{i}": [
            f"The groups.{i} field must be a number.",
            f"The selected groups.{i} is not numeric.",
        ]
        for i in indexes
    }


def utc_today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


# -- servers, config, dispatcher -----------------------------------------------------------


@contextmanager
def emulator(
    *,
    seed: dict[str, Any] | None = SEED,
    clock: Any = None,
    rate_limit: int = 100_000,
    window_seconds: float = 60.0,
) -> Iterator[tuple[str, Any]]:
    """The emulator app under uvicorn on 127.0.0.1: (base URL, MailerLiteEmulator)."""
    app = create_app(
        api_key=KEY,
        seed=seed,
        rate_limit=rate_limit,
        window_seconds=window_seconds,
        clock=clock or FakeClock(EMULATOR_T0),
    )
    with serve(app) as url:
        yield url, app.state.emulator


def api(base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        trust_env=False,
        timeout=10,
        headers={"Authorization": f"Bearer {KEY}", "Accept": "application/json"},
    )


def emulator_state(base_url: str) -> dict[str, Any]:
    with api(base_url) as c:
        resp = c.get("/__emulator/state")
        resp.raise_for_status()
        return resp.json()


def subscribers(base_url: str) -> dict[str, dict[str, Any]]:
    return {s["email"]: s for s in emulator_state(base_url)["subscribers"]}


def write_config(
    tmp_path: Path, base_url: str, handlers: list[Path], *, rate_limit: str | None = None
) -> Config:
    """One endpoint per handler file (named after it), all aimed at MailerLite and rewritten
    to the emulator, with the emulator's key and ``Accept: application/json``."""
    lines = ["[server]", 'database = "store.db"']
    for path in handlers:
        lines += [
            "",
            "[[endpoints]]",
            f'name = "{path.stem}"',
            f'secrets = ["{SECRET}"]',
            f'handler = "{path.as_posix()}"',
            f'url = "{ML_URL}"',
            'allow_hosts = ["127.0.0.1"]',
            f'rewrite_urls = {{ "https://connect.mailerlite.com/" = "{base_url}/" }}',
        ]
        if rate_limit is not None:
            lines.append(f'rate_limit = "{rate_limit}"')
        lines += [
            "[endpoints.headers]",
            f'Authorization = "Bearer {KEY}"',
            'Accept = "application/json"',
        ]
    path = tmp_path / "dodo-transform.toml"
    path.write_text("\n".join(lines) + "\n")
    return load_config(path)


class Rig:
    """A Dispatcher over a real SQLite file and a real HTTP client, on a FakeClock."""

    def __init__(
        self,
        tmp_path: Path,
        base_url: str,
        handlers: list[Path],
        sandbox: Sandbox,
        *,
        clock: FakeClock | None = None,
        rate_limit: str | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.config = write_config(tmp_path, base_url, handlers, rate_limit=rate_limit)
        self.clock = clock or FakeClock(T0)
        self.sandbox = sandbox
        self.concurrency = concurrency
        self._n = 0

    async def __aenter__(self) -> Rig:
        db = self.config.server.database
        self.store = ThreadedStore(lambda: SqliteStore(db))
        self.client = new_client()
        self.dispatcher = Dispatcher(
            self.config,
            self.store,
            self.client,
            clock=self.clock,
            rng=random.Random(7),
            sandbox=self.sandbox,
            concurrency=self.concurrency,
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        self.store.close()

    async def ingest(self, endpoint: str, sample: str, *, email: str | None = None) -> int:
        """Queue a built-in sample (optionally for another customer) as the receiver would."""
        payload = json.loads(samples.get(sample).text)
        if email is not None:
            payload["data"]["customer"]["email"] = email
        self._n += 1
        key = ordering_key(endpoint, payload) or f"{endpoint}\n{self._n}"
        result = await self.store.ingest(
            endpoint,
            f"msg_{self._n}",
            payload["type"],
            json.dumps(payload).encode(),
            {},
            key,
            False,
            self.clock.now(),
        )
        return result.delivery_id

    async def drain(self, rounds: int = 100) -> None:
        """Deliver until nothing is pending, jumping the clock to each next retry."""
        for _ in range(rounds):
            await self.dispatcher.run_once()
            due = await self.store.next_due()
            if due is None:
                return
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now())
        raise AssertionError(f"still pending after {rounds} rounds: {await self.store.counts()}")

    async def deliver(self, endpoint: str, sample: str, **kw: Any) -> tuple[Any, list[Any]]:
        d = await self.ingest(endpoint, sample, **kw)
        await self.drain()
        return await self.store.get_delivery(d), await self.store.attempts(d)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    yield box
    box.close()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- 1. the six document handlers, unchanged, through the dispatcher -----------------------


@pytest.mark.parametrize(
    "name, event, errors, message",
    [
        (
            "add_customer_on_payment",
            "payment.succeeded",
            groups_0_errors(0),
            "The groups.0 field must be a number. (and 1 more error)",
        ),
        (
            "custom_fields",
            "payment.succeeded",
            groups_0_errors(0),
            "The groups.0 field must be a number. (and 1 more error)",
        ),
        (
            "groups_by_amount",
            "payment.succeeded",
            groups_0_errors(0),
            "The groups.0 field must be a number. (and 1 more error)",
        ),
        # Two placeholders: two errors each, so "(and 3 more errors)".
        (
            "subscription_subscriber",
            "subscription.active",
            groups_0_errors(0, 1),
            "The groups.0 field must be a number. (and 3 more errors)",
        ),
    ],
)
def test_original_handler_placeholder_groups_fail_once_with_the_422_recorded(
    tmp_path, sandbox, name, event, errors, message
) -> None:
    with emulator() as (url, _emu):

        async def go() -> None:
            async with Rig(tmp_path, url, [ORIGINALS / f"{name}.js"], sandbox) as rig:
                row, attempts = await rig.deliver(name, event)
                assert row.status == "failed" and row.attempt_count == 1
                assert row.last_error.startswith("HTTP 422: not retried")
                (attempt,) = attempts
                assert attempt.status_code == 422 and attempt.error is None
                assert json.loads(attempt.response_body) == {"message": message, "errors": errors}
                # What was sent: the handler's request, rewritten to the emulator, key redacted.
                assert attempt.request["url"] == f"{url}/api/subscribers"
                assert attempt.request["method"] == "POST"
                assert attempt.request["headers"]["Authorization"] == "[redacted]"
                assert attempt.request["headers"]["Accept"] == "application/json"
                # Final means final: hours later nothing is resent.
                rig.clock.advance(36_000)
                assert await rig.dispatcher.run_once() == 0

        run(go())
        state = emulator_state(url)
        assert [(r["method"], r["path"], r["status"]) for r in state["requests"]] == [
            ("POST", "/api/subscribers", 422)
        ]
        assert state["subscribers"] == []  # a 422 changes nothing


def test_original_trigger_automation_creates_the_subscriber_with_its_trigger_field(
    tmp_path, sandbox
) -> None:
    with emulator() as (url, _emu):

        async def go() -> tuple[Any, list[Any]]:
            async with Rig(tmp_path, url, [ORIGINALS / "trigger_automation.js"], sandbox) as rig:
                return await rig.deliver("trigger_automation", "payment.succeeded")

        before = datetime.now(timezone.utc)
        row, attempts = run(go())
        after = datetime.now(timezone.utc)
        assert row.status == "succeeded"
        (attempt,) = attempts
        assert attempt.status_code == 201  # created
        assert json.loads(attempt.response_body)["data"]["email"] == JANE
        jane = subscribers(url)[JANE]
        assert jane["status"] == "active" and jane["groups"] == []  # no groups in this handler
        assert jane["fields"]["name"] == "Jane Doe"
        assert jane["fields"]["last_payment_amount"] == 29  # number field: "29.00" → 29
        # last_payment_trigger is a *text* field in the seed, so the full ISO instant is kept.
        trigger = jane["fields"]["last_payment_trigger"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", trigger), trigger
        at = datetime.fromisoformat(trigger.replace("Z", "+00:00"))
        assert before.replace(microsecond=0) <= at.replace(microsecond=0) <= after


def test_original_subscription_cancelled_for_an_unknown_subscriber_is_a_final_404(
    tmp_path, sandbox
) -> None:
    # The emulator looks the subscriber up *before* validating the body (as Laravel's route
    # model binding does), so PUT /api/subscribers/{email} for an address it does not know is
    # the model 404, not the groups.0 422. A 404 is not in retry_on_4xx: failed at once.
    with emulator() as (url, _emu):

        async def go() -> tuple[Any, list[Any]]:
            handler = ORIGINALS / "subscription_cancelled.js"
            async with Rig(tmp_path, url, [handler], sandbox) as rig:
                return await rig.deliver("subscription_cancelled", "subscription.cancelled")

        row, attempts = run(go())
        assert row.status == "failed" and row.attempt_count == 1
        assert row.last_error.startswith("HTTP 404: not retried")
        (attempt,) = attempts
        assert attempt.status_code == 404
        assert json.loads(attempt.response_body) == {
            "message": "No query results for model [App\\Models\\Subscriber\\Subscriber]."
        }
        assert attempt.request["method"] == "PUT"
        assert attempt.request["url"] == f"{url}/api/subscribers/jane.doe%40example.com"
        state = emulator_state(url)
        assert [(r["method"], r["path"], r["status"]) for r in state["requests"]] == [
            ("PUT", "/api/subscribers/jane.doe@example.com", 404)
        ]


def test_original_subscription_cancelled_for_a_known_subscriber_is_the_groups_422(
    tmp_path, sandbox
) -> None:
    # Once the subscriber exists (here created by the original trigger_automation handler),
    # the same PUT reaches validation and gets the placeholder 422; the subscriber is untouched.
    with emulator() as (url, _emu):

        async def go() -> tuple[Any, list[Any]]:
            handlers = [
                ORIGINALS / "trigger_automation.js",
                ORIGINALS / "subscription_cancelled.js",
            ]
            async with Rig(tmp_path, url, handlers, sandbox) as rig:
                row, _ = await rig.deliver("trigger_automation", "payment.succeeded")
                assert row.status == "succeeded"
                return await rig.deliver("subscription_cancelled", "subscription.cancelled")

        row, attempts = run(go())
        assert row.status == "failed" and row.attempt_count == 1
        (attempt,) = attempts
        assert attempt.status_code == 422
        assert json.loads(attempt.response_body) == {
            "message": "The groups.0 field must be a number. (and 1 more error)",
            "errors": groups_0_errors(0),
        }
        jane = subscribers(url)[JANE]
        assert jane["fields"]["subscription_status"] is None  # nothing of the PUT applied
        assert jane["fields"]["cancellation_date"] is None


# -- 2. the numeric-id copies with the seed: the subscriber's lifecycle ---------------------


def test_numeric_handlers_walk_jane_through_her_lifecycle_and_taro_gets_his_own_fields(
    tmp_path, sandbox
) -> None:
    handlers = [NUMERIC / f"{n}.js" for n in HANDLER_NAMES]
    with emulator() as (url, _emu):
        days: list[str] = []
        seen: dict[str, dict[str, Any]] = {}

        async def step(rig: Rig, endpoint: str, sample: str, expect: int) -> dict[str, Any]:
            days.append(utc_today())
            row, attempts = await rig.deliver(endpoint, sample)
            days.append(utc_today())
            assert row.status == "succeeded", (endpoint, row.last_error)
            assert [a.status_code for a in attempts] == [expect], endpoint
            return subscribers(url)

        async def go() -> None:
            async with Rig(tmp_path, url, handlers, sandbox) as rig:
                seen["groups_by_amount"] = (
                    await step(rig, "groups_by_amount", "payment.succeeded", 201)
                )[JANE]
                before = datetime.now(timezone.utc)
                seen["custom_fields"] = (
                    await step(rig, "custom_fields", "payment.succeeded", 200)
                )[JANE]
                seen["custom_fields_window"] = {
                    "before": before,
                    "after": datetime.now(timezone.utc),
                }
                seen["subscription_subscriber"] = (
                    await step(rig, "subscription_subscriber", "subscription.active", 200)
                )[JANE]
                seen["subscription_cancelled"] = (
                    await step(rig, "subscription_cancelled", "subscription.cancelled", 200)
                )[JANE]
                await step(rig, "groups_by_amount", JPY, 201)
                seen["all"] = await step(rig, "custom_fields", JPY, 200)

        run(go())
        today = set(days)

        # payment.succeeded → groups_by_amount: created, in Customers ($29 < $100: not Premium).
        jane = seen["groups_by_amount"]
        assert jane["status"] == "active"
        assert jane["groups"] == [IDS["Customers"]]
        f = jane["fields"]
        assert f["name"] == "Jane Doe"
        assert f["last_purchase_amount"] == 29 and isinstance(f["last_purchase_amount"], int)
        assert f["last_purchase_date"] == "2025-08-04"  # from the event's timestamp
        assert f["payment_id"] == "pay_2IjeQm4hqU6RA4Z4kwDee"

        # payment.succeeded → custom_fields: POST adds Paying customers, keeps Customers.
        jane = seen["custom_fields"]
        assert jane["status"] == "active"
        assert jane["groups"] == [IDS["Customers"], IDS["Paying customers"]]
        f = jane["fields"]
        assert f["total_spent"] == 29 and f["payment_method"] == "card" and f["currency"] == "USD"
        assert f["customer_since"] in today  # new Date() in the handler, UTC
        # "" for company/country/city/phone arrives as null (ConvertEmptyStringsToNull); the
        # sample's customer has phone_number, not phone, so phone is "" → null too.
        assert f["company"] is None and f["country"] is None and f["city"] is None
        assert f["phone"] is None
        assert f["last_purchase_amount"] == 29  # the earlier upsert's fields are kept
        window = seen["custom_fields_window"]
        sub_at = datetime.strptime(jane["subscribed_at"], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=timezone.utc
        )  # the handler's subscribed_at, "yyyy-MM-dd HH:mm:ss" UTC
        assert window["before"].replace(microsecond=0) <= sub_at <= window["after"]

        # subscription.active → subscription_subscriber: + Subscribers + Active subscriptions.
        jane = seen["subscription_subscriber"]
        assert jane["status"] == "active"
        assert jane["groups"] == [
            IDS["Customers"],
            IDS["Paying customers"],
            IDS["Subscribers"],
            IDS["Active subscriptions"],
        ]
        f = jane["fields"]
        assert f["subscription_plan"] == "pdt_RUST4raxbl0Rfe4VQi1z"
        assert f["subscription_amount"] == 19
        assert f["billing_frequency"] == "Month"
        assert f["subscription_start"] in today
        assert f["subscription_status"] is None

        # subscription.cancelled → PUT: groups *replaced* by Churned customers alone.
        jane = seen["subscription_cancelled"]
        assert jane["status"] == "active"  # the PUT sends no status
        assert jane["groups"] == [IDS["Churned customers"]]
        f = jane["fields"]
        assert f["subscription_status"] == "cancelled"
        assert f["cancellation_date"] in today
        # fields the PUT did not name are untouched
        assert f["total_spent"] == 29 and f["subscription_amount"] == 19
        assert f["last_purchase_date"] == "2025-08-04"

        # The JPY zero-decimal sample: a second subscriber with its own values.
        everyone = seen["all"]
        assert set(everyone) == {JANE, "taro.yamada@example.jp"}
        taro = everyone["taro.yamada@example.jp"]
        assert taro["status"] == "active"
        assert taro["groups"] == [IDS["Customers"], IDS["Paying customers"]]
        f = taro["fields"]
        assert f["name"] == "Taro" and f["last_name"] is None
        assert f["payment_id"] == "pay_JpY0Yen1Zero2Dec3"
        assert f["currency"] == "JPY" and f["phone"] is None
        assert f["last_purchase_date"] == "2025-08-04"
        # The handlers divide by 100 whatever the currency: ¥4500 is stored as 45. That is what
        # the document's code does (JPY has no minor unit), recorded here as it behaves.
        assert f["last_purchase_amount"] == 45 and f["total_spent"] == 45
        assert f["subscription_status"] is None
        assert everyone[JANE] == jane  # Jane is not touched by Taro's events

        # The API with the key agrees with the state view (group names, include=groups).
        with api(url) as c:
            body = c.get(f"/api/subscribers/{JANE}", params={"include": "groups"}).json()
            assert [g["name"] for g in body["data"]["groups"]] == ["Churned customers"]
            assert body["data"]["fields"]["subscription_status"] == "cancelled"
            members = c.get(f"/api/groups/{IDS['Paying customers']}/subscribers").json()
            assert [s["email"] for s in members["data"]] == ["taro.yamada@example.jp"]


# -- 3. the rate limit: 120/minute scaled down to 10/minute on one fake clock ----------------


def buyers(n: int) -> list[str]:
    return [f"buyer{i:03d}@example.com" for i in range(n)]


def log_statuses(state: dict[str, Any]) -> list[int]:
    return [r["status"] for r in state["requests"]]


def test_explicit_rate_limit_delivers_40_without_a_single_429(tmp_path, sandbox) -> None:
    clock = FakeClock(T0)
    # Emulator and dispatcher share the clock: the emulator's 60 s window is fake time too.
    with emulator(clock=clock, rate_limit=10, window_seconds=60) as (url, _emu):

        async def go() -> dict[str, int]:
            handler = NUMERIC / "add_customer_on_payment.js"
            async with Rig(
                tmp_path,
                url,
                [handler],
                sandbox,
                clock=clock,
                rate_limit="10/minute",
                concurrency=50,
            ) as rig:
                for email in buyers(40):
                    await rig.ingest("add_customer_on_payment", "payment.succeeded", email=email)
                await rig.drain()
                return await rig.store.counts()

        counts = run(go())
        assert counts == {"succeeded": 40}
        state = emulator_state(url)
        assert log_statuses(state) == [201] * 40  # every request created one; not one 429
        assert state["request_count"] == 40
        assert sorted(subscribers(url)) == buyers(40)
        # 40 requests at 10 per window cannot fit in fewer than four windows: the limiter
        # really waited (in fake time) instead of the emulator being lenient.
        assert clock.now() - T0 >= 3 * 60
        # Control: the emulator does enforce 10 per window at this clock.
        with api(url) as c:
            codes = [c.get("/api/groups").status_code for _ in range(11)]
        assert codes.count(429) >= 1


def test_adaptive_limit_one_at_a_time_learns_the_limit_before_any_429(tmp_path, sandbox) -> None:
    # No rate_limit in the config: the dispatcher starts from MailerLite's published 120/minute
    # (KNOWN_RATES, keyed by the original host) and lowers it to the emulator's
    # X-RateLimit-Limit (10) after the first answer; X-RateLimit-Remaining: 0 pauses the key.
    # Sent one at a time, it adapts before the window is exceeded: zero 429s.
    clock = FakeClock(T0)
    with emulator(clock=clock, rate_limit=10, window_seconds=60) as (url, _emu):

        async def go() -> dict[str, int]:
            handler = NUMERIC / "add_customer_on_payment.js"
            async with Rig(tmp_path, url, [handler], sandbox, clock=clock, concurrency=1) as rig:
                for email in buyers(40):
                    await rig.ingest("add_customer_on_payment", "payment.succeeded", email=email)
                await rig.drain()
                return await rig.store.counts()

        counts = run(go())
        assert counts == {"succeeded": 40}
        state = emulator_state(url)
        assert log_statuses(state) == [201] * 40
        assert clock.now() - T0 >= 3 * 60


def test_adaptive_limit_under_a_burst_retries_its_429s_until_all_succeed(tmp_path, sandbox) -> None:
    # With 32 deliveries in flight before the first answer arrives, the limiter cannot know
    # the emulator's 10/window yet (it starts from 120/minute), so the first burst may
    # overrun the window. Those 429s are retried (429 is in retry_on_4xx, with Retry-After
    # honoured) and, once the limit is learnt, nothing is refused again.
    clock = FakeClock(T0)
    with emulator(clock=clock, rate_limit=10, window_seconds=60) as (url, _emu):

        async def go() -> list[tuple[Any, list[Any]]]:
            handler = NUMERIC / "add_customer_on_payment.js"
            async with Rig(tmp_path, url, [handler], sandbox, clock=clock, concurrency=32) as rig:
                ids = [
                    await rig.ingest("add_customer_on_payment", "payment.succeeded", email=email)
                    for email in buyers(40)
                ]
                await rig.drain()
                return [(await rig.store.get_delivery(d), await rig.store.attempts(d)) for d in ids]

        results = run(go())
        assert all(row.status == "succeeded" for row, _ in results)
        refused = [a for _, attempts in results for a in attempts if a.status_code == 429]
        for _row, attempts in results:
            codes = [a.status_code for a in attempts]
            # at most one refusal per delivery (the retry comes after the limit was learnt)
            assert codes in ([201], [429, 201]), codes
            if codes[0] == 429:
                assert json.loads(attempts[0].response_body) == {"message": "Too Many Attempts."}
                assert attempts[1].started_at >= attempts[0].started_at + 60  # Retry-After
        state = emulator_state(url)
        assert log_statuses(state).count(429) == len(refused)
        assert log_statuses(state).count(201) == 40
        assert len(refused) <= 32 - 10  # only the blind first burst can overrun
        assert sorted(subscribers(url)) == buyers(40)


# -- 4. lint predicts exactly the emulator's 422s -------------------------------------------

# Lint codes for which MailerLite answers 422; the other codes are silent data problems
# (a field cleared by "", an unknown field dropped, PUT replacing groups).
REJECTING = {
    "missing_email",
    "invalid_email",
    "non_numeric_group_id",
    "unknown_group",
    "field_type_mismatch",
    "invalid_status",
    "invalid_subscribed_at",
    "invalid_timestamp",
    "invalid_ip_address",
    "invalid_resubscribe",
    "groups_not_array",
    "fields_not_object",
}


def api_path(lint_path: str) -> str:
    """lint's ``groups[0]`` is the API's ``groups.0``; ``fields.x`` is the same in both."""
    return re.sub(r"\[(\d+)\]", r".\1", lint_path)


def samples_for(name: str) -> list[str]:
    event = EVENT_OF.get(name, "payment.succeeded")
    return [s.name for s in samples.all() if s.event_type == event]


ACCOUNTS = {
    # The seed as shipped.
    "seed": SEED,
    # The trigger field created as a date instead of text: trigger_automation's ISO instant
    # is then a field_type_mismatch / 422 on fields.last_payment_trigger.
    "trigger_as_date": {
        **SEED,
        "fields": [
            {**f, "type": "date"} if f["key"] == "last_payment_trigger" else f
            for f in SEED["fields"]
        ],
    },
    # A fresh account: no groups, no custom fields. Numeric ids become unknown_group (422)
    # and the custom fields unknown_field (dropped, not rejected).
    "bare": {"groups": [], "fields": []},
}


@pytest.mark.parametrize("account_name", list(ACCOUNTS))
def test_lint_flags_a_transformed_request_iff_the_emulator_rejects_it(account_name) -> None:
    seed = {**ACCOUNTS[account_name], "subscribers": [{"email": JANE}]}  # so PUT finds Jane
    with emulator(seed=seed) as (url, _emu):
        account = fetch_account(url, KEY)  # lint reads the same account the emulator serves
        assert account == Account.from_seed(seed)
        outcomes: dict[tuple[str, str, str], tuple[int, set[str], set[str]]] = {}
        with api(url) as c:
            for kind, folder in (("original", ORIGINALS), ("numeric", NUMERIC)):
                for name in HANDLER_NAMES:
                    handler = Handler.from_file(str(folder / f"{name}.js"))
                    for sample in samples_for(name):
                        decision = transform(handler, samples.get(sample).text, url=ML_URL, now=NOW)
                        assert decision.ok, (name, sample, decision.error)
                        req = decision.request
                        warnings = lint_request(req.method, req.url, req.body, account)
                        predicted = {
                            api_path(w["path"]) for w in warnings if w["code"] in REJECTING
                        }
                        c.post("/__emulator/reset").raise_for_status()
                        resp = c.request(
                            req.method,
                            url + req.url.removeprefix("https://connect.mailerlite.com"),
                            content=req.body.encode(),
                            headers={"Content-Type": "application/json"},
                        )
                        assert resp.status_code in (200, 201, 422), (name, sample, resp.text)
                        actual = set(resp.json()["errors"]) if resp.status_code == 422 else set()
                        outcomes[(kind, name, sample)] = (resp.status_code, predicted, actual)
                        assert predicted == actual, (name, sample, warnings, resp.json())
                        assert bool(predicted) == (resp.status_code == 422)

    rejected = {k for k, (status, _, _) in outcomes.items() if status == 422}
    originals_with_groups = {
        k for k in outcomes if k[0] == "original" and k[1] != "trigger_automation"
    }
    if account_name == "seed":
        # Exactly the placeholder-group requests are refused; every numeric copy goes through.
        assert rejected == originals_with_groups
    elif account_name == "trigger_as_date":
        trigger = {k for k in outcomes if k[1] == "trigger_automation"}
        assert rejected == originals_with_groups | trigger
        assert all(outcomes[k][2] == {"fields.last_payment_trigger"} for k in trigger)
    else:
        # With no groups at all, every request that names a group is refused.
        assert rejected == {k for k in outcomes if k[1] != "trigger_automation"}
        numeric = {k for k in rejected if k[0] == "numeric"}
        assert numeric and all(outcomes[k][1] <= {"groups.0", "groups.1"} for k in numeric)
