"""Array.prototype.sort and toSorted: V8's TimSort, the same result and the same comparator calls
as Node 20 for any comparator, consistent or not (sandbox/js/sort.js)."""

from __future__ import annotations

import shutil

import pytest
from node_reference import Reference

from dodo_transform.transform import transform

REF = Reference("sort")
REFERENCE = REF.data


def assert_as_in_node(run: str, cases: str, key: str) -> None:
    got, want = REF.run(run), REFERENCE[key]
    wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    if wrong:
        inputs = REF.run(cases)
        examples = [(inputs[i], got[i], want[i]) for i in wrong[:2]]
        raise AssertionError(f"{len(wrong)} of {len(want)} differ (case, ours, node): {examples}")


def test_random_arrays_and_comparators_sort_as_in_node():
    assert_as_in_node("sortRun()", "sortCases()", "results")


def test_typed_arrays_with_a_comparator_merge_sort_as_in_node():
    assert_as_in_node("typedSortRun()", "typedSortCases()", "typed")


def run(expr: str) -> object:
    return REF.run(expr)


@pytest.mark.parametrize(
    "expr,node",
    [
        # The example: a boolean comparator is not an order; V8 leaves this as it is.
        ("[3, 1, 2].sort((a, b) => a > b)", [3, 1, 2]),
        ("[5, 1, 4, 2, 3].sort(() => -1)", [3, 2, 4, 1, 5]),
        ("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].sort(() => 1)", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
        ("[10, 9, 1, 100, undefined, , 'b', 'B'].sort()", [1, 10, 100, 9, "B", "b", None, None]),
        ("[3, 1, 2].toSorted((a, b) => a > b ? 1 : -1)", [1, 2, 3]),
        ("Array.from(new Int16Array([3, 1, 2]).sort((a, b) => a > b))", [1, 2, 3]),
    ],
)
def test_minimal_examples_give_node_results(expr, node):
    assert run(expr) == node


def test_a_throwing_comparator_leaves_the_array_as_it_was():
    got = run(
        "(() => { const a = [3, 1, 2]; let e; try { a.sort(() => { throw new Error('no'); }); }"
        " catch (x) { e = x.message; } return [a, e]; })()"
    )
    assert got == [[3, 1, 2], "no"]


def test_a_non_function_comparator_is_v8s_type_error():
    d = transform("function handler(w) { [1, 2].sort(1); return w }", '{"type": "x"}')
    assert d.error.kind == "exception"
    assert d.error.message == (
        "TypeError: The comparison function must be either a function or undefined"
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_reference_matches_node_today():
    fresh = REF.regenerated()
    assert (fresh["results"], fresh["typed"]) == (REFERENCE["results"], REFERENCE["typed"]), (
        REF.stale()
    )
