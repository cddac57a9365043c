"""What every command shares: the one error style, the config option, the listening socket.

A command raises :class:`CliError` (or :class:`UsageError`) for anything the user can fix;
:func:`dodo_transform.cli.main.main` prints it as one line, ``dodo-transform: <message>``,
and exits with its code. No traceback reaches a user for an expected failure.
"""

from __future__ import annotations

import argparse
import os
import socket

from ..relay.config import Config, ConfigError, load_config
from ..serving import ListenError, listen_socket

__all__ = [
    "DEFAULT_CONFIG",
    "CliError",
    "UsageError",
    "add_config_option",
    "listen",
    "load",
]

DEFAULT_CONFIG = "dodo-transform.toml"


class CliError(Exception):
    """A failure the user can act on: printed as one line; ``code`` is the exit status."""

    code = 1

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CliError):
    """A mistake on the command line or in an input file or config: exit status 2."""

    code = 2


def add_config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        default=os.environ.get("DODO_TRANSFORM_CONFIG", DEFAULT_CONFIG),
        help=f"TOML config (default: $DODO_TRANSFORM_CONFIG or {DEFAULT_CONFIG})",
    )


def load(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        raise UsageError(str(e)) from None


def listen(host: str, port: int) -> socket.socket:
    """A listening socket for ``host:port``, or a one-line exit 2 naming the address."""
    try:
        return listen_socket(host, port)
    except ListenError as e:
        busy = "in use" in str(e)
        raise UsageError(f"{e}{'; choose another with --port' if busy else ''}") from None
