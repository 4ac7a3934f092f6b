"""TencentDB for MySQL (``cdb`` 2017-03-20): the password change runs as a task that stays RUNNING for
:attr:`~TencentMysqlEmulator.task_polls` reads (or :attr:`~TencentMysqlEmulator.task_seconds`) and changes the
password only when it succeeds; privileges kept per ``global``/``database``/``table`` as the library's client keys
them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, ProviderError, UserAtHostService
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, page, required

CDB_SYMBOLS = "_+-&=!@#$%^*()"
TASK_FINAL = ("SUCCESS", "FAILED", "KILLED", "REMOVED")


@dataclass
class MysqlAccount(DatabaseAccount):
    open_cam: bool = False
    """CAM authentication is on (``OpenCam``)."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Object key (``global``, ``database app``, ``table app.orders``, ``column app.orders.id``) -> privileges."""


MYSQL_SCOPES = {
    "database": ("DatabasePrivileges", ("Database",)),
    "table": ("TablePrivileges", ("Database", "Table")),
    "column": ("ColumnPrivileges", ("Database", "Table", "Column")),
}
"""A cdb object key's kind -> the DescribeAccountPrivileges list it is answered in, and the fields naming it."""


@dataclass
class Task:
    instance_id: str
    accounts: list[tuple[str, str]]
    password: str
    polls_left: int
    ends: float
    outcome: str
    status: str = "RUNNING"


@dataclass
class MysqlInstance(DatabaseInstance[MysqlAccount]):
    """Its accounts are keyed by user and host."""


