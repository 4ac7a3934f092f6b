"""What every Alibaba Cloud OpenAPI (RPC) emulator shares: V3 (ACS3-HMAC-SHA256) and RPC v1 (HMAC-SHA1)
signatures checked against the AccessKeys it knows, with the timestamp window, nonce replay
(``SignatureNonceUsed``) and STS tokens and their expiry; errors as ``{"RequestId", "HostId", "Code", "Message",
"Recommend"}`` with the documented HTTP status. Written apart from the library's signer; the official SDK is
driven against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import string
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from ..base import EmulatorServer, ProviderError, Request, Response, SignedApiEmulator

AUTHORIZATION = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<id>[^,]+),"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),Signature=(?P<signature>[0-9a-f]{64})$"
)
SYMBOLS = "!@#$%^&*()_+-="
WINDOW_S = 900


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


def _canonical(pairs: list[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{_enc(k)}={_enc(v)}" for k, v in pairs))


def _pairs(raw: str) -> list[tuple[str, str]]:
    return [(unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in raw.split("&") if p)]


def mandatory(params: dict[str, str], *names: str) -> None:
    """Alibaba's answer to a call that leaves out a parameter it needs (or sends it empty)."""
    for name in names:
        if not params.get(name):
            raise ProviderError("MissingParameter", f"{name} is mandatory for this action.", 400)


