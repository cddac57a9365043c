"""The REST resources of the emulated account: subscribers, groups and fields.

Each handler takes a :class:`Ctx` and returns ``(status, json body or None, extra headers)``.
They run under the emulator's lock, so they read and write the store freely.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..rules import (
    FIELD_TYPES,
    STATUSES,
    Errors,
    error_body,
    laravel_snake,
    reactivation_error,
    validate_subscriber,
)
from .state import FIELD_MODEL, GROUP_MODEL, SUBSCRIBER_MODEL, Store, cursor_page

Result = tuple[int, Any, dict[str, str]]


@dataclass
class Ctx:
    data: Any
    query: dict[str, str]
    base_url: str
    params: dict[str, str] = field(default_factory=dict)


def _not_found(message: str = SUBSCRIBER_MODEL) -> Result:
    return 404, {"message": message}, {}


def _invalid(errors: Errors) -> Result:
    return 422, errors.body(), {}


class Resources:
    """Handlers for every route except the batch envelope."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- subscribers -----------------------------------------------------------------------

    def upsert(self, ctx: Ctx) -> Result:
        store = self.store
        errors, clean = validate_subscriber(
            ctx.data,
            field_types=store.field_types(),
            group_exists=store.groups.__contains__,
            require_email=True,
        )
        if errors:
            return _invalid(errors)
        existing = store.find_subscriber(clean["email"])
        if existing is not None:
            refusal = reactivation_error(existing.status, clean)
            if refusal:
                return 422, error_body({"status": [refusal]}), {}
        sub, created = store.upsert(clean)
        return (201 if created else 200), {"data": store.subscriber_json(sub)}, {}

    def update(self, ctx: Ctx) -> Result:
        store = self.store
        sub = store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        errors, clean = validate_subscriber(
            ctx.data,
            field_types=store.field_types(),
            group_exists=store.groups.__contains__,
            require_email=False,
        )
        taken = store.by_email.get(clean.get("email", ""))
        if taken is not None and taken != sub.id:
            errors.add("email", "The email has already been taken.")
        if errors:
            return _invalid(errors)
        refusal = reactivation_error(sub.status, clean)
        if refusal:
            return 422, error_body({"status": [refusal]}), {}
        store.apply(sub, clean, replace_groups=True)
        return 200, {"data": store.subscriber_json(sub)}, {}

    def get_subscriber(self, ctx: Ctx) -> Result:
        sub = self.store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        include = "groups" in ctx.query.get("include", "").split(",")
        return 200, {"data": self.store.subscriber_json(sub, include_groups=include)}, {}

    def delete(self, ctx: Ctx) -> Result:
        sub = self.store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        self.store.delete_subscriber(sub)
        return 204, None, {}

    def forget(self, ctx: Ctx) -> Result:
        sub = self.store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        body = self.store.forget_json(sub)
        self.store.delete_subscriber(sub)
        message = "Subscriber data will be completely deleted and forgotten within 30 days."
        return 200, {"message": message, "data": body}, {}

    def list_subscribers(self, ctx: Ctx, members_of: str | None = None) -> Result:
        errors = Errors()
        limit = _int_param(ctx.query, "limit", 25, 0, errors)
        status = ctx.query.get("filter[status]")
        if status is not None and status not in STATUSES:
            errors.add("filter.status", "The selected filter.status is invalid.")
        if errors:
            return _invalid(errors)
        subs = list(self.store.subscribers.values())
        if members_of is not None:
            subs = [s for s in subs if members_of in s.groups]
        if status is not None:
            subs = [s for s in subs if s.status == status]
        if limit == 0:
            return 200, {"total": len(subs)}, {}
        page, next_cursor, prev_cursor = cursor_page(subs, limit, ctx.query.get("cursor"))
        include = "groups" in ctx.query.get("include", "").split(",")
        path = ctx.base_url + (
            f"/api/groups/{members_of}/subscribers" if members_of else "/api/subscribers"
        )
        keep = {k: v for k, v in ctx.query.items() if k != "cursor"}

        def link(cursor: str | None) -> str | None:
            return f"{path}?{urlencode({**keep, 'cursor': cursor})}" if cursor else None

        body = {
            "data": [self.store.subscriber_json(s, include_groups=include) for s in page],
            "links": {
                "first": None,
                "last": None,
                "prev": link(prev_cursor),
                "next": link(next_cursor),
            },
            "meta": {
                "path": path,
                "per_page": limit,
                "next_cursor": next_cursor,
                "prev_cursor": prev_cursor,
            },
        }
        return 200, body, {}

    # -- groups ----------------------------------------------------------------------------

    def assign(self, ctx: Ctx) -> Result:
        sub = self.store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        group = self.store.groups.get(ctx.params["gid"])
        if group is None:
            return _not_found(GROUP_MODEL)
        if group.id not in sub.groups:
            sub.groups.append(group.id)
            sub.updated_at = self.store.now()
        return 200, {"data": self.store.group_json(group)}, {}

    def unassign(self, ctx: Ctx) -> Result:
        sub = self.store.find_subscriber(ctx.params["sid"])
        if sub is None:
            return _not_found()
        group = self.store.groups.get(ctx.params["gid"])
        if group is None:
            return _not_found(GROUP_MODEL)
        if group.id in sub.groups:
            sub.groups.remove(group.id)
            sub.updated_at = self.store.now()
        return 204, None, {}

    def list_groups(self, ctx: Ctx) -> Result:
        errors = Errors()
        limit = _int_param(ctx.query, "limit", 50, 1, errors)
        page = _int_param(ctx.query, "page", 1, 1, errors)
        sort = ctx.query.get("sort")
        sorts = ("name", "total", "open_rate", "click_rate", "created_at")
        if sort is not None and sort.lstrip("-") not in sorts:
            errors.add("sort", "The selected sort is invalid.")
        if errors:
            return _invalid(errors)
        groups = [self.store.group_json(g) for g in self.store.groups.values()]
        wanted = ctx.query.get("filter[name]")
        if wanted:
            groups = [g for g in groups if wanted.lower() in g["name"].lower()]
        if sort:
            column = sort.lstrip("-")

            def sort_key(g: dict[str, Any]) -> Any:
                if column == "total":
                    return sum(g[k] for k in g if k.endswith("_count") and k[:-6] in STATUSES)
                if column in ("open_rate", "click_rate"):
                    return g[column]["float"]
                return g[column].lower() if column == "name" else g[column]

            groups.sort(key=sort_key, reverse=sort.startswith("-"))
        return 200, _page_json(groups, page, limit, ctx, "/api/groups"), {}

    def create_group(self, ctx: Ctx) -> Result:
        errors = _validate_name(ctx.data)
        if errors:
            return _invalid(errors)
        group = self.store.create_group(ctx.data["name"])
        return 201, {"data": self.store.group_json(group)}, {}

    def update_group(self, ctx: Ctx) -> Result:
        group = self.store.groups.get(ctx.params["gid"])
        if group is None:
            return _not_found(GROUP_MODEL)
        errors = _validate_name(ctx.data)
        if errors:
            return _invalid(errors)
        group.name = ctx.data["name"]
        return 200, {"data": self.store.group_json(group)}, {}

    def delete_group(self, ctx: Ctx) -> Result:
        group = self.store.groups.get(ctx.params["gid"])
        if group is None:
            return _not_found(GROUP_MODEL)
        self.store.delete_group(group)
        return 204, None, {}

    def group_subscribers(self, ctx: Ctx) -> Result:
        if ctx.params["gid"] not in self.store.groups:
            return _not_found(GROUP_MODEL)
        return self.list_subscribers(ctx, members_of=ctx.params["gid"])

    # -- fields ----------------------------------------------------------------------------

    def list_fields(self, ctx: Ctx) -> Result:
        errors = Errors()
        limit = _int_param(ctx.query, "limit", 100, 1, errors)
        page = _int_param(ctx.query, "page", 1, 1, errors)
        sort = ctx.query.get("sort")
        if sort is not None and sort not in ("name", "type", "-name", "-type"):
            errors.add("sort", "The selected sort is invalid.")
        kind = ctx.query.get("filter[type]")
        if kind is not None and kind not in FIELD_TYPES:
            errors.add("filter.type", "The selected filter.type is invalid.")
        if errors:
            return _invalid(errors)
        fields = list(self.store.fields.values())
        keyword = (ctx.query.get("filter[keyword]") or "").lower()
        fields = [f for f in fields if keyword in f.name.lower() or keyword in f.key]
        if kind:
            fields = [f for f in fields if f.type == kind]
        if sort:
            fields.sort(
                key=lambda f: getattr(f, sort.lstrip("-")).lower(), reverse=sort.startswith("-")
            )
        items = [self.store.field_json(f, listing=True) for f in fields]
        return 200, _page_json(items, page, limit, ctx, "/api/fields"), {}

    def create_field(self, ctx: Ctx) -> Result:
        errors = _validate_name(ctx.data)
        data = ctx.data if isinstance(ctx.data, dict) else {}
        kind = data.get("type")
        if kind is None:
            errors.add("type", "The type field is required.")
        elif kind not in FIELD_TYPES:
            errors.add("type", "The selected type is invalid.")
        if not errors.messages.get("name") and laravel_snake(data["name"]) in self.store.fields:
            errors.messages = {"name": ["The name has already been taken."], **errors.messages}
        if errors or not isinstance(kind, str):
            return _invalid(errors)
        fld = self.store.create_field(data["name"], kind)
        return 201, {"data": self.store.field_json(fld)}, {}

    def update_field(self, ctx: Ctx) -> Result:
        fld = self.store.field_by_id(ctx.params["fid"])
        if fld is None:
            return _not_found(FIELD_MODEL)
        errors = _validate_name(ctx.data)
        if errors:
            return _invalid(errors)
        fld.name = ctx.data["name"]
        return 200, {"data": self.store.field_json(fld)}, {}

    def delete_field(self, ctx: Ctx) -> Result:
        fld = self.store.field_by_id(ctx.params["fid"])
        if fld is None:
            return _not_found(FIELD_MODEL)
        if fld.is_default:
            return 403, {"message": "This action is unauthorized."}, {}
        self.store.delete_field(fld)
        return 204, None, {}


