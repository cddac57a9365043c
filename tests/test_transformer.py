"""The transform stage's fair queue, with real QuickJS runs on real sandbox threads.

Each thread here is a real sandbox that records when a run starts and ends, and starts none
before the test opens its gate: every run is queued first, so the order the stage hands them
out is what the test reads. Assertions are about order and counts, never durations.
"""

import concurrent.futures
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from helpers_servers import (
    HTTP,
    SECRET,
    ServeProcess,
    Target,
    another_endpoint,
    cpu_seconds,
    free_port,
    wait_for,
    write_config,
)
from prometheus_client.parser import text_string_to_metric_families

from dodo_transform.relay.config import ConfigError, load_config
from dodo_transform.relay.signing import sign
from dodo_transform.relay.transformer import Share, TransformStage, cgroup_cpus, share_of
from dodo_transform.sandbox import Job, Limits, RawRun, Sandbox
from dodo_transform.sandbox.base import BaseSandbox
from dodo_transform.transform import decide

# ~tens of ms of CPU per run: far more than a pass-through run, whatever the machine's load.
SPIN = """
function handler(webhook) {
  let x = 0;
  for (let i = 0; i < 600000; i++) x = (x + i) % 1000003;
  webhook.payload.spun = x;
  return webhook;
}
"""
QUICK = "function handler(webhook) { return webhook; }"
# Isolation across threads: a global a previous run left behind would show here.
COUNTING = """
function handler(webhook) {
  globalThis.seen = (globalThis.seen || 0) + 1;
  webhook.payload.data.seen = globalThis.seen;
  webhook.payload.data.who = WHO;
  return webhook;
}
"""


class RecordingThread(BaseSandbox):
    """A sandbox thread of its own that records its runs' starts and ends."""

    def __init__(self, name: str, record: list[tuple[str, str]], gate: threading.Event) -> None:
        self.name, self.record, self.gate = name, record, gate
        self.limits = Limits()
        old = threading.stack_size()
        threading.stack_size(16 * 1024 * 1024)  # as Sandbox's own thread: room for QuickJS
        try:
            self.executor = concurrent.futures.ThreadPoolExecutor(1)
            self.box = self.executor.submit(Sandbox, thread=False).result()
        finally:
            threading.stack_size(old)

    def submit(self, job: Job) -> "concurrent.futures.Future":
        return self.executor.submit(self._run, job)

    def _run(self, job: Job):
        assert self.gate.wait(60)
        tag = f"{job.env['lane']}{job.env['n']}"
        self.record.append(("start", tag))
        try:
            return self.box.run(job)
        finally:
            self.record.append(("end", tag))

    def close(self, *, cut_short: bool = False) -> None:
        self.executor.submit(self.box.close).result()
        self.executor.shutdown()


@pytest.fixture
def rig() -> Iterator["Rig"]:
    rig = Rig()
    yield rig
    rig.gate.set()
    for t in rig.threads:
        t.close()


class Rig:
    def __init__(self) -> None:
        self.record: list[tuple[str, str]] = []
        self.gate = threading.Event()
        self.threads: list[RecordingThread] = []

    def stage(self, threads: int, shares: dict[str, Share] | None = None) -> TransformStage:
        self.threads = [RecordingThread(f"t{i}", self.record, self.gate) for i in range(threads)]
        shares = shares or {}
        return TransformStage(
            sandboxes=self.threads,
            share=lambda name: shares.get(name, Share()),
        )

    def submit(self, stage: TransformStage, lane: str, source: str, n: int):
        job = Job(
            source,
            f"{lane}.js",
            json.dumps({"type": "payment.succeeded", "data": {"n": n}}),
            "payment.succeeded",
            "https://example.invalid/",
            env={"lane": lane, "n": str(n)},
        )
        return stage.submit(lane, job)

    def starts(self) -> list[str]:
        return [tag for what, tag in self.record if what == "start"]


