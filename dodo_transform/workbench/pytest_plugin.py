"""The pytest plugin: a ``dodo`` fixture for testing handlers in a merchant's own suite.

Installed with the package (a ``pytest11`` entry point), so there is nothing to import::

    def test_cancellation(dodo):
        d = dodo.run("handlers/cancelled.js", event="subscription.cancelled",
                     now="2025-08-04T00:00:00Z")
        assert d.request.json()["fields"]["subscription_status"] == "cancelled"
        assert dodo.lint(d) == []

    def test_outputs_unchanged(dodo):
        dodo.snapshot("handlers/cancelled.js", "tests/snapshots")

``pytest --dodo-snapshot-update`` rewrites the snapshots instead of comparing them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .. import samples as _samples
from .. import testing
from ..transform import Decision, Handler, HandlerError, Limits
from . import snapshots

__all__ = ["Dodo", "dodo"]

_UPDATE = "--dodo-snapshot-update"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dodo-transform")
    group.addoption(
        _UPDATE,
        action="store_true",
        default=False,
        help="dodo.snapshot() rewrites the handler snapshots instead of comparing them",
    )


class Dodo:
    """What the ``dodo`` fixture gives a test."""

    def __init__(self, root: Path, update: bool) -> None:
        self._root = root
        self._update = update

    @property
    def samples(self) -> list[_samples.Sample]:
        """Every built-in sample (``.name``, ``.event_type``, ``.payload``, ``.text``)."""
        return _samples.all()

    def handler(self, path_or_code: str | Path) -> Handler:
        """A handler from a file (a ``.js``, ``.mjs`` or ``.cjs`` path, or any existing file;
        relative to the current directory or the rootdir) or from source code."""
        if isinstance(path_or_code, Path) or _looks_like_path(path_or_code, self._root):
            path = Path(path_or_code)
            if not path.is_file() and (self._root / path).is_file():
                path = self._root / path
            try:
                return Handler.from_file(str(path))
            except HandlerError as e:
                raise ValueError(e.error.message) from None
        try:
            return Handler(str(path_or_code))
        except HandlerError as e:
            raise ValueError(e.error.message) from None

    def run(
        self,
        path_or_code: str | Path,
        *,
        event: str | None = None,
        payload: Mapping[str, Any] | str | None = None,
        env: Mapping[str, str] | None = None,
        now: datetime | str | None = None,
        url: str = "https://example.invalid/webhook",
        headers: Mapping[str, str] | None = None,
        limits: Limits | None = None,
    ) -> Decision:
        """Run the handler on a built-in sample (``event``) or an envelope (``payload``),
        exactly as ``dodo-transform test`` does: the decision carries the error's hint and
        the lint warnings."""
        if (event is None) == (payload is None):
            raise TypeError("dodo.run() needs event=<sample name> or payload=<envelope>")
        if event is not None:
            sample = _samples.get(event)
            given = testing.Payload(sample.name, sample.event_type, sample.text)
        else:
            try:  # NaN or Infinity would only fail later, as the handler's SyntaxError
                text = payload if isinstance(payload, str) else json.dumps(payload, allow_nan=False)
            except ValueError:
                raise testing.PayloadError(
                    "payload: holds NaN or Infinity, which RFC 8259 JSON (and Dodo) never has"
                ) from None
            given = testing.envelope_from_bytes(None, text.encode())
        return testing.decide(
            self.handler(path_or_code),
            given,
            url=url,
            env=dict(env) if env else None,
            headers=dict(headers) if headers else None,
            now=now,
            limits=limits,
            lint=True,
        )

    def lint(self, decision: Decision) -> list[dict[str, str]]:
        """The warnings of a :meth:`run` (MailerLite lint, source and payload checks)."""
        return [dict(w) for w in decision.warnings]

    def snapshot(
        self,
        path_or_code: str | Path,
        directory: str | Path,
        *,
        events: Sequence[str] = (),
        payloads: Sequence[str | Path] = (),
        env: Mapping[str, str] | None = None,
        now: str | None = None,
    ) -> None:
        """Compare the handler's output on the samples (default: all of them) with the
        snapshots in ``directory``; fails the test with a unified diff per changed sample.
        With ``--dodo-snapshot-update``, (re)writes them instead."""
        handler = self.handler(path_or_code)
        folder = Path(directory)
        if not folder.is_absolute() and not folder.exists():
            folder = self._root / folder
        inputs = testing.payloads(events, payloads)
        options: dict[str, Any] = {"env": dict(env) if env else None, "now": now}
        try:
            if self._update:
                snapshots.write(handler, inputs, folder, **options)
                return
            changes = snapshots.check(handler, inputs, folder, **options)
        except snapshots.SnapshotError as e:
            pytest.fail(str(e), pytrace=False)
        if changes:
            diffs = "\n".join(c.diff for c in changes)
            pytest.fail(
                f"{len(changes)} snapshot(s) in {folder} differ "
                f"(run pytest {_UPDATE} to accept the new output):\n{diffs}",
                pytrace=False,
            )


def _looks_like_path(text: str, root: Path) -> bool:
    """A file name rather than source: one line ending in a script extension, or naming an
    existing file here or under ``root`` (so ``"h.mjs"`` is read, not compiled as the
    expression ``h.mjs``)."""
    text = text.strip()
    if "\n" in text or not text:
        return False
    if text.endswith((".js", ".mjs", ".cjs")):
        return True
    try:
        return Path(text).is_file() or (root / text).is_file()
    except (OSError, ValueError):  # too long for a file name, or a NUL: source after all
        return False


@pytest.fixture
def dodo(request: pytest.FixtureRequest) -> Dodo:
    """Run dodo-transform handlers: ``dodo.run``, ``dodo.lint``, ``dodo.samples``,
    ``dodo.snapshot``."""
    return Dodo(request.config.rootpath, bool(request.config.getoption(_UPDATE)))
