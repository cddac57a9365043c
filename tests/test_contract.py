"""The handler(webhook) contract: input object, output validation, headers, fail-closed."""

from __future__ import annotations

import json

import pytest

from dodo_transform import samples
from dodo_transform.transform import Handler, HandlerError, transform

PAYMENT = samples.get("payment.succeeded").text


def run(body: str, payload: str = PAYMENT, **kw):
    return transform(f"function handler(webhook) {{ {body} }}", payload, **kw)


def test_input_object_is_the_contract():
    d = run(
        "const w = webhook; w.payload = {keys: Object.keys(w), method: w.method, url: w.url,"
        " eventType: w.eventType, cancel: w.cancel, env: w.env, type: typeof w.payload,"
        " headers: w.headers}; return w;",
        url="https://api.example.com/hook",
        env={"PLAN": "pro"},
    )
    assert d.status == "ok"
    assert d.request.json() == {
        "keys": ["method", "url", "payload", "eventType", "cancel", "env"],
        "method": "POST",
        "url": "https://api.example.com/hook",
        "eventType": "payment.succeeded",
        "cancel": False,
        "env": {"PLAN": "pro"},
        "type": "object",
    }


def test_the_body_is_json_stringify_exactly_whatever_its_characters_and_size():
    # The body travels beside the runner's record (prelude.js): newlines, quotes, line
    # separators and lone surrogates in it, and its size, must not disturb either.
    d = run(
        "webhook.payload = {text: 'a\\nb \\u2028 \\\"q\\\" \\\\ \\ud800', n: [1, 2.5, null],"
        " big: 'x'.repeat(300000)}; return webhook;"
    )
    assert d.status == "ok"
    assert d.request.body == (
        '{"text":"a\\nb \u2028 \\"q\\" \\\\ \\ud800","n":[1,2.5,null],"big":"' + "x" * 300000 + '"}'
    )


def test_untouched_event_sends_the_original_envelope_with_post():
    d = run("return webhook;", url="https://api.example.com/hook")
    assert (d.status, d.request.method, d.request.url) == (
        "ok",
        "POST",
        "https://api.example.com/hook",
    )
    assert json.loads(d.request.body) == json.loads(PAYMENT)
    assert d.request.headers == {"Content-Type": "application/json"}


def test_body_is_exactly_json_stringify_in_the_sandbox():
    d = run(
        "webhook.payload = {a: undefined, b: [undefined, 1], z: 1, y: 'é', n: 1e21, f: 0.1 + 0.2,"
        " d: new Date(0)}; return webhook;"
    )
    assert d.request.body == (
        '{"b":[null,1],"z":1,"y":"é","n":1e+21,"f":0.30000000000000004,'
        '"d":"1970-01-01T00:00:00.000Z"}'
    )


def test_payload_may_be_any_json_value():
    assert run("webhook.payload = 'text'; return webhook;").request.body == '"text"'
    assert run("webhook.payload = [1, 2]; return webhook;").request.body == "[1,2]"


def test_cancel_true_sends_nothing():
    d = run("webhook.cancel = true; webhook.method = 'DELETE'; return webhook;")
    assert (d.status, d.request, d.error) == ("cancelled", None, None)


def test_only_strict_true_cancels():
    assert run("webhook.cancel = 'yes'; return webhook;").status == "ok"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_allowed_methods(method):
    assert run(f"webhook.method = '{method}'; return webhook;").request.method == method


@pytest.mark.parametrize("method", ["GET", "DELETE", "post", "", 5])
def test_other_methods_are_transform_errors(method):
    d = run(f"webhook.method = {json.dumps(method)}; return webhook;")
    assert d.status == "error" and d.error.kind == "invalid_method"
    assert "POST, PUT, PATCH" in d.error.message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.example/",
        "/relative",
        "https://",
        "javascript:alert(1)",
        7,
        "https://x.example/a b",
        "https://x.example/\x1b[31m",  # sent raw, it would break the request line
    ],
)
def test_non_http_urls_are_transform_errors(url):
    d = run(f"webhook.url = {json.dumps(url)}; return webhook;")
    assert d.status == "error" and d.error.kind == "invalid_url"


