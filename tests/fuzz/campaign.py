"""A fuzzing campaign: generate programs, run each on the seven envelopes here and in Node,
minimise every difference to a reproducer and group the reproducers by root cause.

Two kinds of statement are taken out of a program before it is compared, and counted apart:
- a construct the source analysis warns about (``V8_WARNINGS``: what QuickJS compiles
  differently and the sandbox cannot change);
- a statement the sandbox refuses with its clear "not supported" error where V8 runs it
  (another locale than English, or one of the rare layouts listed under "Known differences"
  in docs/handlers.md), found by the error's line.
The rest of the program is then compared, so one such statement does not hide the others.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from dodo_transform import Decision, TransformError, analysis

from .differential import ENVELOPE_NAMES, ENVELOPES, Difference, Node, compare, run_here
from .generator import Program, Statement, generate, render, statement_at

__all__ = ["Finding", "Report", "check", "ddmin", "run_campaign", "seed_of"]

# The source-analysis warnings for constructs whose V8 behaviour QuickJS cannot be made to
# follow (see analysis.py): runs of programs that draw one are reported separately.
V8_WARNINGS = frozenset({"v8_spread_key_order", "v8_string_spread", "v8_exponent_operator"})
# Tags that say nothing about a root cause.
_GENERIC_TAGS = frozenset({"payload", "stmt.assign", "template", "date"})


def seed_of(campaign_seed: int, index: int) -> int:
    return campaign_seed * 1_000_003 + index


def warned(source: str) -> list[str]:
    return sorted({w["code"] for w in analysis.source_warnings(source) if w["code"] in V8_WARNINGS})


@dataclass
class Finding:
    """One program's difference, minimised."""

    seed: int
    envelope: str
    aspect: str
    node: str
    here: str
    reproducer: str
    tags: list[str]
    runs: int  # how many of the program's seven runs differed

    @property
    def signature(self) -> str:
        return self.aspect + ": " + ", ".join(self.tags)


@dataclass
class ProgramResult:
    seed: int
    runs: int
    differing_runs: int
    warned_runs: int  # runs of the program before its warned statements were taken out
    warned_codes: list[str]
    finding: Finding | None
    seconds: float
    unsupported: list[str] = field(default_factory=list)  # the sandbox's refusals, shortened


@dataclass
class Report:
    seed: int
    programs: int = 0
    runs: int = 0
    differing_runs: int = 0
    warned_runs: int = 0
    warned_programs: int = 0
    warned_codes: dict[str, int] = field(default_factory=dict)
    unsupported_programs: int = 0
    unsupported: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, r: ProgramResult) -> None:
        self.programs += 1
        self.runs += r.runs
        self.differing_runs += r.differing_runs
        self.warned_runs += r.warned_runs
        if r.warned_runs:
            self.warned_programs += 1
            for code in r.warned_codes:
                self.warned_codes[code] = self.warned_codes.get(code, 0) + r.warned_runs
        if r.unsupported:
            self.unsupported_programs += 1
            for reason in r.unsupported:
                self.unsupported[reason] = self.unsupported.get(reason, 0) + 1
        f = r.finding
        if f is None:
            return
        group = self.groups.setdefault(
            f.signature, {"programs": 0, "runs": 0, "example": asdict(f), "seeds": []}
        )
        group["programs"] += 1
        group["runs"] += f.runs
        if len(group["seeds"]) < 10:
            group["seeds"].append(f.seed)
        if len(f.reproducer) < len(group["example"]["reproducer"]):
            group["example"] = asdict(f)

    def summary(self) -> str:
        lines = [
            f"{self.programs:,} programs x {len(ENVELOPES)} envelopes = {self.runs:,} runs "
            f"in {self.seconds:.1f} s (seed {self.seed})",
            f"differences: {self.differing_runs:,} runs in "
            f"{sum(g['programs'] for g in self.groups.values()):,} programs, "
            f"{len(self.groups)} root-cause group(s)",
            f"runs of programs with a warned construct (not counted as differences): "
            f"{self.warned_runs:,} in {self.warned_programs:,} programs"
            + (
                " (" + ", ".join(f"{k}: {v:,}" for k, v in sorted(self.warned_codes.items())) + ")"
                if self.warned_codes
                else ""
            ),
            f"programs with a statement the sandbox refuses with a clear error where V8 runs it "
            f"(taken out, the rest compared): {self.unsupported_programs:,}",
        ]
        for reason, n in sorted(self.unsupported.items(), key=lambda kv: -kv[1])[:12]:
            lines.append(f"  {n:6,}  {reason}")
        ranked = sorted(self.groups.items(), key=lambda kv: -kv[1]["programs"])
        for signature, g in ranked:
            ex = g["example"]
            lines += [
                "",
                f"== {signature}  ({g['programs']} programs, {g['runs']} runs; seeds {g['seeds'][:5]})",
                f"  on {ex['envelope']}:",
                "  V8:   " + _clip(ex["node"]),
                "  here: " + _clip(ex["here"]),
                "  " + ex["reproducer"].rstrip().replace("\n", "\n  "),
            ]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _clip(text: str, limit: int = 300) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


