"""serve's sandbox in a child process: the same runs as a thread's, and what only a process
can survive (a child killed mid-run, a child that stops answering, a parent that dies)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_servers import wait_for

from dodo_transform import samples
from dodo_transform.sandbox import (
    Job,
    Limits,
    ProcessSandbox,
    Sandbox,
    SandboxProcessError,
)
from dodo_transform.transform import transform

PAYMENT = samples.get("payment.succeeded").text

HANDLERS = {
    "rewrites": """
        function handler(webhook) {
          console.log("customer", webhook.payload.data.customer.email, {n: 1});
          console.warn("€ and \\ud83d\\ude00 and a lone \\ud800");
          webhook.url = "https://api.example.com/x";
          webhook.payload = {email: webhook.payload.data.customer.email, at: Date.now()};
          return webhook;
        }""",
    "throws": """
        function handler(webhook) {
          const x = webhook.payload.nope.deeper;
          return webhook;
        }""",
    "syntax": "function handler(webhook) { return webhook;",
    "cancels": "function handler(webhook) { webhook.cancel = true; return webhook; }",
    "spins": "function handler(webhook) { for (;;) {} }",
    "top_level_throws": "throw new TypeError('at load'); function handler(w) { return w; }",
}


@pytest.fixture(scope="module")
def child() -> Iterator[ProcessSandbox]:
    sandbox = ProcessSandbox()
    yield sandbox
    sandbox.close()


def job(source: str, now_ms: float | None = None, limits: Limits | None = None) -> Job:
    url = "https://x.test/"
    return Job(
        source, "handler.js", PAYMENT, "payment.succeeded", url, now_ms=now_ms, limits=limits
    )


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_a_child_process_answers_what_a_thread_answers(child: ProcessSandbox, name: str):
    limits = Limits(time_ms=200)
    run = job(textwrap.dedent(HANDLERS[name]), now_ms=1_700_000_000_000.0, limits=limits)
    thread = Sandbox(thread=False)
    try:
        expected = thread.run(run)
    finally:
        thread.close()
    got = child.run(run)
    assert (got.result, got.error, got.logs) == (expected.result, expected.error, expected.logs)
    assert got.cpu_ms > 0  # what the fair scheduler charges comes back from the child


def test_the_python_api_runs_on_a_child_process(child: ProcessSandbox):
    decision = transform(HANDLERS["rewrites"], PAYMENT, sandbox=child, env={"K": "v"})
    assert decision.status == "ok"
    assert decision.request is not None
    assert decision.request.url == "https://api.example.com/x"
    assert child.check("function nope() {}") is not None
    assert child.check("function handler(w) { return w; }") is None


def test_a_child_killed_mid_run_fails_that_run_and_the_next_gets_a_new_child():
    sandbox = ProcessSandbox(Limits(time_ms=30_000))
    try:
        sandbox.run(job("function handler(w) { return w; }"))
        first = sandbox.pid
        assert first is not None
        future = sandbox.submit(job(HANDLERS["spins"]))
        os.kill(first, signal.SIGKILL)
        with pytest.raises(
            SandboxProcessError, match=r"was killed by SIGKILL while running handler.js; a new one"
        ):
            future.result(timeout=60)
        after = sandbox.run(job(HANDLERS["cancels"]))
        assert after.error is None and after.result is not None and after.result["cancel"]
        assert sandbox.pid not in (None, first)
    finally:
        sandbox.close()


def test_a_child_that_stops_answering_is_killed_and_the_run_is_a_time_limit():
    sandbox = ProcessSandbox(Limits(time_ms=100), grace=0.5)
    try:
        sandbox.run(job("function handler(w) { return w; }"))
        stuck = sandbox.pid
        assert stuck is not None
        os.kill(stuck, signal.SIGSTOP)  # a hang QuickJS's own time limit cannot end
        run = sandbox.run(job("function handler(w) { return w; }"))
        assert run.error is not None and run.error.kind == "time_limit"
        assert "100 ms" in run.error.message
        wait_for(lambda: not _alive(stuck), what="the stuck child's end")
        assert sandbox.run(job("function handler(w) { return w; }")).error is None
    finally:
        sandbox.close()


def test_sigterm_to_the_process_group_does_not_fail_a_child_run():
    sandbox = ProcessSandbox()
    try:
        sandbox.run(job("function handler(w) { return w; }"))
        pid = sandbox.pid
        assert pid is not None
        os.kill(pid, signal.SIGTERM)  # what a service manager sends the whole group
        os.kill(pid, signal.SIGINT)  # a Ctrl-C in the terminal
        assert sandbox.run(job("function handler(w) { return w; }")).error is None
        assert sandbox.pid == pid  # the parent decides when its child stops
    finally:
        sandbox.close()
    wait_for(lambda: not _alive(pid), what="the closed sandbox's child to exit")


def test_a_child_outlives_no_parent(tmp_path: Path):
    """A SIGKILLed serve leaves no sandbox process behind: the child sees its pipe close."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        from dodo_transform.sandbox import Job, ProcessSandbox
        sandbox = ProcessSandbox()
        sandbox.run(Job("function handler(w) {{ return w; }}", "h.js", {PAYMENT!r}, "t", "https://x.test/"))
        print(sandbox.pid, flush=True)
        time.sleep(600)
        """)
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert _alive(pid)
    finally:
        parent.kill()
        parent.wait()
    wait_for(lambda: not _alive(pid), what="the orphaned child to exit")


def test_a_child_that_cannot_start_is_one_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # an interpreter that exits at once
    sandbox = ProcessSandbox()
    try:
        with pytest.raises(SandboxProcessError, match=r"could not start: it exited"):
            sandbox.run(job("function handler(w) { return w; }"))
    finally:
        sandbox.close()


def _alive(pid: int) -> bool:
    """Running (not exited, not a zombie waiting for its reaper)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
