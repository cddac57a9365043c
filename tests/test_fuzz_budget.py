"""A fixed-seed budget of the differential fuzzer in every `./dev check`: generated handlers,
each on seven envelopes, here and in Node 20, with no difference (the constructs the source
analysis warns about, and the statements the sandbox refuses with its clear error, are
counted apart: see docs/conformance.md). `./dev fuzz` runs longer campaigns."""

from __future__ import annotations

import os
import shutil

import pytest
from fuzz.campaign import run_campaign

SEED = 20261201
# 2,100 runs a side on both cores: about 20 s here (1,000 programs on one took two minutes,
# a fifth of the suite); `./dev fuzz` runs the long campaigns.
PROGRAMS = 300
JOBS = 2


def test_a_fixed_seed_budget_finds_no_difference():
    if shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not on PATH: CI runs the differential fuzzer")
        pytest.skip("node is not on PATH")
    report = run_campaign(SEED, PROGRAMS, jobs=JOBS)
    assert report.runs == PROGRAMS * 7
    assert not report.groups, report.summary()
    # The budget reaches the constructs it must tell apart, so their accounting is exercised.
    assert report.warned_programs > 0 and report.unsupported_programs > 0
