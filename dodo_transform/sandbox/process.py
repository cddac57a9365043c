"""A sandbox in a child process: the runs, and the Python around each one, off the caller's GIL.

QuickJS runs without the GIL, but every run also costs Python: building the context's inputs,
reading the answer, preparing the next context (about 0.5 ms of GIL per event, in 14 C calls
that each give the GIL back and take it again). In ``serve`` that Python competes with the
event loop that acknowledges webhooks: with deliveries flowing, the loop's thread was busy in
93 % of samples but used 52 % of a CPU, waiting for the GIL. A :class:`ProcessSandbox` runs a
threaded :class:`~.pool.Sandbox` in a child process of its own; the parent's share of a run is
one message out and one back.

The child also contains failures a thread cannot: an engine crash kills the child, not the
caller (the run fails with :class:`SandboxProcessError` and the next run starts a new child),
and a run that does not return within its time limit plus ``grace`` seconds (a hang inside the
engine, where QuickJS's own time limit cannot reach) is killed and answered ``time_limit``.

Messages are JSON, each after its length (4 bytes), over a socket pair: the parent's side
of a run is a handful of C calls (send, a receive with a timeout, decode). Not pickle: what
a child answers is data, so a child taken over by hostile handler code cannot make the
parent run code by answering.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .base import BaseSandbox
from .errors import TransformError, limit_error
from .job import Job, Limits, RawRun

__all__ = ["ProcessSandbox", "SandboxProcessError"]

log = logging.getLogger("dodo_transform.sandbox")

# How long a new child may take to import and build its first context (~0.2 s when idle).
START_TIMEOUT = 60.0
# How long a child gets to exit once its pipe is closed, before it is killed.
STOP_TIMEOUT = 5.0
_READY = b"ready"
# Where ``dodo_transform`` was imported from: the child imports the same code.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class SandboxProcessError(RuntimeError):
    """The sandbox process could not start, died during a run, or answered nonsense. The run
    has no result; it may be tried again (a new process is started for the next run)."""


class ProcessSandbox(BaseSandbox):
    """A :class:`~.pool.Sandbox` in a child process, started at the first run (or at
    :meth:`start`) and again after it dies. Runs one job at a time, from any thread."""

    def __init__(self, limits: Limits | None = None, *, grace: float = 10.0) -> None:
        self.limits = limits or Limits()
        self.grace = grace
        self._child: _Child | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="dodo-sandbox-process"
        )

    @property
    def pid(self) -> int | None:
        """The child's process id, while one runs."""
        child = self._child
        return child.process.pid if child is not None else None

    def start(self) -> None:
        """Start the child now, in the background, so the first run does not wait for it."""
        self._executor.submit(self._started)

    def wait_started(self) -> None:
        """Wait until the child is ready: :class:`SandboxProcessError` if it cannot start."""
        self._executor.submit(self._started).result()

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        return self._executor.submit(self._call, job)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        child, self._child = self._child, None
        if child is not None:
            child.stop()

    # -- on the sandbox's own thread -------------------------------------------------------

    def _started(self) -> _Child:
        if self._child is None:
            self._child = _Child.spawn(self.limits)
        return self._child

    def _call(self, job: Job) -> RawRun:
        child = self._started()
        limits = job.limits or self.limits
        patience = limits.time_ms / 1000 + self.grace
        try:
            _send(child.sock, _encode_job(job), patience)
            reply = _receive(child.sock, patience)
            if reply is None:
                self._child = None
                child.kill()
                log.warning(
                    "a run of %s did not return within its time limit; its sandbox process "
                    "(pid %d) was killed",
                    job.filename,
                    child.process.pid,
                )
                error = limit_error("time_limit", "", limits, job.source, job.filename)
                return RawRun(None, error, [], duration_ms=limits.time_ms)
        except (EOFError, OSError):
            self._child = None
            status = child.reap()
            raise SandboxProcessError(
                f"the sandbox process (pid {child.process.pid}) {status} while running "
                f"{job.filename}; a new one is started for the next run"
            ) from None
        try:
            return _decode_run(reply)
        except SandboxProcessError:
            raise
        except (ValueError, TypeError, KeyError) as e:
            self._child = None
            child.kill()
            raise SandboxProcessError(
                f"the sandbox process (pid {child.process.pid}) answered something unreadable "
                f"({e}); it was killed and a new one is started for the next run"
            ) from None


