"""TencentDB for Redis (``redis`` 2018-04-12): ``ModifyInstanceAccount`` (a custom account) and ``ResetPassword``
(the default account, ``root``, which every instance has) each start a task that stays ``preparing``, then
``running`` for :attr:`~TencentRedisEmulator.task_polls` reads of ``DescribeTaskInfo`` (or
:attr:`~TencentRedisEmulator.task_seconds`), and changes the password only when it ends ``succeed`` (on the real
redis-server behind the account too: ``ACL SETUSER``; ``root`` is the server's ``default`` user). While a task
runs, its account is listed with ``Status`` 1 (changing) and another change of the instance is refused.
``DescribeInstanceAccount`` pages through the accounts with each one's ``Privilege`` and ``ReadonlyPolicy``. Each
action refuses parameters its request model does not have, as API 3.0 does.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..databases import DefaultUserAdmin, RedisAdmin
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, page, required

ROOT = "root"
RESET_SYMBOLS = "()~!@#$%^&*-+=_|{}[]:;<>,.?/"
"""ResetPasswordRequest.Password's special characters (tencentcloud-sdk-python-redis 3.1.189 models.py)."""
ACCOUNT_SYMBOLS = "()`~!@#$%^&*-+=_|{}[]:;<>,.?/"
"""CreateInstanceAccountRequest.AccountPassword's (a custom account's password; ModifyInstanceAccount states none)."""
CREATED = "2024-01-01 00:00:00"
PARAMETERS = {
    "ModifyInstanceAccount": {
        "InstanceId", "AccountName", "AccountPassword", "Remark", "ReadonlyPolicy", "Privilege", "NoAuth",
        "EncryptPassword",
    },
    "ResetPassword": {"InstanceId", "Password", "NoAuth", "EncryptPassword"},
    "DescribeTaskInfo": {"TaskId"},
    "DescribeInstanceAccount": {"InstanceId", "Limit", "Offset"},
}  # fmt: skip
"""Each action's request model (models.py): any other parameter is refused (``UnknownParameter``)."""
TASK_OUTCOMES = ("succeed", "failed", "error")


@dataclass
class RedisAccount(DatabaseAccount):
    privilege: str = "rw"
    readonly_policy: list[str] = field(default_factory=lambda: ["master"])
    remark: str = ""
    password_modified: str = CREATED


@dataclass
class RedisInstance(DatabaseInstance[RedisAccount]):
    """Its accounts by name; ``root`` is the default account."""


@dataclass
class Task:
    task_id: int
    instance_id: str
    account: str
    password: str
    polls_left: int
    ends: float
    outcome: str
    status: str = "preparing"
    reads: int = 0


