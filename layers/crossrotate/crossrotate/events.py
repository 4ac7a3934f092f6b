"""The invocation shapes the function accepts, parsed and validated before anything is read or changed."""

from __future__ import annotations

import re
from typing import Any

from .errors import fatal
from .protocol import STEPS, StepRequest

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_SECRET_ID = 2048
MAX_ROTATION_TOKEN = 8192


def _string(event: dict[str, Any], key: str, limit: int) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise fatal("InvalidEvent", f"'{key}' must be a non-empty string")
    if len(value) > limit:
        raise fatal("InvalidEvent", f"'{key}' is longer than {limit} characters")
    return value


def parse_event(event: object) -> StepRequest:
    """A Secrets Manager rotation step event; anything else is a FatalRotationError(InvalidEvent)."""
    if not isinstance(event, dict):
        raise fatal("InvalidEvent", "the event is not a JSON object")
    if "Step" not in event:
        raise fatal("InvalidEvent", "not a rotation step event: it has no 'Step'")
    step = event["Step"]
    if step not in STEPS:
        raise fatal("InvalidEvent", f"'Step' must be one of {', '.join(STEPS)}")
    secret_id = _string(event, "SecretId", MAX_SECRET_ID)
    token = _string(event, "ClientRequestToken", 64)
    if not TOKEN.match(token):
        raise fatal("InvalidEvent", "'ClientRequestToken' is not a version id")
    rotation_token = None
    if event.get("RotationToken") is not None:
        rotation_token = _string(event, "RotationToken", MAX_ROTATION_TOKEN)
    return StepRequest(step=step, secret_id=secret_id, token=token, rotation_token=rotation_token)
