"""TencentDB for PostgreSQL API (2017-03-12) for one database account: ResetAccountPassword, DescribeAccounts."""

from __future__ import annotations

from collections.abc import Mapping

from ....ports import AccountState, ResetReceipt
from ....provider import ClientConfig
from ..api import CAM_AUTHENTICATION, TencentApi
from . import SPEC

VERSION = "2017-03-12"

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

    def __init__(self, config: ClientConfig) -> None:
        super().__init__(config, "postgres", VERSION, SPEC.errors)

    def reset_password(self, password: str) -> ResetReceipt:
        params = {"DBInstanceId": self.account.instance_id, "UserName": self.account.username, "Password": password}
        return ResetReceipt(self.call("ResetAccountPassword", params, sensitive=(password,)).get("RequestId"))

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
