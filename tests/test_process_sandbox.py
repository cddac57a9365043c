"""serve's sandbox in a child process: the same runs as a thread's, and what only a process
can survive (a child killed mid-run, a child that stops answering, a parent that dies)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_servers import cpu_seconds, wait_for

from dodo_transform import samples
from dodo_transform.sandbox import (
    Job,
    Limits,
    ProcessSandbox,
    RawRun,
    Sandbox,
    SandboxProcessError,
)
from dodo_transform.sandbox.errors import cap_text
from dodo_transform.sandbox.process import OVERRUN, _Child, _receive
from dodo_transform.transform import transform

PAYMENT = samples.get("payment.succeeded").text

HANDLERS = {
    "rewrites": """
        function handler(webhook) {
          console.log("customer", webhook.payload.data.customer.email, {n: 1});
          console.warn("€ and \\ud83d\\ude00 and a lone \\ud800");
          webhook.url = "https://api.example.com/x";
          webhook.payload = {email: webhook.payload.data.customer.email, at: Date.now(), s: "é€"};
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
        before = cpu_seconds(first)
        future = sandbox.submit(job(HANDLERS["spins"]))
        wait_for(
            lambda: cpu_seconds(first) > before + 0.05, what="the child spinning in the handler"
        )
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


# Each run in a fresh context: a global it finds set would be the previous run's.
COUNTS = """
function handler(webhook) {
  globalThis.seen = (globalThis.seen || 0) + 1;
  webhook.payload = {n: webhook.payload.data.n, seen: globalThis.seen};
  return webhook;
}
"""


def numbered(n: int, source: str = COUNTS, pad: int = 0) -> Job:
    body = json.dumps({"data": {"n": n}, "pad": "x" * pad})
    return Job(source, "handler.js", body, "payment.succeeded", "https://x.test/")


def payload(run: RawRun) -> dict[str, int]:
    assert run.error is None and run.result is not None, run.error
    return dict(json.loads(run.result["body"]))


def time_limited(run: RawRun) -> bool:
    return run.error is not None and run.error.kind == "time_limit"


def behind_a_slow_run(
    sandbox: ProcessSandbox,
    jobs: list[Job],
    on_first: Callable[[concurrent.futures.Future[RawRun]], None] | None = None,
) -> list[concurrent.futures.Future[RawRun]]:
    """Submit ``jobs`` as the transform stage does, when a run finishes (on the sandbox's
    thread, before its next turn): they are written to the child together, up to its depth.
    The first run spins into its time limit, so the callback is attached before it ends.
    ``on_first`` is called on the sandbox's thread once the first of ``jobs`` is answered,
    before the sandbox reads the next answer."""
    submitted: list[concurrent.futures.Future[RawRun]] = []
    all_submitted = threading.Event()

    def submit(_slow: concurrent.futures.Future[RawRun]) -> None:
        for j in jobs:
            submitted.append(sandbox.submit(j))
            if on_first is not None and len(submitted) == 1:
                submitted[0].add_done_callback(on_first)
        all_submitted.set()

    slow = sandbox.submit(job(HANDLERS["spins"], limits=Limits(time_ms=300)))
    slow.add_done_callback(submit)
    assert time_limited(slow.result(timeout=60))
    # The result is set before its callbacks run: this thread may wake while they do.
    assert all_submitted.wait(timeout=60)
    return submitted


def test_jobs_written_behind_a_run_are_answered_in_order_each_in_a_fresh_context():
    sandbox = ProcessSandbox(depth=3)
    try:
        # Some larger than what is written behind a busy child: they wait until it is idle.
        jobs = [numbered(n, pad=100_000 if n % 7 == 0 else 0) for n in range(40)]
        runs = [f.result(timeout=60) for f in behind_a_slow_run(sandbox, jobs)]
        assert [payload(r) for r in runs] == [{"n": n, "seen": 1} for n in range(40)]
    finally:
        sandbox.close()


@contextlib.contextmanager
def started(depth: int) -> Iterator[tuple[ProcessSandbox, int]]:
    """A sandbox process of ``depth`` whose child has run once, and that child's pid."""
    sandbox = ProcessSandbox(Limits(time_ms=30_000), depth=depth)
    try:
        sandbox.run(numbered(0))
        assert sandbox.pid is not None
        yield sandbox, sandbox.pid
    finally:
        sandbox.close()


def test_a_child_killed_mid_run_fails_that_run_only_and_those_behind_it_run_on_the_next():
    with started(depth=3) as (sandbox, first):
        before = cpu_seconds(first)
        # The spinning run and the two written behind it go to the child together.
        spinning, *behind = behind_a_slow_run(
            sandbox, [job(HANDLERS["spins"])] + [numbered(n) for n in (1, 2, 3)]
        )
        wait_for(
            lambda: cpu_seconds(first) > before + 0.4, what="the child spinning in the handler"
        )
        os.kill(first, signal.SIGKILL)
        with pytest.raises(SandboxProcessError, match=r"was killed by SIGKILL while running"):
            spinning.result(timeout=60)
        assert [payload(f.result(timeout=60))["n"] for f in behind] == [1, 2, 3]
        assert sandbox.pid not in (None, first)


def killed_once_spinning(pid: int) -> Callable[[concurrent.futures.Future[RawRun]], None]:
    """For ``on_first``: once the child ``pid`` spins in the last run written to it, it is
    SIGKILLed (and has ended when this returns)."""

    def kill(_answered: concurrent.futures.Future[RawRun]) -> None:
        spent = cpu_seconds(pid)
        wait_for(lambda: cpu_seconds(pid) > spent + 0.3, what="the last run spinning")
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not _alive(pid), what="the killed child's end")

    return kill


