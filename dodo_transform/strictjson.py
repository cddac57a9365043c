"""RFC 8259 JSON, as the relay's door and the test tools accept it.

Python's ``json.loads`` is lenient where a handler is not: it reads ``NaN`` and ``Infinity``
and, given bytes, guesses UTF-16 or UTF-32. The sandbox parses the same text with
``JSON.parse``, so an envelope Python accepted would later fail as a handler ``SyntaxError``.
:func:`loads` refuses both up front, with the byte where the problem is.

The other way, a handler's strings may hold half a UTF-16 pair, which ``json.dumps`` with
``ensure_ascii=False`` leaves raw and UTF-8 cannot encode: :func:`dumps` escapes it, as
``JSON.stringify`` does.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["LONE_SURROGATE", "NotJSON", "dumps", "escape_lone_surrogates", "loads"]

# A UTF-16 half on its own: JavaScript strings may hold one, and so may Python's from JSON
# (json.loads reads "\\ud800"), but UTF-8 has no bytes for it. (In a str, a surrogate is
# always alone: a pair is one character.)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Byte order marks, longest first: UTF-32 LE starts like UTF-16 LE.
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
# A string literal (skipped) or one of the constants Python accepts and JSON does not.
_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


class NotJSON(ValueError):
    """The text is not RFC 8259 JSON; the message says what and where (a byte offset)."""


def loads(body: bytes) -> Any:
    """The JSON value of ``body``, which must be UTF-8 RFC 8259 JSON; else :class:`NotJSON`."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            raise NotJSON(f"starts with a {encoding} byte order mark; send UTF-8 without one")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NotJSON(f"not UTF-8 (byte {e.start} is {body[e.start]:#04x}); send UTF-8") from None
    if "\x00" in text:  # never in JSON text, always in UTF-16/32 text without a BOM
        where = len(text[: text.index("\x00")].encode())
        raise NotJSON(f"NUL byte at byte {where} (UTF-16 or UTF-32?); send UTF-8")
    try:
        try:
            return _DECODER.decode(text)
        except ValueError as e:
            if isinstance(e, json.JSONDecodeError):
                raise
            # An integer longer than Python reads (int()'s digit limit): read again, with
            # such integers as JSON.parse reads them. Rare, so not the decoder every body pays.
            return _BIG_INTEGERS.decode(text)
    except _Constant:
        raise NotJSON(_where_constant(text)) from None
    except json.JSONDecodeError as e:
        where = len(text[: e.pos].encode())
        raise NotJSON(f"{e.msg} at byte {where}") from None
    except RecursionError:
        raise NotJSON("nested too deeply to read") from None


class _Constant(Exception):
    pass


def _refuse(_name: str) -> Any:
    raise _Constant


# Made once: json.loads(text, parse_constant=...) builds a decoder on every call, which took
# two thirds of the time of reading a 2 KB envelope (31 against 11 µs), once per webhook.
def _integer(text: str) -> int | float:
    # Python refuses to read an integer of over 4,300 digits by default (a guard against
    # slow conversions, which PYTHONINTMAXSTRDIGITS may lower); JSON.parse reads it as the
    # nearest double, as float() does (inf beyond).
    try:
        return int(text)
    except ValueError:
        return float(text)


_DECODER = json.JSONDecoder(parse_constant=_refuse)
_BIG_INTEGERS = json.JSONDecoder(parse_constant=_refuse, parse_int=_integer)


def _where_constant(text: str) -> str:
    for m in _CONSTANT.finditer(text):
        if m.group(1):
            return f"{m.group(1)} at byte {len(text[: m.start()].encode())}"
    return "NaN or Infinity"  # not reached: json only calls _refuse for one outside strings


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text the way ``JSON.stringify`` writes it: other characters as
    they are, a lone surrogate escaped (``\\ud800``), so the text always encodes as UTF-8."""
    return escape_lone_surrogates(json.dumps(value, ensure_ascii=False, indent=indent))


def escape_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as its escape, ``\\ud800``, as Node's
    ``util.inspect`` shows one: printable, where the character itself cannot be encoded."""
    return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
