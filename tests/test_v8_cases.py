"""The regression cases of the differential fuzzer (tests/fuzz/), each with the output Node 20
printed for it (`tests/data/v8_cases.json`, made by `tests/tools/gen_v8_cases.js`).

A case either runs here exactly as in V8, or is a construct QuickJS compiles differently and
the sandbox cannot change: then the source analysis must warn about it, naming the line, and
the difference must be the one the warning describes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_servers import HTTP

from dodo_transform import analysis, samples, transform

ROOT = Path(__file__).resolve().parent.parent
INPUT = json.loads((ROOT / "tests" / "data" / "v8_cases_input.json").read_text())
EXPECTED = json.loads((ROOT / "tests" / "data" / "v8_cases.json").read_text())
GENERATOR = ROOT / "tests" / "tools" / "gen_v8_cases.js"
V8_CODES = ("v8_spread_key_order", "v8_string_spread", "v8_exponent_operator")


def source(body: str) -> str:
    return f"function handler(webhook) {{\n{body}\nreturn webhook;\n}}"


def run_here(body: str) -> dict:
    d = transform(
        source(body), samples.get("payment.succeeded").text, url=INPUT["url"], now=INPUT["now"]
    )
    logs = [[line.level, line.message] for line in d.logs]
    if d.error is not None:
        return {"error": d.error.message.split(":")[0], "logs": logs}
    assert d.request is not None
    return {"body": d.request.body, "logs": logs}


def v8_warnings(body: str) -> list[dict[str, str]]:
    return [w for w in analysis.source_warnings(source(body)) if w["code"] in V8_CODES]


SAME = sorted(k for k, c in INPUT["cases"].items() if c["warns"] is None)
WARNED = sorted(k for k, c in INPUT["cases"].items() if c["warns"] is not None)


@pytest.mark.parametrize("name", SAME)
def test_runs_as_in_v8_and_draws_no_warning(name):
    body = INPUT["cases"][name]["body"]
    assert run_here(body) == EXPECTED["cases"][name]
    assert v8_warnings(body) == []


@pytest.mark.parametrize("name", WARNED)
def test_a_construct_the_engine_builds_differently_is_warned_about(name):
    case = INPUT["cases"][name]
    (warning,) = v8_warnings(case["body"])
    assert warning["code"] == case["warns"]
    line = 2 + next(
        i for i, text in enumerate(case["body"].splitlines()) if "..." in text or "**" in text
    )
    assert warning["path"].startswith(f"handler.js:{line}:")  # the literal's line
    assert "V8" in warning["message"]
    # The difference is real, and is the one the warning describes: same keys and values,
    # other order (a repeated key); V8's character keys missing (a string spread); the last
    # digit of a power.
    here = json.loads(run_here(case["body"])["body"])
    v8 = json.loads(EXPECTED["cases"][name]["body"])
    if case["warns"] == "v8_spread_key_order":
        assert here == v8 and list(here) != list(v8)
    elif case["warns"] == "v8_string_spread":
        assert {k: v for k, v in v8.items() if not k.isdigit()} == here != v8
    else:
        assert here["v"] != v8["v"] and abs(here["v"] - v8["v"]) <= abs(v8["v"]) * 2**-51


def test_references_match_node_today():
    if shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not on PATH: CI must re-derive the V8 references")
        pytest.skip("node is not on PATH")
    r = subprocess.run(
        ["node", str(GENERATOR)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC"},
        check=True,
    )
    fresh = json.loads(r.stdout)
    assert fresh["cases"] == EXPECTED["cases"], (
        "tests/data/v8_cases.json is stale: "
        "`TZ=UTC node tests/tools/gen_v8_cases.js > tests/data/v8_cases.json`"
    )


SPREAD_HANDLER = (
    "function handler(webhook) {\n"
    "  const d = webhook.payload.data;\n"
    "  webhook.payload = { ...d.customer, status: 'pending', amount: d.total_amount, status: d.status };\n"
    "  return webhook;\n"
    "}\n"
)


def test_dodo_transform_test_prints_the_warning_with_the_line(tmp_path):
    (tmp_path / "h.js").write_text(SPREAD_HANDLER)
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", "h.js", "--event", "payment.succeeded"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert (
        "  warning [v8_spread_key_order] h.js:3:38: an object literal that starts with a spread "
        'defines "status" twice: V8 (Dodo\'s runtime) skips this first definition, so "status" '
        'comes after "amount"'
    ) in r.stdout


def test_the_playground_api_returns_the_warning(tmp_path):
    from helpers_servers import write_config

    from dodo_transform.relay.config import load_config
    from dodo_transform.relay.server import create_app
    from dodo_transform.serving import ServerThread

    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"))
    with ServerThread(create_app(config, run_worker=False)) as server:
        r = HTTP.post(
            f"{server.url}/api/test",
            json={"code": "function handler(w) { w.payload = { ...'abc' }; return w; }"},
            headers={"Authorization": "Bearer admin-token"},
            timeout=60,
        )
    assert r.status_code == 200, r.text
    (first, *_) = r.json()["results"]
    (warning,) = [w for w in first["warnings"] if w["code"] == "v8_string_spread"]
    assert warning["path"] == "handler.js:1:37"


def test_serve_prints_the_warning_at_start_up(tmp_path):
    from helpers_servers import ServeProcess, free_port, write_config

    server = ServeProcess(
        write_config(tmp_path, "http://127.0.0.1:9", handler=SPREAD_HANDLER), free_port()
    )
    try:
        server.start()
        lines = [server.proc.stdout.readline() for _ in range(2)]
    finally:
        server.stop()
    (warning,) = [line for line in lines if "warning" in line]
    assert warning.startswith(
        f"dodo-transform: warning: endpoint test: [v8_spread_key_order] {tmp_path / 'handler.js'}:3:38: "
    )


def test_a_live_reload_logs_the_new_handlers_warnings(tmp_path, caplog):
    from helpers_servers import IDENTITY, write_config

    from dodo_transform.relay.config import load_config
    from dodo_transform.relay.handlers import Handlers

    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", handler=IDENTITY))
    handlers = Handlers(config.endpoints)
    (tmp_path / "handler.js").write_text(SPREAD_HANDLER)
    with caplog.at_level("WARNING", logger="dodo_transform"):
        handlers.reload("test")
    (line,) = [r.getMessage() for r in caplog.records if "v8_spread_key_order" in r.getMessage()]
    assert line.startswith(f"endpoint test: [v8_spread_key_order] {tmp_path / 'handler.js'}:3:38: ")
