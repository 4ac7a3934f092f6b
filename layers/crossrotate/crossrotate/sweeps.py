"""Sweeps: an action (``verify`` or ``rotate``) over every secret whose rotation function is this one. Secrets whose
rotation an operator turned off are skipped without a call. Without a sweep queue a sweep runs inline
(:func:`sweep_inline`: small fleets, local runs); with one, a sweep only plans, and the same function works the
queue in batches:

- :func:`plan_sweep` lists the secrets whose rotation function is this one, skips those whose rotation is off,
  and queues one message per secret, ``{"action", "secret_id", "sweep"}``, 10 per ``SendMessageBatch``. If the
  invocation's deadline comes near it stops with ``SweepIncomplete`` (retryable), saying how far it got; a
  retried sweep queues everything again, which is safe: ``verify`` changes nothing, and a ``rotate`` record's
  token comes from the secret and the sweep, so the second copy starts nothing.
- :func:`work_batch` takes the SQS records the event source mapping delivers (Powertools' batch utility): each is
  one action on one secret. A retryable failure goes back in ``batchItemFailures`` (retried after the visibility
  timeout, then dead-lettered); a fatal one, a malformed body included, is logged and counted, not retried.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from . import metrics
from .actions import SECRET_RESERVE_S, SecretResult, run_action, run_one
from .dependencies import Dependencies
from .errors import RotationError, RotationTurnedOff, own
from .events import MAX_SECRET_ID, SWEEP_ACTIONS, ActionRequest
from .log import logger, unexpected_failure

BATCH = 10
"""SendMessageBatch's limit."""
PLAN_RESERVE_S = 5.0
"""The planner stops with this much of the invocation left, to report how far it got."""
MAX_SWEEP_ID = 256


def sweep(action: str, delivery_id: str | None, deps: Dependencies) -> dict[str, Any]:
    """A sweep: planned onto the sweep queue when there is one, else run inline (small fleets, local runs)."""
    if deps.sweep_queue is None:
        return sweep_inline(action, delivery_id, deps)
    return plan_sweep(action, delivery_id or deps.request_id, deps)


class Rotated(NamedTuple):
    """The secrets whose rotation function is this one, as ``ListSecrets`` found them."""

    enabled: tuple[str, ...]
    turned_off: tuple[str, ...]


def rotated_secrets(deps: Dependencies) -> Rotated:
    listed = deps.store.rotated_by(deps.function_arn)
    return Rotated(
        tuple(secret.arn for secret in listed if secret.rotation_enabled),
        tuple(secret.arn for secret in listed if not secret.rotation_enabled),
    )


def sweep_inline(action: str, delivery_id: str | None, deps: Dependencies) -> dict[str, Any]:
    """``action`` on every secret in turn, in this invocation (and any turned off while the sweep runs is
    skipped when it is reached)."""
    rotated = rotated_secrets(deps)
    logger.info("sweep", extra={"sweep_action": action, "secrets": len(rotated.enabled) + len(rotated.turned_off)})
    document = run_action(ActionRequest(action, rotated.enabled, delivery_id), deps, sweep=True)
    off = [
        SecretResult(arn, "skipped", code=RotationTurnedOff.CODE, message="rotation is turned off").as_dict()
        for arn in rotated.turned_off
    ]
    document["results"] += off
    document["skipped"] += len(off)
    return document


def plan_sweep(action: str, sweep_id: str, deps: Dependencies) -> dict[str, Any]:
    """Queue one message per secret this function rotates; skip those whose rotation is off."""
    if deps.sweep_queue is None:
        raise own("InvalidConfiguration", "plan_sweep needs SWEEP_QUEUE_URL")
    enabled, turned_off = rotated_secrets(deps)
    skipped = len(turned_off)
    queued = 0
    for start in range(0, len(enabled), BATCH):
        if deps.too_late_for(PLAN_RESERVE_S):
            logger.error("sweep incomplete", extra={"sweep": sweep_id, "queued": queued, "secrets": len(enabled)})
            raise own(
                "SweepIncomplete",
                f"sweep {sweep_id}: the invocation's time ran out after queueing {queued} of {len(enabled)} secrets "
                f"(up to {enabled[start - 1] if start else 'none'})",
            )
        bodies = [
            json.dumps({"action": action, "secret_id": arn, "sweep": sweep_id}, separators=(",", ":"))
            for arn in enabled[start : start + BATCH]
        ]
        deps.sweep_queue.send_batch(bodies)
        queued += len(bodies)
    metrics.sweep_planned(action, queued, skipped)
    logger.info(
        "sweep planned", extra={"sweep": sweep_id, "sweep_action": action, "queued": queued, "skipped": skipped}
    )
    return {"action": action, "sweep": sweep_id, "queued": queued, "skipped": skipped}


class SweepMessage(NamedTuple):
    action: str
    secret_id: str
    sweep: str


def parse_message(body: object) -> SweepMessage:
    """A queued message, validated; anything else is ``InvalidEvent`` (fatal: a redelivery would be as bad)."""
    try:
        message = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        raise own("InvalidEvent", "a sweep message is not JSON") from None
    if not isinstance(message, dict) or set(message) != {"action", "secret_id", "sweep"}:
        raise own("InvalidEvent", "a sweep message must be exactly {action, secret_id, sweep}")
    action, secret_id, sweep = message["action"], message["secret_id"], message["sweep"]
    if action not in SWEEP_ACTIONS:
        raise own("InvalidEvent", f"a sweep message's action must be one of {', '.join(SWEEP_ACTIONS)}")
    for name, value, limit in (("secret_id", secret_id, MAX_SECRET_ID), ("sweep", sweep, MAX_SWEEP_ID)):
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            raise own("InvalidEvent", f"a sweep message's {name} must be a string of 1 to {limit} characters")
    return SweepMessage(action, secret_id, sweep)


class RecordFailed(Exception):
    """Puts a record in ``batchItemFailures``: its failure was retryable."""


def work_record(body: object, message_id: str, deps: Dependencies) -> None:
    """One record: the action on its secret. Raises :class:`RecordFailed` for a retryable failure; anything else
    (a malformed body, a defect) is logged with the record's ``messageId`` and counted, and the record is done:
    a redelivery would fail the same way."""
    if deps.too_late_for(SECRET_RESERVE_S):
        raise RecordFailed("NotReached")  # no time left in this invocation: back to the queue
    try:
        message = parse_message(body)
        result = run_one(message.action, message.secret_id, message.sweep, deps, sweep=True)
    except Exception as raised:  # noqa: BLE001 - one record's failure must not fail or retry the others
        error = raised if isinstance(raised, RotationError) else unexpected_failure(raised)
        metrics.classified_failure(error)
        logger.error("sweep record", extra={"message_id": message_id, "outcome": "failed", **error.log_fields()})
        return
    fields = {"outcome": result.outcome, "code": result.code, "retryable": result.retryable}
    logger.info(
        "sweep record",
        extra={"message_id": message_id, "sweep": message.sweep, "sweep_action": message.action, **fields},
    )
    if result.outcome == "failed" and result.retryable:
        raise RecordFailed(str(result.code))


def work_batch(event: dict[str, Any], deps: Dependencies) -> dict[str, Any]:
    """The records of one delivery; ``{"batchItemFailures": [...]}`` names those to retry."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def handle(record: SQSRecord) -> None:
        work_record(record.raw_event.get("body"), str(record.raw_event.get("messageId"))[:128], deps)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response: dict[str, Any] = dict(process_partial_response(event=event, record_handler=handle, processor=processor))
    return response
