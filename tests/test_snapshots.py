"""Snapshot tests from the command line: write, edit the handler, `--check` shows exactly the
changed samples' diffs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers_cli import Watching

from dodo_transform import samples

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTION_CANCELLED = ROOT / "handlers" / "mailerlite" / "subscription_cancelled.js"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodo_transform", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_snapshot_then_check_shows_exactly_the_changed_samples(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(SUBSCRIPTION_CANCELLED.read_text())
    snaps = tmp_path / "snapshots"
    r = cli("test", handler, "--snapshot", snaps)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"wrote {len(samples.names())} snapshot(s) to {snaps}\n"
    files = sorted(p.name for p in snaps.iterdir())
    assert files == sorted(f"{n}.json" for n in samples.names())
    cancelled = json.loads((snaps / "subscription.cancelled.json").read_text())
    assert list(cancelled) == ["input", "status", "request", "logs", "warnings", "error"]
    assert cancelled["input"]["now"] == "2025-01-01T00:00:00Z"  # the frozen clock, recorded
    assert cancelled["request"]["body"]["fields"]["subscription_status"] == "cancelled"

    r = cli("test", handler, "--check", snaps)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.endswith(f"against {snaps}: 0 changed\n")

    # The edit changes what subscription.cancelled sends, and nothing else.
    handler.write_text(handler.read_text().replace('"cancelled"', '"churned"'))
    r = cli("test", handler, "--check", snaps)
    assert r.returncode == 1
    headers = [line for line in r.stdout.splitlines() if line.startswith(("---", "+++"))]
    path = snaps / "subscription.cancelled.json"
    assert headers == [f"--- {path} (snapshot)", f"+++ {path} (now)"]
    changed = [
        line
        for line in r.stdout.splitlines()
        if line.startswith(("+", "-")) and not line.startswith(("---", "+++"))
    ]
    assert changed == [
        '-        "subscription_status": "cancelled",',
        '+        "subscription_status": "churned",',
    ]
    assert r.stdout.endswith("1 changed\n")


def test_check_reuses_the_recorded_clock_and_reports_a_missing_snapshot(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(w) { w.payload = {at: new Date().toISOString()}; return w; }"
    )
    snaps = tmp_path / "s"
    assert cli("test", handler, "--event", "refund.failed", "--snapshot", snaps).returncode == 0
    # The real clock has moved on since; the snapshot still matches, its clock is frozen.
    assert cli("test", handler, "--event", "refund.failed", "--check", snaps).returncode == 0
    r = cli("test", handler, "--event", "refund.succeeded", "--check", snaps)
    assert r.returncode == 1
    assert f"--- {snaps / 'refund.succeeded.json'} (no snapshot)" in r.stdout


def test_a_lone_surrogate_in_the_output_is_written_escaped_and_checks_clean(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        'function handler(w) { console.log("half \\ud800"); w.payload = {n: "\\udfff"}; return w; }'
    )
    snaps = tmp_path / "snapshots"
    r = cli("test", handler, "--event", "refund.failed", "--snapshot", snaps)
    assert r.returncode == 0, r.stderr
    text = (snaps / "refund.failed.json").read_text()
    assert "half \\ud800" in text
    r = cli("test", handler, "--event", "refund.failed", "--check", snaps)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_of_a_missing_directory_is_a_usage_error(tmp_path):
    r = cli("test", SUBSCRIPTION_CANCELLED, "--check", tmp_path / "nope")
    assert r.returncode == 2
    assert (
        r.stderr
        == f"dodo-transform: --check {tmp_path / 'nope'}: no such directory (write it with --snapshot)\n"
    )


def test_two_inputs_that_would_share_a_snapshot_file_are_refused(tmp_path):
    envelopes = tmp_path / "envelopes"
    (envelopes / "a").mkdir(parents=True)
    (envelopes / "a" / "b.json").write_text(samples.get("refund.failed").text)
    (envelopes / "a_b.json").write_text(samples.get("refund.succeeded").text)
    snaps = tmp_path / "snaps"
    for mode in ("--snapshot", "--check"):
        snaps.mkdir(exist_ok=True)
        r = cli("test", SUBSCRIPTION_CANCELLED, "--payload", envelopes, mode, snaps)
        assert r.returncode == 2, r.stdout
        assert r.stderr == (
            f"dodo-transform: '{envelopes / 'a' / 'b.json'}' and '{envelopes / 'a_b.json'}' "
            f"would both be snapshot {snaps / (str(envelopes).strip('/').replace('/', '_') + '_a_b.json')}"
            ": rename one of the files, or snapshot them into separate folders\n"
        )
        assert list(snaps.iterdir()) == []  # refused before anything was written


def test_one_file_given_twice_in_two_spellings_is_no_collision(tmp_path):
    (tmp_path / "a.json").write_text(samples.get("refund.failed").text)
    snaps = tmp_path / "snaps"
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", str(SUBSCRIPTION_CANCELLED)]
        + ["--payload", "a.json", "--payload", "./a.json", "--snapshot", str(snaps)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert [p.name for p in snaps.iterdir()] == ["a.json"]


def test_a_snapshot_that_cannot_be_written_is_named_not_the_handler(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = cli("test", SUBSCRIPTION_CANCELLED, "--event", "refund.failed", "--snapshot", blocker)
    assert r.returncode == 2
    assert r.stderr == f"dodo-transform: {blocker}: cannot make the folder: File exists\n"
    folder = tmp_path / "snaps"
    (folder / "refund.failed.json").mkdir(parents=True)  # a folder where the file goes
    for mode in ("--snapshot", "--check"):
        r = cli("test", SUBSCRIPTION_CANCELLED, "--event", "refund.failed", mode, folder)
        assert r.returncode == 2
        verb = "write" if mode == "--snapshot" else "read"
        assert r.stderr == (
            f"dodo-transform: {folder / 'refund.failed.json'}: cannot {verb}: Is a directory\n"
        )


def test_watch_runs_again_when_the_handler_is_saved(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text("function handler(w) { console.log('first'); return w; }")
    with Watching(handler, "--event", "refund.failed") as w:
        assert "console.log  first" in w.out.watch_round()
        handler.write_text("function handler(w) { console.log('second'); return w; }")
        assert "console.log  second" in w.out.watch_round()


def test_version_and_shell_completion():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("dodo-transform 0.")
    r = cli("completion", "bash")
    assert r.returncode == 0 and "complete " in r.stdout and "dodo-transform" in r.stdout
    # What the shell code does on Tab: ask the program itself, which answers and exits.
    line = "dodo-transform test h.js --event subscription.ca"
    out = subprocess.run(
        [sys.executable, "-m", "dodo_transform"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "_ARGCOMPLETE": "1",
            "_ARGCOMPLETE_IFS": "\n",
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
            "_ARGCOMPLETE_STDOUT_FILENAME": "/dev/stdout",
        },
    )
    assert out.stdout.split("\n") == ["subscription.cancelled "]  # the space ends the word
