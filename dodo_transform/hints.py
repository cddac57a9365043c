"""Errors and warnings that teach: what a handler author should do about a failed or
suspicious run.

- :func:`error_hint`: the ``hint`` of an error record, from the error alone: a global the
  sandbox does not have (``fetch``, ``require``, ``process``, timers...), a forbidden header,
  an ``import`` statement;
- :func:`trace_reads`: a second run of the handler on the same event whose payload records the
  fields the handler read that are missing (or null) in it;
- :func:`missing_field_warnings` and :func:`read_hint` turn those reads into ``missing_field``
  warnings (a field no Dodo payload has: a typo such as ``customer.emial``) and into the hint
  for ``cannot read property 'email' of undefined`` ("did you mean `customer`?");
- :func:`zero_decimal_warnings`: an amount in a currency without cents (JPY) sent divided by
  100 (``zero_decimal_amount``).

The error message itself is never changed: scripts match on it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from . import samples
from .jsonpath import leaves
from .sandbox import BaseSandbox, Job, Limits, TransformError, default_sandbox

__all__ = [
    "Read",
    "error_hint",
    "missing_field_warnings",
    "read_hint",
    "trace_reads",
    "with_hint",
    "zero_decimal_warnings",
]

_NO_NETWORK = (
    "The sandbox has no network: a handler does not send the request, it returns it. Set "
    "webhook.url, webhook.method, webhook.headers and webhook.payload, then `return webhook;` "
    "and dodo-transform sends it (with retries)."
)
_NO_MODULES = (
    "A handler is one plain script: nothing can be imported or required. Write the code "
    "inline; JSON, Math, Date, Intl, RegExp and the string and array methods are there."
)
_NO_TIMERS = (
    "A handler runs synchronously and returns at once: there are no timers or event loop "
    "(and an async handler is refused). Compute everything before `return webhook;`."
)
_NO_PROCESS = (
    "There is no process or environment in the sandbox: settings reach the handler as "
    "webhook.env (the endpoint's `env` in the config; `--env KEY=VALUE` for `test`)."
)
_GLOBALS = {
    "fetch": _NO_NETWORK,
    "XMLHttpRequest": _NO_NETWORK,
    "WebSocket": _NO_NETWORK,
    "axios": _NO_NETWORK,
    "require": _NO_MODULES,
    "module": _NO_MODULES,
    "exports": _NO_MODULES,
    "importScripts": _NO_MODULES,
    "process": _NO_PROCESS,
    "Deno": _NO_PROCESS,
    "setTimeout": _NO_TIMERS,
    "setInterval": _NO_TIMERS,
    "setImmediate": _NO_TIMERS,
    "clearTimeout": _NO_TIMERS,
    "clearInterval": _NO_TIMERS,
    "queueMicrotask": _NO_TIMERS,
    "Buffer": "There is no Node.js Buffer (nor atob/btoa): use strings and "
    "encodeURIComponent, or build the text by hand.",
}
_HEADER_HINTS = {
    "content-type": "Content-Type is set for you: every request is sent as application/json "
    "(webhook.payload is serialised with JSON.stringify). Remove this header.",
    "content-length": "The HTTP client sets Content-Length from the body. Remove this header.",
    "transfer-encoding": "The HTTP client frames the body itself. Remove this header.",
    "host": "Host comes from webhook.url: set the URL instead.",
}
_HOP_BY_HOP = (
    "Connection-level headers belong to the HTTP client, which manages the connection. "
    "Remove this header."
)
_SIGNATURE = (
    "webhook-* headers are reserved for the Standard Webhooks signature (webhook-id, "
    "webhook-timestamp, webhook-signature); the handler cannot set them. Use another name."
)
_UNPARSABLE_URL = (
    "Build the URL from parts you control and encode what comes from the event: "
    "`https://host/path/${encodeURIComponent(value)}`. A literal IPv6 host needs both "
    "brackets, as in http://[::1]:8080/."
)
_REFERENCE = re.compile(r"^ReferenceError: '?([\w$]+)'? is not defined")
_FORBIDDEN = re.compile(r"^webhook\.headers sets '([^']+)', a forbidden header")
_IMPORT = re.compile(r"^\s*(?:import\s*[\w${*'\"]|export\s)", re.M)
_NULLISH_READ = re.compile(r"^TypeError: cannot read propert(?:y|ies) '?([^' ]*)'? of (\w+)")


def error_hint(error: TransformError, source: str = "") -> str | None:
    """What to do about ``error``, when the error alone says enough."""
    m = _REFERENCE.match(error.message)
    if error.kind == "exception" and m:
        return _GLOBALS.get(m.group(1))
    m = _FORBIDDEN.match(error.message)
    if error.kind == "forbidden_header" and m:
        name = m.group(1).lower()
        if name.startswith("webhook-"):
            return _SIGNATURE
        if name.startswith("proxy-"):
            return "Proxy headers belong to the network path, not the request. Remove it."
        return _HEADER_HINTS.get(name, _HOP_BY_HOP)
    if error.kind == "syntax_error" and _IMPORT.search(source):
        return _NO_MODULES
    if error.kind == "invalid_url" and error.message.startswith("webhook.url does not parse"):
        return _UNPARSABLE_URL
    if error.kind == "time_limit":
        return _stopped_in_a_function(error, source)
    return None


_FUNCTION_HEAD = re.compile(r"\s*(?:(?:async\s+)?function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)")
_TOP_FRAME = re.compile(r"^\s+at ([\w$.]+) \(", re.M)


def _stopped_in_a_function(error: TransformError, source: str) -> str | None:
    """A loop stopped at its limit is placed at its function's first line when it made no
    call: QuickJS records a position only at calls. Say so, rather than let the line
    number send the reader to a function head that is fine."""
    if error.line is None or error.column is None:
        return None
    lines = source.split("\n")
    if error.line > len(lines) or not _FUNCTION_HEAD.match(lines[error.line - 1], error.column - 1):
        return None
    m = _TOP_FRAME.search(error.stack or "")
    name = f"`{m.group(1)}`" if m else "the function"
    return (
        f"The run was inside {name}, which starts at line {error.line}: QuickJS places a loop "
        "that calls nothing at the start of its function, not at the loop. Look in it for a "
        "loop whose condition never turns false."
    )


def with_hint(error: TransformError, hint: str | None) -> TransformError:
    return error if hint is None or error.hint else replace(error, hint=hint)


# -- what the handler read ------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A payload field the handler read that was missing (``value`` undefined) or null."""

    path: tuple[str, ...]  # from the envelope's root: ("data", "customer", "emial")
    value: str  # "undefined" or "null"

    @property
    def dotted(self) -> str:
        return "payload" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in self.path)


