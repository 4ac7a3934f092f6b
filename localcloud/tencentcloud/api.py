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


def error_envelope(server: EmulatorServer, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
    """API 3.0's error answer, which every Tencent Cloud service (its STS included) gives."""
    envelope = {"Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": server.request_id()}}
    return server.json_response(envelope, error.status, headers)


class TencentApiEmulator(SignedApiEmulator):
    """One API 3.0 service at one version: TC3 authentication and the envelope; subclasses add the actions."""

    service = ""
    version = ""

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            action = self.authenticate(request)
        except ProviderError as error:
            return self.refuse(request.headers.get("x-tc-action", "?"), {}, error)
        try:
            params = json.loads(request.body or b"{}")
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            return self.refuse(action, {}, ProviderError("InvalidRequest", "the body is not a JSON object"))
        return self.answer(action, params, lambda: self.dispatch(action, params), self.success)

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("InvalidAction", f"{action} is not an action of {self.service}")
        return handler(params)

    def success(self, result: dict[str, Any]) -> Response:
        return self.json_response({"Response": {**result, "RequestId": self.request_id()}})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        return error_envelope(self, error, headers)

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
        if request.headers.get("x-tc-version") != self.version:
            raise ProviderError("NoSuchVersion", "version not found")
        if not request.headers.get("x-tc-region"):
            raise ProviderError("MissingParameter", "The request is missing a required parameter `Region`.")
        return request.headers.get("x-tc-action", "")
