"""What lint needs to know of a MailerLite account (group ids, field keys and types), read
from a seed file or from a live API (or the emulator) over HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .rules import DEFAULT_FIELD_TYPES, FIELD_TYPES, canonical_group_id, laravel_snake

__all__ = ["Account", "AccountError", "fetch_account", "fetch_pages", "load_account"]


class AccountError(RuntimeError):
    """The account's groups or fields could not be read."""


@dataclass(frozen=True)
class Account:
    """What lint needs to know about an account: group id → name, field key → type."""

    groups: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELD_TYPES))

    @classmethod
    def from_seed(cls, seed: Mapping[str, Any]) -> Account:
        """From a seed document, a ``GET /__emulator/state`` body, or ``{id: name}`` maps.

        The eight default fields are always included: every account has them.
        """
        groups: dict[str, str] = {}
        raw_groups = seed.get("groups") or []
        if isinstance(raw_groups, Mapping):
            groups = {str(k): str(v) for k, v in raw_groups.items()}
        else:
            for g in raw_groups:
                if isinstance(g, Mapping) and g.get("id") is not None:
                    groups[canonical_group_id(g["id"])] = str(g.get("name", ""))
        fields = dict(DEFAULT_FIELD_TYPES)
        raw_fields = seed.get("fields") or []
        if isinstance(raw_fields, Mapping):
            fields.update({str(k): str(v) for k, v in raw_fields.items()})
        else:
            for f in raw_fields:
                if not isinstance(f, Mapping):
                    continue
                key = f.get("key") or (laravel_snake(f["name"]) if f.get("name") else None)
                if key:
                    kind = f.get("type")
                    fields[key] = kind if isinstance(kind, str) and kind in FIELD_TYPES else "text"
        return cls(groups=groups, fields=fields)


def load_account(path: str | os.PathLike[str]) -> Account:
    """Read an account from a seed file such as ``examples/mailerlite-seed.json``."""
    return Account.from_seed(json.loads(Path(path).read_text(encoding="utf-8")))


def fetch_account(
    base_url: str,
    api_key: str,
    *,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
) -> Account:
    """Read groups and fields from a live account (``https://connect.mailerlite.com``) or the
    emulator, following page pagination. Raises :class:`AccountError`."""
    base = base_url.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        groups = fetch_pages(http, f"{base}/api/groups", headers)
        fields = fetch_pages(http, f"{base}/api/fields", headers)
    finally:
        if own:
            http.close()
    return Account.from_seed({"groups": groups, "fields": fields})


def fetch_pages(http: httpx.Client, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a page-paginated MailerLite list (groups, fields); AccountError if not."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        try:
            resp = http.get(url, params={"limit": 100, "page": page}, headers=headers)
        except httpx.HTTPError as exc:
            raise AccountError(f"GET {url} failed: {exc}") from exc
        if resp.status_code != 200:
            try:
                detail = resp.json().get("message", resp.text)
            except ValueError:
                detail = resp.text[:200]
            raise AccountError(f"GET {url} answered {resp.status_code}: {detail}")
        body = resp.json()
        items.extend(body.get("data") or [])
        last_page = (body.get("meta") or {}).get("last_page") or page
        if page >= last_page or not body.get("data"):
            return items
        page += 1