# Appended to the handler for the tracing run (after a newline, so line numbers hold): wraps
# the payload in proxies that note reads of absent and null fields, and logs them at the end.
_MARK = "\x01dodo-trace "
_TRACER = """
;(function (h, P, R, W, S) {
  if (typeof h !== "function") return;
  var skip = { __proto__: null, toJSON: 1, then: 1, constructor: 1, valueOf: 1, toString: 1,
               length: 1, hasOwnProperty: 1, toISOString: 1 };
  var reads = [], seen = new W();
  function wrap(v, path) {
    if (v === null || typeof v !== "object") return v;
    var p = seen.get(v);
    if (p) return p;
    p = new P(v, { get: function (t, k, r) {
      var x = R.get(t, k, r);
      if (typeof k !== "string" || skip[k] === 1) return x;
      var sub = path.concat([k]);
      if (reads.length < 200) {
        if (x === undefined && !(k in t)) reads.push([sub, "undefined"]);
        else if (x === null) reads.push([sub, "null"]);
      }
      return wrap(x, sub);
    } });
    seen.set(v, p);
    return p;
  }
  handler = function (webhook) {
    webhook.payload = wrap(webhook.payload, []);
    try { return h.apply(this, arguments); } finally { console.debug(MARK + S(reads)); }
  };
})(typeof handler === "undefined" ? undefined : handler, Proxy, Reflect, WeakMap,
   JSON.stringify);
""".replace("MARK", json.dumps(_MARK))


