"""Real HTTP servers on 127.0.0.1 for the tests: uvicorn in a thread, a programmable target.

No mocks: the app under test and the target both speak HTTP over loopback sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dodo_transform.serving import ServerThread, listen_socket

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_2 = "whsec_dGhpcyBpcyB0aGUgcm90YXRlZCBzZWNyZXQhIQ=="
IDENTITY = "function handler(webhook) { return webhook; }\n"
# The suite's plain requests go through one client: a bare httpx.get()/post() builds a new
# SSL context (about 50 ms of CPU here), which a loop polling every 50 ms or posting 1,000
# events pays each time. No keep-alive, so each request opens its own connection as a bare
# call would (tests kill and restart servers between requests).
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def wait_for(
    predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` every 50 ms until it holds; fail, naming ``what``, after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout} s"
        time.sleep(0.05)


def cpu_seconds(pid: int | None) -> float:
    """The CPU time (user and system) process ``pid`` has used so far (Linux: /proc)."""
    assert pid is not None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started, from any of its threads (a sandbox process is started
    from a thread of the command)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that has just ended
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def spinning_child(proc: subprocess.Popen[str], cpu: float = 1.0) -> int:
    """The sandbox process of command ``proc``, once it is started (~0.2 s of CPU) and has
    used ``cpu`` seconds in all, spinning in a run; fails at once if ``proc`` ends."""
    found: list[int] = []

    def spinning() -> bool:
        assert proc.poll() is None, f"the command ended with status {proc.returncode}"
        found[:] = children(proc.pid)
        return bool(found) and cpu_seconds(found[0]) >= cpu

    wait_for(spinning, timeout=60, what="its sandbox process spinning in a run")
    return found[0]


def bound_socket() -> socket.socket:
    """A loopback socket bound to a free port (listening only once a server uses it)."""
    return listen_socket("127.0.0.1", 0)


def free_port() -> int:
    with bound_socket() as s:
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int = 200
    body: str = '{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Target:
    """A programmable HTTP target: records every request and answers from ``script``.

    ``script`` replies are used in order, then ``default``. With ``window_limit`` set to
    (n, seconds) it enforces a fixed-window rate limit and answers 429 beyond it.
    """

    def __init__(self, window_limit: tuple[int, float] | None = None) -> None:
        self.received: list[Received] = []
        self.script: list[Reply] = []
        self.default = Reply()
        self.responder: Callable[[Received], Reply | None] | None = None
        self.window_limit = window_limit
        self.too_many = 0
        self.in_flight = 0  # requests received and not answered yet
        self.holding = False  # True: answer nothing until it is False again
        self._window: tuple[int, int] = (-1, 0)
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "PATCH"])]
        )
        self._server = ServerThread(self.app, lifespan=False)
        self.url = self._server.url

    def __enter__(self) -> Target:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    async def _handle(self, request: Request) -> Response:
        got = Received(
            request.method,
            request.url.path,
            dict(request.headers),
            await request.body(),
            time.time(),
        )
        with self._lock:
            reply = self._limit(got.at)
            if reply is None:
                self.received.append(got)
                reply = self.responder(got) if self.responder else None
                if reply is None:
                    reply = self.script.pop(0) if self.script else self.default
            self.in_flight += 1
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
            while self.holding:
                await asyncio.sleep(0.01)
        finally:
            with self._lock:
                self.in_flight -= 1
        return Response(
            reply.body,
            status_code=reply.status,
            headers=reply.headers,
            media_type="application/json",
        )

    def _limit(self, at: float) -> Reply | None:
        if self.window_limit is None:
            return None
        n, seconds = self.window_limit
        window = int(at // seconds)
        current, count = self._window
        count = count + 1 if window == current else 1
        self._window = (window, count)
        if count > n:
            self.too_many += 1
            return Reply(
                429, '{"message":"Too Many Attempts."}', {"Retry-After": str(int(seconds) + 1)}
            )
        return None

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [r.body for r in self.received]


def write_config(
    tmp: Path,
    target_url: str,
    *,
    database: str = "store.db",
    handler: str = IDENTITY,
    extra_endpoint: str = "",
    extra_server: str = "",
    secrets: tuple[str, ...] = (SECRET,),
    name: str = "test",
    retry_schedule: str | None = "[0.2, 0.2, 0.2]",
    allow_hosts: str = '["127.0.0.1"]',
    admin_token: str | None = "admin-token",
    headers: str = 'Authorization = "Bearer target-key"',
) -> Path:
    """A config with one endpoint posting to ``target_url`` (loopback allowed)."""
    (tmp / "handler.js").write_text(handler)
    secret_list = ", ".join(f'"{s}"' for s in secrets)
    path = tmp / "dodo-transform.toml"
    path.write_text(
        f"""
[server]
database = "{database}"
{"" if admin_token is None else f'admin_token = "{admin_token}"'}
shutdown_grace = 2
{extra_server}

[[endpoints]]
name = "{name}"
secrets = [{secret_list}]
handler = "handler.js"
url = "{target_url}/hook"
allow_hosts = {allow_hosts}
{"" if retry_schedule is None else f"retry_schedule = {retry_schedule}"}
{extra_endpoint}
[endpoints.headers]
{headers}
"""
    )
    return path


def another_endpoint(name: str, url: str, handler: str = "handler.js", extra: str = "") -> str:
    """A second ``[[endpoints]]`` table for ``write_config(extra_endpoint=...)``."""
    return f"""
[[endpoints]]
name = "{name}"
secrets = ["{SECRET}"]
handler = "{handler}"
url = "{url}"
allow_hosts = ["127.0.0.1"]
{extra}
"""


class ServeProcess:
    """``dodo-transform serve`` as a child process (what an operator runs)."""

    def __init__(
        self,
        config: Path,
        port: int,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        import os

        self.config, self.port, self.args = config, port, args
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **(env or {})}
        self.proc: Any = None
        # stderr is the relay's log (a line per webhook and attempt): a file, never a pipe
        # nobody reads, which would fill up and block the server.
        self.log_path = config.parent / f"serve-{port}.log"
        self._log: Any = None

    def start(self, timeout: float = 60.0, args: tuple[str, ...] = ()) -> str:
        """Start and wait until /healthz answers; returns the first line printed."""
        import subprocess
        import sys

        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dodo_transform",
                "serve",
                "--config",
                str(self.config),
                "--port",
                str(self.port),
                *args,
                *self.args,
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=self.env,
        )
        line = self.proc.stdout.readline()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {line}{self.stderr_text()}")
            try:
                if HTTP.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return line
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not become healthy")
            time.sleep(0.05)

    def stderr_text(self) -> str:
        """What serve has written to stderr so far (its log)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        import signal

        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 20.0) -> int:
        self.proc.terminate()
        return int(self.proc.wait(timeout))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self.proc.stdout.close()
        if self._log is not None:
            self._log.close()


class Timed:
    """The emulator, recording when each API request arrived and how it was answered."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log: list[tuple[float, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        at = time.time()

        async def record(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.log.append((at, message["status"]))
            await send(message)

        await self.app(scope, receive, record)
