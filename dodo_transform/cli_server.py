"""CLI commands around the server: ``serve``, ``deliveries``, ``replay``, ``send-sample``.

The lead's ``cli.py`` calls :func:`add_commands`; each command sets ``func(args) -> int``.
``python -m dodo_transform.cli_server`` runs these commands alone (the crash test uses it).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .config import Config, ConfigError, load_config

DEFAULT_CONFIG = "dodo-transform.toml"


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("serve", help="receive Dodo webhooks and deliver them durably")
    _config_arg(p)
    p.add_argument("--host", help="listen address (default: server.host)")
    p.add_argument("--port", type=int, help="listen port (default: server.port)")
    p.set_defaults(func=_guard(cmd_serve))

    p = subparsers.add_parser("deliveries", help="list deliveries of the running server")
    _config_arg(p)
    _url_arg(p)
    p.add_argument("--status", help="only this status (pending, failed, ...)")
    p.add_argument("--endpoint", help="only this endpoint")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=_guard(cmd_deliveries))

    p = subparsers.add_parser("replay", help="re-run a delivery's transform and deliver it")
    _config_arg(p)
    _url_arg(p)
    p.add_argument("id", type=int, help="delivery id (see `deliveries`)")
    p.set_defaults(func=_guard(cmd_replay))

    p = subparsers.add_parser("send-sample",
                              help="sign a built-in sample event and post it to the server")
    _config_arg(p)
    _url_arg(p)
    p.add_argument("event_type", metavar="EVENT_TYPE", help="e.g. payment.succeeded")
    p.add_argument("--endpoint", required=True, help="endpoint name from the config")
    p.set_defaults(func=_guard(cmd_send_sample))


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("DODO_TRANSFORM_CONFIG", DEFAULT_CONFIG),
                   help=f"TOML config (default: $DODO_TRANSFORM_CONFIG or {DEFAULT_CONFIG})")


def _url_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="server URL (default: from the config's host and port)")


class _Exit(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Refused(_Exit):
    """The server answered an admin request with an HTTP error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(1, message)
        self.status = status


