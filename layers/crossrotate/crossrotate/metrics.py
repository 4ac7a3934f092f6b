"""CloudWatch metrics, written as EMF lines in the namespace ``crossrotate``, one line per metric: exactly the
line Powertools' ``single_metric`` writes (``tests/unit/test_metrics.py`` holds them equal), written directly.

- ``StepSucceeded`` / ``StepFailed`` by ``Provider``, ``Step`` (and ``FailureClass`` on failures);
- ``ActionSucceeded`` / ``ActionFailed`` by ``Action`` (and ``FailureClass``), once per secret;
- ``Failures`` by ``FailureClass`` alone (``Retryable``, ``Fatal``, ``Unclassified``), once per failure: what
  the alarms watch;
- ``HandledErrors``: invocations that ended in a classified error, which Lambda counts in its ``Errors`` too:
  ``Errors`` minus this is what the function never saw (timeouts, running out of memory, a crash at start);
- ``SweepQueued`` / ``SweepSkipped`` by ``Action``: what a sweep's planner queued for the workers, and skipped;
- ``ProviderCallLatency`` (milliseconds) by ``Provider`` and ``Action``, ``Retries`` by ``Provider`` and
  ``Operation``.

Only names, codes and classes are dimensions: never a secret id, never a value. As with Powertools, the service
(``POWERTOOLS_SERVICE_NAME``, from the invocation's settings) is one more dimension, last.

Why not ``single_metric`` itself: it builds a metrics object per line (listing the unit and resolution enums each
time) and takes about 55 µs a line in the Lambda runtime, this about 10 µs; a rotation writes six or more. Nor does
a step import ``aws_lambda_powertools`` at all (about 10 ms of a fresh sandbox): only a sweep worker's batch does.
"""

from __future__ import annotations

import functools
import json
import time

from . import settings
from .errors import RotationError

NAMESPACE = "crossrotate"
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
"""Made once: ``json.dumps`` with any argument of its own builds a new encoder for every line."""
COUNT = "Count"
MILLISECONDS = "Milliseconds"


def _emit(name: str, value: float, unit: str, **dimensions: str) -> None:
    """One EMF line on stdout (``print``, as Powertools writes it, so it follows a swapped ``sys.stdout``)."""
    service = settings.held().service_name
    if service:
        dimensions["service"] = service
    before, after = _template(name, unit, tuple(dimensions.items()))
    print(f"{before}{int(time.time() * 1000)}{after}{float(value)!r}]}}")


@functools.lru_cache(maxsize=256)
def _template(name: str, unit: str, dimensions: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The line of one metric and set of dimensions around its timestamp and value, encoded once: all that
    changes from one line to the next is those two numbers (and the names and classes are few)."""
    document = {
        "_aws": {
            "Timestamp": 0,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[key for key, _ in dimensions]],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **dict(dimensions),
        name: [0.0],
    }
    encoded = _ENCODE(document)
    before, rest = encoded.split("0", 1)  # the timestamp is the document's first digit
    return before, rest.removesuffix("0.0]}")


def failure_class(error: RotationError) -> str:
    if error.unclassified:
        return "Unclassified"
    return "Retryable" if error.retryable else "Fatal"


def success(kind: str, name: str, provider: str | None = None) -> None:
    """``StepSucceeded`` (with the secret's provider) or ``ActionSucceeded``."""
    _emit(f"{kind}Succeeded", 1, COUNT, **_dimensions(kind, name, provider))


def failure(kind: str, name: str, error: RotationError, provider: str | None = None) -> None:
    dimensions = _dimensions(kind, name, provider)
    _emit(f"{kind}Failed", 1, COUNT, **dimensions, FailureClass=failure_class(error))


def _dimensions(kind: str, name: str, provider: str | None) -> dict[str, str]:
    return {"Provider": provider, kind: name} if provider is not None else {kind: name}


def classified_failure(error: RotationError) -> None:
    """One failure for the alarms: counted once, wherever it ends (a raised step, one secret of an action)."""
    _emit("Failures", 1, COUNT, FailureClass=failure_class(error))


def handled_error() -> None:
    _emit("HandledErrors", 1, COUNT)


def provider_call(provider: str, action: str, milliseconds: float) -> None:
    _emit("ProviderCallLatency", milliseconds, MILLISECONDS, Provider=provider, Action=action)


def retry(provider: str, operation: str) -> None:
    _emit("Retries", 1, COUNT, Provider=provider, Operation=operation)


def sweep_planned(action: str, queued: int, skipped: int) -> None:
    _emit("SweepQueued", queued, COUNT, Action=action)
    _emit("SweepSkipped", skipped, COUNT, Action=action)