def trace_reads(
    source: str,
    payload_text: str,
    *,
    event_type: str,
    url: str,
    env: Mapping[str, str] | None = None,
    now_ms: float | None = None,
    limits: Limits | None = None,
    sandbox: BaseSandbox | None = None,
) -> list[Read]:
    """The missing and null payload fields the handler read on this event, in order.

    A handler the tracer cannot wrap (``const handler = ...``) reads nothing."""
    job = Job(
        source=source + _TRACER,
        filename="trace.js",
        payload_json=payload_text,
        event_type=event_type,
        url=url,
        env=dict(env) if env else None,
        now_ms=now_ms,
        limits=limits,
    )
    run = (sandbox or default_sandbox()).run(job)
    for _level, message in run.logs:
        if message.startswith(_MARK):
            try:
                found = json.loads(message[len(_MARK) :])
                return [Read(tuple(str(p) for p in path), str(v)) for path, v in found]
            except (ValueError, TypeError):
                return []
    return []


@cache
def _known_keys() -> dict[tuple[str, ...], frozenset[str]]:
    """Per object path in Dodo's payloads (list items as ``[]``), every key ever seen."""
    keys: dict[tuple[str, ...], set[str]] = {}

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            keys.setdefault(path, set()).update(value)
            for k, v in value.items():
                walk(v, (*path, k))
        elif isinstance(value, list):
            for item in value:
                walk(item, (*path, "[]"))

    for s in samples.all():
        walk(s.payload, ())
    return {k: frozenset(v) for k, v in keys.items()}


def _shape(path: Sequence[str]) -> tuple[str, ...]:
    return tuple("[]" if p.isdigit() else p for p in path)


def _at(payload: Any, path: Sequence[str]) -> Any:
    for p in path:
        if isinstance(payload, list) and p.isdigit() and int(p) < len(payload):
            payload = payload[int(p)]
        elif isinstance(payload, dict):
            payload = payload.get(p)
        else:
            return None
    return payload


def _suggest(key: str, choices: set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(choices), n=1, cutoff=0.6)
    if not close:  # a word of the real name, or the real name plus words: phone, phone_number
        words = set(key.split("_"))
        close = [c for c in sorted(choices) if key in c.split("_") or c in words]
    return f" (did you mean `{close[0]}`?)" if len(close) == 1 else ""


def missing_field_warnings(reads: Sequence[Read], payload: Any) -> list[dict[str, str]]:
    """A ``missing_field`` warning per field read that no Dodo payload has at that place.

    Fields Dodo sends only sometimes (a customer's phone number) are not warned about, nor
    anything under ``metadata``, whose keys are the merchant's own."""
    known = _known_keys()
    warnings, done = [], set()
    for read in reads:
        parent, key = _shape(read.path[:-1]), read.path[-1]
        if read.value != "undefined" or parent not in known or "metadata" in parent:
            continue
        if key in known[parent] or key.isdigit() or read.path in done:
            continue
        done.add(read.path)
        here = _at(payload, read.path[:-1])
        choices = set(here) if isinstance(here, dict) else set()
        warnings.append(
            {
                "code": "missing_field",
                "path": read.dotted,
                "message": f"the handler reads {read.dotted}, which no Dodo payload has"
                f"{_suggest(key, choices | known[parent])}: it is undefined, so a value built "
                'from it becomes NaN or Infinity (sent as null), "undefined" in text, or is '
                "left out",
            }
        )
    return warnings


def read_hint(error: TransformError, reads: Sequence[Read], payload: Any) -> str | None:
    """For ``cannot read property 'x' of undefined``: which payload field was not there."""
    m = _NULLISH_READ.match(error.message)
    if error.kind != "exception" or not m or not reads:
        return None
    read = reads[-1]  # the last absent or null field read before the throw
    parent = _at(payload, read.path[:-1])
    if read.value == "null":
        return (
            f"{read.dotted} is null in this payload (Dodo sends null for an absent value): "
            f"guard the read, e.g. `{read.path[-1]}?.{m.group(1)}`."
        )
    choices = set(parent) if isinstance(parent, dict) else set()
    where = "payload" + "".join(f".{p}" for p in read.path[:-1])
    return (
        f"{read.dotted} is undefined: {where} has no `{read.path[-1]}`"
        f"{_suggest(read.path[-1], choices)}."
    )


