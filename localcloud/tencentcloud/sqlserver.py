"""TencentDB for SQL Server (``sqlserver`` 2018-03-28): instances and accounts (by name) in memory.
``ResetAccountPassword`` starts a flow that stays running (``DescribeFlowStatus`` Status 2) for
:attr:`~TencentSqlserverEmulator.task_polls` reads (or :attr:`~TencentSqlserverEmulator.task_seconds`) and changes
the passwords only when it succeeds (Status 0); a flow can be made to fail (Status 1, nothing changed). Meanwhile
``DescribeAccounts`` lists the account as resetting (Status 4), and a second reset of it is refused
(``ResourceUnavailable.AccountInvalidStatus``). ``DescribeAccounts`` reports each account's databases and
privileges (``grant``, keyed as the library's client keys them: ``database app``, ``account type``). Each action
refuses parameters its request model does not have, as API 3.0 does. No SQL Server stands behind an account: the
emulator's own account store (``password_of``) is what a rotation is proven against.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, required

SYMBOLS = "_+-&=!@$#%^*()[]"
"""The symbols documented for TencentDB for SQL Server passwords (product/238/48058); the SDK states none."""
CREATED = "2024-01-01 00:00:00"
STATUS_NORMAL, STATUS_RESETTING = 2, 4
FLOW_SUCCEEDED, FLOW_FAILED, FLOW_RUNNING = 0, 1, 2
PRIVILEGES = ("ReadWrite", "ReadOnly", "DBOwner")
"""DBPrivilege.Privilege's values (models.py)."""
ACCOUNT_TYPES = ("L0", "L1", "L2", "L3")
"""AccountDetail.AccountType's values: super (single-node only), advanced, special, normal."""

PARAMETERS = {
    "ResetAccountPassword": {"InstanceId", "Accounts"},
    "DescribeFlowStatus": {"FlowId"},
    "DescribeAccounts": {"InstanceId", "Limit", "Offset", "Name", "OrderBy", "OrderByType"},
}
"""Each action's request model (tencentcloud-sdk-python-sqlserver 3.1.183 models.py): any other parameter is refused
(``UnknownParameter``)."""
ACCOUNT_PASSWORD = {"UserName", "Password", "EncryptedVersion"}
"""AccountPassword's fields."""


@dataclass
class SqlserverAccount(DatabaseAccount):
    status: int = STATUS_NORMAL
    """AccountDetail.Status when no flow is resetting it: 1 creating, 2 normal, 3 modifying, -1 being deleted."""
    is_cam: bool = False
    """CAM verification is on: its password cannot be changed."""
    pass_time: str = CREATED
    """When its password last changed (a successful flow moves it)."""
    account_type: str = "L3"
    dbs: dict[str, str] = field(default_factory=dict)
    """Database name -> its one privilege (ReadWrite, ReadOnly, DBOwner)."""


@dataclass
class SqlserverInstance(DatabaseInstance[SqlserverAccount]):
    status: int = 2
    """DescribeDBInstances' Status: 2 running; any other refuses resets (ResourceUnavailable.InstanceStatusInvalid)."""


@dataclass
class Flow:
    instance_id: str
    accounts: list[tuple[str, str]]
    """(user name, new password) of each account it resets."""
    polls_left: int
    ends: float
    outcome: int
    status: int = FLOW_RUNNING


