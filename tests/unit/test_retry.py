"""Backoff inside the invocation, with a virtual clock: no test waits for real."""

from __future__ import annotations

import random

import pytest
from conftest import VirtualClock

from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.retry import Backoff, with_retries


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def throttled(retry_after: float | None = None) -> RetryableRotationError:
    return RetryableRotationError("RequestLimitExceeded", "slow down", retry_after=retry_after)


def test_retryable_failures_are_retried_until_success(clock: VirtualClock) -> None:
    call = Flaky([throttled(), throttled()])
    assert with_retries(call, clock=clock, deadline=100, what="x") == "done"
    assert call.calls == 3
    assert len(clock.sleeps) == 2


def test_delays_grow_exponentially_with_full_jitter(clock: VirtualClock) -> None:
    backoff = Backoff(base=1.0, cap=100.0, max_attempts=6, reserve=0)
    call = Flaky([throttled() for _ in range(5)])
    with_retries(call, clock=clock, deadline=1000, what="x", backoff=backoff, rng=random.Random(7))
    for attempt, delay in enumerate(clock.sleeps, start=1):
        assert 0 <= delay <= 2**attempt
    assert len(set(clock.sleeps)) == 5


def test_the_providers_retry_after_is_a_lower_bound(clock: VirtualClock) -> None:
    call = Flaky([throttled(retry_after=3.5)])
    with_retries(call, clock=clock, deadline=100, what="x", backoff=Backoff(base=0.01, reserve=0))
    assert clock.sleeps == [3.5]


def test_fatal_failures_are_not_retried(clock: VirtualClock) -> None:
    call = Flaky([FatalRotationError("InvalidParameter", "no")])
    with pytest.raises(FatalRotationError):
        with_retries(call, clock=clock, deadline=100, what="x")
    assert call.calls == 1
    assert clock.sleeps == []


def test_attempts_are_bounded(clock: VirtualClock) -> None:
    call = Flaky([throttled() for _ in range(10)])
    with pytest.raises(RetryableRotationError):
        with_retries(call, clock=clock, deadline=10_000, what="x", backoff=Backoff(max_attempts=4))
    assert call.calls == 4


def test_no_attempt_starts_that_could_outlive_the_deadline(clock: VirtualClock) -> None:
    call = Flaky([throttled(retry_after=5.0) for _ in range(10)])
    with pytest.raises(RetryableRotationError):
        with_retries(call, clock=clock, deadline=20, what="x", backoff=Backoff(reserve=10, max_attempts=10))
    # Attempts start at 0, 5 and 10 (each leaves the 10 s reserve); one at 15 would leave 5 s, so none starts.
    assert call.calls == 3
    assert clock.elapsed == 10.0
