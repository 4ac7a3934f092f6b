"""Huawei Cloud RDS v3 for one database account: SetDbUserPwd (a named account) or ResetPwd (``root``),
ListInstances with ListDbUsers for the account's state, ListDbUsers for its privileges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ....errors import ErrorTable, own, transport_error
from ....ports import AccountState, Privileges, ResetReceipt
from ....provider import ClientConfig
from ..api import HuaweiApi, Route

ROUTES: Mapping[str, Route] = {
    "SetDbUserPwd": Route("POST", "/v3/{project_id}/instances/{instance_id}/db_user/resetpwd"),
    "ResetPwd": Route("POST", "/v3/{project_id}/instances/{instance_id}/password"),
    "ListDbUsers": Route("GET", "/v3/{project_id}/instances/{instance_id}/db_user/detail", ("page", "limit")),
    "ListInstances": Route("GET", "/v3/{project_id}/instances", ("id", "offset", "limit")),
}
"""huaweicloudsdkrds 3.1.219 ``v3/rds_client.py``: each operation's method, path and query parameters."""

ROOT = "root"
"""MySQL's and PostgreSQL's admin account, whose password ResetPwd sets (rds_05_0011)."""
SUCCESSFUL = "successful"
"""SetDbUserPwd's ``resp`` when the call succeeded ("successful" when the call succeeded, rds_06_0041)."""
SYSTEM_ACCOUNTS = frozenset(
    {"rdsadmin", "rdsrepl", "rdsbackup", "rdsmetric", "rdsproxy", "rdsddm", "rdsdisaster", "rdsmirror"}
)
"""Accounts RDS manages itself (compared without case): their passwords are never changed here."""

USABLE, SETTLING, BLOCKED = "usable", "settling", "blocked"
INSTANCE_STATUS: Mapping[str, tuple[str, str]] = {
    "ACTIVE": ("normal", USABLE),
    "BACKING UP": ("backing up", USABLE),
    "BUILD": ("being created", SETTLING),
    "REBOOTING": ("rebooting", SETTLING),
    "RESTORING": ("being restored", SETTLING),
    "MODIFYING": ("being scaled", SETTLING),
    "MODIFYING INSTANCE TYPE": ("changing to primary/standby", SETTLING),
    "MODIFYING DATABASE PORT": ("changing its port", SETTLING),
    "SWITCHOVER": ("switching over", SETTLING),
    "MIGRATING": ("migrating", SETTLING),
    "FROZEN": ("frozen", BLOCKED),
    "FAILED": ("abnormal", BLOCKED),
    "STORAGE FULL": ("storage full", BLOCKED),
}
"""``InstanceResponse.status`` (huaweicloudsdkrds 3.1.219 ``instance_response.py``) → (words, what it means for the
account). Judgement: only ``ACTIVE`` and ``BACKING UP`` (which no password call lists among its refusals) are
usable; the work the others name ends by itself; a frozen, abnormal or full instance needs someone to act. Any other
status is not usable and not waited for: verify names it."""


class HuaweiRdsApi(HuaweiApi):
    """:class:`~crossrotate.ports.ProviderApi` for one Huawei Cloud RDS account."""

    routes = ROUTES

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "rds", errors)

    def reset_password(self, password: str) -> ResetReceipt:
        """ResetPwd for ``root``, SetDbUserPwd for any other account (not a system one)."""
        username, instance_id = self.account.username, self.account.instance_id
        if username.casefold() in SYSTEM_ACCOUNTS:
            raise own("AccountNotUsable", f"{username} is a system account RDS manages: its password is not ours")
        if username == ROOT:
            self.call("ResetPwd", {"instance_id": instance_id, "db_user_pwd": password}, sensitive=(password,))
            return ResetReceipt(self.request_id)
        params = {"instance_id": instance_id, "name": username, "password": password}
        answer = self.call("SetDbUserPwd", params, sensitive=(password,))
        if answer.get("resp") != SUCCESSFUL:
            raise transport_error(self.errors.provider, "Transport.BadResponse", "SetDbUserPwd did not say successful")
        return ResetReceipt(self.request_id)

    def account_state(self) -> AccountState:
        """The instance's status first (:data:`INSTANCE_STATUS`), then the account: its admin account by the
        instance's ``db_user_name``, any other by the user listing."""
        instance = self.instance()
        status = str(instance["status"])
        words, meaning = INSTANCE_STATUS.get(status, (f"in undocumented status {status!r}", BLOCKED))
        if meaning != USABLE:
            return AccountState(
                exists=True, usable=False, settling=meaning == SETTLING, status=f"on an instance {words}"
            )
        if self.account.username.casefold() in SYSTEM_ACCOUNTS:
            return AccountState(exists=True, usable=False, settling=False, status="a system account RDS manages")
        if instance.get("db_user_name") == self.account.username or self.user() is not None:
            return AccountState(exists=True, usable=True, settling=False, status="listed")
        return AccountState(exists=False, usable=False, settling=False, status="absent")

    def privileges(self) -> Privileges:
        """What ListDbUsers reports of the account: ``database <name>`` → ``readonly`` or ``readwrite`` (MySQL,
        SQL Server), ``role attributes`` → the attributes that are true and ``member of`` → its roles
        (PostgreSQL)."""
        user = self.user()
        if user is None:
            raise own("AccountNotFound", f"ListDbUsers does not list {self.account.username}")
        return user_privileges(user)

    def instance(self) -> dict[str, Any]:
        """The instance's ``InstanceResponse``: ListInstances filtered by its id (compared here too)."""
        listed = self.call("ListInstances", {"id": self.account.instance_id})["instances"]
        if not isinstance(listed, list):
            raise transport_error(self.errors.provider, "Transport.BadResponse", "ListInstances has no instances list")
        for instance in listed:
            if isinstance(instance, dict) and instance.get("id") == self.account.instance_id:
                return instance
        raise own(
            "AccountNotFound",
            f"ListInstances lists no instance {self.account.instance_id} in {self.account.region}'s project: check "
            "instance_id, region and project_id",
        )

    def user(self) -> dict[str, Any] | None:
        params = {"instance_id": self.account.instance_id}
        return next(
            (u for u in self.pages("ListDbUsers", params, "users") if u.get("name") == self.account.username), None
        )


def user_privileges(user: Mapping[str, Any]) -> Privileges:
    found: dict[str, set[str]] = {}
    for database in user.get("databases") or []:
        if isinstance(database, dict) and database.get("name"):
            kind = "readonly" if database.get("readonly") is True else "readwrite"
            found.setdefault(f"database {database['name']}", set()).add(kind)
    attributes = user.get("attributes")
    if isinstance(attributes, dict):
        found["role attributes"] = {str(name) for name, value in attributes.items() if value is True}
    roles = user.get("memberof")
    if isinstance(roles, list):
        found["member of"] = {str(role) for role in roles}
    return {key: frozenset(names) for key, names in found.items() if names}
