"""What crosses into the sandbox and what comes out: a job, its limits, the raw run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import TransformError

__all__ = ["MiB", "Job", "Limits", "RawRun", "request_bytes"]

MiB = 1024 * 1024


def request_bytes(*parts: object) -> int:
    """A request's size as ``max_request_bytes`` counts it: the UTF-8 bytes of its strings
    (method, URL, header names and values, body; a lone surrogate as its 3 bytes)."""
    return sum(len(p.encode("utf-8", "surrogatepass")) for p in parts if isinstance(p, str))


LONGEST_TIME_MS = 86_400_000


@dataclass(frozen=True)
class Limits:
    """Per-run limits. Hitting one is a transform error that names it."""

    time_ms: float = 1000.0
    memory_bytes: int = 64 * MiB
    stack_bytes: int = 1024 * 1024  # about V8's default: a 3,000-deep payload still serialises
    max_log_lines: int = 500
    max_log_bytes: int = 64 * 1024
    # The request a handler returns (method, URL, headers and body, in UTF-8 bytes): above
    # this it is a `request_too_large` error, not something to send, store and retry.
    max_request_bytes: int = MiB

    def __post_init__(self) -> None:
        # QuickJS treats 0 and negative limits as "none": refuse them rather than run unbounded.
        if not self.time_ms > 0:
            raise ValueError(f"time limit must be more than 0 ms, not {self.time_ms:g}")
        if not self.time_ms <= LONGEST_TIME_MS:  # infinity included: the clocks overflow
            longest, given = f"{LONGEST_TIME_MS:,}", f"{self.time_ms:,.15g}"
            raise ValueError(f"time limit must be at most {longest} ms (a day), not {given}")
        if self.memory_bytes < 4 * MiB:
            raise ValueError(
                f"memory limit must be at least 4 MiB (the sandbox itself needs about 2), "
                f"not {self.memory_bytes / MiB:g} MiB"
            )
        if self.stack_bytes < 64 * 1024:
            raise ValueError(f"stack limit must be at least 64 KiB, not {self.stack_bytes}")
        if self.max_request_bytes < 1:
            raise ValueError(
                f"request size limit must be at least 1 byte, not {self.max_request_bytes}"
            )


@dataclass(frozen=True)
class Job:
    """One run: a handler's source and the event it gets."""

    source: str
    filename: str
    payload_json: str  # the Dodo envelope, as received
    event_type: str
    url: str  # webhook.url before the handler runs
    env: dict[str, str] | None = None
    now_ms: float | None = None  # freeze Date.now() / new Date() at this instant
    limits: Limits | None = None  # None: the sandbox's


@dataclass
class RawRun:
    """What came out of QuickJS, before the contract checks of :mod:`transform`."""

    result: dict[str, Any] | None
    error: TransformError | None
    logs: list[tuple[str, str]] = field(default_factory=list)
    duration_ms: float = 0.0
    # CPU time of the sandbox thread for this run: what serve's transform stage charges the
    # endpoint (unlike the wall time, it does not grow when the machine is busy).
    cpu_ms: float = 0.0