def ddmin(items: list[int], failing: Callable[[list[int]], bool]) -> list[int]:
    """Zeller's delta debugging: a 1-minimal subset of ``items`` for which ``failing`` holds
    (``failing(items)`` is assumed)."""
    n = 2
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        subsets = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for subset in subsets:
            if failing(subset):
                items, n, reduced = subset, 2, True
                break
        if not reduced:
            for subset in subsets:
                complement = [i for i in items if i not in subset]
                if complement and failing(complement):
                    items, n, reduced = complement, max(n - 1, 2), True
                    break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def _differs(node: Node, source: str, envelope: int, aspect: str) -> Difference | None:
    pair = (ENVELOPES[envelope],)
    d = compare(node.decisions(source, pair)[0], run_here(source, pair)[0], envelope)
    return d if d is not None and d.aspect == aspect else None


def minimise(node: Node, program: Program, first: Difference) -> Finding:
    """Drop statements while the same aspect still differs on the same envelope (ddmin), then
    replace each statement left by the smallest of its sub-expressions that still shows it."""

    def differs(statements: list[Statement]) -> bool:
        source = render([s.code for s in statements], program.helpers)
        return _differs(node, source, first.envelope, first.aspect) is not None

    keep = ddmin(
        list(range(len(program.statements))),
        lambda subset: differs([program.statements[i] for i in subset]),
    )
    statements = [program.statements[i] for i in keep]
    for n, statement in enumerate(statements):
        for candidate in _smaller(statement, first.aspect):
            trial = statements[:n] + [candidate] + statements[n + 1 :]
            if differs(trial):
                statements = trial
                break
    source = render([s.code for s in statements], program.helpers)
    final = _differs(node, source, first.envelope, first.aspect) or first
    tags = sorted(set().union(*(s.tags for s in statements)) - _GENERIC_TAGS)
    return Finding(
        seed=program.seed,
        envelope=ENVELOPE_NAMES[first.envelope],
        aspect=first.aspect,
        node=final.node,
        here=final.here,
        reproducer=source,
        tags=tags,
        runs=0,
    )


def _smaller(statement: Statement, aspect: str) -> list[Statement]:
    """One-expression statements built from ``statement``'s sub-expressions, smallest first."""
    template = (
        "console.log({});" if aspect == "console" else "out.min = {};\nwebhook.payload = out;"
    )
    out = []
    for code, tags in sorted(set(statement.subs), key=lambda sub: len(sub[0])):
        if len(code) < len(statement.code):
            out.append(Statement(template.format(code), tags))
    return out


