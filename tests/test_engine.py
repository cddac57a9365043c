"""The C-API engine: QuickJS through its C API, every source compiled once, the binding's
manners; its self-test; the choice of engine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from subpytest import run_pytest

from dodo_transform.sandbox import capi, engine
from dodo_transform.sandbox.binding import BindingContext
from dodo_transform.sandbox.engine import JSException, StackOverflow

ROOT = Path(__file__).resolve().parent.parent


def test_this_platform_reads_bytecode() -> None:
    # CI runs on Linux x86-64 with the pinned quickjs-ng: the fast path is the one under test.
    assert engine.using_c_api()
    assert engine.fallback_reason() is None
    assert isinstance(engine.new_context(), capi.CApiContext)


def test_a_program_read_back_from_bytecode_keeps_its_source_and_positions() -> None:
    source = "function handler(w) {\n  return w.x.y;\n}\nhandler.toString()"
    first, second = engine.new_context(), engine.new_context()
    assert first.eval(source) == second.eval(source) == source.rsplit("\n", 1)[0]
    assert capi._bytecode.get(source) is not None
    call = second.eval("(function () { return handler({}); })")
    with pytest.raises(JSException) as e:
        call()
    assert str(e.value).startswith("TypeError: cannot read property 'y' of undefined")
    assert "at handler (<input>:2:" in str(e.value)


def test_a_syntax_error_is_raised_with_its_position_and_nothing_is_cached() -> None:
    source = "function handler(w) {\n  return w +;\n}"
    with pytest.raises(JSException) as e:
        engine.new_context().eval(source)
    assert str(e.value).startswith("SyntaxError: ")
    assert "<input>:2:" in str(e.value)
    assert capi._bytecode.get(source) is None


def test_values_cross_in_both_directions() -> None:
    ctx = engine.new_context()
    identity = ctx.eval("(function (x) { return x; })")
    for value in ["", "héllo 🎉 \u2028 \x00 end", 0.5, -3.0, True, False, None]:
        assert identity(value) == value
    assert ctx.eval("2 ** 31 - 1") == 2**31 - 1
    assert ctx.eval("undefined") is None
    assert ctx.eval("Symbol('s')") is None
    ctx.set("greeting", "héllo")
    assert ctx.eval("greeting.length") == 5


def test_lent_bytes_are_shared_read_only_and_no_run_can_change_them() -> None:
    data = bytes(range(48, 58)) * 3
    first, second = engine.new_context(), engine.new_context()
    first.lend("lent", data)
    second.lend("lent", data)
    # Both views stand on one read-only mapping, not on copies.
    assert capi._LENT[data][1] is not None
    writes = first.eval(
        "(function () { 'use strict'; const out = [];"
        "  try { lent[0] = 1; out.push('ignored ' + lent[0]); } catch (e) { out.push(e.name); }"
        "  for (const write of [() => lent.fill(9), () => lent.set([1]), () => lent.copyWithin(0, 1),"
        "    () => new DataView(lent.buffer).setUint8(0, 1), () => lent.buffer.transfer()]) {"
        "    try { write(); out.push('wrote'); } catch (e) { out.push(e.name); } }"
        "  return out.join(); })"
    )()
    assert writes == "ignored 48,TypeError,TypeError,TypeError,TypeError,TypeError"
    assert second.eval("String.fromCharCode(...lent)") == data.decode()
    assert first.eval("lent.buffer.immutable") is True
    first.close()
    assert second.eval("lent[29]") == 57  # closing one context frees nothing of the other's
    # The binding cannot lend memory: its contexts get the bytes as a string.
    fallback = BindingContext()
    fallback.lend("lent", data)
    assert fallback.eval("lent") == data.decode()


def test_what_immutability_misses_stops_the_process_rather_than_reach_another_run() -> None:
    # QuickJS's Atomics.store writes through an immutable buffer: the mapping's protection
    # stops it. (The sandbox never lets a handler reach the lent table; this is the backstop.)
    script = (
        "from dodo_transform.sandbox import engine\n"
        "ctx = engine.new_context(); ctx.lend('lent', b'0123')\n"
        "ctx.eval('Atomics.store(lent, 0, 7)')\n"
        "print('wrote')\n"
    )
    no_core = lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # noqa: E731
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, preexec_fn=no_core
    )
    assert out.returncode != 0 and "wrote" not in out.stdout


def test_the_time_limit_interrupts_and_the_context_stays_usable() -> None:
    ctx = engine.new_context()
    ctx.set_time_limit(0.05)
    with pytest.raises(JSException) as e:
        ctx.eval("for (;;) {}")
    assert str(e.value).startswith("InternalError: interrupted")
    assert ctx.eval("1 + 1") == 2  # a new eval gets a new budget


def test_a_run_stopped_at_the_time_limit_keeps_its_stack_every_time() -> None:
    # Once the run has stopped, the watchdog must no longer force QuickJS to poll: a poll
    # while the error's stack is read interrupted that read, and the stack was lost.
    ctx = engine.new_context()
    ctx.set_time_limit(0.05)
    stacks = []
    for _ in range(20):
        with pytest.raises(JSException) as e:
            ctx.eval("function spin() { for (;;) {} }\nspin();")
        stacks.append(str(e.value).partition("\n")[2])
    assert all("at spin (<input>:1:" in stack for stack in stacks), stacks


def test_the_watchdog_finds_quickjs_s_count_of_operations_left() -> None:
    # Pinned quickjs-ng on CI: an overrun run is made to poll at once (test_hostile.py
    # shows what that bounds), and the probe tells a wrong place from the right one.
    assert capi._counter_at == capi._COUNTER_OFFSET
    assert capi._api is not None
    assert capi._counter_probe(capi._api) is None
    for wrong in (capi._COUNTER_OFFSET + 4, 8):
        assert "around loops of 100 and 300 turns" in (capi._counter_probe(capi._api, wrong) or "")


_FORKED = """
import os, threading, time
from dodo_transform.sandbox import capi, engine

