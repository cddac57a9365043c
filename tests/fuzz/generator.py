"""Seeded generator of handler programs shaped like what merchants write.

A program is a fixed preamble (``p``, ``d``, ``out``), a list of independent statements and
``return webhook``. Each statement is self-contained (its own block scope, its own ``out``
key), so the minimiser can drop any subset and the rest still runs. Each statement carries
the tags of the features it used; a minimised difference is grouped by its tags.

The material comes from the handlers in ``handlers/``, ``tests/conformance_handlers/`` and
the reference documents: payload fields with optional chaining and defaults, money and
dates formatted for people, URLs with query strings, headers, console logging, and the usual
mistakes (a comparator that never returns 0, ``parseInt`` without a radix).
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Program", "Statement", "generate", "render", "statement_at"]


@dataclass(frozen=True)
class Statement:
    code: str
    tags: frozenset[str]
    # Every sub-expression the statement was built from, with its own tags: the minimiser
    # tries each alone (``out.x = sub;``, ``console.log(sub);``) to name the root cause.
    subs: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class Program:
    seed: int
    statements: tuple[Statement, ...]
    helpers: str = ""  # top-level declarations some statements use (always kept)

    def source(self, keep: list[int] | None = None) -> str:
        chosen = self.statements if keep is None else [self.statements[i] for i in keep]
        return render([s.code for s in chosen], self.helpers)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset().union(*(s.tags for s in self.statements))


PREAMBLE = (
    "function handler(webhook) {\n"
    "  const p = webhook.payload;\n"
    "  const d = p.data || {};\n"
    "  const out = {};\n"
)


def statement_at(statements: list[str], line: int, helpers: str = "") -> int | None:
    """The index of the statement that holds ``line`` of :func:`render`'s source, or None."""
    first = helpers.count("\n") + PREAMBLE.count("\n") + 1
    for i, code in enumerate(statements):
        last = first + code.count("\n")
        if first <= line <= last:
            return i
        first = last + 1
    return None


def render(statements: list[str], helpers: str = "") -> str:
    body = "".join("  " + s.replace("\n", "\n  ") + "\n" for s in statements)
    return helpers + PREAMBLE + body + "  return webhook;\n}\n"


REGEXES = ["/[aeiou]/g", "/@.*$/", "/(\\w+)\\s(\\w+)/", "/\\s+/g", "/^./"]
SEPARATORS = ['" "', '"-"', '": "']
SPLIT_TAILS = ['reverse().join("")', 'join("|")', 'slice(0, 2).join(" ")', "length.toString()"]
PLURAL_OPTS = ["", ', { type: "ordinal" }']
COLLATOR_OPTS = ["", ', { sensitivity: "base" }', ", { numeric: true }"]
FILTERS = ["x", "x != null", 'typeof x === "number"', "Boolean(x)"]
CMP_LOCALE_ARGS = [
    "",
    ', "en"',
    ', "en", { numeric: true }',
    ', undefined, { sensitivity: "base" }',
]
# Only spreads the source analysis can see are strings: `{...text}` of a variable is not
# caught (documented in docs/conformance.md).
STRING_SPREADS = [
    '"abc"',
    "String(d.status)",
    '(d.currency ?? "").toLowerCase()',
    "`${d.currency}`",
]
SWITCH_DEFAULTS = ["null", "webhook.eventType", "'other'"]
UTC_DATE_OPTIONS = [
    "month: '2-digit', day: '2-digit', year: 'numeric'",
    "weekday: 'long'",
    "month: 'short', year: 'numeric'",
]
# DateTimeFormat components for random option sets: name, values, chance of appearing.
DATE_COMPONENTS: list[tuple[str, list[object], float]] = [
    ("weekday", ["narrow", "short", "long"], 0.3),
    ("era", ["narrow", "short", "long"], 0.15),
    ("year", ["numeric", "2-digit"], 0.4),
    ("month", ["numeric", "2-digit", "narrow", "short", "long"], 0.4),
    ("day", ["numeric", "2-digit"], 0.4),
    ("dayPeriod", ["narrow", "short", "long"], 0.15),
    ("hour", ["numeric", "2-digit"], 0.4),
    ("minute", ["numeric", "2-digit"], 0.35),
    ("second", ["numeric", "2-digit"], 0.3),
    ("fractionalSecondDigits", [1, 2, 3], 0.15),
    (
        "timeZoneName",
        ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"],
        0.2,
    ),
]
DATE_ZONES = ["UTC", "Etc/Greenwich", "America/New_York", "Asia/Kolkata", "Europe/London"]
SENSITIVITY_BASE = ', { sensitivity: "base" }'
STRING_FIELDS = [
    "d.customer?.email",
    "d.customer?.name",
    "d.currency",
    "p.type",
    "webhook.eventType",
    "d.status",
    "d.payment_id",
    "d.subscription_id",
    "d.billing?.country",
    "d.billing?.city",
    "d.billing?.street",
    "d.metadata?.order_ref",
    "d.customer?.phone_number",
    "d.card_network",
    "d.payment_method",
    "d.product_id",
    "d.reason",
    "d.payload_type",
    "d.cancellation_comment",
    "d.customer_business_name",
    "d.key",
    "d.amount",
    "d.payment_frequency_interval",
]
NUMBER_FIELDS = [
    "d.total_amount",
    "d.tax",
    "d.settlement_amount",
    "d.recurring_pre_tax_amount",
    "d.quantity",
    "d.amount",
    "d.retry_attempt",
    "d.activations_limit",
    "d.payment_frequency_count",
    "d.product_cart?.[0]?.quantity",
    "d.product_cart?.length",
    "d.trial_period_days",
]
DATE_FIELDS = [
    "p.timestamp",
    "d.created_at",
    "d.updated_at",
    "d.next_billing_date",
    "d.previous_billing_date",
    "d.cancelled_at",
    "d.expires_at",
]
OBJECT_FIELDS = ["d.customer", "d.billing", "d.metadata", "d.product_cart?.[0]", "d"]
ARRAY_FIELDS = ["d.product_cart", "d.refunds", "d.disputes", "d.addons", "d.meters"]
WORDS = [
    "Jane",
    "order",
    "Zoë",
    "Émile",
    "it's",
    "naïve café",
    "ÅNGSTRÖM",
    "straße",
    "İstanbul",
    "a\tb",
    "line\nbreak",
    'quote"d',
    "😀 emoji",
    "$id",
    "price",
    "  padded  ",
    "UPPER",
    "snake_case_key",
    "with-dash",
    "123",
    "",
    "e\u0301",
    "\u00a0nbsp",
    "back\\slash",
]
DATE_TEXTS = [
    "2025-08-04T05:30:45.182629Z",
    "2025-08-04",
    "2025-08-04T05:30:45Z",
    "2025-08-04T05:30:45",
    "2025-08-04T05:30:45+02:00",
    "2025-08-04 05:30:45",
    "August 4, 2025",
    "Aug 4 2025 10:00",
    "4 Aug 2025",
    "2025/08/04",
    "08/04/2025",
    "Mon, 04 Aug 2025 05:30:45 GMT",
    "Mon Aug 04 2025 05:30:45 GMT+0000 (Coordinated Universal Time)",
    "2025-08-04t05:30:45z",
    "2025-08-04T05:30:45Z\n",
    "2025-08-04\u00a005:30",
    "2025-13-01",
    "2025-02-30",
    "not a date",
    "",
    "2025-216",
    "2025-08-04T05:30:45+00",
    "1754285445182",
    "2025",
    "2025-08",
    "+002025-08-04T00:00:00Z",
    "2025-08-04T24:00:00Z",
    "Tuesday, August 5, 2025 at 3:00 PM",
]
# Weighted as merchants write them: mostly en-US; the others reach the sandbox's refusals (and
# the locales V8 special-cases, tr/az/lt, reach toLocaleUpperCase).
LOCALES = (
    ["en-US"] * 6
    + ["en"] * 2
    + ["en-us", "en-GB", "de-DE", "fr-FR", "ja-JP", "tr-TR", "lt", "undefined"]
)
CURRENCIES = ["USD", "EUR", "JPY", "GBP", "INR", "KWD", "d.currency"]


