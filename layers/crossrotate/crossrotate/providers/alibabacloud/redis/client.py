"""Tair / ApsaraDB for Redis API (``R-kvstore`` 2015-01-01) for one account: ResetAccountPassword, and
DescribeAccounts for the account's state and its privilege."""

from __future__ import annotations

from typing import Any

from ....errors import ErrorTable
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import AlibabaRpcApi, default_endpoint

VERSION = "2015-01-01"
# Regions the official SDK's endpoint map (alibabacloud-r-kvstore20150101 7.0.0) sends to r-kvstore.aliyuncs.com.
CENTRAL_REGIONS = (
    "cn-hangzhou", "cn-hangzhou-finance", "ap-northeast-2-pop", "cn-beijing-finance-pop", "cn-beijing-gov-1",
    "cn-beijing-nu16-b01", "cn-edge-1", "cn-fujian", "cn-haidian-cm12-c01", "cn-hangzhou-bj-b01",
    "cn-hangzhou-internal-prod-1", "cn-hangzhou-internal-test-1", "cn-hangzhou-internal-test-2",
    "cn-hangzhou-internal-test-3", "cn-hangzhou-test-306", "cn-hongkong-finance-pop", "cn-qingdao-nebula",
    "cn-shanghai-et15-b01", "cn-shanghai-et2-b01", "cn-shanghai-inner", "cn-shanghai-internal-test-1",
    "cn-shenzhen-inner", "cn-shenzhen-st4-d01", "cn-shenzhen-su18-b01", "cn-wuhan", "cn-yushanfang", "cn-zhangbei",
    "cn-zhangbei-na61-b01", "cn-zhangjiakou-na62-a01", "cn-zhengzhou-nebula-1", "eu-west-1-oxs", "rus-west-1-pop",
)  # fmt: skip


class AlibabaRedisApi(AlibabaRpcApi):
    """:class:`~crossrotate.ports.ProviderApi` for one Tair / ApsaraDB for Redis account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        endpoint = default_endpoint("r-kvstore", config.account.region, CENTRAL_REGIONS)
        super().__init__(config, endpoint, VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        """Answered at once; applied when DescribeAccounts lists the account ``Available`` again (the steps wait for
        that through :meth:`account_state`)."""
        params = {
            "InstanceId": self.account.instance_id,
            "AccountName": self.account.username,
            "AccountPassword": password,
        }
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def _listed_account(self) -> dict[str, Any] | None:
        params = {"InstanceId": self.account.instance_id, "AccountName": self.account.username}
        accounts = self.call("DescribeAccounts", params).get("Accounts")
        for account in accounts.get("Account") or [] if isinstance(accounts, dict) else []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                return account
        return None

    def account_state(self) -> AccountState:
        """``Available`` is usable; ``Unavailable`` is taken for an account being changed (a reset still applying:
        Terraform waits for it the same way), so it is waited for until the deadline."""
        account = self._listed_account()
        if account is None:
            return AccountState(exists=False, usable=False, settling=False, status="absent")
        status = str(account.get("AccountStatus"))
        return AccountState(exists=True, usable=status == "Available", settling=status == "Unavailable", status=status)

    def privileges(self) -> Privileges:
        """``privilege``: the account's ``AccountPrivilege`` (``RoleReadOnly``, ``RoleReadWrite``, ``RoleRepl``)."""
        account = self._listed_account() or {}
        granted = account.get("DatabasePrivileges")
        entries = granted.get("DatabasePrivilege") if isinstance(granted, dict) else None
        names = {
            str(entry.get("AccountPrivilege"))
            for entry in entries or []
            if isinstance(entry, dict) and entry.get("AccountPrivilege")
        }
        return {"privilege": frozenset(names)} if names else {}
