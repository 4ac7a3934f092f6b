"""ApsaraDB RDS (``rds`` 2014-08-15): instances and accounts in memory, the documented password rules, what each
account was granted per database (``grant``, keyed ``database <name>``) listed in ``DescribeAccounts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import AlibabaRpcEmulator, follows_password_rules, grants_by_database, mandatory


@dataclass
class RdsAccount(DatabaseAccount):
    status: str = "Available"
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """``database <name>`` -> [AccountPrivilege, *the names of its AccountPrivilegeDetail]."""


@dataclass
class RdsInstance(DatabaseInstance[RdsAccount]):
    status: str = "Running"
    lock_mode: str = "Unlock"


class AlibabaRdsEmulator(AlibabaRpcEmulator, DatabaseService[RdsInstance, RdsAccount]):
    product = "rds"
    version = "2014-08-15"
    instance_type = RdsInstance
    account_type = RdsAccount
    default_region = "cn-hangzhou"

    def setup(self) -> None:
        super().setup()
        self.reboot_after_reset = False
        """Leave the instance Rebooting after a reset, as a restart that outlasts the step."""

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do per database: ``{"database app": ["Custom", "SELECT", "INSERT"]}``. The first
        name is listed as its ``AccountPrivilege`` (ReadWrite, ReadOnly, DDLOnly, DMLOnly, DBOwner, Custom), the
        rest, comma-separated, as its ``AccountPrivilegeDetail``. Replaces earlier grants."""
        databases = grants_by_database(privileges)
        with self.lock:
            self.account(instance_id, username).privileges = databases

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBInstanceAttribute": self.describe_instance_attribute,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, str], missing: str) -> RdsInstance:
        mandatory(params, "DBInstanceId")
        not_found = ProviderError(missing, "The database instance does not exist.", 404)
        return self.instance_of(params["DBInstanceId"], not_found)

    def reset_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceName.NotFound")
            name, password = params.get("AccountName"), params.get("AccountPassword")
            if not name or password is None:
                raise ProviderError("MissingParameter", "AccountName and AccountPassword are mandatory.", 400)
            if instance.lock_mode != "Unlock":
                raise ProviderError("IncorrectDBInstanceLockMode", "Current lock mode does not support this.", 404)
            if instance.status != "Running":
                raise ProviderError("IncorrectDBInstanceState", "Current DB instance state does not support this.", 403)
            no_account = ProviderError("InvalidAccountName.NotFound", "Specified account name does not exist.", 404)
            self.account_in(instance, name, no_account)
            if not follows_password_rules(password):
                raise ProviderError("InvalidAccountPassword.Format", "Specified account password is not valid.", 400)
            self.change_password(params["DBInstanceId"], name, password)
            if self.reboot_after_reset:
                instance.status = "Rebooting"
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceId.NotFound")
            wanted = params.get("AccountName")
            listed = []
            for name, account in sorted(instance.accounts.items()):
                if wanted and name != wanted:
                    continue
                status = "Unavailable" if self.still_changing(params["DBInstanceId"], name) else account.status
                listed.append(
                    {
                        "DBInstanceId": params["DBInstanceId"],
                        "AccountName": name,
                        "AccountStatus": status,
                        "AccountType": "Normal",
                        "AccountDescription": "",
                        "PrivExceeded": "0",
                        "DatabasePrivileges": {
                            "DatabasePrivilege": [
                                {
                                    "DBName": database,
                                    "AccountPrivilege": names[0],
                                    "AccountPrivilegeDetail": ",".join(names[1:]),
                                }
                                for database, names in sorted(account.privileges.items())
                            ]
                        },
                    }
                )
            return {"Accounts": {"DBInstanceAccount": listed}}

    def describe_instance_attribute(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceId.NotFound")
            attribute = {
                "DBInstanceId": params["DBInstanceId"],
                "DBInstanceStatus": instance.status,
                "LockMode": instance.lock_mode,
                "RegionId": instance.region,
                "Engine": "MySQL",
                "EngineVersion": "8.0",
            }
            return {"Items": {"DBInstanceAttribute": [attribute]}}


# The error codes of the ApsaraDB RDS ResetAccountPassword page the product started from, with their HTTP status.
DOCUMENTED_CODES = {
    "Account.UpdateError": 400,
    "Database.ConnectError": 400,
    "GdnRole.NotSupport": 400,
    "InvalidAccountPassword.Format": 400,
    "IncorrectAccountStatus": 400,
    "IncorrectDBInstanceType": 403,
    "IncorrectDBInstanceState": 403,
    "IncorrectAccountType": 403,
    "IncorrectDBInstanceCharacterType": 403,
    "IncorrectAccountPrivilegeType": 403,
    "InvalidDBInstanceName.NotFound": 404,
    "IncorrectDBInstanceLockMode": 404,
    "InvalidAccountName.NotFound": 404,
}


# The same page's newer revision lists a placeholder code: 400, "%s", "DB Operation Failed:%s.".
DB_OPERATION_MESSAGE = "DB Operation Failed:%s."


KIT = ProviderKit(
    "alibabacloud-rds", on_ring(AlibabaRdsEmulator), "cn-hangzhou", "rm-", "mysql",
    ("ResetAccountPassword", "DescribeAccounts", "DescribeDBInstanceAttribute"), "Throttling.User",
    "IncorrectAccountType", "ResetAccountPassword", "AccountPassword", reports_changes=True,
    documented=DOCUMENTED_CODES,
    grants=(
        {"database app": ["Custom", "SELECT", "INSERT"]},
        {"database app": ["Custom", "SELECT"], "database audit": ["ReadOnly"]},
        "database app: only app_a has ['INSERT']",
    ),
    api=("rds", "2014-08-15"),
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {"DBInstanceId": "$instance_id", "AccountName": "$username", "AccountPassword": "$password"},
        ),
        FloorStep("DescribeDBInstanceAttribute", {"DBInstanceId": "$instance_id"}),
        FloorStep("DescribeAccounts", {"DBInstanceId": "$instance_id", "AccountName": "$username"}),
    ),
)  # fmt: skip
