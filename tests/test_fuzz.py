"""The differential fuzzer itself (tests/fuzz/): the generator, the two runners, the
minimiser and the campaign's accounting. Node 20 is the oracle: under CI a missing node
fails these tests."""

from __future__ import annotations

import os
import shutil

import pytest
from fuzz.campaign import Report, check, ddmin, minimise, warned
from fuzz.differential import ENVELOPES, Node, compare, run_here
from fuzz.generator import Program, Statement, generate


@pytest.fixture(scope="module")
def node():
    if shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not on PATH: CI runs the differential fuzzer")
        pytest.skip("node is not on PATH")
    n = Node()
    yield n
    n.close()


def program(*statements: str) -> Program:
    return Program(0, tuple(Statement(s, frozenset({f"s{i}"})) for i, s in enumerate(statements)))


def test_ddmin_finds_the_one_minimal_subset():
    calls = []

    def failing(subset: list[int]) -> bool:
        calls.append(subset)
        return {3, 11}.issubset(subset)

    assert ddmin(list(range(16)), failing) == [3, 11]


def test_the_same_seed_makes_the_same_program_and_seeds_differ():
    assert generate(42).source() == generate(42).source()
    assert len({generate(s).source() for s in range(50)}) == 50


def test_generated_programs_compile_in_both_engines(node):
    for seed in range(40):
        source = generate(seed).source()
        theirs = node.decisions(source, ENVELOPES[:1])[0]
        ours = run_here(source, ENVELOPES[:1])[0]
        for d in (theirs, ours):
            assert d.error is None or d.error.kind != "syntax_error", source


def test_identical_behaviour_compares_equal_on_every_aspect(node):
    source = program(
        "console.log('%s paid %d', d.customer?.name, d.total_amount ?? 0, { a: [1, 'x'] });",
        "webhook.headers = { 'X-Event': webhook.eventType };",
        "webhook.url = 'https://api.example.com/x?e=' + encodeURIComponent(d.customer?.email ?? '');",
        "webhook.method = 'PUT';",
        "webhook.payload = { id: d.payment_id ?? null, at: new Date().toISOString() };",
    ).source()
    theirs, ours = node.decisions(source, ENVELOPES), run_here(source, ENVELOPES)
    assert [compare(a, b, i) for i, (a, b) in enumerate(zip(theirs, ours, strict=True))] == [
        None
    ] * 7
    assert ours[0].request is not None and ours[0].request.method == "PUT"
    assert ours[0].logs[0].message == "Jane Doe paid 2900 { a: [ 1, 'x' ] }"


def test_a_difference_is_minimised_to_the_statement_that_causes_it(node):
    # A string spread differs for real (V8 copies the characters); the noise around it does not.
    p = program(
        "out.a = (d.total_amount ?? 0) / 100;",
        "console.log('paid', d.currency);",
        "out.s = { ...'abc' };",
        "webhook.headers = { 'X-Event': webhook.eventType };",
        "out.b = [3, 1, 2].map(String);",
        "webhook.payload = out;",
    )
    first = next(
        d
        for i, (a, b) in enumerate(
            zip(node.decisions(p.source(), ENVELOPES), run_here(p.source(), ENVELOPES), strict=True)
        )
        if (d := compare(a, b, i))
    )
    assert first.aspect == "body"
    finding = minimise(node, p, first)
    assert finding.tags == ["s2", "s5"]
    assert "out.s = { ...'abc' };\n  webhook.payload = out;" in finding.reproducer
    assert '"0":"a"' in finding.node and '"0":"a"' not in finding.here


def test_runs_of_a_program_with_a_warned_construct_are_counted_apart(node):
    p = program("out.s = { ...'abc' };", "webhook.payload = out;")
    assert warned(p.source()) == ["v8_string_spread"]
    result = check(node, p)
    assert (result.differing_runs, result.warned_runs, result.finding) == (0, 7, None)
    report = Report(seed=0)
    report.add(result)
    assert (report.warned_runs, report.warned_programs, report.warned_codes) == (
        7,
        1,
        {"v8_string_spread": 7},
    )
    assert "7 in 1 programs (v8_string_spread: 7)" in report.summary()
