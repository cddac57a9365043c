"""A sandbox in a child process: the runs, and the Python around each one, off the caller's GIL.

QuickJS runs without the GIL, but every run also costs Python: building the context's inputs,
reading the answer, preparing the next context (about 0.5 ms of GIL per event, in 14 C calls
that each give the GIL back and take it again). In ``serve`` that Python competes with the
event loop that acknowledges webhooks: with deliveries flowing, the loop's thread was busy in
93 % of samples but used 52 % of a CPU, waiting for the GIL. A :class:`ProcessSandbox` runs a
:class:`~.pool.Sandbox` in a child process of its own; the parent's share of a run is one
message out and one back. In the child one thread receives, runs and answers, and prepares
the next context once the answer is sent (``tidy_later``): no hand-off between threads.

The child also contains failures a thread cannot. An engine crash kills the child, not the
caller: the run fails with :class:`SandboxProcessError`, and the next run starts a new child.
A child that has used the run's time limit plus ``OVERRUN`` of CPU since it began the run
(which it notes in a page shared with the parent: after each answer it first prepares the
next context, top-level code and all, and that is not the next run's) is killed and the run
is ``time_limit``: QuickJS stops a run at its limit only between its own steps, and a single
built-in call may loop without end (``Array.prototype.copyWithin`` on an object whose
``length`` is 2^53 - 1). A child stuck that way while preparing the next context (the
last handler's top-level code) exits once that has used the last run's limit and
``OVERRUN``, waiting or not; a run it had not begun goes to a new child.
A child below that is only starved (a busy machine) and is waited
for, unless it uses no CPU at all for the time limit plus ``grace`` seconds (stopped,
deadlocked): it is then killed and the run fails with :class:`SandboxProcessError`, to be
tried again. A child whose parent dies exits, mid-run too.

Messages are JSON, each after its length (4 bytes), over a socket pair: the parent's side
of a run is a handful of C calls (send, a receive with a timeout, decode). Not pickle: what
a child answers is data, so a child taken over by hostile handler code cannot make the
parent run code by answering, and what it may send is bounded by the run's limits.
"""

from __future__ import annotations

import concurrent.futures
import gc
import itertools
import json
import logging
import math
import mmap
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, replace
from typing import Any, Literal

from .base import BaseSandbox
from .errors import TransformError, cap_text, limit_error, request_too_large
from .job import Job, Limits, RawRun, request_bytes

__all__ = ["ProcessSandbox", "SandboxProcessError", "own_sandbox"]

log = logging.getLogger("dodo_transform.sandbox")

# What a run still under way, or not begun, is told when the sandbox closes cut short.
_CLOSED = "the sandbox process was stopped: dodo-transform is stopping"
# How long a new child may take to import and build its first context (~0.2 s when idle).
START_TIMEOUT = 60.0
# How long a child gets to exit once its pipe is closed, before it is killed.
STOP_TIMEOUT = 5.0
# Said by a child when it is ready, with the version of these messages: after an upgrade in
# place under a running serve, a new child that speaks otherwise is refused, not misread.
_READY = b"ready dodo-transform-sandbox/2"
# The most bytes of jobs written behind the run in the child, and at most half its socket's
# send buffer (~200 KiB on Linux): writing them never waits for the busy child, which may be
# writing a large answer meanwhile.
_BEHIND_BYTES = 64 * 1024
# socket timeouts above this overflow; a run is never waited for longer in one go.
_LONGEST_WAIT = 86_400.0
# The CPU a child may use beyond a run's time limit before it is killed (preparing the next
# context and freeing the last are milliseconds), and how often that is looked at.
OVERRUN = 1.0
_LOOK_EVERY = 0.25
# How often a child looks whether its parent is still there, and whether it is stuck
# preparing a context; the status it exits with when it is.
_GUARD_LOOK = 0.5
_STUCK_PREPARING = 3


class SandboxProcessError(RuntimeError):
    """The sandbox process could not start, died during a run, stopped answering, or answered
    nonsense. The run has no result; it may be tried again (a new process is started for the
    next run)."""


