"""What every Tencent Cloud API 3.0 emulator shares: TC3-HMAC-SHA256 checked against the keys it knows (with the
5-minute skew window, and session tokens and expiries for temporary keys), and the documented envelope (HTTP 200
with ``Response.Error``). The signature check is written apart from the library's signer on purpose: the official
SDK is driven against it in the tests, so a mistake in either shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

from ..base import EmulatorServer, ProviderError, Request, Response, SignedApiEmulator

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
SKEW_S = 300


def required(params: dict[str, Any], *names: str, code: str = "MissingParameter") -> None:
    """A call that leaves out a string parameter it needs (or sends another type) is refused: ``code``, with a
    message naming them (``UserName and Password are required``)."""
    if not all(isinstance(params.get(name), str) for name in names):
        raise ProviderError(code, f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} required")


def page(params: dict[str, Any], default_limit: int) -> slice:
    """The part of a listing a Describe call asks for: ``Limit`` items (1 to 100) from ``Offset``."""
    limit, offset = int(params.get("Limit", default_limit)), int(params.get("Offset", 0))
    if not 1 <= limit <= 100 or offset < 0:
        raise ProviderError("InvalidParameterValue.InvalidParameterValueError", "Limit or Offset out of range")
    return slice(offset, offset + limit)


class TencentEndpoint(EmulatorServer):
    """What every Tencent Cloud API 3.0 endpoint shares, signed or anonymous (its STS): a JSON object for a body,
    the version and region headers, and the documented envelope (HTTP 200 with ``Response.Error``)."""

    version = ""

    def success(self, result: dict[str, Any]) -> Response:
        return self.json_response({"Response": {**result, "RequestId": self.request_id()}})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        envelope = {
            "Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": self.request_id()}
        }
        return self.json_response(envelope, error.status, headers)

    @staticmethod
    def params_of(request: Request) -> dict[str, Any]:
        """The action's parameters: the body, a JSON object."""
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise ProviderError("InvalidRequest", "the body is not a JSON object")
        return params

    def check_version_and_region(self, request: Request) -> None:
        if request.headers.get("x-tc-version") != self.version:
            raise ProviderError("NoSuchVersion", "version not found")
        if not request.headers.get("x-tc-region"):
            raise ProviderError("MissingParameter", "The request is missing a required parameter `Region`.")


class TencentApiEmulator(TencentEndpoint, SignedApiEmulator):
    """One API 3.0 service at one version: TC3 authentication and the envelope; subclasses add the actions."""

    service = ""

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            action = self.authenticate(request)
        except ProviderError as error:
            return self.refuse(request.headers.get("x-tc-action", "?"), {}, error)
        try:
            params = self.params_of(request)
        except ProviderError as error:
            return self.refuse(action, {}, error)
        return self.answer(action, params, lambda: self.dispatch(action, params), self.success)

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("InvalidAction", f"{action} is not an action of {self.service}")
        return handler(params)

    def authenticate(self, request: Request) -> str:
        """The action, once the request's signature, timestamp and token check out."""
        if request.method != "POST":
            raise ProviderError("UnsupportedProtocol", "only POST is emulated")
        match = AUTHORIZATION.match(request.headers.get("authorization", ""))
        if not match:
            raise ProviderError("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        try:
            timestamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise ProviderError("MissingParameter", "X-TC-Timestamp is missing or not a number") from None
        if abs(self.now() - timestamp) > SKEW_S:
            raise ProviderError("AuthFailure.SignatureExpire", "signature expired")
        date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
        if match["date"] != date or match["service"] != self.service:
            raise ProviderError("AuthFailure.InvalidAuthorization", "credential scope does not match")
        secret_key = self.keys.get(match["id"])
        if secret_key is None:
            raise ProviderError("AuthFailure.SecretIdNotFound", "SecretId not found")
        signed = match["signed"].split(";")
        if "content-type" not in signed or "host" not in signed:
            raise ProviderError("AuthFailure.InvalidAuthorization", "content-type and host must be signed")
        canonical = "\n".join(
            [
                request.method,
                request.path,
                request.query,
                "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed),
                match["signed"],
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        scope = f"{date}/{self.service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + secret_key).encode()
        for part in (date, self.service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), match["signature"]):
            raise ProviderError("AuthFailure.SignatureFailure", "signature does not match")
        expected_token = self.tokens.get(match["id"])
        if expected_token is not None and request.headers.get("x-tc-token") != expected_token:
            raise ProviderError("AuthFailure.TokenFailure", "token is invalid")
        expiry = self.expiries.get(match["id"])
        if expiry is not None and self.now() >= expiry:
            raise ProviderError("AuthFailure.TokenFailure", "the token has expired")
        self.check_version_and_region(request)
        return request.headers.get("x-tc-action", "")


# Every service answers these: Tencent Cloud API 3.0 common error codes.
COMMON_CODES = [
    "AuthFailure.InvalidAuthorization",
    "AuthFailure.InvalidSecretId",
    "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.SignatureExpire",
    "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure",
    "AuthFailure.UnauthorizedOperation",
    "ActionOffline",
    "DryRunOperation",
    "FailedOperation",
    "InternalError",
    "InvalidAction",
    "InvalidParameter",
    "InvalidParameterValue",
    "InvalidRequest",
    "IpInBlacklist",
    "IpNotInWhitelist",
    "LimitExceeded",
    "MissingParameter",
    "NoSuchProduct",
    "NoSuchVersion",
    "RequestLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    "RequestLimitExceeded.IPLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded",
    "RequestSizeLimitExceeded",
    "ResponseSizeLimitExceeded",
    "ResourceInUse",
    "ResourceInsufficient",
    "ResourceNotFound",
    "ResourceUnavailable",
    "ServiceUnavailable",
    "UnauthorizedOperation",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedProtocol",
    "UnsupportedRegion",
]
