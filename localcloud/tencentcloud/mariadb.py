"""TencentDB for MariaDB (``mariadb`` 2017-03-12): accounts by user and host, a synchronous
``ResetAccountPassword`` held to the documented password rule, ``DescribeAccounts`` (every account at once, no
status of its own) and ``DescribeAccountPrivileges`` answering the one scope each call names, from what each account
was granted (``grant``, keyed as the library's client keys privileges: ``global``, ``database app``, ``table
app.orders``). Each action refuses parameters its request model does not have, as API 3.0 does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, ProviderError, UserAtHostService
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, required

SYMBOLS = "()~!@#$%^&*-+=_|{}[]:<>,.?/"
"""ResetAccountPasswordRequest.Password's special characters (tencentcloud-sdk-python-mariadb 3.1.101 models.py)."""
CREATED = "2024-01-01 00:00:00"

OBJECT_SCOPES = {"table": 2, "column": 3, "view": 2, "proc": 2, "func": 2}
"""A grant key's kind other than ``global`` and ``database`` -> how many dotted names it has (``table app.orders``,
``column app.orders.id``); DescribeAccountPrivileges' ``Type`` names the same kinds (a column is a table's
``ColName``)."""

PARAMETERS = {
    "ResetAccountPassword": {"InstanceId", "UserName", "Host", "Password", "EncryptedPassword"},
    "DescribeAccounts": {"InstanceId"},
    "DescribeAccountPrivileges": {"InstanceId", "UserName", "Host", "DbName", "Type", "Object", "ColName"},
}
"""Each action's request model (models.py): any other parameter is refused (``UnknownParameter``)."""


@dataclass
class MariadbAccount(DatabaseAccount):
    update_time: str = CREATED
    """``DBAccount.UpdateTime``: when it was last changed (a reset moves it)."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Grant key (``global``, ``database app``, ``table app.orders``, ``column app.orders.id``, ``view app.v``,
    ``proc app.p``, ``func app.f``) -> privilege names."""


@dataclass
class MariadbInstance(DatabaseInstance[MariadbAccount]):
    """Its accounts are keyed by user and host."""


