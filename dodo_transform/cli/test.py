"""``dodo-transform test``: run a handler on sample payloads and show what it would send.

Exit status: 0 when every run is ok or cancelled, 1 when any run errored (or, with
``--check``, any snapshot differs), 2 for usage errors (unreadable file, invalid JSON, unknown
event type), always with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import samples, strictjson, testing
from ..mailerlite import account as ml_account
from ..mailerlite import lint
from ..report import render
from ..sandbox import BaseSandbox, SandboxProcessError, own_sandbox
from ..transform import Limits, Request, parse_now
from ..workbench import snapshots
from .base import CliError, UsageError
from .watch import watch

__all__ = ["add_commands"]

_DEFAULT_URL = "https://example.invalid/webhook"


class _Ordered(argparse.Action):
    """Keeps --event and --payload in the order they were given."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        inputs = getattr(namespace, "inputs", None) or []
        inputs.append((self.dest, values))
        namespace.inputs = inputs


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "test",
        help="run a handler against sample payloads and show the requests it would send",
        description="Run HANDLER.js on built-in samples or envelope files and show, per "
        "payload, the decision (send / cancelled / error), the request, console output and "
        "warnings. With neither --event nor --payload, every built-in sample is used.",
    )
    p.add_argument("handler", metavar="HANDLER.js")
    event = p.add_argument(
        "--event",
        action=_Ordered,
        metavar="TYPE",
        dest="event",
        help="a built-in sample by event type (or variant name); repeatable",
    )
    event.completer = lambda **_: samples.names()  # type: ignore[attr-defined]
    p.add_argument(
        "--payload",
        action=_Ordered,
        metavar="FILE_OR_DIR",
        dest="payload",
        help="an envelope JSON file, or a directory (every *.json below it)",
    )
    p.add_argument(
        "--url",
        default=_DEFAULT_URL,
        help="webhook.url before the handler runs (default: %(default)s)",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a webhook.env variable; repeatable",
    )
    p.add_argument(
        "--now",
        metavar="ISO8601",
        help="freeze new Date() and Date.now() at this instant, e.g. 2025-08-04T05:30:45Z",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per payload, per line")
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="show only errors, runs with warnings and sends that change the event "
        "(not pass-through), then the one-line summary",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="run again whenever the handler or a --payload file is saved (Ctrl-C stops)",
    )
    snap = p.add_mutually_exclusive_group()
    snap.add_argument(
        "--snapshot",
        metavar="DIR",
        help="write one expected-output file per payload into DIR (clock frozen at --now, "
        f"default {snapshots.DEFAULT_NOW})",
    )
    snap.add_argument(
        "--check",
        metavar="DIR",
        help="compare with the snapshots in DIR: a unified diff per changed payload, exit 1 "
        "on any difference",
    )
    p.add_argument("--time-limit-ms", type=float, default=Limits.time_ms)
    p.add_argument("--memory-limit-mib", type=float, default=Limits.memory_bytes / 2**20)
    p.add_argument("--max-request-bytes", type=int, default=Limits.max_request_bytes)
    p.add_argument(
        "--mailerlite-account",
        metavar="FILE",
        help="lint against this account description (groups and fields, seed format)",
    )
    p.add_argument(
        "--mailerlite-url",
        metavar="URL",
        help="read the account to lint against from this MailerLite API base URL",
    )
    p.add_argument(
        "--mailerlite-api-key", metavar="KEY", default=os.environ.get("MAILERLITE_API_KEY")
    )
    p.set_defaults(func=_cmd_test)


