"""Reading the code blocks of the README and docs/*.md, and the markers that say how to test them.

A marker is an HTML comment on the line just above a fence, invisible on GitHub and on the
site:

- ``<!-- docs-test: run -->`` before a ``sh`` block: run its commands;
- ``<!-- docs-test: skip: REASON -->`` before a ``sh`` or ``python`` block: do not (the reason
  is required);
- ``<!-- docs-test: output -->`` (or ``output, eventually``) before a ``text`` block: what the
  last command run before it prints.

``python`` blocks need no marker: they all run. ``sh`` blocks must carry one, so that no
command on a page is left untested by oversight.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<directive>.*?)\s*-->\s*$")
_DIRECTIVES = ("run", "skip", "output", "output, eventually")


class MarkerError(ValueError):
    """A marker that is misspelt, lacks its reason, or stands before the wrong kind of block."""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    directive: str | None  # "run", "skip", "output", "output, eventually" or None
    reason: str | None = None  # a skip's reason

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def test_functions(self) -> list[str]:
        """Names of the top-level ``test_*`` functions a python block defines."""
        tree = ast.parse(self.text)
        return [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        ]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order, with the marker above it (if any)."""
    lines = page.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        lang = m["info"].strip().split(" ")[0]
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        body = [line[indent:] if line[:indent].isspace() else line for line in lines[i + 1 : j]]
        directive, reason = _marker(page, i, lines, lang)
        out.append(Block(page, i + 1, lang, "\n".join(body) + "\n", directive, reason))
        i = j + 1
    return out


def _marker(
    page: Path, fence_index: int, lines: list[str], lang: str
) -> tuple[str | None, str | None]:
    k = fence_index - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    m = _MARKER.match(lines[k]) if k >= 0 else None
    where = f"{page.relative_to(ROOT)}:{fence_index + 1}"
    if m is None:
        if "docs-test" in (lines[k] if k >= 0 else ""):
            raise MarkerError(f"{where}: malformed docs-test marker {lines[k].strip()!r}")
        return None, None
    directive = m["directive"]
    reason = None
    if directive.startswith("skip"):
        reason = directive[len("skip") :].lstrip(":").strip()
        if not reason:
            raise MarkerError(f"{where}: a skip needs a reason: <!-- docs-test: skip: REASON -->")
        directive = "skip"
    if directive not in _DIRECTIVES:
        raise MarkerError(f"{where}: unknown docs-test directive {directive!r}")
    allowed = {"sh": {"run", "skip"}, "python": {"skip"}, "text": {"output", "output, eventually"}}
    if directive not in allowed.get(lang, set()):
        raise MarkerError(f"{where}: {directive!r} cannot mark a {lang or 'plain'} block")
    return directive, reason


def all_blocks() -> list[Block]:
    return [b for page in PAGES for b in blocks(page)]
