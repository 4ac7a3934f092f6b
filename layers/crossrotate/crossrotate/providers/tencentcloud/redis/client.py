"""TencentDB for Redis API (``redis`` 2018-04-12) for one account: ModifyInstanceAccount (a custom account) or
ResetPassword (the default account, ``root``) starts a task, DescribeTaskInfo follows it, DescribeInstanceAccount
says whether the account exists and what it may do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ....errors import ErrorTable, redact, transport_error
from ....ports import AccountState, Privileges, ResetReceipt, TaskState
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import TencentApi

VERSION = "2018-04-12"
DEFAULT_ACCOUNT = "root"
"""How DescribeInstanceAccount lists the default account, whose password ResetPassword sets."""
TASK_STATUS: Mapping[str, str | None] = {
    "preparing": None,
    "running": None,
    "succeed": "done",
    "failed": "Task.Failed",
    "error": "Task.Error",
}
"""DescribeTaskInfo's ``Status`` (compared in lower case: the international docs spell it ``Error``) -> ``done``,
the classified failure it ends in, or None: not yet. A status it does not document also means: not yet."""
ACCOUNT_STATUS: Mapping[int, tuple[str, bool, bool]] = {
    1: ("changing", False, True),
    2: ("valid", True, False),
    4: ("deleted", False, False),
}
"""DescribeInstanceAccount's ``Account.Status`` -> (words, usable, settling)."""
PRIVILEGE = {"r": ("read",), "w": ("write",), "rw": ("read", "write")}
"""``Account.Privilege`` -> what it allows (another value is kept as it is)."""


class TencentRedisApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for Redis account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "redis", VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        """Start the task that sets the password (ResetPassword for ``root``, ModifyInstanceAccount with the password
        alone for a custom account: what it leaves out stays as it is); the receipt's poll follows it."""
        instance = self.account.instance_id
        if self.account.username == DEFAULT_ACCOUNT:
            action, params = "ResetPassword", {"InstanceId": instance, "Password": password}
        else:
            params = {"InstanceId": instance, "AccountName": self.account.username, "AccountPassword": password}
            action = "ModifyInstanceAccount"
        body = self.call(action, params, sensitive=(password,))
        task = body.get("TaskId")
        if not isinstance(task, int) or isinstance(task, bool):
            raise transport_error(self.errors.provider, "Transport.BadResponse", f"{action} returned no TaskId")
        return ResetReceipt(request_id_of(body), poll=lambda: self.task_state(task, password))

    def task_state(self, task: int, password: str) -> TaskState:
        """The task's state; one that ended without success carries its classified ``Task.*`` failure, with the
        task's message (redacted)."""
        body = self.call("DescribeTaskInfo", {"TaskId": task}, sensitive=(password,))
        status = str(body.get("Status") or "unknown")
        outcome = TASK_STATUS.get(status.lower())
        failure = None
        if outcome is not None and outcome != "done":
            held = self.source.credentials()
            message = redact(str(body.get("TaskMessage") or ""), (password, held.key_secret, held.token))
            failure = self.errors.error(
                outcome, f"task {task} ended {status}: {message[:200]}", request_id=request_id_of(body)
            )
        return TaskState(done=outcome == "done", status=status, failure=failure)

    def _listed_account(self) -> dict[str, Any] | None:
        params = {"InstanceId": self.account.instance_id}
        for account in self.listed("DescribeInstanceAccount", params, "Accounts"):
            if account.get("AccountName") == self.account.username:
                return account
        return None

    def account_state(self) -> AccountState:
        """The account's ``Status`` in DescribeInstanceAccount: 1 changing (a change is being applied), 2 valid,
        4 deleted."""
        account = self._listed_account()
        if account is None:
            return AccountState(exists=False, usable=False, settling=False, status="absent")
        status = account.get("Status")
        unknown = (f"in status {str(status)[:12]}", False, False)
        words, usable, settling = ACCOUNT_STATUS.get(status, unknown) if isinstance(status, int) else unknown
        return AccountState(exists=True, usable=usable, settling=settling, status=words)

    def privileges(self) -> Privileges:
        """``data``: what ``Privilege`` allows (``read``, ``write``); ``read routing``: the nodes its reads go to
        (``ReadonlyPolicy``: ``master``, ``replication``). There are no per-key or per-command grants."""
        account = self._listed_account() or {}
        privilege = str(account.get("Privilege") or "")
        routing = account.get("ReadonlyPolicy")
        found = {
            "data": frozenset(PRIVILEGE.get(privilege, (privilege,) if privilege else ())),
            "read routing": frozenset(str(node) for node in routing) if isinstance(routing, list) else frozenset(),
        }
        return {key: names for key, names in found.items() if names}
