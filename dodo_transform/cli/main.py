"""``dodo-transform``: one entry point over the Python API, the relay and the emulator.

Every command lives in a module of this package beside its own options; a command raises
:class:`~dodo_transform.cli.base.CliError` for anything the user can fix, printed here as one
line (``dodo-transform: <message>``) with the error's exit status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import admin, demo, emulate, serve, test
from .base import CliError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dodo-transform",
        description="Run Dodo Payments webhook handlers in a QuickJS sandbox and deliver them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (test, serve, admin, emulate, demo):
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"dodo-transform: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `dodo-transform test ... | head`: the reader left; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
