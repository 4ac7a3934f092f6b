"""TencentDB for MySQL: a reset that runs as a task. setSecret returns only when the task succeeded, classifies a
task that failed or was killed, never promotes a password whose task still runs, and stays repeatable: a
retried or concurrent setSecret starts no task with another password."""

from __future__ import annotations

import threading

import pytest
from conftest import VirtualClock

from crossrotate import runtime
from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.events import StepRequest
from crossrotate.protocol import run_step
from localcloud.aws.secretsmanager import LambdaContext, Rotation
from localcloud.base import Call
from localcloud.cloud import Account, LocalCloud, instance_of
from localcloud.tencentcloud.mysql import TencentMysqlEmulator

PROVIDER = "tencentcloud-mysql"


@pytest.fixture
def cdb(local: LocalCloud) -> TencentMysqlEmulator:
    emulator = local.emulators[PROVIDER]
    assert isinstance(emulator, TencentMysqlEmulator)
    emulator.task_polls, emulator.task_seconds, emulator.task_outcomes = 1, 60.0, []
    emulator.conflict_ends_task = False
    return emulator


@pytest.fixture
def account(cloud: LocalCloud, cdb: TencentMysqlEmulator) -> Account:
    return cloud.account(PROVIDER)


def calls_of(cdb: TencentMysqlEmulator, action: str, account: Account) -> list[Call]:
    """This account's calls: the emulator serves every test of the module."""
    return [c for c in cdb.calls_of(action) if instance_of(c.params) == account.instance_id]


def tasks(cdb: TencentMysqlEmulator, account: Account) -> set[str]:
    return {task_id for task_id, task in cdb.tasks.items() if task.instance_id == account.instance_id}


def step(rotation: Rotation, name: str, clock: VirtualClock, budget_ms: int = 60_000) -> None:
    deps = runtime.dependencies(LambdaContext(budget_ms=budget_ms), clock=clock)
    run_step(StepRequest(name, rotation.secret_id, rotation.token, None), deps)


def pending(cloud: LocalCloud, account: Account, clock: VirtualClock) -> Rotation:
    rotation = cloud.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    return rotation


def test_set_secret_returns_only_when_the_task_succeeded(
    cloud: LocalCloud, cdb: TencentMysqlEmulator, account: Account, clock: VirtualClock
) -> None:
    cdb.task_polls = 3
    rotation = pending(cloud, account, clock)
    step(rotation, "setSecret", clock)
    polls = [c for c in cdb.calls_of("DescribeAsyncRequestInfo") if c.params["AsyncRequestId"] in tasks(cdb, account)]
    assert len(polls) == 4  # three RUNNING, then SUCCESS
    assert len(clock.sleeps) == 3
    assert cloud.password_of(account) == cloud.driver.value(account.secret_id, "AWSPENDING")["password"]
    (modify,) = calls_of(cdb, "ModifyAccountPassword", account)
    assert modify.params["Accounts"] == [{"User": account.username, "Host": "%"}]


def test_a_task_still_running_at_the_deadline_is_retryable_and_changes_nothing_yet(
    cloud: LocalCloud, cdb: TencentMysqlEmulator, account: Account, clock: VirtualClock
) -> None:
    cdb.task_polls = 10**6
    rotation = pending(cloud, account, clock)
    with pytest.raises(RetryableRotationError) as raised:
        step(rotation, "setSecret", clock, budget_ms=20_000)
    assert raised.value.code == "ResetNotApplied"
    assert cloud.password_of(account) == account.old_password  # not promoted, not in force
    assert "AWSPENDING" in cloud.driver.versions(account.secret_id)[rotation.token]
    cdb.settle_tasks()  # the task ends meanwhile; Secrets Manager retries the rotation
    cdb.task_polls = 1
    step(rotation, "setSecret", clock)
    passwords = {c.params["NewPassword"] for c in calls_of(cdb, "ModifyAccountPassword", account)}
    assert passwords == {cloud.driver.value(account.secret_id, "AWSPENDING")["password"]}


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [("FAILED", "Task.Failed", True), ("KILLED", "Task.Killed", False), ("REMOVED", "Task.Removed", False)],
)
def test_a_task_that_ended_without_success_is_classified(
    status: str,
    code: str,
    retryable: bool,
    cloud: LocalCloud,
    cdb: TencentMysqlEmulator,
    account: Account,
    clock: VirtualClock,
) -> None:
    cdb.task_outcomes = [status]
    rotation = pending(cloud, account, clock)
    with pytest.raises(RotationError) as raised:
        step(rotation, "setSecret", clock)
    assert (raised.value.code, raised.value.retryable, raised.value.provider) == (code, retryable, PROVIDER)
    assert raised.value.request_id
    assert cloud.password_of(account) == account.old_password
    assert len(calls_of(cdb, "ModifyAccountPassword", account)) == 1  # the failure is reported, not spun on
    if retryable:
        step(rotation, "setSecret", clock)  # the next setSecret starts a new task with the same password
        assert cloud.password_of(account) == cloud.driver.value(account.secret_id, "AWSPENDING")["password"]


def test_two_copies_of_set_secret_start_no_task_with_another_password(
    cloud: LocalCloud, cdb: TencentMysqlEmulator, account: Account
) -> None:
    """The second copy meets the first one's task (FailedOperation.StatusConflict, retryable) and waits its turn.

    Each copy runs on a virtual clock, so the second one's backoff takes no real time: the first one's task ends
    when the second has met it (``conflict_ends_task``), not when the first copy's polls get through on a busy
    machine. Otherwise the second copy could spend its retries before the first copy's task ended."""
    cdb.task_polls, cdb.conflict_ends_task = 2, True
    rotation = pending(cloud, account, VirtualClock())
    cdb.inject("delay", action="DescribeAsyncRequestInfo", times=3, seconds=0.3)  # the busy machine, made certain
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def copy() -> None:
        barrier.wait()
        try:
            step(rotation, "setSecret", VirtualClock())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=copy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [c.outcome for c in calls_of(cdb, "ModifyAccountPassword", account)].count(
        "FailedOperation.StatusConflict"
    ) <= 1
    expected = cloud.driver.value(account.secret_id, "AWSPENDING")["password"]
    assert {c.params["NewPassword"] for c in calls_of(cdb, "ModifyAccountPassword", account)} == {expected}
    assert cloud.password_of(account) == expected


def test_the_account_host_names_which_mysql_account_changes(
    cloud: LocalCloud, cdb: TencentMysqlEmulator, clock: VirtualClock
) -> None:
    """user@host: the same user name with another host is another account, and keeps its password."""
    account = cloud.account(PROVIDER, account_host="10.0.%")
    cdb.add_account(account.instance_id, account.username, account.old_password, host="10.0.%")
    cloud.driver.rotate(account.secret_id)
    new_password = cloud.driver.value(account.secret_id)["password"]
    assert cdb.password_of(account.instance_id, account.username, host="10.0.%") == new_password
    assert cdb.password_of(account.instance_id, account.username, host="%") == account.old_password
    assert calls_of(cdb, "ModifyAccountPassword", account)[-1].params["Accounts"] == [
        {"User": account.username, "Host": "10.0.%"}
    ]


def test_an_account_host_that_does_not_exist_is_fatal(
    cloud: LocalCloud, cdb: TencentMysqlEmulator, clock: VirtualClock
) -> None:
    account = cloud.account(PROVIDER, account_host="192.168.%")
    rotation = pending(cloud, account, clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "InvalidParameterValue.UserNotExistError"
