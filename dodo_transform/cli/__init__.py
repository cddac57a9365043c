"""The ``dodo-transform`` command line: one entry point (:func:`main`), a module per command
group, one error style (:class:`~dodo_transform.cli.base.UsageError` → one line, exit 2)."""

from .main import main

__all__ = ["main"]
