"""TDSQL-C for MySQL (``cynosdb`` 2019-01-07): clusters and their ``user@host`` accounts in memory.
``ResetAccountPassword`` changes the password when it answers (and on the real database behind the account, maybe
late), under the documented password rules; ``DescribeAccounts`` lists accounts with no status, as the service
does; ``DescribeAccountAllGrantPrivileges`` answers what each account was granted (``grant``, keyed as the
library's client keys privileges: ``global``, ``database app``, ``table app.orders``), in the service's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, ProviderError, UserAtHostService
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, page, required

SYMBOLS = "~!@#$%^&*_-+=`|\\(){}[]:;'<>,.?/"
"""The symbols the service documents for its passwords (tencentcloud-sdk-python-cynosdb 3.1.195 models.py, the
AdminPassword rule: 8-64 characters, three of upper-case, lower-case, digits and these)."""
CREATED = "2024-01-01 00:00:00"
TDSQLC_SCOPES = {
    "database": ("DatabasePrivileges", ("Db",)),
    "table": ("TablePrivileges", ("Db", "TableName")),
}
"""An object key's kind -> the DescribeAccountAllGrantPrivileges list it is answered in, and the fields naming it."""


@dataclass
class TdsqlcAccount(DatabaseAccount):
    update_time: str = CREATED
    """``UpdateTime`` as DescribeAccounts lists it: a reset moves it."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Object key (``global``, ``database app``, ``table app.orders``) -> privileges."""


@dataclass
class TdsqlcCluster(DatabaseInstance[TdsqlcAccount]):
    """A cluster (``cynosdbmysql-…``); its accounts are keyed by user and host."""


class TencentTdsqlcEmulator(TencentApiEmulator, UserAtHostService[TdsqlcCluster, TdsqlcAccount]):
    """TDSQL-C for MySQL: a synchronous reset, accounts without a status, grants read in one call."""

    service = "cynosdb"
    version = "2019-01-07"
    instance_type = TdsqlcCluster
    account_type = TdsqlcAccount
    default_region = "ap-guangzhou"

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]], host: str = "%") -> None:
        """What ``username@host`` may do: ``global``, ``database <db>``, ``table <db>.<table>`` -> privilege names
        (``SELECT``, …). Replaces earlier grants. The service reports no column privileges, so none is taken."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            scope = TDSQLC_SCOPES.get(kind)
            if key != "global" and (scope is None or len(name.split(".")) != len(scope[1])):
                raise ValueError(f"not a TDSQL-C object key: {key!r}")
        with self.lock:
            account = self.account(instance_id, (username, host))
            account.privileges = {key: list(names) for key, names in privileges.items()}

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountAllGrantPrivileges": self.describe_account_all_grant_privileges,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _cluster(self, params: dict[str, Any]) -> TdsqlcCluster:
        required(params, "ClusterId")
        not_found = ProviderError("ResourceNotFound.ClusterNotFoundError", "The cluster does not exist.")
        return self.instance_of(params["ClusterId"], not_found)

    def _account(self, cluster: TdsqlcCluster, user: str, host: str) -> TdsqlcAccount:
        no_account = ProviderError("InvalidParameterValue.AccountNotExistError", "The account does not exist.")
        return self.account_in(cluster, (user, host), no_account)

    def reset_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        """``Host`` defaults to ``%`` (the SDK's model). The password: 8-64 characters (NewAccount's rule), of
        letters, digits and the documented symbols, three kinds of the four (the AdminPassword rule)."""
        with self.lock:
            cluster = self._cluster(params)
            required(params, "AccountName", "AccountPassword")
            host = params.get("Host", "%")
            if not isinstance(host, str):
                raise ProviderError("InvalidParameterValue.InvalidParameterValueError", "Host must be a string")
            account = self._account(cluster, params["AccountName"], host)
            password = params["AccountPassword"]
            kinds = (str.isupper, str.islower, str.isdigit, lambda c: c in SYMBOLS)
            allowed = all(c.isascii() and (c.isalnum() or c in SYMBOLS) for c in password)
            if not 8 <= len(password) <= 64 or not allowed or sum(any(map(k, password)) for k in kinds) < 3:
                raise ProviderError(
                    "InvalidParameterValue.IllegalPassword",
                    f"The password must be 8-64 characters with three of upper-case, lower-case, digits and {SYMBOLS}.",
                )
            account.password = password
            account.update_time = datetime.fromtimestamp(self.now(), tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
            self.apply_to_database(params["ClusterId"], params["AccountName"], password)
            return {}

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        """The cluster's accounts, those named in ``AccountNames`` (and ``Hosts``) when given, a page of them."""
        with self.lock:
            cluster = self._cluster(params)
            filters = []
            for name in ("AccountNames", "Hosts"):
                wanted = params.get(name)
                if wanted is not None and not (isinstance(wanted, list) and all(isinstance(w, str) for w in wanted)):
                    raise ProviderError("InvalidParameterValue.InvalidParameterValueError", f"{name} is a list")
                filters.append(wanted)
            names, hosts = filters
            matching = [
                ((user, host), account)
                for (user, host), account in sorted(cluster.accounts.items())
                if (names is None or user in names) and (hosts is None or host in hosts)
            ]
            accounts = [
                {
                    "AccountName": user,
                    "Host": host,
                    "Description": "",
                    "CreateTime": CREATED,
                    "UpdateTime": account.update_time,
                    "MaxUserConnections": 0,
                    "PasswordRotation": 0,
                }
                for (user, host), account in matching[page(params, default_limit=20)]
            ]
            return {"TotalCount": len(matching), "AccountSet": accounts}

    def describe_account_all_grant_privileges(self, params: dict[str, Any]) -> dict[str, Any]:
        """``user@host``'s grants: the GRANT statements and the same per scope (empty lists for an account granted
        nothing, whose one statement is ``GRANT USAGE``)."""
        with self.lock:
            cluster = self._cluster(params)
            named = params.get("Account")
            if not isinstance(named, dict) or not isinstance(named.get("AccountName"), str):
                raise ProviderError("MissingParameter", "Account.AccountName is required")
            user, host = named["AccountName"], named.get("Host", "%")
            account = self._account(cluster, user, host if isinstance(host, str) else "%")
            grantee = f"'{user}'@'{host}'"
            answer: dict[str, Any] = {"GlobalPrivileges": list(account.privileges.get("global", []))}
            answer |= {field_name: [] for field_name, _ in TDSQLC_SCOPES.values()}
            statements = [f"GRANT {', '.join(answer['GlobalPrivileges']) or 'USAGE'} ON *.* TO {grantee}"]
            for key, names in sorted(account.privileges.items()):
                kind, _, name = key.partition(" ")
                if kind in TDSQLC_SCOPES:
                    field_name, parts = TDSQLC_SCOPES[kind]
                    named_by = dict(zip(parts, name.split("."), strict=True))
                    answer[field_name].append({**named_by, "Privileges": list(names)})
                    target = f"{name}.*" if kind == "database" else name
                    statements.append(f"GRANT {', '.join(names)} ON {target} TO {grantee}")
            return {"PrivilegeStatements": statements, **answer}


