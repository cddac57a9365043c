"""The operator's commands beside a running server: ``deliveries``, ``replay``,
``send-sample``. They talk to the admin API; ``deliveries`` reads the store itself (read-only)
when the server is down or its admin API is off."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import httpx

from ..relay.config import Config
from .base import CliError, UsageError, add_config_option, load

__all__ = ["add_commands"]


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("deliveries", help="list deliveries of the running server")
    add_config_option(p)
    _url_option(p)
    p.add_argument("--status", help="only this status (pending, failed, ...)")
    p.add_argument("--endpoint", help="only this endpoint")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_deliveries)

    p = subparsers.add_parser("replay", help="re-run a delivery's transform and deliver it")
    add_config_option(p)
    _url_option(p)
    p.add_argument("id", type=int, help="delivery id (see `deliveries`)")
    p.set_defaults(func=cmd_replay)

    p = subparsers.add_parser(
        "send-sample", help="sign a built-in sample event and post it to the server"
    )
    add_config_option(p)
    _url_option(p)
    p.add_argument("event_type", metavar="EVENT_TYPE", help="e.g. payment.succeeded")
    p.add_argument("--endpoint", required=True, help="endpoint name from the config")
    p.set_defaults(func=cmd_send_sample)


def _url_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="server URL (default: from the config's host and port)")


class _Refused(CliError):
    """The server answered an admin request with an HTTP error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _base_url(args: argparse.Namespace, config: Config) -> str:
    if args.url:
        return str(args.url).rstrip("/")
    host = config.server.host
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.server.port}"


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
    config = load(args.config)
    query = {k: v for k, v in (("status", args.status), ("endpoint", args.endpoint)) if v}
    query["limit"] = str(args.limit)
    try:
        rows = _admin(args, config, "GET", "/deliveries?" + httpx.QueryParams(query).__str__())
        rows = rows["deliveries"]
    except httpx.ConnectError:
        # The server is down: read the store directly (read-only) instead.
        print(
            f"dodo-transform: server not reachable; reading {config.server.database}",
            file=sys.stderr,
        )
        rows = _read_store(config, args)
    except _Refused as e:
        if e.status != 403:
            raise
        # The admin API is off (no server.admin_token): the store tells the same story.
        print(
            f"dodo-transform: admin API disabled (no server.admin_token); reading "
            f"{config.server.database}",
            file=sys.stderr,
        )
        rows = _read_store(config, args)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':>6}  {'status':<16} {'endpoint':<24} {'tries':>5}  last error")
    for d in rows:
        print(
            f"{d['id']:>6}  {d['status']:<16} {d['endpoint']:<24} {d['attempt_count']:>5}  "
            f"{(d['last_error'] or '')[:80]}"
        )
    return 0


def _read_store(config: Config, args: argparse.Namespace) -> list[dict[str, Any]]:
    from ..relay.sqlite_store import SqliteStore

    if not Path(config.server.database).exists():
        raise CliError(f"{config.server.database}: no store yet (run `dodo-transform serve`)")
    try:  # read-only: never migrate nor write a store another version may own
        store = SqliteStore(config.server.database, readonly=True)
        try:
            rows = store.list_deliveries(args.status, args.endpoint, args.limit)
        finally:
            store.close()
    except RuntimeError as e:
        raise CliError(str(e)) from None
    except sqlite3.Error as e:
        raise CliError(f"{config.server.database}: cannot read the store: {e}") from None
    return [d.to_dict() for d in rows]


def cmd_replay(args: argparse.Namespace) -> int:
    config = load(args.config)
    try:
        out = _admin(args, config, "POST", f"/deliveries/{args.id}/replay")
    except httpx.ConnectError:
        raise CliError(
            "server not reachable: replay needs `dodo-transform serve` running"
        ) from None
    print(f"delivery {out['delivery_id']}: {out['status']}")
    return 0


def sample_text(event_type: str) -> str:
    from .. import samples

    try:
        return samples.get(event_type).text
    except KeyError as e:
        raise UsageError(str(e.args[0])) from None


def cmd_send_sample(args: argparse.Namespace) -> int:
    from ..relay.signing import sign

    config = load(args.config)
    ep = config.endpoints.get(args.endpoint)
    if ep is None:
        raise UsageError(
            f"{config.path}: no endpoint {args.endpoint!r}; configured: "
            f"{', '.join(config.endpoints)}"
        )
    body = sample_text(args.event_type)
    url = f"{_base_url(args, config)}/webhooks/{ep.name}"
    headers = {"Content-Type": "application/json", **sign(ep.secrets[0], body)}
    try:
        r = httpx.post(url, content=body.encode(), headers=headers, timeout=30)
    except httpx.ConnectError:
        raise CliError(f"cannot reach {url}: is `dodo-transform serve` running?") from None
    try:
        out = r.json()
    except ValueError:
        out = {"error": r.text}
    if r.status_code >= 300:
        raise CliError(f"POST {url}: HTTP {r.status_code}: {out.get('error', out)}")
    print(
        f"POST {url}: HTTP {r.status_code} {out.get('status')}; delivery "
        f"{out.get('delivery_id')} (dodo-transform deliveries / GET "
        f"/deliveries/{out.get('delivery_id')})"
    )
    return 0
