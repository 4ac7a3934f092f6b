"""TDSQL-C for MySQL API (``cynosdb`` 2019-01-07) for one account (``user@host``) of one cluster:
ResetAccountPassword sets the password at once, DescribeAccounts says whether the account exists,
DescribeAccountAllGrantPrivileges what it may do."""

from __future__ import annotations

from ....errors import ErrorTable
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import TencentApi

VERSION = "2019-01-07"
SCOPES = (
    ("DatabasePrivileges", "database", ("Db",)),
    ("TablePrivileges", "table", ("Db", "TableName")),
)
"""DescribeAccountAllGrantPrivileges' per-object lists: (field, key prefix, the fields that name the object)."""
LISTED = AccountState(exists=True, usable=True, settling=False, status="listed")
"""cynosdb's ``Account`` has no status of any kind (name, host, description, times, connection limit, its own
password rotation switch): an account it lists is taken as usable, and only a login (with ``host``) tells more."""


class TencentTdsqlcApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TDSQL-C for MySQL account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "cynosdb", VERSION, errors)
        self.host = config.account.options["account_host"]

    def reset_password(self, password: str) -> ResetReceipt:
        """The reset is in force when it answers (its answer is a RequestId alone: nothing to poll). ``Host`` is
        sent even for ``%``, its default, so the account meant is the one the secret names."""
        params = {
            "ClusterId": self.account.instance_id,
            "AccountName": self.account.username,
            "AccountPassword": password,
            "Host": self.host,
        }
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """Listed (``AccountName`` and ``Host`` both match) or not. The listing is asked for the account's name
        only (``AccountNames``); the host is matched here, as the ``Hosts`` filter's documented meaning is unclear."""
        wanted = (self.account.username, self.host)
        params = {"ClusterId": self.account.instance_id, "AccountNames": [self.account.username]}
        for item in self.listed("DescribeAccounts", params, "AccountSet"):
            if (item.get("AccountName"), item.get("Host")) == wanted:
                return LISTED
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """DescribeAccountAllGrantPrivileges of ``user@host``, the account's grants in one answer (its documented
        example is the account's own GRANT statements): ``global``, ``database <db>`` and ``table <db>.<table>``,
        each with the privileges listed for it. (DescribeAccountPrivileges answers one scope per call.)"""
        params = {
            "ClusterId": self.account.instance_id,
            "Account": {"AccountName": self.account.username, "Host": self.host},
        }
        body = self.call("DescribeAccountAllGrantPrivileges", params)
        found: dict[str, set[str]] = {"global": {str(name) for name in body.get("GlobalPrivileges") or []}}
        for field, prefix, names in SCOPES:
            for item in body.get(field) or []:
                if isinstance(item, dict):
                    key = f"{prefix} {'.'.join(str(item.get(name)) for name in names)}"
                    found.setdefault(key, set()).update(str(name) for name in item.get("Privileges") or [])
        return {key: frozenset(privileges) for key, privileges in found.items() if privileges}
