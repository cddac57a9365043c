"""The README and docs/*.md run: their Python examples, their marked shell commands, the site.

How a page's blocks are marked is in ``docs_blocks``; docs/architecture.md ("The docs are
tested") says the same for a writer.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docs_blocks import PAGES, ROOT, Block, all_blocks, blocks
from helpers_servers import free_port

BLOCKS = all_blocks()

# -- Python blocks ---------------------------------------------------------------------------


def _python_cases() -> Iterator[Any]:
    for block in BLOCKS:
        # A skipped block's required reason names the test that runs it instead; collecting
        # it here too would only add skips to every run's summary.
        if block.lang != "python" or block.directive == "skip":
            continue
        names = block.test_functions()
        for name in names or [None]:
            case_id = f"{block.where}::{name}" if name else block.where
            yield pytest.param(block, name, id=case_id)


def _exec(block: Block) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"docs_{block.page.stem}_{block.line}"}
    # Blank lines in front, so that a traceback names the page's own line numbers.
    code = compile("\n" * block.line + block.text, str(block.page), "exec")
    exec(code, namespace)
    return namespace


@pytest.mark.parametrize(("block", "test_name"), list(_python_cases()))
def test_python_block(block: Block, test_name: str | None, monkeypatch: pytest.MonkeyPatch):
    # Examples use paths relative to the checkout, as a reader running them there would.
    monkeypatch.chdir(ROOT)
    namespace = _exec(block)
    if test_name is not None:
        fn = namespace[test_name]
        assert fn.__code__.co_argcount == 0, (
            f"{block.where}: {test_name} takes arguments; docs tests cannot use fixtures"
        )
        fn()


def test_the_readme_still_shows_a_pytest_example():
    python = [b for b in blocks(ROOT / "README.md") if b.lang == "python"]
    assert any(len(b.test_functions()) >= 2 for b in python)


# -- Shell blocks ----------------------------------------------------------------------------

# Ports the pages use for `serve` (from the example configs) and for the emulator; a test
# uses free ones instead, so it never meets a server already running on this machine.
DOCUMENTED_PORTS = (8000, 8025)
# Commands a page shows but a test cannot run, and why.
NOT_RUN = {("./dev", "check"): "it runs the whole suite, this test included"}
BACKGROUND_START = 60.0  # seconds a background server may take to listen
EVENTUALLY = 60.0  # seconds an `output, eventually` block may take to come true


def _shell_pages() -> list[Path]:
    return [p for p in PAGES if any(b.directive == "run" for b in blocks(p))]


def test_every_sh_block_is_marked_run_or_skip():
    unmarked = [b.where for b in BLOCKS if b.lang == "sh" and b.directive is None]
    assert not unmarked, f"mark these <!-- docs-test: run --> or skip: REASON: {unmarked}"


def test_every_output_block_follows_a_command_that_runs():
    for page in PAGES:
        ran = False
        for b in blocks(page):
            if b.directive == "run":
                ran = True
            elif b.directive in ("output", "output, eventually"):
                assert ran, f"{b.where}: an output block before any runnable command"


def commands(block: Block) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment-only lines left out."""
    out: list[str] = []
    pending = ""
    for line in block.text.split("\n"):
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command and not command.startswith("#"):
            out.append(command)
    return out


_TIMING = re.compile(r"\d+(?:\.\d+)? ms\b")
_DURATION = re.compile(r'("duration_ms":\s*)[0-9.e-]+')
_ELLIPSIS = re.compile(r"\s*\.\.\.\s*")


def normalize(text: str) -> str:
    """What is compared: lines without trailing blanks, timings replaced by a stand-in."""
    text = _DURATION.sub(r"\1N", _TIMING.sub("N ms", text))
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def matches(want: str, got: str) -> bool:
    """doctest's ELLIPSIS: ``...`` (with the blanks around it) stands for any text."""
    pieces = _ELLIPSIS.split(normalize(want))
    got = normalize(got)
    if len(pieces) == 1:
        return got == pieces[0]
    first, *middle, last = pieces
    if not got.startswith(first) or not got.endswith(last):
        return False
    at, end = len(first), len(got) - len(last)
    for piece in middle:
        found = got.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return at <= end