def test_a_spinning_endpoint_waits_while_a_quick_one_catches_up(rig: Rig):
    stage = rig.stage(threads=1)
    spin = [rig.submit(stage, "A", SPIN, n) for n in range(1, 5)]
    quick = [rig.submit(stage, "B", QUICK, n) for n in range(1, 5)]
    rig.gate.set()
    for f in spin + quick:
        assert f.result(timeout=60).error is None
    # A1 had the thread before B queued anything; after it, B (charged next to nothing) runs
    # all four before A, charged A1's whole CPU time, gets the thread again.
    assert rig.starts() == ["A1", "B1", "B2", "B3", "B4", "A2", "A3", "A4"]
    stats = stage.stats()
    assert stats["A"].runs == 4 and stats["B"].runs == 4
    assert stats["A"].cpu_seconds > 10 * stats["B"].cpu_seconds
    assert stats["A"].queued == stats["A"].running == 0


def test_endpoints_with_equal_handlers_take_turns(rig: Rig):
    stage = rig.stage(threads=1)
    futures = [rig.submit(stage, lane, SPIN, n) for lane in "ABC" for n in range(1, 5)]
    rig.gate.set()
    for f in futures:
        f.result(timeout=60)
    counts = dict.fromkeys("ABC", 0)
    for tag in rig.starts():
        counts[tag[0]] += 1
        # Round-robin up to the noise of measured CPU time: no lane runs ahead by a round.
        assert max(counts.values()) - min(counts.values()) <= 2, rig.starts()


def test_weight_gives_an_endpoint_a_larger_share(rig: Rig):
    stage = rig.stage(threads=1, shares={"A": Share(weight=3)})
    futures = [rig.submit(stage, lane, SPIN, n) for lane in "AB" for n in range(1, 9)]
    rig.gate.set()
    for f in futures:
        f.result(timeout=60)
    first = [tag[0] for tag in rig.starts()[:8]]
    assert first.count("A") >= 5 and first.count("B") >= 1, rig.starts()


def test_an_idle_endpoint_earns_no_credit(rig: Rig):
    stage = rig.stage(threads=1)
    rig.gate.set()
    rig.submit(stage, "A", QUICK, 1).result(timeout=60)  # A, then quiet while B works
    for f in [rig.submit(stage, "B", SPIN, n) for n in range(1, 6)]:
        f.result(timeout=60)
    rig.gate.clear()
    later = [rig.submit(stage, lane, SPIN, n) for lane in "AB" for n in range(6, 10)]
    rig.gate.set()
    for f in later:
        f.result(timeout=60)
    # Had A kept the credit of its quiet time (B used five spinning runs meanwhile), all
    # four of A's would run before B's next one; it starts level with B instead.
    assert [tag[0] for tag in rig.starts()[6:10]].count("B") >= 1, rig.starts()


def test_one_endpoint_never_takes_every_thread(rig: Rig):
    stage = rig.stage(threads=2)
    assert stage.default_cap() == 1
    spin = [rig.submit(stage, "A", SPIN, n) for n in range(1, 5)]
    quick = [rig.submit(stage, "B", QUICK, n) for n in range(1, 4)]
    # With A capped at one run, B's first run got the second thread at once.
    assert stage.stats()["A"].running == 1 and stage.stats()["B"].running == 1
    rig.gate.set()
    for f in spin + quick:
        f.result(timeout=60)
    assert stage.stats()["A"].peak_running == 1
    running = 0  # A's runs, from the threads' own records: never two at once
    for what, tag in rig.record:
        if tag.startswith("A"):
            running += 1 if what == "start" else -1
            assert running <= 1


def test_a_raised_cap_lets_an_endpoint_use_every_thread(rig: Rig):
    stage = rig.stage(threads=2, shares={"A": Share(cap=2)})
    spin = [rig.submit(stage, "A", SPIN, n) for n in range(1, 4)]
    assert stage.stats()["A"].running == 2
    rig.gate.set()
    for f in spin:
        f.result(timeout=60)
    assert stage.stats()["A"].peak_running == 2


