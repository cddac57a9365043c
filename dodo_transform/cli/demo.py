"""``dodo-transform demo``: the whole flow on one machine, with no account and no internet.

Starts the MailerLite emulator (unless ``MAILERLITE_API_KEY`` is set: then the real API is
used), starts ``serve`` on the packaged ``examples/mailerlite.toml`` with a throw-away
store, posts signed built-in samples the way Dodo would, waits for their deliveries and
prints what MailerLite now holds.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from .. import samples
from ..hints import zero_decimal_warnings
from ..mailerlite.account import fetch_pages
from ..relay.config import Config, ConfigError, load_config
from ..relay.signing import sign
from ..relay.store import FINISHED
from ..serving import ServerThread
from .base import UsageError

# Package data, so that the demo runs from any directory with an installed wheel.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_CONFIG = EXAMPLES / "mailerlite.toml"
SEED = EXAMPLES / "mailerlite-seed.json"
MAILERLITE = "https://connect.mailerlite.com/"
# The story the demo tells: a payment, a second (JPY) customer, a subscription, then its end.
STORY = (
    "payment.succeeded",
    "payment.succeeded__jpy_zero_decimal_single_name_no_phone",
    "subscription.active",
    "subscription.cancelled",
)


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run the whole flow locally: emulator, server, signed samples, result",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    p.add_argument("--config", default=str(DEFAULT_CONFIG), help="default: %(default)s")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for deliveries")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env.setdefault(
        "DODO_WEBHOOK_SECRET", "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    )
    real = bool(env.get("MAILERLITE_API_KEY"))
    with _emulator(None if real else SEED) as emulator_url:
        if emulator_url:
            env["MAILERLITE_API_KEY"] = "demo-key"
            env["MAILERLITE_BASE_URL"] = emulator_url + "/"
            print(
                f"MailerLite: the local emulator at {emulator_url}/api, seeded from "
                f"{_rel(SEED)} (MAILERLITE_API_KEY is not set)"
            )
        else:
            print("MailerLite: the REAL API at connect.mailerlite.com (MAILERLITE_API_KEY is set)")
        try:
            config = load_config(args.config, env)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        with tempfile.TemporaryDirectory(prefix="dodo-transform-demo-") as tmp:
            server = dataclasses.replace(config.server, database=Path(tmp) / "demo.db")
            config = dataclasses.replace(config, server=server)
            with _server(config) as base:
                print(f"dodo-transform: serving {base}, config {_rel(Path(args.config))}\n")
                deliveries = _post_story(config, base, args.timeout)
            _print_deliveries(deliveries)
        api = (
            (emulator_url + "/api")
            if emulator_url
            else env.get("MAILERLITE_BASE_URL", MAILERLITE).rstrip("/") + "/api"
        )
        _print_mailerlite(api, env["MAILERLITE_API_KEY"], emulator_url)
    failed = [d for d in deliveries if d["status"] != "succeeded"]
    expected = [d for d in failed if d["endpoint"] == "mailerlite-as-published"]
    if failed and failed != expected:
        return 1
    return 0


def _post_story(config: Config, base: str, timeout: float) -> list[dict[str, Any]]:
    from ..relay.sqlite_store import SqliteStore

    store = SqliteStore(config.server.database)
    client = httpx.Client(timeout=30)  # one SSL context for every post, not one each
    out: list[dict[str, Any]] = []
    try:
        for name in STORY:
            sample = samples.get(name)
            targets = [ep for ep in config.endpoints.values() if ep.accepts(sample.event_type)]
            ids = []
            for ep in targets:
                headers = {"Content-Type": "application/json", **sign(ep.secrets[0], sample.text)}
                r = client.post(
                    f"{base}/webhooks/{ep.name}", content=sample.text.encode(), headers=headers
                )
                print(
                    f"  Dodo → POST /webhooks/{ep.name:<28} {sample.event_type:<24} "
                    f"HTTP {r.status_code} {r.json().get('status')}"
                )
                ids.append(r.json()["delivery_id"])
            # One event at a time, so that the story reads in order (a payment before the
            # subscription it belongs to); the server itself orders per subscriber only.
            for delivery_id in ids:
                out.append(_wait(store, delivery_id, name, timeout))
    finally:
        client.close()
        store.close()
    return out


def _wait(store: Any, delivery_id: int, sample: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        d = store.get_delivery(delivery_id)
        if d.status in FINISHED or time.monotonic() > deadline:
            attempts = store.attempts(delivery_id)
            last = attempts[-1] if attempts else None
            return {
                "id": d.id,
                "endpoint": d.endpoint,
                "sample": sample,
                "status": d.status,
                "attempts": len(attempts),
                "last_error": d.last_error,
                "request": last.request if last else None,
                "response": (last.status_code, last.response_body) if last else None,
            }
        time.sleep(0.05)


def _print_deliveries(deliveries: list[dict[str, Any]]) -> None:
    print("\nDeliveries (dodo-transform deliveries):")
    for d in deliveries:
        req = d["request"]
        line = f"  #{d['id']:<3} {d['endpoint']:<27} {d['status']:<17}"
        if req:
            line += f" {req['method']} {req['url']}"
        if d["response"]:
            code, body = d["response"]
            line += f" → {code}"
            if code and code >= 400 and body:
                line += f" {body}"
        elif d["last_error"]:
            line += f" {d['last_error']}"
        print(line)
        # What `test` would say of it: the document's handlers send ¥4,500 as 45.
        payload = json.loads(samples.get(d["sample"]).text)
        for w in zero_decimal_warnings(payload, req.get("body") if req else None):
            print(f"       warning [{w['code']}] {w['message']}")


def _print_mailerlite(api: str, key: str, emulator_url: str | None) -> None:
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    with httpx.Client(headers=headers, timeout=30) as client:
        groups = {g["id"]: g for g in fetch_pages(client, f"{api}/groups", headers)}
        fields = fetch_pages(client, f"{api}/fields", headers)
        emails = sorted({samples.get(n).payload["data"]["customer"]["email"] for n in STORY})
        subscribers = []
        for email in emails:
            r = client.get(f"{api}/subscribers/{quote(email)}", params={"include": "groups"})
            if r.status_code == 200:
                subscribers.append(r.json()["data"])
        if emulator_url:  # the emulator also tells group membership by id
            state = httpx.get(f"{emulator_url}/__emulator/state", timeout=30).json()
            member_of = {s["email"]: s.get("groups", []) for s in state["subscribers"]}
        else:
            member_of = {}
    print("\nWhat MailerLite now holds:")
    print("  Subscribers")
    if not subscribers:
        print("    (none of the demo's customers)")
    for s in subscribers:
        in_groups = member_of.get(s["email"]) or [g["id"] for g in s.get("groups", [])]
        names = [groups[g]["name"] if g in groups else g for g in in_groups]
        print(f"    {s['email']}  status={s['status']}  groups: {', '.join(names) or '-'}")
        set_fields = {k: v for k, v in s["fields"].items() if v is not None}
        for k, v in set_fields.items():
            print(f"      {k:<22} {json.dumps(v, ensure_ascii=False)}")
    print("  Groups")
    for g in groups.values():
        print(f"    {g['name']:<22} id {g['id']}  active {g.get('active_count', '?')}")
    print("  Custom fields")
    custom = [f for f in fields if not f.get("is_default")]
    print("    " + ", ".join(f"{f['key']} ({f['type']})" for f in custom))


@contextmanager
def _emulator(seed: Path | None) -> Iterator[str | None]:
    if seed is None:
        yield None
        return
    from ..mailerlite.emulator import create_app, load_seed

    app = create_app(api_key="demo-key", seed=load_seed(str(seed)))
    with ServerThread(app) as server:
        yield server.url


@contextmanager
def _server(config: Config) -> Iterator[str]:
    from ..relay.server import create_app

    with ServerThread(create_app(config), grace=config.server.shutdown_grace) as server:
        yield server.url


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
