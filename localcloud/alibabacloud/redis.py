"""Tair / ApsaraDB for Redis (``R-kvstore`` 2015-01-01): ``ResetAccountPassword`` answers at once and the account
is listed ``Unavailable`` by ``DescribeAccounts`` until the change is applied (for
:attr:`~localcloud.base.DatabaseService.settle_reads` listings, and until a late change has reached the real
redis-server behind it: ``ACL SETUSER``). Every instance has its default account, named after the instance
(``r-…``), which is the server's ``default`` user; the documented password rule; one ``AccountPrivilege`` per
account (``RoleReadOnly``, ``RoleReadWrite``, ``RoleRepl``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..databases import DefaultUserAdmin, RedisAdmin
from ..kit import FloorStep, ProviderKit, on_ring
from .api import AlibabaRpcEmulator, follows_password_rules, mandatory

PRIVILEGES = ("RoleReadOnly", "RoleReadWrite", "RoleRepl")
PARAMETERS = {
    "ResetAccountPassword": {"InstanceId", "AccountName", "AccountPassword", "SourceBiz"},
    "DescribeAccounts": {"InstanceId", "AccountName", "SearchAccountName", "PageNumber", "PageSize"},
}
"""Each action's own parameters (alibabacloud-r-kvstore20150101 7.0.0 request models), beside the common ones."""
COMMON = {"OwnerId", "OwnerAccount", "ResourceOwnerId", "ResourceOwnerAccount", "SecurityToken", "RegionId"}


@dataclass
class KvstoreAccount(DatabaseAccount):
    status: str = "Available"
    account_type: str = "Normal"
    privilege: str = "RoleReadWrite"
    description: str = ""


@dataclass
class KvstoreInstance(DatabaseInstance[KvstoreAccount]):
    engine_version: str = "7.0"


class AlibabaRedisEmulator(AlibabaRpcEmulator, DatabaseService[KvstoreInstance, KvstoreAccount]):
    """Tair / ApsaraDB for Redis instances: ``ResetAccountPassword`` and ``DescribeAccounts``."""

    product = "r-kvstore"
    version = "2015-01-01"
    instance_type = KvstoreInstance
    account_type = KvstoreAccount
    default_region = "cn-hangzhou"

    def setup(self) -> None:
        super().setup()
        self.settle_reads = 1
        """A reset's account is listed ``Unavailable`` once before it is ``Available`` again."""

    def add_account(self, instance_id: str, name: Any, password: str, region: str = "") -> None:
        """An account on an instance, made with its default account (named after it, a random password) if new."""
        with self.lock:
            new = instance_id not in self.instances
            super().add_account(instance_id, name, password, region)
            if new and name != instance_id:
                default = KvstoreAccount(secrets.token_urlsafe(16), description="default account")
                self.instances[instance_id].accounts[instance_id] = default

    def back_with_database(self, instance_id: str, username: str, password: str, dsn: str) -> None:
        """As every service does; the default account (named after the instance, or ``default``) is the server's
        ``default`` user, which ``AUTH <password>`` logs in to."""
        if username not in (instance_id, "default"):
            return super().back_with_database(instance_id, username, password, dsn)
        admin = DefaultUserAdmin(RedisAdmin(dsn))
        admin.create_account(username, password)
        with self.lock:
            self.databases[(instance_id, username)] = admin
        return None

    def grant(self, instance_id: str, name: str, privileges: dict[str, list[str]]) -> None:
        """The account's ``AccountPrivilege``: ``{"AccountPrivilege": ["RoleReadOnly"]}``."""
        value = privileges.get("AccountPrivilege")
        if set(privileges) != {"AccountPrivilege"} or not value or len(value) != 1 or value[0] not in PRIVILEGES:
            raise ValueError(f"not an R-kvstore AccountPrivilege: {privileges!r}")
        with self.lock:
            self.account(instance_id, name).privilege = value[0]

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {"ResetAccountPassword": self.reset_account_password, "DescribeAccounts": self.describe_accounts}

    def dispatch(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        allowed = PARAMETERS.get(action)
        if allowed is not None:
            # The v1 signature's own parameters travel in the query too.
            unknown = sorted(set(params) - allowed - COMMON - SIGNATURE_V1)
            if unknown:
                raise ProviderError("InvalidParameter", f"The parameter {unknown[0]} is not valid.", 400)
        return super().dispatch(action, params)

    def _instance(self, params: dict[str, str]) -> KvstoreInstance:
        mandatory(params, "InstanceId")
        not_found = ProviderError("InvalidInstanceId.NotFound", "The specified instance is not found.", 404)
        if not re.fullmatch(r"r-[a-z0-9]+", params["InstanceId"]):
            raise not_found
        return self.instance_of(params["InstanceId"], not_found)

    def reset_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            mandatory(params, "AccountName", "AccountPassword")
            name, password = params["AccountName"], params["AccountPassword"]
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}|r-[a-z0-9]+|default", name):
                raise ProviderError("InvalidAccountName.Format", "Specified AccountName is not valid.", 400)
            if instance.engine_version in ("2.8",):
                raise ProviderError("InvalidEngineVersion.Format", "Current EngineVersion does not support.", 400)
            no_account = ProviderError("InvalidAccountName.NotFound", "Specified AccountName does not exist.", 404)
            self.account_in(instance, name, no_account)
            if not follows_password_rules(password):
                raise ProviderError("InvalidAccountPassword.Format", "Specified AccountPassword is not valid.", 400)
            self.change_password(params["InstanceId"], name, password)
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            page_size, page_number = int(params.get("PageSize", "30")), int(params.get("PageNumber", "1"))
            if not 1 <= page_size <= 100 or page_number < 1:
                raise ProviderError("InvalidParameter", "PageSize or PageNumber is not valid.", 400)
            wanted, search = params.get("AccountName"), params.get("SearchAccountName", "")
            names = [name for name in sorted(instance.accounts) if (not wanted or name == wanted) and search in name]
            listed = []
            for name in names[(page_number - 1) * page_size : page_number * page_size]:
                account = instance.accounts[name]
                status = "Unavailable" if self.still_changing(params["InstanceId"], name) else account.status
                listed.append(
                    {
                        "InstanceId": params["InstanceId"],
                        "AccountName": name,
                        "AccountStatus": status,
                        "AccountType": account.account_type,
                        "AccountDescription": account.description,
                        "DatabasePrivileges": {"DatabasePrivilege": [{"AccountPrivilege": account.privilege}]},
                    }
                )
            return {
                "Accounts": {"Account": listed},
                "PageNumber": page_number,
                "PageSize": page_size,
                "TotalCount": len(names),
            }


