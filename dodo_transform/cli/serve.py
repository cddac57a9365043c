"""``dodo-transform serve``: receive Dodo's webhooks and deliver them durably."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sqlite3
import sys
from collections.abc import Iterator
from types import FrameType

from .. import analysis
from ..relay.config import Config
from ..relay.logs import LEVELS, configure_logging, flush_logs
from ..relay.transformer import TransformStage, default_threads
from ..sandbox import engine
from .base import UsageError, add_config_option, listen, load

__all__ = ["add_commands", "cmd_serve"]


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("serve", help="receive Dodo webhooks and deliver them durably")
    add_config_option(p)
    p.add_argument("--host", help="listen address (default: server.host)")
    p.add_argument("--port", type=int, help="listen port (default: server.port)")
    p.add_argument(
        "--log-level",
        choices=LEVELS,
        default="info",
        help="least severe log line shown (default: info: one line per webhook and attempt)",
    )
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text for people, json for log shippers (one JSON object per line)",
    )
    p.add_argument(
        "--role",
        choices=["all", "ingest", "worker"],
        default="all",
        help="all: receive and deliver (default); ingest: only receive; worker: only deliver. "
        "On SQLite one process delivers (all or worker) and any number may ingest beside it; "
        "on PostgreSQL any number of each",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..console import mount_console
    from ..relay.server import create_app, describe_store
    from ..serving import HttpProtocol

    config = load(args.config)
    if not engine.using_c_api() and not config.server.allow_fallback_engine:
        raise UsageError(
            f"{config.path}: the sandbox would run on the fallback engine "
            f"({engine.fallback_reason()}), whose limits are weaker; set [server] "
            "allow_fallback_engine = true to serve on it anyway"
        )
    host = args.host or config.server.host
    port = config.server.port if args.port is None else args.port
    folder = config.server.database.parent
    if not config.server.database_url and not folder.is_dir():
        raise UsageError(
            f"{config.path}: server.database: {config.server.database}: the folder {folder} "
            "does not exist; create it, or fix the path (a relative one is read from the "
            "config's folder)"
        )
    if args.role != "ingest" and not config.server.database_url:
        _hold_delivery(config)  # first: a refused process must not migrate the file under it
    _check_store(config)
    stage = _start_sandboxes(config) if args.role != "ingest" else None
    # Bind before saying "serving": a busy port is one line and exit 2, not a banner followed
    # by uvicorn's error. uvicorn then serves on this very socket.
    sock = listen(host, port)
    port = int(sock.getsockname()[1])  # the real one when --port 0
    routes = (
        "no webhooks: --role worker only delivers"
        if args.role == "worker"
        else ", ".join(f"POST /webhooks/{name}" for name in config.endpoints)
    )
    shown = f"[{host}]" if ":" in host else host
    print(
        f"dodo-transform: serving http://{shown}:{port} ({routes}); store "
        f"{describe_store(config)}; role {args.role}",
        flush=True,
    )
    count = config.server.sandbox_threads or default_threads()
    isolation = config.server.sandbox_isolation
    kind = {"process": "processes", "thread": "threads"}[isolation] if count != 1 else isolation
    sandboxes = f"{count} sandbox {kind}"
    if args.role == "ingest":  # it transforms nothing but what the admin API asks it to
        sandboxes += ", started when /api/test or simulate first asks for one"
    print(f"dodo-transform: sandbox engine: {engine.describe()}; {sandboxes}", flush=True)
    if args.role == "ingest" and not config.server.database_url:
        from ..relay.sqlite_store import delivering_process

        if delivering_process(config.server.database) is None:
            print(
                f"dodo-transform: warning: no process delivers from {config.server.database} "
                "yet: webhooks are stored and wait for one; start serve with --role worker "
                "(or all) on the same config",
                flush=True,
            )
    for name, ep in config.endpoints.items():
        # What the source alone tells (ids rounded at compile time, object literals V8 builds
        # differently): said once here, since no `test` run may ever show it.
        for w in analysis.source_warnings(ep.handler.source, str(ep.handler_path)):
            print(
                f"dodo-transform: warning: endpoint {name}: [{w['code']}] {w['path']}: "
                f"{w['message']}",
                flush=True,
            )
    if config.server.admin_token:
        print(
            f"dodo-transform: console http://{shown}:{port}/ui/ (sign in with the admin token)",
            flush=True,
        )
    configure_logging(args.log_level, args.log_format)
    app = create_app(config, role=args.role, stage=stage)
    mount_console(app)
    live = app.state.dodo.live

    # The event loop and the threads beside it (the store's, each sandbox's: a thread of its
    # own or the one talking to its process) hand work back and forth many times per delivery;
    # with Python's default 5 ms switch interval the loop can wait that long for the GIL each
    # time. 0.5 ms raised one customer's burst from ~430 to ~580 deliveries/s in
    # bench/delivery.py (sandbox threads, 2026-12-01) and changed nothing for a spread backlog.
    sys.setswitchinterval(0.0005)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            live.close_threadsafe()  # the console's open streams end now, not at the timeout
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    # uvicorn re-raises the signal that stopped it as this block exits, and
                    # the process ends without atexit: the queued log lines go out first.
                    flush_logs()

    server = Server(
        uvicorn.Config(
            app,
            http=HttpProtocol,
            log_config=None,  # configure_logging() above; uvicorn would replace its handlers
            log_level=args.log_level,
            access_log=False,  # one line per webhook comes from the relay's own log
            timeout_graceful_shutdown=int(config.server.shutdown_grace) + 5,
        )
    )
    # What is imported and built by now lives as long as the process. Python's full
    # collections walked those ~55,000 objects in 25-50 ms of CPU each, every few seconds
    # under load, and the event loop answered nothing meanwhile; frozen, they are not walked
    # again (the later objects are: a few thousand, a few ms).
    gc.collect()
    gc.freeze()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0 if server.started else 3  # 3: the app did not start (as uvicorn.run)


# What holds this process's delivery lock on an SQLite store, for as long as it lives.
_delivery_lock: list[int] = []


def _hold_delivery(config: Config) -> None:
    """Be the one process that delivers from the SQLite file, or say who is (exit 2)."""
    from ..relay.sqlite_store import DeliveryLockHeld, hold_delivery

    path = config.server.database
    try:
        _delivery_lock.append(hold_delivery(path))
    except DeliveryLockHeld as e:
        raise UsageError(
            f"{config.path}: server.database: {path} is delivered from by another serve "
            f"process ({e}); an SQLite store has one delivering process. Start this one with "
            '--role ingest to receive beside it, or set database = "postgresql://…" to run '
            "several workers"
        ) from None
    except OSError as e:
        raise UsageError(f"{config.path}: server.database: {path}: {e}") from None


def _start_sandboxes(config: Config) -> TransformStage | None:
    """Start the sandbox processes now, for the app to use, so a machine where none can start
    (a broken install, a process limit) is one line and exit 2, not a traceback from the
    server's start-up. Sandbox threads start with the app."""
    if config.server.sandbox_isolation != "process":
        return None
    from ..sandbox import SandboxProcessError

    try:
        return TransformStage.for_config(config.server, lambda: config.endpoints)
    except SandboxProcessError as e:
        raise UsageError(
            f'{config.path}: server.sandbox_isolation: {e}; sandbox_isolation = "thread" '
            "runs handlers in serve's own process instead"
        ) from None


