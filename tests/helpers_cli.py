"""Reading a command's output as it runs: ``dodo-transform test --watch``, a round at a time."""

from __future__ import annotations

from typing import IO


def watch_round(stdout: IO[str]) -> str:
    """What ``test --watch`` printed up to and including its next ``-- watching`` line."""
    seen = []
    for line in stdout:
        seen.append(line)
        if line.startswith("-- watching"):
            break
    return "".join(seen)
