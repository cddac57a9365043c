"""The pytest plugin as a merchant uses it: a throwaway project (its own `pyproject.toml`,
`tests/` and handler) run by pytest in a subprocess, with nothing imported by hand."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from subpytest import run_pytest

ROOT = Path(__file__).resolve().parent.parent
CANCELLED = (ROOT / "handlers" / "mailerlite" / "subscription_cancelled.js").read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "merchant-handlers"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "cancelled.js").write_text(CANCELLED)
    (tmp_path / "tests").mkdir()
    return tmp_path


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_pytest(*args, cwd=project)


def write_test(project: Path, body: str) -> None:
    (project / "tests" / "test_handlers.py").write_text(textwrap.dedent(body))


def test_the_fixture_runs_lints_and_lists_samples(project):
    write_test(
        project,
        """
        def test_cancellation_moves_to_churned(dodo):
            d = dodo.run("handlers/cancelled.js", event="subscription.cancelled",
                         now="2025-08-04T00:00:00Z")
            assert d.status == "ok"
            assert d.request.method == "PUT"
            assert d.request.json()["fields"] == {
                "subscription_status": "cancelled", "cancellation_date": "2025-08-04"}
            assert "put_replaces_groups" in {w["code"] for w in dodo.lint(d)}

        def test_other_events_pass_through(dodo):
            d = dodo.run("handlers/cancelled.js", payload={"type": "refund.failed", "data": {}})
            assert d.request.json()["type"] == "refund.failed"

        def test_code_inline_and_hints(dodo):
            d = dodo.run("function handler(w) { fetch(w.url); return w; }", event="refund.failed")
            assert d.status == "error" and "no network" in d.error.hint

        def test_a_handler_file_of_any_extension_is_read_not_compiled(dodo, tmp_path):
            module = tmp_path / "cancelled.mjs"
            module.write_text(open("handlers/cancelled.js").read())
            d = dodo.run(str(module), event="subscription.cancelled")
            assert d.status == "ok" and d.request.method == "PUT"
            kept = tmp_path / "cancelled.handler"  # no script extension, but a file
            kept.write_text(open("handlers/cancelled.js").read())
            assert dodo.run(str(kept), event="subscription.cancelled").request.method == "PUT"
            import pytest
            with pytest.raises(FileNotFoundError):
                dodo.run("handlers/missing.mjs", event="refund.failed")

        def test_samples(dodo):
            assert "subscription.cancelled" in {s.event_type for s in dodo.samples}

        def test_payloads_follow_the_doors_rule(dodo):
            import pytest
            from dodo_transform.testing import PayloadError
            with pytest.raises(PayloadError, match="NaN or Infinity"):
                dodo.run("handlers/cancelled.js", payload={"type": "x", "amount": float("nan")})
            with pytest.raises(PayloadError, match="payload: not RFC 8259 JSON: NaN at byte 24"):
                dodo.run("handlers/cancelled.js", payload='{"type": "x", "amount": NaN}')
        """,
    )
    r = pytest_in(project)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "6 passed" in r.stdout


def test_a_wrong_expectation_fails_with_a_readable_assertion(project):
    write_test(
        project,
        """
        def test_method(dodo):
            d = dodo.run("handlers/cancelled.js", event="subscription.cancelled")
            assert d.request.method == "POST"
        """,
    )
    r = pytest_in(project)
    assert r.returncode == 1
    assert "AssertionError: assert 'PUT' == 'POST'" in r.stdout
    assert "1 failed" in r.stdout


def test_snapshots_from_pytest_update_then_catch_an_edit(project):
    write_test(
        project,
        """
        def test_outputs(dodo):
            dodo.snapshot("handlers/cancelled.js", "tests/snapshots",
                          events=["subscription.cancelled", "payment.succeeded"])
        """,
    )
    r = pytest_in(project)
    assert r.returncode == 1 and "(no snapshot)" in r.stdout
    r = pytest_in(project, "--dodo-snapshot-update")
    assert r.returncode == 0, r.stdout
    assert sorted(p.name for p in (project / "tests" / "snapshots").iterdir()) == [
        "payment.succeeded.json",
        "subscription.cancelled.json",
    ]
    assert pytest_in(project).returncode == 0
    handler = project / "handlers" / "cancelled.js"
    handler.write_text(handler.read_text().replace('"cancelled"', '"churned"'))
    r = pytest_in(project)
    assert r.returncode == 1
    assert "1 snapshot(s) in" in r.stdout and "--dodo-snapshot-update" in r.stdout
    assert '+        "subscription_status": "churned",' in r.stdout
    assert "payment.succeeded.json" not in r.stdout


def test_the_workbench_page_example_passes_in_a_project(project):
    """docs/workbench.md's plugin example (skipped by the docs tests, which cannot give a
    fixture) runs here as the merchant's own test file."""
    from docs_blocks import ROOT as DOCS_ROOT
    from docs_blocks import blocks

    (example,) = [
        b
        for b in blocks(DOCS_ROOT / "docs" / "workbench.md")
        if b.lang == "python" and "def test_outputs_unchanged(dodo)" in b.text
    ]
    (project / "tests" / "test_handlers.py").write_text(example.text)
    r = pytest_in(project, "--dodo-snapshot-update")
    assert r.returncode == 0, r.stdout + r.stderr
    r = pytest_in(project)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed" in r.stdout
