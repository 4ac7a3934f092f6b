"""PolarDB API (2017-08-01) for one cluster account: ModifyAccountPassword, DescribeDBClusterAttribute with
DescribeAccounts for the account's state, and DescribeAccounts for its privileges."""

from __future__ import annotations

from typing import Any

from ....errors import ErrorTable, own
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import AlibabaRpcApi, default_endpoint, unusable_instance

VERSION = "2017-08-01"
# Regions the official SDK's endpoint map (alibabacloud-polardb20170801 9.2.1) sends to polardb.aliyuncs.com.
CENTRAL_REGIONS = (
    "cn-qingdao", "cn-beijing", "cn-wulanchabu", "cn-hangzhou", "cn-shanghai", "cn-heyuan", "cn-hangzhou-finance",
    "ap-northeast-2-pop", "cn-beijing-finance-1", "cn-beijing-finance-pop", "cn-beijing-gov-1", "cn-edge-1",
    "cn-fujian", "cn-hongkong-finance-pop", "cn-shanghai-inner", "cn-shenzhen-inner", "cn-wuhan", "cn-yushanfang",
    "cn-zhangbei", "eu-west-1-oxs", "rus-west-1-pop",
)  # fmt: skip
GONE_FOR_GOOD = frozenset({"Deleting", "Deleted"})


class PolarDbApi(AlibabaRpcApi):
    """:class:`~crossrotate.ports.ProviderApi` for one PolarDB cluster account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        endpoint = default_endpoint("polardb", config.account.region, CENTRAL_REGIONS)
        super().__init__(config, endpoint, VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        params = {
            "DBClusterId": self.account.instance_id,
            "AccountName": self.account.username,
            "NewAccountPassword": password,
        }
        return ResetReceipt(request_id_of(self.call("ModifyAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """The cluster must be running and unlocked, and the account Available and not locked."""
        cluster = self.call("DescribeDBClusterAttribute", {"DBClusterId": self.account.instance_id})
        status, lock = cluster.get("DBClusterStatus", "Unknown"), cluster.get("LockMode", "Unlock")
        blocked = unusable_instance(status, lock, GONE_FOR_GOOD, "a cluster")
        if blocked is not None:
            return blocked
        params = {"DBClusterId": self.account.instance_id, "AccountName": self.account.username}
        for account in self.call("DescribeAccounts", params).get("Accounts") or []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                if account.get("AccountLockState", "UnLock") != "UnLock":
                    return AccountState(exists=True, usable=False, settling=False, status="locked")
                state = str(account.get("AccountStatus"))
                return AccountState(
                    exists=True, usable=state == "Available", settling=state == "Creating", status=state
                )
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """The account's ``DatabasePrivileges`` in DescribeAccounts (a plain list of ``{DBName, AccountPrivilege}``;
        one account when ``AccountName`` is given; unlike RDS, no AccountPrivilegeDetail): ``{"database <DBName>":
        {AccountPrivilege}}``."""
        params = {"DBClusterId": self.account.instance_id, "AccountName": self.account.username}
        for account in self.call("DescribeAccounts", params).get("Accounts") or []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                return database_privileges(account.get("DatabasePrivileges"))
        raise own("AccountNotFound", f"DescribeAccounts does not list {self.account.username}")


def database_privileges(grants: Any) -> Privileges:
    """``DatabasePrivileges`` entries as ``{"database <DBName>": {AccountPrivilege}}``."""
    found: dict[str, set[str]] = {}
    for grant in grants if isinstance(grants, list) else []:
        privilege = str(grant.get("AccountPrivilege") or "").strip() if isinstance(grant, dict) else ""
        if privilege:
            found.setdefault(f"database {grant.get('DBName')}", set()).add(privilege)
    return {key: frozenset(names) for key, names in found.items()}