def _validate_name(data: Any) -> Errors:
    errors = Errors()
    name = data.get("name") if isinstance(data, dict) else None
    if name is None:
        errors.add("name", "The name field is required.")
    elif not isinstance(name, str):
        errors.add("name", "The name field must be a string.")
    elif len(name) > 255:
        errors.add("name", "The name field must not be greater than 255 characters.")
    return errors


def _int_param(query: dict[str, str], name: str, default: int, minimum: int, errors: Errors) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d+", raw.strip()):
        errors.add(name, f"The {name} field must be an integer.")
        return default
    value = int(raw)
    if value < minimum:
        errors.add(name, f"The {name} field must be at least {minimum}.")
        return default
    return value


def _page_json(items: list[Any], page: int, per_page: int, ctx: Ctx, route: str) -> dict[str, Any]:
    """Laravel's LengthAwarePaginator resource shape (groups and fields lists)."""
    path = ctx.base_url + route
    total = len(items)
    last_page = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    keep = {k: v for k, v in ctx.query.items() if k != "page"}

    def url(n: int) -> str:
        return f"{path}?{urlencode({**keep, 'page': n})}"

    prev_url = url(page - 1) if page > 1 else None
    next_url = url(page + 1) if page < last_page else None
    links = [{"url": prev_url, "label": "&laquo; Previous", "active": False}]
    links += [
        {"url": url(n), "label": str(n), "active": n == page} for n in range(1, last_page + 1)
    ]
    links.append({"url": next_url, "label": "Next &raquo;", "active": False})
    start = (page - 1) * per_page + 1
    return {
        "data": chunk,
        "links": {"first": url(1), "last": url(last_page), "prev": prev_url, "next": next_url},
        "meta": {
            "current_page": page,
            "from": start if chunk else None,
            "last_page": last_page,
            "links": links,
            "path": path,
            "per_page": per_page,
            "to": start + len(chunk) - 1 if chunk else None,
            "total": total,
        },
    }