def check(node: Node, program: Program, *, minimize: bool = True) -> ProgramResult:
    """Run ``program`` on the seven envelopes on both sides, without its warned and refused
    statements; minimise its first difference."""
    started = time.perf_counter()
    n = len(ENVELOPES)
    statements = list(program.statements)
    codes = warned(program.source())
    if codes:
        lines = {_line(w["path"]) for w in analysis.source_warnings(program.source())}
        drop = {statement_at([s.code for s in statements], line) for line in lines}
        statements = [s for i, s in enumerate(statements) if i not in drop]
    unsupported: list[str] = []
    for _ in range(len(program.statements) + 1):
        source = render([s.code for s in statements], program.helpers)
        theirs = node.decisions(source, ENVELOPES)
        ours = run_here(source, ENVELOPES)
        refused = next((b.error for a, b in zip(theirs, ours, strict=True) if _refused(a, b)), None)
        if refused is None:
            break
        unsupported.append(_reason(refused.message))
        where = statement_at([s.code for s in statements], _handler_line(refused), program.helpers)
        if where is None:
            break
        del statements[where]
    diffs = [
        d for i, (a, b) in enumerate(zip(theirs, ours, strict=True)) if (d := compare(a, b, i))
    ]
    # The handler caught the sandbox's refusal and sent or logged its text: a refusal too.
    caught = [d for d in diffs if "dodo-transform sandbox" in d.here]
    if caught and len(caught) == len(diffs):
        unsupported.append("caught by the handler: " + _reason(_refusal_text(caught[0].here)))
        diffs = []
    finding = None
    if diffs:
        rest = Program(program.seed, tuple(statements), program.helpers)
        if minimize:
            finding = minimise(node, rest, diffs[0])
        else:
            d = diffs[0]
            tags = sorted(rest.tags - _GENERIC_TAGS)
            finding = Finding(
                rest.seed, ENVELOPE_NAMES[d.envelope], d.aspect, d.node, d.here, source, tags, 0
            )
        finding.runs = len(diffs)
    return ProgramResult(
        program.seed,
        n,
        len(diffs),
        n if codes else 0,
        codes,
        finding,
        time.perf_counter() - started,
        unsupported,
    )


def _handler_line(error: TransformError) -> int:
    """The line of the generated handler's statement that raised ``error``: its own frame
    (``at handler (handler.js:L:C)``), since sandbox code called back from it (a sort's
    comparator) may show frames of its own first."""
    m = re.search(r"at handler \(handler\.js:(\d+):", error.stack or "")
    return int(m.group(1)) if m else error.line or 0


def _line(path: str) -> int:
    return int(path.rsplit(":", 2)[1])


def _refused(node: Decision, here: Decision) -> bool:
    """The sandbox refused, with its clear error, a statement (V8 ran it, or failed later or
    otherwise: V8 never says "dodo-transform sandbox")."""
    return here.error is not None and "dodo-transform sandbox" in here.error.message


def _refusal_text(text: str) -> str:
    """The sandbox's message inside a body or a console line that carries it."""
    start = text.rfind("Error: ", 0, text.index("dodo-transform sandbox"))
    return text[start + 7 :] if start >= 0 else text


def _reason(message: str) -> str:
    """The refusal without its particulars (a locale, a character), to count alike ones."""
    return re.sub(r'"[^"]*"', '"…"', message.split(": ", 1)[-1])[:110]


_worker_node: Node | None = None


def _init_worker() -> None:
    global _worker_node
    _worker_node = Node()


def _work(args: tuple[int, bool]) -> ProgramResult:
    global _worker_node
    seed, minimize = args
    assert _worker_node is not None
    program = generate(seed)
    try:
        return check(_worker_node, program, minimize=minimize)
    except Exception as e:  # noqa: BLE001 - one program's failure must not end a campaign
        # Node may have died (memory): the next program gets a fresh one.
        _worker_node.close()
        _worker_node = Node()
        finding = Finding(seed, "-", "harness", repr(e), "", program.source(), ["harness"], 1)
        return ProgramResult(seed, len(ENVELOPES), 0, 0, [], finding, 0.0)


def run_campaign(
    seed: int,
    programs: int,
    jobs: int = 1,
    *,
    minimize: bool = True,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Check ``programs`` generated programs (seeds ``seed_of(seed, 0..)``) on ``jobs``
    processes, each with its own Node."""
    report = Report(seed)
    started = time.perf_counter()
    tasks = [(seed_of(seed, i), minimize) for i in range(programs)]
    results: Iterator[ProgramResult]
    if jobs <= 1:
        _init_worker()
        results = map(_work, tasks)
    else:
        pool = multiprocessing.get_context("spawn").Pool(jobs, initializer=_init_worker)
        results = pool.imap_unordered(_work, tasks, chunksize=4)
    try:
        for r in results:
            report.add(r)
            if progress is not None and report.programs % 250 == 0:
                report.seconds = time.perf_counter() - started
                progress(report)
    finally:
        if jobs > 1:
            pool.close()
            pool.join()
        elif _worker_node is not None:  # this process's own Node: not left running
            _worker_node.close()
    report.seconds = time.perf_counter() - started
    return report


def reproducer_source(statements: list[str]) -> str:
    """The handler for a list of statements (for regression tests)."""
    return render(statements)


def dump(report: Report, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report.to_json(), f, indent=1, ensure_ascii=False)
