"""Real headless Chromium for the web pages' tests, driven by Playwright for Python.

Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``) is used, never a
browser Playwright downloads. Without it the browser tests are skipped on a developer's
machine, and fail under ``CI=true``: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DODO_TRANSFORM_CHROMIUM", "/usr/bin/chromium")
# As root there is no sandbox; the rest keeps Chromium off a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of every page the browser tests visit, kept for a human to look at.
SCREENSHOTS = Path(os.environ.get("DODO_TRANSFORM_SCREENSHOTS", "build/screenshots"))


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


# Module scope, not session: Playwright's sync API keeps an event loop running on the main
# thread while it is open, and other modules' tests call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A Playwright ``Browser`` on Debian's Chromium, shared by one test module."""
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def screenshot(page: object, name: str) -> Path:
    """Save ``page`` as ``SCREENSHOTS/name.png`` and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