def test_a_child_that_dies_after_an_answer_fails_the_run_it_began_behind_it():
    """(One it had not begun goes to a new child: see the stuck-preparing test.)"""
    with started(depth=2) as (sandbox, first):
        answered, spinning = behind_a_slow_run(
            sandbox, [numbered(1), job(HANDLERS["spins"])], on_first=killed_once_spinning(first)
        )
        assert payload(answered.result(timeout=60))["n"] == 1
        with pytest.raises(SandboxProcessError, match=r"was killed by SIGKILL while running"):
            spinning.result(timeout=60)
        assert payload(sandbox.run(numbered(2)))["n"] == 2
        assert sandbox.pid not in (None, first)


def test_what_a_dead_child_had_answered_is_read_and_only_the_run_it_had_begun_fails(
    caplog: pytest.LogCaptureFixture,
):
    """Three runs written together; the child answers the second and spins in the third
    while the parent is still busy with the first answer, then dies: the second's answer,
    waiting in the pipe, is read (not run again), and the third fails as lost."""
    with started(depth=3) as (sandbox, first):
        jobs = [numbered(1), numbered(2), job(HANDLERS["spins"])]
        one, two, spinning = behind_a_slow_run(sandbox, jobs, on_first=killed_once_spinning(first))
        assert payload(one.result(timeout=60))["n"] == 1
        assert payload(two.result(timeout=60))["n"] == 2
        with pytest.raises(SandboxProcessError, match=r"was killed by SIGKILL while running"):
            spinning.result(timeout=60)
        assert "runs on a new one" not in caplog.text


def test_a_job_that_cannot_be_sent_fails_alone():
    with started(depth=2) as (sandbox, pid):
        bad = Job("", "handler.js", "{}", "t", "https://x.test/", env={"K": b"bytes"})  # type: ignore[dict-item]
        failed, fine = behind_a_slow_run(sandbox, [bad, numbered(1)])
        with pytest.raises(TypeError):
            failed.result(timeout=60)
        assert payload(fine.result(timeout=60))["n"] == 1
        assert sandbox.pid == pid  # the child was not blamed


def test_a_run_over_its_time_limit_holds_back_those_behind_it_only_until_its_limit():
    sandbox = ProcessSandbox(depth=2)
    try:
        spinning, after = behind_a_slow_run(
            sandbox, [job(HANDLERS["spins"], limits=Limits(time_ms=200)), numbered(7)]
        )
        assert time_limited(spinning.result(timeout=60))
        assert payload(after.result(timeout=60)) == {"n": 7, "seen": 1}
    finally:
        sandbox.close()


def test_a_job_cancelled_before_the_child_took_it_is_not_run():
    sandbox = ProcessSandbox(Limits(time_ms=30_000))  # one at a time: the next waits here
    try:
        spinning = sandbox.submit(job(HANDLERS["spins"], limits=Limits(time_ms=300)))
        cancelled = sandbox.submit(numbered(1))
        assert cancelled.cancel()
        after = sandbox.submit(numbered(2))
        assert time_limited(spinning.result(timeout=60))
        assert payload(after.result(timeout=60)) == {"n": 2, "seen": 1}
        assert cancelled.cancelled()
    finally:
        sandbox.close()


