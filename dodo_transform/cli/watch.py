"""``--watch``: run a command again whenever one of its files is saved.

Polling, not inotify: it works the same on every platform and in containers, and a handler
is one small file. Editors that save by renaming a new file into place are seen too (the
modification time and inode both count). Ctrl-C ends the loop with status 0: it is how a
user leaves.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .base import CliError

__all__ = ["watch"]

_CLEAR = "\x1b[2J\x1b[H"


# Each file's modification time, inode and size (None: missing), in order.
_Stamp = tuple[tuple[float, int, int] | None, ...]


def _stamp(paths: Sequence[Path]) -> _Stamp:
    stamps: list[tuple[float, int, int] | None] = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            stamps.append(None)  # mid-save, or deleted: a change like any other
            continue
        stamps.append((st.st_mtime, st.st_ino, st.st_size))
    return tuple(stamps)


def _files(paths: Sequence[Path]) -> list[Path]:
    """The files to watch: each file given, and every ``*.json`` under a directory given."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return out


def watch(
    run: Callable[[Callable[[], bool]], int],
    paths: Sequence[str | Path],
    *,
    interval: float = 0.25,
    rounds: int | None = None,
) -> int:
    """Call ``run`` now and after every change to ``paths``, until Ctrl-C (status 0).

    ``run`` is given a function saying whether a file changed since it began: a long round
    (every sample, a handler that spins to its limit on each) may stop early to run again.
    A :class:`CliError` from ``run`` (the file is half-written, the JSON is invalid) is
    printed and the watch goes on. ``rounds`` stops after that many runs (for tests)."""
    roots = [Path(p) for p in paths]
    clear = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    done = 0
    try:
        while True:
            seen = _stamp(_files(roots))

            def changed(seen: _Stamp = seen) -> bool:
                return _stamp(_files(roots)) != seen

            if clear:
                print(_CLEAR, end="")
            try:
                status = run(changed)
            except CliError as e:
                print(f"dodo-transform: {e}", file=sys.stderr)
                status = e.code
            done += 1
            print(f"-- watching {len(_files(roots))} file(s); Ctrl-C to stop", flush=True)
            if rounds is not None and done >= rounds:
                return status
            while _stamp(_files(roots)) == seen:
                time.sleep(interval)
    except KeyboardInterrupt:
        return 0