class ProcessSandbox(BaseSandbox):
    """A :class:`~.pool.Sandbox` in a child process, started at the first run (or at
    :meth:`start`) and again after it dies. Runs one job at a time, from any thread.

    With ``depth`` above 1, up to that many jobs are written to the child at once: while it
    runs one, the next waits in its socket, so it goes from one run to the next without
    waiting for this process to read the answer and write the next job (on a busy machine,
    each such wake-up waits for a core). The runs stay one after another, each in a fresh
    context, answered in order."""

    def __init__(
        self, limits: Limits | None = None, *, grace: float = 10.0, depth: int = 1
    ) -> None:
        if depth < 1:
            raise ValueError("a sandbox process takes at least one job at a time")
        self.limits = limits or Limits()
        self.grace = grace
        self.pipeline_depth = depth
        self._child: _Child | None = None
        self._starting: concurrent.futures.Future[_Child] | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="dodo-sandbox-process"
        )
        # Submitted, not yet taken (appended by any thread, taken by the executor's); a job
        # and its turn are queued together, and not after close().
        self._waiting: deque[tuple[Job, concurrent.futures.Future[RawRun]]] = deque()
        self._submitting = threading.Lock()
        self._closed = self._cut_short = False
        # Taken, not yet answered, oldest first, with their messages; the first ``_written``
        # of them are written to the current child. Only the executor's thread uses these.
        self._taken: deque[tuple[Job, concurrent.futures.Future[RawRun], bytes]] = deque()
        self._written = 0
        # The time limit of the run the current child answered last: up to that long it
        # may prepare the next context for that handler before it begins the next run.
        self._tidying, self._tidying_for = 0.0, ""

    @property
    def pid(self) -> int | None:
        """The child's process id, while one runs."""
        child = self._child
        return child.pid if child is not None else None

    def start(self) -> None:
        """Start the child now, in the background, so the first run does not wait for it."""
        self._starting = self._executor.submit(self._started)

    def wait_started(self) -> None:
        """Wait until the child is ready: :class:`SandboxProcessError` if it cannot start."""
        (self._starting or self._executor.submit(self._started)).result()

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        future: concurrent.futures.Future[RawRun] = concurrent.futures.Future()
        with self._submitting:
            if self._closed:
                raise SandboxProcessError(_CLOSED)
            self._waiting.append((job, future))
            # One turn of the executor's thread per job: each turn answers the oldest one.
            self._executor.submit(self._turn)
        return future

    def close(self, *, cut_short: bool = False) -> None:
        with self._submitting:
            self._closed = True
            self._cut_short = cut_short
            waiting = list(self._waiting) if cut_short else []
            if cut_short:
                self._waiting.clear()
        for _job, future in waiting:  # failed, not cancelled: a caller waits on each
            if future.set_running_or_notify_cancel():
                future.set_exception(SandboxProcessError(_CLOSED))
        child = self._child  # read after _cut_short is set: see _started
        if cut_short and child is not None:
            # The run in it ends now: its turn reads the end of the pipe. Serve's stop comes
            # here once its grace is over, and a handler may have most of a minute to run.
            child.process.kill()
        self._executor.shutdown(wait=True, cancel_futures=cut_short)
        for _job, future, _data in self._taken:  # written behind the run that was cut short
            if not future.done():
                future.set_exception(SandboxProcessError(_CLOSED))
        self._taken.clear()
        child, self._child = self._child, None
        if child is not None:
            child.stop()

    # -- on the sandbox's own thread -------------------------------------------------------

    def _started(self) -> _Child:
        if self._cut_short:  # closing: no new child for what is left
            raise SandboxProcessError(_CLOSED)
        child = self._child
        if child is not None and child.process.poll() is not None:
            # It died between runs (killed, out of memory): no run was lost with it.
            log.warning(
                "the sandbox process (pid %d) %s; starting a new one", child.pid, child.reap()
            )
            child = None
        if child is None:
            child = self._child = _Child.spawn(self.limits)
            self._written = 0  # what the last one was given is written to this one again
            self._tidying, self._tidying_for = 0.0, ""
            if self._cut_short:  # close() came while it started, and may not have seen it
                self._child = None
                child.kill()
                raise SandboxProcessError(_CLOSED)
        return child

    def _turn(self) -> None:
        """Answer the oldest job not yet answered. A failure of the child fails that run
        only: those written behind it had not started, and go to the next child."""
        try:
            raw = self._run_oldest()
        except Exception as e:  # the child's failure, or a bug of ours: that run's, not a hang
            failed = self._oldest()
            if failed is not None:
                failed.set_exception(e)
            return
        if raw is not None:
            future = self._oldest()
            assert future is not None
            future.set_result(raw)

    def _run_oldest(self) -> RawRun | None:
        """Write what may go, then wait for the oldest run's answer (None: every job left
        was cancelled before it was taken). A run the child ended without beginning goes to
        the next child: a new child begins its first job at once, so this happens once."""
        child = self._child
        # Dead with runs written to it: what it answered before it died is read first.
        dead = child is not None and self._written > 0 and child.process.poll() is not None
        if child is None or not dead:
            child = self._started()
        try:
            if not dead:
                self._write(child)
            if not self._taken:
                return None
            job = self._taken[0][0]
            reply = self._wait(child, job, job.limits or self.limits)
            return reply if isinstance(reply, RawRun) else _decode_run(reply)
        except _NotBegun:
            self._replace(child)
            return self._run_oldest()
        except SandboxProcessError:
            raise
        except (EOFError, OSError):
            if not child.not_begun():
                raise self._lost(child) from None
            self._replace(child)
            return self._run_oldest()
        except (ValueError, TypeError, KeyError) as e:  # not what a child of ours says
            self._child = None
            child.kill()
            raise SandboxProcessError(
                f"the sandbox process (pid {child.pid}) answered something unreadable ({e}); "
                "it was killed and a new one is started for the next run"
            ) from None

    def _replace(self, child: _Child) -> None:
        """The child ended before it began the oldest run (its guard gave up on the last
        handler's top-level code, run again for the next context; or it was killed): that
        run goes to a new child."""
        self._child = None
        how, waiting = child.reap(), self._taken[0][0].filename
        if self._cut_short:  # closing: the run fails as stopped, on no new child
            return
        log.warning(
            "the sandbox process (pid %d) %s before it began %s (it was preparing the next "
            "context for %s, the handler it ran last); %s runs on a new one",
            child.pid,
            how,
            waiting,
            self._tidying_for,
            waiting,
        )

    def _lost(self, child: _Child) -> SandboxProcessError:
        """The child ended (its pipe broke, or it exited) with the oldest run in it."""
        self._child = None
        how, running = child.reap(), self._taken[0][0].filename
        if self._cut_short:
            return SandboxProcessError(f"{_CLOSED} while running {running}")
        return SandboxProcessError(
            f"the sandbox process (pid {child.pid}) {how} while running {running}; a new one "
            "is started for the next run"
        )

    def _oldest(self) -> concurrent.futures.Future[RawRun] | None:
        """Take the oldest job not yet answered off the books (None if every one left was
        cancelled)."""
        if self._taken:
            self._written = max(0, self._written - 1)
            return self._taken.popleft()[1]
        while self._waiting:
            _job, future = self._waiting.popleft()
            if future.set_running_or_notify_cancel():
                return future
        return None

    def _write(self, child: _Child) -> None:
        """Write to the child what was taken and not yet written to it, then take and write
        more while fewer than ``depth`` are unanswered. Behind another run only a message
        the socket's buffer holds goes: a larger one waits, taken, until the child has
        nothing else, rather than block this thread while the child is busy."""
        while True:
            if self._written < len(self._taken):
                job, _future, data = self._taken[self._written]
            elif len(self._taken) < self.pipeline_depth and self._waiting:
                job, future = self._waiting.popleft()
                if not future.set_running_or_notify_cancel():
                    continue  # its caller gave up waiting
                try:
                    data = _encode_job(job)
                except Exception as e:  # not a job JSON can carry: its caller's error
                    future.set_exception(e)
                    continue
                self._taken.append((job, future, data))
            else:
                return
            if self._written:
                behind = sum(len(d) for _, _, d in itertools.islice(self._taken, 1, self._written))
                if behind + len(data) > min(_BEHIND_BYTES, child.send_buffer // 2):
                    return
            _send(child.sock, data, self._patience(job.limits or self.limits))
            self._written += 1

    def _patience(self, limits: Limits) -> float:
        return min(limits.time_ms / 1000 + self.grace, _LONGEST_WAIT)

    def _wait(self, child: _Child, job: Job, limits: Limits) -> bytes | RawRun:
        """The child's answer; a ``time_limit`` run if it spent its whole budget of CPU.

        The budget counts from when the child began the run, as it notes in the shared page.
        Until then the child may still be preparing the next context for the handler it ran
        last (top-level code, up to that run's limit): that much more is allowed."""
        budget = limits.time_ms / 1000 + OVERRUN
        patience, cap = self._patience(limits), _largest_answer(limits)
        since = used = child.cpu_seconds()
        moved = time.monotonic()
        spent: float | None = None
        began: float | Literal["answered"] | None = None
        # Where the child's CPU clock cannot be read (not Linux), it is waited for with
        # patience alone: a slow run must not be taken for an endless one.
        look = _LOOK_EVERY if since is not None else patience
        while True:
            reply = _receive(child.sock, min(patience, look), cap, rest=patience)
            if reply is not None:
                child.answered += 1
                self._tidying, self._tidying_for = limits.time_ms / 1000, job.filename
                return reply
            now = child.cpu_seconds()
            if now is None or since is None:
                break
            began = child.run_began()
            if isinstance(began, str):  # answered, and began the next: the answer is on its way
                continue
            spent = now - (since if began is None else began)
            if spent >= budget + (self._tidying if began is None else 0.0):
                break
            if now != used:  # still running, below its budget: a busy machine, wait on
                used, moved = now, time.monotonic()
            elif time.monotonic() - moved >= patience:  # no CPU for all that time: stuck
                break
        if spent is not None and spent >= budget and child.not_begun():
            # Stuck before this run began, in the last handler's top-level code run again
            # for its next context (the child gives up on that itself, unless starved).
            child.kill()
            raise _NotBegun
        self._child = None
        child.kill()
        if spent is not None and spent < limits.time_ms / 1000:
            raise SandboxProcessError(
                f"the sandbox process (pid {child.pid}) stopped answering while running "
                f"{job.filename} (it used {spent:.1f} s of CPU, below the time limit); it was "
                "killed and a new one is started for the next run"
            )
        log.warning(
            "a run of %s did not return within its time limit; its sandbox process "
            "(pid %d) was killed",
            job.filename,
            child.pid,
        )
        error = limit_error("time_limit", "", limits, job.source, job.filename)
        # Not the usual guesses: QuickJS would have stopped a loop at the limit itself.
        error = replace(
            error,
            message=f"time limit exceeded: the handler ran for more than {limits.time_ms:g} ms "
            "inside one built-in call, which cannot be interrupted (an array method on an "
            "object whose length is huge?); its sandbox process was killed, and the run's "
            "console output with it",
        )
        cpu_ms = (spent if spent is not None else budget) * 1000
        return RawRun(None, error, [], duration_ms=cpu_ms, cpu_ms=cpu_ms)


def own_sandbox() -> BaseSandbox:
    """A sandbox for one command (``test``, ``playground``) to run and close: a
    :class:`ProcessSandbox`, so a handler that sits in one built-in call past its time limit
    is ended by killing the child, where a thread is held for good. Where a child cannot be
    started this way (not POSIX: no ``pass_fds``), a threaded :class:`~.pool.Sandbox`."""
    if os.name == "posix":
        return ProcessSandbox()
    from .pool import Sandbox

    return Sandbox(thread=True)


class _Child:
    """One child process and the parent's end of its socket pair."""

    def __init__(
        self, process: subprocess.Popen[bytes], sock: socket.socket, marks: _RunMarks | None
    ) -> None:
        self.process, self.sock, self.marks = process, sock, marks
        self.answered = 0  # runs answered: the run waited for is the next one
        self.pid = process.pid
        self.send_buffer = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        # The child's CPU-time clock, as glibc's clock_getcpuclockid() makes it on Linux
        # (CPUCLOCK_SCHED of the process): one system call per reading, every run.
        self._cpu_clock = (~self.pid << 3) | 2

    @classmethod
    def spawn(cls, limits: Limits) -> _Child:
        # -I: neither the working directory nor PYTHONPATH comes first; the child imports
        # exactly what this process imports, from the same sys.path.
        path = [p or os.getcwd() for p in sys.path]
        # The engine's choice is logged at import, and the parent has said it already.
        code = (
            "import sys; sys.path[:] = __import__('json').loads(sys.argv[3]); "
            "__import__('logging').getLogger('dodo_transform.sandbox.engine').disabled = True; "
            "from dodo_transform.sandbox.process import child_main; child_main()"
        )
        marks, page_fd = _RunMarks.share()
        try:
            ours, theirs = socket.socketpair()
            with ours, theirs:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",
                        "-c",
                        code,
                        str(theirs.fileno()),
                        json.dumps(asdict(limits)),
                        json.dumps(path),
                        str(page_fd),
                    ],
                    pass_fds=(theirs.fileno(),) if page_fd < 0 else (theirs.fileno(), page_fd),
                    stdin=subprocess.DEVNULL,
                    # Out of the terminal's process group: a Ctrl-C or a hang-up there is for
                    # serve, which stops its children itself.
                    start_new_session=True,
                )
                sock = socket.socket(fileno=ours.detach())
        except OSError as e:  # no file descriptors or processes left, no interpreter
            if marks is not None:
                marks.close()
            raise SandboxProcessError(f"the sandbox process could not start: {e}") from None
        finally:
            if page_fd >= 0:
                os.close(page_fd)  # the page stays mapped here, and is the child's to map
        child = cls(process, sock, marks)
        try:
            hello = _receive(sock, START_TIMEOUT, len(_READY))
        except (EOFError, OSError, _Unreadable):
            hello = None
        if hello != _READY:
            how = child.reap() if hello is None else "answered as another version would"
            if hello is not None:
                child.kill()
            raise SandboxProcessError(
                f"the sandbox process could not start: it {how}; its own error, if any, is in "
                "the lines above (after an upgrade, restart serve)"
            )
        return child

    def cpu_seconds(self) -> float | None:
        """The child's CPU time so far (Linux), None where it cannot be read."""
        try:
            return time.clock_gettime(self._cpu_clock)
        except OSError:  # it has exited, or this is not Linux
            return None

    def _last_mark(self) -> tuple[int, float] | None:
        return None if self.marks is None else self.marks.last()

    def not_begun(self) -> bool:
        """Whether the child is known not to have begun the run waited for: it has
        answered one, and its last mark is still that one's."""
        mark = self._last_mark()
        return mark is not None and self.answered > 0 and mark[0] == self.answered

    def run_began(self) -> float | None | Literal["answered"]:
        """The child's CPU time (as :meth:`cpu_seconds` reads it) when it began the run
        waited for; None if it has not begun it yet, or cannot say; "answered" if it has
        begun a later one (so this one's answer is on its way)."""
        mark = self._last_mark()
        if mark is None or mark[0] <= self.answered:
            return None
        return mark[1] if mark[0] == self.answered + 1 else "answered"

    def _closed(self) -> None:
        self.sock.close()
        if self.marks is not None:
            self.marks.close()

    def reap(self) -> str:
        """Wait for a child whose pipe broke (or that never answered) and say how it ended."""
        self._closed()
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return "stopped answering and was killed"
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        if code == _STUCK_PREPARING:
            return "gave up after the time limit and 1 s more of CPU"
        return f"exited with status {code}"

    def kill(self) -> None:
        self._closed()
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """Close the pipe: the child exits after the run it may still be finishing."""
        self._closed()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()