def _expression(method: Callable[..., str]) -> Callable[..., str]:
    """Record what ``method`` generated, and the tags it used, as a sub-expression."""

    @functools.wraps(method)
    def wrapper(self: _Gen, *args: int) -> str:
        saved, self.tags = self.tags, set()
        code = method(self, *args)
        mine = self.tags
        self.tags = saved | mine
        self.subs.append((code, frozenset(mine)))
        return code

    return wrapper


@dataclass
class _Gen:
    rng: random.Random
    tags: set[str] = field(default_factory=set)
    subs: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    key: int = 0

    # --- helpers -----------------------------------------------------------------------
    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick_lazy(self, items: list[str | Callable[[], str]]) -> str:
        """Pick one; only the chosen alternative is generated (and tagged)."""
        item = self.rng.choice(items)
        return item if isinstance(item, str) else item()

    def tag(self, *names: str) -> None:
        self.tags.update(names)

    def lit(self, value: object) -> str:
        return json.dumps(value, ensure_ascii=self.chance(0.3))

    def word(self) -> str:
        return self.lit(self.pick(WORDS))

    def number_literal(self) -> str:
        r = self.rng.random()
        if r < 0.25:
            return str(self.rng.randint(0, 100000))
        if r < 0.45:
            return self.pick(["0.1", "0.2", "0.3", "1.005", "2.675", "1.45", "8.345", "0.5", "2.5"])
        if r < 0.6:
            return repr(round(self.rng.uniform(-1e6, 1e6), self.rng.randint(0, 6)))
        if r < 0.7:
            return self.pick(["-0", "1e21", "1e-7", "123456789012345680000", "2 ** 53", "-1.5"])
        if r < 0.8:
            return self.pick(["NaN", "Infinity", "-Infinity", "Number.MAX_SAFE_INTEGER"])
        return repr(self.rng.uniform(0, 1000))

    # --- typed expressions ---------------------------------------------------------------
    @_expression
    def string(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth > 1 or r < 0.3:
            f = self.pick(STRING_FIELDS)
            self.tag("payload")
            return self.pick(
                [f, f"({f} ?? {self.word()})", f"({f} || {self.word()})", f"String({f})"]
            )
        if r < 0.4:
            return self.word()
        if r < 0.5:
            self.tag("template")
            return f"`${{{self.string(depth + 1)}}} / ${{{self.number(depth + 1)}}}`"
        ops = [
            ("string.case", lambda s: f"String({s}).{self.pick(['toUpperCase', 'toLowerCase'])}()"),
            (
                "string.locale_case",
                lambda s: (
                    f"String({s}).{self.pick(['toLocaleUpperCase', 'toLocaleLowerCase'])}({self.lit(self.pick(LOCALES))})"
                ),
            ),
            (
                "string.pad",
                lambda s: (
                    f"String({s}).{self.pick(['padStart', 'padEnd'])}({self.rng.randint(0, 20)}, {self.lit(self.pick(['0', ' ', '*', 'ab']))})"
                ),
            ),
            (
                "string.trim",
                lambda s: f"String({s}).{self.pick(['trim', 'trimStart', 'trimEnd'])}()",
            ),
            (
                "string.slice",
                lambda s: (
                    f"String({s}).{self.pick(['slice', 'substring', 'substr'])}({self.rng.randint(-5, 5)}, {self.rng.randint(-3, 12)})"
                ),
            ),
            (
                "string.replace",
                lambda s: (
                    f"String({s}).replace({self.pick(REGEXES)}, {self.lit(self.pick(['*', '$2 $1', '$&$&', '-', '']))})"
                ),
            ),
            (
                "string.replace_all",
                lambda s: (
                    f"String({s}).replaceAll({self.lit(self.pick(['a', '.', '_', ' ']))}, {self.lit(self.pick(['-', '', 'X']))})"
                ),
            ),
            (
                "string.split_join",
                lambda s: (
                    f"String({s}).split({self.lit(self.pick(['', ' ', '@', '.', '_']))}).{self.pick(SPLIT_TAILS)}"
                ),
            ),
            (
                "string.normalize",
                lambda s: (
                    f"String({s}).normalize({self.lit(self.pick(['NFC', 'NFD', 'NFKC', 'NFKD']))})"
                ),
            ),
            (
                "string.at",
                lambda s: (
                    f"String(String({s}).{self.pick(['at(-1)', 'charAt(0)', 'charCodeAt(0)', 'codePointAt(0)'])})"
                ),
            ),
            (
                "string.encode",
                lambda s: (
                    f"{self.pick(['encodeURIComponent', 'encodeURI', 'escape'])}(String({s}))"
                ),
            ),
            ("string.repeat", lambda s: f"String({s}).repeat({self.rng.randint(0, 3)})"),
            (
                "string.match",
                lambda s: f"String((String({s}).match(/[A-Z][a-z]+/g) || []).join(','))",
            ),
            (
                "string.search",
                lambda s: (
                    f"String(String({s}).{self.pick(['indexOf', 'lastIndexOf', 'includes', 'startsWith', 'endsWith'])}({self.word()}))"
                ),
            ),
            (
                "string.concat",
                lambda s: f"{s} + {self.pick(SEPARATORS)} + {self.string(depth + 1)}",
            ),
            (
                "number.to_string",
                lambda s: (
                    f"({self.number(depth + 1)}).toString({self.pick(['', '2', '16', '36', '8', '3'])})"
                ),
            ),
            (
                "number.to_fixed",
                lambda s: (
                    f"({self.number(depth + 1)}).{self.pick(['toFixed', 'toPrecision'])}({self.rng.randint(1, 8)})"
                ),
            ),
            (
                "number.to_exponential",
                lambda s: f"({self.number(depth + 1)}).toExponential({self.rng.randint(0, 6)})",
            ),
            (
                "number.locale",
                lambda s: f"({self.number(depth + 1)}).toLocaleString({self.locale_args()})",
            ),
            ("date.string", lambda s: self.date_string(depth + 1)),
            ("intl.number", lambda s: self.number_format(depth + 1)),
            ("json.stringify", lambda s: f"JSON.stringify({self.value(depth + 1)})"),
            (
                "array.join",
                lambda s: (
                    f"{self.array(depth + 1)}.join({self.lit(self.pick([',', ', ', ' | ', '']))})"
                ),
            ),
            (
                "array.locale",
                lambda s: f"{self.array(depth + 1)}.toLocaleString({self.locale_args()})",
            ),
            (
                "string.from",
                lambda s: (
                    f"String.fromCharCode({self.rng.randint(32, 500)}, {self.rng.randint(32, 0x2FFF)})"
                ),
            ),
            ("string.raw", lambda s: "String.raw`a\\n${1 + 1}b`"),
        ]
        name, make = self.rng.choice(ops)
        self.tag(name)
        return make(self.string(depth + 1) if depth < 2 else self.pick(STRING_FIELDS))

    def locale_args(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return ""
        loc = self.lit(self.pick(LOCALES)) if self.chance(0.8) else "undefined"
        if r < 0.6:
            return loc
        opts = self.pick(
            [
                '{ style: "currency", currency: "USD" }',
                "{ minimumFractionDigits: 2, maximumFractionDigits: 2 }",
                "{ maximumFractionDigits: 0 }",
                '{ style: "percent" }',
                "{ useGrouping: false }",
                "{ maximumSignificantDigits: 3 }",
                '{ style: "currency", currency: "EUR", currencyDisplay: "code" }',
                '{ notation: "compact" }',
                "{ roundingIncrement: 5, maximumFractionDigits: 2, minimumFractionDigits: 2 }",
                '{ year: "numeric", month: "short", day: "numeric" }',
            ]
        )
        return f"{loc}, {opts}"

    @_expression
    def number(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth > 1 or r < 0.3:
            if self.chance(0.5):
                self.tag("payload")
                f = self.pick(NUMBER_FIELDS)
                return self.pick([f"({f} ?? 0)", f"Number({f} || 0)", f"(+{f} || 0)", f"({f} | 0)"])
            return self.number_literal()
        ops = [
            ("money.cents", lambda: f"Math.round({self.number(depth + 1)} * 100) / 100"),
            (
                "money.divide",
                lambda: (
                    f"({self.number(depth + 1)} / {self.pick(['100', '1000', '3', '7', '12'])})"
                ),
            ),
            ("math.pow", lambda: self.power(depth + 1)),
            (
                "math.fn",
                lambda: (
                    f"Math.{self.pick(['exp', 'log', 'log2', 'log10', 'sin', 'cos', 'tan', 'atan', 'asin', 'acos', 'sinh', 'cosh', 'tanh', 'cbrt', 'sqrt', 'expm1', 'log1p', 'asinh', 'acosh', 'atanh'])}({self.number(depth + 1)})"
                ),
            ),
            (
                "math.two",
                lambda: (
                    f"Math.{self.pick(['atan2', 'hypot', 'max', 'min', 'pow'])}({self.number(depth + 1)}, {self.number(depth + 1)})"
                ),
            ),
            (
                "math.round",
                lambda: (
                    f"Math.{self.pick(['round', 'floor', 'ceil', 'trunc', 'sign', 'abs', 'fround'])}({self.number(depth + 1)})"
                ),
            ),
            (
                "number.parse",
                lambda: f"{self.pick(['parseInt', 'parseFloat', 'Number'])}({self.numeric_text()})",
            ),
            (
                "number.parse_radix",
                lambda: (
                    f"parseInt({self.numeric_text()}, {self.pick(['2', '8', '10', '16', '36', '0', '37'])})"
                ),
            ),
            (
                "number.arith",
                lambda: (
                    f"({self.number(depth + 1)} {self.pick(['+', '-', '*', '/', '%'])} {self.number(depth + 1)})"
                ),
            ),
            (
                "number.fixed_back",
                lambda: f"Number(({self.number(depth + 1)}).toFixed({self.rng.randint(0, 4)}))",
            ),
            (
                "date.getter",
                lambda: (
                    f"{self.date(depth + 1)}.{self.pick(['getTime', 'getFullYear', 'getMonth', 'getDate', 'getDay', 'getHours', 'getUTCHours', 'getMinutes', 'getTimezoneOffset', 'valueOf', 'getMilliseconds'])}()"
                ),
            ),
            (
                "date.utc",
                lambda: (
                    f"Date.UTC({self.rng.randint(1969, 2030)}, {self.rng.randint(-1, 13)}, {self.rng.randint(0, 32)}{self.pick(['', ', 12', ', 25, 61'])})"
                ),
            ),
            (
                "date.diff",
                lambda: f"Math.floor(({self.date(depth + 1)} - {self.date(depth + 1)}) / 86400000)",
            ),
            ("date.parse", lambda: f"Date.parse({self.lit(self.pick(DATE_TEXTS))})"),
            (
                "number.predicate",
                lambda: (
                    f"Number({self.pick(['Number.isInteger', 'Number.isSafeInteger', 'Number.isFinite', 'isNaN', 'isFinite'])}({self.number(depth + 1)}))"
                ),
            ),
            ("number.parse_float", lambda: f"Number.parseFloat({self.numeric_text()})"),
            (
                "number.clamp",
                lambda: (
                    f"Math.min(Math.max({self.number(depth + 1)}, 0), {self.rng.randint(1, 10000)})"
                ),
            ),
            (
                "date.setters",
                lambda: (
                    f"(() => {{ const t = {self.date(depth + 1)}; t.{self.pick(['setUTCDate(t.getUTCDate() + 30)', 'setMonth(t.getMonth() + 1)', 'setUTCHours(0, 0, 0, 0)', 'setFullYear(2030)', 'setDate(0)'])}; return t.getTime(); }})()"
                ),
            ),
            (
                "array.reduce",
                lambda: f"{self.array(depth + 1)}.reduce((s, x) => s + (Number(x) || 0), 0)",
            ),
            ("array.length", lambda: f"{self.array(depth + 1)}.length"),
            ("string.length", lambda: f"String({self.string(depth + 1)}).length"),
        ]
        name, make = self.rng.choice(ops)
        self.tag(name)
        return make()

    def power(self, depth: int) -> str:
        base, exponent = (
            self.number(depth),
            self.pick(["2", "0.5", "-5", "3", "1 / 3", "-2", "10", "-0.5"]),
        )
        return f"Math.pow({base}, {exponent})" if self.chance(0.5) else f"({base}) ** ({exponent})"

    def numeric_text(self) -> str:
        self.tag("payload")
        return self.pick(
            [
                'd.amount ?? "0"',
                "String(d.total_amount)",
                self.lit(
                    self.pick(
                        [
                            "42px",
                            "0x1F",
                            "1e3",
                            " 12.50 ",
                            "-0",
                            "08",
                            "1_000",
                            "3.14abc",
                            "",
                            "Infinity",
                            "zz",
                            "12345678901234567890",
                            "0b101",
                            "z1p2q3r4s5t6u7v8w9",
                        ]
                    )
                ),
                "d.metadata?.order_ref",
                "d.card_last_four",
            ]
        )

    @_expression
    def date(self, depth: int = 0) -> str:
        r = self.rng.random()
        self.tag("date")
        if r < 0.4:
            self.tag("payload")
            return f"new Date({self.pick(DATE_FIELDS)})"
        if r < 0.5:
            return "new Date()"
        if r < 0.75:
            self.tag("date.parse")
            return f"new Date({self.lit(self.pick(DATE_TEXTS))})"
        if r < 0.85:
            return f"new Date({self.rng.randint(2000, 2030)}, {self.rng.randint(0, 11)}, {self.rng.randint(1, 31)})"
        return f"new Date(Date.UTC({self.rng.randint(2000, 2030)}, {self.rng.randint(0, 11)}, {self.rng.randint(1, 31)}, {self.rng.randint(0, 23)}))"

    @_expression
    def date_string(self, depth: int) -> str:
        dt = self.date(depth)
        m = self.pick(
            [
                "toISOString()",
                "toJSON()",
                "toString()",
                "toDateString()",
                "toTimeString()",
                "toUTCString()",
                "toLocaleDateString()",
                "toLocaleTimeString()",
                "toLocaleString()",
                f"toLocaleDateString({self.lit(self.pick(LOCALES))}, {self.date_options()})",
                f"toLocaleString({self.lit(self.pick(LOCALES))}, {self.date_options()})",
                f"toLocaleTimeString({self.lit(self.pick(LOCALES))}, {self.date_options()})",
            ]
        )
        self.tag("date." + m.split("(")[0])
        guarded = m in ("toISOString()", "toJSON()")
        return f"(isNaN({dt}) ? 'invalid' : {dt}.{m})" if guarded else f"{dt}.{m}"

    def date_options(self) -> str:
        if self.chance(0.3):
            return self.random_date_options()
        return self.pick(
            [
                '{ year: "numeric", month: "long", day: "numeric" }',
                '{ month: "short", day: "2-digit", weekday: "short" }',
                '{ dateStyle: "medium" }',
                '{ dateStyle: "full", timeStyle: "short", timeZone: "UTC" }',
                '{ hour: "2-digit", minute: "2-digit", hour12: false }',
                '{ timeZone: "UTC", timeZoneName: "short" }',
                '{ month: "long" }',
                '{ weekday: "long", year: "2-digit" }',
                '{ hour: "numeric", dayPeriod: "short" }',
                '{ era: "short" }',
                '{ fractionalSecondDigits: 3, second: "numeric" }',
                '{ timeZone: "America/New_York" }',
                '{ timeZone: "Europe/Berlin", timeZoneName: "short", hour: "numeric", minute: "2-digit" }',
                '{ timeZone: "Asia/Kolkata", dateStyle: "long", timeStyle: "long" }',
                "{}",
            ]
        )

    def random_date_options(self) -> str:
        """A random DateTimeFormat option set: a few components at random widths, maybe an
        era, day period, zone name, fraction, hour cycle and time zone."""
        self.tag("intl.date_options")
        parts = []
        for name, values, p in DATE_COMPONENTS:
            if self.chance(p):
                parts.append(f"{name}: {self.lit(self.rng.choice(values))}")
        if self.chance(0.3):
            parts.append(
                self.pick(["hour12: true", "hour12: false", 'hourCycle: "h23"', 'hourCycle: "h11"'])
            )
        if self.chance(0.25):
            parts.append(f"timeZone: {self.lit(self.pick(DATE_ZONES))}")
        return "{ " + ", ".join(parts) + " }" if parts else "{}"

    @_expression
    def number_format(self, depth: int) -> str:
        cur = self.pick(CURRENCIES)
        cur_expr = cur if cur.startswith("d.") else self.lit(cur)
        opts = self.pick(
            [
                f"{{ style: 'currency', currency: {cur_expr} || 'USD' }}",
                f"{{ style: 'currency', currency: {cur_expr} || 'USD', currencyDisplay: 'name' }}",
                "{ style: 'percent', maximumFractionDigits: 1 }",
                "{ minimumIntegerDigits: 3 }",
                "{ notation: 'compact', compactDisplay: 'short' }",
                "{ style: 'unit', unit: 'kilogram' }",
                "{ signDisplay: 'always' }",
                "{ maximumFractionDigits: 2, roundingIncrement: 5 }",
                "{ roundingMode: 'floor', maximumFractionDigits: 0 }",
            ]
        )
        n = self.number(depth)
        method = self.pick(["format", "formatRange", "formatToParts"])
        self.tag("intl.NumberFormat." + method)
        nf = f"new Intl.NumberFormat({self.lit(self.pick(LOCALES))}, {opts})"
        if method == "formatRange":
            return f"{nf}.formatRange({n}, {n} + 10)"
        if method == "formatToParts":
            return f"{nf}.formatToParts({n}).map((x) => x.type + '=' + x.value).join(';')"
        return f"{nf}.format({n})"

    @_expression
    def intl_other(self) -> str:
        loc = self.lit(self.pick(LOCALES))
        options = [
            (
                "intl.PluralRules",
                lambda: (
                    f"new Intl.PluralRules({loc}{self.pick(PLURAL_OPTS)}).select({self.number(2)})"
                ),
            ),
            (
                "intl.RelativeTimeFormat",
                lambda: (
                    f"new Intl.RelativeTimeFormat({loc}, {{ numeric: {self.lit(self.pick(['auto', 'always']))} }}).format({self.rng.randint(-3, 3)}, {self.lit(self.pick(['day', 'month', 'year', 'hour']))})"
                ),
            ),
            (
                "intl.Collator",
                lambda: (
                    f"[{self.word()}, {self.word()}, {self.word()}].sort(new Intl.Collator({loc}{self.pick(COLLATOR_OPTS)}).compare).join()"
                ),
            ),
            (
                "intl.ListFormat",
                lambda: (
                    f"new Intl.ListFormat({loc}, {{ type: {self.lit(self.pick(['conjunction', 'disjunction']))} }}).format([{self.word()}, {self.word()}])"
                ),
            ),
            (
                "intl.DateTimeFormat",
                lambda: (
                    f"new Intl.DateTimeFormat({loc}, {self.date_options()}).format({self.date(2)})"
                ),
            ),
            (
                "intl.DateTimeFormat.formatRange",
                lambda: (
                    f"new Intl.DateTimeFormat({loc}, {self.date_options()}).formatRange({self.date(2)}, {self.date(2)})"
                ),
            ),
            (
                "intl.resolvedOptions",
                lambda: f"JSON.stringify(new Intl.NumberFormat({loc}).resolvedOptions())",
            ),
            (
                "string.localeCompare",
                lambda: (
                    f"String({self.string(2)}.localeCompare({self.string(2)}{self.pick(['', ', ' + loc, ', ' + loc + SENSITIVITY_BASE])}))"
                ),
            ),
        ]
        name, make = self.rng.choice(options)
        self.tag(name)
        return make()

    @_expression
    def array(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth > 1 or r < 0.25:
            self.tag("payload")
            return f"({self.pick(ARRAY_FIELDS)} || [])"
        if r < 0.45:
            n = self.rng.randint(0, 9)
            elems = [
                self.pick([self.number_literal(), self.word(), "null", "undefined"])
                for _ in range(n)
            ]
            return "[" + ", ".join(elems) + "]"
        ops = [
            (
                "array.map",
                lambda a: (
                    f"{a}.map((x, i) => {self.pick(['i', 'String(x)', 'typeof x', 'x ?? i'])})"
                ),
            ),
            ("array.filter", lambda a: f"{a}.filter((x) => {self.pick(FILTERS)})"),
            ("array.sort", lambda a: f"[...{a}].sort()"),
            ("array.sort_cmp", lambda a: f"[...{a}].sort((a, b) => {self.comparator()})"),
            ("array.toSorted", lambda a: f"{a}.toSorted()"),
            ("array.flat", lambda a: f"[{a}, [{a}]].flat({self.pick(['', '2', 'Infinity'])})"),
            ("array.slice", lambda a: f"{a}.slice({self.rng.randint(-3, 3)})"),
            ("array.reverse", lambda a: f"[...{a}].reverse()"),
            (
                "array.keys",
                lambda a: f"Object.{self.pick(['keys', 'values'])}({self.obj(depth + 1)})",
            ),
            (
                "array.entries",
                lambda a: f"Object.entries({self.obj(depth + 1)}).map(([k, v]) => k + '=' + v)",
            ),
            (
                "array.from",
                lambda a: (
                    f"Array.from({{ length: {self.rng.randint(0, 8)} }}, (_, i) => i * {self.number_literal()})"
                ),
            ),
            (
                "array.find",
                lambda a: (
                    f"[{a}.find((x) => x != null) ?? null, {a}.findLast((x) => x != null) ?? null, {a}.includes(null), {a}.indexOf(undefined)]"
                ),
            ),
            ("array.concat", lambda a: f"{a}.concat({self.array(depth + 1)})"),
            (
                "array.split",
                lambda a: (
                    f"String({self.string(depth + 1)}).split({self.lit(self.pick([' ', '', ',', '@']))})"
                ),
            ),
            ("array.set", lambda a: f"[...new Set({a})]"),
            (
                "array.holes",
                lambda a: self.pick(
                    ["[1, , 3]", "new Array(3)", "[, 'a', , ]", "Array(2).concat([1])"]
                ),
            ),
            ("array.fill", lambda a: f"new Array({self.rng.randint(0, 5)}).fill({self.word()})"),
            ("array.with", lambda a: f"{a}.with(0, 'x')"),
            ("array.at", lambda a: f"[{a}.at(-1) ?? null]"),
        ]
        name, make = self.rng.choice(ops)
        self.tag(name)
        return make(self.array(depth + 1))

    def comparator(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            self.tag("sort.inconsistent")
            return self.pick(
                [
                    "a > b",
                    "a < b",
                    "String(a) > String(b) ? 1 : -1",
                    "(a ?? 0) > (b ?? 0) ? -1 : 1",
                    "Math.random() - 2",
                    "0",
                    "1",
                    "-1",
                    "true",
                ]
            )
        if r < 0.55:
            self.tag("sort.localeCompare")
            return f"String(a).localeCompare(String(b){self.pick(CMP_LOCALE_ARGS)})"
        return self.pick(
            [
                "a - b",
                "b - a",
                "(Number(a) || 0) - (Number(b) || 0)",
                "String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0",
            ]
        )

    @_expression
    def obj(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth > 1 or r < 0.35:
            self.tag("payload")
            f = self.pick(OBJECT_FIELDS)
            return f"({f} || {{}})"
        if r < 0.55:
            n = self.rng.randint(0, 4)
            keys = [
                self.pick(
                    [
                        "id",
                        "email",
                        "amount",
                        "status",
                        "$id",
                        "with-dash",
                        "a b",
                        "1",
                        "__proto__x",
                        "Ünïcode",
                        "constructor",
                    ]
                )
                for _ in range(n)
            ]
            return (
                "{ " + ", ".join(f"{json.dumps(k)}: {self.value(depth + 1)}" for k in keys) + " }"
            )
        ops = [
            ("object.spread", lambda: f"{{ ...{self.obj(depth + 1)}, source: 'dodo' }}"),
            (
                "object.spread_override",
                lambda: f"{{ ...{self.obj(depth + 1)}, ...{self.obj(depth + 1)} }}",
            ),
            (
                "object.assign",
                lambda: (
                    f"Object.assign({{}}, {self.obj(depth + 1)}, {{ at: {self.string(depth + 1)} }})"
                ),
            ),
            (
                "object.fromEntries",
                lambda: (
                    f"Object.fromEntries(Object.entries({self.obj(depth + 1)}).filter(([k, v]) => v != null).map(([k, v]) => [k.toUpperCase(), v]))"
                ),
            ),
            ("object.json_roundtrip", lambda: f"JSON.parse(JSON.stringify({self.obj(depth + 1)}))"),
            (
                "object.pick",
                lambda: (
                    f"(({{ {self.pick(['email, name', 'country, city', 'id', 'status'])} }}) => ({{ {self.pick(['email, name', 'country, city', 'id', 'status'])} }}))({self.obj(depth + 1)})".replace(
                        "({ id }) => ({ id })", "({ id }) => ({ id })"
                    )
                ),
            ),
            (
                "object.numeric_keys",
                lambda: "{ b: 1, 2: 'two', a: 3, 1: 'one', '-1': 'neg', '01': 'lead' }",
            ),
        ]
        name, make = self.rng.choice(ops)
        self.tag(name)
        return make()

    def value(self, depth: int = 0) -> str:
        kinds = [
            self.string,
            self.number,
            self.array,
            self.obj,
            lambda d: self.pick(["null", "undefined", "true", "false"]),
        ]
        if depth < 2:
            kinds += [self.date_string, lambda d: self.intl_other()]
        return self.rng.choice(kinds)(depth)

    @_expression
    def loggable(self) -> str:
        """Any value a handler might log, including the ones only the console shows."""
        r = self.rng.random()
        if r < 0.55:
            return self.value(1)
        special = [
            ("log.date", lambda: "new Date(p.timestamp)"),
            ("log.invalid_date", lambda: "new Date('x')"),
            ("log.map", lambda: f"new Map([[{self.word()}, {self.number(2)}], ['k', {{ n: 1 }}]])"),
            ("log.set", lambda: f"new Set([{self.word()}, 1, 1, null])"),
            (
                "log.class",
                lambda: (
                    "new (class Order { constructor() { this.id = d.payment_id ?? 1; this.total = d.total_amount; } })()"
                ),
            ),
            ("log.null_proto", lambda: "Object.assign(Object.create(null), { a: 1 })"),
            (
                "log.boxed",
                lambda: self.pick(
                    ["new Number(5)", "new String('s')", "new Boolean(false)", "Object(1n)"]
                ),
            ),
            (
                "log.function",
                lambda: self.pick(
                    [
                        "function named() {}",
                        "() => 1",
                        "class Foo {}",
                        "Math.max",
                        "async function af() {}",
                    ]
                ),
            ),
            ("log.regexp", lambda: self.pick(["/a+b/gi", "new RegExp('x.y', 'm')"])),
            (
                "log.symbol",
                lambda: self.pick(["Symbol('s')", "{ [Symbol('k')]: 1, a: 2 }", "Symbol.iterator"]),
            ),
            ("log.bigint", lambda: self.pick(["10n", "-(2n ** 70n)", "{ big: 1n }"])),
            ("log.neg_zero", lambda: self.pick(["-0", "[-0, 0]", "{ z: -0 }"])),
            ("log.holes", lambda: self.pick(["[1, , 3]", "new Array(5)", "[, , 1, , ]"])),
            (
                "log.nested",
                lambda: "{ a: { b: { c: { d: { e: 1 } } } }, arr: [[1, [2, [3, [4]]]]] }",
            ),
            (
                "log.long_array",
                lambda: (
                    f"Array.from({{ length: {self.rng.randint(5, 120)} }}, (_, i) => {self.pick(['i', 'i * 1.5', 'String(i)', '{ i }'])})"
                ),
            ),
            ("log.long_string", lambda: "'x'.repeat(" + str(self.rng.randint(10, 200)) + ")"),
            ("log.getter", lambda: "{ get total() { return 1; }, set total(v) {}, plain: 2 }"),
            (
                "log.typed",
                lambda: self.pick(
                    ["new Uint8Array([1, 2, 3])", "new Float64Array(2)", "new ArrayBuffer(4)"]
                ),
            ),
            (
                "log.circular",
                lambda: "(() => { const o = { name: 'o' }; o.self = o; return o; })()",
            ),
            ("log.payload", lambda: self.pick(["d", "p", "d.customer", "webhook"])),
            (
                "log.quotes",
                lambda: self.pick(
                    [
                        '{ s: "it\'s" }',
                        "[\"a'b\", 'c\"d', `e'f\"g`]",
                        "{ nl: 'a\\nb', tab: 'a\\tb' }",
                        "'it\\'s'",
                    ]
                ),
            ),
            ("log.error_fields", lambda: "{ name: 'Err', message: 'boom', code: 42 }"),
            (
                "log.weird_keys",
                lambda: "{ '$id': 1, 'a-b': 2, 'a b': 3, '1x': 4, _ok: 5, 'ünï': 6 }",
            ),
            ("log.undefined_values", lambda: "{ a: undefined, b: [undefined, null], c: NaN }"),
            (
                "log.wide_object",
                lambda: (
                    "Object.fromEntries(Array.from({ length: "
                    + str(self.rng.randint(3, 30))
                    + " }, (_, i) => ['key' + i, i % 3 ? 'v' + i : i]))"
                ),
            ),
        ]
        name, make = self.rng.choice(special)
        self.tag(name)
        return make()

    def key_name(self) -> str:
        self.key += 1
        return f"k{self.key}"

    # --- statements --------------------------------------------------------------------
    def statement(self) -> str:
        makers = [
            (10, self.s_assign),
            (7, self.s_log),
            (2, self.s_log_plain),
            (2, self.s_try),
            (2, self.s_if),
            (2, self.s_loop),
            (2, self.s_class),
            (2, self.s_map_set),
            (3, self.s_sort),
            (2, self.s_json),
            (2, self.s_money),
            (2, self.s_request),
            (2, self.s_intl),
            (1, self.s_spread_literal),
            (1, self.s_destructure),
            (1, self.s_regex),
            (1, self.s_closure),
            (2, self.s_switch),
            (2, self.s_date_math),
            (2, self.s_collection),
            (1, self.s_coercion),
            (1, self.s_bigint),
            (1, self.s_object_api),
        ]
        total = sum(w for w, _ in makers)
        r = self.rng.uniform(0, total)
        for w, make in makers:
            r -= w
            if r <= 0:
                return make()
        return makers[0][1]()

    def s_switch(self) -> str:
        self.tag("stmt.switch")
        k = self.key_name()
        cases = self.rng.sample(
            [
                "payment.succeeded",
                "payment.failed",
                "subscription.active",
                "subscription.cancelled",
                "refund.succeeded",
                "dispute.opened",
                "license_key.created",
            ],
            self.rng.randint(1, 4),
        )
        body = "".join(
            f"  case {json.dumps(c)}:\n    out.{k} = {self.value(1)};\n"
            + ("    break;\n" if self.chance(0.85) else "")
            for c in cases
        )
        default = (
            f"  default:\n    out.{k} = {self.pick(SWITCH_DEFAULTS)};\n" if self.chance(0.7) else ""
        )
        return f"switch ({self.pick(['webhook.eventType', 'p.type'])}) {{\n{body}{default}}}"

    def s_date_math(self) -> str:
        self.tag("stmt.date_math")
        k = self.key_name()
        return self.pick_lazy(
            [
                lambda: (
                    f"{{\n  const start = new Date({self.pick(DATE_FIELDS)} ?? p.timestamp);\n  const end = new Date(start);\n  end.setUTCDate(end.getUTCDate() + {self.rng.randint(1, 400)});\n  out.{k} = end.toISOString().slice(0, 10);\n}}"
                ),
                lambda: (
                    f"{{\n  const t = new Date({self.pick(DATE_FIELDS)} ?? p.timestamp);\n  out.{k} = `${{t.getUTCFullYear()}}-${{String(t.getUTCMonth() + 1).padStart(2, '0')}}-${{String(t.getUTCDate()).padStart(2, '0')}}`;\n}}"
                ),
                lambda: (
                    f"{{\n  const days = Math.round((new Date({self.pick(DATE_FIELDS)} ?? p.timestamp) - new Date(p.timestamp)) / 86400000);\n  out.{k} = days === 1 ? '1 day' : days + ' days';\n}}"
                ),
                lambda: (
                    f"out.{k} = Math.floor(new Date({self.pick(DATE_FIELDS)} ?? 0).getTime() / 1000);"
                ),
                lambda: (
                    f"out.{k} = new Date(Date.now() - {self.rng.randint(0, 10**10)}).toISOString();"
                ),
                lambda: (
                    f"out.{k} = {self.date(1)}.toLocaleDateString('en-US', {{ timeZone: 'UTC', {self.pick(UTC_DATE_OPTIONS)} }});"
                ),
            ]
        )

    def s_collection(self) -> str:
        self.tag("stmt.collection")
        k = self.key_name()
        a = self.array(1)
        op = self.pick(
            [
                f"{a}.some((x) => x == null)",
                f"{a}.every((x) => typeof x === 'string')",
                f"{a}.findIndex((x) => x === {self.word()})",
                f"{a}.flatMap((x) => [x, typeof x])",
                f"(() => {{ const c = [...{a}]; c.splice(1, 1, 'x', 'y'); return c; }})()",
                f"(() => {{ const c = [...{a}]; c.push(c.length); c.unshift('first'); c.pop(); return c; }})()",
                f"{a}.lastIndexOf(null)",
                f"Array.isArray({a}) && {a}.length",
                f"[...{a}.entries()].map(([i, x]) => i + ':' + x)",
                f"{a}.map((x) => x?.product_id ?? x).filter(Boolean).join(', ')",
                f"{a}.reduce((acc, x) => ({{ ...acc, [String(x?.product_id ?? x)]: (acc[String(x?.product_id ?? x)] ?? 0) + 1 }}), {{}})",
                f"{a}.includes({self.word()})",
            ]
        )
        return f"out.{k} = {op};"

    def s_coercion(self) -> str:
        self.tag("stmt.coercion")
        k = self.key_name()
        return (
            f"out.{k} = "
            + self.pick(
                [
                    "'' + d.customer",
                    "`${d.product_cart}`",
                    "String([1, [2, 3], null, undefined])",
                    "[] + {}",
                    "1 + '1' - 1",
                    "+new Date(p.timestamp)",
                    "String(Symbol('x').description)",
                    "`${new Date(p.timestamp)}`",
                    "String(new Date(p.timestamp))",
                    "Date()",
                    "JSON.stringify({ when: new Date(p.timestamp), n: NaN, i: -Infinity, z: -0 })",
                    "d.total_amount + d.tax + ''",
                    "!!d.metadata && Object.keys(d.metadata).length > 0",
                    "typeof d.amount",
                    "String(0.1 + 0.2)",
                    "String(123456789 * 987654321)",
                    "String(2 ** 64 - 1 === 2 ** 64)",
                    "(25).toString(36) + (255).toString(16)",
                    "String(Number.MAX_VALUE) + String(Number.MIN_VALUE)",
                    "String(1e21) + String(1e-7) + String(123e-20)",
                ]
            )
            + ";"
        )

    def s_bigint(self) -> str:
        self.tag("stmt.bigint")
        k = self.key_name()
        return (
            f"out.{k} = "
            + self.pick(
                [
                    "String(BigInt(d.total_amount ?? 0) * 10n ** 18n)",
                    "(BigInt(Number(d.amount ?? 0)) / 3n).toString()",
                    "BigInt.asUintN(64, -1n).toString(16)",
                    "String(2n ** 70n % 1000003n)",
                    "(123456789012345678901234567890n).toLocaleString('en-US')",
                ]
            )
            + ";"
        )

    def s_object_api(self) -> str:
        self.tag("stmt.object_api")
        k = self.key_name()
        return self.pick_lazy(
            [
                lambda: (
                    f"{{\n  const o = Object.freeze({{ a: 1 }});\n  o.a = 2;\n  o.b = 3;\n  out.{k} = [o.a, o.b, Object.isFrozen(o)];\n}}"
                ),
                lambda: f"out.{k} = Object.prototype.hasOwnProperty.call({self.obj(1)}, 'email');",
                lambda: f"out.{k} = Object.hasOwn({self.obj(1)}, 'id');",
                lambda: (
                    f"out.{k} = JSON.parse(JSON.stringify(p), (key, v) => (typeof v === 'number' ? v / 100 : v)).data?.total_amount ?? null;"
                ),
                lambda: f"out.{k} = Object.getOwnPropertyNames({self.obj(1)}).length;",
                lambda: (
                    f"{{\n  const o = {{ first: d.customer?.name?.split(' ')[0] ?? '', get full() {{ return this.first + '!'; }} }};\n  out.{k} = {{ ...o }};\n}}"
                ),
                lambda: f"out.{k} = d.customer?.getName?.() ?? 'none';",
                lambda: (
                    f"out.{k} = Object.entries({self.obj(1)}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key]) => key).join();"
                ),
                lambda: f"{{\n  const copy = typeof structuredClone;\n  out.{k} = copy;\n}}",
            ]
        )

    def s_assign(self) -> str:
        self.tag("stmt.assign")
        return f"out.{self.key_name()} = {self.value()};"

    def s_log(self) -> str:
        level = self.pick(["log", "log", "info", "warn", "error", "debug"])
        self.tag("console." + level)
        r = self.rng.random()
        if r < 0.45:
            n = self.rng.randint(1, 3)
            return f"console.{level}({', '.join(self.loggable() for _ in range(n))});"
        specs = ["%s", "%d", "%i", "%f", "%j", "%o", "%O", "%c", "%%", "%x"]
        fmt_specs = [self.pick(specs) for _ in range(self.rng.randint(1, 3))]
        text = " ".join(f"{self.pick(['amount', 'user', 'v', ''])}={s}" for s in fmt_specs)
        for s in fmt_specs:
            self.tag("console.format" + s)
        n = len([s for s in fmt_specs if s not in ("%%", "%x")]) + self.rng.randint(-1, 1)
        args = [self.loggable() for _ in range(max(0, n))]
        return f"console.{level}({json.dumps(text)}{''.join(', ' + a for a in args)});"

    def s_log_plain(self) -> str:
        self.tag("console.template")
        return f"console.log(`${{webhook.eventType}}: ${{{self.value(1)}}}`);"

    def s_try(self) -> str:
        self.tag("stmt.try")
        k = self.key_name()
        # The message is a plain field: a sandbox refusal (another locale…) inside a caught
        # expression would show only as `e.name`, which the campaign cannot tell from a difference.
        thrower = self.pick_lazy(
            [
                lambda: (
                    f"if (!d.customer?.email) throw new Error('missing email for ' + {self.pick(STRING_FIELDS)});"
                ),
                "JSON.parse(d.metadata?.order_ref ?? '{');",
                "null.x;",
                "d.no_such_field.value;",
                "decodeURIComponent('%');",
                "(1.5).toFixed(101);",
                "BigInt(1.5);",
                "new Intl.NumberFormat('en-US', { style: 'currency' });",
                "undefinedFunction();",
                "[].reduce((a, b) => a);",
                lambda: f"throw new TypeError({self.word()});",
                "throw { code: 42 };",
                "new Array(-1);",
                "'abc'.repeat(-1);",
                lambda: f"if (({self.number(1)}) > 100) throw new RangeError('too large');",
            ]
        )
        caught = self.pick(
            [
                "e.name",
                "e instanceof TypeError",
                "e instanceof Error ? e.name : typeof e",
                "e?.code ?? null",
                "String(e instanceof RangeError)",
            ]
        )
        if "throw new" in thrower and "Error(" in thrower:
            caught = self.pick([caught, "e.message", "String(e)", "`${e.name}: ${e.message}`"])
        log = f"\n  console.error('failed:', {caught});" if self.chance(0.4) else ""
        return f"try {{\n  {thrower}\n  out.{k} = 'ok';\n}} catch (e) {{\n  out.{k} = {caught};{log}\n}}"

    def s_if(self) -> str:
        self.tag("stmt.if")
        cond = self.pick(
            [
                "d.status === 'succeeded'",
                "webhook.eventType.startsWith('subscription.')",
                "!d.customer",
                "(d.total_amount ?? 0) > 1000",
                "d.currency === 'JPY'",
                "typeof d.amount === 'string'",
                "Array.isArray(d.product_cart) && d.product_cart.length > 0",
                "'customer' in d",
                "d.cancelled_at != null",
            ]
        )
        k = self.key_name()
        body = f"out.{k} = {self.value(1)};"
        other = f" else {{\n  out.{k} = {self.value(1)};\n}}" if self.chance(0.6) else ""
        if self.chance(0.15):
            self.tag("request.cancel")
            body = "webhook.cancel = true;"
        return f"if ({cond}) {{\n  {body}\n}}{other}"

    def s_loop(self) -> str:
        self.tag("stmt.loop")
        k = self.key_name()
        kind = self.pick(["entries", "forof", "for", "forin", "while"])
        self.tag("loop." + kind)
        if kind == "entries":
            return f"{{\n  const acc = [];\n  for (const [key, val] of Object.entries({self.obj(1)})) acc.push(key + ':' + (typeof val === 'object' ? JSON.stringify(val) : val));\n  out.{k} = acc.join(';');\n}}"
        if kind == "forof":
            return f"{{\n  let total = 0;\n  for (const item of {self.array(1)}) total += Number(item?.quantity ?? item) || 0;\n  out.{k} = total;\n}}"
        if kind == "for":
            return f"{{\n  const parts = [];\n  for (let i = 0; i < {self.rng.randint(0, 6)}; i++) parts.push(({self.number(2)} * i).toFixed(2));\n  out.{k} = parts;\n}}"
        if kind == "forin":
            return f"{{\n  const ks = [];\n  for (const key in {self.obj(1)}) ks.push(key);\n  out.{k} = ks;\n}}"
        return f"{{\n  let n = {self.rng.randint(0, 50)}, steps = 0;\n  while (n > 1 && steps < 100) {{ n = n % 2 ? 3 * n + 1 : n / 2; steps++; }}\n  out.{k} = steps;\n}}"

    def s_class(self) -> str:
        self.tag("stmt.class")
        k = self.key_name()
        extra = self.pick(
            [
                "toJSON() { return { id: this.id, total: this.total }; }",
                "get label() { return `#${this.id}`; }",
                "static from(x) { return new Order(x); }",
                "toString() { return 'Order ' + this.id; }",
                "#secret = 1;\n    reveal() { return this.#secret; }",
            ]
        )
        use = self.pick(
            [
                f"out.{k} = o;",
                f"out.{k} = String(o);",
                f"out.{k} = {{ ...o }};",
                f"out.{k} = Object.keys(o);",
                f"console.log(o);\n  out.{k} = o.id ?? null;",
                f"console.log('%o', o);\n  out.{k} = 1;",
                f"out.{k} = o instanceof Order;",
            ]
        )
        return (
            "{\n  class Order {\n    constructor(data) {\n      this.id = data.payment_id ?? data.subscription_id ?? null;\n"
            f"      this.total = {self.number(1)};\n    }}\n    {extra}\n  }}\n"
            f"  const o = new Order(d);\n  {use}\n}}"
        )

    def s_map_set(self) -> str:
        self.tag("stmt.map_set")
        k = self.key_name()
        use = self.pick(
            [
                f"out.{k} = [...m];",
                f"out.{k} = Object.fromEntries(m);",
                f"out.{k} = [...m.keys()].join();",
                f"out.{k} = m.size;",
                f"console.log(m);\n  out.{k} = m.size;",
                f"console.log('%s', m);\n  out.{k} = 0;",
                f"out.{k} = JSON.stringify(m);",
            ]
        )
        if self.chance(0.5):
            self.tag("map")
            return f"{{\n  const m = new Map();\n  for (const [key, val] of Object.entries({self.obj(1)})) m.set(key, val);\n  m.set('extra', {self.value(2)});\n  {use}\n}}"
        self.tag("set")
        return f"{{\n  const m = new Set({self.array(1)});\n  m.add({self.word()});\n  {use.replace('Object.fromEntries(m)', '[...m.values()]')}\n}}"

    def s_sort(self) -> str:
        self.tag("stmt.sort")
        k = self.key_name()
        data = self.pick(
            [
                f"[{', '.join(self.number_literal() for _ in range(self.rng.randint(2, 14)))}]",
                f"[{', '.join(self.word() for _ in range(self.rng.randint(2, 12)))}]",
                "Object.keys(d)",
                f"Array.from({{ length: {self.rng.randint(5, 40)} }}, (_, i) => (i * {self.rng.randint(3, 97)}) % {self.rng.randint(5, 31)})",
                "Object.values(d).filter((v) => typeof v === 'string')",
                "[{ n: 'b', v: 2 }, { n: 'a', v: 2 }, { n: 'c', v: 1 }, { n: 'd', v: 3 }, { n: 'e', v: 1 }]",
            ]
        )
        cmp = self.comparator()
        if data.startswith("[{"):
            cmp = self.pick(
                [
                    "a.v - b.v",
                    "a.v > b.v",
                    "b.v - a.v || a.n.localeCompare(b.n)",
                    "a.v < b.v ? -1 : 1",
                ]
            )
            self.tag("sort.inconsistent" if ">" in cmp or "?" in cmp else "sort.objects")
        how = self.pick(["sort", "sort", "toSorted"])
        return f"out.{k} = {data}.{how}((a, b) => {cmp});"

    def s_json(self) -> str:
        self.tag("stmt.json")
        k = self.key_name()
        replacer = self.pick(
            [
                "null",
                "(key, v) => (typeof v === 'number' ? Math.round(v) : v)",
                "['email', 'name', 'customer', 'id', 'amount']",
                "(key, v) => (v === null ? undefined : v)",
                "(key, v) => (key === 'customer' ? '[redacted]' : v)",
            ]
        )
        indent = self.pick(["", ", 2", ", '\\t'", ", 12", ", '--'"])
        if replacer == "null" and not indent:
            indent = ", 2"
        return f"out.{k} = JSON.stringify({self.obj(1)}, {replacer}{indent});"

    def s_money(self) -> str:
        self.tag("stmt.money")
        k = self.key_name()
        amt = self.pick(
            [
                "d.total_amount",
                "d.amount",
                "d.recurring_pre_tax_amount",
                "d.tax",
                "d.settlement_amount",
            ]
        )
        self.tag("payload")
        style = self.pick(
            [
                f"(Number({amt} ?? 0) / 100).toFixed(2)",
                f"'$' + (Number({amt} ?? 0) / 100).toFixed(2).replace(/\\B(?=(\\d{{3}})+(?!\\d))/g, ',')",
                f"(Number({amt} ?? 0) / 100).toLocaleString('en-US', {{ style: 'currency', currency: d.currency || 'USD' }})",
                f"Math.round(Number({amt} ?? 0) * {self.pick(['0.0725', '1.1', '0.15', '0.029'])} * 100) / 100",
                f"parseFloat((Number({amt} ?? 0) * {self.pick(['0.0725', '1.1', '0.15'])}).toFixed(2))",
                f"Number(((Number({amt} ?? 0) / 100) * {self.pick(['1.075', '0.9', '3'])}).toPrecision(6))",
                f"Math.round((Number({amt} ?? 0) + Number.EPSILON) * 100) / 100",
                f"new Intl.NumberFormat('en-US', {{ style: 'currency', currency: d.currency || 'USD', minimumFractionDigits: 0 }}).format(Number({amt} ?? 0) / 100)",
            ]
        )
        return f"out.{k} = {style};"

    def s_request(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            self.tag("request.url")
            qs = " + '&' + ".join(
                f"'{name}=' + encodeURIComponent({expr})"
                for name, expr in self.rng.sample(
                    [
                        ("type", "webhook.eventType"),
                        ("email", "d.customer?.email ?? ''"),
                        ("amount", "String(d.total_amount ?? d.amount ?? 0)"),
                        ("ts", "p.timestamp"),
                        ("name", "d.customer?.name ?? ''"),
                        ("q", self.string(1)),
                    ],
                    self.rng.randint(1, 3),
                )
            )
            base = self.pick(
                [
                    "https://api.crm.example/v3/contacts",
                    "https://hooks.example.com/in?src=dodo",
                    "https://connect.mailerlite.com/api/subscribers/",
                ]
            )
            sep = "&" if "?" in base else "?"
            return f"webhook.url = '{base}{sep}' + {qs};"
        if r < 0.5:
            self.tag("request.url_path")
            return f"webhook.url = `https://api.example.com/customers/${{encodeURIComponent({self.string(1)})}}/events`;"
        if r < 0.65:
            self.tag("request.method")
            return f"webhook.method = {self.lit(self.pick(['PUT', 'PATCH', 'POST']))};"
        if r < 0.9:
            self.tag("request.headers")
            hs = [
                ("X-Event-Type", lambda: "webhook.eventType"),
                ("X-Amount", lambda: f"String({self.number(1)})"),
                ("X-Customer", lambda: "String(d.customer?.customer_id ?? 'none')"),
                ("x-lower", lambda: "'yes'"),
                ("X-Date", lambda: f"{self.date(2)}.toUTCString()"),
                (
                    "X-Idempotency-Key",
                    lambda: "String(d.payment_id ?? d.subscription_id ?? p.timestamp)",
                ),
            ]
            chosen = self.rng.sample(hs, self.rng.randint(1, 4))
            return (
                "webhook.headers = { "
                + ", ".join(f"{json.dumps(n)}: {v()}" for n, v in chosen)
                + " };"
            )
        self.tag("request.payload_shape")
        return self.pick(
            [
                "webhook.payload = { event: webhook.eventType, data: out };",
                "webhook.payload = { ...p, extra: out };",
                "webhook.payload = out;",
                "p.transformed = out;",
            ]
        )

    def s_intl(self) -> str:
        self.tag("stmt.intl")
        return f"out.{self.key_name()} = {self.intl_other()};"

    def s_spread_literal(self) -> str:
        """Object literals with spreads: the shapes QuickJS compiles differently from V8."""
        k = self.key_name()
        r = self.rng.random()
        if r < 0.35:
            self.tag("spread.repeated_key")
            return f"out.{k} = {{ ...{self.obj(2)}, status: 'a', amount: 1, status: {self.string(2)} }};"
        if r < 0.55:
            self.tag("spread.string")
            return f"out.{k} = {{ ...{self.pick(STRING_SPREADS)} }};"
        self.tag("spread.plain")
        return f"out.{k} = {{ id: 1, ...{self.obj(2)}, amount: {self.number(2)} }};"

    def s_destructure(self) -> str:
        self.tag("stmt.destructure")
        k = self.key_name()
        return self.pick_lazy(
            [
                f"{{\n  const {{ email = 'none', name: fullName = '' }} = d.customer || {{}};\n  out.{k} = {{ email, first: fullName.split(' ')[0] }};\n}}",
                lambda: (
                    f"{{\n  const [first, ...rest] = {self.array(1)};\n  out.{k} = {{ first: first ?? null, rest }};\n}}"
                ),
                f"{{\n  const {{ customer, ...others }} = d;\n  out.{k} = Object.keys(others).length;\n}}",
            ]
        )

    def s_regex(self) -> str:
        self.tag("stmt.regex")
        k = self.key_name()
        return self.pick_lazy(
            [
                f"out.{k} = /^[^@\\s]+@[^@\\s]+\\.[a-z]{{2,}}$/i.test(d.customer?.email ?? '');",
                lambda: (
                    f"out.{k} = (String({self.string(1)}).match(/(?<word>\\p{{L}}+)/u)?.groups?.word) ?? null;"
                ),
                f"out.{k} = [...String(p.timestamp).matchAll(/\\d+/g)].map((m) => m[0]);",
                lambda: f"out.{k} = String({self.string(1)}).split(/[\\s,]+/).filter(Boolean);",
                f"out.{k} = String(d.customer?.email ?? '').replace(/^(.).*(@.*)$/, '$1***$2');",
                lambda: (
                    f"out.{k} = String({self.string(1)}).replace(/[^\\w]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());"
                ),
            ]
        )

    def s_closure(self) -> str:
        self.tag("stmt.closure")
        k = self.key_name()
        return (
            f"{{\n  const fmt = (n, digits = 2) => Number(n).toFixed(digits);\n"
            f"  const pipeline = [(x) => x * 2, (x) => x + 0.1, Math.{self.pick(['sqrt', 'log', 'exp', 'round'])}];\n"
            f"  out.{k} = fmt(pipeline.reduce((acc, f) => f(acc), {self.number(1)}), {self.rng.randint(0, 5)});\n}}"
        )


def generate(seed: int, size: int | None = None) -> Program:
    """A program from ``seed`` alone: the same seed gives the same program."""
    rng = random.Random(seed)
    gen = _Gen(rng)
    statements = []
    n = size if size is not None else rng.randint(3, 12)
    for _ in range(n):
        gen.tags, gen.subs = set(), []
        code = gen.statement()
        statements.append(Statement(code, frozenset(gen.tags), tuple(gen.subs)))
    # Most handlers end by reshaping the payload.
    if rng.random() < 0.7:
        gen.tags = {"request.payload_shape"}
        shape = rng.choice(
            [
                "webhook.payload = out;",
                "webhook.payload = { event: webhook.eventType, ...out };",
                "webhook.payload = { type: p.type, at: p.timestamp, fields: out };",
                "p.data = { ...d, ...out };",
            ]
        )
        statements.append(Statement(shape, frozenset(gen.tags)))
    return Program(seed, tuple(statements))