class HandDriven(BaseSandbox):
    """A sandbox given up to ``depth`` runs at once, each finished when the test says."""

    def __init__(self, depth: int) -> None:
        self.limits, self.pipeline_depth = Limits(), depth
        self.given: list[tuple[str, concurrent.futures.Future[RawRun]]] = []
        self.most = 0  # the most runs it held at once

    def submit(self, job: Job) -> concurrent.futures.Future[RawRun]:
        future: concurrent.futures.Future[RawRun] = concurrent.futures.Future()
        self.given.append((f"{job.env['lane']}{job.env['n']}", future) if job.env else ("", future))
        self.most = max(self.most, len(self.given))
        return future

    def finish(self, cpu_ms: float = 0.2) -> str:
        """Finish its oldest run (the stage then hands out what is next); say whose."""
        tag, future = self.given.pop(0)
        future.set_result(RawRun({}, None, cpu_ms=cpu_ms))
        return tag

    def holds(self) -> list[str]:
        return [tag for tag, _ in self.given]

    def close(self, *, cut_short: bool = False) -> None:
        pass


def hand_driven_stage(depth: int, caps: dict[str, int]) -> tuple[TransformStage, list[HandDriven]]:
    boxes = [HandDriven(depth), HandDriven(depth)]
    stage = TransformStage(sandboxes=boxes, share=lambda name: Share(cap=caps.get(name)))
    return stage, boxes


def hand_job(lane: str, n: int) -> Job:
    return Job(
        "", f"{lane}.js", "{}", "t", "https://example.invalid/", env={"lane": lane, "n": str(n)}
    )


def finish_all(boxes: list[HandDriven], cpu_ms: float = 0.2) -> None:
    while any(b.given for b in boxes):
        for b in boxes:
            if b.given:
                b.finish(cpu_ms)


def test_cheap_runs_of_one_endpoint_wait_in_line_inside_the_sandboxes():
    stage, boxes = hand_driven_stage(2, {"A": 2})
    futures = [stage.submit("A", hand_job("A", n)) for n in range(10)]
    # Not measured yet: one run per sandbox, as without pipelines.
    assert sorted(tag for b in boxes for tag in b.holds()) == ["A0", "A1"]
    boxes[0].finish()  # measured cheap: each sandbox now gets the next one behind its run
    assert [len(b.holds()) for b in boxes] == [2, 2]
    stats = stage.stats()["A"]
    assert (stats.running, stats.queued, stats.runs) == (2, 7, 1)
    finish_all(boxes)
    assert all(f.done() for f in futures)
    assert [b.most for b in boxes] == [2, 2] and stage.stats()["A"].peak_running == 2


def test_expensive_runs_wait_in_the_stage_where_any_sandbox_may_take_them():
    stage, boxes = hand_driven_stage(2, {"A": 2})
    futures = [stage.submit("A", hand_job("A", n)) for n in range(6)]
    finish_all(boxes, cpu_ms=50.0)
    assert all(f.done() for f in futures)
    assert [b.most for b in boxes] == [1, 1]


def test_an_endpoint_waiting_for_a_sandbox_stops_the_others_lining_up_runs():
    stage, boxes = hand_driven_stage(2, {"A": 2, "B": 1})
    for n in range(40):
        stage.submit("A", hand_job("A", n))
    boxes[0].finish()
    assert [len(b.holds()) for b in boxes] == [2, 2]  # A's runs in line in both
    b_run = stage.submit("B", hand_job("B", 0))
    # A's lines are no longer topped up: they run out, one run per sandbox, until B's run
    # gets one (after a few more of A's: fair queuing decides how many), not never.
    for _ in range(30):
        [b for b in boxes if b.given][0].finish()
        if any("B0" in b.holds() for b in boxes):
            break
        assert [len(b.holds()) for b in boxes] in ([1, 2], [2, 1], [1, 1]), boxes
    assert any("B0" in b.holds() for b in boxes)
    finish_all(boxes)
    assert b_run.done()