def follows_password_rules(password: str) -> bool:
    """The password rules RDS and PolarDB document alike: 8 to 32 characters, each a letter, a digit or one of
    :data:`SYMBOLS`, from at least three of those four groups (lower case, upper case, digits, symbols)."""
    groups = (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
    allowed = all(any(c in group for group in groups) for c in password)
    present = sum(any(c in group for c in password) for group in groups)
    return 8 <= len(password) <= 32 and allowed and present >= 3


def grants_by_database(privileges: dict[str, list[str]]) -> dict[str, list[str]]:
    """``database <name>`` keys -> {name: privileges}; any other key is not something these products grant."""
    databases = {}
    for key, names in privileges.items():
        kind, _, name = key.partition(" ")
        if kind != "database" or not name or not names:
            raise ValueError(f"grant per database, at least one privilege each: {key!r}")
        databases[name] = list(names)
    return databases


class AlibabaEndpoint(EmulatorServer):
    """What every Alibaba Cloud OpenAPI endpoint answers in, signed or anonymous (its STS): the result with a
    ``RequestId``, and errors as ``{"RequestId", "HostId", "Code", "Message", "Recommend"}`` with the documented
    HTTP status (400 for an error that names none)."""

    product = ""

    def success(self, result: dict[str, Any]) -> Response:
        return self.json_response({**result, "RequestId": self.request_id()})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        status = error.status if error.status != 200 else 400
        document = {
            "RequestId": self.request_id(),
            "HostId": f"{self.product}.aliyuncs.com",
            "Code": error.code,
            "Message": error.message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=" + error.code,
        }
        return self.json_response(document, status, headers)


class AlibabaRpcEmulator(AlibabaEndpoint, SignedApiEmulator):
    """One RPC product at one version: V3 and v1 authentication, nonces and the envelope; subclasses add the
    actions."""

    version = ""

    def setup(self) -> None:
        super().setup()
        self.nonces: set[str] = set()
        self.signatures: list[str] = []
        """Which signature each authenticated request carried: ``v3`` or ``v1``."""

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        params = dict(_pairs(request.query))
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(_pairs(request.body.decode()))
        try:
            action = self.authenticate(request, params)
        except ProviderError as error:
            return self.refuse(params.get("Action") or request.headers.get("x-acs-action", "?"), {}, error)
        return self.answer(action, params, lambda: self.dispatch(action, params), self.success)

    def dispatch(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("InvalidAction.NotFound", f"Specified api {action} is not found", 404)
        return handler(params)

    def _check_time_and_nonce(self, stamp: str, nonce: str | None) -> None:
        try:
            moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise ProviderError("IllegalTimestamp", "Timestamp is not in the right format", 400) from None
        if abs(self.now() - moment) > WINDOW_S:
            raise ProviderError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
        if not nonce:
            raise ProviderError("MissingParameter", "SignatureNonce is mandatory for this action.", 400)
        with self.lock:
            if nonce in self.nonces:
                raise ProviderError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
            self.nonces.add(nonce)

    def _secret_of(self, key_id: str) -> str:
        secret = self.keys.get(key_id)
        if secret is None:
            raise ProviderError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        return secret

    def _check_token(self, key_id: str, token: str | None) -> None:
        expected = self.tokens.get(key_id)
        if expected is not None and token != expected:
            raise ProviderError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400)
        expiry = self.expiries.get(key_id)
        if expiry is not None and self.now() >= expiry:
            raise ProviderError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400)

    def authenticate(self, request: Request, params: dict[str, str]) -> str:
        """The action, once the request's V3 or v1 signature, timestamp, nonce and token check out."""
        if "authorization" in request.headers:
            return self._authenticate_v3(request)
        if "Signature" in params:
            return self._authenticate_v1(request, params)
        raise ProviderError("MissingParameter", "Signature is mandatory for this action.", 400)

    def _authenticate_v3(self, request: Request) -> str:
        match = AUTHORIZATION.match(request.headers["authorization"])
        if not match:
            raise ProviderError("IncompleteSignature", "The signature does not conform to Aliyun standards.", 400)
        secret = self._secret_of(match["id"])
        signed = match["signed"].split(";")
        sent_acs = {name for name in request.headers if name.startswith("x-acs-")}
        if "host" not in signed or not sent_acs <= set(signed) or any(name not in request.headers for name in signed):
            raise ProviderError("IncompleteSignature", "host and every x-acs-* header must be signed", 400)
        payload_hash = hashlib.sha256(request.body).hexdigest()
        if request.headers.get("x-acs-content-sha256") != payload_hash:
            raise ProviderError("IncompleteSignature", "x-acs-content-sha256 does not match the body", 400)
        canonical = "\n".join(
            [
                request.method,
                request.path,
                _canonical(_pairs(request.query)),
                "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed),
                match["signed"],
                payload_hash,
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            raise ProviderError("SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400)
        self._check_time_and_nonce(request.headers.get("x-acs-date", ""), request.headers.get("x-acs-signature-nonce"))
        self._check_token(match["id"], request.headers.get("x-acs-security-token"))
        if request.headers.get("x-acs-version") != self.version:
            raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        with self.lock:
            self.signatures.append("v3")
        return request.headers.get("x-acs-action", "")

    def _authenticate_v1(self, request: Request, params: dict[str, str]) -> str:
        for name in ("AccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp", "Action", "Version"):
            if name not in params:
                raise ProviderError("MissingParameter", f"{name} is mandatory for this action.", 400)
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            raise ProviderError("IncompleteSignature", "Only HMAC-SHA1 1.0 is emulated for v1.", 400)
        secret = self._secret_of(params["AccessKeyId"])
        unsigned = [(k, v) for k, v in params.items() if k != "Signature"]
        to_sign = f"{request.method}&%2F&{_enc(_canonical(unsigned))}"
        digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), params["Signature"]):
            raise ProviderError("SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400)
        self._check_time_and_nonce(params["Timestamp"], params.get("SignatureNonce"))
        self._check_token(params["AccessKeyId"], params.get("SecurityToken"))
        if params["Version"] != self.version:
            raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        with self.lock:
            self.signatures.append("v1")
        return params["Action"]


# Every service answers these: Alibaba Cloud OpenAPI gateway common error codes.
COMMON_CODES = [
    "MissingParameter",
    "InvalidParameter",
    "UnsupportedOperation",
    "IncompleteSignature",
    "IllegalTimestamp",
    "InvalidTimeStamp.Expired",
    "SignatureNonceUsed",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
    "Forbidden.AccessKeyDisabled",
    "Forbidden.RAM",
    "Forbidden",
    "Forbidden.RiskControl",
    "UnsupportedHTTPMethod",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "InternalError",
    "ServiceUnavailable",
    "UnknownError",
]
