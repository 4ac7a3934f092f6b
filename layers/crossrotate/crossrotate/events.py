"""The invocation shapes the function accepts, parsed and validated before anything is read or changed:

- a Secrets Manager rotation step: ``{"Step", "SecretId", "ClientRequestToken", "RotationToken"?}``;
- an action: ``{"action": "rotate" | "verify" | "cancel" | "adopt", "secret_id" | "secret_ids"}``, by hand or as
  the input of an EventBridge rule or Scheduler schedule, optionally naming its delivery (``scheduled_time``, ``id`` or
  ``execution_id``: Scheduler's ``<aws.scheduler.scheduled-time>``, an event's id, Scheduler's
  ``<aws.scheduler.execution-id>``);
- a sweep: a bare EventBridge "Scheduled Event" (``source`` ``aws.events``), or ``{"action": "verify" |
  "rotate", "all": true}``;
- records from the sweep queue (Lambda's SQS event source mapping): ``{"Records": [{"eventSource": "aws:sqs",
  …}]}``, each body checked when its record is worked (a bad one fails alone).

The delivery is named by the first of those keys present, in that order: Scheduler gives each retry of a firing
a new execution id but the same scheduled time, so the scheduled time is what makes a retried firing the same
delivery.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .errors import own

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_SECRET_ID = 2048
MAX_ROTATION_TOKEN = 8192
MAX_SECRETS = 100
DELIVERY_KEYS = ("scheduled_time", "id", "execution_id")
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
ACTIONS = ("rotate", "verify", "cancel", "adopt")
SWEEP_ACTIONS = ("verify", "rotate")


class StepRequest(NamedTuple):
    """One step of a Secrets Manager rotation, as the service invokes it."""

    step: str
    secret_id: str
    token: str
    rotation_token: str | None

    def __repr__(self) -> str:  # the rotation token is a credential
        return f"StepRequest({self.step}, {self.secret_id}, {self.token})"


class ActionRequest(NamedTuple):
    action: str
    secret_ids: tuple[str, ...]
    delivery_id: str | None
    """What identifies this delivery (Scheduler's scheduled time, an event's id); None: the Lambda request id."""


class Sweep(NamedTuple):
    """The action over every secret this function rotates: a bare EventBridge "Scheduled Event" (the action is
    SCHEDULED_ACTION) or ``{"action", "all": true}``."""

    action: str | None
    delivery_id: str | None


class SweepBatch(NamedTuple):
    """Records from the sweep queue, as Lambda's SQS event source mapping delivers them."""

    event: dict[str, Any]


def is_sweep_batch(event: dict[str, Any]) -> bool:
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(record, dict) and record.get("eventSource") == "aws:sqs" for record in records)
    )


Request = StepRequest | ActionRequest | Sweep | SweepBatch


def _string(event: dict[str, Any], key: str, limit: int) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise own("InvalidEvent", f"'{key}' must be a non-empty string")
    if len(value) > limit:
        raise own("InvalidEvent", f"'{key}' is longer than {limit} characters")
    return value


def parse_event(event: object) -> Request:
    """One of the four shapes; anything else is a FatalRotationError(InvalidEvent)."""
    if not isinstance(event, dict):
        raise own("InvalidEvent", "the event is not a JSON object")
    if "action" in event:
        return _action(event)
    if is_sweep_batch(event):
        return SweepBatch(event)
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return Sweep(action=None, delivery_id=_string(event, "id", 256))
    if "Step" not in event:
        raise own("InvalidEvent", "not a rotation step, an action or a scheduled event: it has no 'Step'")
    return _step(event)


def _delivery(event: dict[str, Any]) -> str | None:
    return next((_string(event, key, 256) for key in DELIVERY_KEYS if event.get(key) is not None), None)


def _action(event: dict[str, Any]) -> ActionRequest | Sweep:
    action = event["action"]
    if action not in ACTIONS:
        raise own("InvalidEvent", f"'action' must be one of {', '.join(ACTIONS)}")
    if "all" in event:
        if event["all"] is not True or "secret_id" in event or "secret_ids" in event:
            raise own("InvalidEvent", "'all' must be true, without 'secret_id' or 'secret_ids'")
        if action not in SWEEP_ACTIONS:
            raise own("InvalidEvent", f"'all' applies only to {', '.join(SWEEP_ACTIONS)}")
        return Sweep(action=action, delivery_id=_delivery(event))
    if ("secret_id" in event) == ("secret_ids" in event):
        raise own("InvalidEvent", "an action names exactly one of 'secret_id', 'secret_ids' and 'all'")
    if "secret_id" in event:
        secret_ids: tuple[str, ...] = (_string(event, "secret_id", MAX_SECRET_ID),)
    else:
        listed = event["secret_ids"]
        if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_SECRETS:
            raise own("InvalidEvent", f"'secret_ids' must be a list of 1 to {MAX_SECRETS} secret ids")
        secret_ids = tuple(_string({"secret_ids": item}, "secret_ids", MAX_SECRET_ID) for item in listed)
    return ActionRequest(action=action, secret_ids=secret_ids, delivery_id=_delivery(event))


def _step(event: dict[str, Any]) -> StepRequest:
    step = event["Step"]
    if step not in STEPS:
        raise own("InvalidEvent", f"'Step' must be one of {', '.join(STEPS)}")
    secret_id = _string(event, "SecretId", MAX_SECRET_ID)
    token = _string(event, "ClientRequestToken", 64)
    if not TOKEN.fullmatch(token):
        raise own("InvalidEvent", "'ClientRequestToken' is not a version id")
    rotation_token = None
    if event.get("RotationToken") is not None:
        rotation_token = _string(event, "RotationToken", MAX_ROTATION_TOKEN)
    return StepRequest(step=step, secret_id=secret_id, token=token, rotation_token=rotation_token)
