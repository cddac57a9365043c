"""Conformance with V8: every handler in handlers/ (the MailerLite document's six) and in
tests/conformance_handlers/ (handlers that format money and dates for people, sort with
localeCompare, PATCH a CRM) on every built-in sample gives byte-identical requests here and in
Node 20 with TZ=UTC and the same frozen clock. The references are committed; when `node` is
on PATH they are re-derived."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dodo_transform import samples
from dodo_transform.transform import Handler, transform

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "data" / "conformance.json"
GENERATOR = ROOT / "tests" / "tools" / "gen_conformance.js"
EXPECTED = json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_references_cover_the_six_document_handlers_and_every_sample():
    document = {
        f"handlers/mailerlite/{p.name}" for p in (ROOT / "handlers" / "mailerlite").glob("*.js")
    }
    assert len(document) == 6 and document <= set(EXPECTED["handlers"])
    for by_sample in EXPECTED["handlers"].values():
        assert sorted(by_sample) == sorted(samples.names())


@pytest.mark.parametrize("handler_path", sorted(EXPECTED["handlers"]))
def test_same_output_as_v8(handler_path):
    handler = Handler.from_file(str(ROOT / handler_path))
    mismatches = []
    for name, want in EXPECTED["handlers"][handler_path].items():
        d = transform(handler, samples.get(name).text, url=EXPECTED["url"], now=EXPECTED["now"])
        got = {"status": d.status}
        if d.request:
            got.update(method=d.request.method, url=d.request.url, body=d.request.body)
        if got != want:
            mismatches.append((name, want, got, d.error))
    assert not mismatches, mismatches[0]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_references_match_node_today():
    out = subprocess.run(
        ["node", str(GENERATOR)],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    fresh = json.loads(out.stdout)
    assert fresh["handlers"] == EXPECTED["handlers"], (
        "tests/data/conformance.json is stale: regenerate it with "
        "`TZ=UTC node tests/tools/gen_conformance.js > tests/data/conformance.json`"
    )
