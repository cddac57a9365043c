"""Errors and warnings that teach: each common mistake of a handler author gets its hint or
warning, through the same path `dodo-transform test` uses (one test per mistake)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dodo_transform import samples, testing
from dodo_transform.analysis import js_number_text, tokens, unsafe_integers
from dodo_transform.sandbox import Limits, Sandbox
from dodo_transform.sandbox.job import Job, RawRun
from dodo_transform.transform import Handler

ROOT = Path(__file__).resolve().parent.parent


def run_one(tmp_path: Path, source: str, event: str = "payment.succeeded", **kw) -> dict:
    handler = tmp_path / "h.js"
    handler.write_text(source)
    (record,) = testing.run(handler, testing.payloads([event]), lint=True, **kw)
    return record


def codes(record: dict) -> list[str]:
    return [w["code"] for w in record["warnings"]]


def test_an_id_beyond_2_53_written_as_a_number_is_an_unsafe_integer(tmp_path):
    record = run_one(
        tmp_path,
        "function handler(webhook) {\n"
        "  webhook.url = 'https://connect.mailerlite.com/api/subscribers';\n"
        "  webhook.payload = {email: webhook.payload.data.customer.email,\n"
        "                     groups: [165971156405323601]};\n"
        "  return webhook;\n}",
    )
    assert json.loads(record["request"]["body"])["groups"] == [165971156405323620]
    (warning,) = [w for w in record["warnings"] if w["code"] == "unsafe_integer"]
    assert warning["path"] == f"{tmp_path / 'h.js'}:4:31"
    assert "becomes 165971156405323620" in warning["message"]
    assert 'Quote the id: "165971156405323601"' in warning["message"]


def test_the_mailerlite_lint_names_the_literal_a_rounded_group_id_came_from(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text(
        "function handler(webhook) {\n"
        "  webhook.url = 'https://connect.mailerlite.com/api/subscribers';\n"
        "  webhook.payload = {email: 'a@example.com', groups: [165971156405323601]};\n"
        "  return webhook;\n}"
    )
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", str(handler), "--json"]
        + ["--event", "payment.succeeded", "--mailerlite-account", "examples/mailerlite-seed.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    (record,) = [json.loads(line) for line in r.stdout.splitlines()]
    unknown = next(w for w in record["warnings"] if w["code"] == "unknown_group")
    assert unknown["message"].startswith("Group 165971156405323620 does not exist")
    assert unknown["message"].endswith(
        f"(165971156405323620 is 165971156405323601 at {handler}:3:55, rounded by JavaScript: "
        "quote it)"
    )


def test_unsafe_integer_ignores_strings_comments_templates_regexes_and_bigints():
    source = (
        "// 165971156405323601\n/* 165971156405323601 */\n"
        "const a = '165971156405323601', b = `165971156405323601 ${1}`, c = /1659711564053236011/;\n"
        "const d = 165971156405323601n, e = 9007199254740991, f = 2 ** 60, g = 18014398509481984;\n"
        "const h = 1.5e300, i = 0x1FFFFFFFFFFFFFFF, j = `${ {k: 12345678901234567} .k }`;\n"
    )
    found = [w["path"] for w in unsafe_integers(source, "h.js")]
    assert found == ["h.js:5:24", "h.js:5:56"]


def test_the_lexer_tells_division_from_a_regular_expression():
    texts = [t.text for t in tokens("x = a / b / c; y = /ab+c/gi.test(s); z = (1) / 2")]
    assert "/ab+c/gi" in texts and texts.count("/") == 3


def test_js_number_text_matches_javascript_printing():
    assert js_number_text(165971156405323601) == "165971156405323620"
    assert js_number_text(2**70 + 1) == "1.1805916207174113e+21"
    # Below 1e16 Python's repr ends in ".0"; JavaScript's text does not.
    assert js_number_text(9007199254740993) == "9007199254740992"
    assert js_number_text(12345678901234567) == "12345678901234568"


def test_a_missing_field_suggests_the_name_it_is_a_word_of():
    from dodo_transform.hints import _suggest

    assert _suggest("phone", {"phone_number", "name", "email"}) == " (did you mean `phone_number`?)"
    assert _suggest("email_address", {"email", "name"}) == " (did you mean `email`?)"
    assert _suggest("id", {"customer_id", "payment_id"}) == ""  # two: no guess


def test_an_integer_beyond_2_53_that_javascript_holds_exactly_is_not_warned_about():
    assert unsafe_integers("var x = 9007199254740994, y = 9_007_199_254_740_996;") == []
    (w,) = unsafe_integers("var x = 9_007_199_254_740_993;")
    assert "it becomes 9007199254740992 (V8" in w["message"]


@pytest.mark.parametrize(
    "call,word",
    [
        ("fetch('https://api.example.com/x')", "no network"),
        ("new XMLHttpRequest()", "no network"),
        ("require('axios')", "nothing can be imported"),
        ("process.env.KEY", "webhook.env"),
        ("setTimeout(() => 1, 10)", "no timers"),
    ],
)
def test_a_global_the_sandbox_lacks_gets_a_hint_and_keeps_its_message(tmp_path, call, word):
    record = run_one(tmp_path, f"function handler(webhook) {{ {call}; return webhook; }}")
    error = record["error"]
    name = call.removeprefix("new ").split("(")[0].split(".")[0]
    assert error["message"] == f"ReferenceError: {name} is not defined"  # unchanged
    assert word in error["hint"]


def test_the_human_output_prints_the_hint_under_the_error(tmp_path):
    handler = tmp_path / "h.js"
    handler.write_text("function handler(webhook) { fetch(webhook.url); return webhook; }")
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", str(handler), "--event", "refund.failed"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert "  exception at line 1, column 29: ReferenceError: fetch is not defined" in r.stdout
    assert "  hint: The sandbox has no network: a handler does not send the request" in r.stdout


def test_an_import_statement_gets_the_modules_hint(tmp_path):
    record = run_one(tmp_path, "import axios from 'axios';\nfunction handler(w) { return w; }")
    assert record["error"]["kind"] == "syntax_error"
    assert "nothing can be imported" in record["error"]["hint"]


@pytest.mark.parametrize(
    "header,word",
    [("Content-Type", "set for you"), ("Host", "webhook.url"), ("webhook-signature", "reserved")],
)
def test_a_forbidden_header_says_who_sets_it(tmp_path, header, word):
    record = run_one(
        tmp_path,
        f"function handler(webhook) {{ webhook.headers = {{'{header}': 'x'}}; return webhook; }}",
    )
    assert record["error"]["kind"] == "forbidden_header"
    assert record["error"]["message"].startswith(f"webhook.headers sets '{header}'")
    assert word in record["error"]["hint"]


def test_a_typo_in_a_payload_path_reads_undefined_and_the_hint_names_the_key(tmp_path):
    record = run_one(
        tmp_path,
        "function handler(webhook) {\n  const d = webhook.payload.data;\n"
        "  webhook.payload = {email: d.custmer.email};\n  return webhook;\n}",
    )
    error = record["error"]
    assert error["message"] == "TypeError: cannot read property 'email' of undefined"
    assert error["line"] == 3
    assert error["hint"] == (
        "payload.data.custmer is undefined: payload.data has no `custmer` "
        "(did you mean `customer`?)."
    )


def test_reading_through_a_null_field_says_it_is_null(tmp_path):
    record = run_one(
        tmp_path,
        "function handler(w) { w.payload = {x: w.payload.data.discount_id.length}; return w; }",
    )
    assert record["error"]["hint"].startswith("payload.data.discount_id is null in this payload")


def test_a_misspelt_field_that_becomes_undefined_or_nan_is_a_missing_field_warning(tmp_path):
    record = run_one(
        tmp_path,
        "function handler(webhook) {\n  const p = webhook.payload.data;\n"
        "  webhook.url = 'https://example.com/hook';\n"
        "  webhook.payload = {email: p.customer.emial, amount: p.total_amout / 100,\n"
        "                     phone: p.customer.phone_number || '', plan: p.metadata.plan};\n"
        "  return webhook;\n}",
        event="payment.succeeded__jpy_zero_decimal_single_name_no_phone",
    )
    assert record["status"] == "ok"
    assert json.loads(record["request"]["body"]) == {"amount": None, "phone": ""}
    missing = {w["path"]: w["message"] for w in record["warnings"] if w["code"] == "missing_field"}
    # An optional field Dodo sometimes sends, and the merchant's own metadata, are not typos.
    assert sorted(missing) == ["payload.data.customer.emial", "payload.data.total_amout"]
    assert "(did you mean `email`?)" in missing["payload.data.customer.emial"]
    assert "(did you mean `total_amount`?)" in missing["payload.data.total_amout"]
    assert "NaN" in missing["payload.data.total_amout"]


JPY = "payment.succeeded__jpy_zero_decimal_single_name_no_phone"  # total_amount 4500, tax 409


def test_an_amount_without_cents_sent_divided_by_100_is_a_zero_decimal_amount(tmp_path):
    # The MailerLite document's handler, unchanged: ¥4,500 reaches MailerLite as "45.00".
    handler = ROOT / "dodo_transform" / "handlers" / "mailerlite" / "custom_fields.js"
    (record,) = testing.run(handler, testing.payloads([JPY]), lint=True)
    assert json.loads(record["request"]["body"])["fields"]["total_spent"] == "45.00"
    (warning,) = [w for w in record["warnings"] if w["code"] == "zero_decimal_amount"]
    assert warning["path"] == "fields.total_spent"
    assert warning["message"].startswith(
        "fields.total_spent is payload.data.total_amount (4500) divided by 100, but JPY has no "
        "minor unit: 4500 is 4,500 JPY, not 45.00."
    )
    # In dollars the same division is right.
    (record,) = testing.run(handler, testing.payloads(["payment.succeeded"]), lint=True)
    assert record["status"] == "ok"
    assert "zero_decimal_amount" not in codes(record)


def test_zero_decimal_amount_finds_numbers_and_text_not_a_handler_that_checks(tmp_path):
    source = (
        "function handler(w) { const d = w.payload.data;\n"
        "  const cents = !['JPY', 'KRW'].includes(d.currency);\n"
        "  w.payload = {paid: cents ? d.total_amount / 100 : d.total_amount,\n"
        "               tax: [{text: `¥${(d.tax / 100).toFixed(2)} tax`}],\n"
        "               wrong: d.total_amount / 100};\n"
        "  return w; }"
    )
    record = run_one(tmp_path, source, event=JPY)
    body = json.loads(record["request"]["body"])
    assert (body["paid"], body["tax"][0]["text"], body["wrong"]) == (4500, "¥4.09 tax", 45)
    found = {
        w["path"]: w["message"] for w in record["warnings"] if w["code"] == "zero_decimal_amount"
    }
    assert sorted(found) == ["tax[0].text", "wrong"]  # not `paid`
    assert "payload.data.tax (409) divided by 100" in found["tax[0].text"]


def test_a_handler_the_tracer_cannot_wrap_still_runs_and_lints(tmp_path):
    record = run_one(
        tmp_path, "const handler = (w) => { w.payload = {e: w.payload.x}; return w; };"
    )
    assert record["status"] == "ok" and "missing_field" not in codes(record)


def test_an_unknown_envelope_type_in_a_payload_file_suggests_the_real_one(tmp_path):
    envelope = json.loads(samples.get("payment.succeeded").text)
    envelope["type"] = "payment.succeded"
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(envelope))
    (payload,) = testing.payloads(files=[path])
    (record,) = testing.run(ROOT / "handlers/mailerlite/groups_by_amount.js", [payload], lint=True)
    (warning,) = [w for w in record["warnings"] if w["code"] == "unknown_event_type"]
    assert warning["path"] == "type"
    assert 'did you mean "payment.succeeded"?' in warning["message"]


def test_a_run_over_its_time_limit_is_not_traced_again():
    # The trace of a stopped run reads nothing (its finally never runs) and costs the limit.
    class Counting(Sandbox):
        def run(self, job: Job) -> RawRun:
            runs.append(job.filename)
            return super().run(job)

    runs: list[str] = []
    sandbox = Counting()
    try:
        for body, expected in (("for (;;) {}", ["loop.js"]), ("return w", ["loop.js", "trace.js"])):
            runs.clear()
            (record,) = testing.run(
                Handler(f"function handler(w) {{ {body} }}", "loop.js"),
                testing.payloads(["payment.succeeded"]),
                limits=Limits(time_ms=50),
                lint=True,
                sandbox=sandbox,
            )
            assert runs == expected, record
    finally:
        sandbox.close()


def test_lint_true_is_accepted_by_testing_run():
    (record,) = testing.run(
        ROOT / "handlers/mailerlite/groups_by_amount.js",
        testing.payloads(["payment.succeeded"]),
        lint=True,
    )
    assert "non_numeric_group_id" in codes(record)


def test_a_reader_that_leaves_early_ends_the_command_quietly_with_status_0():
    proc = subprocess.Popen(
        [sys.executable, "-m", "dodo_transform", "test", "handlers/mailerlite/groups_by_amount.js"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # as `| head -1` does: one line, then the pipe closes
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert first.startswith(b"abandoned_checkout.detected")
    assert err == b""


def test_quiet_shows_only_what_changed_warned_or_failed():
    r = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", "--quiet", "--json"]
        + ["handlers/mailerlite/groups_by_amount.js"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    shown = [json.loads(line)["payload_file"] for line in r.stdout.splitlines()]
    assert shown == [n for n in samples.names() if n.startswith("payment.succeeded")]
    full = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", "handlers/mailerlite/groups_by_amount.js"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    quiet = subprocess.run(
        [sys.executable, "-m", "dodo_transform", "test", "-q"]
        + ["handlers/mailerlite/groups_by_amount.js"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(quiet.stdout.splitlines()) * 10 < len(full.stdout.splitlines())
    assert quiet.stdout.rstrip().endswith(
        "50 payload(s): 50 send, 0 cancelled, 0 error(s) (47 quiet: pass-through or cancelled)"
    )


@pytest.mark.parametrize(
    "data, sent, flagged",
    [
        # ¥3,000 beside a 30-day trial: 30 is the event's own number, not 3000 / 100.
        ({"recurring_pre_tax_amount": 3000, "trial_period_days": 30}, {"days": 30}, []),
        ({"total_amount": 1100, "tax": 100}, {"quantity": "1", "price": 1100}, []),  # a count
        ({"total_amount": 4500}, {"amount": "45,00"}, ["amount"]),  # a decimal comma
        ({"total_amount": 4500}, {"label": "¥45 paid"}, ["label"]),
        # In a message among other numbers, an amount is the one written with two decimals.
        ({"total_amount": 4500}, {"text": "¥45.00 paid on 2025-08-04"}, ["text"]),
        ({"total_amount": 4500}, {"text": "Order 3: ¥45.00"}, ["text"]),
        ({"total_amount": 123450}, {"text": "¥1,234.50 for 3 seats"}, ["text"]),
        ({"total_amount": 4500}, {"text": "Order 45 of 2025-08-04"}, []),
        ({"amount": "4500"}, {"amount": 45}, ["amount"]),  # a dispute's amount is a string
        ({"total_amount": 4500}, {"amount": 4500, "ok": True}, []),
        # Named as the MailerLite lint names a place, as JavaScript would reach it.
        ({"total_amount": 4500}, {"fields": {"total paid": 45}}, ['fields["total paid"]']),
        ({"total_amount": 4500}, {"items": [{"price": 45}]}, ["items[0].price"]),
    ],
)
def test_zero_decimal_amount_tells_amounts_from_counts_and_copies(data, sent, flagged) -> None:
    from dodo_transform.hints import zero_decimal_warnings

    payload = {"type": "payment.succeeded", "data": {**data, "currency": "JPY"}}
    found = zero_decimal_warnings(payload, json.dumps(sent))
    assert [w["path"] for w in found] == flagged


@pytest.mark.parametrize(
    "spin, hinted",
    [
        (
            "function spin() {\n  let n = 0;\n  for (;;) { n += 1; }\n}",
            "`spin`, which starts at line 1",
        ),
        (
            "const spin = () => {\n  let n = 0;\n  for (;;) { n += 1; }\n};",
            "`spin`, which starts at line 1",
        ),
        # A loop that calls something is placed at that call: no hint needed.
        ("function spin() {\n  for (;;) { Math.max(1, 2); }\n}", None),
    ],
)
def test_a_loop_placed_at_its_functions_head_says_so(tmp_path, spin, hinted):
    from dodo_transform.transform import Limits

    source = spin + "\nfunction handler(webhook) {\n  spin();\n  return webhook;\n}\n"
    record = run_one(tmp_path, source, limits=Limits(time_ms=100))
    error = record["error"]
    assert error["kind"] == "time_limit"
    if hinted is None:
        assert error["line"] == 2 and error.get("hint") is None
    else:
        assert error["line"] == 1 and hinted in error["hint"]
