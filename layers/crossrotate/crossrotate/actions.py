"""The actions an operator or a schedule asks for: ``rotate`` (start a rotation now) and ``verify`` (check,
change nothing), over one or more secrets, and the sweep a bare EventBridge schedule triggers.

``rotate`` is idempotent per delivery: the ``ClientRequestToken`` is derived from the secret and the
delivery's identity, and a secret that already has a version with that token was started by this very
delivery, so a redelivered event starts nothing. A pending version under another token means a rotation is
in progress: that is reported (``RotationInProgress``), not retried.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import metrics
from .errors import FatalRotationError, RetryableRotationError, RotationError
from .log import logger
from .ports import CURRENT, PENDING, DatabaseProbe, ProviderFactory, SecretStore
from .protocol import account_ready
from .secret import parse_secret

ACTIONS = ("rotate", "verify")


@dataclass(frozen=True)
class ActionRequest:
    action: str
    secret_ids: tuple[str, ...]
    delivery_id: str | None
    """What identifies this delivery (Scheduler execution, event id); None: the Lambda request id."""


@dataclass(frozen=True)
class ScheduledSweep:
    """A bare EventBridge "Scheduled Event": apply SCHEDULED_ACTION to every secret this function rotates."""

    delivery_id: str


@dataclass
class ActionDependencies:
    store: SecretStore
    providers: ProviderFactory
    probe: DatabaseProbe | None
    function_arn: str
    request_id: str


def rotation_token(secret_id: str, delivery_id: str) -> str:
    """A version id (UUID form) that only this secret and this delivery produce."""
    digest = hashlib.sha256(f"{secret_id}\n{delivery_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def start_rotation(secret_id: str, delivery_id: str, deps: ActionDependencies) -> str:
    token = rotation_token(secret_id, delivery_id)
    metadata = deps.store.describe(secret_id)
    if token in metadata.versions:
        return "rotation already started by this delivery"
    pending = metadata.version_with(PENDING)
    if pending and CURRENT not in metadata.versions[pending]:
        raise FatalRotationError("RotationInProgress", f"version {pending} of {metadata.name} is still AWSPENDING")
    if not metadata.rotation_lambda_arn:
        raise FatalRotationError("RotationNotEnabled", f"{metadata.name} has no rotation function")
    deps.store.rotate(secret_id, token)
    return f"rotation started as version {token}"


def verify(secret_id: str, delivery_id: str, deps: ActionDependencies) -> str:
    """Well-formed, API key accepted, account usable, and (with host) the current password logs in."""
    value = deps.store.get_value(secret_id, stage=CURRENT)
    if value is None:
        raise FatalRotationError("SecretNotFound", f"{secret_id} does not exist or has no AWSCURRENT version")
    current = parse_secret(value.secret_string, "AWSCURRENT")
    state = deps.providers(current).account_state()
    if not account_ready(state, current):
        raise RetryableRotationError(
            "AccountNotReady", f"{current.username} on {current.instance_id} is still {state.status}"
        )
    if deps.probe and current.host and not deps.probe.can_log_in(current):
        raise FatalRotationError("CurrentPasswordRejected", f"AWSCURRENT's password does not log in to {current.host}")
    return "secret, API key, account and login are good" if current.host else "secret, API key and account are good"


ACTION_FUNCTIONS: dict[str, tuple[Callable[[str, str, ActionDependencies], str], str]] = {
    "rotate": (start_rotation, "started"),
    "verify": (verify, "verified"),
}


def run_action(request: ActionRequest, deps: ActionDependencies) -> dict[str, Any]:
    """Each secret in turn; a failure of one does not stop the others. Raises RetryableRotationError after
    listing the results when any failure is retryable, so Lambda's async retry and destination take over."""
    function, success = ACTION_FUNCTIONS[request.action]
    delivery_id = request.delivery_id or deps.request_id
    results = []
    for secret_id in request.secret_ids:
        result: dict[str, Any] = {"secret_id": secret_id, "outcome": success, "retryable": False, "code": None}
        try:
            result["message"], result["request_id"] = function(secret_id, delivery_id, deps), None
        except RotationError as error:
            result.update(
                outcome="failed", **{k: error.as_dict()[k] for k in ("retryable", "code", "message", "request_id")}
            )
            metrics.failure("Action", request.action, error)
        else:
            metrics.success("Action", request.action)
        results.append(result)
    failed = sum(r["outcome"] == "failed" for r in results)
    document = {"action": request.action, "results": results, "succeeded": len(results) - failed, "failed": failed}
    logger.info("action done", extra={"action_result": document})
    retryable = [r["secret_id"] for r in results if r["retryable"]]
    if retryable:
        raise RetryableRotationError(
            "ActionIncomplete", f"{request.action} failed retryably for {len(retryable)} of {len(results)} secrets"
        )
    return document


def sweep(delivery_id: str, action: str, deps: ActionDependencies) -> dict[str, Any]:
    """The scheduled action over every secret whose rotation function is this one."""
    secret_ids = tuple(deps.store.rotated_by(deps.function_arn))
    logger.info("scheduled sweep", extra={"action": action, "secrets": len(secret_ids)})
    return run_action(ActionRequest(action, secret_ids, delivery_id), deps)
