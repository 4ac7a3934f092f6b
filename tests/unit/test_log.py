"""The function's logger writes the lines Powertools' Logger would: the dashboard's Logs Insights queries, metric
filters and anyone's saved searches read those keys. Both format the same records here (Powertools' handler is
added to the same standard-library logger), so every line must be equal, timestamp included."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import logger as powertools_logger

from crossrotate import log
from crossrotate.log import JsonLogger, level_from


class Context:
    function_name = "crossrotate-rotator"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:crossrotate-rotator"
    aws_request_id = "6f1e4a52-0000-4000-8000-000000000001"


@pytest.fixture
def both() -> Iterator[tuple[JsonLogger, Logger, io.StringIO, io.StringIO]]:
    """Ours and Powertools', on the one stdlib logger ``crossrotate``, each writing to a stream of its own."""
    ours = log.logger
    stdlib = logging.getLogger("crossrotate")
    saved_handlers, saved_level = list(stdlib.handlers), stdlib.level
    our_stream, their_stream = io.StringIO(), io.StringIO()
    (our_handler,) = [h for h in stdlib.handlers if isinstance(h.formatter, log.JsonLines)]
    our_handler.setStream(our_stream)  # type: ignore[attr-defined]
    theirs = Logger(service="crossrotate", stream=their_stream)
    powertools_logger.is_cold_start = True
    ours.cold_start = True
    yield ours, theirs, our_stream, their_stream
    stdlib.handlers[:] = saved_handlers
    stdlib.setLevel(saved_level)
    our_handler.setStream(__import__("sys").stdout)  # type: ignore[attr-defined]
    for attribute in ("init", "powertools_handler", "powertools_buffer_config", "powertools_buffer_cache"):
        if hasattr(stdlib, attribute):
            delattr(stdlib, attribute)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_the_one_powertools_writes(
    both: tuple[JsonLogger, Logger, io.StringIO, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs, our_stream, their_stream = both

    def step(event: dict[str, Any], context: Any) -> None:
        ours.append_keys(secret_id=event["secret"], step="setSecret", version="v1")
        theirs.append_keys(secret_id=event["secret"], step="setSecret", version="v1")
        ours.info("password reset", extra={"request_id": "req-1", "count": 3, "ok": True, "none": None})
        ours.warning("login check before the reset failed", extra={"code": "Transport.Timeout"})
        ours.remove_keys(["step"])
        theirs.remove_keys(["step"])
        ours.info("ünïcode and a dict", extra={"detail": {"a": [1, 2]}})
        ours.error("rotation failed", extra={"code": "InvalidSecret", "retryable": False})

    handler = ours.inject_lambda_context(theirs.inject_lambda_context(step, clear_state=True, log_event=False))
    handler({"secret": "app/db"}, Context())
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")
    handler({"secret": "app/other"}, Context())  # a warm invocation: the first one's keys are gone

    written, expected = lines(our_stream), lines(their_stream)
    assert len(written) == 8
    assert written == expected
    assert [list(line) for line in written] == [list(line) for line in expected]  # the keys' order too
    assert [line["cold_start"] for line in written] == [True] * 4 + [False] * 4
    assert written[4]["secret_id"] == "app/other"
    assert written[4]["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_the_level_comes_from_the_environment() -> None:
    assert level_from({"POWERTOOLS_LOG_LEVEL": "warning", "LOG_LEVEL": "DEBUG"}) == "WARNING"
    assert level_from({"LOG_LEVEL": "debug"}) == "DEBUG"
    assert level_from({}) == "INFO"
