"""The function writes its EMF lines itself: each must be the very line Powertools' ``single_metric`` writes for
the same metric, byte for byte but the timestamp, with or without a service name in the environment."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from crossrotate import metrics, settings
from crossrotate.errors import RetryableRotationError, own

TIMESTAMP = re.compile(r'"Timestamp":\d+')

# (what the function writes, what Powertools is asked for: name, unit, value, dimensions in order)
CASES: list[tuple[Callable[[], None], tuple[str, MetricUnit, float, dict[str, str]]]] = [
    (
        lambda: metrics.success("Step", "createSecret", "tencentcloud-postgres"),
        ("StepSucceeded", MetricUnit.Count, 1, {"Provider": "tencentcloud-postgres", "Step": "createSecret"}),
    ),
    (
        lambda: metrics.failure("Action", "verify", own("InvalidSecret", "bad")),
        ("ActionFailed", MetricUnit.Count, 1, {"Action": "verify", "FailureClass": "Fatal"}),
    ),
    (
        lambda: metrics.failure("Step", "setSecret", RetryableRotationError("X", "y"), "alibabacloud-rds"),
        (
            "StepFailed",
            MetricUnit.Count,
            1,
            {"Provider": "alibabacloud-rds", "Step": "setSecret", "FailureClass": "Retryable"},
        ),
    ),
    (
        lambda: metrics.classified_failure(RetryableRotationError("X", "y", unclassified=True)),
        ("Failures", MetricUnit.Count, 1, {"FailureClass": "Unclassified"}),
    ),
    (lambda: metrics.handled_error(), ("HandledErrors", MetricUnit.Count, 1, {})),
    (
        lambda: metrics.provider_call("tencentcloud-mysql", "DescribeAccounts", 12.345),
        (
            "ProviderCallLatency",
            MetricUnit.Milliseconds,
            12.345,
            {"Provider": "tencentcloud-mysql", "Action": "DescribeAccounts"},
        ),
    ),
    (
        lambda: metrics.retry("alibabacloud-polardb", "reset password"),
        ("Retries", MetricUnit.Count, 1, {"Provider": "alibabacloud-polardb", "Operation": "reset password"}),
    ),
]


def powertools_line(name: str, unit: MetricUnit, value: float, dimensions: dict[str, str]) -> None:
    with single_metric(name=name, unit=unit, value=value, namespace=metrics.NAMESPACE) as metric:
        for dimension, label in dimensions.items():
            metric.add_dimension(name=dimension, value=label)


@pytest.mark.parametrize("service", ["crossrotate", None])
@pytest.mark.parametrize(("ours", "theirs"), CASES, ids=[case[1][0] + str(i) for i, case in enumerate(CASES)])
def test_each_line_is_the_line_powertools_writes(
    ours: Callable[[], None],
    theirs: tuple[str, MetricUnit, float, dict[str, str]],
    service: str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if service is None:
        monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    else:
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
    settings.current()  # what an invocation does first
    before = int(time.time() * 1000)
    ours()
    powertools_line(*theirs)
    after = int(time.time() * 1000)
    written, expected = capsys.readouterr().out.splitlines()
    assert TIMESTAMP.sub('"Timestamp":0', written) == TIMESTAMP.sub('"Timestamp":0', expected)
    assert before <= json.loads(written)["_aws"]["Timestamp"] <= after
    assert ("service" in json.loads(written)) is (service is not None)


def test_a_sweep_plan_writes_both_counts(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.sweep_planned("verify", 40, 2)
    queued, skipped = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (queued["SweepQueued"], queued["Action"]) == ([40.0], "verify")
    assert (skipped["SweepSkipped"], skipped["Action"]) == ([2.0], "verify")