def test_closing_cut_short_ends_the_run_under_way_and_those_behind_it_at_once():
    """serve's stop, its grace over: a handler with a minute to run does not hold it."""
    sandbox = ProcessSandbox(depth=2)
    minute = Limits(time_ms=60_000)
    spinning = sandbox.submit(job(HANDLERS["spins"], limits=minute))
    written_behind = sandbox.submit(numbered(1))
    waiting = sandbox.submit(numbered(2))
    wait_for(lambda: sandbox.pid is not None and cpu_seconds(sandbox.pid) > 0.2)
    pid = sandbox.pid
    sandbox.close(cut_short=True)  # returns once its child is gone
    for future in (spinning, written_behind, waiting):  # each ends, none is left hanging
        with pytest.raises(SandboxProcessError, match="dodo-transform is stopping"):
            future.result(timeout=0)
    assert sandbox.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_closed_sandbox_refuses_new_jobs():
    sandbox = ProcessSandbox(depth=2)
    sandbox.close()
    with pytest.raises(RuntimeError):
        sandbox.submit(numbered(1))
    assert not sandbox._waiting


def test_a_built_in_call_that_never_returns_is_ended_by_killing_its_child():
    """QuickJS stops a run only between its own steps; this one call would take years."""
    sandbox = ProcessSandbox()
    endless = "function handler(w) { Array.prototype.copyWithin.call({length: 2**53 - 1}, 0, 1) }"
    try:
        sandbox.run(job("function handler(w) { return w; }"))
        stuck = sandbox.pid
        run = sandbox.run(job(endless, limits=Limits(time_ms=200)))
        assert run.error is not None and run.error.kind == "time_limit"
        assert "inside one built-in call" in run.error.message
        assert "console output with it" in run.error.message  # what is lost, said
        # Killed once it had used its limit and OVERRUN of CPU, not the stall patience later.
        assert run.cpu_ms is not None and run.cpu_ms < (0.2 + OVERRUN + 0.5) * 1000
        wait_for(lambda: not _alive(stuck), what="the killed child's end")
        assert sandbox.run(job("function handler(w) { return w; }")).error is None
        assert sandbox.pid != stuck
    finally:
        sandbox.close()


def test_a_run_the_child_began_before_the_parent_looked_gets_no_extra_time(
    monkeypatch: pytest.MonkeyPatch,
):
    """The parent, slow to begin waiting (a busy machine), finds the run already begun: the
    budget still counts from its beginning, with nothing added for preparing a context."""
    wait = ProcessSandbox._wait

    def late(self: ProcessSandbox, *args: Any) -> bytes | RawRun:
        time.sleep(0.2)  # the job is in the child, which begins it meanwhile
        return wait(self, *args)

    monkeypatch.setattr(ProcessSandbox, "_wait", late)
    endless = "function handler(w) { Array.prototype.copyWithin.call({length: 2**53 - 1}, 0, 1) }"
    sandbox = ProcessSandbox()
    try:
        sandbox.run(job("function handler(w) { return w; }", limits=Limits(time_ms=3_000)))
        run = sandbox.run(job(endless, limits=Limits(time_ms=200)))
        assert run.error is not None and run.error.kind == "time_limit"
        # Not its limit, OVERRUN and the 3 s the last run's context might have taken.
        assert run.cpu_ms is not None and run.cpu_ms < (0.2 + OVERRUN + 0.5) * 1000
    finally:
        sandbox.close()


def test_a_run_is_not_charged_for_the_context_prepared_after_the_last_one():
    """Once it has answered, the child prepares the next context for the handler it ran,
    top-level code and all, before it reads the next job: a quick handler written behind a
    slow top level is not killed as an endless one."""
    slow_top = (
        "const until = Date.now() + 2000; while (Date.now() < until) {}\n"
        "function handler(w) { return w; }"
    )
    sandbox = ProcessSandbox()
    try:
        assert sandbox.run(job(slow_top, limits=Limits(time_ms=10_000))).error is None
        quick = sandbox.run(job("function handler(w) { return w; }", limits=Limits(time_ms=100)))
        assert quick.error is None, quick.error
    finally:
        sandbox.close()


