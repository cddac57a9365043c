"""Lint the requests handlers send to MailerLite, before MailerLite (or the emulator) sees them.

Everything here is a pure function; the account to lint against (its groups and fields) comes
from :mod:`dodo_transform.mailerlite.account`.

Which requests are linted ("aimed at MailerLite"):
- ``target="mailerlite"`` forces linting (the caller knows the endpoint targets MailerLite or
  the emulator); any other non-None ``target`` turns it off;
- otherwise the host is ``connect.mailerlite.com``, or the URL's path starts with
  ``/api/subscribers`` on any host (the emulator, a proxy), or the host is the classic
  ``api.mailerlite.com`` (reported as ``classic_api_host`` and not linted further).

Each warning is ``{"code", "message", "path"}``. ``code`` is a stable identifier, ``path`` a
JSON path into the body (``email``, ``groups[0]``, ``fields.total_spent``,
``requests[2].body.groups[0]``), ``url`` for problems in the URL and ``""`` for the whole body.
The rules are those of :mod:`dodo_transform.mailerlite.rules`, so a request that lints
clean against an account is one the emulator accepts.

Codes: ``body_not_json``, ``body_not_object``, ``missing_email``, ``invalid_email``,
``unknown_parameter``, ``fields_not_object``, ``unknown_field``, ``field_type_mismatch``,
``empty_string_clears_field``, ``groups_not_array``, ``non_numeric_group_id``,
``unknown_group``, ``put_replaces_groups``, ``invalid_status``, ``invalid_subscribed_at``,
``invalid_timestamp``, ``invalid_ip_address``, ``invalid_resubscribe``, ``body_too_deep``,
``unsupported_method``, ``invalid_subscriber_ref``, ``unknown_endpoint``,
``classic_api_host``, ``invalid_batch``, ``batch_too_large``, ``invalid_batch_item``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ..jsonpath import join
from .account import Account
from .rules import (
    BATCH_METHODS,
    DEFAULT_FIELD_TYPES,
    IP_KEYS,
    MAX_BATCH,
    STATUSES,
    SUBSCRIBER_KEYS,
    canonical_group_id,
    is_boolean,
    is_date,
    is_datetime,
    is_ip,
    is_numeric,
    is_valid_email,
    laravel_snake,
    normalize_input,
)

__all__ = ["lint_request", "targets_mailerlite"]

MAILERLITE_HOST = "connect.mailerlite.com"
CLASSIC_HOST = "api.mailerlite.com"
_WHERE_GROUP_IDS = (
    "Find the real id in MailerLite → Subscribers → Groups (it is the number in the group's "
    "URL) or with GET /api/groups."
)
_PLACEHOLDER_WORDS = {"your", "group", "groups", "id", "ids", "here", "the", "my"}


def targets_mailerlite(url: str, target: str | None = None) -> bool:
    """Whether :func:`lint_request` lints this URL (see the module docstring)."""
    if target is not None:
        return target == "mailerlite"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    return (
        host in (MAILERLITE_HOST, CLASSIC_HOST)
        or path == "/api/subscribers"
        or path.startswith("/api/subscribers/")
    )


def lint_request(
    method: str,
    url: str,
    body: str,
    account: Account | None = None,
    *,
    target: str | None = None,
) -> list[dict[str, str]]:
    """Warnings for one request; ``[]`` when it is clean or not aimed at MailerLite."""
    if not targets_mailerlite(url, target):
        return []
    linter = _Linter(account)
    linter.request(method.upper(), url, body)
    return linter.warnings


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class _Linter:
    def __init__(self, account: Account | None) -> None:
        self.account = account
        self.warnings: list[dict[str, str]] = []

    def add(self, code: str, message: str, path: str) -> None:
        self.warnings.append({"code": code, "message": message, "path": path})

    # -- routing ---------------------------------------------------------------------------

    def request(
        self, method: str, url: str, body: str, prefix: str = "", url_path: str = "url"
    ) -> None:
        """Lint one request; inside a batch, ``prefix``/``url_path`` locate the item."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host == CLASSIC_HOST:
            self.add(
                "classic_api_host",
                f"{CLASSIC_HOST} is MailerLite's classic v2 API, which takes different paths "
                f"and bodies; this request looks like the new API at "
                f"https://{MAILERLITE_HOST}/api.",
                url_path,
            )
            return
        segments = [unquote(s) for s in parts.path.strip("/").split("/")] if parts.path else []
        if not segments or segments[0] != "api":
            if host == MAILERLITE_HOST:
                self.add(
                    "unknown_endpoint",
                    f"{parts.path or '/'} is not a MailerLite API path: they all start with "
                    f"/api/ (e.g. https://{MAILERLITE_HOST}/api/subscribers).",
                    url_path,
                )
            return
        rest = segments[1:]
        if rest == ["batch"]:
            if method == "POST":
                self.batch(body, prefix)
            return
        if not rest or rest[0] != "subscribers":
            return
        if len(rest) == 1:
            if method == "POST":
                self.subscriber_body(body, prefix, is_put=False)
            elif method != "GET":
                self.unsupported(method, parts.path, url_path)
            return
        ref = rest[1]
        if not ref.isdigit() and not is_valid_email(ref):
            self.add(
                "invalid_subscriber_ref",
                f"{_show(ref)} in the URL is neither a subscriber id nor an email address, so "
                "MailerLite answers 404. Check the value the handler puts in the URL (an "
                'undefined email becomes "undefined").',
                url_path,
            )
        if len(rest) == 2:
            if method == "PUT":
                self.subscriber_body(body, prefix, is_put=True)
            elif method not in ("GET", "DELETE"):
                self.unsupported(method, parts.path, url_path)
        elif len(rest) == 4 and rest[2] == "groups" and method in ("POST", "DELETE"):
            self.group_ref(rest[3], url_path, f"group id {_show(rest[3])} in the URL")

    def unsupported(self, method: str, path: str, url_path: str) -> None:
        self.add(
            "unsupported_method",
            f"MailerLite answers 405 to {method} {path}: create or update subscribers with "
            "POST /api/subscribers (upsert by email) or PUT /api/subscribers/{id}.",
            url_path,
        )

    def parse(self, body: str, prefix: str) -> dict[str, Any] | None:
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except RecursionError:
            self.add("body_too_deep", "The body is nested too deeply to check.", prefix)
            return None
        except ValueError as exc:
            self.add("body_not_json", f"The body is not valid JSON ({exc}).", prefix)
            return None
        if not isinstance(data, dict):
            self.add("body_not_object", "The body must be a JSON object.", prefix)
            return None
        return data

    # -- POST/PUT /api/subscribers ---------------------------------------------------------

    def subscriber_body(self, body: str, prefix: str, *, is_put: bool) -> None:
        data = self.parse(body, prefix)
        if data is None:
            return
        self.email(data, prefix, required=not is_put)
        for key in data:
            if key not in SUBSCRIBER_KEYS:
                hint = (
                    f' "{key}" is a field: put it inside "fields".'
                    if key in self.field_types()
                    else ""
                )
                self.add(
                    "unknown_parameter",
                    f'"{key}" is not a parameter of this endpoint, so MailerLite ignores it.'
                    + hint,
                    join(prefix, key),
                )
        # Judge values as MailerLite sees them: trimmed, with "" turned into null.
        norm = normalize_input(data)
        if norm.get("fields") is not None:
            self.fields(data["fields"], norm["fields"], join(prefix, "fields"))
        if norm.get("groups") is not None:
            self.groups(norm["groups"], join(prefix, "groups"), is_put=is_put)
        self.scalars(norm, prefix)

    def email(self, data: dict[str, Any], prefix: str, *, required: bool) -> None:
        path = join(prefix, "email")
        email = data.get("email")
        if email is None or (isinstance(email, str) and not email.strip()):
            if required:
                self.add(
                    "missing_email",
                    "POST /api/subscribers needs an email: MailerLite upserts by email and "
                    'answers 422 "The email field is required." (an empty string counts as '
                    "missing).",
                    path,
                )
            return
        if not is_valid_email(email.strip() if isinstance(email, str) else email):
            self.add(
                "invalid_email",
                f"{_show(email)} is not a valid email address (RFC 2821), so MailerLite "
                'answers 422 "The email field must be a valid email address."',
                path,
            )

    def field_types(self) -> dict[str, str]:
        return self.account.fields if self.account else dict(DEFAULT_FIELD_TYPES)

    def fields(self, raw: Any, fields: Any, path: str) -> None:
        if isinstance(fields, list):
            return  # MailerLite reads a JSON array as an object without usable keys
        if not isinstance(fields, dict):
            self.add("fields_not_object", '"fields" must be an object of key → value.', path)
            return
        types = self.field_types()
        for key, value in fields.items():
            here = join(path, key)
            kind = types.get(key)
            if kind is None and (self.account is not None or key != key.lower() or key == "email"):
                self.unknown_field(key, here)
                continue
            original = raw.get(key)
            if isinstance(original, str) and not original.strip():
                self.add(
                    "empty_string_clears_field",
                    f'{here} is an empty string. MailerLite runs on Laravel, which turns "" into '
                    f"null (not recorded, but its default), clearing any value already stored in "
                    f"{key}; leave the key out to keep it.",
                    here,
                )
                continue
            if kind is not None and value is not None:
                self.field_value(key, kind, value, here)

    def unknown_field(self, key: str, path: str) -> None:
        types = self.field_types()
        if key == "email":
            message = (
                '"email" is not a field, so MailerLite ignores it here; the address '
                "goes at the top level of the body."
            )
        else:
            close = [k for k in types if k in (key.lower(), laravel_snake(key))]
            hint = f' Did you mean "{close[0]}"?' if close else ""
            scope = "this account" if self.account is not None else "any account"
            message = (
                f'"{key}" is not a field of {scope}, so MailerLite silently drops its value. '
                "Field keys are case-sensitive (lowercase snake_case) and the field must be "
                f"created first (MailerLite → Subscribers → Fields).{hint}"
            )
        self.add("unknown_field", message, path)

    def field_value(self, key: str, kind: str, value: Any, path: str) -> None:
        api_path = f"fields.{key}"
        if kind == "number" and not is_numeric(value):
            self.add(
                "field_type_mismatch",
                f"{key} is a number field but gets {_show(value)}; MailerLite answers 422 "
                f'"The {api_path} field must be a number." Send a number or a numeric string '
                'such as "29.00".',
                path,
            )
        elif kind == "date" and not is_date(value):
            hint = ""
            if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T", value):
                hint = " Keep only the date part: value.split('T')[0]."
            self.add(
                "field_type_mismatch",
                f"{key} is a date field but gets {_show(value)}; dates must be yyyy-MM-dd "
                f'(MailerLite answers 422 "The {api_path} field must match the format '
                f'Y-m-d.").{hint}',
                path,
            )
        elif kind == "text" and (
            isinstance(value, bool) or not isinstance(value, (str, int, float))
        ):
            self.add(
                "field_type_mismatch",
                f"{key} is a text field but gets {_show(value)}; send a string.",
                path,
            )

    def groups(self, groups: Any, path: str, *, is_put: bool) -> None:
        if not isinstance(groups, list):
            self.add(
                "groups_not_array",
                '"groups" must be an array of group ids, e.g. ["165971156405323676"].',
                path,
            )
            return
        if is_put:
            self.add(
                "put_replaces_groups",
                f'PUT with "groups" replaces the subscriber\'s groups: they are removed from '
                f"every group not in this list ({len(groups)} listed). To add groups without "
                "removing others use POST /api/subscribers (upsert) or "
                "POST /api/subscribers/{id}/groups/{group_id}.",
                path,
            )
        for index, value in enumerate(groups):
            self.group_ref(value, join(path, index), f"groups[{index}]", index=index)

    def group_ref(self, value: Any, path: str, what: str, index: int | None = None) -> None:
        api_key = f"groups.{index}" if index is not None else "the group"
        if not is_numeric(value):
            if isinstance(value, dict):
                message = (
                    f"{what} is a group object; MailerLite needs group ids (the "
                    f'"id" string) and answers 422 "The {api_key} field must be a '
                    'number."'
                )
            else:
                message = (
                    f"{what} is {_show(value)}, which looks like a placeholder, not a "
                    "MailerLite group id: group ids are numeric strings such as "
                    f'"165971156405323676". {_WHERE_GROUP_IDS}' + self.suggest_group(value)
                )
            self.add("non_numeric_group_id", message, path)
            return
        gid = canonical_group_id(value)
        if self.account is not None and gid not in self.account.groups:
            known = ", ".join(f"{n} ({i})" for i, n in list(self.account.groups.items())[:6])
            self.add(
                "unknown_group",
                f"Group {gid} does not exist in this account, so MailerLite answers 422 "
                f'"The selected {api_key} is invalid."'
                + (f" Known groups: {known}." if known else " The account has no groups."),
                path,
            )

    def suggest_group(self, value: Any) -> str:
        if self.account is None or not isinstance(value, str):
            return ""
        words = [w for w in re.split(r"[^a-z0-9]+", value.lower()) if w]
        wanted = " ".join(w for w in words if w not in _PLACEHOLDER_WORDS)
        if not wanted:
            return ""
        for gid, name in self.account.groups.items():
            if " ".join(re.split(r"[^a-z0-9]+", name.lower())).strip() == wanted:
                return f' This account has a group "{name}" with id "{gid}".'
        return ""

    def scalars(self, data: dict[str, Any], prefix: str) -> None:
        status = data.get("status")
        if status is not None and status not in STATUSES:
            hint = " Statuses are lowercase." if str(status).lower() in STATUSES else ""
            self.add(
                "invalid_status",
                f"status {_show(status)} is not one of {', '.join(STATUSES)}; MailerLite "
                f'answers 422 "The selected status is invalid."{hint}',
                join(prefix, "status"),
            )
        for key in ("subscribed_at", "opted_in_at", "unsubscribed_at"):
            value = data.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if not is_datetime(value):
                hint = ""
                if isinstance(value, str) and "T" in value:
                    hint = (
                        " From an ISO string: value.replace('T', ' ').split('.')[0] "
                        "(and drop a trailing Z)."
                    )
                self.add(
                    "invalid_subscribed_at" if key == "subscribed_at" else "invalid_timestamp",
                    f"{key} is {_show(value)}; MailerLite needs yyyy-MM-dd HH:mm:ss (e.g. "
                    f'"2025-08-04 05:30:45") and answers 422 otherwise.{hint}',
                    join(prefix, key),
                )
        for key in IP_KEYS:
            value = data.get(key)
            if (
                value is not None
                and not (isinstance(value, str) and not value.strip())
                and not is_ip(value)
            ):
                self.add(
                    "invalid_ip_address",
                    f"{key} is {_show(value)}, not an IPv4/IPv6 address; MailerLite answers 422.",
                    join(prefix, key),
                )
        if data.get("resubscribe") is not None and not is_boolean(data["resubscribe"]):
            self.add(
                "invalid_resubscribe",
                "resubscribe must be true or false.",
                join(prefix, "resubscribe"),
            )

    # -- POST /api/batch -------------------------------------------------------------------

    def batch(self, body: str, prefix: str) -> None:
        data = self.parse(body, prefix)
        if data is None:
            return
        items = data.get("requests")
        path = join(prefix, "requests")
        if not isinstance(items, list) or not items:
            self.add(
                "invalid_batch",
                'A batch body is {"requests": [{"method", "path", "body"?}, ...]}.',
                path,
            )
            return
        if len(items) > MAX_BATCH:
            self.add(
                "batch_too_large",
                f"A batch takes at most {MAX_BATCH} requests; this one has {len(items)}, "
                "so MailerLite answers 422.",
                path,
            )
        for index, item in enumerate(items):
            here = join(path, index)
            if (
                not isinstance(item, dict)
                or item.get("method") not in BATCH_METHODS
                or not isinstance(item.get("path"), str)
            ):
                self.add(
                    "invalid_batch_item",
                    'Each batch request needs "method" (GET, POST, PUT, DELETE or PATCH, in '
                    'capitals) and a "path" such as "api/subscribers".',
                    here,
                )
                continue
            inner_body = json.dumps(item["body"]) if item.get("body") is not None else ""
            inner_url = f"https://{MAILERLITE_HOST}/{item['path'].lstrip('/')}"
            self.request(
                item["method"], inner_url, inner_body, join(here, "body"), join(here, "path")
            )
