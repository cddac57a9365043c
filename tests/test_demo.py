"""The README's first command: `dodo-transform demo`, end to end, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_the_whole_flow_against_the_emulator(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILERLITE_", "DODO_"))}
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "the local emulator" in out
    # Every posted event was acknowledged and delivered; the document's handler as published
    # fails with MailerLite's exact 422.
    assert out.count("HTTP 202 accepted") == 8
    assert out.count(" succeeded ") == 6
    assert out.count(" failed ") == 2
    assert '"The groups.0 field must be a number. (and 1 more error)"' in out
    # The JPY customer's two deliveries sent ¥4,500 as 45, and the demo says so.
    assert out.count("warning [zero_decimal_amount]") == 2
    assert "fields.total_spent is payload.data.total_amount (4500) divided by 100" in out
    # What MailerLite holds: the cancellation's PUT left Jane only in the churned group.
    assert "jane.doe@example.com  status=active  groups: Churned customers\n" in out
    assert 'subscription_status    "cancelled"' in out
    assert "taro.yamada@example.jp  status=active  groups: Customers, Paying customers" in out
    # Nothing is left behind in the working directory (the store is temporary).
    assert list(tmp_path.iterdir()) == []
