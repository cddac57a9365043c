"""The QuickJS sandbox: a handler's source and one event in, what the handler returned out.

Every run gets a fresh QuickJS context, alone in its runtime (nothing one event does is seen by the
next), with time, memory and stack limits and console capture. The public surface:

- :class:`Sandbox` runs :class:`Job`\\ s and answers :class:`RawRun`\\ s (before the contract
  checks of :mod:`dodo_transform.transform`); :func:`default_sandbox` is the shared one;
  :class:`ProcessSandbox` runs one in a child process (serve's, and through
  :func:`own_sandbox` the ``test`` command's and the playground's); both are a
  :class:`BaseSandbox`;
- :class:`Limits`, :class:`TransformError` and :data:`ErrorKind`;
- :mod:`.engine` says which QuickJS engine is in use.

Modules: ``base`` (the interface), ``pool`` (threads and warm contexts), ``process`` (a
sandbox in a child process), ``context`` (one warm context), ``answer``
(reading the runner's answer), ``errors`` (kinds and classification), ``sources`` (the JS),
``engine`` (the engine interface and its choice), ``capi`` and ``binding`` (the two engines).
"""

from .base import BaseSandbox
from .errors import ERROR_KINDS, ErrorKind, TransformError
from .job import Job, Limits, RawRun
from .pool import Sandbox, default_sandbox
from .process import ProcessSandbox, SandboxProcessError, own_sandbox

__all__ = [
    "BaseSandbox",
    "ERROR_KINDS",
    "ErrorKind",
    "Job",
    "Limits",
    "ProcessSandbox",
    "RawRun",
    "Sandbox",
    "SandboxProcessError",
    "TransformError",
    "default_sandbox",
    "own_sandbox",
]
