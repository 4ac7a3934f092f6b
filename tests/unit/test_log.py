"""The function's logger writes the lines Powertools' Logger would: the dashboard's Logs Insights queries, metric
filters and anyone's saved searches read those keys. Both log the same calls here, made on one line each (the
``location`` key names the caller's line) at a frozen clock, so every line must be equal, timestamp included."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import logger as powertools_logger

from crossrotate import log
from crossrotate.log import JsonLogger, level_number, timestamp
from crossrotate.settings import Settings

FROZEN_NS = 1_764_483_827_551_234_567
"""2025-11-30 06:23:47.551234567 UTC: what both loggers read as now."""


class Context:
    function_name = "crossrotate-rotator"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:crossrotate-rotator"
    aws_request_id = "6f1e4a52-0000-4000-8000-000000000001"


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[JsonLogger, Logger, io.StringIO, io.StringIO]]:
    """Ours writing to ``sys.stdout`` (the test swaps it: pytest sets its own when the test starts), Powertools'
    to a stream of its own, both at a frozen clock."""
    our_stream, their_stream = io.StringIO(), io.StringIO()
    monkeypatch.setattr(time, "time_ns", lambda: FROZEN_NS)
    monkeypatch.setattr(time, "time", lambda: FROZEN_NS / 1e9)
    theirs = Logger(service="crossrotate", stream=their_stream)
    powertools_logger.is_cold_start = True
    ours = JsonLogger(Settings({}))
    yield ours, theirs, our_stream, their_stream
    stdlib = logging.getLogger("crossrotate")
    stdlib.handlers.clear()
    for attribute in ("init", "powertools_handler", "powertools_buffer_config", "powertools_buffer_cache"):
        if hasattr(stdlib, attribute):
            delattr(stdlib, attribute)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_the_one_powertools_writes(
    both: tuple[JsonLogger, Logger, io.StringIO, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs, our_stream, their_stream = both
    monkeypatch.setattr(sys, "stdout", our_stream)
    reset = {"request_id": "req-1", "count": 3, "ok": True, "none": None}
    failed = {"code": "InvalidSecret", "retryable": False}

    def step(event: dict[str, Any], context: Any) -> None:
        for each in (ours, theirs):
            each.append_keys(secret_id=event["secret"], step="setSecret", version="v1")
        ours.info("password reset", extra=reset); theirs.info("password reset", extra=reset)  # fmt: skip # noqa: E702
        ours.warning("retrying %s", "x", extra={}); theirs.warning("retrying %s", "x", extra={})  # fmt: skip # noqa: E702
        for each in (ours, theirs):
            each.remove_keys(["step"])
        ours.info("ünïcode", extra={"d": {"a": [1]}}); theirs.info("ünïcode", extra={"d": {"a": [1]}})  # fmt: skip # noqa: E702
        ours.error("rotation failed", extra=failed); theirs.error("rotation failed", extra=failed)  # fmt: skip # noqa: E702
        ours.debug("not at INFO"); theirs.debug("not at INFO")  # fmt: skip # noqa: E702

    handler = ours.inject_lambda_context(theirs.inject_lambda_context(step, clear_state=True, log_event=False))
    handler({"secret": "app/db"}, Context())
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")
    handler({"secret": "app/other"}, Context())  # a warm invocation: the first one's keys are gone

    written, expected = lines(our_stream), lines(their_stream)
    assert len(written) == 8
    assert written == expected
    assert [list(line) for line in written] == [list(line) for line in expected]  # the keys' order too
    assert [line["cold_start"] for line in written] == [True] * 4 + [False] * 4
    assert written[1]["message"] == "retrying x"
    assert written[4]["secret_id"] == "app/other"
    assert written[4]["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert written[0]["timestamp"].startswith("2025-11-30 06:23:47,551")


def test_the_timestamp_is_the_standard_librarys() -> None:
    """Milliseconds as a LogRecord computes them, across the second boundary the parts are cached by."""
    formatter = logging.Formatter("%(asctime)s")
    for ns in (FROZEN_NS, FROZEN_NS + 448_000_000, FROZEN_NS + 449_000_000, 1_000_000_000, 999_000_000):
        record = logging.makeLogRecord({})
        record.created, record.msecs = ns / 1e9, (ns // 1_000_000) % 1000
        ours = timestamp(ns)
        assert ours.startswith(formatter.formatTime(record, "%Y-%m-%d %H:%M:%S"))
        assert ours[19:23] == f",{(ns // 1_000_000) % 1000:03d}"


def test_a_line_follows_a_swapped_stdout_and_the_level(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = JsonLogger(Settings({"LOG_LEVEL": "warning"}))
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    ours.info("dropped")
    ours.warning("kept")
    monkeypatch.setattr(sys, "stdout", second)
    ours.setLevel("DEBUG")
    ours.debug("now kept")
    assert [line["message"] for line in lines(first)] == ["kept"]
    assert [(line["level"], line["message"]) for line in lines(second)] == [("DEBUG", "now kept")]
    assert lines(first)[0]["location"].startswith("test_a_line_follows_a_swapped_stdout_and_the_level:")


def test_an_unknown_level_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        JsonLogger(Settings({"LOG_LEVEL": "loud"}))
    assert level_number("warn") == level_number("WARNING") == 30
    assert log.logger.level == level_number(Settings({}).log_level)


def test_the_level_comes_from_the_environment() -> None:
    assert Settings({"POWERTOOLS_LOG_LEVEL": "warning", "LOG_LEVEL": "DEBUG"}).log_level == "WARNING"
    assert Settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert Settings({}).log_level == "INFO"
