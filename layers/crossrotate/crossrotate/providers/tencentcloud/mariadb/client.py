"""TencentDB for MariaDB API (``mariadb`` 2017-03-12) for one account (``user@host``): ResetAccountPassword sets the
password at once, DescribeAccounts says whether the account exists, DescribeAccountPrivileges what it may do."""

from __future__ import annotations

from ....errors import ErrorTable
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import TencentApi

VERSION = "2017-03-12"
GLOBAL = "*"
"""DescribeAccountPrivileges' ``DbName`` for the global privileges (``*.*``); with a database's name and ``Type``
``*``, it answers that database's (``db.*``)."""


class TencentMariadbApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for MariaDB account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "mariadb", VERSION, errors)
        self.host = config.account.options["account_host"]

    def reset_password(self, password: str) -> ResetReceipt:
        """In force when the call answers: nothing to poll. ``Host`` is required (name and host make the account);
        the password goes plain over TLS, since ``EncryptedPassword`` needs a key the service has no action for."""
        params = {
            "InstanceId": self.account.instance_id,
            "UserName": self.account.username,
            "Host": self.host,
            "Password": password,
        }
        return ResetReceipt(request_id_of(self.call("ResetAccountPassword", params, sensitive=(password,))))

    def account_state(self) -> AccountState:
        """Listed (``UserName`` and ``Host`` both match) or not: the service gives an account no status, so a listed
        one is usable. DescribeAccounts answers every account of the instance at once (it has no paging)."""
        wanted = (self.account.username, self.host)
        for user in self.call("DescribeAccounts", {"InstanceId": self.account.instance_id}).get("Users") or []:
            if isinstance(user, dict) and (user.get("UserName"), user.get("Host")) == wanted:
                return AccountState(exists=True, usable=True, settling=False, status="listed")
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """DescribeAccountPrivileges answers one scope per call: ``global`` always, and ``database <db>`` for the
        database the secret names (``dbname``), each with the privileges the provider lists for it."""
        scopes = [("global", {"DbName": GLOBAL})]
        if self.account.dbname:
            scopes.append((f"database {self.account.dbname}", {"DbName": self.account.dbname, "Type": "*"}))
        found: dict[str, frozenset[str]] = {}
        for key, scope in scopes:
            params = {
                "InstanceId": self.account.instance_id,
                "UserName": self.account.username,
                "Host": self.host,
                **scope,
            }
            names = frozenset(str(name) for name in self.call("DescribeAccountPrivileges", params)["Privileges"] or [])
            if names:
                found[key] = names
        return found