SIGNATURE_V1 = {
    "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce",
    "Timestamp", "Signature",
}  # fmt: skip


# R-kvstore (2015-01-01): the ResetAccountPassword page's codes (DescribeAccounts documents none), those of the
# product's sibling account actions (DeleteAccount, GrantAccountPrivilege) a reset can meet, and the ones the official
# Terraform provider treats as not found or retries for R-kvstore; with their HTTP status.
DOCUMENTED_CODES = {
    "InvalidAccountName.Duplicate": 400,
    "InvalidAccountName.Format": 400,
    "InvalidEngineVersion.Format": 400,
    "InvalidAccountPassword.Format": 400,
    "TaskExists": 400,
    "InvalidAccountName.NotFound": 404,
    "OperationDenied.AccountStatus": 403,
    "IncorrectAccount": 400,
    "IncorrectMinorVersion": 400,
    "InvalidInstanceId.NotFound": 404,
    "IncorrectDBInstanceState": 400,
    "LockTimeout": 400,
}


KIT = ProviderKit(
    "alibabacloud-redis", on_ring(AlibabaRedisEmulator), "cn-hangzhou", "r-", "redis",
    ("ResetAccountPassword", "DescribeAccounts"), "Throttling.User", "Forbidden.RAM", "ResetAccountPassword",
    "AccountPassword", reports_changes=True,
    documented=DOCUMENTED_CODES,
    grants=(
        {"AccountPrivilege": ["RoleReadWrite"]},
        {"AccountPrivilege": ["RoleReadOnly"]},
        "privilege: only app_a has ['RoleReadWrite'], only app_b has ['RoleReadOnly']",
    ),
    api=("kvstore", "2015-01-01"),  # the floor reads ALIBABACLOUD_ENDPOINT_URL_KVSTORE (the spec's service)
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {"InstanceId": "$instance_id", "AccountName": "$username", "AccountPassword": "$password"},
        ),
        # The account is listed Unavailable until the change is applied: the function waits for Available.
        FloorStep(
            "DescribeAccounts",
            {"InstanceId": "$instance_id", "AccountName": "$username"},
            until=("Accounts.Account.0.AccountStatus", "Available"),
        ),
    ),
)  # fmt: skip
