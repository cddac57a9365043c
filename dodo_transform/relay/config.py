"""The TOML configuration of ``dodo-transform serve``: load, substitute ``${VAR}``, validate.

Every problem is a :class:`ConfigError` that prints as one line naming the file, the key and
what is wrong; handlers are loaded and syntax-checked here so a typo stops start-up instead of
failing every delivery later.
"""

from __future__ import annotations

import base64
import difflib
import math
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from .. import samples
from ..sandbox import Limits
from ..sandbox.job import LONGEST_TIME_MS
from ..transform import HEADER_NAME, Handler, redact_userinfo, url_problem
from .handlers import HandlerLoadError, load_handler
from .ratelimit import KNOWN_RATES, Rate, parse_rate
from .retry import DEFAULT_RETRY_ON_4XX, DEFAULT_SCHEDULE
from .store import DEFAULT_LEASE, STORED_BODY_MAX
from .wire import strip_userinfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

OffScope = Literal["drop", "error"]
OFF_SCOPE: tuple[OffScope, ...] = get_args(OffScope)
SandboxIsolation = Literal["process", "thread"]
SANDBOX_ISOLATION: tuple[SandboxIsolation, ...] = get_args(SandboxIsolation)
DEFAULT_MAX_BODY = 1024 * 1024
MIN_MEMORY_LIMIT_MIB = 4  # below this QuickJS cannot even set up the handler's context
_MiB = 1024 * 1024
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")  # "//user:secret@" of a URL


class ConfigError(Exception):
    """``key`` is where in the file (``-``: the file as a whole, left out of the message)."""

    def __init__(self, file: str | os.PathLike[str], key: str, problem: str) -> None:
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"{file}: {problem}" if key == "-" else f"{file}: {key}: {problem}")


@dataclass(frozen=True)
class EndpointConfig:
    name: str
    secrets: tuple[str, ...]
    handler_path: Path
    url: str
    handler: Handler
    events: frozenset[str] | None = None
    allow_hosts: frozenset[str] = frozenset()
    headers: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    rate_limit: Rate | None = None
    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    retry_on_4xx: frozenset[int] = DEFAULT_RETRY_ON_4XX
    timeout: float = 15.0
    rewrite_urls: tuple[tuple[str, str], ...] = ()
    limits: Limits = field(default_factory=Limits)  # the handler's sandbox limits
    # Standard Webhooks secret the relay signs each outgoing request with (whsec_…), if any.
    signing_secret: str | None = None
    # Hosts besides the url's own that the endpoint's headers (its credentials) may go to.
    credential_hosts: frozenset[str] = frozenset()
    # A handler sending elsewhere: "drop" the credentials and warn, or "error" (fail closed).
    off_scope_credentials: OffScope = "drop"
    # Its share of the transform stage when endpoints compete for the sandbox threads: the
    # relative sandbox time it gets, and the most runs it may have at once (None: one
    # thread fewer than there are, or all of them for the only endpoint; see share_of).
    transform_weight: float = 1.0
    max_concurrent_transforms: int | None = None

    @property
    def credential_scope(self) -> frozenset[str]:
        """The hosts this endpoint's configured headers are sent to."""
        return self.credential_hosts | {(urlsplit(self.url).hostname or "").lower()}

    def accepts(self, event_type: str | None) -> bool:
        return self.events is None or event_type in self.events

    def rewrite(self, url: str) -> str:
        """Where a request for ``url`` is actually sent: the longest matching prefix of
        ``rewrite_urls`` replaced (e.g. the real MailerLite host by the local emulator)."""
        for prefix, replacement in self.rewrite_urls:
            if url.startswith(prefix):
                return replacement + url[len(prefix) :]
        return url

    def rate_for(self, host: str) -> Rate | None:
        return self.rate_limit or KNOWN_RATES.get(host.lower())


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    database: Path = Path("dodo-transform.db")  # the SQLite file, unless database_url is set
    # `database = "postgresql://…"`: the PostgreSQL store several instances share.
    database_url: str | None = None
    admin_token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY
    # Deliveries in flight at once. Each spends ~20 ms in flight on a 2-core machine (waiting
    # for a sandbox, the HTTP request, the group commit): 32 bounded a spread backlog at
    # 1,113-1,185/s there, 64 at 1,335-1,367 (bench/delivery.py, docs/benchmarks.md).
    concurrency: int = 64
    # Sandboxes running handlers (a QuickJS sandbox each); None: one per CPU.
    sandbox_threads: int | None = None
    # Where each sandbox runs: a child process of its own, or a thread of serve's process.
    sandbox_isolation: SandboxIsolation = "process"
    shutdown_grace: float = 10.0
    # How long a claimed delivery stays with its instance unless renewed: after a crash,
    # another instance (PostgreSQL) takes it over once this has passed.
    lease: float = DEFAULT_LEASE
    # The binding engine's limits are weaker (see the sandbox docs): serve only on purpose.
    allow_fallback_engine: bool = False
    # Seconds of nothing but failed attempts after which an endpoint is disabled; 0: never.
    disable_endpoint_after: float = 0.0
    # Load a handler file again when it changes (and on SIGHUP, with the whole config).
    watch_handlers: bool = True
    # /metrics answers only with the admin token.
    protect_metrics: bool = False
    # A request body longer than this is kept cut, with its length and SHA-256.
    max_stored_body_bytes: int = STORED_BODY_MAX
    # Finished deliveries (with their events and attempts) are deleted this many days after
    # their last change; 0 keeps everything.
    retention_days: float = 30.0


