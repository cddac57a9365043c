"""What a handler's source alone tells: warnings found without running it.

``unsafe_integer``: an integer literal beyond 2^53 (``groups: [165971156405323601]``) is
rounded by JavaScript when the handler is compiled, in V8 as in QuickJS, and the request then
carries a different id (``165971156405323620``). The fix is to quote it.

``v8_spread_key_order``, ``v8_string_spread`` and ``v8_exponent_operator``: what QuickJS
compiles differently from V8 (two object-literal shapes and the ``**`` operator), so the
request differs from production (found by the differential fuzzer, ``tests/fuzz/``).
Rewriting the source before compiling would not be sound (see docs/conformance.md), so the
handler's author is told instead. Each warning has the shape of the lint's (``code``,
``message``, ``path``), with ``path`` naming ``file:line:column``.

The lexer below knows just enough JavaScript to tell a number from the same digits inside a
string, a template, a comment or a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "Token",
    "explain_rounded",
    "source_warnings",
    "tokens",
    "unsafe_integers",
    "v8_exponent_operators",
    "v8_object_literals",
]

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
    # repr's shortest digits, as JavaScript picks them; below 1e16 repr ends in ".0"
    return format(Decimal(repr(nearest)), "f").removesuffix(".0")


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
    return tuple(
        unsafe_integers(source, filename)
        + v8_object_literals(source, filename)
        + v8_exponent_operators(source, filename)
    )


def v8_exponent_operators(source: str, filename: str = "handler.js") -> list[dict[str, str]]:
    """``v8_exponent_operator``: ``a ** b`` is compiled by QuickJS into its own ``pow`` (the C
    library's), which V8's differs from in the last digit for about one result in twenty
    (``10 ** -5`` is 0.00001 here, 0.000009999999999999999 in V8). ``Math.pow`` is V8's
    algorithm in the sandbox. Two integer literals with an exponent of 0 or more are exact in
    both and draw no warning."""
    warnings = []
    toks = list(tokens(source))
    for i, t in enumerate(toks):
        if t.kind != "punct" or t.text not in ("**", "**="):
            continue
        left = toks[i - 1] if i > 0 else None
        right = toks[i + 1] if i + 1 < len(toks) else None
        after = toks[i + 2].text if i + 2 < len(toks) else ";"
        if (
            t.text == "**"
            and left is not None
            and right is not None
            and _integer_literal(left)
            and _integer_literal(right)
            and after not in (".", "(", "[", "**")
            and (i < 2 or toks[i - 2].text not in (".", "-", "**"))
        ):
            continue
        warnings.append(
            {
                "code": "v8_exponent_operator",
                "path": f"{filename}:{t.line}:{t.column}",
                "message": f"`{t.text}` is computed by QuickJS's own pow, which can differ from "
                "V8's (Dodo's runtime) in the last digit (10 ** -5 is 0.00001 here, "
                "0.000009999999999999999 in V8). Math.pow(a, b) computes what V8 computes",
            }
        )
    return warnings


def _integer_literal(t: Token) -> bool:
    return t.kind == "number" and t.text.replace("_", "").isdigit()


# --- object literals V8 compiles differently ------------------------------------------------

_OPEN, _CLOSE = "([{", ")]}"
# Methods whose result is a string: spreading one into an object literal is a string spread.
_STRING_METHODS = frozenset(
    {"toUpperCase", "toLowerCase", "toLocaleUpperCase", "toLocaleLowerCase", "trim"}
    | {"trimStart", "trimEnd", "padStart", "padEnd", "join", "repeat", "normalize", "toFixed"}
    | {"toISOString", "toLocaleString", "toLocaleDateString", "replace", "replaceAll"}
    | {"substring", "toString", "charAt"}
)


def _braced_groups(source: str) -> Iterator[tuple[Token, list[list[Token]]]]:
    """Every ``{...}`` of ``source`` as its opening token and its top-level elements (split at
    top-level commas; a nested bracket's content is not in its parent's elements)."""
    stack: list[tuple[Token, list[list[Token]]]] = []
    for t in tokens(source):
        if t.kind == "punct" and t.text in _OPEN:
            if stack:
                stack[-1][1][-1].append(t)
            stack.append((t, [[]]))
        elif t.kind == "punct" and t.text in _CLOSE:
            if not stack:
                continue
            opened, elements = stack.pop()
            if opened.text == "{":
                yield opened, [e for e in elements if e]
            if stack:
                stack[-1][1][-1].append(t)
        elif stack and t.kind == "punct" and t.text == ",":
            stack[-1][1].append([])
        elif stack:
            stack[-1][1][-1].append(t)


def _key(element: list[Token]) -> str | None:
    """The static key of an object-literal element (``a: 1``, ``"a": 1``, ``a``, ``a() {}``,
    ``get a() {}``); None for a spread, a computed key or something that is not a property."""
    i = 0
    if element[0].text in ("get", "set", "async", "*") and len(element) > 2:
        if element[1].text not in ("(", ",", ":", "="):
            i = 1 + (element[1].text == "*")
    t = element[i]
    if t.kind == "name":
        return t.text
    if t.kind == "string":
        return _string_value(t.text)
    if t.kind == "number":
        try:
            return js_number_text(int(t.text)) if t.text.isdigit() else repr(float(t.text))
        except ValueError:
            return None
    return None


def _string_value(literal: str) -> str:
    body = literal[1:-1]
    return (
        body
        if "\\" not in body
        else body.encode("latin-1", "backslashreplace").decode("unicode_escape", "replace")
    )


def v8_object_literals(source: str, filename: str = "handler.js") -> list[dict[str, str]]:
    """Warnings for the object literals QuickJS builds differently from V8:

    - ``v8_spread_key_order``: a literal that starts with a spread and defines a key twice,
      ``{...x, status: a, amount, status: b}``. V8 drops the first definition when it is among
      the plain properties right after the spread, so ``status`` ends up after ``amount``;
      QuickJS keeps it where it is first defined (as the specification says).
    - ``v8_string_spread``: a string spread into an object, ``{..."abc"}``: V8 copies its
      characters as keys "0", "1", …; QuickJS copies nothing.
    """
    warnings = []
    for _, elements in _braced_groups(source):
        for element in elements:
            if element[0].text == "..." and _is_string(element[1:]):
                t = element[0]
                warnings.append(
                    {
                        "code": "v8_string_spread",
                        "path": f"{filename}:{t.line}:{t.column}",
                        "message": "a string spread into an object literal: V8 (Dodo's runtime) "
                        'copies its characters as keys "0", "1", …, the sandbox copies none. '
                        "Use Object.assign({}, text) (the same in both) or spread an object",
                    }
                )
        if elements and elements[0][0].text == "...":
            warnings += _spread_key_order(elements, filename)
    return sorted(warnings, key=lambda w: _position(w["path"]))


def _position(path: str) -> tuple[int, int]:
    line, column = path.rsplit(":", 2)[1:]
    return int(line), int(column)


def _is_string(argument: list[Token]) -> bool:
    """Whether a spread's argument is visibly a string: a literal, a template, ``String(x)``,
    or a call of a string method (``x.toUpperCase()``, ``parts.join(", ")``)."""
    if not argument:
        return False
    if argument[0].kind in ("string", "template") and argument[-1].kind in ("string", "template"):
        return True
    if argument[-1].text != ")":
        return False
    depth = 0
    for i in range(len(argument) - 1, 0, -1):  # back to the "(" of the last call
        depth += {")": 1, "(": -1}.get(argument[i].text, 0)
        if depth == 0:
            callee = argument[:i]
            if len(callee) == 1:
                return callee[0].text == "String"
            return callee[-1].text in _STRING_METHODS and callee[-2].text in (".", "?.")
    return False


def _spread_key_order(elements: list[list[Token]], filename: str) -> list[dict[str, str]]:
    # V8 compiles the plain properties between the leading spread and the first computed key
    # or further spread without the stores a later definition of the same key overrides (a
    # getter and a setter of one key too: the pair is defined where its last half is).
    keys = [_key(e) if e[0].text not in ("...", "[") else None for e in elements]
    static_end = next((i for i in range(1, len(elements)) if keys[i] is None), len(elements))
    warnings = []
    for i in range(1, static_end):
        name = keys[i]
        if name is None or (name == "__proto__" and elements[i][1].text == ":"):
            continue  # `__proto__: x` sets the prototype, it is no property
        later = [j for j in range(i + 1, len(elements)) if keys[j] == name]
        # Nothing else defined in between: the order comes out the same.
        if not later or all(keys[j] == name for j in range(i + 1, later[-1])):
            continue
        t = elements[i][0]
        nxt = keys[i + 1]
        after = f'"{nxt}"' if nxt is not None and nxt != name else "what follows"
        warnings.append(
            {
                "code": "v8_spread_key_order",
                "path": f"{filename}:{t.line}:{t.column}",
                "message": f'an object literal that starts with a spread defines "{name}" '
                f'twice: V8 (Dodo\'s runtime) skips this first definition, so "{name}" comes '
                f"after {after} in the object and the JSON body, where the sandbox keeps it "
                f'here. Define "{name}" once',
            }
        )
    return warnings
