"""pytest in a subprocess, as a merchant's project (or a second engine) runs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Our own test tools' pytest plugins, which a merchant's project does not have and the
# suites run this way do not use: loading them took about 4 s of every run here
# (hypothesis, schemathesis). dodo-transform's plugin still loads by its entry point.
NO_TOOL_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio")


def run_pytest(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *NO_TOOL_PLUGINS, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
