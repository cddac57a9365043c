"""The operator's commands beside a running server: ``deliveries`` (and ``deliveries show
ID``), ``replay`` (one, or many by filter), ``cancel``, ``endpoints`` (and ``endpoints
enable NAME``), ``send-sample``.

They talk to the admin API and read only ``[server]`` of the config, so they work without the
endpoints' webhook secrets in the environment (``send-sample`` alone signs, so it needs
them). The read-only ones, ``deliveries`` and ``deliveries show``, read the store itself
(read-only) when the server is down or its admin API is off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from ..relay.config import ConfigError, ServerConfig, load_secrets, load_server_config
from ..relay.query import parse_id
from ..relay.store import FINISHED
from .base import CliError, UsageError, add_config_option

__all__ = ["add_commands"]


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "deliveries",
        help="list deliveries of the running server (`deliveries show ID` for one)",
        description="List deliveries, newest first; `deliveries show ID` shows one with its "
        "attempts and transform output.",
    )
    add_config_option(p)
    _url_option(p)
    _filter_options(p)
    p.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    p.add_argument("--json", action="store_true", help="print the rows as a JSON array")
    p.set_defaults(func=cmd_deliveries)
    sub = p.add_subparsers(dest="action", metavar="show ID")
    show = sub.add_parser("show", help="one delivery: event, transform, every attempt")
    _inherited_options(show)
    show.add_argument("id", type=_delivery_id, help="delivery id (see `deliveries`)")
    show.set_defaults(func=cmd_show)

    p = subparsers.add_parser(
        "replay",
        help="deliver again: one delivery by id, or in bulk by --status and more filters",
        description="Replay one delivery (ID), or in bulk every delivery matching the filters "
        "(--status is required then; the count is shown and confirmed first).",
    )
    add_config_option(p)
    _url_option(p)
    p.add_argument("id", type=_delivery_id, nargs="?", help="delivery id (see `deliveries`)")
    _filter_options(p)
    p.add_argument("--wait", action="store_true", help="wait for the outcome and print it")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds --wait waits at most")
    p.add_argument("--yes", action="store_true", help="bulk: replay without asking")
    p.set_defaults(func=cmd_replay)

    p = subparsers.add_parser("cancel", help="cancel a pending delivery (it is never sent)")
    add_config_option(p)
    _url_option(p)
    p.add_argument("id", type=_delivery_id, help="delivery id")
    p.set_defaults(func=cmd_cancel)

    p = subparsers.add_parser(
        "endpoints", help="endpoints of the running server (`endpoints enable NAME`)"
    )
    add_config_option(p)
    _url_option(p)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_endpoints)
    sub = p.add_subparsers(dest="action", metavar="enable NAME")
    enable = sub.add_parser("enable", help="enable an endpoint disabled after failing")
    _inherited_options(enable)
    enable.add_argument("name", help="endpoint name")
    enable.set_defaults(func=cmd_enable)

    p = subparsers.add_parser(
        "send-sample", help="sign a built-in sample event and post it to the server"
    )
    add_config_option(p)
    _url_option(p)
    p.add_argument("event_type", metavar="EVENT_TYPE", help="e.g. payment.succeeded")
    p.add_argument("--endpoint", required=True, help="endpoint name from the config")
    p.set_defaults(func=cmd_send_sample)


def _inherited_options(p: argparse.ArgumentParser) -> None:
    """The parent command's --config, --url and --json, accepted after the subcommand too
    (argparse would otherwise let the subcommand's defaults replace values given before)."""
    p.add_argument("--config", default=argparse.SUPPRESS, help="as for the parent command")
    p.add_argument("--url", default=argparse.SUPPRESS, help="as for the parent command")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")


def _delivery_id(text: str) -> int:
    """A delivery id as the store holds them (a 40-digit number would overflow SQLite)."""
    value = parse_id(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a delivery id (digits, e.g. 42)")
    return value


def _url_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="server URL (default: from the config's host and port)")


def _filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--status", help="only this status (pending, failed, ...)")
    p.add_argument("--endpoint", help="only this endpoint")
    p.add_argument("--event", dest="event_type", help="only this event type")
    p.add_argument("--since", help="received at or after: 2h, 7d, 2026-12-01T08:00Z, ...")
    p.add_argument("--until", help="received before (same forms as --since)")
    p.add_argument("--customer", dest="customer_email", help="only this customer's email")


def _filters(args: argparse.Namespace) -> dict[str, str]:
    names = ("status", "endpoint", "event_type", "since", "until", "customer_email")
    return {k: str(getattr(args, k)) for k in names if getattr(args, k, None)}


class _Refused(CliError):
    """The server answered an admin request with an HTTP error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _server(args: argparse.Namespace) -> ServerConfig:
    try:
        return load_server_config(args.config)
    except ConfigError as e:
        raise UsageError(str(e)) from None


def _base_url(args: argparse.Namespace, server: ServerConfig) -> str:
    if args.url:
        return str(args.url).rstrip("/")
    host = server.host
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server.port}"


def _admin(
    args: argparse.Namespace,
    server: ServerConfig,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
) -> Any:
    headers = {}
    if server.admin_token:
        headers["Authorization"] = f"Bearer {server.admin_token}"
    r = httpx.request(
        method,
        _base_url(args, server) + path,
        headers=headers,
        params=params,
        json=body,
        timeout=30,
    )
    if r.status_code >= 400:
        try:
            message = r.json().get("error", r.text)
        except ValueError:
            message = r.text
        raise _Refused(r.status_code, f"{method} {path}: HTTP {r.status_code}: {message}")
    return r.json()


def _reading(server: ServerConfig, why: str) -> None:
    from ..relay.config import redact_url

    where = redact_url(server.database_url) if server.database_url else server.database
    print(f"dodo-transform: {why}; reading {where}", file=sys.stderr)


def _offline(server: ServerConfig, e: Exception) -> None:
    """Say why the store is read directly, or re-raise what the store cannot answer."""
    if isinstance(e, httpx.ConnectError):
        _reading(server, "server not reachable")
    elif isinstance(e, _Refused) and e.status == 403:
        # The admin API is off (no server.admin_token): the store tells the same story.
        _reading(server, "admin API disabled (no server.admin_token)")
    else:
        raise e


def cmd_deliveries(args: argparse.Namespace) -> int:
    server = _server(args)
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be 1..1000")
    params = {**_filters(args), "limit": str(args.limit)}
    try:
        rows = _admin(args, server, "GET", "/deliveries", params=params)["deliveries"]
    except (httpx.ConnectError, _Refused) as e:
        _offline(server, e)
        rows = _read_store(server, lambda store, now: _search(store, params, now, args.limit))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    # As wide as the longest name shown: the columns after it stay in line.
    w = max([22, *(len(d["endpoint"]) for d in rows)])
    print(
        f"{'id':>6}  {'received (UTC)':<20} {'endpoint':<{w}} {'event type':<26} "
        f"{'status':<16} {'http':>4} {'tries':>5}  last error"
    )
    for d in rows:
        http = str(d.get("http_status") or "-")
        print(
            f"{d['id']:>6}  {_when(d['created_at']):<20} {d['endpoint']:<{w}} "
            f"{d.get('event_type') or '-':<26} {d['status']:<16} {http:>4} "
            f"{d['attempt_count']:>5}  {(d['last_error'] or '')[:60]}"
        )
    return 0


def _search(store: Any, params: dict[str, str], now: float, limit: int) -> list[dict[str, Any]]:
    from ..relay.operations import listed_dict
    from ..relay.query import QueryError, parse_query

    try:
        query = parse_query(params, now)
    except QueryError as e:
        raise UsageError(str(e)) from None
    return [listed_dict(row) for row in store.search(query, limit)]


def _read_store(server: ServerConfig, read: Any) -> Any:
    if server.database_url:
        return _read_postgres(server, read)
    from ..relay.sqlite_store import SqliteStore

    if not Path(server.database).exists():
        raise CliError(f"{server.database}: no store yet (run `dodo-transform serve`)")
    try:  # read-only: never migrate nor write a store another version may own
        store = SqliteStore(server.database, readonly=True)
        try:
            return read(store, time.time())
        finally:
            store.close()
    except RuntimeError as e:
        raise CliError(str(e)) from None
    except sqlite3.Error as e:
        raise CliError(f"{server.database}: cannot read the store: {e}") from None


def cmd_show(args: argparse.Namespace) -> int:
    server = _server(args)
    try:
        d = _admin(args, server, "GET", f"/deliveries/{args.id}")
    except (httpx.ConnectError, _Refused) as e:
        if isinstance(e, _Refused) and e.status == 404:
            raise CliError(f"no delivery {args.id}") from None
        _offline(server, e)
        d = _read_store(server, lambda store, _now: _detail(store, args.id))
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    _print_detail(d)
    return 0


def _detail(store: Any, delivery_id: int) -> dict[str, Any]:
    from ..relay.operations import DETAIL_ATTEMPTS

    d = store.get_delivery(delivery_id)
    if d is None:
        raise CliError(f"no delivery {delivery_id}")
    event = store.get_event(d.event_id)
    out: dict[str, Any] = d.to_dict()
    out["handler_version"] = (d.transform or {}).get("handler_version")
    out["event"] = None
    if event is not None:
        out["event"] = event.to_dict()
    # As the admin API answers it: the latest attempts (see relay/operations.py).
    rows = store.attempts(d.id, limit=DETAIL_ATTEMPTS)
    out["attempts"] = [a.to_dict() for a in rows]
    out["attempts_cursor"] = str(rows[0].n) if rows and rows[0].n > 1 else None
    return out


def _print_detail(d: dict[str, Any]) -> None:
    event = d.get("event") or {}
    print(f"delivery {d['id']}  {d['status']}  endpoint {d['endpoint']}")
    print(f"  event       {event.get('event_type') or '-'}  webhook-id {event.get('webhook_id')}")
    print(f"  received    {_when(d['created_at'])}")
    print(f"  attempts    {d['attempt_count']}")
    if d["status"] == "pending" and d.get("next_attempt_at"):
        print(f"  next try    {_when(d['next_attempt_at'])}")
    if d.get("handler_version"):
        print(f"  handler     version {d['handler_version']}")
    if d.get("last_error"):
        print(f"  last error  {d['last_error']}")
    transform = d.get("transform") or {}
    if transform:
        print(f"transform: {transform.get('status')} in {transform.get('duration_ms')} ms")
        error = transform.get("error")
        if error:
            where = (
                f" (line {error['line']}, column {error['column']})" if error.get("line") else ""
            )
            print(f"  error  {error['kind']}: {error['message']}{where}")
        for w in transform.get("warnings") or []:
            print(f"  warning [{w.get('code')}] {w.get('message')}")
        for line in transform.get("logs") or []:
            print(f"  console.{line['level']}: {line['message']}")
    shown = d.get("attempts") or []
    if d.get("attempts_cursor"):
        print(
            f"(the latest {len(shown)} of {d['attempt_count']} attempts; the older ones: "
            f"GET /deliveries/{d['id']}?attempts_cursor={d['attempts_cursor']})"
        )
    for a in shown:
        status = f"HTTP {a['status_code']}" if a["status_code"] is not None else "no answer"
        print(f"attempt {a['n']}  {_when(a['started_at'])}  {status}  {a['duration_ms']:.1f} ms")
        request = a.get("request") or {}
        if request:
            print(f"  {request.get('method')} {request.get('url')}")
            key = (request.get("headers") or {}).get("Idempotency-Key")
            if key:  # what the target dedupes on (docs/delivery.md)
                print(f"  key       {key}")
        if a.get("error"):
            print(f"  error     {a['error']}")
        if a.get("response_body"):
            print(f"  response  {a['response_body'][:500]}")


class _Blocking:
    """An async store's reads, called as a synchronous store's (what ``read`` callbacks use)."""

    def __init__(self, store: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._store, self._loop = store, loop

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        return lambda *a, **k: self._loop.run_until_complete(method(*a, **k))


def _read_postgres(server: ServerConfig, read: Any) -> Any:
    from ..relay.config import redact_url
    from ..relay.postgres_store import PostgresStore, StoreUnavailable

    url = server.database_url or ""
    loop = asyncio.new_event_loop()
    try:  # never migrates: a reader refuses another schema version instead
        store = loop.run_until_complete(PostgresStore.open(url, min_size=1, migrate=False))
        try:
            return read(_Blocking(store, loop), time.time())
        finally:
            loop.run_until_complete(store.aclose())
    except StoreUnavailable as e:
        raise CliError(f"{redact_url(url)}: {e}") from None
    finally:
        loop.close()


def cmd_replay(args: argparse.Namespace) -> int:
    server = _server(args)
    filters = _filters(args)
    if args.id is not None and filters:
        raise UsageError("give a delivery id or filters (--status ...), not both")
    if args.id is None and not filters:
        raise UsageError("give a delivery id, or --status (and more filters) to replay in bulk")
    try:
        if args.id is None:
            return _bulk(args, server, filters)
        out = _admin(args, server, "POST", f"/deliveries/{args.id}/replay")
        print(f"delivery {out['delivery_id']}: {out['status']}")
        if args.wait:
            return _wait_one(args, server, out["delivery_id"])
        return 0
    except httpx.ConnectError:
        raise CliError(
            "server not reachable: replay needs `dodo-transform serve` running"
        ) from None


def _polled(args: argparse.Namespace, server: ServerConfig, path: str, deadline: float) -> Any:
    """GET ``path`` while waiting: a store that is briefly unavailable (503) is waited out."""
    while True:
        try:
            return _admin(args, server, "GET", path)
        except _Refused as e:
            if e.status != 503 or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _wait_one(args: argparse.Namespace, server: ServerConfig, delivery_id: int) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        d = _polled(args, server, f"/deliveries/{delivery_id}", deadline)
        if d["status"] in FINISHED:
            last = (d.get("attempts") or [{}])[-1]
            code = last.get("status_code")
            answer = f" (HTTP {code})" if code is not None else ""
            error = f": {d['last_error']}" if d.get("last_error") else ""
            print(f"delivery {delivery_id}: {d['status']}{answer}{error}")
            return 0 if d["status"] == "succeeded" else 1
        if time.monotonic() > deadline:
            raise CliError(
                f"delivery {delivery_id} is still {d['status']} after {args.timeout:g} s"
                + (f" (next try {_when(d['next_attempt_at'])})" if d.get("next_attempt_at") else "")
            )
        time.sleep(0.2)


def _bulk(args: argparse.Namespace, server: ServerConfig, filters: dict[str, str]) -> int:
    if "status" not in filters:
        raise UsageError("a bulk replay needs --status (e.g. --status failed)")
    counted = _admin(args, server, "POST", "/replays", body={**filters, "dry_run": True})
    count = counted["count"]
    shown = ", ".join(f"{k}={v}" for k, v in filters.items())
    if count == 0:
        print(f"no delivery matches {shown}")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{count} deliveries match {shown}; add --yes to replay them")
        answer = input(f"Replay {count} deliveries matching {shown}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing replayed")
            return 1
    job = _admin(
        args, server, "POST", "/replays", body={**filters, "cursor": counted["cursor"] or ""}
    )
    print(f"bulk replay {job['id']}: {job['total']} deliveries pending again", end="")
    print(f", {len(job['refused'])} refused" if job["refused"] else "")
    for delivery_id, why in job["refused"].items():
        print(f"  {delivery_id}: {why}")
    if not args.wait:
        return 0
    deadline = time.monotonic() + args.timeout
    while not job["done"]:
        if time.monotonic() > deadline:
            raise CliError(f"bulk replay {job['id']}: {job['finished']} of {job['total']} done")
        time.sleep(0.2)
        job = _polled(args, server, f"/replays/{job['id']}", deadline)
    outcome = ", ".join(f"{n} {status}" for status, n in sorted(job["by_status"].items()))
    print(f"bulk replay {job['id']}: {outcome}")
    return 0 if set(job["by_status"]) <= {"succeeded"} else 1


def cmd_cancel(args: argparse.Namespace) -> int:
    server = _server(args)
    try:
        out = _admin(args, server, "POST", f"/deliveries/{args.id}/cancel")
    except httpx.ConnectError:
        raise CliError("server not reachable: cancel needs `dodo-transform serve`") from None
    print(f"delivery {out['delivery_id']}: {out['status']}")
    return 0


def cmd_endpoints(args: argparse.Namespace) -> int:
    server = _server(args)
    try:
        endpoints = _admin(args, server, "GET", "/endpoints")["endpoints"]
    except httpx.ConnectError:
        raise CliError("server not reachable: endpoints needs `dodo-transform serve`") from None
    if args.json:
        print(json.dumps(endpoints, indent=2))
        return 0
    w = max([24, *(len(e["name"]) for e in endpoints)])
    print(
        f"{'endpoint':<{w}} {'state':<9} {'handler':<13} {'queue':>5} {'1h ok':>6} "
        f"{'cpu s':>8}  last error"
    )
    for e in endpoints:
        rate = e["last_hour"]["success_rate"]
        cpu = e.get("transform", {}).get("cpu_seconds")  # a server from before the stage: none
        print(
            f"{e['name']:<{w}} {'disabled' if e['disabled_at'] else 'enabled':<9} "
            f"{e['handler']['version']:<13} {e['queue_depth']:>5} "
            f"{'-' if rate is None else f'{rate:.0%}':>6} "
            f"{'-' if cpu is None else f'{cpu:.2f}':>8}  {(e['last_error'] or '')[:60]}"
        )
        if e["handler"]["error"]:
            print(f"{'':<{w}} handler file refused: {e['handler']['error']}")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    server = _server(args)
    try:
        out = _admin(args, server, "POST", f"/endpoints/{args.name}/enable")
    except httpx.ConnectError:
        raise CliError("server not reachable: enable needs `dodo-transform serve`") from None
    state = "enabled again" if out["was_disabled"] else "was not disabled"
    print(f"endpoint {out['endpoint']}: {state}")
    return 0


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def sample_text(event_type: str) -> str:
    from .. import samples

    try:
        return samples.get(event_type).text
    except KeyError as e:
        raise UsageError(str(e.args[0])) from None


def cmd_send_sample(args: argparse.Namespace) -> int:
    from ..relay.signing import sign

    # Only the secrets: signing needs nothing else of the endpoints (not the variables of
    # their headers, which serve needs and the person sending a sample may not have set).
    try:
        server, secrets = load_secrets(args.config, args.endpoint)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    body = sample_text(args.event_type)
    url = f"{_base_url(args, server)}/webhooks/{args.endpoint}"
    headers = {"Content-Type": "application/json", **sign(secrets[0], body)}
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