# Svix's operational webhook event types, the names existing receivers know.
ALERT_TYPES = (
    "message.attempt.failing",
    "message.attempt.exhausted",
    "message.attempt.recovered",
    "endpoint.disabled",
)


@dataclass(frozen=True)
class AlertsConfig:
    """Where operational webhooks go, Standard-Webhooks-signed with ``secret``."""

    url: str
    secret: str
    events: frozenset[str] = frozenset(ALERT_TYPES)
    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    timeout: float = 15.0
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UiConfig:
    # The playground in serve's console may write an endpoint's handler file back (Save);
    # off by default: the page then offers Download only.
    allow_handler_edit: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    server: ServerConfig
    endpoints: Mapping[str, EndpointConfig]
    ui: UiConfig = field(default_factory=UiConfig)
    alerts: AlertsConfig | None = None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return raw
    except FileNotFoundError:
        raise ConfigError(path, "-", "file not found; pass --config FILE") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(path, "-", f"cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "-", f"invalid TOML: {e}") from None


# The tables a config file may have, whichever loader reads it.
_TOP_KEYS = {"server", "endpoints", "ui", "alerts"}


def _endpoint_tables(r: _Reader, raw: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each ``[[endpoints]]`` table, with where it is (``endpoints[i]``); at least one."""
    items = raw.get("endpoints", [])
    if not isinstance(items, list) or not items:
        raise ConfigError(r.path, "endpoints", "add at least one [[endpoints]] table")
    for i, t in enumerate(items):
        if not isinstance(t, dict):
            raise ConfigError(r.path, f"endpoints[{i}]", "must be a table ([[endpoints]])")
        yield f"endpoints[{i}]", t


def load_server_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """Only ``[server]``: what the operator's commands beside a running server need. The
    endpoints' secrets and handlers are not read, so their variables need not be set."""
    path = Path(path)
    r = _Reader(path, os.environ if environ is None else environ)
    raw = _read_toml(path)
    r.keys(raw, "", _TOP_KEYS)
    return _server(r, r.table(raw, "server"), path.parent)


def load_secrets(
    path: str | os.PathLike[str], endpoint: str, environ: Mapping[str, str] | None = None
) -> tuple[ServerConfig, tuple[str, ...]]:
    """``[server]`` and ``endpoint``'s signing secrets: what signing a webhook as Dodo would
    takes (``send-sample``). Of the other endpoints only the names are read: the variables
    of their secrets and headers need not be set, no handler is loaded."""
    path = Path(path)
    r = _Reader(path, os.environ if environ is None else environ)
    raw = _read_toml(path)
    r.keys(raw, "", _TOP_KEYS)
    server = _server(r, r.table(raw, "server"), path.parent)
    names: list[str] = []
    secrets: tuple[str, ...] | None = None
    for key, t in _endpoint_tables(r, raw):
        name = _name(r, t, key + ".")
        if name in names:
            raise ConfigError(path, f"{key}.name", f"duplicate endpoint {name!r}")
        names.append(name)
        if name == endpoint:
            secrets = _secrets(r, t, key + ".")
    if secrets is None:
        raise ConfigError(
            path, "endpoints", f"no endpoint {endpoint!r}; configured: {', '.join(names)}"
        )
    return server, secrets


def _name(r: _Reader, t: dict[str, Any], k: str) -> str:
    name: str = r.get(t, k, "name", str)
    if not _NAME.match(name):
        raise ConfigError(r.path, k + "name", f"{name!r}: use letters, digits, '_', '-', '.'")
    return name


def _secrets(r: _Reader, t: dict[str, Any], k: str) -> tuple[str, ...]:
    secrets = tuple(r.list(t, k, "secrets", str))
    if not secrets:
        raise ConfigError(r.path, k + "secrets", "give at least one whsec_… secret")
    for i, s in enumerate(secrets):
        _check_secret(r.path, f"{k}secrets[{i}]", s)
    return secrets


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    path = Path(path)
    environ = os.environ if environ is None else environ
    raw = _read_toml(path)
    r = _Reader(path, environ)
    r.keys(raw, "", _TOP_KEYS)
    server = _server(r, r.table(raw, "server"), path.parent)
    ui_table = r.table(raw, "ui")
    r.keys(ui_table, "ui.", {"allow_handler_edit"})
    ui = UiConfig(r.get(ui_table, "ui.", "allow_handler_edit", bool, False))
    endpoints: dict[str, EndpointConfig] = {}
    for key, t in _endpoint_tables(r, raw):
        ep = _endpoint(r, t, key, path.parent)
        if ep.name in endpoints:
            raise ConfigError(path, f"{key}.name", f"duplicate endpoint {ep.name!r}")
        endpoints[ep.name] = ep
    alerts = _alerts(r, r.table(raw, "alerts")) if "alerts" in raw else None
    return Config(path, server, endpoints, ui, alerts)


def _alerts(r: _Reader, t: dict[str, Any]) -> AlertsConfig:
    k = "alerts."
    r.keys(t, k, {"url", "secret", "events", "retry_schedule", "timeout", "headers"})
    url = r.get(t, k, "url", str)
    if url_problem(url):
        raise ConfigError(r.path, k + "url", _not_a_url(url))
    secret = r.get(t, k, "secret", str)
    _check_secret(r.path, k + "secret", secret)
    events = r.list(t, k, "events", str, list(ALERT_TYPES))
    for i, event in enumerate(events):
        if event not in ALERT_TYPES:
            raise ConfigError(
                r.path, f"{k}events[{i}]", f"{event!r}: one of {', '.join(ALERT_TYPES)}"
            )
    schedule = tuple(
        float(x) for x in r.list(t, k, "retry_schedule", (int, float), DEFAULT_SCHEDULE)
    )
    if any(x < 0 for x in schedule):
        raise ConfigError(r.path, k + "retry_schedule", "delays must be >= 0 seconds")
    headers = r.str_map(t, k, "headers")
    for h in headers:
        if not HEADER_NAME.match(h):
            raise ConfigError(r.path, f"{k}headers.{h}", "not a valid HTTP header name")
    url = _userinfo_to_header(r.path, k + "url", url, headers)
    return AlertsConfig(
        url=url,
        secret=secret,
        events=frozenset(events),
        retry_schedule=schedule,
        timeout=r.positive(t, k, "timeout", float, 15.0),
        headers=headers,
    )


def _server(r: _Reader, t: dict[str, Any], base: Path) -> ServerConfig:
    k = "server."
    r.keys(
        t,
        k,
        {
            "host",
            "port",
            "database",
            "admin_token",
            "max_body_bytes",
            "concurrency",
            "sandbox_threads",
            "sandbox_isolation",
            "shutdown_grace",
            "lease",
            "allow_fallback_engine",
            "disable_endpoint_after",
            "watch_handlers",
            "protect_metrics",
            "max_stored_body_bytes",
            "retention_days",
        },
    )
    d = ServerConfig()
    database = r.get(t, k, "database", str, str(d.database))
    database_url = None
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", database):
        problem = postgres_url_problem(database)
        if problem:
            raise ConfigError(r.path, k + "database", problem)
        database_url = database
    elif re.match(r"^(?:[\w.-]+@)?[\w.-]+:\d+(?:/[\w-]*)?$", database):
        # "db.internal:5432/dodo" would make an SQLite file of that name, somewhere odd (a
        # file name with an extension, "backup:2024/store.db", is left a path).
        user = "" if "@" in database else "USER@"
        raise ConfigError(
            r.path,
            k + "database",
            f"{database!r} looks like host:port, which is not a path; write "
            f"postgresql://{user}{database} for PostgreSQL (a path keeps SQLite)",
        )
    port = r.get(t, k, "port", int, d.port)
    if not 0 <= port <= 65535:
        raise ConfigError(r.path, k + "port", f"{port} is not a TCP port (0..65535)")
    token = r.get(t, k, "admin_token", str, None)
    isolation = r.choice(t, k, "sandbox_isolation", SANDBOX_ISOLATION, d.sandbox_isolation)
    return ServerConfig(
        host=r.get(t, k, "host", str, d.host),
        port=port,
        database=d.database if database_url else base / database,
        database_url=database_url,
        admin_token=token or None,  # "" (e.g. "${TOKEN:-}") disables the admin API
        max_body_bytes=r.positive(t, k, "max_body_bytes", int, d.max_body_bytes),
        concurrency=r.positive(t, k, "concurrency", int, d.concurrency),
        sandbox_threads=r.positive(t, k, "sandbox_threads", int, None),
        sandbox_isolation=isolation,
        shutdown_grace=r.positive(t, k, "shutdown_grace", float, d.shutdown_grace),
        lease=r.positive(t, k, "lease", float, d.lease),
        allow_fallback_engine=r.get(t, k, "allow_fallback_engine", bool, d.allow_fallback_engine),
        disable_endpoint_after=r.non_negative(
            t, k, "disable_endpoint_after", float, d.disable_endpoint_after
        ),
        watch_handlers=r.get(t, k, "watch_handlers", bool, d.watch_handlers),
        protect_metrics=r.get(t, k, "protect_metrics", bool, d.protect_metrics),
        max_stored_body_bytes=r.positive(
            t, k, "max_stored_body_bytes", int, d.max_stored_body_bytes
        ),
        retention_days=r.non_negative(t, k, "retention_days", float, d.retention_days),
    )


def postgres_url_problem(url: str) -> str | None:
    """Why ``url`` is not a PostgreSQL URL we can connect with, or None."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
    except ValueError as e:  # an unbalanced "[", say
        return f"{shown}: {e}; write postgresql://user@host:port/database"
    if parts.scheme not in ("postgresql", "postgres"):
        return (
            f"{shown}: a URL must be postgresql://user@host:port/database (a path selects SQLite)"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as e:
        return f"{shown}: {e}"
    if not parts.hostname and "host=" not in parts.query:
        return f"{shown}: name the host, as in postgresql://user@host:5432/database"
    return None


def _not_a_url(url: str) -> str:
    """What the config says of a URL :func:`url_problem` refused: why, and what to write."""
    try:
        urlsplit(url).port  # noqa: B018 - raises on an unbalanced "[" or a bad port
        why = ""
    except ValueError as e:
        why = f" ({e})"
    shown = redact_userinfo(url)  # a user:password@ in it is a credential
    return f"{shown!r} is not an absolute http(s) URL{why}; write one like https://host/path"


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not splittable, so hide whatever sits where a password would
        return _PASSWORD.sub(r"\1***@", url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{netloc[1]}").geturl()


def _endpoint(r: _Reader, t: dict[str, Any], key: str, base: Path) -> EndpointConfig:
    k = key + "."
    r.keys(
        t,
        k,
        {
            "name",
            "secrets",
            "handler",
            "url",
            "events",
            "allow_hosts",
            "headers",
            "env",
            "rate_limit",
            "retry_schedule",
            "retry_on_4xx",
            "timeout",
            "rewrite_urls",
            "time_limit_ms",
            "memory_limit_mib",
            "signing_secret",
            "credential_hosts",
            "off_scope_credentials",
            "transform_weight",
            "max_concurrent_transforms",
            "max_request_bytes",
        },
    )
    name, secrets = _name(r, t, k), _secrets(r, t, k)
    url = r.get(t, k, "url", str)
    if url_problem(url):
        raise ConfigError(r.path, k + "url", _not_a_url(url))
    headers = r.str_map(t, k, "headers")
    for h in headers:
        if not HEADER_NAME.match(h):
            raise ConfigError(r.path, f"{k}headers.{h}", "not a valid HTTP header name")
    url = _userinfo_to_header(r.path, k + "url", url, headers)
    signing_secret = r.get(t, k, "signing_secret", str, None)
    if signing_secret is not None:
        _check_signing_secret(r.path, k + "signing_secret", signing_secret)
    off_scope = r.choice(t, k, "off_scope_credentials", OFF_SCOPE, "drop")
    events = r.list(t, k, "events", str, None)
    for i, event in enumerate(events or ()):
        _check_event_type(r.path, f"{k}events[{i}]", event)
    rate = r.get(t, k, "rate_limit", str, None)
    try:
        rate_limit = parse_rate(rate) if rate is not None else None
    except ValueError as e:
        raise ConfigError(r.path, k + "rate_limit", str(e)) from None
    schedule = tuple(
        float(x) for x in r.list(t, k, "retry_schedule", (int, float), DEFAULT_SCHEDULE)
    )
    if any(x < 0 for x in schedule):
        raise ConfigError(r.path, k + "retry_schedule", "delays must be >= 0 seconds")
    retry_on_4xx = r.list(t, k, "retry_on_4xx", int, DEFAULT_RETRY_ON_4XX)
    for i, code in enumerate(retry_on_4xx):
        if not 400 <= code <= 499:
            raise ConfigError(
                r.path,
                f"{k}retry_on_4xx[{i}]",
                f"{code} is not a 4xx status (400..499); 5xx are always retried",
            )
    time_limit_ms = r.positive(t, k, "time_limit_ms", float, Limits.time_ms)
    if time_limit_ms > LONGEST_TIME_MS:
        raise ConfigError(r.path, k + "time_limit_ms", f"must be at most {LONGEST_TIME_MS} (a day)")
    memory_limit_mib = r.get(t, k, "memory_limit_mib", int, Limits.memory_bytes // _MiB)
    if memory_limit_mib < MIN_MEMORY_LIMIT_MIB:
        raise ConfigError(
            r.path, k + "memory_limit_mib", f"must be at least {MIN_MEMORY_LIMIT_MIB} (MiB)"
        )
    rewrites = r.str_map(t, k, "rewrite_urls")
    for prefix, replacement in rewrites.items():
        for what, value in (("prefix", prefix), ("replacement", replacement)):
            if url_problem(value):
                raise ConfigError(
                    r.path,
                    f"{k}rewrite_urls.{prefix}",
                    f"{what} {_not_a_url(value)}",
                )
        if prefix.endswith("/") != replacement.endswith("/"):
            # The rest of the URL follows the replacement as it is: "http://127.0.0.1:8025"
            # for "https://connect.mailerlite.com/" would send to ":8025api/subscribers".
            example = prefix.rstrip("/") + "/api/subscribers"
            raise ConfigError(
                r.path,
                f"{k}rewrite_urls.{prefix}",
                f"the prefix {'ends' if prefix.endswith('/') else 'does not end'} with '/' and "
                f"the replacement {redact_userinfo(replacement)!r} "
                f"{'does not' if prefix.endswith('/') else 'does'}: {example!r} would go to "
                f"{redact_userinfo(replacement + example[len(prefix) :])!r}; end both with '/' "
                "or neither",
            )
    handler_rel = r.get(t, k, "handler", str)
    handler_path = base / handler_rel
    return EndpointConfig(
        name=name,
        secrets=secrets,
        handler_path=handler_path,
        handler=_load_handler(r.path, k + "handler", handler_path),
        url=url,
        events=frozenset(events) if events is not None else None,
        allow_hosts=frozenset(h.lower() for h in r.list(t, k, "allow_hosts", str, [])),
        headers=headers,
        env=r.str_map(t, k, "env"),
        rate_limit=rate_limit,
        retry_schedule=schedule,
        retry_on_4xx=frozenset(retry_on_4xx),
        timeout=r.positive(t, k, "timeout", float, 15.0),
        rewrite_urls=tuple(sorted(rewrites.items(), key=lambda kv: -len(kv[0]))),
        limits=Limits(
            time_ms=time_limit_ms,
            memory_bytes=memory_limit_mib * _MiB,
            max_request_bytes=r.positive(t, k, "max_request_bytes", int, Limits.max_request_bytes),
        ),
        signing_secret=signing_secret,
        credential_hosts=_hosts(r, t, k, "credential_hosts"),
        off_scope_credentials=off_scope,
        transform_weight=r.positive(t, k, "transform_weight", float, 1.0),
        max_concurrent_transforms=r.positive(t, k, "max_concurrent_transforms", int, None),
    )


def _userinfo_to_header(path: Path, key: str, url: str, headers: dict[str, str]) -> str:
    """``url`` without its ``user:password@``, which becomes a Basic ``Authorization`` header:
    a credential like the others, scoped and redacted, never shown to a handler in
    ``webhook.url`` nor in a URL the console or a log prints."""
    bare, basic = strip_userinfo(url)
    if basic is None:
        return url
    if any(h.lower() == "authorization" for h in headers):
        raise ConfigError(
            path, key, "has user:password@ and headers.Authorization is set too: keep one"
        )
    headers["Authorization"] = basic
    return bare


def _check_event_type(path: Path, key: str, event: str) -> None:
    """A typo in ``events`` would silently filter every real event: refuse unknown types."""
    known = samples.event_types()
    if event in known:
        return
    close = difflib.get_close_matches(event, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    where = Path(samples.__file__).with_name("samples")
    raise ConfigError(
        path,
        key,
        f"unknown event type {event!r}; {hint}(the {len(known)} Dodo "
        f"event types are the file names in {where}/*.json)",
    )


def _check_secret(path: Path, key: str, secret: str) -> None:
    from standardwebhooks.webhooks import Webhook

    try:
        Webhook(secret)
    except Exception:
        raise ConfigError(path, key, "not a webhook secret (whsec_ followed by base64)") from None


def _hosts(r: _Reader, t: Mapping[str, Any], prefix: str, key: str) -> frozenset[str]:
    """Host names as a URL has them (lower case), not URLs: a URL would never match."""
    hosts = r.list(t, prefix, key, str, [])
    for i, host in enumerate(hosts):
        if not host or re.search(r"[/@\s]", host):
            raise ConfigError(
                r.path,
                f"{prefix}{key}[{i}]",
                f"{host!r} is not a host name; write it as in a URL's host, e.g. 'api.example.com'",
            )
    return frozenset(h.lower() for h in hosts)


def _check_signing_secret(path: Path, key: str, secret: str) -> None:
    """Ours to choose, so a strong one: whsec_ and 24 to 64 random bytes, as Standard
    Webhooks recommends (generate one with ``python -c "import secrets, base64;
    print('whsec_' + base64.b64encode(secrets.token_bytes(32)).decode())"``)."""
    try:
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raw = b""
    if not secret.startswith("whsec_") or not 24 <= len(raw) <= 64:
        raise ConfigError(
            path, key, "not a signing secret: whsec_ followed by 24 to 64 bytes in base64"
        )


def _load_handler(path: Path, key: str, file: Path) -> Handler:
    try:
        return load_handler(file)
    except HandlerLoadError as e:
        where = ""
        if not file.exists():  # a config copied elsewhere, its handlers left behind
            where = (
                f" (looked for {file.resolve()}: a handler path is read from the config's folder)"
            )
        raise ConfigError(path, key, f"{e}{where}") from None


class _Reader:
    """Typed access to TOML tables, with ``${VAR}`` substitution and precise error keys."""

    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path, self.environ = path, environ

    def keys(self, t: Mapping[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in t:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise ConfigError(self.path, prefix + key, f"unknown key (known: {known})")

    def table(self, t: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = t.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(self.path, key, "must be a table")
        return value

    def subst(self, value: Any, key: str) -> Any:
        if not isinstance(value, str):
            return value

        def one(m: re.Match[str]) -> str:
            if m.group(1) in self.environ:
                return self.environ[m.group(1)]
            if m.group(2) is not None:
                return m.group(2)
            raise ConfigError(self.path, key, f"environment variable {m.group(1)} is not set")

        return _VAR.sub(one, value)

    def get(self, t: Mapping[str, Any], prefix: str, key: str, typ: Any, default: Any = ...) -> Any:
        if key not in t:
            if default is ...:
                raise ConfigError(self.path, prefix + key, "missing (required)")
            return default
        value = t[key]
        if typ in (int, float) and isinstance(value, str) and _VAR.search(value):
            # port = "${PORT:-8000}": numbers may come from the environment too.
            text = self.subst(value, prefix + key)
            try:
                value = typ(text)
            except ValueError:
                raise ConfigError(
                    self.path, prefix + key, f"{value} gives {text!r}, which is not {_tname(typ)}"
                ) from None
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        # bool is an int to Python, never to a config reader.
        if (isinstance(value, bool) and typ is not bool) or not isinstance(value, typ):
            got = _tname(type(value))
            if typ in (int, float) and isinstance(value, str):  # port = "8000x"
                got = f"the string {value!r} (a number is written without quotes)"
            raise ConfigError(self.path, prefix + key, f"must be {_tname(typ)}, got {got}")
        return self.subst(value, prefix + key)

    def choice(
        self, t: Mapping[str, Any], prefix: str, key: str, choices: Sequence[str], default: str
    ) -> Any:
        value = self.get(t, prefix, key, str, default)
        if value not in choices:
            raise ConfigError(
                self.path, prefix + key, f"{value!r}: one of {', '.join(map(repr, choices))}"
            )
        return value

    def positive(self, t: Mapping[str, Any], prefix: str, key: str, typ: Any, default: Any) -> Any:
        value = self.get(t, prefix, key, typ, default)
        if value is None:  # absent, and None is its default
            return None
        if not value > 0:  # also nan
            raise ConfigError(self.path, prefix + key, "must be greater than 0")
        if not math.isfinite(value):
            raise ConfigError(self.path, prefix + key, "must be finite")
        return value

    def non_negative(
        self, t: Mapping[str, Any], prefix: str, key: str, typ: Any, default: Any
    ) -> Any:
        value = self.get(t, prefix, key, typ, default)
        if not (value >= 0 and math.isfinite(value)):  # also nan
            raise ConfigError(self.path, prefix + key, "must be a finite number >= 0")
        return value

    def list(
        self, t: Mapping[str, Any], prefix: str, key: str, typ: Any, default: Any = ...
    ) -> Any:
        value = self.get(t, prefix, key, list, default)
        if value is default:
            return default
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, typ):
                raise ConfigError(
                    self.path,
                    f"{prefix}{key}[{i}]",
                    f"must be {_tname(typ)}, got {_tname(type(item))}",
                )
            out.append(self.subst(item, f"{prefix}{key}[{i}]"))
        return out

    def str_map(self, t: Mapping[str, Any], prefix: str, key: str) -> dict[str, str]:
        value = self.get(t, prefix, key, dict, {})
        out = {}
        for name, item in value.items():
            if not isinstance(item, str):
                raise ConfigError(
                    self.path,
                    f"{prefix}{key}.{name}",
                    f"must be a string, got {_tname(type(item))}",
                )
            out[name] = self.subst(item, f"{prefix}{key}.{name}")
        return out


def _tname(typ: Any) -> str:
    if isinstance(typ, tuple):
        return " or ".join(_tname(t) for t in typ)
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "a table",
        bool: "a boolean",
    }.get(typ, str(typ.__name__))
