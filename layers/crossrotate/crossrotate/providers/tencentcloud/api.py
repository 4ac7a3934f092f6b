"""A Tencent Cloud API 3.0 service for one database account: TC3-signed JSON calls, the error envelope (HTTP 200
with ``Response.Error``; any other status without it is classified by status), and the provider's message
redacted of every credential the request carried before it is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ...errors import ErrorTable, redact, transport_error
from ...provider import ClientConfig
from ..http import json_body, send
from .cloud import parse_credentials
from .signer import TC3Auth

CONTENT_TYPE = "application/json"
PAGE = 100
MAX_PAGES = 50


def default_endpoint(service: str, region: str) -> str:
    return f"https://{service}.{region}.tencentcloudapi.com"


class TencentApi:
    """Calls of one service (``postgres``, ``cdb``) at one version, for the account ``config`` names."""

    def __init__(self, config: ClientConfig, service: str, version: str, errors: ErrorTable) -> None:
        self.http = config.http
        self.account = config.account
        self.url = (config.endpoint or default_endpoint(service, config.account.region)) + "/"
        self.credentials = parse_credentials(config.credentials)
        self.auth = TC3Auth(self.credentials, service, config.now)
        self.version = version
        self.errors = errors

    def call(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...] = ()) -> dict[str, Any]:
        """One API call; returns ``Response`` or raises a classified RotationError."""
        request = self.http.build_request(
            "POST",
            self.url,
            content=json.dumps(params).encode(),
            headers={
                "Content-Type": CONTENT_TYPE,
                "X-TC-Action": action,
                "X-TC-Version": self.version,
                "X-TC-Region": self.account.region,
            },
        )
        response = send(self.http, request, self.auth, self.errors.provider, action)
        body = (json_body(response) or {}).get("Response")
        if not isinstance(body, dict):
            if response.status_code != 200:
                raise self.errors.error(
                    f"HTTP.{response.status_code}", "no API error in the answer", http_status=response.status_code
                )
            raise transport_error(self.errors.provider, "Transport.BadResponse", "the answer has no Response object")
        error = body.get("Error")
        if isinstance(error, dict):
            secrets = (*sensitive, self.credentials.secret_key, self.credentials.token)
            raise self.errors.error(
                str(error.get("Code", "Unknown")),
                redact(str(error.get("Message", "")), secrets),
                request_id=body.get("RequestId"),
                http_status=response.status_code,
            )
        return body

    def listed(self, action: str, params: Mapping[str, Any], items: str) -> Iterator[dict[str, Any]]:
        """Every item of a paged listing (``Limit``/``Offset``, ``TotalCount``), page by page, read lazily: a
        caller that finds what it looks for stops the reading."""
        for page in range(MAX_PAGES):
            body = self.call(action, {**params, "Limit": PAGE, "Offset": page * PAGE})
            found = body.get(items) or []
            yield from (item for item in found if isinstance(item, dict))
            if len(found) < PAGE or (page + 1) * PAGE >= int(body.get("TotalCount") or 0):
                return