def test_handler_headers_override_endpoint_headers_case_insensitively():
    d = run(
        "webhook.headers = {'x-api-version': '2', 'AUTHORIZATION': 'Bearer mine'}; return webhook;",
        headers={"Authorization": "Bearer endpoint", "X-Other": "1"},
    )
    assert d.request.headers == {
        "Content-Type": "application/json",
        "X-Other": "1",
        "x-api-version": "2",
        "AUTHORIZATION": "Bearer mine",
    }
    assert d.request.redacted().headers["AUTHORIZATION"] == "[redacted]"


@pytest.mark.parametrize(
    "name",
    [
        "Host",
        "content-length",
        "Content-Type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "webhook-signature",
        "Webhook-Id",
    ],
)
def test_forbidden_headers_are_transform_errors(name):
    d = run(f"webhook.headers = {{{json.dumps(name)}: 'x'}}; return webhook;")
    assert d.status == "error" and d.error.kind == "forbidden_header"
    assert name in d.error.message


@pytest.mark.parametrize("value,kind", [("5", "number"), ("null", "null"), ("{}", "an object")])
def test_header_values_must_be_strings(value, kind):
    d = run(f"webhook.headers = {{'X-A': {value}}}; return webhook;")
    assert d.error.kind == "invalid_headers" and kind in d.error.message


@pytest.mark.parametrize("value", ["'x'", "[['a', 'b']]", "5"])
def test_headers_must_be_an_object(value):
    d = run(f"webhook.headers = {value}; return webhook;")
    assert d.error.kind == "invalid_headers"


def test_header_injection_is_refused():
    d = run("webhook.headers = {'X-A': 'a\\r\\nX-B: b'}; return webhook;")
    assert d.error.kind == "invalid_headers"


def test_env_and_event_type_changes_are_ignored():
    d = run("webhook.env.X = 'y'; webhook.eventType = 'other'; return webhook;")
    assert d.status == "ok" and d.request.json()["type"] == "payment.succeeded"


def test_code_size_limits():
    with pytest.raises(HandlerError) as e:
        Handler("x=1")
    assert e.value.error.kind == "code_size"
    with pytest.raises(HandlerError):
        Handler("//" + "x" * 51_199)
    Handler("//" + "x" * 51_198)  # exactly 51,200 characters is allowed
    assert transform("x", PAYMENT).error.kind == "code_size"


def test_microsecond_timestamps_parse_as_in_v8():
    d = run("webhook.payload = new Date(webhook.payload.timestamp).toISOString(); return webhook;")
    assert d.request.body == '"2025-08-04T05:30:45.182Z"'


def test_frozen_clock_and_utc():
    d = run(
        "webhook.payload = [Date.now(), new Date().toISOString(), new Date(2025, 0, 1).getTime(),"
        " new Date(0).getTimezoneOffset(), String(new Date(0)), new Date() instanceof Date,"
        " Date.UTC(2020, 0, 1), typeof Date()]; return webhook;",
        now="2025-08-04T05:30:45Z",
    )
    assert d.request.json() == [
        1754285445000,
        "2025-08-04T05:30:45.000Z",
        1735689600000,
        0,
        "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
        True,
        1577836800000,
        "string",
    ]


def test_console_is_captured_with_levels_and_formatting():
    d = run(
        "console.log('plain'); console.info('n=%d s=%s', 42, 'x'); console.warn({a: 1, b: [1, 'two']});"
        " console.error(new Error('bad').message); console.debug(null, undefined, 1n);"
        " return webhook;"
    )
    assert [(line.level, line.message) for line in d.logs] == [
        ("log", "plain"),
        ("info", "n=42 s=x"),
        ("warn", "{ a: 1, b: [ 1, 'two' ] }"),
        ("error", "bad"),
        ("debug", "null undefined 1n"),
    ]


