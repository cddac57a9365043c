"""The one owner of each endpoint's loaded handler.

The config loads every handler once at start-up; afterwards only :class:`Handlers` changes
which code an endpoint runs — when its file changes (:meth:`Handlers.watch`), on ``SIGHUP``
(:meth:`Handlers.replace`, with the whole config), before a replay (:meth:`Handlers.refresh`)
— and the dispatcher and the admin API read it from here. Every load is checked the same
way: readable UTF-8, within the code-size limit, compiles, defines a plain ``function
handler``. A file that fails the check changes nothing: the previous version keeps running,
and the failure is logged, told to the observers and kept for the console
(:meth:`Handlers.failures`) until a good version loads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import analysis
from ..transform import Handler, HandlerError, check_handler
from .events import Observer

if TYPE_CHECKING:
    from .config import EndpointConfig

__all__ = [
    "HandlerLoadError",
    "Handlers",
    "LoadFailure",
    "LoadedHandler",
    "handler_version",
    "load_handler",
]

log = logging.getLogger("dodo_transform.relay")

# How often handler files are looked at for changes (seconds); a change loads at the next.
WATCH_INTERVAL = 0.25
# A file as it is on disk: changed content (size, time), a new file renamed into place (inode),
# or None when missing (mid-save, or deleted).
_Stamp = tuple[int, int, int, int, int] | None


class Looks:
    """What :meth:`Handlers.watch` has seen of the files it looks at, look after look."""

    def __init__(self) -> None:
        self.loaded: dict[Path, _Stamp] = {}  # each file when last loaded (or first seen)
        self.moving: dict[Path, _Stamp] = {}  # changed at the last look, not loaded yet

    def look(self, now: Mapping[Path, _Stamp]) -> set[Path]:
        """The files to load again, given how they are ``now``: those that changed and have
        not changed since the last look. A file first seen is taken as loaded."""
        settled = {p for p, st in now.items() if p in self.moving and self.moving[p] == st}
        self.loaded = {p: st if p in settled else self.loaded.get(p, st) for p, st in now.items()}
        self.moving = {p: st for p, st in now.items() if st != self.loaded[p]}
        return settled


def _stamp(path: Path) -> _Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    # The change time too: `cp -p` or `rsync -t` rewrite a file in place and put its
    # modification time back (and a same-size edit may fall in the same clock tick).
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)


def _look_at(
    paths: list[Path], read: list[Path]
) -> tuple[dict[Path, _Stamp], dict[Path, str | None]]:
    """Each file's stamp, and the text of those in ``read`` (None where unreadable). The
    stamps first: a file that changes in between is then seen to change at the next look."""
    stamps = {p: _stamp(p) for p in paths}
    texts: dict[Path, str | None] = {}
    for path in read:
        try:
            texts[path] = path.read_text(encoding="utf-8")  # as Handler.from_file reads it
        except (OSError, UnicodeDecodeError):
            texts[path] = None
    return stamps, texts


class HandlerLoadError(ValueError):
    """A handler file that cannot be used; the message names the file and the problem."""


def load_handler(path: Path) -> Handler:
    """The handler in ``path``, checked; :class:`HandlerLoadError` saying why not."""
    try:
        handler = Handler.from_file(str(path))
    except OSError as e:
        raise HandlerLoadError(f"cannot read handler {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise HandlerLoadError(f"handler {path} is not UTF-8 text ({e.reason})") from None
    except HandlerError as e:
        raise HandlerLoadError(e.error.message) from None
    error = check_handler(handler)
    if error is not None:
        where = f" (line {error.line}, column {error.column})" if error.line else ""
        raise HandlerLoadError(f"{path}: {error.kind}: {error.message}{where}")
    return handler


def handler_version(handler: Handler) -> str:
    """A short content hash: which code produced a transform."""
    return hashlib.sha256(handler.source.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class LoadedHandler:
    handler: Handler
    version: str
    path: Path
    loaded_at: float


@dataclass(frozen=True)
class LoadFailure:
    """The last refused load of an endpoint's handler file."""

    error: str
    at: float


