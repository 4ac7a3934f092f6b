"""What is done to one account (crossrotate.accounts), over scripted adapters of the ports and a virtual clock: the
provider's and the database's answers in a chosen order, so each test says what the function does with them."""

from __future__ import annotations

import json

import pytest
from conftest import VirtualClock

from crossrotate.accounts import logs_in, prove_login, set_password, wait_until_usable
from crossrotate.dependencies import Dependencies
from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.ports import AccountState, Login, Privileges, ResetReceipt, TaskState
from crossrotate.registry import read_secret
from crossrotate.secret import DatabaseSecret

USABLE = AccountState(exists=True, usable=True, settling=False, status="normal")
SETTLING = AccountState(exists=True, usable=False, settling=True, status="resetting password")


def account(**extra: object) -> DatabaseSecret:
    document = {"provider": "tencentcloud-mysql", "region": "ap-guangzhou", "instance_id": "cdb-abcd1234"}
    document |= {"username": "app_user", "password": "Xy9!pending-Password", **extra}
    return read_secret(json.dumps(document), "AWSPENDING")


class ScriptedProvider:
    """A provider whose account states and task states come from lists, the last one repeated."""

    def __init__(self, states: list[AccountState], tasks: list[TaskState] | None = None) -> None:
        self.states, self.tasks = states, tasks
        self.passwords: list[str] = []

    def reset_password(self, password: str) -> ResetReceipt:
        self.passwords.append(password)
        return ResetReceipt("req-1", poll=self.poll if self.tasks is not None else None)

    def poll(self) -> TaskState:
        assert self.tasks is not None
        return self.tasks.pop(0) if len(self.tasks) > 1 else self.tasks[0]

    def account_state(self) -> AccountState:
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def privileges(self) -> Privileges:
        return {}


class ScriptedDatabase:
    """A database whose answers to logins come from a list, the last one repeated."""

    def __init__(self, answers: list[Login]) -> None:
        self.answers = answers
        self.attempts = 0

    def log_in(self, secret: DatabaseSecret) -> Login:
        self.attempts += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def deps(clock: VirtualClock, provider: ScriptedProvider, deadline: float = 60.0) -> Dependencies:
    return Dependencies(store=None, providers=lambda _: provider, clock=clock, deadline=deadline)  # type: ignore[arg-type]


def code_of(raised: pytest.ExceptionInfo[RotationError]) -> tuple[str, bool]:
    return raised.value.code, raised.value.retryable


def test_a_reset_run_as_a_task_is_followed_until_the_task_and_the_account_say_done(clock: VirtualClock) -> None:
    tasks = [TaskState(False, "RUNNING"), TaskState(False, "RUNNING"), TaskState(True, "SUCCESS")]
    provider = ScriptedProvider([SETTLING, USABLE], tasks)
    set_password(account(), deps(clock, provider))
    assert provider.passwords == ["Xy9!pending-Password"]
    assert clock.sleeps == [0.25, 0.5, 0.25]  # two task polls, then one settling account state (its own wait)


def test_the_waits_double_from_a_quarter_second_up_to_two(clock: VirtualClock) -> None:
    provider = ScriptedProvider([USABLE], [TaskState(False, "RUNNING")] * 7 + [TaskState(True, "SUCCESS")])
    set_password(account(), deps(clock, provider))
    assert clock.sleeps == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]


class TaskEndingAt(ScriptedProvider):
    """A reset task that succeeds once the virtual clock reaches ``ends_at``; its polls' times are kept."""

    def __init__(self, clock: VirtualClock, ends_at: float) -> None:
        super().__init__([USABLE], [])
        self.clock, self.ends_at = clock, ends_at
        self.polled_at: list[float] = []

    def poll(self) -> TaskState:
        self.polled_at.append(self.clock.elapsed)
        done = self.clock.elapsed >= self.ends_at
        return TaskState(done, "SUCCESS" if done else "RUNNING")


@pytest.mark.parametrize("ends_at", [0.0, 0.1, 0.3, 1.0, 1.8, 3.3, 7.0, 17.9, 42.0])
def test_a_task_is_seen_done_within_two_seconds_with_few_reads(clock: VirtualClock, ends_at: float) -> None:
    provider = TaskEndingAt(clock, ends_at)
    set_password(account(), deps(clock, provider))
    assert provider.polled_at[-1] - ends_at <= 2.0, "completion noticed within 2 s of it"
    assert len(provider.polled_at) <= 5 + ends_at / 2, "a read every 2 s at most once the waits reach their cap"


