"""``dodo-transform playground [HANDLER.js]``: the handler playground on 127.0.0.1.

Prints the URL with a one-time token (as Jupyter does) and serves until Ctrl-C. Opened with a
file, Save writes it back; without one, the page starts from an example and offers Download.
"""

from __future__ import annotations

import argparse
import socket
import threading
from pathlib import Path

from .base import UsageError, listen

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "playground",
        help="edit and run a handler in the browser (local page with a one-time token)",
        description="Serve the playground on 127.0.0.1: a code editor, the built-in samples, "
        "and the same results as `dodo-transform test --json`. Open the printed URL.",
    )
    p.add_argument("handler", metavar="HANDLER.js", nargs="?", help="open (and Save to) this file")
    p.add_argument("--port", type=int, default=0, help="listen port (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="listen address (default: %(default)s; the page can run any code you type)",
    )
    p.set_defaults(func=_cmd_playground)


def _cmd_playground(args: argparse.Namespace) -> int:
    import uvicorn

    from ..sandbox import own_sandbox
    from ..serving import HttpProtocol
    from ..workbench.playground import create_app, new_token, token_auth

    handlers: dict[str, Path] = {}
    if args.handler is not None:
        path = Path(args.handler)
        if not path.is_file():
            raise UsageError(f"{args.handler}: no such file")
        try:
            path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{args.handler}: cannot read: {e}") from None
        handlers[args.handler] = path.resolve()
    token = new_token()
    sandbox = own_sandbox()  # a child process, as in serve
    app = create_app(
        token_auth(token), handlers=handlers, allow_save=bool(handlers), sandbox=lambda: sandbox
    )
    sock = listen(args.host, args.port)
    # Listening before the URL is printed: a browser opened on it at once is queued, not refused.
    sock.listen(128)
    port = int(sock.getsockname()[1])
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"dodo-transform: playground at http://{shown}:{port}/?token={token}", flush=True)
    print("dodo-transform: Ctrl-C stops it", flush=True)

    closing: list[threading.Thread] = []

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # uvicorn waits here for the requests under way, and a "Run all" of a handler
            # that spins to its limit on every sample held Ctrl-C for a minute: their runs
            # end now, answered 503. On a thread: close() waits for the child to go.
            closing.append(threading.Thread(target=sandbox.close, kwargs={"cut_short": True}))
            closing[-1].start()
            await super().shutdown(sockets)

    server = Server(uvicorn.Config(app, http=HttpProtocol, log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for thread in closing:
            thread.join()
        sandbox.close(cut_short=True)
    return 0
