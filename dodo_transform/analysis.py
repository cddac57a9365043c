"""What a handler's source alone tells: warnings found without running it.

Today one check, ``unsafe_integer``: an integer literal beyond 2^53 (``groups:
[165971156405323601]``) is rounded by JavaScript when the handler is compiled, in V8 as in
QuickJS, and the request then carries a different id (``165971156405323620``). The fix is to
quote it. Each warning has the shape of the lint's (``code``, ``message``, ``path``), with
``path`` naming ``file:line:column`` in the handler.

The lexer below knows just enough JavaScript to tell a number from the same digits inside a
string, a template, a comment or a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

__all__ = ["Token", "explain_rounded", "source_warnings", "tokens", "unsafe_integers"]

MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string", "template", "regex", "punct"
    text: str
    line: int
    column: int


_SPACE = re.compile(r"(?:\s+|//[^\n\r\u2028\u2029]*|/\*.*?\*/)+", re.S)
_NAME = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
_NUMBER = re.compile(
    r"(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)n?"
)
_PUNCT = re.compile(
    r">>>=|\.\.\.|===|!==|\*\*=|<<=|>>=|>>>|&&=|\|\|=|\?\?=|\?\.(?!\d)"
    r"|=>|==|!=|<=|>=|&&|\|\||\?\?|\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|\*\*|<<|>>|[^\s]"
)
# After these a "/" starts a regular expression, not a division.
_BEFORE_REGEX_WORDS = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case"}
    | {"do", "else", "yield", "await"}
)


def tokens(source: str) -> Iterator[Token]:
    """The tokens of ``source`` without whitespace and comments; an unterminated string or
    comment ends the stream (the sandbox reports that as a syntax error anyway)."""
    pos, line, line_start = 0, 1, 0
    braces: list[int] = []  # per open template substitution, the depth of "{" inside it
    previous: Token | None = None

    def advance(to: int) -> None:
        nonlocal pos, line, line_start
        chunk = source[pos:to]
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = pos + chunk.rindex("\n") + 1
        pos = to

    while pos < len(source):
        m = _SPACE.match(source, pos)
        if m:
            advance(m.end())
            continue
        char, start = source[pos], (line, pos - line_start + 1)
        kind: str
        if char in "'\"":
            end, kind = _string_end(source, pos, char), "string"
        elif char == "`" or (char == "}" and braces and braces[-1] == 0):
            if char == "}":
                braces.pop()
            end, opens = _template_end(source, pos + 1)
            if opens:
                braces.append(0)
            kind = "template"
        elif char == "/" and _regex_allowed(previous):
            end, kind = _regex_end(source, pos), "regex"
        elif (m := _NUMBER.match(source, pos)) and (char.isdigit() or char == "."):
            end, kind = m.end(), "number"
        elif m := _NAME.match(source, pos):
            end, kind = m.end(), "name"
        else:
            m = _PUNCT.match(source, pos)
            assert m is not None  # any non-space character matches
            end, kind = m.end(), "punct"
            if braces and m.group() in "{}":
                braces[-1] += 1 if m.group() == "{" else -1
        if end < 0:
            return
        previous = Token(kind, source[pos:end], *start)
        yield previous
        advance(end)


def _string_end(source: str, pos: int, quote: str) -> int:
    i = pos + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
        elif source[i] == quote:
            return i + 1
        elif source[i] == "\n":
            return -1
        else:
            i += 1
    return -1


def _template_end(source: str, i: int) -> tuple[int, bool]:
    """Where the template text starting at ``i`` stops, and whether at a ``${``."""
    while i < len(source):
        if source[i] == "\\":
            i += 2
        elif source[i] == "`":
            return i + 1, False
        elif source.startswith("${", i):
            return i + 2, True
        else:
            i += 1
    return -1, False


def _regex_end(source: str, pos: int) -> int:
    i, in_class = pos + 1, False
    while i < len(source) and source[i] != "\n":
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            m = _NAME.match(source, i + 1)
            return m.end() if m else i + 1
        i += 1
    return -1


def _regex_allowed(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.text in _BEFORE_REGEX_WORDS
    if previous.kind in ("number", "string", "regex"):
        return False
    if previous.kind == "template":
        return previous.text.endswith("${")
    return previous.text not in (")", "]", "}", "++", "--")


def unsafe_integers(source: str, filename: str = "handler.js") -> list[dict[str, str]]:
    """An ``unsafe_integer`` warning per integer literal JavaScript cannot hold exactly."""
    warnings = []
    for t in tokens(source):
        if t.kind != "number" or t.text.endswith("n"):
            continue
        value = _integer(t.text)
        if value is None or value <= MAX_SAFE_INTEGER:
            continue
        becomes = js_number_text(value)
        if becomes == str(value):
            continue  # a power of two or a round number: exact after all
        warnings.append(
            {
                "code": "unsafe_integer",
                "path": f"{filename}:{t.line}:{t.column}",
                "message": f"{t.text} is beyond 2^53, the largest integer JavaScript numbers "
                f"hold exactly: it becomes {becomes} (V8 does the same). Quote the id: "
                f'"{value}"',
            }
        )
    return warnings


def _integer(text: str) -> int | None:
    digits = text.replace("_", "")
    if digits[:2].lower() in ("0x", "0o", "0b"):
        return int(digits, 0)
    if any(c in digits for c in ".eE"):
        return None
    return int(digits)


def js_number_text(value: int) -> str:
    """How JavaScript prints the number nearest to ``value`` (below 1e21, as digits)."""
    nearest = float(value)
    if nearest >= 1e21:
        mantissa, exponent = repr(nearest).split("e")
        return f"{mantissa.removesuffix('.0')}e{exponent}"
    return format(Decimal(repr(nearest)), "f")


_ROUNDED = re.compile(r'it becomes (\d+) .*Quote the id: "(\d+)"')


def explain_rounded(warnings: list[dict[str, str]]) -> list[dict[str, str]]:
    """Other warnings that name a rounded id (MailerLite's "group …620 does not exist") say
    which literal it came from, so they do not send the reader hunting for a wrong id."""
    rounded = {}
    for w in warnings:
        m = _ROUNDED.search(w["message"]) if w["code"] == "unsafe_integer" else None
        if m:
            rounded[m.group(1)] = (m.group(2), w["path"])
    if not rounded:
        return warnings
    out = []
    for w in warnings:
        notes = [
            f" ({value} is {literal} at {where}, rounded by JavaScript: quote it)"
            for value, (literal, where) in rounded.items()
            if w["code"] != "unsafe_integer" and value in w["message"]
        ]
        out.append({**w, "message": w["message"] + "".join(notes)} if notes else w)
    return out


def source_warnings(source: str, filename: str = "handler.js") -> list[dict[str, str]]:
    """Every warning this module finds in ``source``."""
    return [dict(w) for w in _source_warnings(source, filename)]


@lru_cache(maxsize=32)
def _source_warnings(source: str, filename: str) -> tuple[dict[str, str], ...]:
    # `test` over every sample asks about the same source 50 times.
    return tuple(unsafe_integers(source, filename))
