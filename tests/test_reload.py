"""Live handler reload: a running server picks up an edited handler file by itself, keeps the
old code when the new file is broken (and says so), records on each delivery the handler
version it ran, and reloads its whole config on SIGHUP."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import httpx
from helpers_servers import HTTP, SECRET, ServeProcess, Target, free_port, write_config

from dodo_transform import samples
from dodo_transform.console import mount_console
from dodo_transform.relay.config import load_config
from dodo_transform.relay.handlers import Handlers, Looks, handler_version
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread
from dodo_transform.transform import Handler

ADMIN = {"Authorization": "Bearer admin-token"}
V1 = "function handler(w) { w.payload = {v: 1}; return w; }\n"
V2 = "function handler(w) { w.payload = {v: 2}; return w; }\n"
BROKEN = "function handler(w) { return w\n"


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def post(url: str, endpoint: str = "test") -> httpx.Response:
    body = samples.get("payment.succeeded").text.encode()
    return HTTP.post(f"{url}/webhooks/{endpoint}", content=body, headers=sign(SECRET, body))


def handler_info(url: str) -> dict:
    return HTTP.get(f"{url}/endpoints", headers=ADMIN).json()["endpoints"][0]["handler"]


def test_an_edited_handler_runs_on_the_next_event_and_a_broken_one_changes_nothing(
    tmp_path: Path,
) -> None:
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url, handler=V1))
        app = create_app(config)
        mount_console(app)
        with ServerThread(app) as server:
            first = post(server.url).json()["delivery_id"]
            wait_for(lambda: len(target.received) == 1)
            assert json.loads(target.received[0].body) == {"v": 1}

            (tmp_path / "handler.js").write_text(V2)  # an edit, no restart, no replay
            v2 = handler_version(Handler(V2))
            wait_for(lambda: handler_info(server.url)["version"] == v2)
            second = post(server.url).json()["delivery_id"]
            wait_for(lambda: len(target.received) == 2)
            assert json.loads(target.received[1].body) == {"v": 2}

            (tmp_path / "handler.js").write_text(BROKEN)
            wait_for(lambda: handler_info(server.url)["error"] is not None)
            info = handler_info(server.url)
            assert info["version"] == v2 and "syntax_error" in info["error"]
            third = post(server.url).json()["delivery_id"]
            wait_for(lambda: len(target.received) == 3)
            assert json.loads(target.received[2].body) == {"v": 2}  # the old code works on
            page = HTTP.get(f"{server.url}/ui/endpoints", headers=ADMIN).text
            assert "Handler file refused" in page and "syntax_error" in page

            def version(delivery_id: int) -> str:
                r = HTTP.get(f"{server.url}/deliveries/{delivery_id}", headers=ADMIN)
                return str(r.json()["handler_version"])

            v1 = handler_version(Handler(V1))
            assert [version(d) for d in (first, second, third)] == [v1, v2, v2]

            (tmp_path / "handler.js").write_text(V1)  # fixed: the error goes away
            wait_for(
                lambda: handler_info(server.url) == {**handler_info(server.url), "error": None}
            )
            assert handler_info(server.url)["version"] == v1


def test_sighup_reloads_the_config_and_a_broken_config_keeps_the_running_one(
    tmp_path: Path,
) -> None:
    with Target() as target:
        path = write_config(tmp_path, target.url)
        server = ServeProcess(path, free_port())
        try:
            server.start()
            assert post(server.url, "second").status_code == 404
            good = path.read_text()
            second = (
                good.split("[endpoints.headers]")[0].replace('name = "test"', 'name = "second"')
                + "\n"
            )
            path.write_text(good + "\n[[endpoints]]" + second.split("[[endpoints]]", 1)[1])
            server.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: post(server.url, "second").status_code == 202)
            wait_for(lambda: len(target.received) == 1)

            path.write_text(good + "\n[server]\nport = 1\n")  # invalid TOML: a table twice
            server.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "config not reloaded" in server.stderr_text())
            assert post(server.url, "second").status_code == 202  # still the last good one
            assert server.proc.poll() is None
        finally:
            server.stop()


def test_a_change_loads_once_the_file_holds_still_for_one_look() -> None:
    a, b = Path("a.js"), Path("b.js")
    looks = Looks()
    assert looks.look({a: (1, 10, 7, 1), b: (1, 10, 8, 1)}) == set()  # first seen: as loaded
    assert looks.look({a: (2, 4, 7, 1), b: (1, 10, 8, 1)}) == set()  # a is being written
    assert looks.look({a: (3, 20, 7, 1), b: (1, 10, 8, 1)}) == set()  # ... still
    assert looks.look({a: (3, 20, 7, 1), b: (1, 10, 8, 1)}) == {a}  # held still: load it
    assert looks.look({a: (3, 20, 7, 1), b: (1, 10, 8, 1)}) == set()  # loaded, unchanged
    assert looks.look({a: (3, 20, 7, 1), b: None}) == set()  # b deleted (or mid-rename)...
    assert looks.look({a: (3, 20, 7, 1), b: (4, 10, 9, 1)}) == set()  # ...renamed into place
    assert looks.look({a: (3, 20, 7, 1), b: (4, 10, 9, 1)}) == {b}
    # Put back exactly as it was loaded (an undo within one look): nothing to load.
    assert looks.look({a: (5, 20, 7, 1), b: (4, 10, 9, 1)}) == set()
    assert looks.look({a: (3, 20, 7, 1), b: (4, 10, 9, 1)}) == set()
    assert looks.look({a: (3, 20, 7, 1), b: (4, 10, 9, 1)}) == set()
    assert looks.look({b: (4, 10, 9, 1)}) == set()  # an endpoint removed by a config reload


def test_a_handler_saved_by_renaming_a_new_file_over_it_is_loaded(tmp_path: Path) -> None:
    """What many editors do: write a new file beside it, rename it into place. The new file
    may even have the same size and modification time; its inode differs."""
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9/", handler=V1))
    handlers = Handlers(config.endpoints)
    path = tmp_path / "handler.js"

    async def scenario() -> str:
        stop = asyncio.Event()
        watching = asyncio.create_task(handlers.watch(stop, interval=0.02))
        await asyncio.sleep(0.1)  # a few looks: the file as loaded
        fresh = tmp_path / ".handler.js.swp"
        fresh.write_text(V2)
        stat = path.stat()
        os.utime(fresh, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same time, size
        os.replace(fresh, path)
        await running(handlers, V2)
        # Rewritten in place with its modification time put back (`cp -p`, `rsync -t`),
        # the same size again: only the change time tells.
        stat = path.stat()
        path.write_text(V1)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        await running(handlers, V1)
        stop.set()
        await watching
        return handlers.get("test").version

    assert asyncio.run(scenario()) == handler_version(Handler(V1))


def test_an_edit_made_before_the_first_look_is_loaded_at_it(tmp_path: Path) -> None:
    """serve's start-up takes seconds between reading the handlers and the watch's first look
    at them; an edit made meanwhile is seen by its text."""
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9/", handler=V1))
    handlers = Handlers(config.endpoints)
    (tmp_path / "handler.js").write_text(V2)

    async def scenario() -> None:
        stop = asyncio.Event()
        watching = asyncio.create_task(handlers.watch(stop, interval=0.02))
        await running(handlers, V2)
        stop.set()
        await watching

    asyncio.run(scenario())
    assert handlers.get("test").version == handler_version(Handler(V2))


async def running(handlers: Handlers, source: str) -> None:
    """Wait (at most 10 s) until endpoint "test" runs ``source``; the caller asserts it does."""
    version = handler_version(Handler(source))
    for _ in range(500):
        if handlers.get("test").version == version:
            return
        await asyncio.sleep(0.02)
