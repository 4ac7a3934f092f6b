"""ApsaraDB RDS API (2014-08-15) for one database account: ResetAccountPassword, DescribeAccounts with
DescribeDBInstanceAttribute for the account's state, and DescribeAccounts for its privileges."""

from __future__ import annotations

from typing import Any

from ....errors import ErrorTable, own
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import AlibabaRpcApi, default_endpoint, unusable_instance

VERSION = "2014-08-15"
# Regions the official SDK's endpoint map sends to the central endpoint; the rest use rds.<region>.aliyuncs.com.
CENTRAL_REGIONS = (
    "cn-qingdao", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-heyuan", "cn-hongkong",
    "ap-southeast-1", "us-west-1", "us-east-1", "cn-shanghai-finance-1", "cn-shenzhen-finance-1",
    "cn-north-2-gov-1", "cn-beijing-finance-1", "cn-wuhan", "cn-fujian", "cn-zhangbei", "cn-edge-1",
)  # fmt: skip
STOPPED_FOR_GOOD = frozenset({"Deleting", "Released"})


class AlibabaRdsApi(AlibabaRpcApi):
    """:class:`~crossrotate.ports.ProviderApi` for one ApsaraDB RDS account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        endpoint = default_endpoint("rds", config.account.region, CENTRAL_REGIONS)
        super().__init__(config, endpoint, VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        params = {
            "DBInstanceId": self.account.instance_id,
            "AccountName": self.account.username,
            "AccountPassword": password,
        }
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """The instance must be running and unlocked, and the account listed as Available."""
        instance_id = self.account.instance_id
        attributes = self.call("DescribeDBInstanceAttribute", {"DBInstanceId": instance_id})
        items = (attributes.get("Items") or {}).get("DBInstanceAttribute") or [{}]
        status, lock = items[0].get("DBInstanceStatus", "Unknown"), items[0].get("LockMode", "Unlock")
        blocked = unusable_instance(status, lock, STOPPED_FOR_GOOD, "an instance")
        if blocked is not None:
            return blocked
        listed = self.call("DescribeAccounts", {"DBInstanceId": instance_id, "AccountName": self.account.username})
        for account in (listed.get("Accounts") or {}).get("DBInstanceAccount") or []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                available = account.get("AccountStatus") == "Available"
                return AccountState(
                    exists=True, usable=available, settling=not available, status=str(account.get("AccountStatus"))
                )
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """The account's ``DatabasePrivileges`` in DescribeAccounts (one account when ``AccountName`` is given):
        ``{"database <DBName>": {AccountPrivilege, *AccountPrivilegeDetail}}``."""
        params = {"DBInstanceId": self.account.instance_id, "AccountName": self.account.username}
        for account in (self.call("DescribeAccounts", params).get("Accounts") or {}).get("DBInstanceAccount") or []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                return database_privileges((account.get("DatabasePrivileges") or {}).get("DatabasePrivilege"))
        raise own("AccountNotFound", f"DescribeAccounts does not list {self.account.username}")


def database_privileges(grants: Any) -> Privileges:
    """``DatabasePrivilege`` entries as ``{"database <DBName>": {AccountPrivilege, *AccountPrivilegeDetail}}``: the
    detail is a comma-separated list; spaces are stripped and empty names dropped."""
    found: dict[str, set[str]] = {}
    for grant in grants if isinstance(grants, list) else []:
        if isinstance(grant, dict):
            listed = f"{grant.get('AccountPrivilege') or ''},{grant.get('AccountPrivilegeDetail') or ''}"
            names = found.setdefault(f"database {grant.get('DBName')}", set())
            names.update(name.strip() for name in listed.split(",") if name.strip())
    return {key: frozenset(names) for key, names in found.items() if names}
