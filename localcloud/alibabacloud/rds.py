"""ApsaraDB RDS (``rds`` 2014-08-15): instances and accounts in memory, the documented password rules, what each
account was granted per database (``grant``, keyed ``database <name>``) listed in ``DescribeAccounts``.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import ProviderError
from .api import SYMBOLS, AlibabaRpcEmulator, grants_by_database


@dataclass
class RdsAccount:
    password: str
    status: str = "Available"
    settling_reads: int = 0
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """``database <name>`` -> [AccountPrivilege, *the names of its AccountPrivilegeDetail]."""


@dataclass
class RdsInstance:
    region: str
    status: str = "Running"
    lock_mode: str = "Unlock"
    accounts: dict[str, RdsAccount] = field(default_factory=dict)


class AlibabaRdsEmulator(AlibabaRpcEmulator):
    product = "rds"
    version = "2014-08-15"

    def setup(self) -> None:
        super().setup()
        self.instances: dict[str, RdsInstance] = {}
        self.settle_reads = 0
        """After a reset the account shows Unavailable to this many DescribeAccounts reads."""
        self.reboot_after_reset = False
        """Leave the instance Rebooting after a reset, as a restart that outlasts the step."""

    def add_account(self, instance_id: str, name: str, password: str, region: str = "cn-hangzhou") -> None:
        with self.lock:
            self.instances.setdefault(instance_id, RdsInstance(region)).accounts[name] = RdsAccount(password)

    def password_of(self, instance_id: str, name: str) -> str:
        with self.lock:
            return self.instances[instance_id].accounts[name].password

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do per database: ``{"database app": ["Custom", "SELECT", "INSERT"]}``. The first
        name is listed as its ``AccountPrivilege`` (ReadWrite, ReadOnly, DDLOnly, DMLOnly, DBOwner, Custom), the
        rest, comma-separated, as its ``AccountPrivilegeDetail``. Replaces earlier grants."""
        databases = grants_by_database(privileges)
        with self.lock:
            self.instances[instance_id].accounts[username].privileges = databases

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBInstanceAttribute": self.describe_instance_attribute,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, str], missing: str) -> RdsInstance:
        instance_id = params.get("DBInstanceId")
        if not instance_id:
            raise ProviderError("MissingParameter", "DBInstanceId is mandatory for this action.", 400)
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ProviderError(missing, "The database instance does not exist.", 404)
        return instance

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
            account = instance.accounts.get(name)
            if account is None:
                raise ProviderError("InvalidAccountName.NotFound", "Specified account name does not exist.", 404)
            classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
            allowed = all(any(c in group for group in classes) for c in password)
            present = sum(any(c in group for c in password) for group in classes)
            if not 8 <= len(password) <= 32 or not allowed or present < 3:
                raise ProviderError("InvalidAccountPassword.Format", "Specified account password is not valid.", 400)
            account.password = password
            account.settling_reads = self.settle_reads
            self.apply_to_database(params["DBInstanceId"], name, password)
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
                status = account.status
                if account.settling_reads > 0 or self.applying(params["DBInstanceId"], name):
                    account.settling_reads = max(0, account.settling_reads - 1)
                    status = "Unavailable"
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
