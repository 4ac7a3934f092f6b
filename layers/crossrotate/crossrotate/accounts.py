"""What is done to one database account, by the rotation steps and the actions alike: reset its password and
wait until the provider has applied it, wait until the provider lists it as usable, and log in with its password.
Each retries transient failures until the invocation's deadline.
"""

from __future__ import annotations

from collections.abc import Callable

from .dependencies import Dependencies
from .errors import RotationError, own
from .log import logger
from .ports import DatabaseProbe, Login, ProviderApi, TaskState
from .retry import Backoff, with_retries
from .secret import DatabaseSecret

FIRST_POLL_S = 0.25
"""The first wait before a provider still at work is read again; each next one doubles, up to ``settle_poll``
(2 s): a task that takes a moment is seen done soon after, a long one costs a read every 2 s, and completion is
noticed within 2 s of it."""
LOGIN_BACKOFF = Backoff(base=1.0, cap=5.0, max_attempts=30, reserve=6.0)
"""Logins are retried longer than API calls: a managed database may apply a new password late."""


def set_password(account: DatabaseSecret, deps: Dependencies) -> None:
    """Reset ``account``'s password to ``account.password`` and wait until the provider has applied it: its task
    succeeded (a reset that runs as a task), and it lists the account as usable again. What setSecret does with
    the pending version, and cancel with the one it restores."""
    provider = deps.providers(account)
    receipt = with_retries(
        lambda: provider.reset_password(account.password),
        clock=deps.clock,
        deadline=deps.deadline,
        what="reset password",
        provider=account.provider,
    )
    logger.info("password reset", extra={"request_id": receipt.request_id})
    if receipt.poll is not None:
        late = f"the reset of {account.username} on {account.instance_id} is"
        wait_for("reset task", receipt.poll, lambda status: own("ResetNotApplied", f"{late} {status}"), account, deps)
    wait_until_usable(account, provider, deps)


def wait_until_usable(account: DatabaseSecret, provider: ProviderApi, deps: Dependencies) -> None:
    """The provider must list the account as usable: a provider that shows a change in progress (an account
    "resetting password" or "Unavailable") has applied the reset when it stops showing it. A missing or locked
    account is fatal; one still changing at the deadline, retryable. Done in setSecret, with the API key it
    already holds, rather than in testSecret: a fresh sandbox there would read the key again."""
    where = f"{account.username} on {account.instance_id}"

    def read() -> TaskState:
        state = provider.account_state()
        failure = None
        if not state.exists:
            failure = own("AccountNotFound", f"{account.username} does not exist on {account.instance_id}")
        elif not state.usable and not state.settling:
            failure = own("AccountNotUsable", f"{where} is {state.status}")
        return TaskState(done=state.usable, status=state.status, failure=failure)

    wait_for("account state", read, lambda status: own("AccountNotReady", f"{where} is still {status}"), account, deps)


def wait_for(
    what: str,
    read: Callable[[], TaskState],
    late: Callable[[str], RotationError],
    account: DatabaseSecret,
    deps: Dependencies,
) -> None:
    """The one rule for waiting on a provider (a reset's task, flow or async request, an account's state): read
    ``what`` (transient failures retried) until it is done, waiting :data:`FIRST_POLL_S` and then twice as long
    each time, up to ``deps.settle_poll``. One that ended without success raises its classified failure; one still
    in progress at the deadline raises ``late(status)``, retryable, so nothing is promoted and a later step reads
    it again."""
    wait = min(FIRST_POLL_S, deps.settle_poll)
    while True:
        state = with_retries(read, clock=deps.clock, deadline=deps.deadline, what=what, provider=account.provider)
        if state.failure is not None:
            raise state.failure
        if state.done:
            return
        if deps.too_late_for(wait):
            raise late(state.status)
        logger.info("still in progress", extra={"waiting_for": what, "status": state.status, "wait_s": wait})
        deps.clock.sleep(wait)
        wait = min(wait * 2, deps.settle_poll)


def logs_in(account: DatabaseSecret, probe: DatabaseProbe, deps: Dependencies) -> bool:
    """Whether the database accepts ``account``'s password now: a refusal is an answer; a transient failure
    (unreachable) is retried, any other raised."""
    return _log_in(account, probe, deps, refused=None).accepted


def prove_login(account: DatabaseSecret, probe: DatabaseProbe, deps: Dependencies, whose: str) -> None:
    """Log in with ``account``'s password, retrying a refusal too until the deadline: managed databases apply a
    new password late."""
    _log_in(account, probe, deps, refused=f"{whose} does not log in to {account.host}")
    logger.info("password logs in", extra={"whose": whose})


def _log_in(account: DatabaseSecret, probe: DatabaseProbe, deps: Dependencies, refused: str | None) -> Login:
    """One login, retried with LOGIN_BACKOFF; with ``refused``, a refused password is LoginFailed (retryable)."""

    def attempt() -> Login:
        login = probe.log_in(account)
        if login.accepted:
            return login
        if login.failure:
            raise own(login.failure, login.detail)
        if refused is not None:
            raise own("LoginFailed", refused)
        return login

    return with_retries(
        attempt, clock=deps.clock, deadline=deps.deadline, what="database login", provider=account.provider,
        backoff=LOGIN_BACKOFF,
    )  # fmt: skip