# -- the wire --------------------------------------------------------------------------------

_LENGTH = struct.Struct("!I")


class _RunMarks:
    """A page the parent and its child share, where the child notes which run it began last
    (counted from 1) and its CPU time then. It writes the time before the number and the
    parent reads the number first: a number the parent finds has its own time beside it."""

    _TIME = struct.Struct("d")
    _NUMBER = struct.Struct("q")
    SIZE = _TIME.size + _NUMBER.size

    def __init__(self, page: mmap.mmap) -> None:
        self._page = page
        self._begun = 0  # the child's count

    @classmethod
    def share(cls) -> tuple[_RunMarks | None, int]:
        """A new page and its file descriptor, for the child to :meth:`map` (-1: none,
        where ``memfd_create`` is missing; the child's CPU clock is Linux's alone anyway)."""
        try:
            fd = os.memfd_create("dodo-transform-sandbox", os.MFD_CLOEXEC)
        except (AttributeError, OSError):
            return None, -1
        try:
            os.ftruncate(fd, cls.SIZE)
            return cls(mmap.mmap(fd, cls.SIZE)), fd
        except OSError:
            os.close(fd)
            return None, -1

    @classmethod
    def map(cls, fd: int) -> _RunMarks | None:
        """In the child: the page the parent handed over (``fd`` -1: none)."""
        if fd < 0:
            return None
        try:
            return cls(mmap.mmap(fd, cls.SIZE))
        finally:
            os.close(fd)  # the mapping keeps what it needs

    def begin(self) -> None:
        """In the child: a run begins now."""
        self._begun += 1
        self._TIME.pack_into(self._page, 0, time.process_time())
        self._NUMBER.pack_into(self._page, self._TIME.size, self._begun)

    def last(self) -> tuple[int, float] | None:
        """In the parent: the number of the run the child began last (0: none yet) and its
        CPU time then; None once closed (close() killed the child meanwhile)."""
        try:
            (number,) = self._NUMBER.unpack_from(self._page, self._TIME.size)
            (began,) = self._TIME.unpack_from(self._page, 0)
        except ValueError:
            return None
        return int(number), float(began)

    def close(self) -> None:
        self._page.close()


