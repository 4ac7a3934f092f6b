"""The function's one logger: JSON lines on stdout, correlated by secret and step. Never pass it an event, a
secret value or an API key: the steps log ids, codes and counts only.

The lines are the ones Powertools' Logger writes (``Logger(service="crossrotate")`` with
``inject_lambda_context(clear_state=True)``): the same keys in the same order (level, location, message,
timestamp, service, the Lambda context's keys, the appended keys, a call's extra keys, then xray_trace_id when
traced: ``_X_AMZN_TRACE_ID``, which Lambda sets for each invocation, read as it starts) and the same values;
``tests/unit/test_log.py`` holds them equal. It has no traceback form: the function never logs one (an
unexpected failure logs its frames as a key of its own).

They are written here, straight to ``sys.stdout`` (whichever stream it is at the time, as ``print`` does), not
through the standard library's logging: Powertools' Logger cost every fresh sandbox about 10 ms to import and
every line about 60 µs, and a LogRecord sent through the logging machinery still about 34 µs, most of it for
fields no line carries (thread, process, the caller found by walking the stack); this costs about 15 µs
(docs/performance.md). The libraries' own loggers (boto3's, httpx's) are the standard library's, untouched.

The level is ``POWERTOOLS_LOG_LEVEL``, else ``LOG_LEVEL``, else INFO, read when the process starts.
"""

from __future__ import annotations

import functools
import json
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from . import settings
from .errors import RotationError, own
from .settings import Settings

SERVICE = "crossrotate"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
"""The standard library's level numbers, by the names ``LOG_LEVEL`` may give."""
LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}
"""The name a line gives its level, as the standard library's."""

Handler = TypeVar("Handler", bound=Callable[..., Any])
_ENCODE = json.JSONEncoder(default=str, separators=(",", ":"), ensure_ascii=False).encode
"""Made once: ``json.dumps`` with any argument of its own builds a new encoder for every line."""


def level_number(level: int | str) -> int:
    if isinstance(level, int):
        return level
    if level.upper() not in LEVELS:
        raise ValueError(f"unknown log level {level[:20]!r}: use one of {', '.join(LEVELS)}")
    return LEVELS[level.upper()]


@functools.lru_cache(maxsize=2)
def _second(epoch_second: int) -> tuple[str, str]:
    """The timestamp's parts around its milliseconds, the same for every line of one second."""
    local = time.localtime(epoch_second)
    return time.strftime("%Y-%m-%d %H:%M:%S,", local), time.strftime("%z", local)


def timestamp(nanoseconds: int) -> str:
    """``2026-11-30 06:23:47,551+0000``: local time (UTC in Lambda), milliseconds after the seconds, as the
    standard library's LogRecord computes them."""
    seconds, milliseconds = divmod(nanoseconds // 1_000_000, 1000)
    before, zone = _second(seconds)
    return f"{before}{milliseconds:03d}{zone}"


class JsonLogger:
    """``debug``/``info``/``warning``/``error`` with the standard library's signatures (a message, its
    ``%`` arguments, ``extra`` keys), each writing one JSON line with the invocation's :attr:`keys`."""

    def __init__(self, configured: Settings) -> None:
        self.level = level_number(configured.log_level)
        self.keys: dict[str, Any] = {}
        self.trace_id: str | None = None
        """The invocation's X-Ray trace id (Lambda sets ``_X_AMZN_TRACE_ID`` for each one)."""
        self.cold_start = not configured.provisioned

    def setLevel(self, level: int | str) -> None:
        self.level = level_number(level)

    def log(self, level: int, message: str, *args: Any, extra: Mapping[str, Any] | None = None) -> None:
        """One line at ``level`` (a standard library level number), if the logger's level lets it through."""
        if self.level <= level:
            self._write(level, message, args, extra)

    debug = functools.partialmethod(log, LEVELS["DEBUG"])
    info = functools.partialmethod(log, LEVELS["INFO"])
    warning = functools.partialmethod(log, LEVELS["WARNING"])
    error = functools.partialmethod(log, LEVELS["ERROR"])

    def _write(self, level: int, message: str, args: tuple[Any, ...], extra: Mapping[str, Any] | None) -> None:
        caller = sys._getframe(2)  # who called log, or debug/info/warning/error (partials add no frame)
        line: dict[str, Any] = {
            "level": LEVEL_NAMES[level],
            "location": f"{caller.f_code.co_name}:{caller.f_lineno}",
            "message": message % args if args else message,
            "timestamp": timestamp(time.time_ns()),
            "service": SERVICE,
            **self.keys,
        }
        if extra:
            line.update(extra)
        if self.trace_id:
            line["xray_trace_id"] = self.trace_id
        stream = sys.stdout
        stream.write(_ENCODE({key: value for key, value in line.items() if value is not None}) + "\n")
        stream.flush()

    def append_keys(self, **keys: Any) -> None:
        """Keys every later line of this invocation carries."""
        self.keys.update(keys)

    def remove_keys(self, names: list[str]) -> None:
        for name in names:
            self.keys.pop(name, None)

    def inject_lambda_context(self, handler: Handler) -> Handler:
        """Each invocation starts with only the Lambda context's keys (what was appended before is dropped)."""

        @functools.wraps(handler)
        def invoked(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            cold_start, self.cold_start = self.cold_start, False
            trace = settings.trace_header()
            self.trace_id = trace.split(";")[0].replace("Root=", "") if trace else None
            self.keys = {
                "cold_start": cold_start,
                "function_name": context.function_name,
                "function_memory_size": context.memory_limit_in_mb,
                "function_arn": context.invoked_function_arn,
                "function_request_id": context.aws_request_id,
            }
            return handler(event, context, *args, **kwargs)

        return invoked  # type: ignore[return-value]


logger = JsonLogger(settings.current())


def unexpected_failure(error: Exception) -> RotationError:
    """An exception nobody classified, as the fatal ``UnexpectedError`` whose message carries only its type (its
    own message could quote a value); its frames are logged (source lines, never a local variable's value)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("unexpected failure", extra={"exception": type(error).__name__, "frames": frames})
    return own("UnexpectedError", f"unexpected {type(error).__name__}")
