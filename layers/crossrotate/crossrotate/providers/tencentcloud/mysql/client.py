"""TencentDB for MySQL API (``cdb`` 2017-03-20) for one account (``user@host``): ModifyAccountPassword starts a
task, DescribeAsyncRequestInfo follows it, DescribeAccounts says whether the account exists,
DescribeAccountPrivileges what it may do."""

from __future__ import annotations

from ....errors import ErrorTable, redact, transport_error
from ....ports import AccountState, Privileges, ResetReceipt, TaskState
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import CAM_AUTHENTICATION, TencentApi

VERSION = "2017-03-20"
ENDED_WITHOUT_SUCCESS = {"FAILED": "Task.Failed", "KILLED": "Task.Killed", "REMOVED": "Task.Removed"}
"""Final statuses other than SUCCESS; INITIAL, RUNNING, PAUSED, UNDEFINED (and any other) mean: not yet."""
SCOPES = (
    ("DatabasePrivileges", "database", ("Database",)),
    ("TablePrivileges", "table", ("Database", "Table")),
    ("ColumnPrivileges", "column", ("Database", "Table", "Column")),
)
"""DescribeAccountPrivileges' per-object lists: (field, key prefix, the fields that name the object)."""


class TencentMysqlApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for MySQL account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "cdb", VERSION, errors)
        self.host = config.account.options["account_host"]

    def reset_password(self, password: str) -> ResetReceipt:
        """Start the task that sets the password; the receipt's poll follows it (one account per call, so a
        failed task leaves no account half-changed)."""
        params = {
            "InstanceId": self.account.instance_id,
            "NewPassword": password,
            "Accounts": [{"User": self.account.username, "Host": self.host}],
        }
        body = self.call("ModifyAccountPassword", params, sensitive=(password,))
        task = body.get("AsyncRequestId")
        if not isinstance(task, str) or not task:
            raise transport_error(
                self.errors.provider, "Transport.BadResponse", "ModifyAccountPassword returned no AsyncRequestId"
            )
        return ResetReceipt(request_id_of(body), poll=lambda: self.task_state(task, password))

    def task_state(self, task: str, password: str) -> TaskState:
        """The task's state; one that ended without success carries its classified ``Task.*`` failure."""
        body = self.call("DescribeAsyncRequestInfo", {"AsyncRequestId": task}, sensitive=(password,))
        status = str(body.get("Status") or "UNKNOWN")
        failure = None
        if status in ENDED_WITHOUT_SUCCESS:
            held = self.source.credentials()
            info = redact(str(body.get("Info") or ""), (password, held.key_secret, held.token))
            failure = self.errors.error(
                ENDED_WITHOUT_SUCCESS[status], f"task {task} ended {status}: {info}", request_id=request_id_of(body)
            )
        return TaskState(done=status == "SUCCESS", status=status, failure=failure)

    def account_state(self) -> AccountState:
        """Listed (``User`` and ``Host`` both match) or not: cdb gives an account no status of its own."""
        wanted = (self.account.username, self.host)
        for item in self.listed("DescribeAccounts", {"InstanceId": self.account.instance_id}, "Items"):
            if (item.get("User"), item.get("Host")) == wanted:
                if item.get("OpenCam") is True:
                    return CAM_AUTHENTICATION
                return AccountState(exists=True, usable=True, settling=False, status="listed")
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """DescribeAccountPrivileges of ``user@host``: ``global``, ``database <db>``, ``table <db>.<table>`` and
        ``column <db>.<table>.<column>``, each with the privileges the provider lists for it."""
        params = {"InstanceId": self.account.instance_id, "User": self.account.username, "Host": self.host}
        body = self.call("DescribeAccountPrivileges", params)
        found: dict[str, set[str]] = {"global": {str(name) for name in body.get("GlobalPrivileges") or []}}
        for field, prefix, names in SCOPES:
            for item in body.get(field) or []:
                if isinstance(item, dict):
                    key = f"{prefix} {'.'.join(str(item.get(name)) for name in names)}"
                    found.setdefault(key, set()).update(str(name) for name in item.get("Privileges") or [])
        return {key: frozenset(privileges) for key, privileges in found.items() if privileges}