# TDSQL-C for MySQL (cynosdb 2019-01-07): the codes tencentcloud-sdk-go v1.3.166 cynosdb/v20190107/client.go lists
# for ResetAccountPassword, DescribeAccounts and DescribeAccountAllGrantPrivileges, their meanings in
# tencentcloud-sdk-python-cynosdb 3.1.195 errorcodes.py.
DOCUMENTED_CODES = [
    # ResetAccountPassword
    "FailedOperation.DatabaseAccessError",
    "FailedOperation.OperationFailedError",
    "InternalError.DbOperationFailed",
    "InternalError.OperationNotSupport",
    "InternalError.SystemError",
    "InvalidParameterValue.AccountNotExistError",
    "InvalidParameterValue.IllegalPassword",
    "InvalidParameterValue.InternalAccount",
    "InvalidParameterValue.InvalidParameterValueError",
    "InvalidParameterValue.InvalidPasswordValueError",
    "InvalidParameterValue.ParamError",
    "OperationDenied.InstanceStatusDeniedError",
    "OperationDenied.ServerlessInstanceStatusDenied",
    "ResourceNotFound.ClusterNotFoundError",
    "ResourceUnavailable.InstanceStatusAbnormal",
    "UnauthorizedOperation.PermissionDenied",
    # DescribeAccounts, beyond the ResetAccountPassword list
    "InvalidParameterValue.InstanceNotFound",
    # DescribeAccountAllGrantPrivileges, beyond the two lists above
    "InternalError.QueryDatabaseFailed",
    "InternalError.ListInstanceFailed",
    "InternalError.GetSecurityGroupDetailFailed",
    "InternalError.GetSubnetFailed",
    "InternalError.GetVpcFailed",
    "InternalError.OperateWanFail",
    "OperationDenied.ServerlessClusterStatusDenied",
    "ResourceUnavailable.InstanceLockFail",
    "LimitExceeded.UserInstanceLimit",
    "InvalidParameter.IsolateNotAllowed",
    "InvalidParameterValue.AccountExist",
    "InvalidParameterValue.FlowNotFound",
    "InvalidParameterValue.DBTypeNotFound",
    "InvalidParameterValue.InvalidDBVersion",
    "InvalidParameterValue.IllegalInstanceName",
    "InvalidParameterValue.IllegalOrderBy",
    "InvalidParameterValue.InvalidSpec",
    "InvalidParameterValue.RegionZoneUnavailable",
    "InvalidParameterValue.StoragePoolNotFound",
    "InvalidParameterValue.SubnetNotFound",
    "InvalidParameterValue.VpcNotFound",
]


KIT = ProviderKit(
    "tencentcloud-tdsqlc", on_ring(TencentTdsqlcEmulator), "ap-guangzhou", "cynosdbmysql-", "mysql",
    ("ResetAccountPassword", "DescribeAccounts", "DescribeAccountAllGrantPrivileges"),
    "FailedOperation.DatabaseAccessError", "UnauthorizedOperation.PermissionDenied", "ResetAccountPassword",
    "AccountPassword", reports_changes=False,
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    grants=(
        {"database app": ["SELECT", "INSERT"]},
        {"database app": ["SELECT"], "database audit": ["SELECT"]},
        "database app: only app_a has ['INSERT']",
    ),
    api=("cynosdb", "2019-01-07"),
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {
                "ClusterId": "$instance_id",
                "AccountName": "$username",
                "AccountPassword": "$password",
                "Host": "$account_host",
            },
        ),
        FloorStep(
            "DescribeAccounts",
            {"ClusterId": "$instance_id", "AccountNames": ["$username"], "Limit": 100, "Offset": 0},
        ),
    ),
    floor_defaults={"account_host": "%"},
)  # fmt: skip
