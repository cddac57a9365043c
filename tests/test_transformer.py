"""The transform stage's fair queue, with real QuickJS runs on real sandbox threads.

Each thread here is a real sandbox that records when a run starts and ends, and starts none
before the test opens its gate: every run is queued first, so the order the stage hands them
out is what the test reads. Assertions are about order and counts, never durations.
"""

import concurrent.futures
import json
import threading
from collections.abc import Iterator

import pytest

from dodo_transform.relay.transformer import Share, TransformStage
from dodo_transform.sandbox import Job, Sandbox
from dodo_transform.transform import decide

# ~tens of ms of CPU per run: far more than a pass-through run, whatever the machine's load.
SPIN = """
function handler(webhook) {
  let x = 0;
  for (let i = 0; i < 2000000; i++) x = (x + i) % 1000003;
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


class RecordingThread:
    """A sandbox thread of its own that records its runs' starts and ends."""

    def __init__(self, name: str, record: list[tuple[str, str]], gate: threading.Event) -> None:
        self.name, self.record, self.gate = name, record, gate
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

    def close(self) -> None:
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
            sandboxes=self.threads,  # type: ignore[arg-type]  # duck-typed sandboxes
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


def test_a_cap_is_the_endpoints_to_raise(rig: Rig):
    stage = rig.stage(threads=2, shares={"A": Share(cap=2)})
    spin = [rig.submit(stage, "A", SPIN, n) for n in range(1, 4)]
    assert stage.stats()["A"].running == 2
    rig.gate.set()
    for f in spin:
        f.result(timeout=60)
    assert stage.stats()["A"].peak_running == 2


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