def test_a_task_that_never_ends_costs_a_bounded_number_of_reads(clock: VirtualClock) -> None:
    provider = TaskEndingAt(clock, ends_at=float("inf"))
    with pytest.raises(RetryableRotationError) as raised:
        set_password(account(), deps(clock, provider, deadline=60.0))
    assert code_of(raised) == ("ResetNotApplied", True)
    assert len(provider.polled_at) <= 34  # 4 waits to reach 2 s, then one read every 2 s of a 60 s budget
    assert provider.passwords == ["Xy9!pending-Password"], "one reset: a later setSecret sends the same password"


def test_a_task_that_ended_without_success_raises_its_own_failure(clock: VirtualClock) -> None:
    failure = FatalRotationError("Task.FAILED", "the task failed", provider="tencentcloud-mysql")
    provider = ScriptedProvider([USABLE], [TaskState(False, "RUNNING"), TaskState(False, "FAILED", failure)])
    with pytest.raises(RotationError) as raised:
        set_password(account(), deps(clock, provider))
    assert raised.value is failure


def test_a_task_still_running_at_the_deadline_is_reset_not_applied(clock: VirtualClock) -> None:
    provider = ScriptedProvider([USABLE], [TaskState(False, "RUNNING")])
    with pytest.raises(RetryableRotationError) as raised:
        set_password(account(), deps(clock, provider, deadline=9.0))
    assert code_of(raised) == ("ResetNotApplied", True)
    assert clock.elapsed <= 9.0


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (AccountState(exists=False, usable=False, settling=False, status="missing"), ("AccountNotFound", False)),
        (AccountState(exists=True, usable=False, settling=False, status="locked"), ("AccountNotUsable", False)),
        (SETTLING, ("AccountNotReady", True)),
    ],
    ids=["missing", "locked", "still-settling"],
)
def test_an_account_the_provider_does_not_list_as_usable(
    clock: VirtualClock, state: AccountState, expected: tuple[str, bool]
) -> None:
    provider = ScriptedProvider([state])
    with pytest.raises(RotationError) as raised:
        wait_until_usable(account(), provider, deps(clock, provider, deadline=7.0))
    assert code_of(raised) == expected


def unreachable() -> Login:
    return Login(False, "Database.Unreachable", "cannot reach the host")


def test_logs_in_takes_a_refusal_as_its_answer_and_retries_only_transient_failures(clock: VirtualClock) -> None:
    provider = ScriptedProvider([USABLE])
    refusing = ScriptedDatabase([unreachable(), Login(False)])
    assert logs_in(account(host="db.example"), refusing, deps(clock, provider)) is False
    assert refusing.attempts == 2
    accepting = ScriptedDatabase([unreachable(), unreachable(), Login(True)])
    assert logs_in(account(host="db.example"), accepting, deps(clock, provider)) is True
    rejecting = ScriptedDatabase([Login(False, "Database.AccessRejected", "host not allowed")])
    with pytest.raises(FatalRotationError) as raised:
        logs_in(account(host="db.example"), rejecting, deps(clock, provider))
    assert code_of(raised) == ("Database.AccessRejected", False)
    assert rejecting.attempts == 1


def test_prove_login_retries_a_refusal_until_the_new_password_is_in_force(clock: VirtualClock) -> None:
    provider = ScriptedProvider([USABLE])
    late = ScriptedDatabase([Login(False), Login(False), unreachable(), Login(True)])
    prove_login(account(host="db.example"), late, deps(clock, provider), "the pending password")
    assert late.attempts == 4


def test_prove_login_gives_up_at_the_deadline_with_login_failed(clock: VirtualClock) -> None:
    provider = ScriptedProvider([USABLE])
    never = ScriptedDatabase([Login(False)])
    with pytest.raises(RetryableRotationError) as raised:
        prove_login(account(host="db.example"), never, deps(clock, provider, deadline=40.0), "the pending password")
    assert code_of(raised) == ("LoginFailed", True)
    assert never.attempts > 2
    assert clock.elapsed <= 40.0


def test_no_answer_carries_the_password_into_an_error(clock: VirtualClock) -> None:
    provider = ScriptedProvider([SETTLING])
    with pytest.raises(RotationError) as raised:
        set_password(account(), deps(clock, provider, deadline=5.0))
    assert "Xy9!pending-Password" not in repr(raised.value.args) + str(raised.value)
