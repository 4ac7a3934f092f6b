"""TencentDB for PostgreSQL API (2017-03-12) for one database account: ResetAccountPassword, DescribeAccounts,
DescribeAccountPrivileges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ....errors import ErrorTable
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import CAM_AUTHENTICATION, TencentApi

VERSION = "2017-03-12"
DEFAULT_DATABASE = "postgres"
"""The database a secret without ``dbname`` logs in to: the one whose privileges are compared."""
CONTAINERS = {"database": (), "schema": ("DatabaseName",), "column": ("DatabaseName", "SchemaName", "TableName")}
"""What names the object a DatabaseObject of each type sits in; every other type (table, view, sequence, …) sits
in a schema of a database."""

# DescribeAccounts Status → (words, usable, settling)
ACCOUNT_STATUS: Mapping[int, tuple[str, bool, bool]] = {
    1: ("creating", False, True),
    2: ("normal", True, False),
    3: ("modifying", False, True),
    4: ("resetting password", False, True),
    5: ("locked", False, False),
    -1: ("deleting", False, False),
}


class TencentPostgresApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for PostgreSQL account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "postgres", VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        params = {"DBInstanceId": self.account.instance_id, "UserName": self.account.username, "Password": password}
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """Page through DescribeAccounts until the account shows up."""
        for detail in self.listed("DescribeAccounts", {"DBInstanceId": self.account.instance_id}, "Details"):
            if detail.get("UserName") == self.account.username:
                if detail.get("OpenCam") is True:
                    return CAM_AUTHENTICATION
                status = detail.get("Status")
                unknown = ("unknown", False, False)
                words, usable, settling = ACCOUNT_STATUS.get(status, unknown) if isinstance(status, int) else unknown
                return AccountState(exists=True, usable=usable, settling=settling, status=words)
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """DescribeAccountPrivileges answers only for the objects named, so it is asked for the database the
        secret logs in to (``dbname``, else ``postgres``): ``{"database <name>": privileges}``."""
        asked = {"ObjectType": "database", "ObjectName": self.account.dbname or DEFAULT_DATABASE}
        params = {
            "DBInstanceId": self.account.instance_id,
            "UserName": self.account.username,
            "DatabaseObjectSet": [asked],
        }
        found: dict[str, set[str]] = {}
        for entry in self.call("DescribeAccountPrivileges", params).get("PrivilegeSet") or []:
            if isinstance(entry, dict):
                obj = entry.get("Object")
                key = object_key(obj if isinstance(obj, dict) and obj.get("ObjectName") else asked)
                found.setdefault(key, set()).update(str(name) for name in entry.get("PrivilegeSet") or [])
        return {key: frozenset(names) for key, names in found.items() if names}


def object_key(obj: Mapping[str, Any]) -> str:
    """``<type> <database>.<schema>.<name>``, each part the object's type has (``database app``, ``table
    app.public.orders``); the Object may leave its containers' names empty."""
    kind = str(obj.get("ObjectType") or "")
    containers = CONTAINERS.get(kind, ("DatabaseName", "SchemaName"))
    parts = [str(obj[part]) for part in containers if obj.get(part)]
    return f"{kind} {'.'.join([*parts, str(obj.get('ObjectName'))])}"
