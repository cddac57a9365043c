"""The JavaScript the sandbox brings: the prelude every context runs and the cold-path
sources it compiles on first use (see ``js/prelude.js``)."""

from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = [
    "BUNDLE",
    "CLOCK",
    "COLLATE",
    "COLLATION_TABLE",
    "CONSOLE",
    "INSPECT",
    "INTL",
    "INTL_MORE",
    "LIB",
    "PRELUDE",
    "SOURCES",
    "TZ",
    "V8",
    "collates",
    "named_sources",
    "v8_builtins",
]


def _js(name: str) -> str:
    text = resources.files(__package__).joinpath("js").joinpath(name).read_text(encoding="utf-8")
    # Sources enter every context as strings; QuickJS copies a pure-ASCII string about ten
    # times faster than one it must widen to UTF-16. \uXXXX means the same in JS source.
    return _NON_ASCII.sub(_js_escape, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _js_escape(m: re.Match[str]) -> str:
    units = m.group().encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _js_lean(name: str) -> str:
    # These travel as compiled bytecode that keeps its source text: whole-line comments,
    # which are for the reader, are left out of what every such context reads.
    return "\n".join(ln for ln in _js(name).split("\n") if not ln.lstrip().startswith("//"))


def _js_compact(name: str) -> str:
    # Every context copies these (and reads the prelude's bytecode, which keeps its text):
    # whole-line comments and indentation are for the reader. None of them has a string or
    # template literal spanning lines, which this would change.
    lines = (ln.strip() for ln in _js(name).split("\n"))
    return "\n".join(ln for ln in lines if ln and not ln.startswith("//"))


def _collation_table() -> tuple[bytes, str]:
    """collation_table.txt (tools/gen_collation_table.py) as one run of bytes, and collate.js's map
    of it: the constants, and where each section starts (its end: the next one's start)."""
    path = resources.files(__package__).joinpath("js").joinpath("collation_table.txt")
    text = path.read_text(encoding="ascii")
    layout: list[str] = []
    parts: list[str] = []
    at = 0
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        if " " not in line:  # a section's lines, which hold no spaces
            parts.append(line)
            at += len(line)
            continue
        name, value = line.split(" ", 1)
        layout.append(f"{value}: {at}" if name == "=" else f"{name}: {int(value)}")
    layout.append(f"END: {at}")
    return "".join(parts).encode("ascii"), "{ __proto__: null, " + ", ".join(layout) + " }"


# The collation table is bytes that every context reads in place (``Context.lend``):
# copying its 220 KB into each context, or building it there from bytecode, cost milliseconds.
# collate.js has the table's layout baked into its text.
COLLATION_TABLE, _COLLATION_LAYOUT = _collation_table()
LIB = _js_compact("lib.js")
INTL = _js_compact("intl.js")
CLOCK = _js_compact("clock.js")
CONSOLE = _js_compact("console.js")
COLLATE = _js_compact("collate.js").replace("/*@COLLATION_LAYOUT@*/", _COLLATION_LAYOUT)
INSPECT = _js_compact("inspect.js")
INTL_MORE = _js_compact("intl_more.js")
TZ = _js_compact("tz.js")
UNITS = _js_compact("units.js")
RANGES = _js_compact("ranges.js")
# prelude.js's names for the cold-path sources.
SOURCES = {
    "lib": LIB,
    "intl": INTL,
    "clock": CLOCK,
    "console": CONSOLE,
    "collate": COLLATE,
    "inspect": INSPECT,
    "intl_more": INTL_MORE,
    "tz": TZ,
    "units": UNITS,
    "ranges": RANGES,
    "dates": _js_lean("dates.js"),
}
# Those every context gets enter it as one string: each string handed in costs about a
# microsecond besides its copy. The prelude cuts a source out of it, at offsets baked into its
# text, only when a run needs that source. (dates.js goes in only for handlers that name Date.)
# ranges.js (DateTimeFormat#formatRange, 23 KB) and tz.js (every IANA zone, 230 KB) are not
# bundled: only handlers naming what needs them get them (``named_sources``). Bundled, ranges.js
# once cost the document handlers about 170 µs more per event (the bundle's copy into every
# context then fell on a slow path of the allocator, which depends on its size), and tz.js
# about 40 µs (creating and freeing each context), for code they never run.
_BUNDLED = ("lib", "intl", "clock", "console", "collate", "inspect", "intl_more", "units")
BUNDLE = "".join(SOURCES[name] for name in _BUNDLED)


def _offsets() -> str:
    out, start = [], 0
    for name in _BUNDLED:
        out.append(f"{name}: [{start}, {start + len(SOURCES[name])}]")
        start += len(SOURCES[name])
    return "{ __proto__: null, " + ", ".join(out) + " }"


def _load_prelude() -> str:
    primordials = _js("primordials.js").strip().rstrip(";")
    prelude = _js_compact("prelude.js").replace("/*@PRIMORDIALS@*/", primordials or "undefined")
    return prelude.replace("/*@SOURCE_OFFSETS@*/", _offsets())


PRELUDE = _load_prelude()


# V8's versions of built-ins that QuickJS computes differently, and what in a handler's text
# names them. The host installs them before the handler's code (context.py), compiled, for the
# handlers that name them; date.js's parser, dates.js, goes in as text, compiled only when a Date
# meets text that is not a plain ISO timestamp. A built-in reached without its name in the text
# (`[]["so" + "rt"]`) keeps QuickJS's behaviour.
V8 = {
    "sort": _js_lean("sort.js"),
    "typedsort": _js_lean("typedsort.js"),
    "pow": _js_lean("pow.js"),
    "math": _js_lean("math.js"),  # after pow.js, whose helpers it uses
    "radix": _js_lean("radix.js"),
    "dates": _js_lean("date.js"),
}
# Math's members that are exact in both engines do not count; nor, for math.js, does pow.
_MATH = (
    r"\bMath\b(?!\s*\.\s*(?:abs|ceil|clz32|floor|fround|imul|max|min|random|round|sign|sqrt|trunc"
)
_MATH_CONSTANTS = r"|E|LN10|LN2|LOG10E|LOG2E|PI|SQRT1_2|SQRT2)\b)"
_NAMES = {
    "sort": re.compile(r"\bsort\b|\btoSorted\b"),
    "typedsort": re.compile(
        r"(?s)^(?=.*\b(?:sort|toSorted)\b)(?=.*\b(?:Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32"
        r"|Float32|Float64|BigInt64|BigUint64)Array\b)"
    ),
    "pow": re.compile(_MATH + _MATH_CONSTANTS),
    "math": re.compile(_MATH + "|pow" + _MATH_CONSTANTS),
    "radix": re.compile(r"\bparseInt\b|\btoString\s*\(\s*[^\s)]"),
    # `new Date()`, `Date.now()` and `Date.UTC(...)` never read text.
    "dates": re.compile(r"\bDate\b(?!\s*\(\s*\)|\s*\.\s*(?:now|UTC)\b)"),
}


_COLLATES = re.compile(r"\blocaleCompare\b|\bCollator\b")


@functools.lru_cache(maxsize=512)
def collates(handler_source: str) -> bool:
    """Whether a handler's text names what compares strings (collate.js's table goes in)."""
    return _COLLATES.search(handler_source) is not None


# Cold-path sources too big to bundle, and what in a handler's text names what needs them: the
# host hands them in, compiled, only to handlers that name it (``named_sources``); reached
# without the name, they are refused with an error saying to write it out.
_NAMED = {
    "ranges": re.compile(r"\bformatRange"),  # formatRange, formatRangeToParts
    "tz": re.compile(r"\btimeZone\b"),  # an explicit zone: the option's name
}


@functools.lru_cache(maxsize=512)
def named_sources(handler_source: str) -> tuple[str, ...]:
    """The unbundled cold-path sources (keys of ``SOURCES``) a handler's text names."""
    return tuple(name for name, pattern in _NAMED.items() if pattern.search(handler_source))


@functools.lru_cache(maxsize=512)
def v8_builtins(handler_source: str) -> tuple[str, ...]:
    """The V8 built-ins (keys of ``V8``) a handler's text names."""
    return tuple(name for name, pattern in _NAMES.items() if pattern.search(handler_source))
