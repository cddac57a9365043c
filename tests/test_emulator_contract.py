"""Contract tests: the recorded MailerLite behaviour (shared/reference/mailerlite-api.md).

Every test talks HTTP to a ``base_url`` with an ``api_key``. The ``api`` fixture gives the
emulator on 127.0.0.1; set ``MAILERLITE_REAL_API_KEY`` to also run the same expectations
against the real API (a throwaway account: the tests create and delete subscribers, groups
and fields). Without that variable the real variant is not even collected,
so nothing outside 127.0.0.1 is contacted. Tests of the emulator's own decisions (texts the
record does not show, the rate-limit clock, ``/__emulator``) run against the emulator only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest_emulator import KEY, T0, FakeClock, serve

from dodo_transform.cli.emulate import add_commands
from dodo_transform.mailerlite.emulator import create_app, load_seed

REAL_KEY = os.environ.get("MAILERLITE_REAL_API_KEY")
REAL_BASE = os.environ.get("MAILERLITE_REAL_BASE_URL", "https://connect.mailerlite.com")

SUBSCRIBER_KEYS = [
    "id",
    "email",
    "status",
    "source",
    "sent",
    "opens_count",
    "clicks_count",
    "open_rate",
    "click_rate",
    "ip_address",
    "subscribed_at",
    "unsubscribed_at",
    "created_at",
    "updated_at",
    "fields",
    "groups",
    "opted_in_at",
    "optin_ip",
]
GROUP_KEYS = [
    "id",
    "name",
    "active_count",
    "sent_count",
    "opens_count",
    "open_rate",
    "clicks_count",
    "click_rate",
    "unsubscribed_count",
    "unconfirmed_count",
    "bounced_count",
    "junk_count",
    "created_at",
]
DEFAULT_FIELDS = [
    ("1", "Name", "name"),
    ("2", "Last name", "last_name"),
    ("3", "Company", "company"),
    ("4", "Country", "country"),
    ("5", "City", "city"),
    ("6", "Phone", "phone"),
    ("7", "State", "state"),
    ("8", "Zip", "z_i_p"),
]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
MODEL_404 = {"message": "No query results for model [App\\Models\\Subscriber\\Subscriber]."}


@dataclass
class Api:
    base_url: str
    key: str
    emulated: bool
    client: httpx.Client
    groups: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    subscribers: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Accept": "application/json",
            **kw.pop("headers", {}),
        }
        return self.client.request(method, self.base_url + path, json=body, headers=headers, **kw)

    def email(self) -> str:
        return f"dodo-contract-{uuid.uuid4().hex[:12]}@example.com"

    def subscriber(self, **body: Any) -> dict[str, Any]:
        body.setdefault("email", self.email())
        resp = self.call("POST", "/api/subscribers", body)
        assert resp.status_code in (200, 201), resp.text
        data = resp.json()["data"]
        self.subscribers.append(data["id"])
        return data

    def group(self, name: str | None = None) -> dict[str, Any]:
        resp = self.call("POST", "/api/groups", {"name": name or f"dodo {uuid.uuid4().hex[:8]}"})
        assert resp.status_code == 201, resp.text
        data = resp.json()["data"]
        self.groups.append(data["id"])
        return data

    def field(self, kind: str) -> dict[str, Any]:
        resp = self.call(
            "POST", "/api/fields", {"name": f"dodo {kind} {uuid.uuid4().hex[:6]}", "type": kind}
        )
        assert resp.status_code == 201, resp.text
        data = resp.json()["data"]
        self.fields.append(data["id"])
        return data

    def members(self, group_id: str) -> set[str]:
        resp = self.call("GET", f"/api/groups/{group_id}/subscribers", params={"limit": 100})
        assert resp.status_code == 200, resp.text
        return {s["email"] for s in resp.json()["data"]}

    def cleanup(self) -> None:
        for sid in self.subscribers:
            self.call("DELETE", f"/api/subscribers/{sid}")
        for gid in self.groups:
            self.call("DELETE", f"/api/groups/{gid}")
        for fid in self.fields:
            self.call("DELETE", f"/api/fields/{fid}")


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    # A fake clock keeps the 120/min window from ever closing on a slow machine; each test
    # resets the emulator (state and limits) instead.
    app = create_app(api_key=KEY, clock=FakeClock(T0))
    with serve(app) as url:
        yield url


# The real-API variant is collected only when a key is given, so that CI (which never has
# one) neither skips nor contacts anything outside 127.0.0.1.
@pytest.fixture(params=["emulator", "real"] if REAL_KEY else ["emulator"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    if request.param == "real":
        with httpx.Client(timeout=30) as client:
            real = Api(REAL_BASE, REAL_KEY or "", False, client)
            yield real
            real.cleanup()
        return
    url = request.getfixturevalue("emulator_url")
    with httpx.Client(timeout=10, trust_env=False) as client:
        client.post(url + "/__emulator/reset").raise_for_status()
        yield Api(url, KEY, True, client)


def emulator_only(api: Api) -> None:
    if not api.emulated:
        pytest.skip("an emulator decision, not recorded behaviour")


# -- authentication and headers ------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, "Bearer wrong-key", "Basic abc"])
def test_401_shape_without_rate_limit_headers(api: Api, auth: str | None) -> None:
    headers = {"Accept": "application/json"}
    if auth:
        headers["Authorization"] = auth
    resp = api.client.get(api.base_url + "/api/subscribers", headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {"message": "Unauthenticated."}
    assert resp.headers["content-type"] == "application/json"
    assert not [h for h in resp.headers if h.lower().startswith("x-ratelimit")]


def test_authenticated_responses_carry_json_and_rate_limit_headers(api: Api) -> None:
    resp = api.call("GET", "/api/subscribers", params={"limit": 0})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["cache-control"] == "no-cache, private"
    assert resp.headers["x-ratelimit-limit"] == "120"
    assert 0 <= int(resp.headers["x-ratelimit-remaining"]) < 120


def test_model_404_has_rate_limit_headers_and_laravel_body(api: Api) -> None:
    resp = api.call("GET", "/api/subscribers/999999999999999999")
    assert resp.status_code == 404
    assert resp.json() == MODEL_404
    assert resp.headers["x-ratelimit-limit"] == "120"
    assert "x-ratelimit-remaining" in resp.headers


def test_xhr_header_is_enough_to_get_json(api: Api) -> None:
    resp = api.client.get(
        api.base_url + "/api/subscribers/nobody@example.com",
        headers={"Authorization": f"Bearer {api.key}", "X-Requested-With": "XMLHttpRequest"},
    )
    assert resp.status_code == 404
    assert resp.json() == MODEL_404


def test_without_accept_or_xhr_errors_are_still_json_with_a_warning(api: Api) -> None:
    emulator_only(api)
    resp = api.client.get(
        api.base_url + "/api/subscribers/nobody@example.com",
        headers={"Authorization": f"Bearer {api.key}", "Accept": "*/*"},
    )
    assert resp.status_code == 404
    assert resp.json() == MODEL_404
    assert "redirect or HTML" in resp.headers["x-emulator-warning"]


# -- subscribers: upsert -------------------------------------------------------------------


def test_upsert_201_then_200_and_email_lowercased(api: Api) -> None:
    email = api.email()
    mixed = email[:3].upper() + email[3:]
    first = api.call("POST", "/api/subscribers", {"email": mixed, "fields": {"name": "John"}})
    assert first.status_code == 201
    data = first.json()["data"]
    api.subscribers.append(data["id"])
    assert data["email"] == email
    again = api.call("POST", "/api/subscribers", {"email": email.upper()})
    assert again.status_code == 200
    assert again.json()["data"]["id"] == data["id"]
    assert again.json()["data"]["fields"]["name"] == "John"  # left out, so kept


def test_subscriber_object_has_the_recorded_shape(api: Api) -> None:
    resp = api.call(
        "POST",
        "/api/subscribers",
        {
            "email": api.email(),
            "fields": {"name": "John", "last_name": "Doe"},
            "ip_address": "1.1.1.1",
        },
    )
    assert resp.status_code == 201
    body = resp.json()
    assert list(body) == ["data"]
    data = body["data"]
    api.subscribers.append(data["id"])
    assert list(data) == SUBSCRIBER_KEYS
    assert re.fullmatch(r"\d+", data["id"])
    assert (data["status"], data["source"], data["ip_address"]) == ("active", "api", "1.1.1.1")
    assert (data["sent"], data["opens_count"], data["clicks_count"]) == (0, 0, 0)
    assert (data["open_rate"], data["click_rate"]) == (0, 0)
    for key in ("subscribed_at", "created_at", "updated_at"):
        assert TIMESTAMP.fullmatch(data[key]), key
    assert data["unsubscribed_at"] is None and data["opted_in_at"] is None
    assert data["optin_ip"] is None
    assert data["groups"] == []
    field_keys = [f["key"] for f in api.call("GET", "/api/fields").json()["data"]]
    assert sorted(data["fields"]) == sorted(field_keys)
    assert data["fields"]["name"] == "John" and data["fields"]["last_name"] == "Doe"
    assert data["fields"]["z_i_p"] is None and data["fields"]["company"] is None


def test_emulator_timestamps_come_from_the_injected_wall_clock(api: Api) -> None:
    emulator_only(api)
    data = api.subscriber()
    assert data["created_at"] == data["subscribed_at"] == "2025-09-19 11:10:41"


def test_unknown_field_keys_are_ignored_not_rejected(api: Api) -> None:
    resp = api.call(
        "POST",
        "/api/subscribers",
        {
            "email": api.email(),
            "fields": {"not_a_field_xyz": "x", "Name": "Case matters", "email": "x@example.com"},
        },
    )
    assert resp.status_code == 201, resp.text
    data = resp.json()["data"]
    api.subscribers.append(data["id"])
    assert "not_a_field_xyz" not in data["fields"] and "Name" not in data["fields"]
    assert "email" not in data["fields"]
    assert data["fields"]["name"] is None


def test_post_adds_groups_and_never_removes(api: Api) -> None:
    a, b = api.group(), api.group()
    email = api.email()
    api.subscriber(email=email, groups=[a["id"]])
    resp = api.call("POST", "/api/subscribers", {"email": email, "groups": [b["id"]]})
    assert resp.status_code == 200
    assert resp.json()["data"]["groups"] == []  # as recorded, even with groups attached
    assert email in api.members(a["id"]) and email in api.members(b["id"])


def test_list_include_groups_shows_full_group_objects(api: Api) -> None:
    a = api.group()
    email = api.email()
    api.subscriber(email=email, groups=[a["id"]])
    resp = api.call("GET", "/api/subscribers", params={"include": "groups", "limit": 100})
    mine = [s for s in resp.json()["data"] if s["email"] == email]
    assert len(mine) == 1
    assert [g["id"] for g in mine[0]["groups"]] == [a["id"]]
    assert list(mine[0]["groups"][0]) == GROUP_KEYS


# -- subscribers: PUT ----------------------------------------------------------------------


def test_put_replaces_groups(api: Api) -> None:
    a, b = api.group(), api.group()
    email = api.email()
    sub = api.subscriber(email=email, groups=[a["id"], b["id"]])
    resp = api.call("PUT", f"/api/subscribers/{sub['id']}", {"groups": [b["id"]]})
    assert resp.status_code == 200
    assert email not in api.members(a["id"]) and email in api.members(b["id"])


def test_put_without_groups_leaves_groups(api: Api) -> None:
    a = api.group()
    email = api.email()
    sub = api.subscriber(email=email, groups=[a["id"]])
    resp = api.call("PUT", f"/api/subscribers/{sub['id']}", {"fields": {"city": "Oslo"}})
    assert resp.status_code == 200
    assert email in api.members(a["id"])


def test_put_null_clears_a_field_and_absent_keys_stay(api: Api) -> None:
    sub = api.subscriber(fields={"name": "John", "last_name": "Doe"})
    resp = api.call("PUT", f"/api/subscribers/{sub['id']}", {"fields": {"last_name": None}})
    assert resp.status_code == 200
    fields = resp.json()["data"]["fields"]
    assert fields["last_name"] is None and fields["name"] == "John"


def test_put_unknown_subscriber_is_404(api: Api) -> None:
    resp = api.call("PUT", "/api/subscribers/999999999999999999", {"fields": {"name": "x"}})
    assert resp.status_code == 404
    assert resp.json() == MODEL_404


def test_put_ignores_email_inside_fields(api: Api) -> None:
    sub = api.subscriber()
    resp = api.call(
        "PUT",
        f"/api/subscribers/{sub['id']}",
        {"fields": {"name": "Jo", "email": "other@example.com"}},
    )
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert data["email"] == sub["email"] and "email" not in data["fields"]


def test_put_by_email_path_works_in_the_emulator(api: Api) -> None:
    emulator_only(api)
    sub = api.subscriber()
    resp = api.call(
        "PUT",
        "/api/subscribers/" + sub["email"].replace("@", "%40"),
        {"fields": {"name": "By email"}},
    )
    assert resp.status_code == 200
    assert resp.json()["data"]["id"] == sub["id"]


def test_empty_string_arrives_as_null_and_clears(api: Api) -> None:
    emulator_only(api)
    sub = api.subscriber(fields={"name": "Jane", "company": "ACME"})
    resp = api.call("POST", "/api/subscribers", {"email": sub["email"], "fields": {"company": ""}})
    assert resp.status_code == 200
    assert resp.json()["data"]["fields"]["company"] is None


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [{"id": "1", "name": "Group"}, "your-group-id-here"])
def test_non_numeric_group_gives_both_recorded_messages(api: Api, value: Any) -> None:
    resp = api.call("POST", "/api/subscribers", {"email": api.email(), "groups": [value]})
    assert resp.status_code == 422
    assert resp.json() == {
        "message": "The groups.0 field must be a number. (and 1 more error)",
        "errors": {
            "groups.0": [
                "The groups.0 field must be a number.",
                "The selected groups.0 is not numeric.",
            ]
        },
    }


@pytest.mark.parametrize("value", ["999999999999999999", 999999999999999999])
def test_unknown_numeric_group_is_invalid(api: Api, value: Any) -> None:
    resp = api.call("POST", "/api/subscribers", {"email": api.email(), "groups": [value]})
    assert resp.status_code == 422
    assert resp.json() == {
        "message": "The selected groups.0 is invalid.",
        "errors": {"groups.0": ["The selected groups.0 is invalid."]},
    }


def test_numeric_string_and_number_group_ids_both_pass(api: Api) -> None:
    a, b = api.group(), api.group()
    email = api.email()
    api.subscriber(email=email, groups=[a["id"], int(b["id"])])
    assert email in api.members(a["id"]) and email in api.members(b["id"])


def test_message_counts_the_other_errors(api: Api) -> None:
    resp = api.call("POST", "/api/subscribers", {"email": "not-an-email", "groups": ["x"]})
    assert resp.status_code == 422
    body = resp.json()
    assert set(body["errors"]) == {"email", "groups.0"}
    assert body["message"].endswith(" (and 2 more errors)")


def test_email_required_and_valid(api: Api) -> None:
    missing = api.call("POST", "/api/subscribers", {"fields": {"name": "x"}})
    assert missing.status_code == 422
    assert missing.json()["errors"]["email"] == ["The email field is required."]
    bad = api.call("POST", "/api/subscribers", {"email": "jane.doe@"})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["email"]
    if api.emulated:
        assert bad.json() == {
            "message": "The email field must be a valid email address.",
            "errors": {"email": ["The email field must be a valid email address."]},
        }


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ({"status": "Active"}, "status", "The selected status is invalid."),
        (
            {"subscribed_at": "2025-08-04T05:30:45Z"},
            "subscribed_at",
            "The subscribed_at field must match the format Y-m-d H:i:s.",
        ),
        ({"ip_address": "1.1.1"}, "ip_address", "The ip_address field must be a valid IP address."),
        ({"groups": "123"}, "groups", "The groups field must be an array."),
    ],
)
def test_other_parameters_are_validated(api: Api, body: dict, key: str, message: str) -> None:
    resp = api.call("POST", "/api/subscribers", {"email": api.email(), **body})
    assert resp.status_code == 422
    assert list(resp.json()["errors"]) == [key]
    if api.emulated:
        assert resp.json()["errors"][key] == [message]


def test_number_and_date_fields_are_type_checked(api: Api) -> None:
    number, date = api.field("number"), api.field("date")
    n, d = number["key"], date["key"]
    bad = api.call(
        "POST",
        "/api/subscribers",
        {"email": api.email(), "fields": {n: "twenty", d: "2025-08-04T05:30:45Z"}},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {f"fields.{n}", f"fields.{d}"}
    if api.emulated:
        assert bad.json()["errors"] == {
            f"fields.{n}": [f"The fields.{n} field must be a number."],
            f"fields.{d}": [f"The fields.{d} field must match the format Y-m-d."],
        }
    good = api.subscriber(fields={n: "29.00", d: "2025-08-04"})
    assert float(good["fields"][n]) == 29 and good["fields"][d].startswith("2025-08-04")


def test_invalid_json_body_counts_as_empty_input(api: Api) -> None:
    emulator_only(api)
    resp = api.client.post(
        api.base_url + "/api/subscribers",
        content=b"{not json",
        headers={
            "Authorization": f"Bearer {api.key}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code == 422
    assert resp.json()["errors"] == {"email": ["The email field is required."]}
    assert "not valid JSON" in resp.headers["x-emulator-warning"]


# -- reactivation --------------------------------------------------------------------------


def test_unsubscribed_cannot_be_reactivated_by_status(api: Api) -> None:
    sub = api.subscriber(status="unsubscribed")
    assert sub["status"] == "unsubscribed"
    assert TIMESTAMP.fullmatch(sub["unsubscribed_at"])
    resp = api.call("POST", "/api/subscribers", {"email": sub["email"], "status": "active"})
    assert resp.status_code == 422
    if api.emulated:
        text = "This subscriber is unsubscribed and cannot be imported."
        assert resp.json() == {"message": text, "errors": {"status": [text]}}
    put = api.call("PUT", f"/api/subscribers/{sub['id']}", {"status": "active"})
    assert put.status_code == 422
    after = api.call("GET", f"/api/subscribers/{sub['id']}").json()["data"]
    assert after["status"] == "unsubscribed"


def test_resubscribe_flag_reactivates_unsubscribed_only(api: Api) -> None:
    emulator_only(api)
    unsub = api.subscriber(status="unsubscribed")
    resp = api.call(
        "POST",
        "/api/subscribers",
        {"email": unsub["email"], "status": "active", "resubscribe": True},
    )
    assert resp.status_code == 200
    assert resp.json()["data"]["status"] == "active"
    assert resp.json()["data"]["unsubscribed_at"] is None
    for status in ("bounced", "junk"):
        sub = api.subscriber(status=status)
        resp = api.call(
            "POST",
            "/api/subscribers",
            {"email": sub["email"], "status": "active", "resubscribe": True},
        )
        assert resp.status_code == 422
        assert resp.json()["errors"]["status"] == [
            f"This subscriber is {status} and cannot be imported."
        ]


def test_inactive_subscriber_still_accepts_field_updates(api: Api) -> None:
    sub = api.subscriber(status="unsubscribed")
    resp = api.call(
        "POST", "/api/subscribers", {"email": sub["email"], "fields": {"name": "Still here"}}
    )
    assert resp.status_code == 200
    assert resp.json()["data"]["status"] == "unsubscribed"
    assert resp.json()["data"]["fields"]["name"] == "Still here"


# -- get, delete, forget, list -------------------------------------------------------------


def test_get_by_email_and_by_id(api: Api) -> None:
    sub = api.subscriber()
    by_email = api.call("GET", f"/api/subscribers/{sub['email']}")
    by_id = api.call("GET", f"/api/subscribers/{sub['id']}")
    assert by_email.status_code == by_id.status_code == 200
    assert by_email.json()["data"]["id"] == sub["id"]
    assert by_id.json()["data"]["email"] == sub["email"]


def test_delete_204_empty_then_404(api: Api) -> None:
    sub = api.subscriber()
    resp = api.call("DELETE", f"/api/subscribers/{sub['id']}")
    assert resp.status_code == 204 and resp.content == b""
    again = api.call("DELETE", f"/api/subscribers/{sub['id']}")
    assert again.status_code == 404
    assert again.json() == MODEL_404
    assert api.call("GET", f"/api/subscribers/{sub['id']}").status_code == 404


def test_forget(api: Api) -> None:
    sub = api.subscriber()
    resp = api.call("POST", f"/api/subscribers/{sub['id']}/forget")
    assert resp.status_code == 200
    body = resp.json()
    assert body["message"] == (
        "Subscriber data will be completely deleted and forgotten within 30 days."
    )
    assert body["data"]["id"] == sub["id"]
    assert TIMESTAMP.fullmatch(body["data"]["deleted_at"])
    assert TIMESTAMP.fullmatch(body["data"]["forget_at"])
    assert api.call("POST", "/api/subscribers/999999999999999999/forget").status_code == 404


def test_limit_zero_returns_total(api: Api) -> None:
    before = api.call("GET", "/api/subscribers", params={"limit": 0}).json()["total"]
    api.subscriber()
    api.subscriber()
    resp = api.call("GET", "/api/subscribers", params={"limit": 0})
    assert resp.status_code == 200
    assert resp.json() == {"total": before + 2}


def test_list_is_cursor_paginated(api: Api) -> None:
    for _ in range(3):
        api.subscriber()
    first = api.call("GET", "/api/subscribers", params={"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert list(body) == ["data", "links", "meta"]
    assert set(body["links"]) == {"first", "last", "prev", "next"}
    assert set(body["meta"]) == {"path", "per_page", "next_cursor", "prev_cursor"}
    assert body["meta"]["per_page"] == 2 and body["meta"]["path"].endswith("/api/subscribers")
    assert len(body["data"]) == 2 and body["meta"]["prev_cursor"] is None
    cursor = body["meta"]["next_cursor"]
    assert cursor and cursor in body["links"]["next"]
    second = api.call("GET", "/api/subscribers", params={"limit": 2, "cursor": cursor}).json()
    assert not {s["id"] for s in second["data"]} & {s["id"] for s in body["data"]}
    assert second["meta"]["prev_cursor"]
    back = api.call(
        "GET", "/api/subscribers", params={"limit": 2, "cursor": second["meta"]["prev_cursor"]}
    ).json()
    assert [s["id"] for s in back["data"]] == [s["id"] for s in body["data"]]
    if api.emulated:
        assert len(second["data"]) == 1 and second["meta"]["next_cursor"] is None
        default = api.call("GET", "/api/subscribers").json()
        assert default["meta"]["per_page"] == 25


def test_list_filters_by_status(api: Api) -> None:
    unsub = api.subscriber(status="unsubscribed")
    resp = api.call(
        "GET", "/api/subscribers", params={"filter[status]": "unsubscribed", "limit": 100}
    )
    assert resp.status_code == 200
    statuses = {s["status"] for s in resp.json()["data"]}
    assert statuses == {"unsubscribed"}
    assert unsub["id"] in {s["id"] for s in resp.json()["data"]}


# -- groups --------------------------------------------------------------------------------


def test_group_create_shape_201(api: Api) -> None:
    resp = api.call("POST", "/api/groups", {"name": "Contract group"})
    assert resp.status_code == 201
    data = resp.json()["data"]
    api.groups.append(data["id"])
    assert list(data) == GROUP_KEYS
    assert re.fullmatch(r"\d+", data["id"]) and data["name"] == "Contract group"
    assert data["open_rate"] == {"float": 0, "string": "0%"}
    assert data["click_rate"] == {"float": 0, "string": "0%"}
    assert data["active_count"] == 0 and TIMESTAMP.fullmatch(data["created_at"])


def test_assign_returns_the_group_and_unassign_is_204(api: Api) -> None:
    group = api.group()
    sub = api.subscriber()
    resp = api.call("POST", f"/api/subscribers/{sub['id']}/groups/{group['id']}")
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert list(data) == GROUP_KEYS and data["id"] == group["id"]
    if api.emulated:
        assert data["active_count"] == 1
        again = api.call("POST", f"/api/subscribers/{sub['id']}/groups/{group['id']}")
        assert again.status_code == 200 and again.json()["data"]["active_count"] == 1
    gone = api.call("DELETE", f"/api/subscribers/{sub['id']}/groups/{group['id']}")
    assert gone.status_code == 204 and gone.content == b""
    assert sub["email"] not in api.members(group["id"])


def test_group_counts_follow_member_status(api: Api) -> None:
    emulator_only(api)
    group = api.group()
    api.subscriber(groups=[group["id"]])
    api.subscriber(groups=[group["id"]], status="unsubscribed")
    api.subscriber(groups=[group["id"]], status="unconfirmed")
    listed = api.call("GET", "/api/groups", params={"filter[name]": group["name"]}).json()
    (data,) = listed["data"]
    assert (data["active_count"], data["unsubscribed_count"], data["unconfirmed_count"]) == (
        1,
        1,
        1,
    )


def test_groups_list_is_page_paginated_and_filterable(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    for name in ("b", "a", "c"):
        api.group(f"dodo {tag} {name}")
    resp = api.call(
        "GET", "/api/groups", params={"filter[name]": tag, "limit": 2, "page": 1, "sort": "name"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert [g["name"] for g in body["data"]] == [f"dodo {tag} a", f"dodo {tag} b"]
    meta = body["meta"]
    for key in ("current_page", "from", "last_page", "links", "path", "per_page", "to", "total"):
        assert key in meta
    assert (meta["current_page"], meta["last_page"], meta["total"], meta["per_page"]) == (
        1,
        2,
        3,
        2,
    )
    page2 = api.call(
        "GET", "/api/groups", params={"filter[name]": tag, "limit": 2, "page": 2, "sort": "-name"}
    )
    assert [g["name"] for g in page2.json()["data"]] == [f"dodo {tag} a"]


def test_group_update_delete_and_404(api: Api) -> None:
    group = api.group()
    resp = api.call("PUT", f"/api/groups/{group['id']}", {"name": "Renamed group"})
    assert resp.status_code == 200 and resp.json()["data"]["name"] == "Renamed group"
    assert api.call("DELETE", f"/api/groups/{group['id']}").status_code == 204
    api.groups.remove(group["id"])
    assert api.call("DELETE", f"/api/groups/{group['id']}").status_code == 404
    missing = api.call("POST", "/api/groups", {})
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["name"]


def test_group_subscribers_lists_members(api: Api) -> None:
    group = api.group()
    inside = api.subscriber(groups=[group["id"]])
    api.subscriber()
    resp = api.call("GET", f"/api/groups/{group['id']}/subscribers")
    assert resp.status_code == 200
    assert [s["id"] for s in resp.json()["data"]] == [inside["id"]]


# -- fields --------------------------------------------------------------------------------


def test_default_fields(api: Api) -> None:
    resp = api.call("GET", "/api/fields")
    assert resp.status_code == 200
    by_key = {f["key"]: f for f in resp.json()["data"]}
    for fid, name, key in DEFAULT_FIELDS:
        f = by_key[key]
        assert (f["id"], f["name"], f["type"], f["is_default"]) == (fid, name, "text", True)
    if api.emulated:
        assert resp.json()["meta"]["per_page"] == 100


def test_field_create_update_delete(api: Api) -> None:
    name = f"My Field {uuid.uuid4().hex[:4]}"
    resp = api.call("POST", "/api/fields", {"name": name, "type": "number"})
    assert resp.status_code == 201
    data = resp.json()["data"]
    api.fields.append(data["id"])
    assert list(data)[:5] == ["id", "name", "key", "type", "is_default"]
    assert data["key"].startswith("my_field") and data["type"] == "number"
    assert data["is_default"] is False
    renamed = api.call("PUT", f"/api/fields/{data['id']}", {"name": name + " x"})
    assert renamed.status_code == 200 and renamed.json()["data"]["key"] == data["key"]
    assert api.call("DELETE", f"/api/fields/{data['id']}").status_code == 204
    api.fields.remove(data["id"])
    assert api.call("DELETE", f"/api/fields/{data['id']}").status_code == 404


def test_field_key_is_laravel_snake_case(api: Api) -> None:
    emulator_only(api)
    resp = api.call("POST", "/api/fields", {"name": "My Field", "type": "text"})
    assert resp.json()["data"]["key"] == "my_field"
    dup = api.call("POST", "/api/fields", {"name": "my field", "type": "text"})
    assert dup.status_code == 422
    assert dup.json()["errors"] == {"name": ["The name has already been taken."]}


def test_field_bad_type_is_422(api: Api) -> None:
    resp = api.call("POST", "/api/fields", {"name": "Bad type field", "type": "boolean"})
    assert resp.status_code == 422
    assert resp.json()["errors"]["type"] == ["The selected type is invalid."]


# -- batch ---------------------------------------------------------------------------------


def test_batch_returns_responses_in_order_with_the_recorded_404s(api: Api) -> None:
    email = api.email()
    resp = api.call(
        "POST",
        "/api/batch",
        {
            "requests": [
                {"method": "GET", "path": "api/subscribers/list"},
                {"method": "GET", "path": "api/campaigns/list"},
                {"method": "POST", "path": "api/subscribers", "body": {"email": email}},
                {"method": "GET", "path": f"api/subscribers/{email}"},
            ]
        },
    )
    assert resp.status_code == 200
    body = resp.json()
    assert list(body) == ["total", "successful", "failed", "responses"]
    assert (body["total"], body["successful"], body["failed"]) == (4, 2, 2)
    codes = [r["code"] for r in body["responses"]]
    assert codes == [404, 404, 201, 200]
    assert body["responses"][0]["body"] == MODEL_404
    assert body["responses"][1]["body"] == {
        "message": "The route api/campaigns/list could not be found."
    }
    api.subscribers.append(body["responses"][2]["body"]["data"]["id"])
    assert body["responses"][3]["body"]["data"]["email"] == email


def test_batch_over_50_requests_is_422(api: Api) -> None:
    items = [{"method": "GET", "path": "api/subscribers?limit=0"}] * 51
    resp = api.call("POST", "/api/batch", {"requests": items})
    assert resp.status_code == 422
    assert list(resp.json()["errors"]) == ["requests"]
    if api.emulated:
        assert resp.json()["message"] == "The requests field must not have more than 50 items."


def test_batch_envelope_is_validated(api: Api) -> None:
    resp = api.call(
        "POST", "/api/batch", {"requests": [{"path": "api/subscribers"}, {"method": "GET"}]}
    )
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert set(errors) == {"requests.0.method", "requests.1.path"}
    if api.emulated:
        assert errors["requests.0.method"] == ["The requests.0.method field is required."]
        assert resp.json()["message"].endswith("(and 1 more error)")


def test_batch_accepts_a_leading_slash_and_query_strings(api: Api) -> None:
    emulator_only(api)
    api.subscriber()
    resp = api.call(
        "POST",
        "/api/batch",
        {
            "requests": [
                {"method": "GET", "path": "/api/subscribers?limit=0"},
                {"method": "DELETE", "path": "api/groups/1"},
            ]
        },
    )
    body = resp.json()
    assert body["responses"][0] == {"code": 200, "body": {"total": 1}}
    assert body["responses"][1]["code"] == 404


# -- rate limits (emulator only: a small limit and a clock the test moves) -----------------


@pytest.fixture(scope="module")
def limited() -> Iterator[tuple[str, FakeClock]]:
    clock = FakeClock(T0)
    app = create_app(api_key=KEY, rate_limit=3, import_limit=2, clock=clock)
    with serve(app) as url:
        yield url, clock


@pytest.fixture
def limited_api(limited: tuple[str, FakeClock]) -> Iterator[tuple[Api, FakeClock]]:
    url, clock = limited
    with httpx.Client(timeout=10, trust_env=False) as client:
        client.post(url + "/__emulator/reset").raise_for_status()
        yield Api(url, KEY, True, client), clock


def test_rate_limit_429_then_the_next_window_works(limited_api: tuple[Api, FakeClock]) -> None:
    api, clock = limited_api
    remaining = [api.call("GET", "/api/groups").headers["x-ratelimit-remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    api.client.get(api.base_url + "/api/groups")  # a 401 does not count
    refused = api.call("GET", "/api/groups")
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Attempts."}
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    clock.advance(30.2)
    assert api.call("GET", "/api/groups").headers["retry-after"] == "30"
    clock.advance(29.8)
    ok = api.call("GET", "/api/groups")
    assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "2"


def test_retry_after_is_at_least_one_second(limited_api: tuple[Api, FakeClock]) -> None:
    api, clock = limited_api
    for _ in range(3):
        api.call("GET", "/api/fields")
    clock.advance(59.9)
    assert api.call("GET", "/api/fields").headers["retry-after"] == "1"


def test_a_batch_counts_once_and_all_upsert_batches_hit_the_import_limit(
    limited_api: tuple[Api, FakeClock],
) -> None:
    api, clock = limited_api
    upserts = {
        "requests": [
            {"method": "POST", "path": "api/subscribers", "body": {"email": api.email()}}
            for _ in range(3)
        ]
    }
    first = api.call("POST", "/api/batch", upserts)
    assert first.status_code == 200 and first.json()["successful"] == 3
    assert first.headers["x-ratelimit-remaining"] == "2"  # one request, not four
    assert api.call("POST", "/api/batch", upserts).status_code == 200
    refused = api.call("POST", "/api/batch", upserts)
    assert refused.status_code == 429
    assert refused.json() == {"message": "You're being rate limited on import creation."}
    assert refused.headers["retry-after"] == "60"
    clock.advance(60)
    mixed = {"requests": [*upserts["requests"], {"method": "GET", "path": "api/groups"}]}
    assert api.call("POST", "/api/batch", mixed).status_code == 200  # not an import
    assert api.call("POST", "/api/batch", upserts).status_code == 200


# -- emulator extras -----------------------------------------------------------------------


def test_unknown_route_and_wrong_method(api: Api) -> None:
    emulator_only(api)
    resp = api.call("GET", "/api/campaigns/list")
    assert resp.status_code == 404
    assert resp.json() == {"message": "The route api/campaigns/list could not be found."}
    wrong = api.call("PATCH", "/api/subscribers")
    assert wrong.status_code == 405
    assert wrong.json()["message"].startswith("The PATCH method is not supported")


def test_state_and_reset(api: Api) -> None:
    emulator_only(api)
    group = api.group()
    sub = api.subscriber(groups=[group["id"]])
    state = api.client.get(api.base_url + "/__emulator/state").json()
    assert [s["groups"] for s in state["subscribers"] if s["id"] == sub["id"]] == [[group["id"]]]
    assert state["request_count"] >= 2 and state["requests"][-1]["status"] == 201
    api.client.post(
        api.base_url + "/__emulator/reset",
        content=json.dumps({"groups": [{"id": "42", "name": "Only"}]}),
    )
    state = api.client.get(api.base_url + "/__emulator/state").json()
    assert state["subscribers"] == [] and [g["id"] for g in state["groups"]] == ["42"]
    api.client.post(api.base_url + "/__emulator/reset", content=json.dumps({}))


def test_concurrent_upserts_stay_consistent(api: Api) -> None:
    emulator_only(api)
    group = api.group()
    shared = api.email()
    emails = [api.email() for _ in range(10)]
    codes: list[int] = []

    def worker(email: str) -> None:
        with httpx.Client(timeout=10, trust_env=False) as client:
            for target in (email, shared):
                resp = client.post(
                    api.base_url + "/api/subscribers",
                    json={"email": target, "groups": [group["id"]]},
                    headers={"Authorization": f"Bearer {api.key}", "Accept": "application/json"},
                )
                codes.append(resp.status_code)

    threads = [threading.Thread(target=worker, args=(e,)) for e in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes).count(201) == 11 and len(codes) == 20
    total = api.call("GET", "/api/subscribers", params={"limit": 0}).json()["total"]
    assert total == 11
    listed = api.call("GET", "/api/groups", params={"filter[name]": group["name"]}).json()
    assert listed["data"][0]["active_count"] == 11


# -- seed and command line -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "problem"),
    [
        ({"groups": [{"id": "customers-group-id", "name": "Customers"}]}, "numeric string"),
        ({"groups": [{"id": "1", "name": "A"}, {"id": "1", "name": "B"}]}, "used twice"),
        ({"fields": [{"key": "total", "type": "money"}]}, "type must be one of"),
        ({"subscribers": [{"email": "nope"}]}, "valid 'email'"),
        ([], "JSON object"),
    ],
)
def test_bad_seeds_are_refused_with_the_reason(tmp_path: Any, seed: Any, problem: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with pytest.raises(ValueError, match=problem):
        load_seed(path)


def test_seed_subscribers_fields_and_groups(tmp_path: Any) -> None:
    path = tmp_path / "seed.json"
    path.write_text(
        json.dumps(
            {
                "groups": [{"id": "7", "name": "Customers"}],
                "fields": [{"name": "Total spent", "type": "number"}],
                "subscribers": [
                    {
                        "email": "Gone@Example.com",
                        "status": "unsubscribed",
                        "groups": ["7"],
                        "fields": {"total_spent": "10.50"},
                    }
                ],
            }
        )
    )
    app = create_app(seed=load_seed(path), clock=FakeClock(T0))
    state = app.state.emulator.snapshot()
    (sub,) = state["subscribers"]
    assert (sub["email"], sub["status"], sub["groups"]) == (
        "gone@example.com",
        "unsubscribed",
        ["7"],
    )
    assert sub["fields"]["total_spent"] == 10.5
    assert state["groups"][0]["unsubscribed_count"] == 1


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(["emulate", "mailerlite", *argv])


def test_cli_defaults_and_options() -> None:
    args = _parse()
    assert (args.host, args.port, args.api_key, args.seed) == ("127.0.0.1", 8025, None, None)
    assert (args.rate_limit, args.import_limit) == (120, 5)
    args = _parse("--port", "9000", "--api-key", "k", "--rate-limit", "3", "--import-limit", "1")
    assert (args.port, args.api_key, args.rate_limit, args.import_limit) == (9000, "k", 3, 1)
    with pytest.raises(SystemExit):
        _parse("--rate-limit", "0")


def test_cli_reports_the_accepted_key_and_bad_seeds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    import uvicorn

    from dodo_transform.cli import main

    started: list[Any] = []

    def run(server: uvicorn.Server, sockets: list[Any]) -> None:
        started.append((server.config.app, sockets[0].getsockname()))

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.delenv("MAILERLITE_API_KEY", raising=False)
    args = _parse("--port", "0")
    assert args.func(args) == 0
    assert "Bearer test-key' (default)" in capsys.readouterr().out
    assert started[-1][1][0] == "127.0.0.1"
    assert started[-1][0].state.emulator.api_key == "test-key"
    monkeypatch.setenv("MAILERLITE_API_KEY", "mlk_0123456789abcdef")
    args.func(args)
    out = capsys.readouterr().out
    assert "Bearer mlk_…cdef' ($MAILERLITE_API_KEY)" in out and "0123456789" not in out
    assert started[-1][0].state.emulator.api_key == "mlk_0123456789abcdef"
    bad = tmp_path / "seed.json"
    bad.write_text("{")
    assert main(["emulate", "mailerlite", "--seed", str(bad)]) == 2
    assert "cannot read the seed" in capsys.readouterr().err
