"""The relay's log: one line per received webhook and per attempt, start-up, shutdown and
errors with their cause — as text for people or JSON lines for log shippers.

Lines carry their facts as fields (``endpoint``, ``webhook_id``, ``delivery_id``,
``event_type``, ``status``, ``http_status``, ``duration_ms``…), never a secret: no header
values, no bodies, no signing secret or token reaches a log line.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import sys
import threading
import time
from typing import Any, Literal, TextIO

from .events import ANSWER, Observer, OperatorAction, ReceiveOutcome
from .store import Attempt, Delivery, EndpointState, Event, Status

__all__ = ["LogObserver", "configure_logging", "flush_logs"]

LogFormat = Literal["text", "json"]
LEVELS = ("debug", "info", "warning", "error")
log = logging.getLogger("dodo_transform.events")
# Embedded (tests, the demo, a Python program) nothing is printed unless the program sets up
# logging; `serve` does, with configure_logging().
logging.getLogger("dodo_transform").addHandler(logging.NullHandler())


def _line(level: int, message: str, **fields: Any) -> None:
    if log.isEnabledFor(level):  # at --log-level warning most lines are not built at all
        log.log(
            level, message, extra={"fields": {k: v for k, v in fields.items() if v is not None}}
        )


class LogObserver(Observer):
    def received(
        self,
        endpoint: str,
        outcome: ReceiveOutcome,
        *,
        webhook_id: str | None = None,
        event_type: str | None = None,
        delivery_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        level = logging.INFO if ANSWER[outcome] < 300 else logging.WARNING
        _line(
            level,
            "received",
            endpoint=endpoint,
            webhook_id=webhook_id,
            delivery_id=delivery_id,
            event_type=event_type,
            outcome=outcome,
            http_status=ANSWER[outcome],
            reason=reason,
        )

    def recorded(
        self,
        delivery: Delivery,
        status: Status,
        *,
        attempt: Attempt | None = None,
        last_error: str | None = None,
        next_attempt_at: float | None = None,
        event: Event | None = None,
        **_: Any,
    ) -> None:
        # cancelled and transform_failed are decided without sending: no attempt.
        failed = status == ("transform_failed" if attempt is None else "failed")
        level = logging.WARNING if failed else logging.INFO
        if not log.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "endpoint": delivery.endpoint,
            "webhook_id": event.webhook_id if event else None,
            "delivery_id": delivery.id,
            "event_type": event.event_type if event else None,
            "status": status,
        }
        if attempt is None:
            _line(level, "delivery", **fields, error=last_error)
            return
        retry_in = None
        if next_attempt_at is not None:
            retry_in = round(max(0.0, next_attempt_at - attempt.started_at), 3)
        _line(
            level,
            "attempt",
            **fields,
            attempt=delivery.attempt_count + 1,
            http_status=attempt.status_code,
            duration_ms=attempt.duration_ms,
            error=last_error if status != "succeeded" else None,
            retry_in_s=retry_in,
        )

    def rate_limited(self, target: str, waited: float) -> None:
        _line(logging.DEBUG, "rate limit wait", target=target, waited_s=round(waited, 3))

    def operated(self, delivery: Delivery, action: OperatorAction) -> None:
        _line(logging.INFO, action, endpoint=delivery.endpoint, delivery_id=delivery.id)

    def endpoint_changed(self, endpoint: str, state: EndpointState, *, by: str) -> None:
        what = "endpoint disabled" if state.disabled_at is not None else "endpoint enabled"
        _line(logging.WARNING, what, endpoint=endpoint, by=by)


class _Formatter(logging.Formatter):
    def __init__(self, fmt: LogFormat) -> None:
        super().__init__()
        self.json = fmt == "json"

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        when += f".{int(record.msecs):03d}Z"
        message = record.getMessage()
        error = self.formatException(record.exc_info) if record.exc_info else None
        if self.json:
            out = {"time": when, "level": record.levelname.lower(), "logger": record.name}
            out["message"] = message
            out.update(fields)
            if error:
                out["exception"] = error
            return json.dumps(out, ensure_ascii=False, default=str)
        text = f"{when} {record.levelname:<7} {message}"
        if fields:
            text += " " + " ".join(f"{k}={_text(v)}" for k, v in fields.items())
        return text + (f"\n{error}" if error else "")


def _text(value: Any) -> str:
    text = str(value)
    # Quoted (and escaped) when it could blur the line: a value from a URL may hold "\n".
    plain = text and text.isprintable() and " " not in text and '"' not in text
    return text if plain else json.dumps(text, ensure_ascii=False)


class _Writer(logging.Handler):
    """Formats and writes records on a thread of its own.

    ``serve`` logs a line per webhook and per attempt. Formatted and written where they are
    logged, those lines cost the event loop about a sixth of its time under load (a
    ``write`` and ``flush`` each) and a stalled stderr (a full pipe) would stall every request.
    Here the loop only queues the record; the writer thread formats what has queued up over
    ``GATHER`` seconds and writes it in one call (woken for each line, it took the GIL from
    the loop thousands of times a second: `bench/ingest.py --ingest-only`, 0.57-0.61 ms of CPU
    per acknowledged webhook before, 0.47-0.48 after). Records are written in the order they
    were logged. A line queued
    when the process is killed (SIGKILL) is lost; an exit writes them all (``atexit``, and
    :func:`flush_logs` before uvicorn re-raises the SIGTERM that stopped it, which skips
    ``atexit``). If stderr stops taking lines, at most ``MAX_QUEUED`` wait (about 10 MB); the
    rest are dropped and counted, and the count is written as soon as stderr takes lines again.
    """

    MAX_QUEUED = 10_000
    MAX_BATCH = 512
    WAIT = 5.0  # how long flush() and close() wait for a stalled stderr
    GATHER = 0.02  # how long a line waits for others to be written with it

    def __init__(self, stream: TextIO, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self._stream = stream
        # Records; an Event is a flush() waiting for what was queued before it; None stops.
        self._queue: queue.SimpleQueue[logging.LogRecord | threading.Event | None] = (
            queue.SimpleQueue()
        )
        self._dropped = 0
        self._dropped_lock = threading.Lock()  # emit() counts, the writer reads and resets
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def emit(self, record: logging.LogRecord) -> None:
        if self._closed:  # after close(): written here and now, as a StreamHandler would
            try:
                self._write([self.format(record)])
            except Exception:
                self.handleError(record)
        elif self._queue.qsize() >= self.MAX_QUEUED:
            with self._dropped_lock:
                self._dropped += 1
        else:
            self._queue.put(record)

    def flush(self) -> None:
        """Wait (at most ``WAIT`` s) until every record queued so far is written."""
        if self._thread.is_alive():
            done = threading.Event()
            self._queue.put(done)
            done.wait(self.WAIT)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            atexit.unregister(self.close)
            self._queue.put(None)
            self._thread.join(self.WAIT)
        super().close()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            if isinstance(batch[0], logging.LogRecord):  # not a flush() waiting: gather
                time.sleep(self.GATHER)
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            lines = []
            for item in batch:
                if isinstance(item, logging.LogRecord):
                    try:
                        lines.append(self.format(item))
                    except Exception:
                        self.handleError(item)
            with self._dropped_lock:
                dropped, self._dropped = self._dropped, 0
            if dropped:  # they came after everything queued: after this batch's lines
                lines.append(f"({dropped} log lines dropped: stderr was not taking them)")
            self._write(lines)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                return

    def _write(self, lines: list[str]) -> None:
        if lines:
            try:
                self._stream.write("\n".join(lines) + "\n")
                self._stream.flush()
            except Exception:  # stderr closed: nobody reads the lines any more
                pass


def flush_logs() -> None:
    """Write every log line queued so far (see :class:`_Writer`)."""
    for handler in logging.getLogger("dodo_transform").handlers:
        handler.flush()


# asyncpg's repeated warnings: each distinct one at most this often (seconds).
LIBRARY_REPEAT_EVERY = 60.0
_library_said: dict[str, float] = {}


def _library_failures_in_one_line(record: logging.LogRecord) -> bool:
    """asyncpg warns with a traceback each time its pool cannot reconnect, every second of a
    database outage, which serve reports itself in one line ("storing webhook ... failed",
    "claiming deliveries failed"): its warnings keep their message and lose the traceback,
    and the same one is said once a minute at most."""
    if not record.name.startswith("asyncpg"):
        return True
    if record.exc_info:
        error = record.exc_info[1]
        said = f"{record.name}: {record.getMessage()} ({type(error).__name__}: {error})"
        record.msg, record.args = said, None
        record.exc_info = record.exc_text = None
    message = record.getMessage()
    if record.created - _library_said.get(message, -LIBRARY_REPEAT_EVERY) < LIBRARY_REPEAT_EVERY:
        return False
    if len(_library_said) > 100:  # messages differ by more than their outage: start over
        _library_said.clear()
    _library_said[message] = record.created
    return True


def _no_second_report(record: logging.LogRecord) -> bool:
    """A start-up stopped by :class:`~.server.StartupAborted` was reported in one line
    already; uvicorn would add the traceback Starlette hands it as the failure's message."""
    return not (record.name == "uvicorn.error" and "StartupAborted" in str(record.msg))


def configure_logging(level: str = "info", fmt: LogFormat = "text") -> None:
    """Send dodo-transform's and uvicorn's logs to stderr, one line per record, written by a
    thread of their own (:class:`_Writer`)."""
    # What no line shows is not gathered for every record (the logging HOWTO's
    # "Optimization"): the caller's frame, thread and process. A webhook's line went from
    # ~21 to ~13 µs of CPU, the writer thread's share included.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = _Writer(sys.stderr, _Formatter(fmt))
    handler.addFilter(_library_failures_in_one_line)
    handler.addFilter(_no_second_report)
    for name in ("dodo_transform", "uvicorn", "uvicorn.error", "asyncpg"):
        logger = logging.getLogger(name)
        for old in logger.handlers:
            old.close()  # an earlier _Writer writes what it holds and stops its thread
        logger.handlers[:] = [handler]
        chosen = logging.getLevelName(level.upper())
        logger.setLevel(chosen if name != "asyncpg" else max(chosen, logging.WARNING))
        logger.propagate = False
    # One line per webhook comes from us: uvicorn's access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