def test_a_stage_closed_cut_short_ends_every_run_and_holds_nothing():
    """serve's stop: a spinning run, and one of the same (cheap) lane in line behind it."""
    stage = TransformStage(1, processes=True, share=lambda _name: Share(cap=1))
    try:
        stage.submit("A", hand_job("A", 0)).result(timeout=60)  # measured cheap: lines up
        spins = Job("function handler(w) { for (;;) {} }", "a.js", "{}", "t", "https://x.test/")
        spinning = stage.submit("A", replace(spins, limits=Limits(time_ms=60_000)))
        behind = stage.submit("A", hand_job("A", 1))
        wait_for(lambda: stage.stats()["A"].running == 1 and stage.sandboxes[0].pid is not None)
    finally:
        stage.close(cut_short=True)
    for future in (spinning, behind):
        assert future.exception(timeout=10) is not None  # ended, not left running
    stats = stage.stats()["A"]
    assert (stats.running, stats.queued) == (0, 0)


def test_slow_endpoints_together_leave_a_sandbox_for_a_quick_one():
    stage, boxes = hand_driven_stage(1, {})  # the default caps: one sandbox each of two
    quick = stage.submit("C", hand_job("C", 0))
    first = [stage.submit(lane, hand_job(lane, 0)) for lane in ("A", "B")]
    finish_all(boxes, cpu_ms=0.2)  # C measured quick; A and B not measured yet
    assert quick.done() and all(f.done() for f in first)
    # A and B each take a sandbox before they are known to be slow...
    for lane in ("A", "B"):
        stage.submit(lane, hand_job(lane, 1))
    assert sorted(tag for b in boxes for tag in b.holds()) == ["A1", "B1"]
    for b in boxes:
        b.finish(cpu_ms=200.0)
    # ...and then, slow, one of them at a time: the other sandbox is C's whenever it has work.
    later = [stage.submit(lane, hand_job(lane, n)) for n in (2, 3) for lane in ("A", "B")]
    assert len([tag for b in boxes for tag in b.holds()]) == 1
    stage.submit("C", hand_job("C", 1))
    assert "C1" in [tag for b in boxes for tag in b.holds()]
    finish_all(boxes, cpu_ms=200.0)
    assert all(f.done() for f in later)


def test_a_slow_endpoint_with_a_cap_of_its_own_is_held_to_that_alone():
    boxes = [HandDriven(1), HandDriven(1)]
    shares = {"A": Share(cap=1, chosen=True), "B": Share(cap=1)}
    stage = TransformStage(sandboxes=boxes, share=lambda name: shares.get(name, Share()))
    for lane in ("A", "B", "C"):
        stage.submit(lane, hand_job(lane, 0))
        finish_all(boxes, cpu_ms=200.0 if lane != "C" else 0.2)
    for lane in ("A", "B"):
        stage.submit(lane, hand_job(lane, 1))
    # B, slow under the default cap, holds one; A's own cap of 1 is not shared with B's.
    assert sorted(tag for b in boxes for tag in b.holds()) == ["A1", "B1"]
    finish_all(boxes, cpu_ms=200.0)


def test_slow_endpoints_alone_use_every_sandbox_their_caps_allow():
    stage, boxes = hand_driven_stage(1, {})
    for lane in ("A", "B"):
        stage.submit(lane, hand_job(lane, 0))
    finish_all(boxes, cpu_ms=200.0)
    for lane in ("A", "B"):
        stage.submit(lane, hand_job(lane, 1))
    assert sorted(tag for b in boxes for tag in b.holds()) == ["A1", "B1"]  # no quick lane
    finish_all(boxes, cpu_ms=200.0)


def test_a_quick_endpoint_a_reload_removed_keeps_no_sandbox_from_the_slow_ones():
    boxes = [HandDriven(1), HandDriven(1)]
    shares = {"A": Share(), "B": Share(), "C": Share()}
    stage = TransformStage(sandboxes=boxes, share=lambda name: shares.get(name, Share(gone=True)))
    for lane in ("A", "B", "C"):
        stage.submit(lane, hand_job(lane, 0))
        finish_all(boxes, cpu_ms=200.0 if lane != "C" else 0.2)
    del shares["C"]  # the reload: A and B, both slow, are every endpoint left
    for lane in ("A", "B"):
        stage.submit(lane, hand_job(lane, 1))
    assert sorted(tag for b in boxes for tag in b.holds()) == ["A1", "B1"]
    finish_all(boxes, cpu_ms=200.0)