class _NotBegun(Exception):
    """The child, killed, had not begun the run waited for."""


class _Unreadable(ValueError):
    """A message the other side should never have sent."""


def _largest_answer(limits: Limits) -> int:
    """The most an honest child sends for one run: its request within ``max_request_bytes``
    (the child refuses a larger one itself) and its console lines, in JSON, where a control
    character takes 6 bytes; an error's message and stack (``cap_text``) fit in the rest."""
    return 6 * (limits.max_request_bytes + limits.max_log_bytes) + 64 * 1024


def _send(sock: socket.socket, data: bytes, timeout: float | None) -> None:
    _timeout(sock, timeout)  # a stopped reader must not hold a large message's writer forever
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _timeout(sock: socket.socket, timeout: float | None) -> None:
    # Setting it is a system call; most runs would set what is already there.
    if sock.gettimeout() != timeout:
        sock.settimeout(timeout)


def _receive(
    sock: socket.socket, timeout: float | None, limit: int | None, rest: float | None = None
) -> bytes | None:
    """The next message; None when none began within ``timeout`` seconds. EOFError when
    the other side closed its end; :class:`_Unreadable` for one over ``limit`` bytes. Once
    a message has begun, each further piece of it is waited for up to ``rest`` seconds
    (``timeout`` if not given): a short look for an answer must not cut a long one off."""
    _timeout(sock, timeout)
    rest = timeout if rest is None else rest
    try:
        head = _exactly(sock, _LENGTH.size, rest)
    except TimeoutError:
        return None
    (size,) = _LENGTH.unpack(head)
    if limit is not None and size > limit:
        raise _Unreadable(f"a message of {size:,} bytes, over the {limit:,} a run may answer")
    try:
        return _exactly(sock, size, rest)
    except TimeoutError:  # its length came alone, and nothing of it was read yet
        _timeout(sock, rest)
        return _exactly(sock, size, rest)


