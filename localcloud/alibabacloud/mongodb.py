"""ApsaraDB for MongoDB (``Dds`` 2015-12-01): instances and their ``root`` account in memory, the password rules of
the ResetAccountPassword page, ``CharacterType`` as a sharded cluster requires it, and the account listed
``Unavailable`` while a reset is applied.

No MongoDB server stands behind it: the password it keeps (``password_of``) is the proof of a rotation.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import AlibabaRpcEmulator, mandatory

SYMBOLS = "!#$%^&*()_+-="
"""The special characters the SDK (alibabacloud-dds20151201 9.5.0) and the English API page allow in
ResetAccountPassword's AccountPassword: no ``@``, unlike RDS."""
ACCOUNT_NAME = re.compile(r"[a-z][a-z0-9_]{3,15}")
"""CreateAccount's rule for an account name (4 to 16 lower-case letters, digits, underscores, a letter first)."""


def follows_password_rules(password: str) -> bool:
    """8 to 32 characters, each a letter, a digit or one of :data:`SYMBOLS`, from at least three of those groups."""
    groups = (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
    allowed = all(any(c in group for group in groups) for c in password)
    present = sum(any(c in group for c in password) for group in groups)
    return 8 <= len(password) <= 32 and allowed and present >= 3


@dataclass
class MongoAccount(DatabaseAccount):
    status: str = "Available"
    roles: list[tuple[str, str]] = field(default_factory=lambda: [("admin", "root")])
    """(DBName, Role) pairs, as DescribeAccounts lists them in ``Roles``."""


@dataclass
class MongoInstance(DatabaseInstance[MongoAccount]):
    status: str = "Running"
    lock_mode: str = "Unlock"
    db_type: str = "replicate"
    """``replicate`` (a replica set or a standalone instance) or ``sharding`` (a sharded cluster)."""
    shard_passwords: dict[str, str] = field(default_factory=dict)
    """On a sharded cluster, the shards' own accounts (``CharacterType=db``), apart from the cluster's."""


class MongoDbEmulator(AlibabaRpcEmulator, DatabaseService[MongoInstance, MongoAccount]):
    """ApsaraDB for MongoDB: ``ResetAccountPassword`` (root only), ``DescribeAccounts`` and
    ``DescribeDBInstanceAttribute``. An account that is not ``root`` can be added to show the refusal."""

    product = "mongodb"
    version = "2015-12-01"
    instance_type = MongoInstance
    account_type = MongoAccount
    default_region = "cn-hangzhou"

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBInstanceAttribute": self.describe_instance_attribute,
        }

    def make_sharded(self, instance_id: str) -> None:
        """Turn the instance into a sharded cluster: its resets then need ``CharacterType``."""
        with self.lock:
            self.instances[instance_id].db_type = "sharding"

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, str]) -> MongoInstance:
        mandatory(params, "DBInstanceId")
        not_found = ProviderError("InvalidDBInstanceId.NotFound", "The DBInstanceId provided does not exist.", 404)
        return self.instance_of(params["DBInstanceId"], not_found)

    def _character_type(self, instance: MongoInstance, params: dict[str, str]) -> str:
        """What the page says of CharacterType: required on a sharded cluster (``db`` or ``cs``); empty or
        ``normal`` on a replica set."""
        value = params.get("CharacterType", "")
        if instance.db_type == "sharding":
            if not value:
                raise ProviderError("MissingParameter", "CharacterType is mandatory for a sharded instance.", 400)
            if value not in ("db", "cs"):
                raise ProviderError("InvalidParameter", "Specified parameter CharacterType is not valid.", 400)
        elif value not in ("", "normal"):
            raise ProviderError("InvalidParameter", "Specified parameter CharacterType is not valid.", 400)
        return value

    def reset_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            mandatory(params, "AccountName", "AccountPassword")
            name, password = params["AccountName"], params["AccountPassword"]
            if not ACCOUNT_NAME.fullmatch(name):
                raise ProviderError(
                    "InvalidAccountName.Malformed", "The specified parameter AccountName is not valid.", 400
                )
            character_type = self._character_type(instance, params)
            if instance.status != "Running":
                raise ProviderError("OperationDenied.DBInstanceStatus", "The instance status does not allow it.", 403)
            no_account = ProviderError(
                "InvalidAccountName.NotFound", "The AccountName provided does not exist in our records.", 400
            )
            account = self.account_in(instance, name, no_account)
            if name != "root":
                raise ProviderError(
                    "OperationDenied.AccountType", "The operation is not permitted due to type of account.", 403
                )
            if account.status != "Available":
                raise ProviderError(
                    "OperationDenied.AccountStatus", "The operation is not permitted due to status of account.", 403
                )
            if not follows_password_rules(password):
                raise ProviderError(
                    "InvalidAccountPassword.Malformed", "Specified parameter AccountPassword is not valid.", 400
                )
            if character_type == "db":
                instance.shard_passwords[name] = password
            else:
                self.change_password(params["DBInstanceId"], name, password)
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            wanted = params.get("AccountName")
            character_type = "mongos" if instance.db_type == "sharding" else "normal"
            listed = []
            for name, account in sorted(instance.accounts.items()):
                if wanted and name != wanted:
                    continue
                status = "Unavailable" if self.still_changing(params["DBInstanceId"], name) else account.status
                listed.append(
                    {
                        "AccountName": name,
                        "AccountStatus": status,
                        "AccountDescription": "",
                        "CharacterType": character_type,
                        "DBInstanceId": params["DBInstanceId"],
                        "DBName": "admin",
                        "Roles": {"Role": [{"DBName": db, "Role": role} for db, role in account.roles]},
                    }
                )
            return {"Accounts": {"Account": listed}}

    def describe_instance_attribute(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            instance_id = params["DBInstanceId"]
            attribute: dict[str, Any] = {
                "DBInstanceId": instance_id,
                "DBInstanceStatus": instance.status,
                "DBInstanceType": instance.db_type,
                "LockMode": instance.lock_mode,
                "Engine": "MongoDB",
                "EngineVersion": "7.0",
                "RegionId": instance.region,
                "NetworkType": "VPC",
                "VpcAuthMode": "Open",
            }
            if instance.db_type == "sharding":
                attribute["MongosList"] = {
                    "MongosAttribute": [{"NodeId": "s-" + instance_id[4:], "Port": 3717, "Status": "Running"}]
                }
            else:
                attribute["ReplicaSetName"] = "mgset-" + instance_id[4:]
                attribute["ReplicaSets"] = {
                    "ReplicaSet": [
                        {
                            "ConnectionDomain": f"{instance_id}1.mongodb.rds.aliyuncs.com",
                            "ConnectionPort": "3717",
                            "ReplicaSetRole": "Primary",
                            "NetworkType": "VPC",
                        }
                    ]
                }
            return {"DBInstances": {"DBInstance": [attribute]}}


# ApsaraDB for MongoDB (Dds 2015-12-01), with their HTTP status: the ResetAccountPassword page's error table
# (https://www.alibabacloud.com/help/en/mongodb/api-resetaccountpassword; help.aliyun.com 62152), the
# DescribeDBInstanceAttribute page's (DescribeAccounts lists none), and three the official Terraform provider
# handles for Dds (service_alicloud_mongodb.go: InvalidDBInstanceId.NotFound as not found; the Dds resources retry
# OperationDenied.DBInstanceStatus and InstanceStatusInvalid), whose status no page gives: that of the same code on
# RDS's pages, or 400, the gateway's for a refused request.
DOCUMENTED_CODES = {
    "InvalidAccountPassword.Malformed": 400,
    "InvalidAccountName.NotFound": 400,
    "InvalidAccountName.Malformed": 400,
    "OperationDenied.AccountStatus": 403,
    "OperationDenied.AccountType": 403,
    "VpcCloudInstanceIdNumError": 400,
    "InvalidDBInstanceId.NotFound": 404,
    "OperationDenied.DBInstanceStatus": 403,
    "InstanceStatusInvalid": 400,
}


KIT = ProviderKit(
    "alibabacloud-mongodb", on_ring(MongoDbEmulator), "cn-hangzhou", "dds-", None,
    ("ResetAccountPassword", "DescribeAccounts", "DescribeDBInstanceAttribute"), "Throttling.User",
    "OperationDenied.AccountType", "ResetAccountPassword", "AccountPassword", reports_changes=True,
    documented=DOCUMENTED_CODES,
    api=("dds", "2015-12-01"),
    floor=(
        FloorStep("DescribeDBInstanceAttribute", {"DBInstanceId": "$instance_id"}),
        FloorStep(
            "ResetAccountPassword",
            {"DBInstanceId": "$instance_id", "AccountName": "$username", "AccountPassword": "$password"},
        ),
        FloorStep("DescribeDBInstanceAttribute", {"DBInstanceId": "$instance_id"}),
        FloorStep("DescribeAccounts", {"DBInstanceId": "$instance_id", "AccountName": "$username"}),
    ),
)  # fmt: skip