def test_every_run_is_isolated_and_its_own_on_several_threads():
    stage = TransformStage(2, share=lambda _name: Share(cap=2))
    try:
        futures = []
        for n in range(40):
            who = "AB"[n % 2]
            job = Job(
                f"const WHO = {who!r};\n{COUNTING}",
                f"{who}.js",
                json.dumps({"type": "payment.succeeded", "data": {"n": n}}),
                "payment.succeeded",
                "https://example.invalid/",
            )
            futures.append((who, n, stage.submit(who, job)))
        for who, n, f in futures:
            d = decide(f.result(timeout=60), {})
            body = d.request.json()
            # A fresh context per run on whichever thread: the handler's global starts at 1,
            # and every result is its own event's, from its own endpoint's handler.
            assert body["data"] == {"n": n, "seen": 1, "who": who}
        assert sum(s.runs for s in stage.stats().values()) == 40
    finally:
        stage.close()


def test_close_cancels_what_is_still_queued(rig: Rig):
    stage = rig.stage(threads=1)
    first = rig.submit(stage, "A", QUICK, 1)
    queued = rig.submit(stage, "A", QUICK, 2)
    stage.close()
    assert queued.cancelled()
    rig.gate.set()
    assert first.result(timeout=60).error is None
    with pytest.raises(RuntimeError, match="closed"):
        rig.submit(stage, "A", QUICK, 3)


# -- the config's shares ---------------------------------------------------------------------

OTHER = another_endpoint("other", "https://example.invalid/")


def test_the_default_cap_keeps_a_thread_for_the_other_endpoints(tmp_path: Path):
    alone = load_config(write_config(tmp_path, "http://127.0.0.1:9"))
    assert share_of(alone.endpoints, "test", 4) == Share(1.0, 4)  # no one to keep it for
    two = load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=OTHER))
    assert share_of(two.endpoints, "test", 4) == Share(1.0, 3)
    assert share_of(two.endpoints, "test", 1) == Share(1.0, 1)
    set_ = "transform_weight = 2.5\nmax_concurrent_transforms = 4\n" + OTHER
    given = load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=set_))
    assert share_of(given.endpoints, "test", 2) == Share(2.5, 4, chosen=True)
    assert share_of(given.endpoints, "removed-by-a-reload", 2) == Share(gone=True)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("max_concurrent_transforms = 0", "max_concurrent_transforms: must be greater than 0"),
        ("transform_weight = -1", "transform_weight: must be greater than 0"),
        ('transform_weight = "heavy"', "transform_weight: must be a number"),
    ],
)
def test_a_bad_share_is_one_line_naming_the_key(tmp_path: Path, line: str, problem: str):
    with pytest.raises(ConfigError, match=problem):
        load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=line))


def test_sandbox_threads_comes_from_the_config(tmp_path: Path):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_server=""))
    assert config.server.sandbox_threads is None  # serve then runs one per CPU
    config = load_config(
        write_config(tmp_path, "http://127.0.0.1:9", extra_server="sandbox_threads = 3")
    )
    assert config.server.sandbox_threads == 3
    with pytest.raises(ConfigError, match="server.sandbox_threads: must be greater than 0"):
        load_config(
            write_config(tmp_path, "http://127.0.0.1:9", extra_server="sandbox_threads = 0")
        )


def test_the_default_sandbox_count_keeps_to_a_containers_cpu_quota(tmp_path: Path):
    cpu_max = tmp_path / "cpu.max"
    for text, cpus in [("max 100000", None), ("200000 100000", 2), ("150000 100000", 2)]:
        cpu_max.write_text(text + "\n")
        assert cgroup_cpus(cpu_max) == cpus
    assert cgroup_cpus(tmp_path / "absent") is None  # no cgroup v2 limit: every CPU


