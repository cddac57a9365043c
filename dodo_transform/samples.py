"""The built-in Dodo webhook payloads: one per event type, plus variants.

A sample is addressed by its event type (``payment.succeeded``) or, for a variant, by its file
name without ``.json`` (``payment.succeeded__jpy_zero_decimal_single_name_no_phone``).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Sample", "all", "event_types", "get", "names"]


@dataclass(frozen=True)
class Sample:
    name: str
    event_type: str
    text: str

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.text)
        return payload


@cache
def _load() -> dict[str, Sample]:
    root = resources.files(__package__).joinpath("samples")
    found: dict[str, Sample] = {}
    for folder in (root, root.joinpath("variants")):
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                text = entry.read_text(encoding="utf-8")
                name = entry.name[: -len(".json")]
                found[name] = Sample(name, json.loads(text)["type"], text)
    return found


def get(name: str) -> Sample:
    """The sample for an event type or a variant name; KeyError lists what exists."""
    try:
        return _load()[name]
    except KeyError:
        close = difflib.get_close_matches(name, names(), n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(
            f"no built-in sample {name!r}{guess}; known event types: {', '.join(event_types())}"
        ) from None


def all() -> list[Sample]:  # noqa: A001 - the module is used as samples.all()
    """Every built-in sample: the 47 event types, then the variants."""
    return list(_load().values())


def names() -> list[str]:
    return list(_load())


def event_types() -> list[str]:
    return sorted({s.event_type for s in _load().values()})