# ISO 4217 currencies without a minor unit: Dodo's amount is already in whole units.
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d{2}")  # "45,00": a comma for the decimal point
_DIGITS = re.compile(r"\d[\d,.]*\d")
_TWO_DECIMALS = re.compile(r"\d{1,3}(?:,\d{3})+\.\d{2}|\d+[.,]\d{2}")  # 1,234.50 45.00 45,00


def zero_decimal_warnings(payload: Any, body: str | None) -> list[dict[str, str]]:
    """A ``zero_decimal_amount`` warning per value in the request's JSON body that is one of
    the event's amounts divided by 100 while its currency has no minor unit: ¥4,500 sent as
    45 (or ``"45.00"``) by a handler that treats every currency as having cents.

    Left alone, as more likely something else: whole numbers under 10 (a count), and a value
    the event itself has somewhere (``trial_period_days: 30`` beside ¥3,000)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or body is None:
        return []
    divided: dict[float, tuple[str, int, str]] = {}
    for key, value in data.items():
        amount = _amount(value)
        if not (key.endswith("amount") or key.endswith("tax")) or amount is None:
            continue
        currency = data.get(_currency_key(key))
        if isinstance(currency, str) and currency.upper() in ZERO_DECIMAL and amount >= 100:
            divided.setdefault(amount / 100, (key, amount, currency.upper()))
    if not divided:
        return []
    try:
        sent = json.loads(body)
    except ValueError:
        return []
    in_event = {n for _, leaf in leaves(data) if (n := _number(leaf)) is not None}
    warnings = []
    for path, leaf in leaves(sent):
        for value in _numbers(leaf):
            if value in divided and value not in in_event and not (value == int(value) < 10):
                break  # (a whole number under 10 is as likely a count or a flag as ¥100–999)
        else:
            continue
        key, amount, currency = divided[value]
        warnings.append(
            {
                "code": "zero_decimal_amount",
                "path": path,
                "message": f"{path} is payload.data.{key} ({amount}) divided by 100, but "
                f"{currency} has no minor unit: {amount} is {amount:,} {currency}, not "
                f"{amount / 100:,.2f}. Divide by 100 only for currencies with cents, e.g. "
                f"`['JPY', 'KRW', 'VND'].includes(d.{_currency_key(key)}) ? d.{key} : "
                f"d.{key} / 100`",
            }
        )
    return warnings


def _amount(value: Any) -> int | None:
    """An amount in minor units: an integer, or the digits of one (a dispute's ``amount``)."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _number(leaf: Any) -> float | None:
    """The number a JSON value says: itself, or the one number in a text ("45.00", "¥45",
    "45 JPY", "45,00"); None for anything else."""
    if isinstance(leaf, bool):
        return None
    if isinstance(leaf, (int, float)):
        return float(leaf)
    if not isinstance(leaf, str):
        return None
    found = _NUMBER.findall(leaf)
    if len(found) != 1:
        return None
    text = found[0]
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def _numbers(leaf: Any) -> list[float]:
    """The amounts a sent value may say: its one number, or in a text with several ("¥45.00
    paid on 2025-08-04", "Order 3: ¥45.00") those written with two decimals."""
    one = _number(leaf)
    if one is not None:
        return [one]
    if not isinstance(leaf, str):
        return []
    found = [m for m in _DIGITS.findall(leaf) if _TWO_DECIMALS.fullmatch(m)]
    return [float(m.replace(",", "") if "." in m else m.replace(",", ".")) for m in found]


def _currency_key(amount_key: str) -> str:
    return "settlement_currency" if amount_key.startswith("settlement_") else "currency"
