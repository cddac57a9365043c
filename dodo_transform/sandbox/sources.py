"""The JavaScript the sandbox brings: the prelude every context runs and the cold-path
sources it compiles on first use (see ``js/prelude.js``)."""

from __future__ import annotations

import re
from importlib import resources

__all__ = ["CLOCK", "COLLATE", "CONSOLE", "INTL", "INTL_MORE", "LIB", "PRELUDE", "SOURCES"]


def _js(name: str) -> str:
    text = resources.files(__package__).joinpath("js").joinpath(name).read_text(encoding="utf-8")
    # Sources enter every context as strings; QuickJS copies a pure-ASCII string about ten
    # times faster than one it must widen to UTF-16. \uXXXX means the same in JS source.
    return _NON_ASCII.sub(_js_escape, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _js_escape(m: re.Match[str]) -> str:
    units = m.group().encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _load_prelude() -> str:
    primordials = _js("primordials.js").strip().rstrip(";")
    return _js("prelude.js").replace("/*@PRIMORDIALS@*/", primordials or "undefined")


PRELUDE = _load_prelude()
LIB = _js("lib.js")
INTL = _js("intl.js")
CLOCK = _js("clock.js")
CONSOLE = _js("console.js")
COLLATE = _js("collate.js")
INTL_MORE = _js("intl_more.js")
# prelude.js's names for the cold-path sources.
SOURCES = {
    "lib": LIB,
    "intl": INTL,
    "clock": CLOCK,
    "console": CONSOLE,
    "collate": COLLATE,
    "intl_more": INTL_MORE,
}
