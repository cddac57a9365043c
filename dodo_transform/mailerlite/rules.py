"""MailerLite's input rules, written the way its Laravel backend applies them.

The predicates (``is_numeric``, ``is_valid_email``, ``is_date``…) are pure and shared with
:mod:`dodo_transform.lint`, so the linter and the emulator never disagree about what the
emulator would reject. Message texts follow Laravel 10+ ("The X field must be …"), which is
what real 2025 responses use (see the module docstring of
:mod:`dodo_transform.emulator.mailerlite` for which texts are recorded and which are ours).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

STATUSES = ("active", "unsubscribed", "unconfirmed", "bounced", "junk")
INACTIVE_STATUSES = ("unsubscribed", "bounced", "junk")
FIELD_TYPES = ("text", "number", "date")
TIMESTAMP_KEYS = ("subscribed_at", "opted_in_at", "unsubscribed_at")
IP_KEYS = ("ip_address", "optin_ip")
# POST /api/batch: at most this many requests, each with one of these methods.
MAX_BATCH = 50
BATCH_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
# Top-level keys POST/PUT /api/subscribers understand; anything else is silently ignored.
SUBSCRIBER_KEYS = (
    "email",
    "fields",
    "groups",
    "status",
    *TIMESTAMP_KEYS,
    *IP_KEYS,
    "resubscribe",
)

# The eight fields every account starts with: (id, name, key). All are text.
DEFAULT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("1", "Name", "name"),
    ("2", "Last name", "last_name"),
    ("3", "Company", "company"),
    ("4", "Country", "country"),
    ("5", "City", "city"),
    ("6", "Phone", "phone"),
    ("7", "State", "state"),
    ("8", "Zip", "z_i_p"),
)
DEFAULT_FIELD_TYPES: dict[str, str] = {key: "text" for _, _, key in DEFAULT_FIELDS}

# PHP's is_numeric() (which Laravel's `numeric` rule uses) on an already-trimmed string.
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATEXT}(\.{_ATEXT})*")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"({_LABEL}\.)+[A-Za-z][A-Za-z0-9-]{{0,61}}[A-Za-z0-9]")
_PHP_SPACE = " \t\r\n\f\v"


def is_numeric(value: Any) -> bool:
    """Laravel's ``numeric`` rule: numbers and numeric strings such as ``"29.00"``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return _NUMERIC.fullmatch(value.strip()) is not None
    return False


def to_number(value: Any) -> int | float:
    """A numeric value as stored: whole numbers become ints ("29.00" → 29)."""
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation as exc:  # pragma: no cover - guarded by is_numeric
        raise ValueError(f"not numeric: {value!r}") from exc
    if dec == dec.to_integral_value():
        return int(dec)
    return float(dec)


def is_valid_email(value: Any) -> bool:
    """A dot-atom address with a dotted DNS domain.

    Stricter than bare RFC 5321 on purpose: MailerLite cannot send to ``user@localhost`` or
    to quoted local parts, so accepting them here would only hide a problem.
    """
    if not isinstance(value, str) or len(value) > 254 or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    if not local or len(local) > 64:
        return False
    return _LOCAL.fullmatch(local) is not None and _DOMAIN.fullmatch(domain) is not None


def is_date(value: Any) -> bool:
    """``yyyy-MM-dd`` and a real calendar day (PHP's date_format round-trip check)."""
    return _matches_format(value, _DATE, "%Y-%m-%d")


def is_datetime(value: Any) -> bool:
    """``yyyy-MM-dd HH:mm:ss`` and a real instant."""
    return _matches_format(value, _DATETIME, "%Y-%m-%d %H:%M:%S")


def _matches_format(value: Any, pattern: re.Pattern[str], fmt: str) -> bool:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        return False
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def is_ip(value: Any) -> bool:
    if not isinstance(value, str) or "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def laravel_snake(name: str) -> str:
    """Laravel's ``Str::snake``, which MailerLite uses to derive a field key from its name.

    It explains the odd default key ``z_i_p`` (from "ZIP"): every capital letter gets an
    underscore in front of it.
    """
    if re.fullmatch(r"[a-z]+", name):
        return name
    value = re.sub(
        rf"(^|[{_PHP_SPACE}])([^{_PHP_SPACE}])",
        lambda m: m.group(1) + m.group(2).upper(),
        name,
    )
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"(.)(?=[A-Z])", r"\1_", value)
    return value.lower()


