"""``dodo-transform emulate mailerlite``: the local MailerLite on a port of your choice."""

from __future__ import annotations

import argparse
import os
import sys

from .base import UsageError, listen


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``emulate mailerlite`` on the project's argparse sub-parsers."""
    parser = subparsers.add_parser(
        "emulate",
        help="run a local emulator of a target API",
        description="Run a local emulator of a target API (state is kept in memory).",
    )
    parser.add_argument("service", choices=["mailerlite"], help="the API to emulate")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument(
        "--api-key",
        default=None,
        help="bearer token to accept (default: $MAILERLITE_API_KEY, else 'test-key')",
    )
    parser.add_argument("--seed", help="JSON file with the account's groups and fields")
    parser.add_argument("--rate-limit", type=_positive, default=120, help="requests per minute")
    parser.add_argument(
        "--import-limit", type=_positive, default=5, help="all-upsert batches per minute"
    )
    parser.set_defaults(func=run_emulate)


def run_emulate(args: argparse.Namespace) -> int:
    import uvicorn  # imported here so that importing the CLI stays cheap

    from ..mailerlite.emulator.app import create_app, load_seed
    from ..serving import HttpProtocol

    if args.api_key:
        key, origin = args.api_key, "--api-key"
        shown = key
    elif os.environ.get("MAILERLITE_API_KEY"):
        key, origin = os.environ["MAILERLITE_API_KEY"], "$MAILERLITE_API_KEY"
        # The variable may hold a real key; show enough to recognise it, not to use it.
        shown = f"{key[:4]}…{key[-4:]}" if len(key) > 12 else "****"
    else:
        key, origin, shown = "test-key", "default", "test-key"
    try:
        seed = load_seed(args.seed) if args.seed else None
    except (OSError, ValueError) as exc:
        raise UsageError(f"emulate: cannot read the seed: {exc}") from None
    app = create_app(
        api_key=key, seed=seed, rate_limit=args.rate_limit, import_limit=args.import_limit
    )
    sock = listen(args.host, args.port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{host}:{sock.getsockname()[1]}"
    print(f"MailerLite emulator on {base}/api (state: {base}/__emulator/state)")
    print(f"Accepting 'Authorization: Bearer {shown}' ({origin})")
    if seed:
        print(
            f"Seeded {len(seed['groups'])} groups and {len(seed['fields'])} custom fields "
            f"from {args.seed}"
        )
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(app, http=HttpProtocol, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
