"""TencentDB for PostgreSQL API (2017-03-12) for one database account: ResetAccountPassword, DescribeAccounts.

API errors arrive as HTTP 200 with ``Response.Error``; any other status without that envelope is classified by
status. The provider's message is redacted of every credential the request carried before it is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ...errors import redact, transport_error
from ...ports import AccountState
from ...secret import DatabaseSecret
from ..http import json_body, key_fields, send
from .errors import PROVIDER, TENCENT_ERRORS
from .signer import TC3Auth, TencentCredentials

SERVICE = "postgres"
VERSION = "2017-03-12"
CONTENT_TYPE = "application/json"
PAGE = 100
MAX_PAGES = 50

# DescribeAccounts Status → (words, usable, settling)
ACCOUNT_STATUS: Mapping[int, tuple[str, bool, bool]] = {
    1: ("creating", False, True),
    2: ("normal", True, False),
    3: ("modifying", False, True),
    4: ("resetting password", False, True),
    5: ("locked", False, False),
    -1: ("deleting", False, False),
}


def default_endpoint(region: str) -> str:
    return f"https://{SERVICE}.{region}.tencentcloudapi.com"


def parse_credentials(secret_string: str | None) -> TencentCredentials:
    """``{"secret_id", "secret_key", "token"?}``."""
    return TencentCredentials(*key_fields(secret_string, "Tencent Cloud API key", ("secret_id", "secret_key"), "token"))


class TencentPostgresApi:
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for PostgreSQL account."""

    def __init__(
        self,
        http: httpx.Client,
        endpoint: str,
        credentials: TencentCredentials,
        account: DatabaseSecret,
        now: Callable[[], float],
    ) -> None:
        self.http = http
        self.url = endpoint + "/"
        self.credentials = credentials
        self.auth = TC3Auth(credentials, SERVICE, now)
        self.account = account

    def call(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...] = ()) -> dict[str, Any]:
        """One API call; returns ``Response`` or raises a classified RotationError."""
        request = self.http.build_request(
            "POST",
            self.url,
            content=json.dumps(params).encode(),
            headers={
                "Content-Type": CONTENT_TYPE,
                "X-TC-Action": action,
                "X-TC-Version": VERSION,
                "X-TC-Region": self.account.region,
            },
        )
        response = send(self.http, request, self.auth, PROVIDER, action)
        body = (json_body(response) or {}).get("Response")
        if not isinstance(body, dict):
            if response.status_code != 200:
                raise TENCENT_ERRORS.error(
                    f"HTTP.{response.status_code}", "no API error in the answer", http_status=response.status_code
                )
            raise transport_error(PROVIDER, "Transport.BadResponse", "the answer has no Response object")
        error = body.get("Error")
        if isinstance(error, dict):
            secrets = (*sensitive, self.credentials.secret_key, self.credentials.token)
            raise TENCENT_ERRORS.error(
                str(error.get("Code", "Unknown")),
                redact(str(error.get("Message", "")), secrets),
                request_id=body.get("RequestId"),
                http_status=response.status_code,
            )
        return body

    def reset_password(self, password: str) -> str | None:
        params = {"DBInstanceId": self.account.instance_id, "UserName": self.account.username, "Password": password}
        body = self.call("ResetAccountPassword", params, sensitive=(password,))
        return body.get("RequestId")

    def account_state(self) -> AccountState:
        """Page through DescribeAccounts until the account shows up."""
        for page in range(MAX_PAGES):
            params = {"DBInstanceId": self.account.instance_id, "Limit": PAGE, "Offset": page * PAGE}
            body = self.call("DescribeAccounts", params)
            details = body.get("Details") or []
            for detail in details:
                if isinstance(detail, dict) and detail.get("UserName") == self.account.username:
                    status = detail.get("Status")
                    unknown = ("unknown", False, False)
                    words, usable, settling = (
                        ACCOUNT_STATUS.get(status, unknown) if isinstance(status, int) else unknown
                    )
                    return AccountState(exists=True, usable=usable, settling=settling, status=words)
            if len(details) < PAGE or (page + 1) * PAGE >= int(body.get("TotalCount") or 0):
                break
        return AccountState(exists=False, usable=False, settling=False, status="absent")


def build(
    account: DatabaseSecret,
    credentials_json: str | None,
    endpoint: str | None,
    http: httpx.Client,
    now: Callable[[], float],
    environ: Mapping[str, str],
) -> TencentPostgresApi:
    """The client for ``account``: ``endpoint`` (already checked) or the regional default. Tencent has no
    settings in ``environ``."""
    return TencentPostgresApi(
        http, endpoint or default_endpoint(account.region), parse_credentials(credentials_json), account, now
    )
