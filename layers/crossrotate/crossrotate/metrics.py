"""CloudWatch metrics, written as EMF lines (Powertools ``single_metric``) in the namespace ``crossrotate``.

- ``StepSucceeded`` / ``StepFailed`` by ``Provider``, ``Step`` (and ``FailureClass`` on failures);
- ``ActionSucceeded`` / ``ActionFailed`` by ``Action`` (and ``FailureClass``), once per secret;
- ``Failures`` by ``FailureClass`` alone (``Retryable``, ``Fatal``, ``Unclassified``), once per failure: what
  the alarms watch;
- ``HandledErrors``: invocations that ended in a classified error, which Lambda counts in its ``Errors`` too:
  ``Errors`` minus this is what the function never saw (timeouts, running out of memory, a crash at start);
- ``SweepQueued`` / ``SweepSkipped`` by ``Action``: what a sweep's planner queued for the workers, and skipped;
- ``ProviderCallLatency`` (milliseconds) by ``Provider`` and ``Action``, ``Retries`` by ``Provider`` and
  ``Operation``.

Only names, codes and classes are dimensions: never a secret id, never a value.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from .errors import RotationError

NAMESPACE = "crossrotate"


def _emit(name: str, value: float, unit: MetricUnit, **dimensions: str) -> None:
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        for dimension, label in dimensions.items():
            metric.add_dimension(name=dimension, value=label)


def failure_class(error: RotationError) -> str:
    if error.unclassified:
        return "Unclassified"
    return "Retryable" if error.retryable else "Fatal"


def success(kind: str, name: str, provider: str | None = None) -> None:
    """``StepSucceeded`` (with the secret's provider) or ``ActionSucceeded``."""
    _emit(f"{kind}Succeeded", 1, MetricUnit.Count, **_dimensions(kind, name, provider))


def failure(kind: str, name: str, error: RotationError, provider: str | None = None) -> None:
    dimensions = _dimensions(kind, name, provider)
    _emit(f"{kind}Failed", 1, MetricUnit.Count, **dimensions, FailureClass=failure_class(error))


def _dimensions(kind: str, name: str, provider: str | None) -> dict[str, str]:
    return {"Provider": provider, kind: name} if provider is not None else {kind: name}


def classified_failure(error: RotationError) -> None:
    """One failure for the alarms: counted once, wherever it ends (a raised step, one secret of an action)."""
    _emit("Failures", 1, MetricUnit.Count, FailureClass=failure_class(error))


def handled_error() -> None:
    _emit("HandledErrors", 1, MetricUnit.Count)


def provider_call(provider: str, action: str, milliseconds: float) -> None:
    _emit("ProviderCallLatency", milliseconds, MetricUnit.Milliseconds, Provider=provider, Action=action)


def retry(provider: str, operation: str) -> None:
    _emit("Retries", 1, MetricUnit.Count, Provider=provider, Operation=operation)


def sweep_planned(action: str, queued: int, skipped: int) -> None:
    _emit("SweepQueued", queued, MetricUnit.Count, Action=action)
    _emit("SweepSkipped", skipped, MetricUnit.Count, Action=action)