def _load(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        raise _Exit(2, str(e)) from None


def _base_url(args: argparse.Namespace, config: Config) -> str:
    if args.url:
        return str(args.url).rstrip("/")
    host = config.server.host
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.server.port}"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .server import create_app
    from .sqlite_store import SqliteStore

    config = _load(args.config)
    host = args.host or config.server.host
    port = config.server.port if args.port is None else args.port
    try:  # open (and migrate) the store now, so a bad path is one line, not a traceback
        SqliteStore(config.server.database).close()
    except (sqlite3.Error, RuntimeError) as e:
        raise _Exit(2, f"{config.path}: server.database: {config.server.database}: {e}") from None
    # Bind before saying "serving": a busy port is one line and exit 2, not a banner followed
    # by uvicorn's error. uvicorn then serves on this very socket.
    sock = listen_socket(host, port)
    port = int(sock.getsockname()[1])  # the real one when --port 0
    routes = ", ".join(f"POST /webhooks/{name}" for name in config.endpoints)
    shown = f"[{host}]" if ":" in host else host
    print(f"dodo-transform: serving http://{shown}:{port} ({routes}); store "
          f"{config.server.database}", flush=True)
    server = uvicorn.Server(uvicorn.Config(
        create_app(config), log_level="warning",
        timeout_graceful_shutdown=int(config.server.shutdown_grace) + 5))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0 if server.started else 3  # 3: the app did not start (as uvicorn.run)


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (as uvicorn binds it), or a one-line exit 2."""
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
        raise _Exit(2, f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _admin(args: argparse.Namespace, config: Config, method: str, path: str) -> Any:
    headers = {}
    if config.server.admin_token:
        headers["Authorization"] = f"Bearer {config.server.admin_token}"
    r = httpx.request(method, _base_url(args, config) + path, headers=headers, timeout=30)
    if r.status_code >= 400:
        try:
            message = r.json().get("error", r.text)
        except ValueError:
            message = r.text
        raise _Refused(r.status_code, f"{method} {path}: HTTP {r.status_code}: {message}")
    return r.json()


def cmd_deliveries(args: argparse.Namespace) -> int:
    config = _load(args.config)
    query = {k: v for k, v in (("status", args.status), ("endpoint", args.endpoint)) if v}
    query["limit"] = str(args.limit)
    try:
        rows = _admin(args, config, "GET", "/deliveries?" + httpx.QueryParams(query).__str__())
        rows = rows["deliveries"]
    except httpx.ConnectError:
        # The server is down: read the store directly (read-only) instead.
        print(f"dodo-transform: server not reachable; reading {config.server.database}",
              file=sys.stderr)
        rows = _read_store(config, args)
    except _Refused as e:
        if e.status != 403:
            raise
        # The admin API is off (no server.admin_token): the store tells the same story.
        print(f"dodo-transform: admin API disabled (no server.admin_token); reading "
              f"{config.server.database}", file=sys.stderr)
        rows = _read_store(config, args)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':>6}  {'status':<16} {'endpoint':<24} {'tries':>5}  last error")
    for d in rows:
        print(f"{d['id']:>6}  {d['status']:<16} {d['endpoint']:<24} {d['attempt_count']:>5}  "
              f"{(d['last_error'] or '')[:80]}")
    return 0


def _read_store(config: Config, args: argparse.Namespace) -> list[dict[str, Any]]:
    from .sqlite_store import SqliteStore

    if not Path(config.server.database).exists():
        raise _Exit(1, f"{config.server.database}: no store yet (run `dodo-transform serve`)")
    try:  # read-only: never migrate nor write a store another version may own
        store = SqliteStore(config.server.database, readonly=True)
        try:
            rows = store.list_deliveries(args.status, args.endpoint, args.limit)
        finally:
            store.close()
    except RuntimeError as e:
        raise _Exit(1, str(e)) from None
    except sqlite3.Error as e:
        raise _Exit(1, f"{config.server.database}: cannot read the store: {e}") from None
    return [d.to_dict() for d in rows]


def cmd_replay(args: argparse.Namespace) -> int:
    config = _load(args.config)
    try:
        out = _admin(args, config, "POST", f"/deliveries/{args.id}/replay")
    except httpx.ConnectError:
        raise _Exit(1, "server not reachable: replay needs `dodo-transform serve` running") \
            from None
    print(f"delivery {out['delivery_id']}: {out['status']}")
    return 0


def sample_text(event_type: str) -> str:
    from . import samples

    try:
        return samples.get(event_type).text
    except KeyError as e:
        raise _Exit(2, str(e.args[0])) from None


def cmd_send_sample(args: argparse.Namespace) -> int:
    from .signing import sign

    config = _load(args.config)
    ep = config.endpoints.get(args.endpoint)
    if ep is None:
        raise _Exit(2, f"{config.path}: no endpoint {args.endpoint!r}; configured: "
                       f"{', '.join(config.endpoints)}")
    body = sample_text(args.event_type)
    url = f"{_base_url(args, config)}/webhooks/{ep.name}"
    headers = {"Content-Type": "application/json", **sign(ep.secrets[0], body)}
    try:
        r = httpx.post(url, content=body.encode(), headers=headers, timeout=30)
    except httpx.ConnectError:
        raise _Exit(1, f"cannot reach {url}: is `dodo-transform serve` running?") from None
    try:
        out = r.json()
    except ValueError:
        out = {"error": r.text}
    if r.status_code >= 300:
        raise _Exit(1, f"POST {url}: HTTP {r.status_code}: {out.get('error', out)}")
    print(f"POST {url}: HTTP {r.status_code} {out.get('status')}; delivery "
          f"{out.get('delivery_id')} (dodo-transform deliveries / GET "
          f"/deliveries/{out.get('delivery_id')})")
    return 0


def _guard(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Expected failures print one line (``dodo-transform: ...``) and set the exit code."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except _Exit as e:
            print(f"dodo-transform: {e}", file=sys.stderr)
            return e.code

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dodo-transform")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
