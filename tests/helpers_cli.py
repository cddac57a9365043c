"""A command as it runs (``dodo-transform test --watch``), its output read a line at a time.

Each line is waited for at most ``timeout`` seconds: a regression fails its test instead of
holding the suite on a pipe that never gets another line.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


class Lines:
    """``stream`` read on a thread of its own."""

    def __init__(self, stream: IO[str], timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put("")  # end of the stream, as readline() says it

    def next(self) -> str:
        """The next line ("" at the end of the stream)."""
        try:
            return self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {self.timeout:g} s") from None

    def watch_round(self) -> str:
        """What ``test --watch`` printed up to and including its next ``-- watching`` line."""
        seen = []
        while line := self.next():
            seen.append(line)
            if line.startswith("-- watching"):
                break
        return "".join(seen)


class Watching:
    """``dodo-transform test HANDLER --watch ARGS`` as a user runs it, its output read as
    :class:`Lines`; leaving stops it with Ctrl-C, which must end it with status 0."""

    def __init__(self, handler: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dodo_transform", "test", str(handler), "--watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.out, self.err = Lines(self.proc.stdout), Lines(self.proc.stderr)

    def __enter__(self) -> Watching:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            assert self.proc.wait(timeout=60) == 0  # Ctrl-C is how a user leaves
        finally:
            self.proc.kill()
