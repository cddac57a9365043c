"""``/openapi.json`` is a valid OpenAPI 3.1 document naming every route, and schemathesis,
driven by it against a live server with the admin token, gets no 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers_servers import HTTP, SECRET, Target, write_config
from openapi_spec_validator import validate
from starlette.routing import Route

from dodo_transform import samples
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread


def test_the_document_validates_and_describes_every_route(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"))
    app = create_app(config)
    with ServerThread(app) as server:
        document = HTTP.get(f"{server.url}/openapi.json").json()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path != "/openapi.json"
        for method in route.methods or ()
        if method != "HEAD"
    }
    described = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert served == described


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    with Target() as target:
        config = load_config(write_config(tmp_path, target.url))
        with ServerThread(create_app(config)) as server:
            for event in ("payment.succeeded", "refund.succeeded"):  # deliveries 1 and 2 exist
                body = samples.get(event).text.encode()
                headers = sign(SECRET, body)
                assert HTTP.post(f"{server.url}/webhooks/test", content=body, headers=headers)
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "schemathesis.cli",
                    "run",
                    f"{server.url}/openapi.json",
                    "--checks",
                    "not_a_server_error",
                    "--header",
                    "Authorization: Bearer admin-token",
                    "--max-examples",
                    "30",
                    "--seed",
                    "20261201",
                    "--workers",
                    "1",
                    "--generation-database",
                    "none",
                    "--no-color",
                ],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=540,
            )
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert "passed" in r.stdout and "failed" not in r.stdout.split("SUMMARY")[-1]
