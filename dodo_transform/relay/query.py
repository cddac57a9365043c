"""Delivery filters as people write them: the admin API's query string, the console's form,
the CLI's options all become one :class:`~dodo_transform.relay.store.DeliveryQuery` here.

Times are ISO-8601 (``2026-12-01T08:00:00Z``; a date alone is midnight UTC), seconds since the
epoch, or a duration back from now (``90s``, ``30m``, ``2h``, ``7d``). Every problem is a
:class:`QueryError` whose message names the parameter and what it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone

from .store import STATUSES, DeliveryQuery

__all__ = ["FILTERS", "QueryError", "parse_count", "parse_id", "parse_query", "parse_time"]

# The filter parameters, in the order forms and documents list them.
FILTERS = ("status", "endpoint", "event_type", "since", "until", "customer_email")
_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$", re.ASCII)
_ID = re.compile(r"^[0-9]{1,18}$")  # within SQLite's 64-bit integers
# Epoch seconds as digits: float() also reads nan, inf, 1e999, 1_000 and other scripts' digits.
_EPOCH = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,9})?$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class QueryError(ValueError):
    """A filter value that cannot be used; the message is for the person who wrote it."""


def parse_id(text: str) -> int | None:
    """A delivery id from a path or a form, or None when ``text`` cannot be one."""
    return int(text) if _ID.match(text) else None


def parse_time(value: str, now: float, name: str = "time") -> float:
    """Seconds since the epoch for an ISO-8601 time, an epoch number or a duration ago."""
    text = value.strip()
    if m := _AGO.match(text):
        return now - float(m.group(1)) * _UNIT[m.group(2)]
    if _EPOCH.match(text):
        return float(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"{name}: {value!r} is not a time; give ISO-8601 (2026-12-01T08:00:00Z), "
            "epoch seconds, or a duration ago (30m, 2h, 7d)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def parse_query(params: Mapping[str, str], now: float, *, cursor: bool = True) -> DeliveryQuery:
    """The :class:`DeliveryQuery` of ``params``; empty values mean "any"."""

    def get(name: str) -> str | None:
        value = params.get(name)
        return value.strip() or None if value is not None else None

    status = get("status")
    if status is not None and status not in STATUSES:
        raise QueryError(f"status: unknown status {status!r}; one of {', '.join(STATUSES)}")
    since, until = get("since"), get("until")
    before = get("cursor") if cursor else None
    if before is not None and not _ID.match(before):
        raise QueryError(f"cursor: {before!r} is not a cursor (the next_cursor of a page)")
    return DeliveryQuery(
        status=status,
        endpoint=get("endpoint"),
        event_type=get("event_type"),
        since=parse_time(since, now, "since") if since else None,
        until=parse_time(until, now, "until") if until else None,
        customer_email=get("customer_email"),
        before=int(before) if before is not None else None,
    )


def parse_count(params: Mapping[str, str], name: str, default: int, most: int) -> int:
    """A whole number 1..``most`` from ``params[name]`` (``default`` when absent)."""
    text = params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 9 and 1 <= int(text) <= most):
        raise QueryError(f"{name} must be an integer 1..{most:,}, not {text!r}")
    return int(text)