class Handlers:
    """Each endpoint's current handler, and the one way to change it."""

    def __init__(
        self, endpoints: Mapping[str, EndpointConfig], events: Observer | None = None
    ) -> None:
        self._lock = threading.Lock()
        self.events = events or Observer()
        now = time.time()
        self._current = {
            name: LoadedHandler(ep.handler, handler_version(ep.handler), ep.handler_path, now)
            for name, ep in endpoints.items()
        }
        self._failures: dict[str, LoadFailure] = {}

    def get(self, endpoint: str) -> LoadedHandler:
        return self._current[endpoint]

    def all(self) -> dict[str, LoadedHandler]:
        return dict(self._current)

    def failures(self) -> dict[str, LoadFailure]:
        """Endpoints whose handler file was last refused (the previous version runs)."""
        return dict(self._failures)

    def reload(self, endpoint: str) -> LoadedHandler:
        """Load the endpoint's handler file again; on success every later transform of the
        endpoint runs it. :class:`HandlerLoadError` (and the old handler kept) otherwise."""
        with self._lock:
            old = self._current[endpoint]
            failed: str | None = None
            try:
                handler = load_handler(old.path)
            except HandlerLoadError as e:
                self._failures[endpoint] = LoadFailure(str(e), time.time())
                failed = str(e)
            else:
                new = LoadedHandler(handler, handler_version(handler), old.path, time.time())
                self._current[endpoint] = new
                self._failures.pop(endpoint, None)
        if failed is not None:
            log.error(
                "endpoint %s: handler %s not reloaded, version %s keeps running: %s",
                endpoint,
                old.path,
                old.version,
                failed,
            )
            self.events.handler_loaded(endpoint, None, error=failed)
            raise HandlerLoadError(failed)
        if new.version != old.version:
            log.warning(
                "endpoint %s: handler %s reloaded (version %s, was %s)",
                endpoint,
                new.path,
                new.version,
                old.version,
            )
            # What `serve` prints at start-up for the file it loaded, said for the new one.
            for w in analysis.source_warnings(new.handler.source, str(new.path)):
                log.warning(
                    "endpoint %s: [%s] %s: %s", endpoint, w["code"], w["path"], w["message"]
                )
            self.events.handler_loaded(endpoint, new.version)
        return new

    def refresh(self, endpoint: str) -> LoadedHandler:
        """Reload the endpoint's handler if its file no longer holds the running version (or
        its last load failed): what a watcher would do, done now. Raises as :meth:`reload`."""
        current = self._current[endpoint]
        try:
            on_disk = current.path.read_bytes()
        except OSError:
            return self.reload(endpoint)  # says why, keeps the old one
        try:
            text = on_disk.decode("utf-8")
        except UnicodeDecodeError:
            return self.reload(endpoint)
        if endpoint not in self._failures and handler_version(Handler(text)) == current.version:
            return current
        return self.reload(endpoint)

    def changed(self, paths: set[Path]) -> None:
        """Files changed on disk: reload every endpoint whose handler is one of them."""
        resolved = {p.resolve() for p in paths}
        for endpoint, loaded in self.all().items():
            if loaded.path.resolve() in resolved:
                try:
                    self.reload(endpoint)
                except HandlerLoadError:
                    pass  # logged and kept in failures(); the old version runs on

    def replace(self, endpoints: Mapping[str, EndpointConfig]) -> None:
        """A reloaded config: exactly these endpoints, each with the handler it loaded."""
        now = time.time()
        with self._lock:
            old = self._current
            self._current = {
                name: LoadedHandler(ep.handler, handler_version(ep.handler), ep.handler_path, now)
                for name, ep in endpoints.items()
            }
            self._failures = {}
        for name, loaded in self._current.items():
            if name not in old or old[name].version != loaded.version:
                self.events.handler_loaded(name, loaded.version)

    async def watch(self, stop: asyncio.Event, interval: float = WATCH_INTERVAL) -> None:
        """Reload handlers whose files change, until ``stop`` is set.

        Each handler file is looked at (one ``stat``) every ``interval`` seconds; a change
        is loaded once the file has held still for one look, so a file caught half-written
        is not reported as broken. Polled, not watched with inotify: the database usually
        sits in the handlers' folder, and a watch on the folder (which editors that save by
        renaming need) woke on every commit, ~5 % of serve's CPU under load. A rename is
        seen too: the file's inode is part of what is compared.
        """
        looks = Looks()
        while True:
            sources = {h.path: h.handler.source for h in self._current.values()}
            new = [p for p in sources if p not in looks.loaded]
            # In a thread: a stat on a stalled network file system must not stall the loop.
            stamps, texts = await asyncio.to_thread(_look_at, list(sources), new)
            changed = looks.look(stamps)
            # A file first seen may have changed since it was loaded (serve's start-up takes
            # seconds, a new endpoint's file is read before its first look): its text tells.
            changed |= {p for p in new if texts[p] != sources[p]}
            if changed:
                self.changed(changed)
            try:
                await asyncio.wait_for(stop.wait(), interval)
                return
            except asyncio.TimeoutError:
                pass