def _exactly(sock: socket.socket, size: int, rest: float | None = None) -> bytes:
    data = sock.recv(size)  # most messages arrive whole
    if len(data) == size:
        return data
    if not data:
        raise EOFError
    if rest is not None:  # the rest is on its way; set only here, as most never get here
        _timeout(sock, rest)
    buffer = bytearray(size)
    buffer[: len(data)] = data
    view, got = memoryview(buffer), len(data)
    while got < size:
        try:
            n = sock.recv_into(view[got:])
        except TimeoutError:  # not "no message yet": this one cannot be read any more
            raise ConnectionError(f"a message stopped after {got:,} of {size:,} bytes") from None
        if n == 0:
            raise EOFError
        got += n
    return bytes(buffer)


def _dumps(value: Any) -> bytes:
    # UTF-8 as it is (ensure_ascii would make each non-ASCII character 6 bytes); a lone
    # surrogate, which JavaScript strings may hold, survives the round trip.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _loads(data: bytes) -> Any:
    return json.loads(data.decode("utf-8", "surrogatepass"))


def _encode_job(job: Job) -> bytes:
    limits = asdict(job.limits) if job.limits is not None else None
    fields = [job.source, job.filename, job.payload_json, job.event_type, job.url, job.env]
    return _dumps([*fields, job.now_ms, limits])