def test_sandbox_isolation_comes_from_the_config(tmp_path: Path):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_server=""))
    assert config.server.sandbox_isolation == "process"
    line = 'sandbox_isolation = "thread"'
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_server=line))
    assert config.server.sandbox_isolation == "thread"
    line = 'sandbox_isolation = "fork"'
    with pytest.raises(ConfigError, match="sandbox_isolation: 'fork': one of 'process', 'thread'"):
        load_config(write_config(tmp_path, "http://127.0.0.1:9", extra_server=line))


def test_a_stage_of_processes_runs_each_sandbox_in_a_child_of_its_own():
    stage = TransformStage(2, processes=True, share=lambda _n: Share(cap=2))
    try:
        payment = json.dumps({"type": "payment.succeeded", "data": {}})
        jobs = [
            Job(QUICK, "q.js", payment, "payment.succeeded", "https://x.test/") for _ in range(8)
        ]
        runs = [f.result(timeout=60) for f in [stage.submit("a", job) for job in jobs]]
        assert all(run.error is None and run.result is not None for run in runs)
        pids = {sandbox.pid for sandbox in stage.sandboxes}  # type: ignore[attr-defined]
        assert len(pids) == 2 and os.getpid() not in pids and None not in pids
        assert stage.stats()["a"].runs == 8 and stage.stats()["a"].cpu_seconds > 0
    finally:
        stage.close()
    assert all(sandbox.pid is None for sandbox in stage.sandboxes)  # type: ignore[attr-defined]


# -- serve: a spinning endpoint beside a pass-through one ----------------------------------

# ~200 ms of CPU per event on this kind of machine.
SPIN_200MS = """
function handler(webhook) {
  let x = 0;
  for (let i = 0; i < 2500000; i++) x = (x + i) % 1000003;
  webhook.payload.data.spun = x;
  return webhook;
}
"""
ADMIN = {"Authorization": "Bearer admin-token"}


def test_serve_delivers_a_pass_through_endpoint_beside_a_spinning_one(tmp_path: Path):
    (tmp_path / "spin.js").write_text(SPIN_200MS)
    with Target() as target:
        config = write_config(
            tmp_path,
            target.url,
            name="quick",
            extra_server="sandbox_threads = 2",
            extra_endpoint=another_endpoint(
                "spin", f"{target.url}/spin", "spin.js", "time_limit_ms = 30000"
            ),
        )
        server = ServeProcess(config, free_port())
        try:
            server.start()

            def post(endpoint: str, n: int) -> None:
                # A customer each: no ordering chain holds either endpoint's events back.
                body = json.dumps(
                    {
                        "business_id": "bus_1",
                        "type": "payment.succeeded",
                        "timestamp": "2025-08-04T05:30:45Z",
                        "data": {"n": n, "customer": {"email": f"{endpoint}{n}@example.com"}},
                    }
                )
                r = HTTP.post(
                    f"{server.url}/webhooks/{endpoint}", content=body, headers=sign(SECRET, body)
                )
                assert r.status_code == 202, r.text

            for n in range(10):  # the spinning endpoint's events arrive first
                post("spin", n)
            for n in range(10):
                post("quick", n)
            deadline = time.monotonic() + 120
            while len(target.received) < 20 and time.monotonic() < deadline:
                time.sleep(0.1)
            order = ["spin" if r.path == "/spin" else "quick" for r in target.received]
            assert order.count("spin") == 10 and order.count("quick") == 10, order
            # One queue for both would deliver every pass-through event after all ten
            # spinning ones; the fair stage delivers them beside the first few.
            last_quick = max(i for i, e in enumerate(order) if e == "quick")
            assert order[:last_quick].count("spin") <= 5, order

            endpoints = {
                e["name"]: e["transform"]
                for e in HTTP.get(f"{server.url}/endpoints", headers=ADMIN).json()["endpoints"]
            }
            assert endpoints["spin"]["runs"] == endpoints["quick"]["runs"] == 10
            assert endpoints["spin"]["peak_running"] == 1  # the default cap on 2 threads
            assert endpoints["spin"]["cap"] == endpoints["quick"]["cap"] == 1
            assert endpoints["spin"]["cpu_seconds"] > 10 * endpoints["quick"]["cpu_seconds"]
            page = HTTP.get(f"{server.url}/ui/endpoints", headers=ADMIN).text
            assert "10 handler runs since start" in page and "at most 1 at once" in page
            metrics = {
                (s.name, s.labels.get("endpoint")): s.value
                for family in text_string_to_metric_families(HTTP.get(f"{server.url}/metrics").text)
                for s in family.samples
            }
            assert metrics[("dodo_transform_sandbox_threads", None)] == 2
            spun = metrics[("dodo_transform_sandbox_cpu_seconds_total", "spin")]
            assert spun == pytest.approx(endpoints["spin"]["cpu_seconds"], rel=1e-3)
            assert metrics[("dodo_transform_sandbox_wait_seconds_count", "quick")] == 10
        finally:
            server.stop()


