"""AWS STS ``GetWebIdentityToken`` (AWS Query protocol, SigV4 checked by hand, apart from botocore's signer). It
mints real JWTs (RS256, or ES384 when allowed) and serves its issuer's OIDC discovery document and JWKS, so a
verifier fetches the keys over HTTP as it would from AWS. No JWT is logged: the call log keeps the parameters
without it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from ..base import DropConnection, EmulatorServer, ProviderError, Request, Response
from ..oidc import iso, take_named_fault

# -- AWS STS ---------------------------------------------------------------------------------------------------

SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?Signature=(?P<signature>[0-9a-f]{64})$"
)
AWS_SKEW_S = 300
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
AWS_CLAIMS = "https://sts.amazonaws.com/"
ALGORITHMS = ("RS256", "ES384")


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            document: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            document = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**document, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def _new_signing_key(algorithm: str) -> SigningKey:
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP384R1())
    return SigningKey(uuid.uuid4().hex, algorithm, private)


class AwsStsEmulator(EmulatorServer):
    """AWS STS ``GetWebIdentityToken`` for the given principals, and the account's OIDC issuer.

    ``principals``: AWS access key id → (secret access key, the caller's role ARN such as
    ``arn:aws:iam::123456789012:role/crossrotate-fn``, session token or None). The attributes below model the
    account and the role's IAM policy; :attr:`issuer` is served by this same server once started.
    """

    action = "GetWebIdentityToken"
    discovery_action = "OpenIDConfiguration"
    """The pseudo-action of a discovery document fetch in :attr:`calls` and for :meth:`inject` (named faults only)."""
    jwks_action = "JWKS"
    """The pseudo-action of a JWKS fetch in :attr:`calls` and for :meth:`inject` (named faults only)."""

    def __init__(
        self, principals: dict[str, tuple[str, str, str | None]], now: Callable[[], float] = time.time
    ) -> None:
        super().__init__()
        self.principals = principals
        self.now = now
        self.enabled = True
        """Outbound web identity federation is enabled for the account; when not, every call is refused with
        ``OutboundWebIdentityFederationDisabledException``."""
        self.allowed_audiences: set[str] | None = None
        """The policy's ``ForAllValues:StringEquals sts:IdentityTokenAudience``; None: any audience."""
        self.max_duration = 300
        """The policy's ``NumericLessThanEquals sts:DurationSeconds``."""
        self.allowed_algorithms = {"RS256"}
        """The policy's ``StringEquals sts:SigningAlgorithm``."""
        self.issuer_id = str(uuid.uuid4())
        self._signing = {algorithm: _new_signing_key(algorithm) for algorithm in ALGORITHMS}
        self._published: list[SigningKey] = list(self._signing.values())

    # -- the issuer --------------------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        """The account's issuer URL (the ``iss`` of its tokens), on this server."""
        return f"{self.url}/o/{self.issuer_id}"

    @property
    def signing_kid(self) -> str:
        """The ``kid`` of the RS256 key that signs new tokens."""
        with self.lock:
            return self._signing["RS256"].kid

    def jwks(self) -> dict[str, Any]:
        """The published key set, as ``jwks.json`` serves it."""
        with self.lock:
            return {"keys": [key.jwk() for key in self._published]}

    def rotate_signing_key(self, keep_old: bool = True) -> None:
        """AWS rotates its signing keys: new keys (new ``kid``) sign from now on; the old ones stay published
        while ``keep_old`` (the overlap verifiers rely on), else they disappear at once."""
        with self.lock:
            self._signing = {algorithm: _new_signing_key(algorithm) for algorithm in ALGORITHMS}
            self._published = [*self._signing.values(), *(self._published if keep_old else [])]

    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(ALGORITHMS),
            "claims_supported": ["iss", "aud", "sub", "iat", "exp", "jti", AWS_CLAIMS],
        }

    # -- the wire ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return self._serve_issuer(request.path)
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        params.update(parse_qsl(request.body.decode(errors="replace"), keep_blank_values=True))
        action = params.get("Action", "?")
        try:
            access_key, region = self.authenticate(request)
            if action != self.action or params.get("Version") != "2011-06-15":
                raise ProviderError(
                    "InvalidAction", f"Could not find operation {action} for version {params.get('Version')}", 400
                )
        except ProviderError as error:
            return self.refuse(action, {}, error)
        return self.answer(
            action, params, lambda: self.get_web_identity_token(access_key, region, params), self._answer_xml
        )

    def _answer_xml(self, result: str) -> Response:
        return self._xml(200, result)

    def _serve_issuer(self, path: str) -> Response:
        base = f"/o/{self.issuer_id}/.well-known/"
        documents = {
            base + "openid-configuration": (self.discovery_action, self.discovery_document),
            base + "jwks.json": (self.jwks_action, self.jwks),
        }
        if path not in documents:
            return Response(404, b"Not Found", {"Content-Type": "text/plain"})
        name, document = documents[path]
        fault = take_named_fault(self, name)
        answer = self.apply_fault_before(fault, self.error_response)
        if answer is not None:
            self.record(name, {}, "fault", fault)
            return answer
        self.record(name, {}, "ok", fault)
        if fault and fault.kind == "drop_after_apply":
            raise DropConnection
        return self.json_response(document())

    def _xml(self, status: int, result: str) -> Response:
        request_id = self.request_id()
        body = (
            f'<GetWebIdentityTokenResponse xmlns="{STS_NAMESPACE}">\n'
            f"  <GetWebIdentityTokenResult>\n{result}  </GetWebIdentityTokenResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
            "</GetWebIdentityTokenResponse>\n"
        )
        return Response(status, body.encode(), {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        status = error.status if error.status != 200 else 400
        request_id = self.request_id()
        body = (
            f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n'
            f"  <Error>\n    <Type>{'Receiver' if status >= 500 else 'Sender'}</Type>\n"
            f"    <Code>{escape(error.code)}</Code>\n    <Message>{escape(error.message)}</Message>\n  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
        )
        return Response(
            status, body.encode(), {"Content-Type": "text/xml", "x-amzn-RequestId": request_id, **(headers or {})}
        )

    # -- SigV4 -------------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> tuple[str, str]:
        """The caller's access key id and the region it signed for, once the SigV4 signature, its date and the
        session token check out."""
        authorization = request.headers.get("authorization")
        if not authorization:
            raise ProviderError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
        match = SIGV4.match(authorization)
        if not match:
            raise ProviderError("IncompleteSignature", "Authorization header is malformed", 400)
        principal = self.principals.get(match["id"])
        if principal is None:
            raise ProviderError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
        secret, _, token = principal
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed or any(h not in request.headers for h in signed):
            raise ProviderError("IncompleteSignature", "host and x-amz-date must be signed", 400)
        stamp = request.headers["x-amz-date"]
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise ProviderError("IncompleteSignature", "X-Amz-Date is not in the basic ISO 8601 format", 400) from None
        if match["service"] != "sts" or match["date"] != stamp[:8]:
            raise ProviderError("SignatureDoesNotMatch", "Credential should be scoped to a valid date and 'sts'.", 403)
        payload = request.headers.get("x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()
        query = sorted(
            (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(request.query, keep_blank_values=True)
        )
        canonical = "\n".join(
            [
                request.method,
                quote(request.path, safe="/-_.~"),
                "&".join(f"{k}={v}" for k, v in query),
                "".join(f"{name}:{' '.join(request.headers[name].split())}\n" for name in signed),
                match["signed"],
                payload,
            ]
        )
        scope = f"{match['date']}/{match['region']}/sts/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("AWS4" + secret).encode()
        for part in (match["date"], match["region"], "sts", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), match["signature"]):
            raise ProviderError(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method.",
                403,
            )
        if abs(self.now() - moment) > AWS_SKEW_S:
            raise ProviderError(
                "SignatureDoesNotMatch",
                f"Signature expired: {stamp} is now earlier or later than the 5-minute window.",
                403,
            )
        sent_token = request.headers.get("x-amz-security-token")
        if sent_token != token or (token is not None and "x-amz-security-token" not in signed):
            raise ProviderError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
        return match["id"], match["region"]

    # -- the action --------------------------------------------------------------------------------------
    def get_web_identity_token(self, access_key: str, region: str, params: dict[str, str]) -> str:
        audiences = [params[f"Audience.member.{n}"] for n in range(1, 11) if f"Audience.member.{n}" in params]
        errors = []
        if not audiences:
            errors.append("Value null at 'audience' failed to satisfy constraint: Member must not be null")
        elif any(
            key.startswith("Audience.member.") and key not in {f"Audience.member.{n}" for n in range(1, 11)}
            for key in params
        ):
            errors.append(
                "Value at 'audience' failed to satisfy constraint: Member must have length less than or equal to 10"
            )
        elif not all(1 <= len(audience) <= 1000 for audience in audiences):
            errors.append(
                "Value at 'audience' failed to satisfy constraint: Member must satisfy constraint: "
                "[Member must have length between 1 and 1000]"
            )
        algorithm = params.get("SigningAlgorithm", "")
        if not algorithm:
            errors.append("Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null")
        elif algorithm not in ALGORITHMS:
            errors.append(
                f"Value '{algorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must "
                "satisfy enum value set: [RS256, ES384]"
            )
        try:
            duration = int(params.get("DurationSeconds", "300"))
        except ValueError:
            duration = -1
        if not 60 <= duration <= 3600:
            errors.append(
                f"Value '{params.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy "
                "constraint: Member must have value between 60 and 3600"
            )
        if errors:
            raise ProviderError(
                "ValidationError",
                f"{len(errors)} validation error{'s' * (len(errors) > 1)} detected: " + "; ".join(errors),
                400,
            )
        _, role_arn, _ = self.principals[access_key]
        if not self.enabled:
            raise ProviderError(
                "OutboundWebIdentityFederationDisabledException",
                "Outbound web identity federation is not enabled for this account.",
                403,
            )
        denied = (
            (self.allowed_audiences is not None and not set(audiences) <= self.allowed_audiences)
            or duration > self.max_duration
            or algorithm not in self.allowed_algorithms
        )
        if denied:
            raise ProviderError(
                "AccessDenied",
                f"User: {role_arn} is not authorized to perform: sts:GetWebIdentityToken because no "
                "identity-based policy allows the sts:GetWebIdentityToken action",
                403,
            )
        issued = int(self.now())
        claims = {
            "iss": self.issuer,
            "aud": audiences[0] if len(audiences) == 1 else audiences,
            "sub": role_arn,
            "iat": issued,
            "exp": issued + duration,
            "jti": str(uuid.uuid4()),
            AWS_CLAIMS: {
                "aws_account": role_arn.split(":")[4],
                "source_region": region,
                "principal_id": role_arn,
            },
        }
        with self.lock:
            key = self._signing[algorithm]
        token = jwt.encode(claims, key.private, algorithm=algorithm, headers={"kid": key.kid})
        return (
            f"    <WebIdentityToken>{escape(token)}</WebIdentityToken>\n"
            f"    <Expiration>{iso(issued + duration)}</Expiration>\n"
        )
