"""The actions an operator or a schedule asks for, over one or more secrets: ``rotate`` (start a rotation now),
``verify`` (check, change nothing), ``cancel`` (end an unfinished rotation safely) and ``adopt`` (verify's dry
run on a secret not attached yet, saying what attaching would do). :mod:`crossrotate.sweeps` applies ``verify``
or ``rotate`` to every secret this function rotates, one :func:`run_one` a secret.

``rotate`` is idempotent per delivery: the ``ClientRequestToken`` is derived from the secret and the
delivery's identity, and a secret that already has a version with that token was started by this very
delivery, so a redelivered event starts nothing. A pending version under another token means a rotation is
in progress: that is reported (``RotationInProgress``), not retried. A secret whose rotation an operator turned
off is never started (``RotateSecret`` would silently turn it back on): a sweep skips it, a named ``rotate``
fails with ``RotationDisabled``.

``cancel`` never strands a working password on an unlabelled version: the account AWSPENDING was made for is
first reset to the password the labelled versions say it has, and only then is the label removed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from . import metrics
from .accounts import logs_in, prove_login, set_password, wait_until_usable
from .dependencies import Dependencies
from .errors import ActionIncomplete, FatalRotationError, RotationError, RotationTurnedOff, own
from .events import ActionRequest
from .log import logger, unexpected_failure
from .ports import CURRENT, PENDING, PREVIOUS, ProviderApi, SecretMetadata, SecretValue
from .registry import read_secret
from .retry import with_retries
from .secret import DatabaseSecret

SECRET_BUDGET_S = 30.0
"""The most one secret of an action may take, so that one slow secret cannot starve the others."""
SECRET_RESERVE_S = 5.0
"""No secret is started with less time than this left: the rest are reported as not reached."""


class Outcome(NamedTuple):
    outcome: str
    """``started``, ``verified``, ``cancelled`` or ``skipped``."""
    message: str


class SecretResult(NamedTuple):
    """One secret's line in an action's result document."""

    secret_id: str
    outcome: str
    """An :class:`Outcome`'s, or ``failed``."""
    retryable: bool = False
    code: str | None = None
    request_id: str | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def rotation_token(secret_id: str, delivery_id: str) -> str:
    """A version id (UUID form) that only this secret and this delivery produce."""
    digest = hashlib.sha256(f"{secret_id}\n{delivery_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def start_rotation(secret_id: str, delivery_id: str, deps: Dependencies) -> Outcome:
    token = rotation_token(secret_id, delivery_id)
    metadata = deps.store.describe(secret_id)
    if token in metadata.versions:
        return Outcome("started", "rotation already started by this delivery")
    if not metadata.rotation_lambda_arn:
        raise own("RotationNotEnabled", f"{metadata.name} has no rotation function")
    if not metadata.rotation_enabled:
        raise RotationTurnedOff(f"rotation of {metadata.name} is turned off; turn it on to rotate")
    pending = _unfinished(metadata)
    if pending:
        raise own("RotationInProgress", f"version {pending} of {metadata.name} is still AWSPENDING")
    deps.store.rotate(secret_id, token)
    return Outcome("started", f"rotation started as version {token}")


def verify(secret_id: str, delivery_id: str, deps: Dependencies) -> Outcome:
    """Well-formed, provider access works, account usable, and (with host) the current password logs in. In
    dual-account mode the other account too, with the same privileges, and AWSPREVIOUS's password for it logs in.
    Transient answers are retried, as the steps retry them."""
    current = _labelled(secret_id, CURRENT, deps)
    if current is None:
        raise own("SecretNotFound", f"{secret_id} does not exist or has no AWSCURRENT version")
    provider = deps.providers(current)
    wait_until_usable(current, provider, deps)
    checked = ["secret", "provider access", "account"]
    if current.usernames:
        other = current.as_user(current.other_username)
        other_provider = deps.providers(other)
        wait_until_usable(other, other_provider, deps)
        _same_privileges((current, provider), (other, other_provider), deps)
        checked += ["the other account", "equal privileges"]
    if deps.probe and current.host:
        if not logs_in(current, deps.probe, deps):
            raise own("CurrentPasswordRejected", f"AWSCURRENT's password does not log in to {current.host}")
        checked.append("login")
        previous = _labelled(secret_id, PREVIOUS, deps) if current.usernames else None
        if previous is not None and previous.account == current.as_user(current.other_username).account:
            if not logs_in(previous, deps.probe, deps):
                raise own(
                    "PreviousPasswordRejected",
                    f"AWSPREVIOUS's password for {previous.username} does not log in to {current.host}",
                )
            checked.append("AWSPREVIOUS's login")
    message = f"{', '.join(checked[:-1])} and {checked[-1]} are good"
    if deps.probe and current.host and current.tls != "verify-full":
        logger.warning("login not verified", extra={"tls": current.tls})
        message += f"; but the login's server is not verified (tls: {current.tls}): set verify-full, with tls_ca"
    return Outcome("verified", message)


def _same_privileges(
    first: tuple[DatabaseSecret, ProviderApi], second: tuple[DatabaseSecret, ProviderApi], deps: Dependencies
) -> None:
    """The two accounts of a dual-account secret must hold the same privileges, as the provider reports them:
    clients switch between them at every rotation."""
    (one, one_api), (two, two_api) = first, second
    read = {
        secret.username: with_retries(
            api.privileges, clock=deps.clock, deadline=deps.deadline, what="privileges", provider=secret.provider
        )
        for secret, api in ((one, one_api), (two, two_api))
    }
    mine, theirs = read[one.username], read[two.username]
    differences = []
    for scope in sorted(set(mine) | set(theirs)):
        only_one = sorted(mine.get(scope, frozenset()) - theirs.get(scope, frozenset()))
        only_two = sorted(theirs.get(scope, frozenset()) - mine.get(scope, frozenset()))
        sides = [
            f"only {name} has {extra}" for name, extra in ((one.username, only_one), (two.username, only_two)) if extra
        ]
        if sides:
            differences.append(f"{scope}: {', '.join(sides)}")
    if differences:
        more = f" (and {len(differences) - 5} more)" if len(differences) > 5 else ""
        raise own("PrivilegesDiffer", "; ".join(differences[:5]) + more)


def adopt(secret_id: str, delivery_id: str, deps: Dependencies) -> Outcome:
    """A dry run of taking an existing secret on, changing nothing: ``verify``'s checks (the function's role may
    read secrets it does not rotate yet within the stack's adoption scope: a tag or a name prefix), and what
    attaching it would do. An unfinished rotation of another function's would be continued by this one, so it
    must be finished or cancelled first."""
    metadata = deps.store.describe(secret_id)
    pending = _unfinished(metadata)
    if pending:
        raise own(
            "RotationInProgress",
            f"version {pending} of {metadata.name} is still AWSPENDING: attaching would continue that rotation here; "
            "finish or cancel it first",
        )
    checked = verify(secret_id, delivery_id, deps)
    current = _labelled(secret_id, CURRENT, deps)
    if current is None:  # deleted between verify's read and this one
        raise own("SecretNotFound", f"{secret_id} does not exist or has no AWSCURRENT version")
    attached = metadata.rotation_lambda_arn
    if attached and attached.split(":")[:7] == deps.function_arn.split(":")[:7]:
        now = "already attached to this function"
    elif attached:
        now = f"rotated by {attached} now: attaching replaces it"
    else:
        now = "not attached"
    return Outcome(
        "verified",
        f"{checked.message}. {now}; attaching runs testSecret only (rotate-secret --no-rotate-immediately); the "
        f"first rotation resets {current.other_username} on {current.instance_id} through {current.provider}",
    )


def cancel(secret_id: str, delivery_id: str, deps: Dependencies) -> Outcome:
    """End an unfinished rotation: restore the account AWSPENDING was made for to the password the labelled
    versions hold for it, prove it (with host), and only then remove the AWSPENDING label. Repeating it after
    it took effect finds nothing to cancel."""
    metadata = deps.store.describe(secret_id)
    pending_id = _unfinished(metadata)
    if pending_id is None:
        return Outcome("verified", "no unfinished rotation: nothing to cancel")
    pending = _sendable(deps.store.get_value(secret_id, version_id=pending_id))
    if pending is None:
        _remove_pending(secret_id, pending_id, deps)
        return Outcome("cancelled", f"version {pending_id} never held a password that could be sent: label removed")
    restore = _holder_of(pending, secret_id, deps)
    set_password(restore, deps)
    if deps.probe and restore.host:
        prove_login(restore, deps.probe, deps, "the restored password")
    _remove_pending(secret_id, pending_id, deps)
    return Outcome("cancelled", f"{restore.username} has the labelled password again; version {pending_id} removed")


def _unfinished(metadata: SecretMetadata) -> str | None:
    """The version an unfinished rotation left AWSPENDING, if any (AWSPENDING beside AWSCURRENT is finished)."""
    pending = metadata.version_with(PENDING)
    return pending if pending and CURRENT not in metadata.versions[pending] else None


def _labelled(secret_id: str, stage: str, deps: Dependencies) -> DatabaseSecret | None:
    value = deps.store.get_value(secret_id, stage=stage)
    return None if value is None else read_secret(value.secret_string, stage)


def _sendable(value: SecretValue | None) -> DatabaseSecret | None:
    """The pending version as setSecret would send it, or None when setSecret would have refused it (no value,
    malformed, a password the provider's rules refuse): such a version never reached the provider."""
    if value is None or value.secret_string is None:
        return None
    try:
        pending = read_secret(value.secret_string, "AWSPENDING")
    except FatalRotationError:
        return None
    return None if pending.rules.password_policy.violations(pending.password, pending.username) else pending


def _holder_of(pending: DatabaseSecret, secret_id: str, deps: Dependencies) -> DatabaseSecret:
    """The labelled version that holds the working password of ``pending``'s account: AWSCURRENT's, or (dual
    accounts, the other one) AWSPREVIOUS's. Without one, nothing can be restored, and nothing is changed."""
    for stage in (CURRENT, PREVIOUS):
        labelled = _labelled(secret_id, stage, deps)
        if labelled is not None and labelled.account == pending.account:
            return labelled
    raise own(
        "PendingAccountUnknown",
        f"no labelled version names {pending.username} on {pending.instance_id}, the account AWSPENDING was made "
        "for: its password cannot be restored, so AWSPENDING stays",
    )


def _remove_pending(secret_id: str, version_id: str, deps: Dependencies) -> None:
    try:
        deps.store.remove_pending(secret_id, version_id)
    except RotationError:
        if _unfinished(deps.store.describe(secret_id)) != version_id:
            return  # a repeat or a second copy removed it first
        raise


ACTION_FUNCTIONS: dict[str, Callable[[str, str, Dependencies], Outcome]] = {
    "rotate": start_rotation,
    "verify": verify,
    "cancel": cancel,
    "adopt": adopt,
}


def run_one(action: str, secret_id: str, delivery_id: str, deps: Dependencies, sweep: bool) -> SecretResult:
    """``action`` on one secret, within its own budget; whatever it raises is that secret's failure alone."""
    budgeted = deps._replace(deadline=min(deps.deadline, deps.clock.monotonic() + SECRET_BUDGET_S))
    logger.append_keys(secret_id=secret_id)
    try:
        done = ACTION_FUNCTIONS[action](secret_id, delivery_id, budgeted)
    except Exception as raised:  # noqa: BLE001 - one secret's failure, whatever it is, must not stop the others
        error = raised if isinstance(raised, RotationError) else unexpected_failure(raised)
        if sweep and isinstance(error, RotationTurnedOff):
            return SecretResult(secret_id, "skipped", code=error.code, message=str(error))
        metrics.failure("Action", action, error)
        metrics.classified_failure(error)
        logger.error("rotation failed", extra=error.log_fields())
        return SecretResult(secret_id, "failed", error.retryable, error.code, error.request_id, str(error))
    finally:
        logger.remove_keys(["secret_id"])
    metrics.success("Action", action)
    return SecretResult(secret_id, done.outcome, message=done.message)


def run_action(request: ActionRequest, deps: Dependencies, sweep: bool = False) -> dict[str, Any]:
    """Each secret in turn; a failure of one does not stop the others, and secrets the invocation has no time
    left for are listed as not reached. Raises RetryableRotationError after listing the results when any
    failure is retryable, so Lambda's async retry and destination take over."""
    delivery_id = request.delivery_id or deps.request_id
    results: list[SecretResult] = []
    for index, secret_id in enumerate(request.secret_ids):
        if deps.too_late_for(SECRET_RESERVE_S):
            not_reached = "the invocation ran out of time before this secret"
            results += [
                SecretResult(s, "failed", retryable=True, code="NotReached", message=not_reached)
                for s in request.secret_ids[index:]
            ]
            break
        results.append(run_one(request.action, secret_id, delivery_id, deps, sweep))
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in ("failed", "skipped")}
    document = {
        "action": request.action,
        "results": [result.as_dict() for result in results],
        "succeeded": len(results) - counts["failed"] - counts["skipped"],
        **counts,
    }
    logger.info("action done", extra={"action_result": document})
    retryable = [r.secret_id for r in results if r.retryable]
    if retryable:
        raise ActionIncomplete(f"{request.action} failed retryably for {len(retryable)} of {len(results)} secrets")
    return document
