"""PolarDB clusters (``polardb`` 2017-08-01), ``ModifyAccountPassword``: clusters and accounts in memory, the
documented password rules, grants per database listed in ``DescribeAccounts``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import AlibabaRpcEmulator, follows_password_rules, grants_by_database, mandatory


@dataclass
class PolarAccount(DatabaseAccount):
    status: str = "Available"
    lock_state: str = "UnLock"
    account_type: str = "Normal"
    privileges: dict[str, str] = field(default_factory=dict)
    """Database name -> its AccountPrivilege."""


@dataclass
class PolarCluster(DatabaseInstance[PolarAccount]):
    status: str = "Running"
    lock_mode: str = "Unlock"
    db_type: str = "MySQL"


class PolarDbEmulator(AlibabaRpcEmulator, DatabaseService[PolarCluster, PolarAccount]):
    """PolarDB clusters: ``ModifyAccountPassword``, ``DescribeAccounts`` (a plain list) and
    ``DescribeDBClusterAttribute``, with the password rules of the ModifyAccountPassword page. An account has no
    status for a password being changed, so a late change is visible only to a login."""

    product = "polardb"
    version = "2017-08-01"
    instance_type = PolarCluster
    account_type = PolarAccount
    default_region = "cn-hangzhou"

    @property
    def clusters(self) -> dict[str, PolarCluster]:
        """The instances by the name PolarDB gives them."""
        return self.instances

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do per database: ``{"database app": ["ReadWrite"]}``, one AccountPrivilege each
        (ReadWrite, ReadOnly, DMLOnly, DDLOnly, ReadIndex): PolarDB lists no detail. Replaces earlier grants."""
        databases = grants_by_database(privileges)
        if any(len(names) != 1 for names in databases.values()):
            raise ValueError("PolarDB lists one AccountPrivilege per database")
        with self.lock:
            self.account(instance_id, username).privileges = {db: n[0] for db, n in databases.items()}

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ModifyAccountPassword": self.modify_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBClusterAttribute": self.describe_cluster_attribute,
        }

    def _cluster(self, params: dict[str, str]) -> PolarCluster:
        mandatory(params, "DBClusterId")
        if not re.fullmatch(r"pc-[a-z0-9]+", params["DBClusterId"]):
            raise ProviderError("InvalidDBClusterId.Malformed", "The specified DBClusterId is not valid.", 404)
        not_found = ProviderError("InvalidDBClusterId.NotFound", "The DBInstanceId provided does not exist.", 404)
        return self.instance_of(params["DBClusterId"], not_found)

    def modify_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            name, password = params.get("AccountName"), params.get("NewAccountPassword")
            if not name or password is None:
                raise ProviderError("MissingParameter", "AccountName and NewAccountPassword are mandatory.", 400)
            if cluster.status != "Running":
                raise ProviderError("OperationDenied.DBClusterStatus", "The cluster's status does not allow it.", 403)
            no_account = ProviderError("InvalidAccountName.NotFound", "The specified account does not exist.", 404)
            self.account_in(cluster, name, no_account)
            if not follows_password_rules(password):
                raise ProviderError("InvalidAccountPassword.Malformed", "The specified password is not valid.", 400)
            self.change_password(params["DBClusterId"], name, password)
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            page_size = int(params.get("PageSize", "30"))
            page_number = int(params.get("PageNumber", "1"))
            if page_size not in (30, 50, 100) or page_number < 1:
                raise ProviderError("InvalidParameter", "PageSize must be 30, 50 or 100.", 400)
            wanted = params.get("AccountName")
            names = [n for n in sorted(cluster.accounts) if not wanted or n == wanted]
            page = names[(page_number - 1) * page_size : page_number * page_size]
            listed = []
            for name in page:
                account = cluster.accounts[name]
                listed.append(
                    {
                        "AccountName": name,
                        "AccountStatus": account.status,
                        "AccountType": account.account_type,
                        "AccountLockState": account.lock_state,
                        "AccountDescription": "",
                        "AccountPasswordValidTime": "",
                        "DatabasePrivileges": [
                            {"DBName": database, "AccountPrivilege": privilege}
                            for database, privilege in sorted(account.privileges.items())
                        ],
                    }
                )
            return {"Accounts": listed, "PageNumber": page_number, "PageRecordCount": len(listed)}

    def describe_cluster_attribute(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            return {
                "DBClusterId": params["DBClusterId"],
                "DBClusterStatus": cluster.status,
                "LockMode": cluster.lock_mode,
                "DBType": cluster.db_type,
                "DBVersion": "8.0",
                "Engine": "POLARDB",
                "RegionId": cluster.region,
                "DeletionLock": 0,
                "DBNodes": [],
            }


# PolarDB (polardb 2017-08-01): the ModifyAccountPassword and ResetAccountPassword pages, and the codes documented
# for PolarDB accounts elsewhere (ResetAccount; the ones the Terraform provider retries on).
DOCUMENTED_CODES = {
    "EngineMigration.ActionDisabled": 400,
    "LockTimeout": 400,
    "InvalidAccountPassword.Malformed": 400,
    "InvalidDBCluster.NotFound": 404,
    "InvalidDBClusterId.Malformed": 404,
    "InvalidDBClusterId.NotFound": 404,
    "InvalidAccountName.NotFound": 404,
    "InvalidAccountName.Malformed": 400,
    "ConcurrentTaskExceeded": 403,
    "OperationDenied.DBClusterStatus": 400,
    "OperationDenied.DBStatus": 400,
}


KIT = ProviderKit(
    "alibabacloud-polardb", on_ring(PolarDbEmulator), "cn-hangzhou", "pc-", "postgres",
    ("ModifyAccountPassword", "DescribeAccounts", "DescribeDBClusterAttribute"), "Throttling.User",
    "Forbidden.RAM", "ModifyAccountPassword", "NewAccountPassword", reports_changes=False,
    documented=DOCUMENTED_CODES,
    grants=(
        {"database app": ["ReadWrite"]},
        {"database app": ["ReadOnly"], "database audit": ["ReadOnly"]},
        "database app: only app_a has ['ReadWrite'], only app_b has ['ReadOnly']",
    ),
    api=("polardb", "2017-08-01"),
    floor=(
        FloorStep(
            "ModifyAccountPassword",
            {"DBClusterId": "$instance_id", "AccountName": "$username", "NewAccountPassword": "$password"},
        ),
        FloorStep("DescribeDBClusterAttribute", {"DBClusterId": "$instance_id"}),
        FloorStep("DescribeAccounts", {"DBClusterId": "$instance_id", "AccountName": "$username"}),
    ),
)  # fmt: skip
