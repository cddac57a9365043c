"""What every sandbox offers, wherever its QuickJS contexts live (a thread, a process)."""

from __future__ import annotations

import abc
import concurrent.futures

from .errors import STATIC_ERRORS, TransformError
from .job import Job, Limits, RawRun

__all__ = ["BaseSandbox"]


class BaseSandbox(abc.ABC):
    """Runs :class:`Job`\\ s, one pristine QuickJS context per run, one run at a time."""

    limits: Limits
    # How many runs it may be given at once (they run one after another, in order): more
    # than one where a run queued inside it starts sooner than one handed over when the
    # previous finishes.
    pipeline_depth: int = 1

    @abc.abstractmethod
    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        """Queue ``job``; the future completes with its run (``asyncio.wrap_future`` it in
        async code)."""

    @abc.abstractmethod
    def close(self, *, cut_short: bool = False) -> None:
        """Let a started run finish, then free everything the sandbox holds. ``cut_short``:
        runs not begun are cancelled and a run under way is ended now where it can be (a
        child process is killed); a thread's run still ends at its time limit."""

    def run(self, job: Job) -> RawRun:
        """Compile the job's source in a fresh context and call ``handler`` once."""
        return self.submit(job).result()

    def check(self, source: str, filename: str = "handler.js") -> TransformError | None:
        """Compile ``source`` and check it defines a plain function ``handler``."""
        probe = '{"type":"dodo-transform.check"}'
        run = self.run(Job(source, filename, probe, "dodo-transform.check", "https://x.invalid/"))
        return run.error if run.error and run.error.kind in STATIC_ERRORS else None
