"""The emulated MailerLite account: subscribers, groups, fields, and their JSON shapes.

Everything here is plain in-memory data and is not thread-safe by itself; the app holds one
lock around every use. JSON shapes copy the recorded responses quoted in
``mailerlite-api.md`` key for key, in the same order.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..rules import (
    DEFAULT_FIELDS,
    FIELD_TYPES,
    INACTIVE_STATUSES,
    STATUSES,
    canonical_group_id,
    is_numeric,
    is_valid_email,
    laravel_snake,
    normalize_input,
    validate_subscriber,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Ids are numeric strings like the real ones ("165968862226941797"). New ones count up from
# here so they sort by creation and never collide with the small default field ids.
_FIRST_ID = 171_000_000_000_000_001
_FIRST_FIELD_ID = 900_001
SUBSCRIBER_MODEL = "No query results for model [App\\Models\\Subscriber\\Subscriber]."
GROUP_MODEL = "No query results for model [App\\Models\\Group\\Group]."
FIELD_MODEL = "No query results for model [App\\Models\\Field\\Field]."


def validate_seed(seed: Any) -> dict[str, Any]:
    """Check a seed document and return it normalised; raise ValueError naming the problem."""
    if seed is None:
        return {"groups": [], "fields": [], "subscribers": []}
    if not isinstance(seed, dict):
        raise ValueError("seed must be a JSON object with 'groups' and 'fields' lists")
    out: dict[str, Any] = {"groups": [], "fields": [], "subscribers": []}
    seen_ids: set[str] = set()
    for i, group in enumerate(seed.get("groups") or []):
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            raise ValueError(f"seed groups[{i}] needs a string 'name'")
        gid = group.get("id")
        if gid is not None:
            if not is_numeric(gid) or not canonical_group_id(gid).isdigit():
                raise ValueError(f"seed groups[{i}].id must be a numeric string, got {gid!r}")
            gid = canonical_group_id(gid)
            if gid in seen_ids:
                raise ValueError(f"seed groups[{i}].id {gid} is used twice")
            seen_ids.add(gid)
        out["groups"].append({"id": gid, "name": group["name"]})
    default_keys = {key for _, _, key in DEFAULT_FIELDS}
    seen_keys: set[str] = set()
    for i, fld in enumerate(seed.get("fields") or []):
        if not isinstance(fld, dict):
            raise ValueError(f"seed fields[{i}] must be an object")
        name = fld.get("name")
        key = fld.get("key") or (laravel_snake(name) if isinstance(name, str) else None)
        if not isinstance(key, str) or not key:
            raise ValueError(f"seed fields[{i}] needs a 'key' or a 'name'")
        kind = fld.get("type", "text")
        if kind not in FIELD_TYPES:
            raise ValueError(f"seed fields[{i}].type must be one of {', '.join(FIELD_TYPES)}")
        if key in default_keys:
            continue  # every account has the default fields already
        if key in seen_keys:
            raise ValueError(f"seed fields[{i}].key {key!r} is used twice")
        seen_keys.add(key)
        out["fields"].append(
            {"key": key, "name": name if isinstance(name, str) else key, "type": kind}
        )
    for i, sub in enumerate(seed.get("subscribers") or []):
        if not isinstance(sub, dict) or not is_valid_email(sub.get("email")):
            raise ValueError(f"seed subscribers[{i}] needs a valid 'email'")
        if sub.get("status", "active") not in STATUSES:
            raise ValueError(f"seed subscribers[{i}].status is not a MailerLite status")
        out["subscribers"].append(sub)
    return out


@dataclass
class Group:
    id: str
    name: str
    created_at: str


@dataclass
class Field:
    id: str
    name: str
    key: str
    type: str
    is_default: bool


@dataclass
class Subscriber:
    id: str
    email: str
    status: str
    created_at: str
    updated_at: str
    subscribed_at: str | None = None
    unsubscribed_at: str | None = None
    ip_address: str | None = None
    opted_in_at: str | None = None
    optin_ip: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)


class Store:
    def __init__(self, seed: dict[str, Any], wall_clock: Callable[[], datetime]) -> None:
        self._wall_clock = wall_clock
        self.load(seed)

    # -- lifecycle -------------------------------------------------------------------------

    def load(self, seed: dict[str, Any]) -> None:
        self.subscribers: dict[str, Subscriber] = {}
        self.by_email: dict[str, str] = {}
        self.groups: dict[str, Group] = {}
        self.fields: dict[str, Field] = {}
        self._next_id = _FIRST_ID
        self._next_field_id = _FIRST_FIELD_ID
        now = self.now()
        for fid, name, key in DEFAULT_FIELDS:
            self.fields[key] = Field(fid, name, key, "text", True)
        for group in seed["groups"]:
            gid = group["id"] or self.new_id()
            self.groups[gid] = Group(gid, group["name"], now)
            self._next_id = max(self._next_id, int(gid) + 1)
        for fld in seed["fields"]:
            self.create_field(fld["name"], fld["type"], key=fld["key"])
        for sub in seed["subscribers"]:
            data = normalize_input(sub)
            errors, clean = validate_subscriber(
                data,
                field_types=self.field_types(),
                group_exists=self.groups.__contains__,
                require_email=True,
            )
            if errors:
                raise ValueError(f"seed subscriber {sub['email']}: {errors.body()['message']}")
            self.upsert(clean)

    def now(self) -> str:
        return self._wall_clock().strftime(TIME_FORMAT)

    def new_id(self) -> str:
        value = self._next_id
        self._next_id += 1
        return str(value)

    # -- lookups ---------------------------------------------------------------------------

    def field_types(self) -> dict[str, str]:
        return {key: f.type for key, f in self.fields.items()}

    def find_subscriber(self, ref: str) -> Subscriber | None:
        """By id, or by email as GET /api/subscribers/{email} allows."""
        if ref in self.subscribers:
            return self.subscribers[ref]
        sid = self.by_email.get(ref.strip().lower())
        return self.subscribers.get(sid) if sid else None

    def field_by_id(self, fid: str) -> Field | None:
        return next((f for f in self.fields.values() if f.id == fid), None)

    # -- subscribers -----------------------------------------------------------------------

    def upsert(self, clean: dict[str, Any]) -> tuple[Subscriber, bool]:
        """POST /api/subscribers after validation: (subscriber, created?)."""
        existing = self.find_subscriber(clean["email"])
        if existing is not None:
            self.apply(existing, clean, replace_groups=False)
            return existing, False
        now = self.now()
        sub = Subscriber(
            id=self.new_id(),
            email=clean["email"],
            status=clean.get("status") or "active",
            created_at=now,
            updated_at=now,
            subscribed_at=now,
        )
        if sub.status == "unsubscribed":
            sub.unsubscribed_at = now
        self.subscribers[sub.id] = sub
        self.by_email[sub.email] = sub.id
        self.apply(sub, {k: v for k, v in clean.items() if k != "status"}, replace_groups=False)
        return sub, True

    def apply(self, sub: Subscriber, clean: dict[str, Any], *, replace_groups: bool) -> None:
        """Write validated input onto a subscriber. Absent keys leave values untouched."""
        now = self.now()
        if "email" in clean and clean["email"] != sub.email:
            del self.by_email[sub.email]
            sub.email = clean["email"]
            self.by_email[sub.email] = sub.id
        for key, value in clean.get("fields", {}).items():
            sub.fields[key] = value
        if "groups" in clean:
            if replace_groups:
                sub.groups = list(clean["groups"])
            else:
                sub.groups.extend(g for g in clean["groups"] if g not in sub.groups)
        target = clean.get("status")
        if target is None and clean.get("resubscribe") and sub.status == "unsubscribed":
            target = "active"
        if target is not None and target != sub.status:
            if target == "unsubscribed":
                sub.unsubscribed_at = now
            elif sub.status in INACTIVE_STATUSES:
                sub.unsubscribed_at = None
                sub.subscribed_at = now
            sub.status = target
        for key in ("subscribed_at", "unsubscribed_at", "opted_in_at", "ip_address", "optin_ip"):
            if key in clean:
                setattr(sub, key, clean[key])
        sub.updated_at = now

    def delete_subscriber(self, sub: Subscriber) -> None:
        del self.subscribers[sub.id]
        del self.by_email[sub.email]

    def subscriber_json(self, sub: Subscriber, *, include_groups: bool = False) -> dict[str, Any]:
        groups = [self.group_json(self.groups[g]) for g in sub.groups if g in self.groups]
        return {
            "id": sub.id,
            "email": sub.email,
            "status": sub.status,
            "source": "api",
            "sent": 0,
            "opens_count": 0,
            "clicks_count": 0,
            "open_rate": 0,
            "click_rate": 0,
            "ip_address": sub.ip_address,
            "subscribed_at": sub.subscribed_at,
            "unsubscribed_at": sub.unsubscribed_at,
            "created_at": sub.created_at,
            "updated_at": sub.updated_at,
            "fields": {key: sub.fields.get(key) for key in self.fields},
            "groups": groups if include_groups else [],
            "opted_in_at": sub.opted_in_at,
            "optin_ip": sub.optin_ip,
        }

    def forget_json(self, sub: Subscriber) -> dict[str, Any]:
        now = self._wall_clock()
        body = self.subscriber_json(sub, include_groups=True)
        body.update(
            {
                "deleted_at": now.strftime(TIME_FORMAT),
                "forget_at": (now + timedelta(days=30)).strftime(TIME_FORMAT),
                "location": None,
                "email_changed_at": None,
            }
        )
        return body

    def members(self, gid: str) -> list[Subscriber]:
        return [s for s in self.subscribers.values() if gid in s.groups]

    # -- groups ----------------------------------------------------------------------------

    def create_group(self, name: str) -> Group:
        group = Group(self.new_id(), name, self.now())
        self.groups[group.id] = group
        return group

    def delete_group(self, group: Group) -> None:
        del self.groups[group.id]
        for sub in self.subscribers.values():
            if group.id in sub.groups:
                sub.groups.remove(group.id)

    def group_json(self, group: Group) -> dict[str, Any]:
        counts = dict.fromkeys(STATUSES, 0)
        for sub in self.members(group.id):
            counts[sub.status] += 1
        return {
            "id": group.id,
            "name": group.name,
            "active_count": counts["active"],
            "sent_count": 0,
            "opens_count": 0,
            "open_rate": {"float": 0, "string": "0%"},
            "clicks_count": 0,
            "click_rate": {"float": 0, "string": "0%"},
            "unsubscribed_count": counts["unsubscribed"],
            "unconfirmed_count": counts["unconfirmed"],
            "bounced_count": counts["bounced"],
            "junk_count": counts["junk"],
            "created_at": group.created_at,
        }

    # -- fields ----------------------------------------------------------------------------

    def create_field(self, name: str, kind: str, *, key: str | None = None) -> Field:
        fld = Field(str(self._next_field_id), name, key or laravel_snake(name), kind, False)
        self._next_field_id += 1
        self.fields[fld.key] = fld
        return fld

    def delete_field(self, fld: Field) -> None:
        del self.fields[fld.key]
        for sub in self.subscribers.values():
            sub.fields.pop(fld.key, None)

    @staticmethod
    def field_json(fld: Field, *, listing: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": fld.id,
            "name": fld.name,
            "key": fld.key,
            "type": fld.type,
            "is_default": fld.is_default,
        }
        if listing:
            body["used_in_automations"] = False
        return body

    # -- test/demo view --------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        subs = []
        for sub in self.subscribers.values():
            body = self.subscriber_json(sub)
            body["groups"] = list(sub.groups)
            subs.append(body)
        return {
            "subscribers": subs,
            "groups": [self.group_json(g) for g in self.groups.values()],
            "fields": [self.field_json(f, listing=True) for f in self.fields.values()],
        }


def encode_cursor(sid: str, forward: bool) -> str:
    """Laravel-style opaque cursor: base64 JSON of the boundary id and direction."""
    raw = json.dumps({"id": sid, "_pointsToNextItems": forward}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[int, bool] | None:
    """None for a missing or malformed cursor: Laravel then serves the first page."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        return int(data["id"]), bool(data["_pointsToNextItems"])
    except (ValueError, KeyError, TypeError):
        return None


def cursor_page(
    items: Iterable[Subscriber], limit: int, cursor: str | None
) -> tuple[list[Subscriber], str | None, str | None]:
    """One page of subscribers, newest first, plus (next_cursor, prev_cursor)."""
    ordered = sorted(items, key=lambda s: int(s.id), reverse=True)
    position = decode_cursor(cursor)
    if position is None:
        page = ordered[:limit]
    elif position[1]:
        page = [s for s in ordered if int(s.id) < position[0]][:limit]
    else:
        before = [s for s in ordered if int(s.id) > position[0]]
        page = before[-limit:] if limit else []
    if not page:
        return [], None, None
    first, last = int(page[0].id), int(page[-1].id)
    has_prev = any(int(s.id) > first for s in ordered)
    has_next = any(int(s.id) < last for s in ordered)
    next_cursor = encode_cursor(page[-1].id, True) if has_next else None
    prev_cursor = encode_cursor(page[0].id, False) if has_prev else None
    return page, next_cursor, prev_cursor
