"""ApsaraDB RDS API (2014-08-15, RPC style) for one database account: ResetAccountPassword, and DescribeAccounts
with DescribeDBInstanceAttribute for testSecret.

Parameters travel in the query string, encoded by hand (RFC 3986), as the official SDK sends them. Errors come
with a 4xx/5xx status and ``{"Code", "Message", "RequestId", "Recommend"}``; the body is parsed whatever the
status, and a throttled answer's ``x-acs-retry-after`` (milliseconds) becomes the retry hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ...errors import fatal, redact, transport_error
from ...ports import AccountState
from ...secret import DatabaseSecret
from ..http import json_body, key_fields, send
from .errors import ALIBABA_ERRORS, PROVIDER
from .signer import AcsRpcV1Auth, AcsV3Auth, AlibabaCredentials, canonical_query

VERSION = "2014-08-15"
SIGNATURE_VARIABLE = "ALIBABACLOUD_SIGNATURE_VERSION"
# Regions the official SDK's endpoint map sends to the central endpoint; the rest use rds.<region>.aliyuncs.com.
CENTRAL_REGIONS = frozenset(
    {
        "cn-qingdao", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-heyuan", "cn-hongkong",
        "ap-southeast-1", "us-west-1", "us-east-1", "cn-shanghai-finance-1", "cn-shenzhen-finance-1",
        "cn-north-2-gov-1", "cn-beijing-finance-1", "cn-wuhan", "cn-fujian", "cn-zhangbei", "cn-edge-1",
    }
)  # fmt: skip
STOPPED_FOR_GOOD = frozenset({"Deleting", "Released"})


def default_endpoint(region: str) -> str:
    return "https://rds.aliyuncs.com" if region in CENTRAL_REGIONS else f"https://rds.{region}.aliyuncs.com"


def parse_credentials(secret_string: str | None) -> AlibabaCredentials:
    """``{"access_key_id", "access_key_secret", "security_token"?}``."""
    fields = key_fields(
        secret_string, "Alibaba Cloud AccessKey", ("access_key_id", "access_key_secret"), "security_token"
    )
    return AlibabaCredentials(*fields)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["x-acs-retry-after"]) / 1000
    except (KeyError, ValueError):
        return None


class AlibabaRdsApi:
    """:class:`~crossrotate.ports.ProviderApi` for one ApsaraDB RDS account."""

    def __init__(
        self,
        http: httpx.Client,
        endpoint: str,
        credentials: AlibabaCredentials,
        account: DatabaseSecret,
        signature_version: str,
        now: Callable[[], float],
    ) -> None:
        self.http = http
        self.url = endpoint + "/"
        self.credentials = credentials
        self.account = account
        self.v1 = signature_version == "v1"
        self.auth: httpx.Auth = AcsRpcV1Auth(credentials, now) if self.v1 else AcsV3Auth(credentials, now)

    def call(self, action: str, params: Mapping[str, str], sensitive: tuple[str, ...] = ()) -> dict[str, Any]:
        """One API call; returns the answer's JSON or raises a classified RotationError."""
        pairs = list(params.items())
        headers = {}
        if self.v1:
            pairs += [("Action", action), ("Version", VERSION), ("RegionId", self.account.region)]
        else:
            headers = {"x-acs-action": action, "x-acs-version": VERSION}
        request = self.http.build_request("POST", f"{self.url}?{canonical_query(pairs)}", headers=headers)
        response = send(self.http, request, self.auth, PROVIDER, action)
        body = json_body(response)
        if response.status_code == 200 and body is not None:
            return body
        if body is None or "Code" not in body:
            if response.status_code == 200:
                raise transport_error(PROVIDER, "Transport.BadResponse", "the answer is not a JSON object")
            raise ALIBABA_ERRORS.error(
                f"HTTP.{response.status_code}",
                "no API error in the answer",
                http_status=response.status_code,
                retry_after=_retry_after(response),
            )
        secrets = (*sensitive, self.credentials.access_key_secret, self.credentials.security_token)
        raise ALIBABA_ERRORS.error(
            str(body["Code"]),
            redact(str(body.get("Message", "")), secrets),
            request_id=body.get("RequestId"),
            http_status=response.status_code,
            retry_after=_retry_after(response),
        )

    def reset_password(self, password: str) -> str | None:
        params = {
            "DBInstanceId": self.account.instance_id,
            "AccountName": self.account.username,
            "AccountPassword": password,
        }
        return self.call("ResetAccountPassword", params, sensitive=(password,)).get("RequestId")

    def account_state(self) -> AccountState:
        """The instance must be running and unlocked, and the account listed as Available."""
        instance_id = self.account.instance_id
        attributes = self.call("DescribeDBInstanceAttribute", {"DBInstanceId": instance_id})
        items = (attributes.get("Items") or {}).get("DBInstanceAttribute") or [{}]
        status, lock = items[0].get("DBInstanceStatus", "Unknown"), items[0].get("LockMode", "Unlock")
        if lock != "Unlock":
            return AccountState(exists=True, usable=False, settling=False, status=f"on an instance locked ({lock})")
        if status != "Running":
            settling = status not in STOPPED_FOR_GOOD
            return AccountState(exists=True, usable=False, settling=settling, status=f"on an instance {status}")
        listed = self.call("DescribeAccounts", {"DBInstanceId": instance_id, "AccountName": self.account.username})
        for account in (listed.get("Accounts") or {}).get("DBInstanceAccount") or []:
            if isinstance(account, dict) and account.get("AccountName") == self.account.username:
                available = account.get("AccountStatus") == "Available"
                return AccountState(
                    exists=True, usable=available, settling=not available, status=str(account.get("AccountStatus"))
                )
        return AccountState(exists=False, usable=False, settling=False, status="absent")


def build(
    account: DatabaseSecret,
    credentials_json: str | None,
    endpoint: str | None,
    http: httpx.Client,
    now: Callable[[], float],
    environ: Mapping[str, str],
) -> AlibabaRdsApi:
    """The client for ``account``: ``endpoint`` (already checked) or the regional default; V3 unless configured."""
    signature_version = environ.get(SIGNATURE_VARIABLE) or "v3"
    if signature_version not in ("v3", "v1"):
        raise fatal("InvalidConfiguration", f"{SIGNATURE_VARIABLE} must be v3 or v1")
    credentials = parse_credentials(credentials_json)
    return AlibabaRdsApi(
        http, endpoint or default_endpoint(account.region), credentials, account, signature_version, now
    )
