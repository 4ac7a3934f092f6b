"""A Tencent Cloud API 3.0 service for one database account: TC3-signed JSON calls, the error envelope (HTTP 200
with ``Response.Error``; any other status without it is classified by status), and the provider's message
redacted of every credential the request carried before it is kept. Temporary credentials whose token the
service calls expired are renewed once (keyless access) and the call is made again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from ...errors import ErrorTable, redact, transport_error
from ...ports import AccountState
from ...provider import ClientConfig
from ..http import SignedApi, json_body, request_id_of, send
from .codes import EXPIRED_SESSION
from .signer import signed_headers

CONTENT_TYPE = "application/json"
PAGE = 100
MAX_PAGES = 50


CAM_AUTHENTICATION = AccountState(
    exists=True,
    usable=False,
    settling=False,
    status="using CAM authentication (OpenCam): CAM manages its password and the database refuses resets; turn CAM "
    "authentication off for the account or leave it out of rotation",
)
"""An account whose ``DescribeAccounts`` entry says ``OpenCam``: its reset would be refused, so none is tried."""


def default_endpoint(service: str, region: str) -> str:
    return f"https://{service}.{region}.tencentcloudapi.com"


def response_of(response: httpx.Response, errors: ErrorTable, secrets: tuple[str | None, ...]) -> dict[str, Any]:
    """The answer's ``Response`` object, or the classified error it carries (its message redacted of ``secrets``)."""
    body = (json_body(response) or {}).get("Response")
    if not isinstance(body, dict):
        if response.status_code != 200:
            raise errors.error(
                f"HTTP.{response.status_code}", "no API error in the answer", http_status=response.status_code
            )
        raise transport_error(errors.provider, "Transport.BadResponse", "the answer has no Response object")
    error = body.get("Error")
    if isinstance(error, dict):
        raise errors.error(
            str(error.get("Code", "Unknown")),
            redact(str(error.get("Message", "")), secrets),
            request_id=request_id_of(body),
            http_status=response.status_code,
        )
    return body


class TencentApi(SignedApi):
    """Calls of one service (``postgres``, ``cdb``) at one version, for the account ``config`` names; an answer is
    its ``Response`` object."""

    expired_session = EXPIRED_SESSION

    def __init__(self, config: ClientConfig, service: str, version: str, errors: ErrorTable) -> None:
        super().__init__(config, default_endpoint(service, config.account.region), version, errors)
        self.service = service

    def attempt(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...]) -> dict[str, Any]:
        credentials = self.source.credentials()
        payload = json.dumps(params).encode()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "X-TC-Action": action,
            "X-TC-Version": self.version,
            "X-TC-Region": self.account.region,
            **signed_headers(credentials, self.service, int(self.now()), CONTENT_TYPE, self.host_header, payload),
        }
        request = self.http.build_request("POST", self.url, content=payload, headers=headers)
        response = send(self.http, request, self.errors.provider, action)
        return response_of(response, self.errors, (*sensitive, credentials.key_secret, credentials.token))

    def listed(self, action: str, params: Mapping[str, Any], items: str) -> Iterator[dict[str, Any]]:
        """Every item of a paged listing (``Limit``/``Offset``, ``TotalCount``), page by page, read lazily: a
        caller that finds what it looks for stops the reading."""
        for page in range(MAX_PAGES):
            body = self.call(action, {**params, "Limit": PAGE, "Offset": page * PAGE})
            found = body.get(items) or []
            yield from (item for item in found if isinstance(item, dict))
            if len(found) < PAGE or (page + 1) * PAGE >= int(body.get("TotalCount") or 0):
                return