def _decode_job(data: bytes) -> Job:
    source, filename, payload, event_type, url, env, now_ms, limits = _loads(data)
    return Job(
        source,
        filename,
        payload,
        event_type,
        url,
        env,
        now_ms,
        Limits(**limits) if limits is not None else None,
    )


def _encode_run(raw: RawRun, limits: Limits) -> bytes:
    result, error = raw.result, raw.error
    size = _request_size(result)
    if size > limits.max_request_bytes:  # refused here: a larger answer is not sent at all
        result, error = None, request_too_large(size, limits.max_request_bytes)
    if error is not None:  # a thrown string of megabytes, say: the answer stays in bounds
        error = replace(
            error,
            message=cap_text(error.message),
            stack=cap_text(error.stack) if error.stack is not None else None,
        )
    fields = [result, asdict(error) if error is not None else None, raw.logs]
    return _dumps([*fields, raw.duration_ms, raw.cpu_ms])


def _request_size(result: dict[str, Any] | None) -> int:
    """The UTF-8 bytes of the request's strings, as the contract checks count them (less the
    endpoint's own headers, which only the parent adds)."""
    if not result:
        return 0
    parts = [result.get("method"), result.get("url"), result.get("body")]
    headers = result.get("headers")
    if isinstance(headers, list):
        parts += [x for header in headers if isinstance(header, list) for x in header[:2]]
    return request_bytes(*parts)