class TencentMysqlEmulator(TencentApiEmulator, UserAtHostService[MysqlInstance, MysqlAccount]):
    """TencentDB for MySQL: ``ModifyAccountPassword`` starts a task; the password changes when it succeeds."""

    service = "cdb"
    version = "2017-03-20"
    instance_type = MysqlInstance
    account_type = MysqlAccount
    default_region = "ap-guangzhou"

    def setup(self) -> None:
        super().setup()
        self.tasks: dict[str, Task] = {}
        self.task_polls = 1
        """DescribeAsyncRequestInfo reads of a task that still find it RUNNING."""
        self.task_seconds = 5.0
        """A task also finishes this long after it started, whether or not anyone asks."""
        self.task_outcomes: list[str] = []
        """How the next tasks end (FAILED, KILLED, …), one each, in order; SUCCESS when empty."""
        self.conflict_ends_task = False
        """A ModifyAccountPassword refused for a running task (``FailedOperation.StatusConflict``) lets that task end
        at its next read: tests of two concurrent copies then depend on the order of events, not on how fast the
        machine runs the first copy's polls while the second one backs off."""

    def use_cam_authentication(self, instance_id: str, username: str, host: str = "%") -> None:
        with self.lock:
            self.account(instance_id, (username, host)).open_cam = True

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]], host: str = "%") -> None:
        """What ``username@host`` may do: ``global``, ``database <db>``, ``table <db>.<table>``, ``column
        <db>.<table>.<column>`` -> privilege names (``SELECT``, …). Replaces earlier grants."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            if key != "global" and (kind not in MYSQL_SCOPES or len(name.split(".")) != len(MYSQL_SCOPES[kind][1])):
                raise ValueError(f"not a cdb object key: {key!r}")
        with self.lock:
            account = self.account(instance_id, (username, host))
            account.privileges = {key: list(names) for key, names in privileges.items()}

    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A task poll's parameters with the task's instance added: the call log and the faults taken then name
        the account they concern, as every other call does."""
        task = self.tasks.get(str(params.get("AsyncRequestId")))
        return {**params, "InstanceId": task.instance_id} if task and "InstanceId" not in params else params

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ModifyAccountPassword": self.modify_account_password,
            "DescribeAsyncRequestInfo": self.describe_async_request_info,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountPrivileges": self.describe_account_privileges,
        }

    def _instance(self, params: dict[str, Any]) -> MysqlInstance:
        required(params, "InstanceId")
        not_found = ProviderError("ResourceNotFound.CdbInstanceNotFoundError", "The instance was not found.")
        return self.instance_of(params["InstanceId"], not_found)

    def _account(self, instance: MysqlInstance, user: str, host: str) -> MysqlAccount:
        no_account = ProviderError("InvalidParameterValue.UserNotExistError", "The account does not exist.")
        return self.account_in(instance, (user, host), no_account)

    def _advance(self, task: Task, polled: bool) -> None:
        """Let the task run: it finishes after its polls or its time, and only then changes the password."""
        if task.status != "RUNNING":
            return
        if polled:
            task.polls_left -= 1
        if task.polls_left >= 0 and self.now() < task.ends:
            return
        task.status = task.outcome
        if task.outcome == "SUCCESS":
            instance = self.instances[task.instance_id]
            for user, host in task.accounts:
                instance.accounts[(user, host)].password = task.password
                self.apply_to_database(task.instance_id, user, task.password)

    def _running(self, instance_id: str) -> Task | None:
        for task in self.tasks.values():
            self._advance(task, polled=False)
            if task.instance_id == instance_id and task.status == "RUNNING":
                return task
        return None

    def modify_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            password, accounts = params.get("NewPassword"), params.get("Accounts")
            if not isinstance(password, str) or not isinstance(accounts, list) or not accounts:
                raise ProviderError("MissingParameter.AccountMissingParameterError", "NewPassword and Accounts")
            wanted = []
            for item in accounts:
                if not isinstance(item, dict) or not isinstance(item.get("User"), str):
                    raise ProviderError("MissingParameter.AccountMissingParameterError", "each account needs User")
                self._account(instance, item["User"], item.get("Host", "%"))
                wanted.append((item["User"], item.get("Host", "%")))
            if not 8 <= len(password) <= 64:
                raise ProviderError("InvalidParameterValue.AccountPasswordLengthError", "Invalid password length.")
            if not all(c.isascii() and (c.isalnum() or c in CDB_SYMBOLS) for c in password):
                raise ProviderError("InvalidParameterValue.AccountPasswordCharacterError", "Invalid characters.")
            kinds = (str.isalpha, str.isdigit, lambda c: c in CDB_SYMBOLS)
            if sum(any(map(kind, password)) for kind in kinds) < 2:
                raise ProviderError(
                    "InvalidParameterValue.AccountPasswordRuleError",
                    f"The password must mix two of letters, digits and {CDB_SYMBOLS}, 8-64 characters.",
                )
            running = self._running(params["InstanceId"])
            if running is not None:
                if self.conflict_ends_task:
                    running.ends = 0.0
                raise ProviderError("FailedOperation.StatusConflict", "Task status conflict.")
            task_id = f"async-{uuid.uuid4().hex[:16]}"
            outcome = self.task_outcomes.pop(0) if self.task_outcomes else "SUCCESS"
            self.tasks[task_id] = Task(
                params["InstanceId"], wanted, password, self.task_polls, self.now() + self.task_seconds, outcome
            )
            return {"AsyncRequestId": task_id}

    def describe_async_request_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            task = self.tasks.get(str(params.get("AsyncRequestId")))
            if task is None:
                raise ProviderError("InvalidParameter.InvalidAsyncRequestId", "The async task does not exist.")
            self._advance(task, polled=True)
            return {"Status": task.status, "Info": "" if task.status == "RUNNING" else f"task {task.status.lower()}"}

    def settle_tasks(self) -> None:
        """Finish every running task now (as if its time had come)."""
        with self.lock:
            for task in self.tasks.values():
                task.ends = 0.0
                self._advance(task, polled=False)

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            items = [
                {
                    "User": user,
                    "Host": host,
                    "Notes": "",
                    "ModifyTime": "2024-01-01 00:00:00",
                    "ModifyPasswordTime": "2024-01-01 00:00:00",
                    "CreateTime": "2024-01-01 00:00:00",
                    "MaxUserConnections": 0,
                    "OpenCam": account.open_cam,
                }
                for (user, host), account in sorted(instance.accounts.items())[page(params, default_limit=20)]
            ]
            return {"TotalCount": len(instance.accounts), "Items": items}

    def describe_account_privileges(self, params: dict[str, Any]) -> dict[str, Any]:
        """``user@host``'s grants, each list in the API's shape (empty lists for an account granted nothing)."""
        with self.lock:
            instance = self._instance(params)
            required(params, "User", "Host", code="MissingParameter.AccountMissingParameterError")
            account = self._account(instance, params["User"], params["Host"])
            answer: dict[str, Any] = {"GlobalPrivileges": list(account.privileges.get("global", []))}
            answer |= {field: [] for field, _ in MYSQL_SCOPES.values()}
            for key, names in sorted(account.privileges.items()):
                kind, _, name = key.partition(" ")
                if kind in MYSQL_SCOPES:
                    field, parts = MYSQL_SCOPES[kind]
                    answer[field].append({**dict(zip(parts, name.split("."), strict=True)), "Privileges": list(names)})
            return answer