def _check_store(config: Config) -> None:
    """Open (and create or migrate) the store now, so a bad path, an unreachable database or
    a damaged SQLite file (``PRAGMA quick_check``) is one line and exit 2, not a traceback
    from the server's start-up."""
    if config.server.database_url:
        from ..relay.config import redact_url
        from ..relay.postgres_store import PostgresStore, StoreUnavailable

        async def probe() -> None:
            store = await PostgresStore.open(config.server.database_url or "", min_size=1)
            await store.aclose()

        try:
            asyncio.run(probe())
        except StoreUnavailable as e:
            raise UsageError(
                f"{config.path}: server.database: {redact_url(config.server.database_url)}: {e}"
            ) from None
        return
    from ..relay.sqlite_store import SqliteStore, is_damage

    path = config.server.database
    try:
        store = SqliteStore(path)
        try:
            damage = store.damage()
        finally:
            store.close()
    except sqlite3.Error as e:
        if not is_damage(e):
            raise UsageError(f"{config.path}: server.database: {path}: {e}") from None
        damage = str(e)
    except RuntimeError as e:
        raise UsageError(f"{config.path}: server.database: {path}: {e}") from None
    if damage is not None:
        # Serving on it would acknowledge webhooks into a file that may lose them.
        raise UsageError(
            f"{config.path}: server.database: {path} is damaged ({damage}); restore it from "
            f"a backup, or move it aside (mv {path} {path}.damaged) to start with an empty "
            "store and recover rows from the old file with sqlite3's .recover"
        )