def test_an_ingest_instance_starts_its_sandbox_processes_when_first_asked(tmp_path: Path):
    from dodo_transform.relay.server import create_app
    from dodo_transform.serving import ServerThread

    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"))
    app = create_app(config, role="ingest")
    with ServerThread(app) as srv:
        sandboxes = app.state.dodo.stage.sandboxes
        assert [s.pid for s in sandboxes] == [None] * len(sandboxes)  # nothing to deliver
        envelope = {"type": "payment.succeeded", "data": {"customer": {"email": "a@b.c"}}}
        r = HTTP.post(
            f"{srv.url}/endpoints/test/simulate",
            json={"payload": envelope},
            headers={"Authorization": "Bearer admin-token"},
        )
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        assert sum(s.pid is not None for s in sandboxes) == 1  # the one the run needed


def test_a_sandbox_process_killed_mid_run_is_a_failed_attempt_then_delivered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    from dodo_transform.relay.server import create_app
    from dodo_transform.serving import ServerThread

    # Every run spins for 2 s of wall time: the test kills the first one's process meanwhile.
    handler = """
    function handler(webhook) {
      const began = Date.now();
      while (Date.now() - began < 2000) {}
      return webhook;
    }
    """
    with Target() as target:
        config = load_config(
            write_config(
                tmp_path, target.url, handler=handler, extra_endpoint="time_limit_ms = 5000"
            )
        )
        app = create_app(config)
        with ServerThread(app) as srv:
            sandboxes = app.state.dodo.stage.sandboxes
            cpu = {s.pid: cpu_seconds(s.pid) for s in sandboxes}
            body = json.dumps({"type": "payment.succeeded", "data": {"n": 1}})
            r = HTTP.post(f"{srv.url}/webhooks/test", content=body, headers=sign(SECRET, body))
            assert r.status_code == 202, r.text
            delivery = r.json()["delivery_id"]
            busy: list[int] = []

            def spinning() -> bool:
                busy.extend(pid for pid in cpu if cpu_seconds(pid) > cpu[pid] + 0.1)
                return bool(busy)

            wait_for(spinning, what="a sandbox process running the handler")
            os.kill(busy[0], signal.SIGKILL)

            def row() -> dict:
                url = f"{srv.url}/deliveries/{delivery}"
                return HTTP.get(url, headers={"Authorization": "Bearer admin-token"}).json()

            wait_for(lambda: row()["status"] == "succeeded", what="the delivery's retry")
            attempts = row()["attempts"]
    assert len(attempts) == 2 and len(target.received) == 1
    assert attempts[0]["error"] == (
        f"the sandbox process (pid {busy[0]}) was killed by SIGKILL while running "
        f"{tmp_path / 'handler.js'}; a new one is started for the next run"
    )
    said = [r for r in caplog.records if "was killed by SIGKILL" in r.getMessage()]
    assert said and all(r.exc_info is None for r in said)  # one line, no traceback
