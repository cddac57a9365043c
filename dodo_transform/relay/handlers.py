"""The one owner of each endpoint's loaded handler.

The config loads every handler once at start-up; afterwards only :class:`Handlers` changes
which code an endpoint runs (a replay reloads it from disk), and the dispatcher and the
admin API read it from here. Every load is checked the same way: readable UTF-8, within the
code-size limit, compiles, defines a plain ``function handler``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..transform import Handler, HandlerError, check_handler

if TYPE_CHECKING:
    from .config import EndpointConfig

__all__ = ["HandlerLoadError", "Handlers", "LoadedHandler", "handler_version", "load_handler"]

log = logging.getLogger("dodo_transform.relay")


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


class Handlers:
    """Each endpoint's current handler, and the one way to change it."""

    def __init__(self, endpoints: Mapping[str, EndpointConfig]) -> None:
        self._lock = threading.Lock()
        now = time.time()
        self._current = {
            name: LoadedHandler(ep.handler, handler_version(ep.handler), ep.handler_path, now)
            for name, ep in endpoints.items()
        }

    def get(self, endpoint: str) -> LoadedHandler:
        return self._current[endpoint]

    def reload(self, endpoint: str) -> LoadedHandler:
        """Load the endpoint's handler file again; on success every later transform of the
        endpoint runs it. :class:`HandlerLoadError` (and the old handler kept) otherwise."""
        with self._lock:
            old = self._current[endpoint]
            handler = load_handler(old.path)
            new = LoadedHandler(handler, handler_version(handler), old.path, time.time())
            self._current[endpoint] = new
        if new.version != old.version:
            log.warning(
                "endpoint %s: handler %s reloaded (version %s, was %s)",
                endpoint,
                new.path,
                new.version,
                old.version,
            )
        return new
