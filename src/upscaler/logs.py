"""Logging set-up shared by every entry point, and the context each line carries.

A request's id (its `X-Request-ID`, or one made for it) and the job a line is
about live in context variables: the request middleware sets the first, the
upload path and the worker set the job (the queue message carries the request
id to the worker), and every log line carries both. `UPSCALER_LOG_FORMAT=json`
(the default in production) writes one JSON object per line, so one job's whole
story, from the API through the queue to the worker, is one filter on job_id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)

#: LogRecord attributes that are not extra fields of the call.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "job_id",
}


def current_request_id() -> str | None:
    return request_id_var.get()


def bind_job(job_id: str | None) -> None:
    """Lines from here on in this task (and threads it starts) are about this job."""
    job_id_var.set(job_id)


@contextlib.contextmanager
def log_context(*, request_id: str | None = None, job_id: str | None = None) -> Iterator[None]:
    """Within the block, lines carry these ids (the worker's view of a message)."""
    request_token = request_id_var.set(request_id)
    job_token = job_id_var.set(job_id)
    try:
        yield
    finally:
        job_id_var.reset(job_token)
        request_id_var.reset(request_token)


class ContextFilter(logging.Filter):
    """Puts the context's request and job ids on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "job_id", None) is None:
            record.job_id = job_id_var.get()
        return True


def record_entry(record: logging.LogRecord) -> dict[str, Any]:
    """A record as data: time (UTC, ISO 8601), level, logger, message, the
    ids when there are any, and the traceback when there is one (the JSON
    log line and the admin's in-memory buffer both use it)."""
    entry: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": record.getMessage(),
    }
    for key in ("request_id", "job_id"):
        value = getattr(record, key, None)
        if value:
            entry[key] = value
    if record.exc_info:
        entry["exception"] = logging.Formatter().formatException(record.exc_info)
    return entry


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `record_entry` and any extra fields of the call."""

    def format(self, record: logging.LogRecord) -> str:
        entry = record_entry(record)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else repr(value)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format, with the ids in brackets when there are any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [
            f"{key.split('_')[0]}={value}"
            for key in ("job_id", "request_id")
            if (value := getattr(record, key, None))
        ]
        return f"{line} [{' '.join(ids)}]" if ids else line


def configure_logging(level: str = "INFO", fmt: LogFormat = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("dramatiq", "aiobotocore", "botocore", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
