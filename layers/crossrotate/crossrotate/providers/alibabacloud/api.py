"""An Alibaba Cloud OpenAPI product (RPC style) for one database account: signed calls (V3 by default, RPC v1 by
``ALIBABACLOUD_SIGNATURE_VERSION``), parameters in the query string encoded by hand (RFC 3986) as the official
SDK sends them, and the error envelope: a 4xx/5xx status with ``{"Code", "Message", "RequestId", "Recommend"}``,
the body parsed whatever the status, and a throttled answer's ``x-acs-retry-after`` (milliseconds) as the retry
hint. The provider's message is redacted of every credential the request carried. Temporary credentials whose
token the product calls expired are renewed once (keyless access) and the call is made again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ...errors import ErrorTable, redact, transport_error
from ...ports import AccountState
from ...provider import ClientConfig
from ..http import SignedApi, json_body, request_id_of, send
from . import SIGNATURE_VARIABLE
from .codes import EXPIRED_SESSION
from .signer import canonical_query, new_nonce, v1_query, v3_headers


def default_endpoint(product: str, region: str, central_regions: Iterable[str]) -> str:
    """The official SDK's endpoint map: some regions are served by the product's central endpoint."""
    central = region in frozenset(central_regions)
    return f"https://{product}.aliyuncs.com" if central else f"https://{product}.{region}.aliyuncs.com"


def unusable_instance(status: str, lock: str, gone_for_good: frozenset[str], what: str) -> AccountState | None:
    """The account's state when its instance (``what``: instance, cluster) keeps it from being usable: locked
    (someone must act), or not running (it settles, unless it is going away); None when the instance is fine."""
    if lock != "Unlock":
        return AccountState(exists=True, usable=False, settling=False, status=f"on {what} locked ({lock})")
    if status != "Running":
        return AccountState(
            exists=True, usable=False, settling=status not in gone_for_good, status=f"on {what} {status}"
        )
    return None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["x-acs-retry-after"]) / 1000
    except (KeyError, ValueError):
        return None


class AlibabaRpcApi(SignedApi):
    """Calls of one product at one version, for the account ``config`` names."""

    expired_session = EXPIRED_SESSION

    def __init__(self, config: ClientConfig, endpoint: str, version: str, errors: ErrorTable) -> None:
        super().__init__(config, endpoint, version, errors)
        self.v1 = config.settings.option(SIGNATURE_VARIABLE) == "v1"

    def attempt(self, action: str, params: Mapping[str, str], sensitive: tuple[str, ...]) -> dict[str, Any]:
        credentials = self.source.credentials()
        if self.v1:  # the signature is one more parameter of the query
            common = [("Action", action), ("Version", self.version), ("RegionId", self.account.region)]
            query = v1_query(credentials, "POST", [*params.items(), *common], self.now(), new_nonce())
            request = self.http.build_request("POST", f"{self.url}?{query}")
        else:
            query = canonical_query(params.items())
            action_headers = {"x-acs-action": action, "x-acs-version": self.version}
            headers = v3_headers(credentials, self.host_header, query, action_headers, b"", self.now(), new_nonce())
            request = self.http.build_request("POST", f"{self.url}?{query}", headers=headers)
        response = send(self.http, request, self.errors.provider, action)
        return answer_of(response, self.errors, (*sensitive, credentials.key_secret, credentials.token))


def answer_of(response: httpx.Response, errors: ErrorTable, secrets: tuple[str | None, ...]) -> dict[str, Any]:
    """The answer's JSON, or the classified error it carries (its message redacted of ``secrets``)."""
    body = json_body(response)
    if response.status_code == 200 and body is not None and not carries_error(body):
        return body
    if body is None or "Code" not in body:
        if response.status_code == 200:
            raise transport_error(errors.provider, "Transport.BadResponse", "the answer is not a JSON object")
        raise errors.error(
            f"HTTP.{response.status_code}",
            "no API error in the answer",
            http_status=response.status_code,
            retry_after=_retry_after(response),
        )
    raise errors.error(
        str(body["Code"]),
        redact(str(body.get("Message", "")), secrets),
        request_id=request_id_of(body),
        http_status=response.status_code,
        retry_after=_retry_after(response),
    )


SUCCESS_CODES = frozenset({"200", "Success", "OK"})
"""What some OpenAPI products put in ``Code`` beside their data when a call succeeded."""


def carries_error(body: dict[str, Any]) -> bool:
    """Whether an HTTP 200 answer is an error envelope all the same: its ``Code`` is not a success code (gateways
    and some products answer errors with 200; ``Success: false`` says so too)."""
    code = body.get("Code")
    return (code is not None and str(code) not in SUCCESS_CODES) or body.get("Success") is False