def spin():
    c = engine.new_context()
    c.set_time_limit(1.0)
    try:
        c.eval("for (;;) {}")
    except Exception:
        pass

engine.new_context().eval("1")  # this thread's clock is known before the fork
spinning = threading.Thread(target=spin)
spinning.start()
time.sleep(0.2)  # the parent's run is watched when the child is made
pid = os.fork()
if pid == 0:
    c = engine.new_context()
    c.set_time_limit(0.05)
    try:
        c.eval("for (;;) {}")
        os._exit(3)
    except Exception as e:
        ok = str(e).startswith("InternalError: interrupted") and not capi._watchdog._runs
        os._exit(0 if ok else 4)
_, status = os.waitpid(pid, 0)
spinning.join()
print("child", os.waitstatus_to_exitcode(status))
"""


def test_a_forked_child_keeps_time_limits_and_forgets_the_parents_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FORKED], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "child 0", out.stdout + out.stderr


def test_catastrophic_backtracking_is_interrupted_too() -> None:
    ctx = engine.new_context()
    ctx.set_time_limit(0.05)
    with pytest.raises(JSException, match="interrupted"):
        ctx.eval("/^(a+)+$/.test('a'.repeat(40) + 'b')")


def test_the_memory_limit_is_the_runtimes() -> None:
    ctx = engine.new_context()
    ctx.set_memory_limit(8 * 1024 * 1024)
    with pytest.raises(JSException) as e:
        ctx.eval("let a = []; for (;;) a.push('x'.repeat(1000) + a.length)")
    # QuickJS throws null when it cannot even allocate the error (the sandbox tells them apart)
    assert str(e.value).startswith(("InternalError: out of memory", "null"))


def test_a_context_made_on_one_thread_runs_on_another_with_a_sound_stack_guard() -> None:
    made: list = []
    worker = threading.Thread(target=lambda: made.append(engine.new_context()))
    worker.start()
    worker.join()
    ctx = made[0]
    ctx.set_max_stack_size(1024 * 1024)
    depth = ctx.eval("(function f(n) { return n === 0 ? 0 : 1 + f(n - 1); })")
    # The guard measures this thread's stack, not the maker's: a 1 MiB stack holds about 600
    # frames of f wherever the context was made.
    assert depth(500) == 500
    with pytest.raises(StackOverflow):
        depth(10**7)


@pytest.mark.parametrize(
    "thrown",
    [
        "{ toString() { for (;;) {} } }",
        "{ get stack() { for (;;) {} }, toString() { return 'x' } }",
    ],
)
def test_a_thrown_values_own_code_runs_under_the_time_limit(thrown: str) -> None:
    # Turning the exception into text runs the handler's toString / stack getter: the limit
    # still applies then (the binding drops it there and would spin for ever).
    ctx = engine.new_context()
    ctx.set_time_limit(0.05)
    throw = ctx.eval(f"(function () {{ throw {thrown}; }})")
    with pytest.raises(JSException):
        throw()
    assert ctx.eval("'still usable'") == "still usable"


def test_functions_of_a_closed_context_refuse_to_run() -> None:
    ctx = engine.new_context()
    fn = ctx.eval("(function () { return 'ok'; })")
    assert fn() == "ok"
    ctx.close()
    ctx.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        fn()


def test_the_sandbox_suite_passes_on_the_binding_fallback_too() -> None:
    """Where the C API is out of reach the binding's contexts are used: same contract."""
    suites = [
        "tests/test_hostile.py",
        "tests/test_isolation.py",
        "tests/test_contract.py",
        "tests/test_conformance.py",
        "tests/test_locale.py",
    ]
    env = {**os.environ, "DODO_TRANSFORM_ENGINE": "binding"}
    check = (
        "from dodo_transform.sandbox import engine; "
        "assert not engine.using_c_api(); assert 'DODO_TRANSFORM_ENGINE' in engine.describe()"
    )
    subprocess.run([sys.executable, "-c", check], env=env, check=True, cwd=ROOT)
    out = run_pytest("-q", *suites, env=env, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_the_bytecode_cache_is_bounded_by_its_sources_too() -> None:
    # A handler of comments compiles to almost nothing; its source, the cache's key, is what
    # costs, so it counts.
    cache = capi._Bytecode(max_bytes=1_000_000, max_entries=50)
    for i in range(100):
        cache.put(f"function handler(w) {{ return w }}\n/* {i} {'é' * 50_000} */", b"x" * 100)
    assert len(cache._entries) <= 20  # 1 MB of ~50 KB sources, not 50 entries
    assert cache._bytes <= 1_000_000
    small = capi._Bytecode(max_bytes=10**9, max_entries=5)
    for i in range(20):
        small.put(f"var x = {i};", b"x")
    assert list(small._entries) == [f"var x = {i};" for i in range(15, 20)]


def test_a_concatenated_string_comes_back_whole() -> None:
    # QuickJS keeps a long concatenation as a rope until something flattens it.
    assert engine.new_context().eval("'a'.repeat(600) + 'b'.repeat(600)") == "a" * 600 + "b" * 600


def test_the_self_test_accepts_the_layout_the_engine_is_written_against() -> None:
    api, reason = capi.load()
    assert api is not None and reason is None
    assert capi.self_test(api) is None


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        ({"int_tag": 5}, "42 read back as tag 0"),
        ({"float64_tag": 7}, "0.5 read back as tag 8"),
        ({"string_tag": -8}, "read back as tag -7"),
        ({"exception_tag": 4}, "a throw read back as tag 6"),
        ({"value_size": 8}, "JSValue is 8 bytes in quickjs.h, 16 here"),
    ],
)
def test_the_self_test_refuses_a_wrong_layout(wrong: dict[str, int], says: str) -> None:
    api, _ = capi.load()
    assert api is not None
    layout = capi.LAYOUT._replace(**wrong)
    problem = capi.self_test(api, layout)
    assert problem is not None and says in problem
    refused, reason = capi.load(layout)
    assert refused is None
    assert reason is not None and "self-test" in reason and says in reason


