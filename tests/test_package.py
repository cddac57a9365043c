"""The product as a user installs it: a wheel built from this tree, in a fresh virtual
environment outside the repository, run from an empty directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers_servers import HTTP

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ``dodo-transform`` executable of a fresh venv holding only the built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", base / "dist", ROOT, cwd=base
    )
    assert built.returncode == 0, built.stderr
    # The build states its licence the current way (no setuptools deprecation warning).
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr
    (wheel,) = (base / "dist").glob("dodo_transform-*.whl")
    made = run(sys.executable, "-m", "venv", base / "venv", cwd=base)
    assert made.returncode == 0, made.stderr
    # --no-compile: byte-compiling every dependency up front took seconds of the suite; the
    # commands below compile what they import, as a user's first run does.
    python = base / "venv" / "bin" / "python"
    pip = run(python, "-m", "pip", "install", "-q", "--no-compile", wheel, cwd=base)
    assert pip.returncode == 0, pip.stderr
    yield base / "venv" / "bin" / "dodo-transform"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    where = tmp_path / "anywhere"
    where.mkdir()
    return where


def test_the_demo_runs_to_the_end_from_an_empty_directory(installed: Path, empty: Path) -> None:
    out = run(installed, "demo", cwd=empty)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "What MailerLite now holds:" in out.stdout
    assert "jane.doe@example.com  status=active  groups: Churned customers" in out.stdout
    assert "Traceback" not in out.stderr
    assert list(empty.iterdir()) == []  # it leaves nothing behind


def test_test_runs_a_handler_on_a_built_in_sample(installed: Path, empty: Path) -> None:
    (empty / "h.js").write_text(
        "function handler(w) { w.payload = { email: w.payload.data.customer.email }; return w; }\n"
    )
    out = run(installed, "test", "h.js", "--event", "payment.succeeded", "--json", cwd=empty)
    assert out.returncode == 0, out.stderr
    assert '"body": "{\\"email\\":\\"jane.doe@example.com\\"}"' in out.stdout


def test_serve_and_emulate_start_from_any_directory(installed: Path, empty: Path) -> None:
    (empty / "h.js").write_text("function handler(webhook) { return webhook; }\n")
    (empty / "relay.toml").write_text(
        '[server]\ndatabase = "relay.db"\nport = 0\n\n[[endpoints]]\nname = "e"\n'
        'secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]\nhandler = "h.js"\n'
        'url = "https://example.invalid/hook"\n'
    )
    for argv in (["serve", "--config", "relay.toml"], ["emulate", "mailerlite", "--port", "0"]):
        proc = subprocess.Popen(
            [str(installed), *argv],
            cwd=empty,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "MAILERLITE_API_KEY"},
        )
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            url = first.split("http://", 1)[1].split()[0].rstrip(")")
            path = "/healthz" if argv[0] == "serve" else "/__emulator/state"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if HTTP.get(f"http://{url.split('/')[0]}{path}", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, first + (
                    proc.stderr.read() if proc.stderr else ""
                )
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(30)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
    assert (empty / "relay.db").exists()
