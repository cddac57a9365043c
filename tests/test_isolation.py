"""Every run starts from a pristine world: nothing one run does is seen by the next."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from dodo_transform import samples
from dodo_transform.sandbox import BaseSandbox, ProcessSandbox, Sandbox
from dodo_transform.transform import Limits, transform

PAYMENT = samples.get("payment.succeeded").text

POLLUTER = """
var topLevel = (typeof topLevel === "number" ? topLevel : 0) + 1;
globalThis.calls = (globalThis.calls || 0) + 1;
function handler(webhook) {
  const seen = {
    topLevel: topLevel,
    calls: globalThis.calls,
    protoPolluted: ({}).polluted === true,
    jsonPatched: JSON.stringify({a: 1}) !== '{"a":1}',
    datePatched: Date.now() === 42,
    randomPatched: Math.random() === 0.5,
    arrayPatched: [1, 2].map(x => x).length !== 2,
  };
  Object.prototype.polluted = true;
  JSON.parse = () => ({});
  Date.now = () => 42;
  Date.prototype.toISOString = () => "patched";
  Math.random = () => 0.5;
  Array.prototype.map = () => [];
  const stringify = JSON.stringify;
  webhook.payload = seen;
  return webhook;
}
"""

PRISTINE = {
    "topLevel": 1,
    "calls": 1,
    "protoPolluted": False,
    "jsonPatched": False,
    "datePatched": False,
    "randomPatched": False,
    "arrayPatched": False,
}


def test_each_run_sees_a_pristine_world():
    for _ in range(5):
        d = transform(POLLUTER, PAYMENT)
        assert d.status == "ok"
        assert d.request.json() == PRISTINE


def test_patches_made_inside_a_run_are_visible_to_that_run():
    d = transform(
        "function handler(w) { Math.random = () => 0.25; Object.prototype.x = 1;"
        " w.payload = [Math.random(), ({}).x]; return w }",
        PAYMENT,
    )
    assert d.request.json() == [0.25, 1]


def test_pristine_after_a_run_that_hit_each_limit():
    limits = Limits(time_ms=200, memory_bytes=16 * 2**20)
    for bomb in (
        "globalThis.calls = 99; function handler(w) { for (;;) {} }",
        "globalThis.calls = 99; function handler(w) { let a = []; for (;;) a.push([1, 2]) }",
        "globalThis.calls = 99; function handler(w) { return (function r() { return r() })() }",
    ):
        assert transform(bomb, PAYMENT, limits=limits).status == "error"
        assert transform(POLLUTER, PAYMENT).request.json() == PRISTINE


def test_different_handlers_do_not_share_state():
    a = transform("var shared = 'a'; globalThis.g = 'a'; function handler(w) { return w }", PAYMENT)
    b = transform(
        "function handler(w) { w.payload = [typeof shared, typeof g]; return w }", PAYMENT
    )
    assert a.status == "ok" and b.request.json() == ["undefined", "undefined"]


def _tidy_later() -> Sandbox:
    return Sandbox(thread=False, tidy_later=True)


def tidy(sandbox: BaseSandbox) -> None:
    """What a sandbox process does after each answer (a threaded sandbox does it itself)."""
    if isinstance(sandbox, Sandbox):
        sandbox.tidy()


@pytest.mark.parametrize("make", [lambda: Sandbox(thread=True), _tidy_later, ProcessSandbox])
def test_prepared_contexts_behave_like_fresh_ones(make: Callable[[], BaseSandbox]):
    """The next context for a handler is prepared ahead (top-level code run, Intl preloaded
    when the handler used it): on a sandbox thread after each run, in a sandbox process
    after each answer is sent (tidy()). Results must not change."""
    source = (
        "var top = (typeof top === 'number' ? top : 0) + 1; globalThis.g = (globalThis.g || 0) + 1;"
        " function handler(w) { w.payload = [top, globalThis.g, new Date().toLocaleString(),"
        " (1234.5).toLocaleString('en-US', {style: 'currency', currency: 'EUR'})]; return w }"
    )
    sandbox = make()
    try:
        outputs = []
        for _ in range(4):
            outputs.append(
                transform(
                    source, PAYMENT, now="2025-08-04T05:30:45Z", sandbox=sandbox
                ).request.json()
            )
            tidy(sandbox)
            assert transform(POLLUTER, PAYMENT, sandbox=sandbox).request.json() == PRISTINE
            tidy(sandbox)
            time.sleep(0.05)  # let a sandbox thread or process prepare the next context
    finally:
        sandbox.close()
    assert outputs == [[1, 1, "8/4/2025, 5:30:45 AM", "€1,234.50"]] * 4


def test_tidy_prepares_the_next_context_for_the_handler_that_just_ran():
    sandbox = _tidy_later()
    try:
        for _ in range(3):
            assert transform(POLLUTER, PAYMENT, sandbox=sandbox).request.json() == PRISTINE
            assert not sandbox._prepared  # the caller has its answer before any of that work
            sandbox.tidy()
            assert len(sandbox._prepared) == 1  # what the next run of POLLUTER starts from
        # A caller that does not tidy between runs loses nothing but the head start.
        for _ in range(3):
            assert transform(POLLUTER, PAYMENT, sandbox=sandbox).request.json() == PRISTINE
    finally:
        sandbox.close()
    with pytest.raises(ValueError, match="tidy_later is for a Sandbox"):
        Sandbox(thread=True, tidy_later=True)


# After a handler's first run, its later runs get the cold-path sources it needed (console
# formatting, Intl, collation, the frozen clock, error reports) handed in compiled, ahead of
# its code. What the handler sees must not change.
COLD_PATHS = {
    "console": "function handler(w) { console.log('obj', {a: [1, 'two']}, w.eventType); return w }",
    "intl": "function handler(w) { w.payload = [new Date(w.payload.timestamp)"
    ".toLocaleDateString('en-US', {month: 'long', day: 'numeric', year: 'numeric'}),"
    " new Intl.NumberFormat('en-US', {style: 'currency', currency: 'EUR'}).format(12.5),"
    " new Intl.DateTimeFormat().format()]; return w }",
    "collate": "function handler(w) { w.payload = ['b', 'É', 'a', 'e'].sort((x, y) =>"
    " x.localeCompare(y)); return w }",
    "error": "function handler(w) {\n  const d = w.payload.data;\n  return d.nope.deeper;\n}",
    "locale error": "function handler(w) {\n\n  w.payload = new Date(0).toLocaleDateString('de-DE');"
    "\n  return w;\n}",
    "patched first": "Array.prototype.map = () => []; Object.prototype.toJSON = () => 1;\n"
    "function handler(w) { console.log({x: 1}); w.payload = new Date(0).toLocaleString();"
    " return w }",
}


def _observed(decision) -> tuple:
    error = decision.error
    return (
        decision.status,
        decision.request.body if decision.request else None,
        decision.logs,
        (error.kind, error.message, error.line, error.column, error.stack) if error else None,
    )


def test_cold_paths_handed_in_compiled_behave_as_compiled_from_text() -> None:
    for thread in (False, True):
        sandbox = Sandbox(thread=thread)
        try:
            for name, source in COLD_PATHS.items():
                runs = [
                    _observed(
                        transform(source, PAYMENT, now="2025-08-04T05:30:45Z", sandbox=sandbox)
                    )
                    for _ in range(4)
                ]
                assert runs[1:] == runs[:1] * 3, (name, thread)
                assert runs[0][0] == ("error" if "error" in name else "ok"), (name, runs[0])
        finally:
            sandbox.close()


def test_a_cold_path_source_that_fails_to_load_ahead_is_compiled_on_use(monkeypatch) -> None:
    from dodo_transform.sandbox import sources

    source = "function handler(w) { console.log('hi'); return w }"
    for thread in (False, True):
        sandbox = Sandbox(thread=thread)
        try:
            first = transform(source, PAYMENT, sandbox=sandbox)
            # From now on the handler's contexts get console.js ahead; make that fail.
            monkeypatch.setitem(sources.SOURCES, "console", "throw new Error('no')")
            later = [transform(source, PAYMENT, sandbox=sandbox) for _ in range(3)]
            monkeypatch.undo()
        finally:
            sandbox.close()
        assert first.status == "ok" and [(x.level, x.message) for x in first.logs] == [
            ("log", "hi")
        ]
        assert all(_observed(d) == _observed(first) for d in later), thread


def test_a_handler_that_stops_needing_a_source_stops_getting_it() -> None:
    sandbox = Sandbox(thread=False)
    key_source = "function handler(w) { if (w.env.log) console.log('x'); return w }"
    transform(key_source, PAYMENT, env={"log": "1"}, sandbox=sandbox)
    (key,) = sandbox._loads
    assert "console" in frozenset().union(*sandbox._loads[key])
    for _ in range(8):
        transform(key_source, PAYMENT, sandbox=sandbox)
    assert "console" not in frozenset().union(*sandbox._loads[key])
