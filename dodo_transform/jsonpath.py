"""How a warning names a place in a JSON value: ``fields.city``, ``groups[0]``,
``fields["first name"]``, as a handler's author would write it in JavaScript to reach it."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["join", "leaves"]

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def join(base: str, key: str | int) -> str:
    """The path of ``key`` inside the value at ``base`` ("" for the root)."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    if not _IDENTIFIER.fullmatch(key):
        return f"{base}[{json.dumps(key)}]"
    return f"{base}.{key}" if base else key


def leaves(value: Any, base: str = "") -> list[tuple[str, Any]]:
    """Every value inside ``value`` that is neither an object nor an array, with its path."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, join(base, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, join(base, i))]
    return [(base, value)]