class TencentRedisEmulator(TencentApiEmulator, DatabaseService[RedisInstance, RedisAccount]):
    """TencentDB for Redis: a reset starts a task; the password changes when it succeeds."""

    service = "redis"
    version = "2018-04-12"
    instance_type = RedisInstance
    account_type = RedisAccount
    default_region = "ap-guangzhou"

    def setup(self) -> None:
        super().setup()
        self.tasks: dict[int, Task] = {}
        self.task_ids = itertools.count(30_000 + secrets.randbelow(10_000))
        self.task_polls = 1
        """DescribeTaskInfo reads of a task that still find it running (the first one says ``preparing``)."""
        self.task_seconds = 5.0
        """A task also finishes this long after it started, whether or not anyone asks."""
        self.task_outcomes: list[str] = []
        """How the next tasks end (``failed``, ``error``), one each, in order; ``succeed`` when empty."""

    def add_account(self, instance_id: str, name: Any, password: str, region: str = "") -> None:
        """An account on an instance, made with its default account ``root`` (a random password) if it is new."""
        with self.lock:
            new = instance_id not in self.instances
            super().add_account(instance_id, name, password, region)
            if new and name != ROOT:
                self.instances[instance_id].accounts[ROOT] = RedisAccount(secrets.token_urlsafe(16), remark="default")

    def back_with_database(self, instance_id: str, username: str, password: str, dsn: str) -> None:
        """As every service does; ``root`` is the server's ``default`` user, which ``AUTH <password>`` logs in to."""
        if username != ROOT:
            return super().back_with_database(instance_id, username, password, dsn)
        admin = DefaultUserAdmin(RedisAdmin(dsn))
        admin.create_account(username, password)
        with self.lock:
            self.databases[(instance_id, username)] = admin
        return None

    def grant(self, instance_id: str, name: str, privileges: dict[str, list[str]]) -> None:
        """What an account may do, in the API's terms: ``Privilege`` (``["r"]``, ``["w"]`` or ``["rw"]``) and
        ``ReadonlyPolicy`` (``master``, ``replication``); a key left out keeps its value."""
        unknown = set(privileges) - {"Privilege", "ReadonlyPolicy"}
        if unknown or privileges.get("Privilege", ["rw"]) not in (["r"], ["w"], ["rw"]):
            raise ValueError(f"not a TencentDB for Redis privilege: {privileges!r}")
        with self.lock:
            account = self.account(instance_id, name)
            account.privilege = privileges.get("Privilege", [account.privilege])[0]
            account.readonly_policy = list(privileges.get("ReadonlyPolicy", account.readonly_policy))

    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A task poll's parameters with the task's instance added: the call log and the faults taken then name
        the account they concern, as every other call does."""
        task_id = params.get("TaskId")
        task = self.tasks.get(task_id) if isinstance(task_id, int) else None
        return {**params, "InstanceId": task.instance_id} if task and "InstanceId" not in params else params

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ModifyInstanceAccount": self.modify_instance_account,
            "ResetPassword": self.reset_password,
            "DescribeTaskInfo": self.describe_task_info,
            "DescribeInstanceAccount": self.describe_instance_account,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - PARAMETERS.get(action, set(params)))
        if unknown:
            raise ProviderError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        return super().dispatch(action, params)

    # -- tasks ---------------------------------------------------------------------------------------------------
    def _advance(self, task: Task, polled: bool) -> None:
        """Let the task run: its first read finds it ``preparing``, the next :attr:`task_polls` ``running``; it
        finishes after those (or its time), and only then changes the password."""
        if task.status not in ("preparing", "running"):
            return
        if self.now() < task.ends:
            if not polled:
                return
            task.reads += 1
            if task.reads == 1:
                return
            if task.reads <= 1 + task.polls_left:
                task.status = "running"
                return
        task.status = task.outcome
        if task.outcome == "succeed":
            self.change_password(task.instance_id, task.account, task.password)
            self.account(task.instance_id, task.account).password_modified = time.strftime(
                "%Y-%m-%d %H:%M:%S", time.localtime(self.now())
            )

    def _running(self, instance_id: str) -> Task | None:
        for task in self.tasks.values():
            self._advance(task, polled=False)
            if task.instance_id == instance_id and task.status in ("preparing", "running"):
                return task
        return None

    def settle_tasks(self) -> None:
        """Finish every running task now (as if its time had come)."""
        with self.lock:
            for task in self.tasks.values():
                task.ends = 0.0
                self._advance(task, polled=False)

    def _start(self, instance_id: str, account: str, password: str, busy: str) -> dict[str, Any]:
        if self._running(instance_id) is not None:
            raise ProviderError(busy, "The instance is running another task.")
        task_id = next(self.task_ids)
        outcome = self.task_outcomes.pop(0) if self.task_outcomes else "succeed"
        if outcome not in TASK_OUTCOMES:
            raise ValueError(f"not a task outcome: {outcome}")
        self.tasks[task_id] = Task(
            task_id, instance_id, account, password, self.task_polls, self.now() + self.task_seconds, outcome
        )
        return {"TaskId": task_id}

    # -- actions ---------------------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> RedisInstance:
        required(params, "InstanceId")
        not_found = ProviderError("ResourceNotFound.InstanceNotExists", "No Redis instance has this id.")
        return self.instance_of(params["InstanceId"], not_found)

    def modify_instance_account(self, params: dict[str, Any]) -> dict[str, Any]:
        """The password alone (what the library sends); ``Privilege`` and ``ReadonlyPolicy`` also change at once,
        as the console's changes do. Whether ``root``'s password can be set here is not documented: it is
        treated as any account's."""
        with self.lock:
            instance = self._instance(params)
            required(params, "AccountName")
            no_account = ProviderError("ResourceNotFound.AccountDoesNotExists", "The account does not exist.")
            account = self.account_in(instance, params["AccountName"], no_account)
            if params.get("EncryptPassword") is True:
                raise ProviderError("InvalidParameter", "EncryptPassword: the encryption is not emulated")
            if params.get("NoAuth") is True and params["AccountName"] != ROOT:
                raise ProviderError("FailedOperation.UnSupportError", "Custom accounts cannot be password-free.")
            privilege, policy = params.get("Privilege"), params.get("ReadonlyPolicy")
            if privilege is not None and privilege not in ("r", "w", "rw"):
                raise ProviderError("InvalidParameter", "Privilege must be r, w or rw")
            if policy is not None and (not isinstance(policy, list) or not set(policy) <= {"master", "replication"}):
                raise ProviderError("InvalidParameter", "ReadonlyPolicy holds master and/or replication")
            password = params.get("AccountPassword")
            if password is None:  # nothing to apply: a task that has already succeeded
                task_id = next(self.task_ids)
                self.tasks[task_id] = Task(task_id, params["InstanceId"], params["AccountName"], account.password,
                                           0, 0.0, "succeed", status="succeed")  # fmt: skip
                answer = {"TaskId": task_id}
            else:
                check_password(password, 64, ACCOUNT_SYMBOLS)
                answer = self._start(params["InstanceId"], params["AccountName"], password,
                                     "ResourceUnavailable.InstanceStatusError")  # fmt: skip
            if privilege is not None and params["AccountName"] != ROOT:
                account.privilege = privilege
            if policy is not None:
                account.readonly_policy = list(policy)
            return answer

    def reset_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            if params.get("EncryptPassword") is True:
                raise ProviderError("InvalidParameter", "EncryptPassword: the encryption is not emulated")
            if params.get("NoAuth") is True:
                raise ProviderError("InvalidParameter", "switching to password-free is not emulated")
            password = params.get("Password")
            if not isinstance(password, str) or not password:
                raise ProviderError("InvalidParameterValue.PasswordEmpty", "The password is empty.")
            check_password(password, 32, RESET_SYMBOLS)
            self.account_in(instance, ROOT, ProviderError("ResourceNotFound.AccountDoesNotExists", "No root."))
            return self._start(params["InstanceId"], ROOT, password, "ResourceUnavailable.InstanceStatusAbnormal")

    def describe_task_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            task_id = params.get("TaskId")
            task = self.tasks.get(task_id) if isinstance(task_id, int) else None
            if task is None:
                raise ProviderError("InvalidParameter.InvalidParameter", "The task does not exist.")
            self._advance(task, polled=True)
            return {
                "Status": task.status,
                "StartTime": CREATED,
                "TaskType": "重置密码",
                "InstanceId": task.instance_id,
                "TaskMessage": "" if task.status in ("preparing", "running", "succeed") else f"task {task.status}",
            }

    def describe_instance_account(self, params: dict[str, Any]) -> dict[str, Any]:
        """Limit and Offset are required (the API's metadata says so; the library always sends them)."""
        with self.lock:
            instance = self._instance(params)
            if not isinstance(params.get("Limit"), int) or not isinstance(params.get("Offset"), int):
                raise ProviderError("MissingParameter", "Limit and Offset are required")
            for task in list(self.tasks.values()):
                self._advance(task, polled=False)
            changing = {
                (task.instance_id, task.account)
                for task in self.tasks.values()
                if task.status in ("preparing", "running")
            }
            accounts = [
                {
                    "InstanceId": params["InstanceId"],
                    "AccountName": name,
                    "Remark": account.remark,
                    "Privilege": account.privilege,
                    "ReadonlyPolicy": list(account.readonly_policy),
                    "Status": 1
                    if (params["InstanceId"], name) in changing or self.still_changing(params["InstanceId"], name)
                    else 2,
                    "CreateTime": CREATED,
                    "PasswordLastModifiedTime": account.password_modified,
                }
                for name, account in sorted(instance.accounts.items())[page(params, default_limit=20)]
            ]
            return {"Accounts": accounts, "TotalCount": len(instance.accounts)}