class TencentSqlserverEmulator(TencentApiEmulator, DatabaseService[SqlserverInstance, SqlserverAccount]):
    """TencentDB for SQL Server: ``ResetAccountPassword`` starts a flow; the password changes when it succeeds."""

    service = "sqlserver"
    version = "2018-03-28"
    instance_type = SqlserverInstance
    account_type = SqlserverAccount
    default_region = "ap-guangzhou"

    def setup(self) -> None:
        super().setup()
        self.flows: dict[int, Flow] = {}
        self.flow_ids = itertools.count(30457)  # the documented example's FlowId
        self.task_polls = 1
        """DescribeFlowStatus reads of a flow that still find it running (Status 2)."""
        self.task_seconds = 5.0
        """A flow also ends this long after it started, whether or not anyone asks."""
        self.task_outcomes: list[int] = []
        """How the next flows end (1: failed), one each, in order; 0 (success) when empty."""

    def use_cam_authentication(self, instance_id: str, username: str) -> None:
        with self.lock:
            self.account(instance_id, username).is_cam = True

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do, as DescribeAccounts reports it: ``database <name>`` -> its one privilege
        (ReadWrite, ReadOnly or DBOwner), and ``account type`` -> its one type (L0-L3, L3 when not given).
        Replaces earlier grants."""
        dbs, account_type = {}, "L3"
        for key, names in privileges.items():
            kind, _, name = key.partition(" ")
            if kind == "database" and name and "." not in name and len(names) == 1 and names[0] in PRIVILEGES:
                dbs[name] = names[0]
            elif key == "account type" and len(names) == 1 and names[0] in ACCOUNT_TYPES:
                account_type = names[0]
            else:
                raise ValueError(f"not a SQL Server grant: {key!r}: {names!r}")
        with self.lock:
            account = self.account(instance_id, username)
            account.dbs, account.account_type = dbs, account_type

    # -- the call log --------------------------------------------------------------------------------------
    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A flow's poll with its instance added: the call log and the faults taken then name the account they
        concern, as every other call does."""
        flow = self.flows.get(params["FlowId"]) if type(params.get("FlowId")) is int else None
        return {**params, "InstanceId": flow.instance_id} if flow and "InstanceId" not in params else params

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeFlowStatus": self.describe_flow_status,
            "DescribeAccounts": self.describe_accounts,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - PARAMETERS.get(action, set(params)))
        if unknown:
            raise ProviderError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        return super().dispatch(action, params)

    # -- flows -----------------------------------------------------------------------------------------------
    def _advance(self, flow: Flow, polled: bool) -> None:
        """Let the flow run: it ends after its polls or its time, and only a success changes the passwords."""
        if flow.status != FLOW_RUNNING:
            return
        if polled:
            flow.polls_left -= 1
        if flow.polls_left >= 0 and self.now() < flow.ends:
            return
        flow.status = flow.outcome
        if flow.outcome == FLOW_SUCCEEDED:
            moment = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.now()))
            for username, password in flow.accounts:
                self.change_password(flow.instance_id, username, password)
                self.account(flow.instance_id, username).pass_time = moment

    def _resetting(self, instance_id: str, username: str) -> bool:
        """Whether a running flow is resetting the account (every flow let run first)."""
        for flow in self.flows.values():
            self._advance(flow, polled=False)
        return any(
            flow.status == FLOW_RUNNING and flow.instance_id == instance_id and username in dict(flow.accounts)
            for flow in self.flows.values()
        )

    def password_of(self, instance_id: str, name: Any) -> str:
        """The account's password now: a flow whose time has come has ended, whether or not anyone asked."""
        with self.lock:
            for flow in self.flows.values():
                self._advance(flow, polled=False)
            return super().password_of(instance_id, name)

    def settle_tasks(self) -> None:
        """End every running flow now (as if its time had come)."""
        with self.lock:
            for flow in self.flows.values():
                flow.ends = 0.0
                self._advance(flow, polled=False)

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> SqlserverInstance:
        required(params, "InstanceId")
        return self.instance_of(
            params["InstanceId"], ProviderError("ResourceNotFound.InstanceNotFound", "The instance does not exist.")
        )

    def reset_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every account named must exist and be normal (Status 2, no flow resetting it, CAM verification off),
        every password must pass :func:`check_password`; then one flow resets them all."""
        with self.lock:
            instance = self._instance(params)
            if instance.status != 2:
                raise ProviderError("ResourceUnavailable.InstanceStatusInvalid", "The instance status is invalid.")
            accounts = params.get("Accounts")
            if accounts is None:
                raise ProviderError("MissingParameter", "The request is missing a required parameter `Accounts`.")
            if not isinstance(accounts, list) or not accounts:
                raise ProviderError("InvalidParameter.ParamsAssertFailed", "Accounts must be a non-empty list")
            changes = []
            for item in accounts:
                if not isinstance(item, dict) or set(item) - ACCOUNT_PASSWORD:
                    raise ProviderError("InvalidParameter.ParamsAssertFailed", "each account is an AccountPassword")
                required(item, "UserName", "Password")
                if item.get("EncryptedVersion") not in (None, 0):
                    raise ProviderError("InvalidParameter.InputIllegal", "encrypted passwords are not emulated")
                username, password = item["UserName"], item["Password"]
                no_account = ProviderError("ResourceNotFound.AccountNotExist", "The account does not exist.")
                account = self.account_in(instance, username, no_account)
                busy = account.status != STATUS_NORMAL or self._resetting(params["InstanceId"], username)
                if busy or account.is_cam:
                    raise ProviderError("ResourceUnavailable.AccountInvalidStatus", "The account status is invalid.")
                check_password(username, password)
                changes.append((username, password))
            flow_id = next(self.flow_ids)
            outcome = self.task_outcomes.pop(0) if self.task_outcomes else FLOW_SUCCEEDED
            self.flows[flow_id] = Flow(
                params["InstanceId"], changes, self.task_polls, self.now() + self.task_seconds, outcome
            )
            return {"FlowId": flow_id}

    def describe_flow_status(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            flow_id = params.get("FlowId")
            if flow_id is None:
                raise ProviderError("MissingParameter", "The request is missing a required parameter `FlowId`.")
            if type(flow_id) is not int:
                raise ProviderError("InvalidParameter.ParamsAssertFailed", "FlowId must be an integer")
            flow = self.flows.get(flow_id)
            if flow is None:
                raise ProviderError("InvalidParameter", f"The flow {flow_id} does not exist.")
            self._advance(flow, polled=True)
            return {"Status": flow.status}

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        """The instance's accounts whose name contains ``Name`` (whether the service matches exactly is not
        documented: a part is the harder case for a client), a page of them: ``Offset`` is the page's number."""
        with self.lock:
            instance = self._instance(params)
            limit, number, name = params.get("Limit", 20), params.get("Offset", 0), params.get("Name")
            if type(limit) is not int or type(number) is not int or not 1 <= limit <= 100 or number < 0:
                raise ProviderError("InvalidParameter.InputIllegal", "Limit is 1-100 and Offset a page number")
            if name is not None and not isinstance(name, str):
                raise ProviderError("InvalidParameter.ParamsAssertFailed", "Name must be a string")
            matching = [(user, account) for user, account in sorted(instance.accounts.items()) if (name or "") in user]
            details = [
                self._detail(params["InstanceId"], user, account)
                for user, account in matching[number * limit : (number + 1) * limit]
            ]
            return {"InstanceId": params["InstanceId"], "Accounts": details, "TotalCount": len(matching)}

    def _detail(self, instance_id: str, username: str, account: SqlserverAccount) -> dict[str, Any]:
        """An AccountDetail: Status 4 while a flow resets it (or a reset is still on its way)."""
        resetting = self._resetting(instance_id, username) or self.still_changing(instance_id, username)
        return {
            "Name": username,
            "Remark": "",
            "CreateTime": CREATED,
            "Status": STATUS_RESETTING if resetting else account.status,
            "UpdateTime": account.pass_time,
            "PassTime": account.pass_time,
            "InternalStatus": "enable",
            "Dbs": [{"DBName": db, "Privilege": privilege} for db, privilege in sorted(account.dbs.items())],
            "IsAdmin": account.account_type in ("L0", "L1"),
            "IsCam": account.is_cam,
            "Authentication": "sql",
            "Host": "",
            "AccountType": account.account_type,
        }