class _Child:
    """One child process and the parent's end of its socket pair."""

    def __init__(self, process: subprocess.Popen[bytes], sock: socket.socket) -> None:
        self.process, self.sock = process, sock

    @classmethod
    def spawn(cls, limits: Limits) -> _Child:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        code = "from dodo_transform.sandbox.process import child_main; child_main()"
        with ours, theirs:
            process = subprocess.Popen(
                [sys.executable, "-c", code, str(theirs.fileno()), json.dumps(asdict(limits))],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
            sock = socket.socket(fileno=ours.detach())
        child = cls(process, sock)
        try:
            ready = _receive(sock, START_TIMEOUT) == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            raise SandboxProcessError(
                f"the sandbox process could not start: it {child.reap()}; its own error, if "
                "any, is in the lines above"
            )
        return child

    def reap(self) -> str:
        """Wait for a child whose pipe broke (or that never answered) and say how it ended."""
        self.sock.close()
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return "stopped answering and was killed"
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def kill(self) -> None:
        self.sock.close()
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """Close the pipe: the child exits after the run it may still be finishing."""
        self.sock.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()


# -- the wire --------------------------------------------------------------------------------

_LENGTH = struct.Struct("!I")


def _send(sock: socket.socket, data: bytes, timeout: float | None) -> None:
    sock.settimeout(timeout)  # a stopped reader must not hold a large message's writer forever
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _receive(sock: socket.socket, timeout: float | None) -> bytes | None:
    """The next message; None when none began within ``timeout`` seconds. EOFError when
    the other side closed its end."""
    sock.settimeout(timeout)
    try:
        head = _exactly(sock, _LENGTH.size)
    except TimeoutError:
        return None
    sock.settimeout(STOP_TIMEOUT)  # the rest of a message that began is on its way
    return _exactly(sock, _LENGTH.unpack(head)[0])


def _exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError
        got += n
    return bytes(buffer)


def _encode_job(job: Job) -> bytes:
    limits = asdict(job.limits) if job.limits is not None else None
    fields = [job.source, job.filename, job.payload_json, job.event_type, job.url, job.env]
    return json.dumps([*fields, job.now_ms, limits]).encode()


def _decode_job(data: bytes) -> Job:
    source, filename, payload, event_type, url, env, now_ms, limits = json.loads(data)
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


def _encode_run(raw: RawRun) -> bytes:
    error = asdict(raw.error) if raw.error is not None else None
    fields = [raw.result, error, raw.logs, raw.duration_ms, raw.cpu_ms]
    return json.dumps(fields).encode()


def _decode_run(data: bytes) -> RawRun:
    answer: Any = json.loads(data)
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
    # Ctrl-C or a SIGTERM sent to the whole process group must not fail runs in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from .pool import Sandbox

    sock = socket.socket(fileno=int(sys.argv[1]))
    sandbox = Sandbox(Limits(**json.loads(sys.argv[2])))
    _send(sock, _READY, None)
    while True:
        try:
            data = _receive(sock, None)
        except (EOFError, OSError):
            break
        assert data is not None  # no timeout: a message, or EOF
        try:
            reply = _encode_run(sandbox.run(_decode_job(data)))
        except Exception as e:  # a bug of ours: the parent gets the run's failure, not EOF
            reply = json.dumps({"failed": repr(e)}).encode()
        try:
            _send(sock, reply, None)
        except OSError:  # the parent is gone
            break
    # Nothing here outlives the process: skip freeing every context one by one.
    os._exit(0)