def _decode_run(data: bytes) -> RawRun:
    answer: Any = _loads(data)
    if isinstance(answer, dict):  # the child's own failure, not the handler's
        raise SandboxProcessError(f"the sandbox process failed: {answer['failed']}")
    result, error, logs, duration_ms, cpu_ms = answer
    if result is not None and not isinstance(result, dict):
        raise TypeError(f"a result must be an object, not {type(result).__name__}")
    return RawRun(
        result,
        TransformError(**error) if error is not None else None,
        [(str(stream), str(text)) for stream, text in logs],
        float(duration_ms),
        float(cpu_ms),
    )


# -- in the child ----------------------------------------------------------------------------


def child_main() -> None:
    """The child: run each job that arrives, until the parent closes the pipe."""
    # The parent decides when the child stops (it closes the pipe, after its last run): a
    # signal sent to every process of serve (pkill, a service manager) must not fail a run.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    preparing = _Preparing()
    threading.Thread(
        target=_guard, args=(os.getppid(), preparing), name="dodo-guard", daemon=True
    ).start()
    from .pool import THREAD_STACK

    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.settimeout(None)  # blocking, whatever the parent's default timeout made the pair
    limits = Limits(**json.loads(sys.argv[2]))
    # One thread does everything, on a stack as large as a threaded Sandbox's (QuickJS's
    # stack limit, not the thread's, must stop deep recursion): no hand-off per run.
    threading.stack_size(THREAD_STACK)
    failed: list[BaseException] = []
    args = (sock, limits, _RunMarks.map(int(sys.argv[4])), preparing, failed)
    worker = threading.Thread(target=_serve, args=args, name="dodo-sandbox")
    worker.start()
    worker.join()
    # Nothing here outlives the process: skip freeing every context one by one.
    os._exit(1 if failed else 0)