def normalize_input(value: Any) -> Any:
    """Apply Laravel's default TrimStrings + ConvertEmptyStringsToNull middleware.

    This is why ``"last_name": ""`` clears the stored last name: it arrives as ``null``.
    """
    if isinstance(value, str):
        trimmed = value.strip(" \t\n\r\0\x0b")
        return None if trimmed == "" else trimmed
    if isinstance(value, list):
        return [normalize_input(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize_input(v) for k, v in value.items()}
    return value


def is_boolean(value: Any) -> bool:
    """Laravel's ``boolean`` rule."""
    return value in (True, False, 0, 1, "0", "1") and not isinstance(value, float)


def to_boolean(value: Any) -> bool:
    return value in (True, 1, "1")


class Errors:
    """Validation messages keyed by dotted path, in the order Laravel would add them."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.messages.setdefault(key, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def body(self) -> dict[str, Any]:
        return error_body(self.messages)


def error_body(messages: Mapping[str, list[str]]) -> dict[str, Any]:
    """The 422 body: the first message plus "(and N more error[s])", as Laravel 10 words it."""
    all_messages = [m for ms in messages.values() for m in ms]
    summary = all_messages[0]
    more = len(all_messages) - 1
    if more:
        summary += f" (and {more} more {'error' if more == 1 else 'errors'})"
    return {"message": summary, "errors": {k: list(v) for k, v in messages.items()}}


def canonical_group_id(value: Any) -> str:
    """The id string a numeric group reference is looked up by."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def validate_subscriber(
    data: Any,
    *,
    field_types: Mapping[str, str],
    group_exists: Callable[[str], bool],
    require_email: bool,
) -> tuple[Errors, dict[str, Any]]:
    """Validate a POST/PUT /api/subscribers body (already passed through normalize_input).

    Returns the errors and the cleaned input: only keys the request set, values coerced to
    what is stored (email lowercased, unknown field keys dropped, numbers as numbers).
    """
    data = data if isinstance(data, dict) else {}
    errors = Errors()
    clean: dict[str, Any] = {}

    email = data.get("email")
    if email is None:
        if require_email:
            errors.add("email", "The email field is required.")
    elif not is_valid_email(email):
        errors.add("email", "The email field must be a valid email address.")
    else:
        clean["email"] = email.lower()

    fields = data.get("fields")
    if fields is not None:
        if isinstance(fields, dict):
            clean["fields"] = _validate_fields(fields, field_types, errors)
        elif isinstance(fields, list):
            clean["fields"] = {}  # a JSON array is a PHP array with only unknown (numeric) keys
        else:
            errors.add("fields", "The fields field must be an array.")

    groups = data.get("groups")
    if groups is not None:
        if isinstance(groups, list):
            clean["groups"] = _validate_groups(groups, group_exists, errors)
        else:
            errors.add("groups", "The groups field must be an array.")

    status = data.get("status")
    if status is not None:
        if status in STATUSES:
            clean["status"] = status
        else:
            errors.add("status", "The selected status is invalid.")

    for key in TIMESTAMP_KEYS:
        value = data.get(key)
        if key not in data:
            continue
        if value is None or is_datetime(value):
            clean[key] = value
        else:
            errors.add(key, f"The {key} field must match the format Y-m-d H:i:s.")

    for key in IP_KEYS:
        value = data.get(key)
        if key not in data:
            continue
        if value is None or is_ip(value):
            clean[key] = value
        else:
            errors.add(key, f"The {key} field must be a valid IP address.")

    if data.get("resubscribe") is not None:
        if is_boolean(data["resubscribe"]):
            clean["resubscribe"] = to_boolean(data["resubscribe"])
        else:
            errors.add("resubscribe", "The resubscribe field must be true or false.")
    return errors, clean


def _validate_fields(
    fields: dict[str, Any], field_types: Mapping[str, str], errors: Errors
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        kind = field_types.get(key)
        if kind is None:
            continue  # unknown keys are ignored, not rejected (recorded: nodejs tape PUT-24)
        path = f"fields.{key}"
        if value is None:
            clean[key] = None
        elif kind == "number":
            if is_numeric(value):
                clean[key] = to_number(value)
            else:
                errors.add(path, f"The {path} field must be a number.")
        elif kind == "date":
            if is_date(value):
                clean[key] = value
            else:
                errors.add(path, f"The {path} field must match the format Y-m-d.")
        elif isinstance(value, str):
            clean[key] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            clean[key] = str(to_number(value))
        else:
            errors.add(path, f"The {path} field must be a string.")
    return clean


def _validate_groups(
    groups: list[Any], group_exists: Callable[[str], bool], errors: Errors
) -> list[str]:
    clean: list[str] = []
    for index, value in enumerate(groups):
        path = f"groups.{index}"
        if not is_numeric(value):
            # Both texts, in this order, as recorded in mailerlite/mailerlite-nodejs#71.
            errors.add(path, f"The {path} field must be a number.")
            errors.add(path, f"The selected {path} is not numeric.")
            continue
        group_id = canonical_group_id(value)
        if not group_exists(group_id):
            errors.add(path, f"The selected {path} is invalid.")
        elif group_id not in clean:
            clean.append(group_id)
    return clean


def reactivation_error(current: str, clean: Mapping[str, Any]) -> str | None:
    """The API may not bring back an unsubscribed/bounced/junk subscriber ("abuse prevention").

    ``resubscribe: true`` is honoured for ``unsubscribed`` only; the text is the one reported
    in mailerlite/mailerlite-nodejs#37, with the current status filled in.
    """
    if current not in INACTIVE_STATUSES:
        return None
    target = clean.get("status")
    if target is None and clean.get("resubscribe") and current == "unsubscribed":
        target = "active"
    if target not in ("active", "unconfirmed"):
        return None
    if current == "unsubscribed" and clean.get("resubscribe"):
        return None
    return f"This subscriber is {current} and cannot be imported."