def check_password(username: str, password: str) -> None:
    """The strictest reading of the documented rules (the SDK states none): 8-32 characters of letters, digits and
    :data:`SYMBOLS`, three of upper-case, lower-case, digits and symbols (the Windows-authentication accounts' rule,
    and SQL Server's own complexity policy), not containing the account name (that policy, which, as Windows', checks
    names of 3 characters or more; case-insensitive)."""
    kinds = (str.isupper, str.islower, str.isdigit, lambda c: c in SYMBOLS)
    allowed = all(c.isascii() and (c.isalnum() or c in SYMBOLS) for c in password)
    mixed = sum(any(map(kind, password)) for kind in kinds) >= 3
    named = len(username) >= 3 and username.lower() in password.lower()
    if not 8 <= len(password) <= 32 or not allowed or not mixed or named:
        raise ProviderError(
            "InvalidParameterValue.PasswordIsIllegal",
            f"The password must be 8-32 characters with three of upper-case, lower-case, digits and {SYMBOLS}, "
            "and must not contain the account name.",
        )


# TencentDB for SQL Server (sqlserver 2018-03-28): the codes tencentcloud-sdk-go v1.3.166 (commit 144f6c8d)
# tencentcloud/sqlserver/v20180328/client.go lists for ResetAccountPassword, DescribeFlowStatus and DescribeAccounts,
# their meanings in tencentcloud-sdk-python-sqlserver 3.1.183 tencentcloud/sqlserver/v20180328/errorcodes.py.
DOCUMENTED_CODES = [
    # ResetAccountPassword
    "InternalError.DBError",
    "InternalError.GcsError",
    "InternalError.SystemError",
    "InvalidParameter.InputIllegal",
    "InvalidParameter.ParamsAssertFailed",
    "InvalidParameterValue.PasswordIsIllegal",
    "ResourceNotFound.AccountNotExist",
    "ResourceNotFound.InstanceNotFound",
    "ResourceUnavailable.AccountInvalidStatus",
    "ResourceUnavailable.InstanceStatusInvalid",
    "UnauthorizedOperation.PermissionDenied",
    # DescribeFlowStatus, beyond the ResetAccountPassword list
    "InternalError",
    "InternalError.UnknownError",
    "InvalidParameter",
    # DescribeAccounts, beyond the two lists above
    "FailedOperation.DBError",
    "FailedOperation.GcsError",
]


KIT = ProviderKit(
    "tencentcloud-sqlserver", on_ring(TencentSqlserverEmulator), "ap-guangzhou", "mssql-", None,
    ("ResetAccountPassword", "DescribeFlowStatus", "DescribeAccounts"),
    "InternalError.SystemError", "UnauthorizedOperation.PermissionDenied", "ResetAccountPassword",
    "Accounts.0.Password",
    reports_changes=True, leftover_codes=("ResourceUnavailable.AccountInvalidStatus",),
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    grants=(
        {"database app": ["ReadWrite"]},
        {"database app": ["ReadOnly"], "database audit": ["ReadOnly"], "account type": ["L1"]},
        "database app: only app_a has ['ReadWrite']",
    ),
    cam_authentication=True,
    api=("sqlserver", "2018-03-28"),
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {"InstanceId": "$instance_id", "Accounts": [{"UserName": "$username", "Password": "$password"}]},
            keep="FlowId",
        ),
        FloorStep("DescribeFlowStatus", {"FlowId": "$FlowId"}, until=("Status", 0)),
        FloorStep(
            "DescribeAccounts", {"InstanceId": "$instance_id", "Name": "$username", "Limit": 100, "Offset": 0}
        ),
    ),
)  # fmt: skip