class Session:
    """A reader at a terminal in the repository's root, typing a page's commands in order.

    It works in a copy of the root (links to everything, but its own ``examples/``, whose
    configs keep their SQLite stores beside them), so a run leaves nothing in the checkout and
    never shares a store with anything else. ``./dev`` and ``dodo-transform`` run this
    interpreter's package: the real ``./dev`` would reinstall ``.venv`` from wherever it is
    started when pyproject.toml changed, and that must not happen from a temporary copy.
    """

    def __init__(self, tmp: Path) -> None:
        self.root = tmp / "repo"
        self.root.mkdir()
        self.ports = {port: free_port() for port in DOCUMENTED_PORTS}
        for entry in ROOT.iterdir():
            if entry.name in ("examples", "dev", ".venv", ".git", "site"):
                continue
            (self.root / entry.name).symlink_to(entry)
        shutil.copytree(
            ROOT / "dodo_transform" / "examples",
            self.root / "examples",
            ignore=shutil.ignore_patterns("*.db", "*.db-*"),
        )
        for config in (self.root / "examples").glob("*.toml"):
            config.write_text(self._ports(config.read_text()))
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        for shim in (self.root / "dev", bin_dir / "dodo-transform"):
            shim.write_text(
                f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m dodo_transform "$@"\n'
            )
            shim.chmod(0o755)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("MAILERLITE_", "DODO_"))
        }
        self.env.update(
            {"PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}", "COLUMNS": "80"}
        )
        self.background: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.last: str | None = None
        self.output = ""

    def _ports(self, text: str) -> str:
        for documented, free in self.ports.items():
            text = re.sub(rf"\b{documented}\b", str(free), text)
        return text

    def run_block(self, block: Block) -> None:
        for command in commands(block):
            if tuple(shlex.split(command, comments=True)) in NOT_RUN:
                continue
            command = self._ports(command)
            if command.startswith("export "):
                self._export(command, block)
            elif re.search(r"(?<!&)&\s*(#.*)?$", command):
                self._start(re.sub(r"&\s*(#.*)?$", "", command), block)
            else:
                self.last = command
                self.output = self._run(command, block)

    def _run(self, command: str, block: Block) -> str:
        r = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, (
            f"{block.where}: `{command}` exited {r.returncode}\n{r.stdout}\n{r.stderr}"
        )
        return r.stdout

    def _export(self, command: str, block: Block) -> None:
        # bash itself reads the assignments (quotes, $VAR), then reports the environment.
        r = subprocess.run(
            ["bash", "-c", f"{command} && env -0"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            timeout=30,
        )
        assert r.returncode == 0, f"{block.where}: `{command}`: {r.stderr.decode()}"
        pairs = (item.partition(b"=") for item in r.stdout.split(b"\0") if item)
        self.env = {k.decode(): v.decode() for k, _, v in pairs}

    def _start(self, command: str, block: Block) -> None:
        """A server the page starts with `&`: wait until the address it prints accepts."""
        log = self.root.parent / f"background-{len(self.background)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["bash", "-c", f"exec {command}"],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.background.append((proc, log))
        deadline = time.monotonic() + BACKGROUND_START
        while True:
            printed = log.read_text(errors="replace")
            assert proc.poll() is None, f"{block.where}: `{command}` exited:\n{printed}"
            address = re.search(r"http://([\w.]+):(\d+)", printed)
            if address and _accepts(address[1], int(address[2])):
                return
            assert time.monotonic() < deadline, (
                f"{block.where}: `{command}` never listened:\n{printed}"
            )
            time.sleep(0.05)

    def check_output(self, block: Block) -> None:
        assert self.last is not None, f"{block.where}: no command ran before this output"
        want = self._ports(block.text)
        if block.directive == "output, eventually":
            deadline = time.monotonic() + EVENTUALLY
            while not matches(want, self.output) and time.monotonic() < deadline:
                time.sleep(0.2)
                self.output = self._run(self.last, block)
        if not matches(want, self.output):
            pytest.fail(
                f"{block.where}: `{self.last}` printed\n{self.output}\nwhich does not match\n{want}",
                pytrace=False,
            )

    def close(self) -> None:
        for proc, _log in self.background:
            proc.terminate()
        for proc, log in self.background:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                pytest.fail(f"a background server ignored SIGTERM:\n{log.read_text()}")


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("page", _shell_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_commands_of(page: Path, tmp_path: Path):
    session = Session(tmp_path)
    try:
        for block in blocks(page):
            if block.directive == "run":
                session.run_block(block)
            elif block.directive in ("output", "output, eventually"):
                session.check_output(block)
    finally:
        session.close()


def test_output_matching_is_strict_where_the_page_is_exact():
    assert matches("a ... c", "a b c")
    assert matches("one\n...\nthree", "one\ntwo\nthree")
    assert matches("took 0.21 ms", "took 12.5 ms")
    assert not matches("a ... c", "a b d")
    assert not matches("exact", "exact and more")
    assert not matches("x ... y ... z", "x z y")


# -- The site --------------------------------------------------------------------------------


def test_the_site_builds_strictly_and_loads_nothing_from_elsewhere(tmp_path: Path):
    site = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    pages = {p.parent.name for p in site.glob("*/index.html")} | {"index"}
    assert pages >= {p.stem for p in (ROOT / "docs").glob("*.md")}
    external = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for html in site.rglob("*.html"):
        found = external.search(html.read_text(encoding="utf-8"))
        assert found is None, f"{html.relative_to(site)} loads {found[0]}"


_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s]+)\)")


@pytest.mark.parametrize("page", [ROOT / "README.md", ROOT / "handlers" / "README.md"], ids=str)
def test_links_outside_the_site_resolve(page: Path):
    """mkdocs checks links between docs pages; these two READMEs are outside the site."""
    from markdown.extensions.toc import slugify

    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve()
        assert resolved.exists(), f"{page.name}: broken link {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", resolved.read_text(encoding="utf-8"), re.M)
            slugs = {slugify(re.sub(r"[`*]", "", h), "-") for h in headings}
            assert anchor in slugs, f"{page.name}: {target}: no such heading"
