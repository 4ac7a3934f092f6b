"""ApsaraDB for MongoDB API (Dds 2015-12-01) for the ``root`` account of one instance: ResetAccountPassword (with
``CharacterType=cs`` on a sharded cluster), DescribeDBInstanceAttribute with DescribeAccounts for the account's
state, and DescribeAccounts' ``Roles`` for its privileges."""

from __future__ import annotations

from typing import Any

from ....errors import ErrorTable, own
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import AlibabaRpcApi, default_endpoint, unusable_instance

VERSION = "2015-12-01"
# Regions the official SDK's endpoint map (alibabacloud-dds20151201 9.5.0) sends to mongodb.aliyuncs.com; it maps
# every other region it lists to mongodb.<region>.aliyuncs.com, the host used here for any other region too (the
# SDK's own fallback, dds.<region>.aliyuncs.com, is not a documented endpoint).
CENTRAL_REGIONS = (
    "cn-beijing", "cn-wulanchabu", "cn-hangzhou", "cn-shanghai", "cn-heyuan", "cn-hangzhou-finance",
    "ap-northeast-2-pop", "cn-beijing-finance-pop", "cn-beijing-gov-1", "cn-beijing-nu16-b01", "cn-edge-1",
    "cn-fujian", "cn-haidian-cm12-c01", "cn-hangzhou-bj-b01", "cn-hangzhou-internal-prod-1",
    "cn-hangzhou-internal-test-1", "cn-hangzhou-internal-test-2", "cn-hangzhou-internal-test-3",
    "cn-hangzhou-test-306", "cn-hongkong-finance-pop", "cn-huhehaote-nebula-1", "cn-qingdao-nebula",
    "cn-shanghai-et15-b01", "cn-shanghai-et2-b01", "cn-shanghai-inner", "cn-shanghai-internal-test-1",
    "cn-shenzhen-inner", "cn-shenzhen-st4-d01", "cn-shenzhen-su18-b01", "cn-wuhan", "cn-yushanfang", "cn-zhangbei",
    "cn-zhangbei-na61-b01", "cn-zhangjiakou-na62-a01", "cn-zhengzhou-nebula-1", "eu-west-1-oxs", "rus-west-1-pop",
)  # fmt: skip
GONE_FOR_GOOD = frozenset({"Deleting", "released"})
"""Of the documented ``DBInstanceStatus`` values, those the instance does not come back from."""
SHARDED = "sharding"
"""``DBInstanceType`` of a sharded cluster instance (``replicate`` for a replica set or a standalone one)."""
CLUSTER_ROOT = "cs"
"""``CharacterType`` of the sharded cluster's ``root`` that clients log in with through mongos."""


class MongoDbApi(AlibabaRpcApi):
    """:class:`~crossrotate.ports.ProviderApi` for the ``root`` account of one ApsaraDB for MongoDB instance."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        endpoint = default_endpoint("mongodb", config.account.region, CENTRAL_REGIONS)
        super().__init__(config, endpoint, VERSION, errors)
        self._sharded: bool | None = None

    def _instance(self) -> dict[str, Any] | None:
        """The instance's attributes (``DBInstances.DBInstance[0]``), or None when none is listed."""
        answer = self.call("DescribeDBInstanceAttribute", {"DBInstanceId": self.account.instance_id})
        listed = (answer.get("DBInstances") or {}).get("DBInstance") or []
        if not listed:
            return None
        instance: dict[str, Any] = listed[0]
        self._sharded = instance.get("DBInstanceType") == SHARDED
        return instance

    def reset_password(self, password: str) -> ResetReceipt:
        """``CharacterType`` is required on a sharded cluster: the instance's type is read once per client."""
        if self._sharded is None:
            self._instance()
        params = {
            "DBInstanceId": self.account.instance_id,
            "AccountName": self.account.username,
            "AccountPassword": password,
        }
        if self._sharded:
            params["CharacterType"] = CLUSTER_ROOT
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """The instance must be listed, running and unlocked, and every entry DescribeAccounts lists for the
        account (one per role on a sharded cluster) ``Available``; ``Unavailable`` while a reset is applied."""
        instance = self._instance()
        if instance is None:
            return AccountState(exists=False, usable=False, settling=False, status="instance not listed")
        status, lock = str(instance.get("DBInstanceStatus", "Unknown")), str(instance.get("LockMode", "Unlock"))
        blocked = unusable_instance(status, lock, GONE_FOR_GOOD, "an instance")
        if blocked is not None:
            return blocked
        entries = self._entries()
        if not entries:
            return AccountState(exists=False, usable=False, settling=False, status="absent")
        statuses = sorted({str(entry.get("AccountStatus")) for entry in entries})
        available = statuses == ["Available"]
        return AccountState(exists=True, usable=available, settling=not available, status="/".join(statuses))

    def privileges(self) -> Privileges:
        """The account's ``Roles`` in DescribeAccounts, which only the SDK 9.5.0 model lists (no API page
        documents them): ``{"database <DBName>": {Role}}``, empty when the answer carries none."""
        entries = self._entries()
        if not entries:
            raise own("AccountNotFound", f"DescribeAccounts does not list {self.account.username}")
        found: dict[str, set[str]] = {}
        for entry in entries:
            for role in (entry.get("Roles") or {}).get("Role") or []:
                name = str(role.get("Role") or "").strip()
                if name:
                    found.setdefault(f"database {role.get('DBName')}", set()).add(name)
        return {key: frozenset(names) for key, names in found.items()}

    def _entries(self) -> list[dict[str, Any]]:
        params = {"DBInstanceId": self.account.instance_id, "AccountName": self.account.username}
        listed = (self.call("DescribeAccounts", params).get("Accounts") or {}).get("Account") or []
        name = self.account.username
        return [entry for entry in listed if isinstance(entry, dict) and entry.get("AccountName") == name]
