"""TencentDB for SQL Server API (``sqlserver`` 2018-03-28) for one account: ResetAccountPassword starts a flow,
DescribeFlowStatus follows it, DescribeAccounts says whether the account exists and is usable, and what it may do
on each database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ....errors import ErrorTable, own, transport_error
from ....ports import AccountState, Privileges, ResetReceipt, TaskState
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import MAX_PAGES, PAGE, TencentApi

VERSION = "2018-03-28"

FLOW_STATUS: Mapping[int, tuple[str, bool, str | None]] = {
    0: ("succeeded", True, None),
    1: ("failed", False, "Flow.Failed"),
    2: ("running", False, None),
}
"""DescribeFlowStatus ``Status`` → (words, done, the classified failure it ends in). Any other number is not done
(read again until the deadline, then ``ResetNotApplied``); no number at all is an unreadable answer: neither is
ever taken for success."""

ACCOUNT_STATUS: Mapping[int, tuple[str, bool, bool]] = {
    1: ("creating", False, True),
    2: ("normal", True, False),
    3: ("modifying", False, True),
    4: ("resetting its password", False, True),
    -1: ("being deleted", False, False),
}
"""DescribeAccounts ``AccountDetail.Status`` → (words, usable, settling)."""

CAM_VERIFICATION = AccountState(
    exists=True,
    usable=False,
    settling=False,
    status="using CAM authentication (IsCam): its password cannot be changed while CAM verification is on; turn it "
    "off for the account or leave it out of rotation",
)
"""An account whose ``AccountDetail.IsCam`` is true: "after enabling CAM verification, you will not be able to change
the password" (the service's "Setting Account CAM Verification" page, product/238/61307)."""


class TencentSqlserverApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for SQL Server account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "sqlserver", VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        """Start the flow that sets the password (one account per call, so a failed flow concerns this account
        alone); the receipt's poll follows it."""
        params = {
            "InstanceId": self.account.instance_id,
            "Accounts": [{"UserName": self.account.username, "Password": password}],
        }
        body = self.call("ResetAccountPassword", params, sensitive=(password,))
        flow = body.get("FlowId")
        if type(flow) is not int:
            raise transport_error(
                self.errors.provider, "Transport.BadResponse", "ResetAccountPassword returned no FlowId"
            )
        return ResetReceipt(request_id_of(body), poll=lambda: self.flow_state(flow, password))

    def flow_state(self, flow: int, password: str) -> TaskState:
        """The flow's state, read from :data:`FLOW_STATUS`; one that ended failed carries ``Flow.Failed``."""
        body = self.call("DescribeFlowStatus", {"FlowId": flow}, sensitive=(password,))
        status = body.get("Status")
        if type(status) is not int:  # a JSON true is no 0, 1 or 2 either (bool is an int in Python)
            raise transport_error(
                self.errors.provider, "Transport.BadResponse", f"DescribeFlowStatus of flow {flow} has no Status"
            )
        words, done, failure = FLOW_STATUS.get(status, (f"in undocumented status {status}", False, None))
        where = f"flow {flow} (the reset of {self.account.username} on {self.account.instance_id})"
        return TaskState(
            done=done,
            status=f"{words} (flow {flow})",
            failure=None
            if failure is None
            else self.errors.error(failure, f"{where} ended with Status {status}", request_id=request_id_of(body)),
        )

    def account_state(self) -> AccountState:
        """Its ``Status`` (:data:`ACCOUNT_STATUS`; an undocumented one is not usable), unless CAM verification is
        on for it."""
        detail = self.detail()
        if detail is None:
            return AccountState(exists=False, usable=False, settling=False, status="absent")
        if detail.get("IsCam") is True:
            return CAM_VERIFICATION
        status = detail.get("Status")
        unknown = (f"in undocumented status {status!r}", False, False)
        words, usable, settling = ACCOUNT_STATUS.get(status, unknown) if type(status) is int else unknown
        return AccountState(exists=True, usable=usable, settling=settling, status=words)

    def privileges(self) -> Privileges:
        """What DescribeAccounts reports of the account: ``database <DBName>`` with its one ``Privilege``
        (``ReadWrite``, ``ReadOnly``, ``DBOwner``) for each database of ``Dbs``, and ``account type`` with its
        ``AccountType`` (``L0`` super to ``L3`` normal: its server-level rights). The service reports no finer
        grants (the per-database calls answer the same ``DBPrivilege``)."""
        detail = self.detail()
        if detail is None:
            raise own("AccountNotFound", f"{self.account.username} does not exist on {self.account.instance_id}")
        found: dict[str, set[str]] = {}
        for db in detail.get("Dbs") or []:
            if isinstance(db, dict) and db.get("DBName") and db.get("Privilege"):
                found.setdefault(f"database {db['DBName']}", set()).add(str(db["Privilege"]))
        if detail.get("AccountType"):
            found["account type"] = {str(detail["AccountType"])}
        return {key: frozenset(names) for key, names in found.items()}

    def detail(self) -> dict[str, Any] | None:
        """The account's ``AccountDetail``: DescribeAccounts filtered by ``Name`` (whether that filter matches
        exactly is not documented, so the name is compared here), read page by page."""
        for detail in self.accounts({"InstanceId": self.account.instance_id, "Name": self.account.username}):
            if detail.get("Name") == self.account.username:
                return detail
        return None

    def accounts(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every ``AccountDetail`` DescribeAccounts lists, read lazily. Its ``Offset`` is a page number ("页编号"),
        not the row offset :meth:`TencentApi.listed` sends."""
        for page in range(MAX_PAGES):
            body = self.call("DescribeAccounts", {**params, "Limit": PAGE, "Offset": page})
            found = body.get("Accounts") or []
            yield from (item for item in found if isinstance(item, dict))
            if len(found) < PAGE or (page + 1) * PAGE >= int(body.get("TotalCount") or 0):
                return