def _env(pairs: Sequence[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {pair!r}: expected KEY=VALUE")
        env[key] = value
    return env


def _linter(args: argparse.Namespace) -> testing.Linter:
    account: ml_account.Account | None = None
    try:
        if args.mailerlite_account:
            account = ml_account.load_account(args.mailerlite_account)
        elif args.mailerlite_url:
            if not args.mailerlite_api_key:
                raise UsageError(
                    "--mailerlite-url needs --mailerlite-api-key (or MAILERLITE_API_KEY)"
                )
            account = ml_account.fetch_account(args.mailerlite_url, args.mailerlite_api_key)
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure reading the account is a usage error
        raise UsageError(f"cannot read the MailerLite account: {e}") from None
    target = "mailerlite" if args.mailerlite_url else None

    def run(request: Request) -> list[dict[str, str]]:
        return lint.lint_request(request.method, request.url, request.body, account, target=target)

    return run


def _cmd_test(args: argparse.Namespace) -> int:
    sandbox = own_sandbox()  # a child process, as in serve: see own_sandbox
    try:
        if not args.watch:
            return _test_once(args, sandbox)
        given = getattr(args, "inputs", None) or []
        paths = [args.handler, *(v for k, v in given if k == "payload")]
        return watch(lambda changed: _test_once(args, sandbox, changed), paths)
    finally:
        sandbox.close(cut_short=True)


def _test_once(
    args: argparse.Namespace, sandbox: BaseSandbox, changed: Callable[[], bool] = lambda: False
) -> int:
    now = None
    if args.now is not None:
        try:
            now = parse_now(args.now)
        except ValueError as e:
            raise UsageError(f"--now {args.now!r}: {e}") from None
    given = getattr(args, "inputs", None) or []
    try:
        inputs = testing.payloads(
            [v for k, v in given if k == "event"],
            [v for k, v in given if k == "payload"],
            order=["event" if k == "event" else "file" for k, _ in given],
        )
    except testing.PayloadError as e:
        raise UsageError(str(e)) from None
    if Path(args.handler).is_dir():
        raise UsageError(f"{args.handler}: a folder; give the handler's .js file")
    if not Path(args.handler).is_file():
        raise UsageError(f"{args.handler}: no such file")
    try:
        limits = Limits(
            time_ms=args.time_limit_ms,
            memory_bytes=int(args.memory_limit_mib * 2**20),
            max_request_bytes=args.max_request_bytes,
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        if args.snapshot or args.check:
            return _snapshots(args, inputs, limits, sandbox)
        records = testing.run(
            args.handler,
            inputs,
            url=args.url,
            env=_env(args.env),
            now=now,
            limits=limits,
            lint=_linter(args),
            sandbox=sandbox,
        )
        return _show(args, inputs, records, changed)
    except SandboxProcessError as e:  # the child died under a run (killed, out of memory)
        # It names the handler; --watch goes on with a new child at the next save.
        raise CliError(str(e)) from None
    except snapshots.SnapshotError as e:
        raise UsageError(str(e)) from None
    except BrokenPipeError:
        raise  # the reader left: main() ends quietly
    except OSError as e:
        raise UsageError(f"{args.handler}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{args.handler}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def _show(
    args: argparse.Namespace,
    inputs: list[testing.Payload],
    records: Iterable[dict[str, Any]],
    changed: Callable[[], bool],
) -> int:
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    counts = {"ok": 0, "cancelled": 0, "error": 0}
    hidden = 0
    for payload, record in zip(inputs, records, strict=True):
        counts[record["status"]] += 1
        if args.quiet and not _noteworthy(record, payload, args.url):
            hidden += 1
        elif args.json:
            print(strictjson.dumps(record))
        else:
            print(strictjson.escape_lone_surrogates(render(record, colour=colour)) + "\n")
        if changed():  # --watch: a save during a long round runs the new code now
            print("-- a file changed: this round stops here", file=sys.stderr, flush=True)
            return 1
    if not args.json:
        quiet = f" ({hidden} quiet: pass-through or cancelled)" if args.quiet else ""
        print(
            f"{len(inputs)} payload(s): {counts['ok']} send, {counts['cancelled']} cancelled, "
            f"{counts['error']} error(s){quiet}"
        )
    return 1 if counts["error"] else 0


def _noteworthy(record: dict[str, Any], payload: testing.Payload, url: str) -> bool:
    """What ``--quiet`` shows: errors, warnings, and sends that are not the event passed
    through unchanged to the default URL."""
    if record["status"] == "error" or record["warnings"]:
        return True
    request = record["request"]
    if request is None:
        return False
    try:
        same = json.loads(request["body"]) == json.loads(payload.text)
    except (ValueError, RecursionError):
        same = False
    return not (same and request["url"] == url and request["method"] == "POST")


def _snapshots(
    args: argparse.Namespace, inputs: list[testing.Payload], limits: Limits, sandbox: BaseSandbox
) -> int:
    options: dict[str, Any] = {
        "env": _env(args.env),
        "limits": limits,
        "lint": _linter(args),
        "sandbox": sandbox,
    }
    if args.snapshot:
        written = snapshots.write(
            args.handler, inputs, args.snapshot, now=args.now, url=args.url, **options
        )
        print(f"wrote {len(written)} snapshot(s) to {args.snapshot}")
        return 0
    if not Path(args.check).is_dir():
        raise UsageError(f"--check {args.check}: no such directory (write it with --snapshot)")
    url = None if args.url == _DEFAULT_URL else args.url
    changes = snapshots.check(args.handler, inputs, args.check, now=args.now, url=url, **options)
    for change in changes:
        print(change.diff)
    print(f"{len(inputs)} payload(s) checked against {args.check}: {len(changes)} changed")
    return 1 if changes else 0
