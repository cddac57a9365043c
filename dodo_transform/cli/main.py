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
from importlib import metadata

import argcomplete

from . import admin, completion, demo, emulate, playground, serve, test
from .base import CliError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dodo-transform",
        description="Run Dodo Payments webhook handlers in a QuickJS sandbox and deliver them.",
    )
    parser.add_argument("--version", action="version", version=f"dodo-transform {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (test, playground, serve, admin, emulate, demo, completion):
        module.add_commands(sub)
    return parser


def _version() -> str:
    try:
        return metadata.version("dodo-transform")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Answers a shell's completion request (and exits) when the shell code asked for one.
    argcomplete.autocomplete(parser)
    try:
        args = parser.parse_args(argv)
    except BrokenPipeError:  # `dodo-transform --help | head -1`
        return _reader_left()
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
        return _reader_left()


def _reader_left() -> int:
    """``dodo-transform test ... | head``: the reader left; that is not an error of ours.
    Later writes (and the flush at exit) go nowhere instead of failing again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