# TencentDB for MySQL (cdb 2017-03-20): the SDK's error lists for ModifyAccountPassword, DescribeAsyncRequestInfo and
# DescribeAccounts (tencentcloud-sdk-go cdb client.go, meanings from tencentcloud-sdk-python-cdb errorcodes.py).
DOCUMENTED_CODES = [
    "FailedOperation.CreateAccountError",
    "FailedOperation.GetPrivilegeError",
    "FailedOperation.PrivilegeDataIllegal",
    "FailedOperation.ResponseValueError",
    "FailedOperation.StartFlowError",
    "FailedOperation.StatusConflict",
    "FailedOperation.SubmitAsyncTaskError",
    "InternalError.InternalAssertError",
    "InternalError.InternalRequestError",
    "InternalError.RegexpCompileError",
    "InternalError.UnknownError",
    "InvalidParameter",
    "InvalidParameter.InstanceNotFound",
    "InvalidParameterValue.AccountDescriptionCharacterError",
    "InvalidParameterValue.AccountDescriptionLengthError",
    "InvalidParameterValue.AccountHostRuleError",
    "InvalidParameterValue.AccountPasswordCharacterError",
    "InvalidParameterValue.AccountPasswordLengthError",
    "InvalidParameterValue.AccountPasswordRuleError",
    "InvalidParameterValue.DataConvertError",
    "InvalidParameterValue.UserNameRuleError",
    "InvalidParameterValue.UserNotExistError",
    "InvalidParameterValue.VerifyAccountNoRootError",
    "InvalidParameterValue.VerifyAccountPasswordError",
    "InvalidParameterValue.VerifyAccountPrivError",
    "MissingParameter.AccountMissingParameterError",
    "OperationDenied.DeleteRootAccountError",
    "OperationDenied.InstTypeNotSupport",
    "OperationDenied.NotSupportModifyLocalRootHostError",
    "OperationDenied.WrongPassword",
    "ResourceNotFound.CdbInstanceNotFoundError",
    "UnsupportedOperation.PrivilegesUnsupportedError",
    # DescribeAsyncRequestInfo
    "CdbError.TaskError",
    "InternalError.FtpError",
    "InternalError.UndefinedError",
    "InvalidParameter.InvalidAsyncRequestId",
    "OperationDenied",
    "OperationDenied.UserHasNoStrategy",
    # DescribeAccounts, beyond the ModifyAccountPassword list
    "FailedOperation.DBOperationActionError",
    "FailedOperation.InstanceQueryError",
    "InternalError.CdbError",
    "InternalError.HttpError",
    "InternalError.InternalHttpServerError",
    "InvalidParameter.ControllerNotFoundError",
    "InvalidParameterValue.InvalidParameterValueError",
    "OperationDenied.OperationDeniedError",
    "ResourceNotFound.InstanceNotFundError",
    "UnsupportedOperation",
]


KIT = ProviderKit(
    "tencentcloud-mysql", on_ring(TencentMysqlEmulator), "ap-guangzhou", "cdb-", "mysql",
    ("ModifyAccountPassword", "DescribeAsyncRequestInfo", "DescribeAccounts", "DescribeAccountPrivileges"),
    "RequestLimitExceeded", "OperationDenied.UserHasNoStrategy", "ModifyAccountPassword", "NewPassword",
    reports_changes=False, leftover_codes=("FailedOperation.StatusConflict",),
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    grants=(
        {"database app": ["SELECT", "INSERT"]},
        {"database app": ["SELECT"], "database audit": ["SELECT"]},
        "database app: only app_a has ['INSERT']",
    ),
    cam_authentication=True,
    api=("cdb", "2017-03-20"),
    floor=(
        FloorStep(
            "ModifyAccountPassword",
            {
                "InstanceId": "$instance_id",
                "NewPassword": "$password",
                "Accounts": [{"User": "$username", "Host": "$account_host"}],
            },
            keep="AsyncRequestId",
        ),
        FloorStep("DescribeAsyncRequestInfo", {"AsyncRequestId": "$AsyncRequestId"}, until=("Status", "SUCCESS")),
        FloorStep("DescribeAccounts", {"InstanceId": "$instance_id", "Limit": 100, "Offset": 0}),
    ),
    floor_defaults={"account_host": "%"},
)  # fmt: skip
