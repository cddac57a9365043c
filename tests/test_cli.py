"""`dodo-transform test`: the command as a user runs it, in a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import Watching
from helpers_servers import spinning_child

from dodo_transform import samples
from dodo_transform.report import render

ROOT = Path(__file__).resolve().parent.parent
ADD_CUSTOMER = str(ROOT / "handlers" / "mailerlite" / "add_customer_on_payment.js")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodo_transform", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_a_handler_in_a_built_in_call_that_never_returns_ends_at_its_limit(tmp_path):
    # QuickJS cannot stop this call; the sandbox process running it is killed instead.
    handler = tmp_path / "join.js"
    handler.write_text("function handler(w) { Array.prototype.join.call({length: 2**53 - 1}) }")
    r = cli("test", str(handler), "--event", "refund.succeeded", "--json", "--time-limit-ms", "200")
    assert r.returncode == 1, r.stderr
    (record,) = lines(r.stdout)
    assert record["error"]["kind"] == "time_limit"
    assert "Traceback" not in r.stderr


def test_a_sandbox_process_killed_under_a_run_is_one_line_and_status_1(tmp_path):
    handler = tmp_path / "spins.js"
    handler.write_text("function handler(w) { for (;;) {} }")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dodo_transform", "test", str(handler), "--time-limit-ms", "60000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        os.kill(spinning_child(proc), signal.SIGKILL)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert err.startswith("dodo-transform: the sandbox process") and "SIGKILL" in err
    assert f"while running {handler};" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err


def test_the_fallback_engine_is_announced_once_not_again_by_the_sandbox_process():
    env = {**os.environ, "DODO_TRANSFORM_ENGINE": "binding"}
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", ADD_CUSTOMER, "--event", "refund.failed"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("sandbox engine: the quickjs-ng binding (fallback)") == 1, r.stderr


def test_watch_goes_on_after_its_sandbox_process_is_killed(tmp_path):
    handler = tmp_path / "spins.js"
    handler.write_text("function handler(w) { for (;;) {} }")
    with Watching(handler, "--event", "refund.failed", "--time-limit-ms", "60000") as w:
        child = spinning_child(w.proc)
        os.kill(child, signal.SIGKILL)
        assert "SIGKILL" in w.err.next()
        assert w.out.next().startswith("-- watching")
        handler.write_text("function handler(w) { console.log('saved again'); return w; }")
        seen = w.out.watch_round()
        assert "console.log  saved again" in seen, seen


def test_watch_stops_a_long_round_when_the_handler_is_saved(tmp_path):
    """Every sample, each spinning to its limit: a fix saved after the first runs now."""
    handler = tmp_path / "spins.js"
    handler.write_text("function handler(w) { for (;;) {} }")
    with Watching(handler, "--time-limit-ms", "200") as w:
        assert "time limit exceeded" in w.out.next() + w.out.next()
        handler.write_text("function handler(w) { console.log('saved'); return w; }")
        assert w.err.next() == "-- a file changed: this round stops here\n"
        first = w.out.watch_round()
        assert "payload(s):" not in first  # no summary of a round cut short
        again = w.out.watch_round()
        assert f"{len(samples.names())} payload(s): {len(samples.names())} send" in again
        assert "console.log  saved" in again


def test_json_runs_every_builtin_sample_by_default_in_one_process():
    r = cli("test", ADD_CUSTOMER, "--json", "--now", "2025-08-04T05:30:45Z")
    assert r.returncode == 0, r.stderr
    records = lines(r.stdout)
    assert [x["payload_file"] for x in records] == samples.names()
    first = records[0]
    assert list(first) == [
        "payload_file",
        "event_type",
        "status",
        "request",
        "logs",
        "warnings",
        "error",
        "duration_ms",
    ]
    paid = next(x for x in records if x["payload_file"] == "payment.succeeded")
    assert paid["status"] == "ok"
    assert paid["request"]["url"] == "https://connect.mailerlite.com/api/subscribers"
    assert json.loads(paid["request"]["body"])["email"] == "jane.doe@example.com"
    assert {w["code"] for w in paid["warnings"]} >= {"non_numeric_group_id"}


def test_event_and_payload_keep_command_line_order(tmp_path):
    envelope = tmp_path / "custom.json"
    envelope.write_text(samples.get("subscription.cancelled").text)
    folder = tmp_path / "more"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "z.json").write_text(samples.get("refund.succeeded").text)
    (folder / "a.json").write_text(samples.get("payment.failed").text)
    r = cli(
        "test",
        ADD_CUSTOMER,
        "--payload",
        str(envelope),
        "--event",
        "payment.succeeded",
        "--payload",
        str(folder),
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert [(x["payload_file"], x["event_type"]) for x in lines(r.stdout)] == [
        (str(envelope), "subscription.cancelled"),
        ("payment.succeeded", "payment.succeeded"),
        (str(folder / "a.json"), "payment.failed"),
        (str(folder / "b" / "z.json"), "refund.succeeded"),
    ]


def test_url_env_and_now_reach_the_handler(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) { w.payload = {url: w.url, env: w.env, now: new Date().toISOString()};"
        " w.headers = {Authorization: 'Bearer sk_live_123', 'X-Trace': 't'}; return w }"
    )
    r = cli(
        "test",
        str(handler),
        "--event",
        "payment.succeeded",
        "--url",
        "https://hooks.example.com/x",
        "--env",
        "PLAN=pro",
        "--env",
        "EMPTY=",
        "--now",
        "2030-01-02T03:04:05Z",
        "--json",
    )
    record = lines(r.stdout)[0]
    assert json.loads(record["request"]["body"]) == {
        "url": "https://hooks.example.com/x",
        "env": {"PLAN": "pro", "EMPTY": ""},
        "now": "2030-01-02T03:04:05.000Z",
    }
    assert record["request"]["headers"] == {
        "Content-Type": "application/json",
        "Authorization": "[redacted]",
        "X-Trace": "t",
    }
    assert "sk_live_123" not in r.stdout


def test_exit_status_1_when_any_run_errors(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) {\n  if (w.eventType === 'refund.failed') throw new Error('boom');\n  return w;\n}"
    )
    r = cli(
        "test", str(handler), "--event", "payment.succeeded", "--event", "refund.failed", "--json"
    )
    assert r.returncode == 1
    ok, failed = lines(r.stdout)
    assert ok["status"] == "ok" and failed["status"] == "error"
    assert failed["request"] is None
    assert failed["error"] == {
        "kind": "exception",
        "message": "Error: boom",
        "line": 2,
        "column": 50,
        "stack": f"Error: boom\n    at handler ({handler}:2:50)",
        "hint": None,
    }


@pytest.mark.parametrize(
    "args,message",
    [
        (["test", "missing.js"], "missing.js: no such file"),
        (["test", "handlers"], "handlers: a folder; give the handler's .js file"),
        (["test", ADD_CUSTOMER, "--event", "payment.nope"], "no built-in sample 'payment.nope'"),
        (
            ["test", ADD_CUSTOMER, "--event", "payment.succeded"],
            "no built-in sample 'payment.succeded' (did you mean 'payment.succeeded'?)",
        ),
        (["test", ADD_CUSTOMER, "--env", "NOEQUALS"], "expected KEY=VALUE"),
        (["test", ADD_CUSTOMER, "--now", "yesterday"], "not an ISO-8601 instant"),
        (["test", ADD_CUSTOMER, "--now", "2025-08-04T05:30:45"], "needs a time zone"),
        (["test", ADD_CUSTOMER, "--time-limit-ms", "0"], "more than 0 ms, not 0"),
        (["test", ADD_CUSTOMER, "--time-limit-ms", "1e308"], "at most 86,400,000 ms (a day)"),
        (["test", ADD_CUSTOMER, "--time-limit-ms", "inf"], "at most 86,400,000 ms (a day)"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message):
    r = cli(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr


def test_invalid_payload_files_are_usage_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = cli("test", ADD_CUSTOMER, "--payload", str(bad))
    assert r.returncode == 2 and "not RFC 8259 JSON" in r.stderr and str(bad) in r.stderr
    bad.write_text('{"no": "type"}')
    r = cli("test", ADD_CUSTOMER, "--payload", str(bad))
    assert r.returncode == 2 and "not a Dodo webhook envelope" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("test", ADD_CUSTOMER, "--payload", str(empty))
    assert r.returncode == 2 and "no *.json files" in r.stderr


def test_oversized_handler_is_an_error_per_payload(tmp_path):
    handler = tmp_path / "big.js"
    handler.write_text("function handler(w) { return w }\n//" + "x" * 60_000)
    r = cli("test", str(handler), "--event", "payment.succeeded", "--json")
    assert r.returncode == 1
    assert lines(r.stdout)[0]["error"]["kind"] == "code_size"


def test_human_output_shows_decision_request_logs_and_warnings(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) { console.warn('careful'); if (w.eventType === 'refund.failed')"
        " { w.cancel = true } w.url = 'https://connect.mailerlite.com/api/subscribers';"
        " w.payload = {email: 'not-an-email', groups: ['x']}; return w }"
    )
    r = cli("test", str(handler), "--event", "payment.succeeded", "--event", "refund.failed")
    assert r.returncode == 0
    out = r.stdout
    assert "SEND" in out and "CANCELLED" in out
    assert "POST https://connect.mailerlite.com/api/subscribers" in out
    assert '"email": "not-an-email"' in out  # pretty-printed body
    assert "console.warn  careful" in out
    assert "warning [invalid_email]" in out
    assert "\x1b[" not in out  # no colour when not a TTY
    assert out.rstrip().endswith("2 payload(s): 1 send, 1 cancelled, 0 error(s)")


def test_control_characters_from_the_event_or_handler_are_shown_escaped(tmp_path):
    # A captured event whose customer name would retitle the window, clear the screen and
    # overwrite the report's own lines.
    envelope = json.loads(samples.get("payment.succeeded").text)
    envelope["data"]["customer"]["name"] = "\x1b]0;owned\x07\x1b[2J\rFAKE\u202eevil"
    payload = tmp_path / "captured.json"
    payload.write_text(json.dumps(envelope))
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) { const n = w.payload.data.customer.name; console.log(n);"
        " w.headers = {'X-Note': 'ok'}; w.payload = {name: n, tiny: 1e-7}; return w }"
    )
    r = cli("test", str(handler), "--payload", str(payload))
    assert r.returncode == 0, r.stderr
    shown = r"\x1b]0;owned\x07\x1b[2J\x0dFAKE\u202eevil"
    assert f"console.log  {shown}" in r.stdout
    escaped = '"name": "\\u001b]0;owned\\u0007\\u001b[2J\\rFAKE\\u202eevil"'  # JSON's own
    assert escaped in r.stdout
    assert '"tiny": 1e-7' in r.stdout  # the body's numbers as JSON.stringify wrote them
    assert not any(c in r.stdout for c in "\x1b\x07\r\u202e")


def test_colour_on_a_tty():
    record = {
        "payload_file": "x",
        "event_type": "payment.succeeded",
        "status": "error",
        "request": None,
        "logs": [],
        "warnings": [],
        "duration_ms": 0.1,
        "error": {
            "kind": "exception",
            "message": "Error: x",
            "line": 1,
            "column": 2,
            "stack": None,
        },
    }
    assert "\x1b[31m" in render(record, colour=True)
    assert "\x1b[" not in render(record, colour=False)


def test_absurdly_deep_json_is_handled_everywhere(tmp_path):
    deep = tmp_path / "deep.json"
    # Deeper than any Python's json reads (3.13's reads 5,000 levels where 3.11's stops at 1,000).
    deep.write_text('{"type": "payment.succeeded", "data": ' + "[" * 50_000 + "]" * 50_000 + "}")
    r = cli("test", ADD_CUSTOMER, "--payload", str(deep))
    assert r.returncode == 2 and "nested too deeply" in r.stderr
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) { let x = []; for (let i = 0; i < 1200; i++) x = [x];"
        " w.url = 'https://connect.mailerlite.com/api/subscribers'; w.payload = x; return w }"
    )
    r = cli("test", str(handler), "--event", "payment.succeeded")
    assert r.returncode == 0, r.stderr
    try:  # 1,200 levels: past the json module of Python 3.10-3.12, within 3.13's
        json.loads("[" * 1201 + "]" * 1201)
        lint = "body_not_object"  # read, and linted as the array it is
    except RecursionError:
        lint = "body_too_deep"
    assert f"warning [{lint}]" in r.stdout


def test_max_request_bytes_is_the_same_limit_as_serve(tmp_path: Path) -> None:
    handler = tmp_path / "big.js"
    handler.write_text("function handler(w) { w.payload = 'z'.repeat(5000); return w; }\n")
    r = cli(
        "test",
        str(handler),
        "--event",
        "payment.succeeded",
        "--json",
        "--max-request-bytes",
        "4000",
    )
    [record] = lines(r.stdout)
    assert record["status"] == "error" and record["error"]["kind"] == "request_too_large"
    assert "the limit is 4,000 bytes" in record["error"]["message"]
    r = cli("test", str(handler), "--event", "payment.succeeded", "--json")
    assert lines(r.stdout)[0]["status"] == "ok"
    r = cli("test", str(handler), "--max-request-bytes", "0")
    assert r.returncode == 2 and "at least 1 byte" in r.stderr and "Traceback" not in r.stderr