def test_a_refused_engine_falls_back_to_the_binding_and_says_why() -> None:
    # A process whose self-test read a wrong layout (as at import) runs handlers on the binding.
    code = (
        "from dodo_transform.sandbox import capi, engine\n"
        "capi._api, capi._unavailable = capi.load(capi.LAYOUT._replace(int_tag=5))\n"
        "engine._select()\n"
        "from dodo_transform import transform\n"
        "assert not engine.using_c_api(), engine.describe()\n"
        "print(engine.describe())\n"
        "d = transform('function handler(w) { w.payload = {n: 6 * 7}; return w; }', '{}')\n"
        "print(d.request.body)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "binding (fallback: the self-test of the JSValue layout failed" in out.stdout
    assert out.stdout.rstrip().endswith('{"n":42}')
    assert "sandbox engine: the quickjs-ng binding (fallback)" in out.stderr


T = TypeVar("T")
_DEPTH = (
    "(function () { let n = 0; function f() { n++; f(); } try { f(); } catch (e) {} return n; })()"
)
_ROOM = (
    "(function () { const a = []; try { for (;;) a.push('x'.repeat(1000) + a.length); }"
    " catch (e) { const n = a.length; a.length = 0; return n; } })()"
)


def _closed(source: str, *, limit: int | None = None) -> int:
    """Run ``source`` in a new context, close it, and return the runtime it had."""
    ctx = capi.CApiContext()
    if limit is not None:
        ctx.set_memory_limit(limit)
    ctx.set_max_stack_size(256 * 1024)
    ctx.set_time_limit(0.01)
    with pytest.raises(JSException):
        ctx.eval(source)
    rt: int = ctx._rt
    ctx.close()
    return rt


def _on_a_thread(fn: Callable[[], T]) -> T:
    # QuickJS's stack limits need a thread with a known, ample stack.
    out: list[T] = []
    old = threading.stack_size(16 * 1024 * 1024)
    try:
        t = threading.Thread(target=lambda: out.append(fn()))
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    return out[0]


def test_a_closed_contexts_runtime_serves_the_next_one_as_if_new() -> None:
    def run() -> tuple[Any, ...]:
        new = capi.CApiContext()
        depth, room = new.eval(_DEPTH), None
        new.set_memory_limit(4 * 1024 * 1024)
        room = new.eval(_ROOM)
        new.close()
        # A run that set every limit low, left globals and registered symbols, and was
        # stopped by its time limit.
        used = _closed(
            "globalThis.left = 1; Symbol.for('kept').description; for (;;) {}", limit=8 << 20
        )
        after = capi.CApiContext()
        assert after._rt == used  # the same runtime, reused
        seen = after.eval("typeof left + ' ' + typeof globalThis.left")
        free = after.eval(_DEPTH), after.eval("for (let i = 0; i < 3e6; i++) {} 'ran'")
        big = after.eval("'x'.repeat(32 * 1024 * 1024).length")  # no memory limit any more
        after.set_memory_limit(4 * 1024 * 1024)
        again = after.eval(_ROOM)
        after.close()
        return seen, free, big, depth, room, again

    seen, free, big, depth, room, again = _on_a_thread(run)
    assert seen == "undefined undefined"
    assert free == (depth, "ran")  # a new runtime's stack, and no time limit
    assert big == 32 * 1024 * 1024
    # The same room under the same limit: the kept tables only spare it a few resizes.
    assert abs(again - room) <= room // 100


def test_a_runtime_with_anything_left_in_it_is_freed_not_reused() -> None:
    def run() -> tuple[bool, bool]:
        # A pending job holds its context; a handler that grew the atom table holds memory.
        pending = _closed("Promise.resolve().then(() => 1); for (;;) {}")
        grown = _closed("var o = {}; for (let i = 0; i < 1e5; i++) o['p' + i] = i; for (;;) {}")
        kept = [rt for rt, _ in capi._runtimes._idle]
        return pending in kept, grown in kept

    assert _on_a_thread(run) == (False, False)
