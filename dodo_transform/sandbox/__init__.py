"""The QuickJS sandbox: a handler's source and one event in, what the handler returned out.

Every run gets a fresh QuickJS context, alone in its runtime (nothing one event does is seen by the
next), with time, memory and stack limits and console capture. The public surface:

- :class:`Sandbox` runs :class:`Job`\\ s and answers :class:`RawRun`\\ s (before the contract
  checks of :mod:`dodo_transform.transform`); :func:`default_sandbox` is the shared one;
- :class:`Limits`, :class:`TransformError` and :data:`ErrorKind`;
- :mod:`.engine` says which QuickJS engine is in use.

Modules: ``pool`` (threads and warm contexts), ``context`` (one warm context), ``answer``
(reading the runner's answer), ``errors`` (kinds and classification), ``sources`` (the JS),
``engine`` (the engine interface and its choice), ``capi`` and ``binding`` (the two engines).
"""

from .errors import ERROR_KINDS, ErrorKind, TransformError
from .job import Job, Limits, RawRun
from .pool import Sandbox, default_sandbox

__all__ = [
    "ERROR_KINDS",
    "ErrorKind",
    "Job",
    "Limits",
    "RawRun",
    "Sandbox",
    "TransformError",
    "default_sandbox",
]
