"""Logging: one JSON object a line, or a readable line on a terminal.

Each record carries the service, the verification and correlation ids bound in
the current task's context, and the current trace and span ids. Every message
is redacted before it is written.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from opentelemetry import trace

from otv.redaction import redact
from otv.settings import LogFormat

_service: contextvars.ContextVar[str] = contextvars.ContextVar("otv_service", default="otv")
_verification_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "otv_verification_id", default=""
)
_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "otv_correlation_id", default=""
)


def bind_service(name: str) -> None:
    """Name the service for every record logged from this context on."""
    _service.set(name)


@contextlib.contextmanager
def bound_verification(verification_id: str, correlation_id: str) -> Iterator[None]:
    """Tag the records logged inside the block with a verification's ids."""
    tokens = (_verification_id.set(verification_id), _correlation_id.set(correlation_id))
    try:
        yield
    finally:
        _verification_id.reset(tokens[0])
        _correlation_id.reset(tokens[1])


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    message = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        message = f"{message}: {type(exc).__name__}: {exc}"
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "service": _service.get(),
        "logger": record.name,
        "message": redact(message),
    }
    if record.exc_info and record.levelno <= logging.DEBUG:
        # Asked for with OTV_LOG_LEVEL=DEBUG: where it happened, for a bug report.
        fields["traceback"] = redact("".join(traceback.format_exception(*record.exc_info)))
    if verification_id := _verification_id.get():
        fields["verification_id"] = verification_id
    if correlation_id := _correlation_id.get():
        fields["correlation_id"] = correlation_id
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        fields["trace_id"] = format(span_context.trace_id, "032x")
        fields["span_id"] = format(span_context.span_id, "016x")
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        ids = " ".join(
            f"{key}={fields[key]}" for key in ("verification_id", "trace_id") if key in fields
        )
        line = f"{fields['time'][11:23]} {fields['level']:<7} {fields['service']:<9} "
        line += str(fields["message"]) + (f"  [{ids}]" if ids else "")
        return line + ("\n" + fields["traceback"] if "traceback" in fields else "")


def configure(level: str = "INFO", fmt: LogFormat = "auto", stream: IO[str] | None = None) -> None:
    """Send otv's records to ``stream`` (stderr by default) in the chosen format."""
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # nats-py logs every reconnect attempt at ERROR; our own records say what matters.
    logging.getLogger("nats").setLevel(logging.CRITICAL)
