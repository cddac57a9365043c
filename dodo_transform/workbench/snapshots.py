"""Snapshot tests: a handler's expected output per sample, kept as files under version control.

    from dodo_transform import testing
    from dodo_transform.workbench import snapshots

    snapshots.write("h.js", testing.payloads(), "snapshots/")      # after a deliberate change
    for change in snapshots.check("h.js", testing.payloads(), "snapshots/"):
        print(change.diff)                                          # what an edit changed

One file per input, ``<name>.json``: the ``test --json`` record without its timing, as
indented JSON with the body parsed when it is JSON (so a diff shows the field that changed),
plus the ``now`` and ``url`` it ran with. The clock is always frozen (at :data:`DEFAULT_NOW`
unless given), and :func:`check` re-runs each input with the ``now`` and ``url`` its snapshot
recorded, so a snapshot taken today still matches tomorrow.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import strictjson, testing
from ..sandbox import BaseSandbox
from ..testing import Linter, Payload
from ..transform import Handler, Limits

__all__ = ["DEFAULT_NOW", "Change", "SnapshotError", "check", "file_name", "render", "write"]

DEFAULT_NOW = "2025-01-01T00:00:00Z"
DEFAULT_URL = "https://example.invalid/webhook"
_UNSAFE = re.compile(r"[^\w.-]+")


class SnapshotError(Exception):
    """A snapshot that cannot be written or read, or two inputs that would share one file."""


@dataclass(frozen=True)
class Change:
    """One input whose output differs from its snapshot (``diff`` is a unified diff)."""

    name: str
    path: Path
    diff: str


def file_name(payload: Payload) -> str:
    """The snapshot file of an input: the sample's name, or the envelope file's path made
    safe (``envelopes/refund.json`` → ``envelopes_refund.json``)."""
    stem = (payload.name or payload.event_type).removesuffix(".json").strip("./")
    return _UNSAFE.sub("_", stem) + ".json"


def render(record: dict[str, Any], *, now: str, url: str) -> str:
    """The snapshot text of one ``--json`` record."""
    request = record["request"]
    if request is not None:
        request = dict(request)
        parsed = _exact_json(request["body"])
        if parsed is not None:
            request["body"] = parsed[0]
        else:
            request["body_text"] = request.pop("body")
    shown = {
        "input": {
            "payload": record["payload_file"],
            "event_type": record["event_type"],
            "now": now,
            "url": url,
        },
        "status": record["status"],
        "request": request,
        "logs": record["logs"],
        "warnings": record["warnings"],
        "error": record["error"],
    }
    return strictjson.dumps(shown, indent=2) + "\n"


def _exact_json(body: str) -> tuple[Any] | None:
    """The body parsed, when writing it back compactly gives exactly the text sent (so the
    snapshot loses nothing); None otherwise."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    try:
        again = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return None
    return (parsed,) if again == body else None


def write(
    handler: Handler | str | Path,
    inputs: Iterable[Payload],
    directory: str | Path,
    *,
    now: str | None = None,
    url: str = DEFAULT_URL,
    env: dict[str, str] | None = None,
    limits: Limits | None = None,
    lint: Linter | bool = True,
    sandbox: BaseSandbox | None = None,
) -> list[Path]:
    """Run every input and (over)write its snapshot; the paths written, in order
    (``sandbox``: where the runs go, None for the default one)."""
    folder = Path(directory)
    inputs = list(inputs)
    paths = _paths(inputs, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SnapshotError(f"{folder}: cannot make the folder: {e.strerror or e}") from None
    now = now or DEFAULT_NOW
    records = testing.run(
        handler, inputs, url=url, env=env, now=now, limits=limits, lint=lint, sandbox=sandbox
    )
    for path, record in zip(paths, records, strict=True):
        try:
            path.write_text(render(record, now=now, url=url), encoding="utf-8")
        except OSError as e:
            raise SnapshotError(f"{path}: cannot write: {e.strerror or e}") from None
    return paths


def check(
    handler: Handler | str | Path,
    inputs: Iterable[Payload],
    directory: str | Path,
    *,
    now: str | None = None,
    url: str | None = None,
    env: dict[str, str] | None = None,
    limits: Limits | None = None,
    lint: Linter | bool = True,
    sandbox: BaseSandbox | None = None,
) -> list[Change]:
    """Run every input with its snapshot's ``now`` and ``url`` (or the ones given) and
    return the inputs whose output differs, a missing snapshot counting as a difference."""
    inputs = list(inputs)
    changes = []
    for payload, path in zip(inputs, _paths(inputs, Path(directory)), strict=True):
        try:
            expected = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            expected = ""
        except OSError as e:
            raise SnapshotError(f"{path}: cannot read: {e.strerror or e}") from None
        except UnicodeDecodeError as e:
            raise SnapshotError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
        recorded = _recorded(expected)
        run_now = now or recorded.get("now") or DEFAULT_NOW
        run_url = url or recorded.get("url") or DEFAULT_URL
        (record,) = testing.run(
            handler,
            [payload],
            url=run_url,
            env=env,
            now=run_now,
            limits=limits,
            lint=lint,
            sandbox=sandbox,
        )
        actual = render(record, now=run_now, url=run_url)
        if actual != expected:
            changes.append(
                Change(payload.name or payload.event_type, path, _diff(expected, actual, path))
            )
    return changes


def _paths(inputs: list[Payload], folder: Path) -> list[Path]:
    """Each input's snapshot file; two different inputs may not share one, or the second
    would overwrite the first and then fail its own check."""
    seen: dict[str, str] = {}
    for payload in inputs:
        name = file_name(payload)
        given = os.path.normpath(payload.name or payload.event_type)  # ./a.json is a.json
        if seen.setdefault(name, given) != given:
            raise SnapshotError(
                f"{seen[name]!r} and {given!r} would both be snapshot {folder / name}: "
                "rename one of the files, or snapshot them into separate folders"
            )
    return [folder / file_name(p) for p in inputs]


def _recorded(text: str) -> dict[str, str]:
    try:
        found = json.loads(text)["input"] if text else {}
    except (ValueError, KeyError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if k in ("now", "url") and isinstance(v, str)}


def _diff(expected: str, actual: str, path: Path) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"{path} (snapshot)" if expected else f"{path} (no snapshot)",
        tofile=f"{path} (now)",
    )
    return "".join(lines)