def test_console_output_is_kept_when_the_handler_fails():
    d = run("console.log('before'); throw new Error('after');")
    assert d.error.kind == "exception" and [x.message for x in d.logs] == ["before"]


def test_console_flood_is_capped():
    d = run("for (let i = 0; i < 5000; i++) console.log('line ' + i); return webhook;")
    assert d.status == "ok"
    assert len(d.logs) == 501
    assert d.logs[-1].level == "warn" and "dropped" in d.logs[-1].message


def test_to_dict_is_the_json_shape():
    d = run("console.log('x'); return webhook;", headers={"Authorization": "Bearer secret"})
    out = d.to_dict()
    assert list(out) == ["status", "request", "logs", "warnings", "error", "duration_ms"]
    assert out["request"]["headers"]["Authorization"] == "[redacted]"
    assert out["logs"] == [{"level": "log", "message": "x"}]


def test_transform_async_runs_on_the_sandbox_thread():
    import asyncio

    from dodo_transform.sandbox import Sandbox
    from dodo_transform.transform import transform_async

    sandbox = Sandbox(thread=True)
    try:
        d = asyncio.run(
            transform_async(
                "function handler(w) { w.method = 'PUT'; return w }", PAYMENT, sandbox=sandbox
            )
        )
    finally:
        sandbox.close()
    assert (d.status, d.request.method) == ("ok", "PUT")


@pytest.mark.parametrize("value", ["Zoë", "😀", "a\x00b", "a\x7fb"])
def test_header_values_must_be_printable_ascii(value):
    d = run(f"webhook.headers = {{'X-Name': {json.dumps(value)}}}; return webhook;")
    assert d.error.kind == "invalid_headers" and "printable ASCII" in d.error.message


def test_patched_tojson_changes_the_body_but_not_the_answer():
    d = run(
        "Object.prototype.toJSON = function () { return {hijacked: true} };"
        " Array.prototype.toJSON = function () { return 'nope' };"
        " webhook.headers = {'X-A': 'b'}; console.log('kept'); return webhook;"
    )
    # As in V8, JSON.stringify(payload) honours the handler's toJSON; the host's answer does not.
    assert d.status == "ok" and d.request.body == '{"hijacked":true}'
    assert d.request.headers["X-A"] == "b" and [x.message for x in d.logs] == ["kept"]
    d = run("Object.prototype.toJSON = () => ({}); webhook.cancel = true; return webhook;")
    assert d.status == "cancelled"
    d = run("Object.prototype.toJSON = () => ({}); throw new Error('boom');")
    assert d.error.kind == "exception" and d.error.message == "Error: boom"


def test_method_or_url_with_tojson_is_still_not_a_string():
    d = run("webhook.method = {toJSON() { return 'POST' }}; return webhook;")
    assert d.error.kind == "invalid_method" and "an object" in d.error.message
    d = run("webhook.url = {toJSON() { return 'https://x.example/' }}; return webhook;")
    assert d.error.kind == "invalid_url" and "an object" in d.error.message


def test_a_request_above_max_request_bytes_is_a_request_too_large_error():
    from dodo_transform import Limits

    big = "webhook.payload = {pad: 'x'.repeat(2 * 1024 * 1024)}; return webhook;"
    d = run(big)
    assert (d.status, d.request, d.error.kind) == ("error", None, "request_too_large")
    assert (
        "request of 2,097,2" in d.error.message
        and "the limit is 1,048,576 bytes" in d.error.message
    )
    assert "max_request_bytes" in d.error.message  # what to do about it
    assert run(big, limits=Limits(max_request_bytes=3 * 1024 * 1024)).status == "ok"
    # Headers and the URL count too, not the body alone.
    small = "webhook.payload = 1; webhook.headers = {'X-Pad': 'y'.repeat(600)}; return webhook;"
    assert run(small, limits=Limits(max_request_bytes=500)).error.kind == "request_too_large"
    with pytest.raises(ValueError, match="at least 1 byte"):
        Limits(max_request_bytes=0)