def check_password(password: str, longest: int, symbols: str) -> None:
    """The documented rule: 8 to ``longest`` characters, not starting with '/', at least two of lower-case,
    upper-case, digits and ``symbols`` (and nothing else)."""
    kinds = (str.islower, str.isupper, str.isdigit, lambda c: c in symbols)
    valid = all(c.isascii() and (c.isalnum() or c in symbols) for c in password)
    mixed = sum(any(map(kind, password)) for kind in kinds) >= 2
    if not valid or not mixed or not 8 <= len(password) <= longest or password.startswith("/"):
        raise ProviderError(
            "InvalidParameterValue.PasswordRuleError",
            f"The password must be 8-{longest} characters, not start with '/', and mix two of lower-case, "
            f"upper-case, digits and {symbols}.",
        )


# TencentDB for Redis (redis 2018-04-12): the codes tencentcloud-sdk-go v1.3.166 tencentcloud/redis/v20180412/
# client.go lists for ModifyInstanceAccount, ResetPassword, DescribeTaskInfo and DescribeInstanceAccount, meanings
# in tencentcloud-sdk-python-redis 3.1.189 tencentcloud/redis/v20180412/errorcodes.py.
DOCUMENTED_CODES = [
    # ModifyInstanceAccount
    "FailedOperation.SystemError",
    "FailedOperation.UnSupportError",
    "InternalError.InternalError",
    "InvalidParameter.PermissionDenied",
    "ResourceUnavailable.GetSecurityError",
    "ResourceUnavailable.InstanceStatusError",
    "UnauthorizedOperation.NoCAMAuthed",
    "UnauthorizedOperation.UserNotInWhiteList",
    # ResetPassword, beyond the list above
    "FailedOperation.Unknown",
    "InternalError.DbOperationFailed",
    "InvalidParameter",
    "InvalidParameterValue.PasswordFreeDenied",
    "InvalidParameterValue.PasswordRuleError",
    "ResourceUnavailable.InstanceStatusAbnormal",
    # DescribeTaskInfo, beyond the lists above (DescribeInstanceAccount's are all above)
    "InvalidParameter.InvalidParameter",
    # errorcodes.py 3.1.189, declared for the whole service, not listed for these actions: the ones they can meet
    # (a missing instance or account, an unknown task, a locked, expired or deleted instance, the password's)
    "ResourceNotFound.InstanceNotExists",
    "ResourceNotFound.AccountDoesNotExists",
    "InternalError.InstanceNotFoundError",
    "InternalError.InstanceOperatePermissionError",
    "FailedOperation.FlowNotExists",
    "ResourceUnavailable.InstanceDeleted",
    "ResourceUnavailable.InstanceIsolated",
    "ResourceUnavailable.InstanceLockedError",
    "ResourceInUse.InstanceBeenLocked",
    "InvalidParameterValue.PasswordEmpty",
    "InvalidParameterValue.PasswordError",
    "UnsupportedOperation.LimitProxyVersion",
]