class _Preparing:
    """In the child: the CPU time by which preparing the next context must be done."""

    def __init__(self) -> None:
        self.until = math.inf  # not preparing

    def begin(self, seconds: float) -> None:
        self.until = time.process_time() + seconds

    def end(self) -> None:
        self.until = math.inf


def _guard(parent: int, preparing: _Preparing) -> None:
    """Exits the child when it may be stuck for good with no one to end it:
    - its parent died (SIGKILL, or a signal it does not stop on): between runs the closed
      pipe says so, but a run may spin for its whole limit or, in one built-in call, for
      good;
    - it is preparing the next context, after an answer, and the last handler's top-level
      code has sat in one built-in call past its time limit and ``OVERRUN``: the parent is
      not waiting on anything, and would notice only at the next run."""
    while os.getppid() == parent:
        if time.process_time() > preparing.until:
            os._exit(_STUCK_PREPARING)
        time.sleep(_GUARD_LOOK)
    os._exit(1)


def _serve(
    sock: socket.socket,
    limits: Limits,
    marks: _RunMarks | None,
    preparing: _Preparing,
    failed: list[BaseException],
) -> None:
    try:
        _loop(sock, limits, marks, preparing)
    except BaseException as e:  # the parent sees the exit status; the reason goes to stderr
        failed.append(e)
        print(f"dodo-transform sandbox process: {e!r}", file=sys.stderr, flush=True)


def _loop(
    sock: socket.socket, limits: Limits, marks: _RunMarks | None, preparing: _Preparing
) -> None:
    from .pool import Sandbox

    # Inline, and what follows a run (freeing its context, preparing the next one for the
    # same handler) waits until the answer is sent: the parent does not wait for it.
    sandbox = Sandbox(limits, thread=False, tidy_later=True)
    # What is loaded by now is never garbage: keep full collections from walking it, in
    # the middle of a run (as serve does, see cli/serve.py).
    gc.collect()
    gc.freeze()
    _send(sock, _READY, None)
    while True:
        try:
            data = _receive(sock, None, None)
        except (EOFError, OSError):
            return
        assert data is not None  # no timeout: a message, or EOF
        if marks is not None:  # what the parent counts this run's CPU from
            marks.begin()
        limit = sandbox.limits.time_ms
        try:
            job = _decode_job(data)
            limit = (job.limits or sandbox.limits).time_ms
            reply = _encode_run(sandbox.run(job), job.limits or sandbox.limits)
        except Exception as e:  # a bug of ours: the parent gets the run's failure, not EOF
            reply = _dumps({"failed": repr(e)})
        try:
            _send(sock, reply, None)
        except OSError:  # the parent is gone
            return
        preparing.begin(limit / 1000 + OVERRUN)
        try:
            sandbox.tidy()
        except Exception as e:  # the next run then builds its context itself
            print(f"dodo-transform sandbox process: {e!r}", file=sys.stderr, flush=True)
        preparing.end()
