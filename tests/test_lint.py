"""The MailerLite request linter: every warning code, the six document handlers, and agreement
with the emulator (a request lints clean exactly when the emulator accepts it)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest_emulator import HANDLERS, KEY, SAMPLES, SEED_PATH, T0, FakeClock, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dodo_transform.mailerlite.account import Account, AccountError, fetch_account, load_account
from dodo_transform.mailerlite.emulator import create_app, load_seed
from dodo_transform.mailerlite.lint import lint_request, targets_mailerlite

ML = "https://connect.mailerlite.com/api/subscribers"
SEED = json.loads(SEED_PATH.read_text())
ACCOUNT = load_account(SEED_PATH)
IDS = {g["name"]: g["id"] for g in SEED["groups"]}
NOW = "2025-08-04T05:30:45Z"

# What each document handler sends for the shared samples with the clock frozen at NOW, read
# off the handler source (checked against the real transform below when it is available).
HANDLER_REQUESTS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "add_customer_on_payment": (
        "payment.succeeded",
        "POST",
        ML,
        {
            "email": "jane.doe@example.com",
            "fields": {"name": "Jane Doe", "company": "", "last_name": ""},
            "groups": ["your-group-id-here"],
            "status": "active",
        },
    ),
    "custom_fields": (
        "payment.succeeded",
        "POST",
        ML,
        {
            "email": "jane.doe@example.com",
            "fields": {
                "name": "Jane Doe",
                "company": "",
                "country": "",
                "city": "",
                "phone": "",
                "total_spent": "29.00",
                "customer_since": "2025-08-04",
                "payment_method": "card",
                "currency": "USD",
            },
            "groups": ["paying-customers-group-id"],
            "status": "active",
            "subscribed_at": "2025-08-04 05:30:45",
        },
    ),
    "groups_by_amount": (
        "payment.succeeded",
        "POST",
        ML,
        {
            "email": "jane.doe@example.com",
            "fields": {
                "name": "Jane Doe",
                "last_purchase_amount": "29.00",
                "last_purchase_date": "2025-08-04",
                "payment_id": "pay_2IjeQm4hqU6RA4Z4kwDee",
            },
            "groups": ["customers-group-id"],
            "status": "active",
        },
    ),
    "subscription_subscriber": (
        "subscription.active",
        "POST",
        ML,
        {
            "email": "jane.doe@example.com",
            "fields": {
                "name": "Jane Doe",
                "subscription_plan": "pdt_RUST4raxbl0Rfe4VQi1z",
                "subscription_amount": "19.00",
                "billing_frequency": "Month",
                "subscription_start": "2025-08-04",
            },
            "groups": ["subscribers-group-id", "active-subscriptions-group-id"],
            "status": "active",
        },
    ),
    "subscription_cancelled": (
        "subscription.cancelled",
        "PUT",
        ML + "/jane.doe%40example.com",
        {
            "fields": {"subscription_status": "cancelled", "cancellation_date": "2025-08-04"},
            "groups": ["churned-customers-group-id"],
        },
    ),
    "trigger_automation": (
        "payment.succeeded",
        "POST",
        ML,
        {
            "email": "jane.doe@example.com",
            "fields": {
                "name": "Jane Doe",
                "last_payment_trigger": "2025-08-04T05:30:45.000Z",
                "last_payment_amount": "29.00",
            },
            "status": "active",
        },
    ),
}
PLACEHOLDERS = {
    "your-group-id-here": IDS["Customers"],
    "paying-customers-group-id": IDS["Paying customers"],
    "customers-group-id": IDS["Customers"],
    "premium-customers-group-id": IDS["Premium customers"],
    "subscribers-group-id": IDS["Subscribers"],
    "active-subscriptions-group-id": IDS["Active subscriptions"],
    "churned-customers-group-id": IDS["Churned customers"],
}
# Codes for which MailerLite answers 422; the others are silent data problems.
REJECTED = {
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


def lint(
    body: Any, method: str = "POST", url: str = ML, account: Account | None = None, **kw: Any
) -> list[dict[str, str]]:
    text = body if isinstance(body, str) else json.dumps(body)
    return lint_request(method, url, text, account, **kw)


def codes(warnings: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(w["code"], w["path"]) for w in warnings}


def handler_lint(name: str, account: Account | None = ACCOUNT) -> list[dict[str, str]]:
    _, method, url, body = HANDLER_REQUESTS[name]
    return lint(body, method, url, account)


def with_real_ids(body: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    if "groups" in body:
        body["groups"] = [PLACEHOLDERS.get(g, g) for g in body["groups"]]
    return body


# -- every code ----------------------------------------------------------------------------

GOOD = {"email": "jane@example.com", "fields": {"name": "Jane"}, "status": "active"}


@pytest.mark.parametrize(
    ("method", "url", "body", "account", "expected"),
    [
        ("POST", ML, "{oops", None, ("body_not_json", "")),
        ("POST", ML, "[1, 2]", None, ("body_not_object", "")),
        ("POST", ML, {"fields": {"name": "x"}}, None, ("missing_email", "email")),
        ("POST", ML, {"email": "  "}, None, ("missing_email", "email")),
        ("POST", ML, {"email": "jane@"}, None, ("invalid_email", "email")),
        ("PUT", ML + "/1", {"email": "jane"}, None, ("invalid_email", "email")),
        ("POST", ML, {**GOOD, "name": "Jane"}, None, ("unknown_parameter", "name")),
        ("POST", ML, {**GOOD, "fields": "Jane"}, None, ("fields_not_object", "fields")),
        ("POST", ML, {**GOOD, "fields": {"Name": "J"}}, None, ("unknown_field", "fields.Name")),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"email": "x@y.co"}},
            None,
            ("unknown_field", "fields.email"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"plan": "pro"}},
            ACCOUNT,
            ("unknown_field", "fields.plan"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"total_spent": "$29"}},
            ACCOUNT,
            ("field_type_mismatch", "fields.total_spent"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"customer_since": "2025-08-04T05:30:45Z"}},
            ACCOUNT,
            ("field_type_mismatch", "fields.customer_since"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"customer_since": "2025-02-30"}},
            ACCOUNT,
            ("field_type_mismatch", "fields.customer_since"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"name": {"first": "J"}}},
            None,
            ("field_type_mismatch", "fields.name"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "fields": {"company": ""}},
            None,
            ("empty_string_clears_field", "fields.company"),
        ),
        ("POST", ML, {**GOOD, "groups": "123"}, None, ("groups_not_array", "groups")),
        (
            "POST",
            ML,
            {**GOOD, "groups": ["your-group-id-here"]},
            None,
            ("non_numeric_group_id", "groups[0]"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "groups": [IDS["Customers"], {"id": "1"}]},
            None,
            ("non_numeric_group_id", "groups[1]"),
        ),
        ("POST", ML, {**GOOD, "groups": ["123"]}, ACCOUNT, ("unknown_group", "groups[0]")),
        (
            "PUT",
            ML + "/123",
            {"groups": [IDS["Customers"]]},
            ACCOUNT,
            ("put_replaces_groups", "groups"),
        ),
        ("POST", ML, {**GOOD, "status": "Active"}, None, ("invalid_status", "status")),
        (
            "POST",
            ML,
            {**GOOD, "subscribed_at": "2025-08-04T05:30:45.000Z"},
            None,
            ("invalid_subscribed_at", "subscribed_at"),
        ),
        (
            "POST",
            ML,
            {**GOOD, "opted_in_at": "2025-08-04"},
            None,
            ("invalid_timestamp", "opted_in_at"),
        ),
        ("POST", ML, {**GOOD, "ip_address": "1.1.1"}, None, ("invalid_ip_address", "ip_address")),
        ("POST", ML, {**GOOD, "resubscribe": "yes"}, None, ("invalid_resubscribe", "resubscribe")),
        ("PATCH", ML + "/123", {"fields": {}}, None, ("unsupported_method", "url")),
        ("PUT", ML, GOOD, None, ("unsupported_method", "url")),
        ("PUT", ML + "/undefined", {"fields": {}}, None, ("invalid_subscriber_ref", "url")),
        ("POST", ML + "/abc/groups/your-group", "", None, ("non_numeric_group_id", "url")),
        (
            "POST",
            "https://connect.mailerlite.com/subscribers",
            GOOD,
            None,
            ("unknown_endpoint", "url"),
        ),
        (
            "POST",
            "https://api.mailerlite.com/api/v2/subscribers",
            GOOD,
            None,
            ("classic_api_host", "url"),
        ),
        (
            "POST",
            "https://connect.mailerlite.com/api/batch",
            {"requests": {}},
            None,
            ("invalid_batch", "requests"),
        ),
        (
            "POST",
            "https://connect.mailerlite.com/api/batch",
            {"requests": [{"method": "GET", "path": "api/groups"}] * 51},
            None,
            ("batch_too_large", "requests"),
        ),
        (
            "POST",
            "https://connect.mailerlite.com/api/batch",
            {"requests": [{"method": "post", "path": "api/subscribers"}]},
            None,
            ("invalid_batch_item", "requests[0]"),
        ),
        (
            "POST",
            "https://connect.mailerlite.com/api/batch",
            {
                "requests": [
                    {"method": "POST", "path": "api/subscribers", "body": GOOD},
                    {
                        "method": "POST",
                        "path": "/api/subscribers",
                        "body": {**GOOD, "groups": ["x"]},
                    },
                ]
            },
            None,
            ("non_numeric_group_id", "requests[1].body.groups[0]"),
        ),
        (
            "POST",
            "https://connect.mailerlite.com/api/batch",
            {"requests": [{"method": "PUT", "path": "api/subscribers/undefined"}]},
            None,
            ("invalid_subscriber_ref", "requests[0].path"),
        ),
    ],
)
def test_each_code(
    method: str, url: str, body: Any, account: Account | None, expected: tuple[str, str]
) -> None:
    warnings = lint(body, method, url, account)
    assert expected in codes(warnings), warnings
    for w in warnings:
        assert set(w) == {"code", "message", "path"} and w["message"]


def test_clean_requests_have_no_warnings() -> None:
    assert lint(GOOD) == []
    assert (
        lint(
            {
                **GOOD,
                "groups": [IDS["Customers"], int(IDS["Premium customers"])],
                "fields": {"total_spent": 29, "customer_since": "2025-08-04", "name": None},
                "subscribed_at": "2025-08-04 05:30:45",
                "ip_address": "::1",
                "resubscribe": True,
            },
            account=ACCOUNT,
        )
        == []
    )
    assert lint({"fields": {"name": "J"}}, "PUT", ML + "/jane%40example.com") == []
    assert lint("", "GET", ML + "/123") == []
    assert lint("", "DELETE", ML + "/123") == []


def test_non_numeric_group_message_explains_where_the_id_is() -> None:
    (w,) = [
        w
        for w in lint({**GOOD, "groups": ["your-group-id-here"]})
        if w["code"] == "non_numeric_group_id"
    ]
    assert "placeholder" in w["message"]
    assert "MailerLite → Subscribers → Groups" in w["message"]
    assert "GET /api/groups" in w["message"] and "URL" in w["message"]


def test_placeholder_named_after_a_group_suggests_its_id() -> None:
    (w,) = lint({**GOOD, "groups": ["premium-customers-group-id"]}, account=ACCOUNT)
    assert f'"Premium customers" with id "{IDS["Premium customers"]}"' in w["message"]


def test_unknown_field_mentions_case_and_creation() -> None:
    (w,) = lint({**GOOD, "fields": {"Total_Spent": 1}}, account=ACCOUNT)
    assert "case-sensitive" in w["message"] and "created first" in w["message"]
    assert 'Did you mean "total_spent"?' in w["message"]


def test_numeric_strings_are_fine_for_number_fields() -> None:
    assert (
        lint(
            {**GOOD, "fields": {"total_spent": "29.00", "last_payment_amount": "-1e3"}},
            account=ACCOUNT,
        )
        == []
    )


# -- what counts as "aimed at MailerLite" --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "target", "expected"),
    [
        ("https://connect.mailerlite.com/api/subscribers", None, True),
        ("https://CONNECT.mailerlite.com/api/groups", None, True),
        ("http://127.0.0.1:8025/api/subscribers", None, True),
        ("http://localhost:8025/api/subscribers/jane%40example.com", None, True),
        ("http://127.0.0.1:8025/api/batch", None, False),
        ("http://127.0.0.1:8025/api/batch", "mailerlite", True),
        ("https://connect.mailerlite.com/api/subscribers", "webhook", False),
        ("https://hooks.example.com/api/subscriberslist", None, False),
        ("https://hooks.example.com/webhook", None, False),
    ],
)
def test_targets_mailerlite(url: str, target: str | None, expected: bool) -> None:
    assert targets_mailerlite(url, target) is expected


def test_other_targets_are_not_linted() -> None:
    assert lint({"anything": 1}, url="https://hooks.example.com/webhook") == []
    assert lint("{oops", url="https://connect.mailerlite.com/api/subscribers", target="other") == []
    assert codes(
        lint(
            {"requests": [{"method": "POST", "path": "api/subscribers", "body": {}}]},
            url="http://127.0.0.1:8025/api/batch",
            target="mailerlite",
        )
    ) == {("missing_email", "requests[0].body.email")}


# -- the six document handlers -------------------------------------------------------------


def test_add_customer_on_payment() -> None:
    found = codes(handler_lint("add_customer_on_payment"))
    assert found == {
        ("non_numeric_group_id", "groups[0]"),
        ("empty_string_clears_field", "fields.company"),
        ("empty_string_clears_field", "fields.last_name"),
    }
    assert codes(handler_lint("add_customer_on_payment", None)) == found


def test_custom_fields() -> None:
    found = codes(handler_lint("custom_fields"))
    assert ("non_numeric_group_id", "groups[0]") in found
    assert not [c for c, _ in found if c in ("unknown_field", "field_type_mismatch")]
    (w,) = [w for w in handler_lint("custom_fields") if w["code"] == "non_numeric_group_id"]
    assert IDS["Paying customers"] in w["message"]
    # An account that followed the document's list of fields to create lacks "currency".
    without = {**SEED, "fields": [f for f in SEED["fields"] if f["key"] != "currency"]}
    found = codes(handler_lint("custom_fields", Account.from_seed(without)))
    assert ("unknown_field", "fields.currency") in found


def test_groups_by_amount() -> None:
    found = codes(handler_lint("groups_by_amount"))
    assert found == {("non_numeric_group_id", "groups[0]")}
    bare = codes(handler_lint("groups_by_amount", Account.from_seed({})))
    assert {p for c, p in bare if c == "unknown_field"} == {
        "fields.last_purchase_amount",
        "fields.last_purchase_date",
        "fields.payment_id",
    }


def test_subscription_subscriber() -> None:
    assert codes(handler_lint("subscription_subscriber")) == {
        ("non_numeric_group_id", "groups[0]"),
        ("non_numeric_group_id", "groups[1]"),
    }


def test_subscription_cancelled() -> None:
    assert codes(handler_lint("subscription_cancelled")) == {
        ("put_replaces_groups", "groups"),
        ("non_numeric_group_id", "groups[0]"),
    }


def test_trigger_automation() -> None:
    assert handler_lint("trigger_automation") == []
    typed_as_date = {
        **SEED,
        "fields": [
            {**f, "type": "date"} if f["key"] == "last_payment_trigger" else f
            for f in SEED["fields"]
        ],
    }
    found = codes(handler_lint("trigger_automation", Account.from_seed(typed_as_date)))
    assert found == {("field_type_mismatch", "fields.last_payment_trigger")}


def test_with_real_group_ids_only_the_empty_strings_remain() -> None:
    for name, (_, method, url, body) in HANDLER_REQUESTS.items():
        left = {c for c, _ in codes(lint(with_real_ids(body), method, url, ACCOUNT))}
        assert left <= {"empty_string_clears_field", "put_replaces_groups"}, name


def test_hand_built_requests_match_the_real_transform() -> None:
    try:
        from dodo_transform.transform import Handler, transform
    except ImportError:
        pytest.skip("the transform core is not available")
    for name, (event, method, url, body) in HANDLER_REQUESTS.items():
        handler = Handler.from_file(HANDLERS / f"{name}.js")
        decision = transform(handler, (SAMPLES / f"{event}.json").read_text(), now=NOW)
        assert decision.request is not None, (name, decision)
        assert (decision.request.method, decision.request.url) == (method, url)
        assert json.loads(decision.request.body) == body, name


# -- the account -------------------------------------------------------------------------


def test_account_from_seed_and_state_shapes() -> None:
    assert ACCOUNT.groups[IDS["Customers"]] == "Customers"
    assert ACCOUNT.fields["total_spent"] == "number" and ACCOUNT.fields["z_i_p"] == "text"
    mapped = Account.from_seed({"groups": {"1": "A"}, "fields": {"plan": "text"}})
    assert mapped.groups == {"1": "A"} and mapped.fields["plan"] == "text"
    assert "name" in mapped.fields
    by_name = Account.from_seed({"fields": [{"name": "Customer Since", "type": "date"}]})
    assert by_name.fields["customer_since"] == "date"


@pytest.fixture(scope="module")
def seeded() -> Iterator[str]:
    app = create_app(
        api_key=KEY, seed=load_seed(SEED_PATH), rate_limit=100_000, clock=FakeClock(T0)
    )
    with serve(app) as url:
        yield url


@pytest.fixture
def emu(seeded: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=seeded,
        trust_env=False,
        timeout=10,
        headers={"Authorization": f"Bearer {KEY}", "Accept": "application/json"},
    ) as client:
        client.post("/__emulator/reset").raise_for_status()
        yield client


def test_fetch_account_reads_the_emulator_across_pages(seeded: str, emu: httpx.Client) -> None:
    many = {
        **SEED,
        "groups": SEED["groups"] + [{"id": str(10_000 + i), "name": f"G{i}"} for i in range(150)],
    }
    emu.post("/__emulator/reset", content=json.dumps(many)).raise_for_status()
    account = fetch_account(seeded + "/api", KEY)
    assert len(account.groups) == 156 and account.groups["10149"] == "G149"
    assert account.fields == ACCOUNT.fields
    with pytest.raises(AccountError, match="401"):
        fetch_account(seeded, "wrong-key")


# -- lint and the emulator agree -----------------------------------------------------------


def post_to_emulator(emu: httpx.Client, method: str, url: str, body: dict) -> httpx.Response:
    path = url.split("connect.mailerlite.com", 1)[1]
    return emu.request(method, path, json=body)


def test_document_handlers_against_the_emulator(emu: httpx.Client) -> None:
    for name, (_, method, url, body) in HANDLER_REQUESTS.items():
        if name == "subscription_cancelled":
            continue  # needs the subscriber first; below
        resp = post_to_emulator(emu, method, url, body)
        if "groups" in body:
            assert resp.status_code == 422, name
            assert resp.json()["errors"]["groups.0"] == [
                "The groups.0 field must be a number.",
                "The selected groups.0 is not numeric.",
            ]
        else:
            assert resp.status_code in (200, 201), (name, resp.text)
    # With the placeholders replaced, the subscription lifecycle goes through.
    _, method, url, body = HANDLER_REQUESTS["subscription_subscriber"]
    resp = post_to_emulator(emu, method, url, with_real_ids(body))
    assert resp.status_code in (200, 201), resp.text
    assert resp.json()["data"]["fields"]["subscription_amount"] == 19
    _, method, url, body = HANDLER_REQUESTS["subscription_cancelled"]
    resp = post_to_emulator(emu, method, url, with_real_ids(body))
    assert resp.status_code == 200, resp.text
    state = emu.get("/__emulator/state").json()
    (jane,) = state["subscribers"]
    assert jane["groups"] == [IDS["Churned customers"]]  # PUT replaced the other two
    assert jane["fields"]["subscription_status"] == "cancelled"
    _, method, url, body = HANDLER_REQUESTS["add_customer_on_payment"]
    resp = post_to_emulator(emu, method, url, with_real_ids(body))
    assert resp.status_code == 200 and resp.json()["data"]["fields"]["last_name"] is None


_FIELD_KEYS = ["name", "total_spent", "customer_since", "subscription_plan", "Name", "plan"]
_VALUES = st.sampled_from(
    [
        "29.00",
        29,
        2.5,
        "abc",
        "",
        " ",
        None,
        "2025-08-04",
        "2025-02-30",
        "2025-08-04T05:30:45Z",
        True,
        {"a": 1},
        ["x"],
    ]
)
_GROUP_REFS = st.sampled_from(
    [*IDS.values(), int(IDS["Customers"]), "your-group-id-here", "999", 1.5, {"id": "1"}, None]
)
_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "email": st.sampled_from(
            ["{uid}@example.com", "  {uid}@Example.COM ", "jane@", "", None, 123, "a b@example.com"]
        ),
        "fields": st.one_of(
            st.dictionaries(st.sampled_from(_FIELD_KEYS), _VALUES, max_size=4),
            st.sampled_from(["x", [], 3]),
        ),
        "groups": st.one_of(st.lists(_GROUP_REFS, max_size=3), st.just("123")),
        "status": st.sampled_from(
            ["active", "unsubscribed", "unconfirmed", "bounced", "junk", "Active", "deleted", ""]
        ),
        "subscribed_at": st.sampled_from(
            ["2025-08-04 05:30:45", "2025-08-04T05:30:45Z", "2025-02-30 00:00:00", ""]
        ),
        "ip_address": st.sampled_from(["1.1.1.1", "::1", "1.1.1", "01.1.1.1"]),
        "resubscribe": st.sampled_from([True, False, 1, "1", "yes"]),
    },
)


def _api_path(lint_path: str) -> str:
    return lint_path.replace("[", ".").replace("]", "")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_BODIES)
def test_lint_predicts_the_emulators_422s(emu: httpx.Client, body: dict[str, Any]) -> None:
    if isinstance(body.get("email"), str):
        body["email"] = body["email"].replace("{uid}", uuid.uuid4().hex[:12])
    warnings = lint(body, account=ACCOUNT)
    predicted = {_api_path(w["path"]) for w in warnings if w["code"] in REJECTED}
    resp = emu.post("/api/subscribers", json=body)
    assert resp.status_code in (200, 201, 422), resp.text
    actual = set(resp.json().get("errors", {})) if resp.status_code == 422 else set()
    assert actual == predicted, (warnings, resp.json())