@pytest.mark.parametrize("waiting", [False, True], ids=["idle", "a-run-waiting"])
def test_a_child_stuck_preparing_the_last_handlers_context_exits_and_the_next_run_goes_on(
    waiting: bool,
):
    """Its top level is run again for the next context once it has answered: stuck there in
    one built-in call, the child exits (not spinning on while idle), and a run written to it
    meanwhile, not begun, runs on a new child."""
    sandbox = ProcessSandbox()
    try:
        sandbox.run(job("function handler(w) { return w; }"))  # started: the next run is quick
        # Before this the top level is quick, after it stuck; the run waits past it. A second
        # of margin for a busy machine to get the run to its top level.
        turn = time.time() * 1000 + 1_000
        stalls_later = (
            f"if (Date.now() > {turn}) Array.prototype.copyWithin.call({{length: 2**53 - 1}}, 0, 1);\n"
            f"function handler(w) {{ while (Date.now() < {turn} + 100) {{}} return w; }}"
        )
        assert sandbox.run(job(stalls_later, limits=Limits(time_ms=2_000))).error is None
        stuck = sandbox.pid
        assert stuck is not None
        if not waiting:
            wait_for(lambda: not _alive(stuck), what="the stuck child's exit")
        after = sandbox.run(job(HANDLERS["rewrites"], limits=Limits(time_ms=200)))
        assert after.error is None and after.logs, after.error
        assert sandbox.pid != stuck
    finally:
        sandbox.close()


@pytest.mark.parametrize("first", [0, 10], ids=["its-length-alone", "part-of-it"])
def test_an_answer_that_arrives_in_pieces_is_waited_for_as_a_whole(first: int):
    """The parent looks for an answer every quarter second; once one has begun, the rest
    of it may take longer than that (a busy machine) and is still read whole."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        body = b"x" * 1000
        theirs.sendall(struct.pack("!I", len(body)) + body[:first])
        later = threading.Timer(0.6, theirs.sendall, args=(body[first:],))
        later.start()
        try:
            assert _receive(ours, 0.1, None, rest=30) == body
        finally:
            later.join()


def test_where_the_child_cpu_cannot_be_read_a_slow_run_is_waited_for(
    monkeypatch: pytest.MonkeyPatch,
):
    """Not Linux: without the child's CPU clock, a run is waited for as long as its time
    limit and grace, never taken for an endless one after the first look."""
    monkeypatch.setattr(_Child, "cpu_seconds", lambda self: None)
    slow = "function handler(w) { const until = Date.now() + 800; while (Date.now() < until) {} return w; }"
    sandbox = ProcessSandbox()
    try:
        run = sandbox.run(job(slow, limits=Limits(time_ms=5_000)))
        assert run.error is None, run.error
    finally:
        sandbox.close()


def test_a_child_that_stops_answering_is_killed_and_the_run_may_be_tried_again():
    sandbox = ProcessSandbox(grace=0.5)
    quick = job("function handler(w) { return w; }")
    try:
        sandbox.run(quick)
        stuck = sandbox.pid
        assert stuck is not None
        os.kill(stuck, signal.SIGSTOP)  # stopped: no answer, and no CPU used meanwhile
        with pytest.raises(SandboxProcessError, match=r"stopped answering .* below the time"):
            sandbox.run(job("function handler(w) { return w; }", limits=Limits(time_ms=100)))
        wait_for(lambda: not _alive(stuck), what="the stuck child's end")
        assert sandbox.run(quick).error is None
        assert sandbox.pid != stuck
    finally:
        sandbox.close()


def test_a_child_that_died_between_runs_is_replaced_before_the_next():
    sandbox = ProcessSandbox()
    quick = job("function handler(w) { return w; }")
    try:
        sandbox.run(quick)
        dead = sandbox.pid
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        wait_for(lambda: _waitable(dead), what="the child's death")
        assert sandbox.run(quick).error is None  # no run is charged for it
        assert sandbox.pid != dead
    finally:
        sandbox.close()


def test_a_request_over_the_limit_is_refused_in_the_child_as_the_contract_would():
    """The child does not send what the contract would refuse (the parent would decode it
    all first); its count leaves out the endpoint's own headers, which only the parent adds."""
    big = "function handler(w) { w.payload = {x: 'é'.repeat(600000)}; return w; }"
    limits = Limits(max_request_bytes=1_000_000)
    sandbox = ProcessSandbox()
    try:
        in_child = transform(big, PAYMENT, sandbox=sandbox, limits=limits)
    finally:
        sandbox.close()
    in_process = transform(big, PAYMENT, limits=limits)
    for decision in (in_child, in_process):
        assert decision.error is not None and decision.error.kind == "request_too_large"
        assert "the limit is 1,000,000 bytes" in decision.error.message


