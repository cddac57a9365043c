"""Serving an ASGI app with uvicorn on a socket we bind ourselves.

One place for what ``serve``, the emulator, the demo, the playground and the tests all need:
a listening socket with TCP_NODELAY on accepted connections, the HTTP protocol
(:class:`HttpProtocol`), and an app served from a background thread for the length of a
``with`` block.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import weakref
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["MAX_HEAD_BYTES", "HttpProtocol", "ListenError", "ServerThread", "listen_socket"]

# A request's line and headers: h11 refuses more than this (its default); so do we.
MAX_HEAD_BYTES = 16 * 1024
# How long a connection may take to send a request's line and headers before it is closed.
HEAD_TIMEOUT = 30.0
# How long a refused client may go on sending (read and dropped) before its connection closes.
LINGER = 5.0


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, C: a third of the event loop's time per webhook
    was h11's parsing), with h11's limit on a request's head, which uvicorn's httptools
    protocol lacks: without it a client can send header lines until the server's memory runs
    out, before any signature is checked. Past :data:`MAX_HEAD_BYTES` received while the
    headers are incomplete, the answer is 431 and the connection is closed. (The count is of
    whole reads: a read that ends a pipelined request and starts the next counts for the next.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head, self._head_bytes = True, 0
        self._refused = False
        self._head_due: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()
        _Sweeper.watch(self)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0
        if self._head_due is None:
            self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_due = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_deadline()

    # A connection has HEAD_TIMEOUT to send a whole request head: from connecting, from its
    # request's first byte, and from the end of its last answer. uvicorn times out a kept-
    # alive connection only while it sends nothing, so without this one that connects and
    # sends half a head, or goes on sending the rest of a body answered early (a 413, a
    # 404) a byte at a time, would hold the connection for good. (A client that pipelines
    # a request behind one that runs longer than HEAD_TIMEOUT is closed too; none does.)
    # A deadline, not a timer: one sweep a second looks at them all (a timer armed and
    # cancelled per request cost the event loop a few percent of a webhook's time).
    def _arm_head_deadline(self) -> None:
        self._head_due = self.loop.time() + HEAD_TIMEOUT

    def _check_head(self, now: float) -> None:
        if self._head_due is None or now < self._head_due or self.transport.is_closing():
            return
        self._head_due = None
        answering = self.cycle is not None and not self.cycle.response_complete
        if self._in_head or not answering:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused request: dropped (see _refuse)
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse()

    def _refuse(self) -> None:
        self._refused = True
        body = b'{"error":"request line and headers over %d bytes"}' % MAX_HEAD_BYTES
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        # Closed at once with the client's bytes still unread, the connection would be reset
        # and the client could lose the 431 with it: half-close instead, drop what it still
        # sends, and close once it stops or after LINGER s (a lingering close, as nginx does).
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)


class _Sweeper:
    """Once a second (sooner for a shorter HEAD_TIMEOUT), per event loop, closes the
    connections past their head deadline; it stops when its loop has none left."""

    _watched: weakref.WeakKeyDictionary[
        asyncio.AbstractEventLoop, weakref.WeakSet[HttpProtocol]
    ] = weakref.WeakKeyDictionary()

    @classmethod
    def watch(cls, protocol: HttpProtocol) -> None:
        loop = protocol.loop
        watched = cls._watched.get(loop)
        if watched is None:  # no sweep runs on this loop: start one
            watched = cls._watched[loop] = weakref.WeakSet()
            cls._schedule(loop)
        watched.add(protocol)

    @classmethod
    def _schedule(cls, loop: asyncio.AbstractEventLoop) -> None:
        loop.call_later(min(1.0, HEAD_TIMEOUT / 4), cls._sweep, loop)

    @classmethod
    def _sweep(cls, loop: asyncio.AbstractEventLoop) -> None:
        watched = cls._watched.get(loop, weakref.WeakSet())
        now = loop.time()
        for protocol in list(watched):
            if protocol.transport.is_closing():
                watched.discard(protocol)
            else:
                protocol._check_head(now)
        if watched:
            cls._schedule(loop)
        else:  # the next connection starts a sweep again
            cls._watched.pop(loop, None)


class ListenError(OSError):
    """The address cannot be listened on; the message says which and why."""


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (as uvicorn binds it); :class:`ListenError` if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: with protocol 0 asyncio does not set TCP_NODELAY on accepted
    # connections, and every keep-alive answer then waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as e:
        sock.close()
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


class ServerThread:
    """``app`` served by uvicorn on ``host`` (a free port unless given), in a daemon thread.

    Use it as a context manager; ``url`` is the base URL once started. ``lifespan=False``
    skips the app's start-up and shutdown (for apps that have none worth running).
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        lifespan: bool = True,
        grace: float = 1.0,
    ) -> None:
        self._sock = listen_socket(host, port)
        self.port = int(self._sock.getsockname()[1])
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        config = uvicorn.Config(
            app,
            http=HttpProtocol,
            log_level="warning",
            lifespan="on" if lifespan else "off",
            timeout_graceful_shutdown=max(1, int(grace)),
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"uvicorn-{self.port}",
        )

    def start(self, timeout: float = 30.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the server on {self.url} did not start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server on {self.url} did not start in {timeout:g} s")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