KIT = ProviderKit(
    "tencentcloud-redis", on_ring(TencentRedisEmulator), "ap-guangzhou", "crs-", "redis",
    ("ModifyInstanceAccount", "ResetPassword", "DescribeTaskInfo", "DescribeInstanceAccount"),
    "FailedOperation.SystemError", "UnauthorizedOperation.NoCAMAuthed", "ModifyInstanceAccount", "AccountPassword",
    reports_changes=True,
    leftover_codes=("ResourceUnavailable.InstanceStatusError", "ResourceUnavailable.InstanceStatusAbnormal"),
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    grants=(
        {"Privilege": ["rw"], "ReadonlyPolicy": ["master"]},
        {"Privilege": ["r"], "ReadonlyPolicy": ["master"]},
        "data: only app_a has ['write']",
    ),
    api=("redis", "2018-04-12"),
    floor=(
        FloorStep(
            "ModifyInstanceAccount",
            {"InstanceId": "$instance_id", "AccountName": "$username", "AccountPassword": "$password"},
            keep="TaskId",
        ),
        FloorStep("DescribeTaskInfo", {"TaskId": "$TaskId"}, until=("Status", "succeed")),
        FloorStep("DescribeInstanceAccount", {"InstanceId": "$instance_id", "Limit": 100, "Offset": 0}),
    ),
)  # fmt: skip
