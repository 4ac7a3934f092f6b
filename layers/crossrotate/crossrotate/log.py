"""The function's one logger: JSON lines on stdout, correlated by secret and step. Never pass it an event, a
secret value or an API key: the steps log ids, codes and counts only.

The lines are the ones Powertools' Logger writes (``Logger(service="crossrotate")`` with
``inject_lambda_context(clear_state=True)``): the same keys in the same order (level, location, message,
timestamp, service, the Lambda context's keys, the appended keys, a call's extra keys, then xray_trace_id when
traced) and the same values; ``tests/unit/test_log.py`` holds them equal. It has no traceback form: the function
never logs one (an unexpected failure logs its frames as a key of its own). They are
written here, on the standard library's logging, because Powertools' Logger cost every fresh sandbox about
10 ms to import (its package imports its metrics and tracer with it) and every line about 60 µs, the largest
part of what the function adds to its calls (docs/performance.md).

The level is ``POWERTOOLS_LOG_LEVEL``, else ``LOG_LEVEL``, else INFO, read when the process starts.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

SERVICE = "crossrotate"
RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "location", "timestamp"}
"""A LogRecord's own attributes: whatever else a record carries came in a call's ``extra``."""

Handler = TypeVar("Handler", bound=Callable[..., Any])
_ENCODE = json.JSONEncoder(default=str, separators=(",", ":"), ensure_ascii=False).encode
"""Made once: ``json.dumps`` with any argument of its own builds a new encoder for every line."""


class JsonLines(logging.Formatter):
    """One JSON object a record, with the keys of the invocation (:attr:`keys`) after the fixed ones."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, Any] = {}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": self.formatTime(record),
            "service": SERVICE,
            **self.keys,
        }
        line.update((key, value) for key, value in vars(record).items() if key not in RECORD_FIELDS)
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        if trace:
            line["xray_trace_id"] = trace.split(";")[0].replace("Root=", "")
        kept = {key: value for key, value in line.items() if value is not None}
        return _ENCODE(kept)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """``2026-11-30 06:23:47,551+0000``: local time (UTC in Lambda), milliseconds after the seconds."""
        local = time.localtime(record.created)
        return time.strftime(f"%Y-%m-%d %H:%M:%S,{int(record.msecs):03d}%z", local)


def level_from(environ: Mapping[str, str]) -> str:
    return (environ.get("POWERTOOLS_LOG_LEVEL") or environ.get("LOG_LEVEL") or "INFO").upper()


class _NotOurs(logging.Filter):
    """On the root logger's handlers (the Lambda runtime's): our records are written once, by our handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == SERVICE or record.name.startswith(SERVICE + "."))


class JsonLogger:
    """The standard library's logger ``crossrotate``, writing :class:`JsonLines` to stdout."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.formatter = JsonLines()
        self._logger = logging.getLogger(SERVICE)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(self.formatter)
        self._logger.addHandler(handler)
        self._logger.setLevel(level_from(environ))
        for root_handler in logging.root.handlers:
            if type(root_handler).__name__ != "LogCaptureHandler":  # pytest's caplog still sees the records
                root_handler.addFilter(_NotOurs())
        self.debug = self._logger.debug
        self.info = self._logger.info
        self.warning = self._logger.warning
        self.error = self._logger.error
        self.cold_start = environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"

    @property
    def level(self) -> int:
        return self._logger.level

    def setLevel(self, level: int | str) -> None:
        self._logger.setLevel(level)

    def append_keys(self, **keys: Any) -> None:
        """Keys every later line of this invocation carries."""
        self.formatter.keys.update(keys)

    def remove_keys(self, names: list[str]) -> None:
        for name in names:
            self.formatter.keys.pop(name, None)

    def inject_lambda_context(self, handler: Handler) -> Handler:
        """Each invocation starts with only the Lambda context's keys (what was appended before is dropped)."""

        @functools.wraps(handler)
        def invoked(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            cold_start, self.cold_start = self.cold_start, False
            self.formatter.keys = {
                "cold_start": cold_start,
                "function_name": context.function_name,
                "function_memory_size": context.memory_limit_in_mb,
                "function_arn": context.invoked_function_arn,
                "function_request_id": context.aws_request_id,
            }
            return handler(event, context, *args, **kwargs)

        return invoked  # type: ignore[return-value]


logger = JsonLogger()