class TencentMariadbEmulator(TencentApiEmulator, UserAtHostService[MariadbInstance, MariadbAccount]):
    """TencentDB for MariaDB: the password changes when ``ResetAccountPassword`` answers."""

    service = "mariadb"
    version = "2017-03-12"
    instance_type = MariadbInstance
    account_type = MariadbAccount
    default_region = "ap-guangzhou"

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]], host: str = "%") -> None:
        """What ``username@host`` may do, by grant key (see :class:`MariadbAccount`). Replaces earlier grants."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            dotted = len(name.split("."))
            if key != "global" and not (kind == "database" and dotted == 1) and OBJECT_SCOPES.get(kind) != dotted:
                raise ValueError(f"not a MariaDB grant key: {key!r}")
        with self.lock:
            self.account(instance_id, (username, host)).privileges = {k: list(v) for k, v in privileges.items()}

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountPrivileges": self.describe_account_privileges,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - PARAMETERS.get(action, set(params)))
        if unknown:
            raise ProviderError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        return super().dispatch(action, params)

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> MariadbInstance:
        required(params, "InstanceId")
        not_found = ProviderError("InvalidParameter.InstanceNotFound", "The requested instance was not found.")
        return self.instance_of(params["InstanceId"], not_found)

    def _account(self, instance: MariadbInstance, params: dict[str, Any]) -> MariadbAccount:
        required(params, "UserName", "Host")
        no_account = ProviderError("ResourceNotFound.AccountDoesNotExist", "The specified account does not exist.")
        return self.account_in(instance, (params["UserName"], params["Host"]), no_account)

    def reset_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            account = self._account(instance, params)
            if "EncryptedPassword" in params:
                raise ProviderError(
                    "InvalidParameter.GenericParameterError", "EncryptedPassword needs GetPublicKey's key: not emulated"
                )
            required(params, "Password")
            check_password(params["Password"])
            account.password = params["Password"]
            account.update_time = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.now()))
            self.apply_to_database(params["InstanceId"], params["UserName"], params["Password"])
            return {}

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            users = [
                {
                    "UserName": user,
                    "Host": host,
                    "Description": "",
                    "CreateTime": CREATED,
                    "UpdateTime": account.update_time,
                    "ReadOnly": 0,
                    "DelayThresh": 0,
                    "SlaveConst": 0,
                    "MaxUserConnections": 0,
                }
                for (user, host), account in sorted(instance.accounts.items())
            ]
            return {"InstanceId": params["InstanceId"], "Users": users}

    def describe_account_privileges(self, params: dict[str, Any]) -> dict[str, Any]:
        """The privileges of the one scope the call names: ``DbName`` ``*`` the global ones (``Type`` and
        ``Object`` ignored); a database with ``Type`` ``*`` that database's; with ``table``, ``view``, ``proc`` or
        ``func``, the ``Object`` so named (a table's column with ``ColName``). None for a scope never granted."""
        with self.lock:
            instance = self._instance(params)
            account = self._account(instance, params)
            required(params, "DbName", code="InvalidParameter.GenericParameterError")
            key = scope_key(params)
            return {
                "InstanceId": params["InstanceId"],
                "Privileges": list(account.privileges.get(key, [])),
                "UserName": params["UserName"],
                "Host": params["Host"],
            }


def check_password(password: str) -> None:
    """ResetAccountPasswordRequest.Password's rule: 8-32 characters, not starting with '/', at least two of
    letters, digits and :data:`SYMBOLS`. Another character is ``InvalidParameter.CharacterError`` (documented as
    "the password contains illegal characters"); the rest of the rule, which no code of its own names, the
    generic validation error."""
    if not all(c.isascii() and (c.isalnum() or c in SYMBOLS) for c in password):
        raise ProviderError("InvalidParameter.CharacterError", "The password contains illegal characters.")
    kinds = (str.isalpha, str.isdigit, lambda c: c in SYMBOLS)
    mixed = sum(any(map(kind, password)) for kind in kinds) >= 2
    if not 8 <= len(password) <= 32 or password.startswith("/") or not mixed:
        raise ProviderError(
            "InvalidParameter.GenericParameterError",
            f"The password must be 8-32 characters, not start with '/', and mix two of letters, digits and {SYMBOLS}.",
        )


def scope_key(params: dict[str, Any]) -> str:
    """The grant key a DescribeAccountPrivileges call names (``global``, ``database app``, ``table app.orders``)."""
    db, kind = params["DbName"], params.get("Type")
    if db == "*":
        return "global"
    if not db or not isinstance(kind, str):
        raise ProviderError("InvalidParameter.GenericParameterError", "DbName and Type name the scope")
    if kind == "*":
        return f"database {db}"
    obj, column = params.get("Object"), params.get("ColName", "*")
    if kind not in OBJECT_SCOPES or kind == "column" or not isinstance(obj, str) or obj in ("", "*"):
        raise ProviderError(
            "InvalidParameter.GenericParameterError", "Type must be table, view, proc, func or *, with an Object"
        )
    if kind == "table" and isinstance(column, str) and column not in ("", "*"):
        return f"column {db}.{obj}.{column}"
    return f"{kind} {db}.{obj}"


# TencentDB for MariaDB (mariadb 2017-03-12): the codes tencentcloud-sdk-go tencentcloud/mariadb/v20170312/client.go
# lists for ResetAccountPassword, DescribeAccounts and DescribeAccountPrivileges (InternalError.InnerSystemError
# for ResetAccountPassword in release v1.3.166), meanings in tencentcloud-sdk-python-mariadb 3.1.101
# tencentcloud/mariadb/v20170312/errorcodes.py.
DOCUMENTED_CODES = [
    # ResetAccountPassword
    "FailedOperation.ResetPasswordFailed",
    "InternalError.CamAuthFailed",
    "InternalError.DbOperationFailed",
    "InternalError.InnerSystemError",
    "InvalidParameter.CharacterError",
    "InvalidParameter.GenericParameterError",
    "ResourceUnavailable.InstanceAlreadyDeleted",
    "ResourceUnavailable.InstanceHasBeenLocked",
    "ResourceUnavailable.InstanceStatusAbnormal",
    "UnauthorizedOperation.PermissionDenied",
    # DescribeAccounts, beyond the ResetAccountPassword list
    "InternalError.GetUserListFailed",
    # DescribeAccountPrivileges, beyond the lists above
    "InternalError.GetRightFailed",
    "InvalidParameter.InstanceNotFound",
    # errorcodes.py 3.1.101, declared for the whole service, not listed for these actions: the ones they can meet
    # (a missing account or instance, the rate limit, permission refusals under a retryable family)
    "ResourceNotFound.AccountDoesNotExist",
    "ResourceNotFound.NoInstanceFound",
    "ResourceNotFound.InstanceNotFound",
    "InvalidParameterValue.IllegalInstanceId",
    "InvalidParameterValue.SuperUserForbidden",
    "InvalidParameter.PermissionDenied",
    "LimitExceeded.TooFrequentlyCalled",
    "FailedOperation.AuthNoStrategy",
    "FailedOperation.UserNotAuthed",
    "InternalError.InstanceOperatePermissionError",
]


KIT = ProviderKit(
    "tencentcloud-mariadb", on_ring(TencentMariadbEmulator), "ap-guangzhou", "tdsql-", "mysql",
    ("ResetAccountPassword", "DescribeAccounts", "DescribeAccountPrivileges"),
    "InternalError.DbOperationFailed", "UnauthorizedOperation.PermissionDenied", "ResetAccountPassword", "Password",
    reports_changes=False,
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    # The client reads the global scope and the secret's database only: a difference elsewhere goes unseen.
    grants=(
        {"global": ["PROCESS"], "database app": ["SELECT", "INSERT"]},
        {"global": ["PROCESS"], "database app": ["SELECT"]},
        "database app: only app_a has ['INSERT']",
    ),
    api=("mariadb", "2017-03-12"),
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {"InstanceId": "$instance_id", "UserName": "$username", "Host": "$account_host", "Password": "$password"},
        ),
        FloorStep("DescribeAccounts", {"InstanceId": "$instance_id"}),
    ),
    floor_defaults={"account_host": "%"},
)  # fmt: skip
