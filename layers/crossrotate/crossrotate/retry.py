"""Retry retryable failures inside the invocation: exponential backoff with full jitter, the provider's
retry-after hint honoured, and never past the invocation's deadline (then the error goes to the caller).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from . import metrics
from .errors import RetryableRotationError
from .log import logger
from .ports import Clock

T = TypeVar("T")


class Backoff(NamedTuple):
    base: float = 0.5
    cap: float = 8.0
    max_attempts: int = 5
    reserve: float = 10.0
    """Seconds one more attempt may take (the HTTP timeout): no attempt starts unless this much is left."""

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter on ``base * 2**attempt`` (capped), but never sooner than the provider asked."""
        jittered = rng.uniform(0, min(self.cap, self.base * 2**attempt))
        return max(jittered, retry_after or 0.0)


API_BACKOFF = Backoff()
"""What provider and AWS calls use."""
_JITTER = random.Random()
"""The process's jitter: seeding a generator reads the system's randomness, too much to do for every call."""


def with_retries(
    call: Callable[[], T],
    *,
    clock: Clock,
    deadline: float,
    what: str,
    provider: str = "none",
    backoff: Backoff = API_BACKOFF,
    rng: random.Random | None = None,
) -> T:
    """``call()``, repeated while it raises RetryableRotationError and attempts and time remain."""
    rng = rng or _JITTER
    attempt = 0
    while True:
        try:
            return call()
        except RetryableRotationError as error:
            attempt += 1
            delay = backoff.delay(attempt, error.retry_after, rng)
            out_of_time = clock.monotonic() + delay + backoff.reserve > deadline
            if attempt >= backoff.max_attempts or out_of_time:
                logger.warning(
                    "giving up on %s", what, extra={"code": error.code, "attempts": attempt, "out_of_time": out_of_time}
                )
                raise
            logger.info("retrying %s", what, extra={"code": error.code, "attempt": attempt, "delay_s": round(delay, 3)})
            metrics.retry(provider, what)
            clock.sleep(delay)