@pytest.mark.parametrize(
    "thrown", ['"y".repeat(10 * 1024 * 1024)', 'new Error("\\u0001".repeat(3 * 1024 * 1024))']
)
def test_a_thrown_value_of_megabytes_is_an_exception_cut_short_not_a_lost_child(
    child: ProcessSandbox, thrown: str
):
    """Its text in JSON is far over what a run may answer: the child cuts it as a record
    would keep it, and answers; the run is the handler's exception, not the sandbox's crash."""
    transform("function handler(w) { return w; }", PAYMENT, sandbox=child)  # started
    pid = child.pid
    got = transform(f"function handler(w) {{ throw {thrown}; }}", PAYMENT, sandbox=child)
    assert got.error is not None and got.error.kind == "exception"
    assert got.error.message.endswith(" characters in all]") and len(got.error.message) < 5000
    assert child.pid == pid  # the same child: it was not killed for an unreadable answer


@pytest.mark.parametrize("limit", [0, 5, 33, 34, 35, 4096])
def test_cut_text_keeps_to_any_limit_and_says_the_length_where_there_is_room(limit: int):
    text = "x" * 100_000
    cut = cap_text(text, limit)
    assert len(cut) <= limit
    said = "… [cut: 100,000 characters in all]"
    assert cut.endswith(said) if limit >= len(said) else cut == text[:limit]
    assert cap_text(cut, limit) == cut  # cutting again changes nothing


def test_messages_larger_than_the_socket_buffers_arrive_whole(child: ProcessSandbox):
    """Both ways: a 2.4 MB envelope out (the envelope has no limit of its own here) and a
    request of most of a MiB back, each read in as many pieces as the socket gives."""
    envelope = json.loads(PAYMENT)
    envelope["data"]["note"] = "é€" * 400_000
    source = (
        "function handler(w) { w.payload = {n: w.payload.data.note.slice(0, 300000)}; return w }"
    )
    payload = json.dumps(envelope, ensure_ascii=False)
    got = transform(source, payload, sandbox=child)
    assert got.status == "ok" and got.request is not None
    assert got.request.json() == {"n": ("é€" * 150_000)}


def test_a_default_socket_timeout_in_the_parent_does_not_reach_the_child():
    """socket.setdefaulttimeout() (a library may set it) makes the pair non-blocking: the
    child must still wait for its next job rather than find none and exit."""
    sandbox = ProcessSandbox()
    socket.setdefaulttimeout(30)
    try:
        sandbox.wait_started()  # the pair is made now, under the default
    finally:
        socket.setdefaulttimeout(None)  # it would reach every later test's sockets
    try:
        for _ in range(2):
            assert transform(HANDLERS["cancels"], PAYMENT, sandbox=sandbox).status == "cancelled"
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


@pytest.mark.parametrize(
    "then",
    [
        "time.sleep(600)",  # between runs: the child sees its pipe close
        # in a run that would spin for a minute: the child sees it has no parent
        'sandbox.run(Job("function handler(w) { for (;;) {} }", "h.js", "{}", "t", "u"))',
    ],
    ids=["idle", "running"],
)
def test_a_child_outlives_no_parent(tmp_path: Path, then: str):
    """A SIGKILLed serve (or test, or playground) leaves no sandbox process behind."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        from dodo_transform.sandbox import Job, Limits, ProcessSandbox
        sandbox = ProcessSandbox(Limits(time_ms=60_000))
        sandbox.run(Job("function handler(w) {{ return w; }}", "h.js", {PAYMENT!r}, "t", "https://x.test/"))
        print(sandbox.pid, flush=True)
        """)
        + then
        + "\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert _alive(pid)
        if then.startswith("sandbox.run"):
            before = cpu_seconds(pid)
            wait_for(lambda: cpu_seconds(pid) > before + 0.3, what="the child spinning")
    finally:
        parent.kill()
        parent.wait()
    wait_for(lambda: not _alive(pid), what="the orphaned child to exit")


@pytest.mark.parametrize(
    "executable, said",
    [
        ("/bin/false", r"could not start: it exited with status 1"),  # exits at once
        ("/nonexistent/python", r"could not start: \[Errno 2\] No such file"),
    ],
)
def test_a_child_that_cannot_start_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, executable: str, said: str
):
    monkeypatch.setattr(sys, "executable", executable)
    sandbox = ProcessSandbox()
    try:
        with pytest.raises(SandboxProcessError, match=said):
            sandbox.run(job("function handler(w) { return w; }"))
    finally:
        sandbox.close()


def _waitable(pid: int) -> bool:
    """A child of this process that has exited, every thread of it (without reaping it)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _alive(pid: int) -> bool:
    """Running (not exited, not a zombie waiting for its reaper)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
