"""The Secrets Manager rotation protocol: createSecret, setSecret, testSecret, finishSecret.

Every step may run twice, or twice at once, without a second reset to a different password: the pending
password is fixed by the first ``PutSecretValue`` of the version (the service refuses different data under
the same token), and only that stored value is ever sent to the provider. A password the database accepts
is always held by a labelled version: AWSCURRENT keeps the old one until finishSecret, which runs only after
setSecret saw the provider apply the new one and testSecret proved it (by logging in, when the secret has a host).

A step that learns the rotation cannot succeed (a fatal answer to setSecret's login check) stops before any
reset; a step repeated after it took effect (finishSecret after the label moved) succeeds without a change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .accounts import prove_login, set_password
from .dependencies import Dependencies
from .errors import RotationError, is_retryable, own
from .events import StepRequest
from .log import logger
from .ports import CURRENT, PENDING, SecretMetadata, SecretValue
from .registry import read_secret
from .secret import DatabaseSecret


class StepReport:
    """What a step learned on the way, for its metrics: the rotated secret's provider, once read."""

    __slots__ = ("provider",)

    def __init__(self) -> None:
        self.provider = "unknown"


def run_step(request: StepRequest, deps: Dependencies, report: StepReport | None = None) -> None:
    """Run one step after the protocol's checks; raise a RotationError to fail it.

    Steps that change something first read ``DescribeSecret``: rotation must be enabled and the token must
    be the AWSPENDING version. testSecret changes nothing, so it reads the labels from the pending version
    itself and saves a call (every step usually runs in a fresh sandbox).
    """
    report = report or StepReport()
    if request.step == "testSecret":
        prove_pending(request, deps, report)
        return
    metadata = deps.store.describe(request.secret_id)
    if not metadata.rotation_enabled:
        raise own("RotationNotEnabled", f"rotation is not enabled for {metadata.name}")
    stages = metadata.versions.get(request.token)
    if stages is None:
        raise own("InvalidToken", f"{request.token} is not a version of {metadata.name}")
    if _already_current(stages):
        return
    if PENDING not in stages:
        raise own("NotPending", f"version {request.token} of {metadata.name} is not AWSPENDING")
    CHANGING_STEPS[request.step](request, metadata, deps, report)
    logger.info("step done")


def create_pending(request: StepRequest, metadata: SecretMetadata, deps: Dependencies, report: StepReport) -> None:
    """Store a generated password as the pending version, unless it already holds one. In dual-account mode the
    pending version names the account AWSCURRENT does not: derived from AWSCURRENT every time, never counted, so
    a first, an interrupted and a repeated rotation all pick the account not in use."""
    current = deps.store.get_value(request.secret_id, stage=CURRENT)
    document = read_secret(current.secret_string if current else None, "AWSCURRENT")
    report.provider = document.provider
    policy = document.rules.password_policy
    password = policy.generate(policy.length_from(deps.settings.password_length), document.other_username)
    stored = deps.store.put_pending(
        request.secret_id, request.token, document.next_version(password), request.rotation_token
    )
    if not stored:
        logger.info("the pending version already holds a password: keeping it")


def apply_pending(request: StepRequest, metadata: SecretMetadata, deps: Dependencies, report: StepReport) -> None:
    """Make the provider accept the pending password, and wait until it has applied it. Repeating it resets to
    the same value. With ``host``, a login first: a password already in force needs no reset, and a fatal
    answer (no TLS, the connection refused for another reason) means testSecret could never succeed."""
    pending = _pending(deps.store.get_value(request.secret_id, version_id=request.token), request)
    report.provider = pending.provider
    if deps.probe and pending.host:
        login = deps.probe.log_in(pending)
        if login.accepted:
            logger.info("pending password already logs in: no reset needed")
            return
        if login.failure and not is_retryable(login.failure):
            raise own(login.failure, login.detail)
        if login.failure:
            logger.warning("login check before the reset failed", extra={"code": login.failure})
    set_password(pending, deps)


def prove_pending(request: StepRequest, deps: Dependencies, report: StepReport) -> None:
    """Prove the pending credentials: the version is still the valid pending one and, with ``host``, its
    password logs in to the database. (setSecret already saw the provider apply the reset.) The password's rules
    are not asked for: testSecret sends nothing to the provider, and when a secret is attached with
    ``RotateImmediately`` false, Secrets Manager runs testSecret alone on a copy of the current value, whose
    password this function did not choose."""
    version = deps.store.get_value(request.secret_id, version_id=request.token)
    if version and _already_current(version.stages):
        return
    pending = _pending(version, request, policy=False)
    report.provider = pending.provider
    if deps.probe and pending.host:
        prove_login(pending, deps.probe, deps, "the pending password")
    logger.info("step done")


def promote_pending(request: StepRequest, metadata: SecretMetadata, deps: Dependencies, report: StepReport) -> None:
    """Move AWSCURRENT to the pending version (the service moves AWSPREVIOUS to the old one), but only once the
    pending version holds a valid secret: promoting an empty or broken version would strand the working password
    on AWSPREVIOUS, which nothing reads."""
    report.provider = _pending(deps.store.get_value(request.secret_id, version_id=request.token), request).provider
    try:
        deps.store.move_current(request.secret_id, request.token, metadata.version_with(CURRENT))
    except RotationError:
        # A repeat whose first attempt took effect (a retried call, a second copy of the step) finds AWSCURRENT
        # gone from the version it named: the label already moved, which is success.
        if CURRENT in deps.store.describe(request.secret_id).versions.get(request.token, ()):
            logger.info("AWSCURRENT already moved to this version")
            return
        raise


def _already_current(stages: tuple[str, ...]) -> bool:
    if CURRENT in stages:
        logger.info("version is already AWSCURRENT: nothing to do")
        return True
    return False


def _pending(version: SecretValue | None, request: StepRequest, policy: bool = True) -> DatabaseSecret:
    """The pending version, validated (with ``policy``, its password against the provider's rules too): it is
    exactly what will be sent to the provider."""
    if version is None or PENDING not in version.stages:
        raise own("NotPending", f"version {request.token} is not AWSPENDING with a value: has createSecret run?")
    pending = read_secret(version.secret_string, "AWSPENDING")
    problems = pending.rules.password_policy.violations(pending.password, pending.username) if policy else []
    if problems:
        raise own("InvalidPendingPassword", "AWSPENDING's password breaks the policy: " + "; ".join(problems))
    return pending


CHANGING_STEPS: Mapping[str, Callable[[StepRequest, SecretMetadata, Dependencies, StepReport], None]] = {
    "createSecret": create_pending,
    "setSecret": apply_pending,
    "finishSecret": promote_pending,
}
