"""Stand-ins for keyless federation: the three STS calls that trade the function's AWS identity for provider
credentials (see the reference ``federation.md``), each on a real loopback HTTP server like the other emulators.

- :class:`AwsStsEmulator`: AWS STS ``GetWebIdentityToken`` (AWS Query protocol, SigV4 checked by hand, apart from
  botocore's signer). It mints real JWTs (RS256, or ES384 when allowed) and serves its issuer's OIDC discovery
  document and JWKS, so a verifier fetches the keys over HTTP as it would from AWS.
- :class:`AlibabaStsEmulator`: Alibaba Cloud STS ``AssumeRoleWithOIDC`` (RPC, anonymous). It fetches the issuer's
  keys over HTTP from the discovery document each time, as Alibaba does (over HTTPS there, pinned by the root CA's
  fingerprint registered with the OIDC provider: the fingerprint check is not modelled).
- :class:`TencentStsEmulator`: Tencent Cloud STS ``AssumeRoleWithWebIdentity`` (API 3.0, ``Authorization: SKIP``).
  It verifies against the JWKS uploaded when the provider was set up and never fetches it: a token signed with a
  key AWS added later fails, as after an AWS key rotation that nobody re-uploaded.

The two provider stand-ins really verify the JWT (signature with PyJWT, ``iss``, ``aud``, ``exp``, then the role's
trust: ``sub`` and ``aud``), answer with federation.md's error codes, and issue temporary keys into a
:class:`~localcloud.base.KeyRing` that the provider emulators share, so those keys work there only with their token
and only until they expire. No stand-in records or logs a JWT: the call log keeps the parameters without it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
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

from .base import DropConnection, EmulatorServer, Fault, KeyRing, ProviderError, Request, Response

ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime(ISO_SECONDS)


def _take_named_fault(emulator: EmulatorServer, name: str) -> Fault | None:
    """A fault injected for exactly this pseudo-action (a discovery fetch): faults injected for every action are
    meant for the API calls and are left to them."""
    with emulator.lock:
        for fault in emulator.faults:
            if fault.action == name and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    emulator.faults.remove(fault)
                emulator.faults_taken.append(({}, fault))
                return fault
    return None


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
        fault = _take_named_fault(self, name)
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
            f"    <Expiration>{_iso(issued + duration)}</Expiration>\n"
        )


# -- verifying a web identity token (both providers) -------------------------------------------------------------


class TokenRejected(Exception):
    """Why a JWT was refused: ``malformed``, ``issuer``, ``audience``, ``keys`` (the issuer's keys could not be
    had), ``signature`` or ``expired``; each provider maps the reason to its own code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(item, str) for item in aud):
        return aud
    return []


def verify_web_identity_token(
    token: str, issuer: str, client_ids: list[str], keys: Callable[[], dict[str, Any]], now: float
) -> dict[str, Any]:
    """The token's claims once it checks out, in the order federation.md gives: ``iss`` is the identity provider's
    issuer, one ``aud`` is among its client ids, the issuer's keys (``keys()``) hold the header's ``kid`` and its
    RS256 signature verifies, ``exp`` is still ahead of ``now``. Raises :class:`TokenRejected`."""
    try:
        header = jwt.get_unverified_header(token)
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise TokenRejected("malformed", f"the token is not a JWT: {error}") from None
    if claims.get("iss") != issuer:
        raise TokenRejected("issuer", "the token's iss is not the identity provider's issuer")
    audiences = _audiences(claims)
    if not audiences:
        raise TokenRejected("malformed", "the token has no aud")
    if not set(audiences) & set(client_ids):
        raise TokenRejected("audience", "the token's aud is not a client id of the identity provider")
    try:
        key_set = keys()
    except Exception as error:  # noqa: BLE001 - any failure to get the keys is the issuer's configuration
        raise TokenRejected("keys", f"could not get the issuer's public keys: {error}") from None
    matching = [key for key in key_set.get("keys", []) if isinstance(key, dict) and key.get("kid") == header.get("kid")]
    if not matching:
        raise TokenRejected("signature", "no public key of the issuer has the token's kid")
    try:
        public = jwt.PyJWK(matching[0]).key
        claims = jwt.decode(
            token,
            public,
            algorithms=["RS256"],
            options={
                "verify_exp": False,  # checked below against the stand-in's clock
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,  # checked above
                "verify_iss": False,
                "require": ["iss", "sub", "aud", "exp", "iat"],
            },
        )
    except jwt.MissingRequiredClaimError as error:
        raise TokenRejected("malformed", str(error)) from None
    except jwt.PyJWTError as error:
        raise TokenRejected("signature", f"the signature does not verify: {error}") from None
    if not all(isinstance(claims[name], int | float) for name in ("exp", "iat")):
        raise TokenRejected("malformed", "exp and iat must be numbers")
    if claims["exp"] <= now:
        raise TokenRejected("expired", "the token has expired")
    return claims


def _without(params: dict[str, Any], secret: str) -> dict[str, Any]:
    """The parameters as the call log keeps them: without the JWT, a credential."""
    return {name: value for name, value in params.items() if name != secret}


# -- Alibaba Cloud STS -------------------------------------------------------------------------------------------


@dataclass
class AlibabaOidcProvider:
    issuer_url: str
    client_ids: list[str]


@dataclass
class AlibabaRole:
    provider_arn: str
    subject: str
    audience: str | None
    max_session: int
    role_id: str


SESSION_NAME = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")
ALIBABA_CODES = {
    "malformed": "AuthenticationFail.OIDCToken.Invalid",
    "signature": "AuthenticationFail.OIDCToken.Invalid",
    "issuer": "AuthenticationFail.OIDCToken.IssuerNotMatch",
    "audience": "AuthenticationFail.OIDCToken.AudienceNotMatch",
    "keys": "AuthenticationFail.OIDCToken.IssuerConfigurationBroken",
    "expired": "AuthenticationFail.OIDCToken.Expired",
}


class AlibabaStsEmulator(EmulatorServer):
    """Alibaba Cloud STS ``AssumeRoleWithOIDC`` (2015-04-01), anonymous RPC: GET or POST ``/`` with the parameters
    in the query string and/or a form body, as ``alibabacloud_credentials``' OIDC provider sends them.

    Set up with :meth:`add_oidc_provider` (RAM's OIDC IdP) and :meth:`add_role` (a role trusting it, with the
    ``oidc:sub`` and optional ``oidc:aud`` conditions; ``oidc:iss`` is the provider's issuer). The JWKS is fetched
    from the issuer's discovery document over plain HTTP on loopback at every call; real Alibaba fetches it over
    HTTPS and pins the issuer's root CA by the fingerprints registered with the IdP: that check
    (``PublicKeyFingerprintMismatch``) is not modelled, nor is the IdP's IssuanceLimitTime. Issued keys
    (``STS.…``) enter ``ring`` with their expiry.
    """

    action = "AssumeRoleWithOIDC"
    version = "2015-04-01"

    def __init__(self, ring: KeyRing, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.ring = ring
        self.now = now
        self.providers: dict[str, AlibabaOidcProvider] = {}
        self.roles: dict[str, AlibabaRole] = {}
        self.fetch_timeout = 2.0
        """Seconds to wait for the issuer's discovery document and keys."""
        self.key_cache_seconds = 0.0
        """How long fetched keys are reused (0: fetched for every exchange, so each fetch can be observed)."""
        self._keys: dict[str, tuple[float, dict[str, Any]]] = {}

    def add_oidc_provider(self, arn: str, issuer_url: str, client_ids: list[str]) -> None:
        """RAM's ``CreateOIDCProvider``: ``arn`` is ``acs:ram::<uid>:oidc-provider/<name>``."""
        with self.lock:
            self.providers[arn] = AlibabaOidcProvider(issuer_url, list(client_ids))

    def add_role(
        self, role_arn: str, provider_arn: str, subject: str, audience: str | None = None, max_session: int = 3600
    ) -> None:
        """A RAM role (``acs:ram::<uid>:role/<name>``) whose trust policy lets ``provider_arn``'s tokens with this
        ``oidc:sub`` (and ``oidc:aud``, when given) assume it, for at most ``max_session`` seconds."""
        with self.lock:
            role_id = str(uuid.uuid4().int)[:19]
            self.roles[role_arn] = AlibabaRole(provider_arn, subject, audience, max_session, role_id)

    # -- the wire ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(request.body.decode(errors="replace"), keep_blank_values=True))
        action = params.get("Action", "?")
        logged = _without(params, "OIDCToken")
        try:
            if request.method not in ("GET", "POST") or request.path != "/" or action != self.action:
                raise ProviderError(
                    "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", 404
                )
            if params.get("Version") != self.version:
                raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        except ProviderError as error:
            return self.refuse(action, logged, error)
        return self.answer(action, logged, lambda: self.assume_role_with_oidc(params), self._answer)

    def _answer(self, result: dict[str, Any]) -> Response:
        return self.json_response({"RequestId": self.request_id(), **result})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        status = error.status if error.status != 200 else 400
        document = {
            "RequestId": self.request_id(),
            "HostId": "sts.aliyuncs.com",
            "Code": error.code,
            "Message": error.message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=" + error.code,
        }
        return self.json_response(document, status, headers)

    def _cached_keys(self, issuer_url: str) -> dict[str, Any]:
        with self.lock:
            cached = self._keys.get(issuer_url)
        if cached is not None and time.monotonic() - cached[0] < self.key_cache_seconds:
            return cached[1]
        key_set = self._fetch_keys(issuer_url)
        with self.lock:
            self._keys[issuer_url] = (time.monotonic(), key_set)
        return key_set

    def _fetch_keys(self, issuer_url: str) -> dict[str, Any]:
        """The issuer's JWKS: its discovery document names ``jwks_uri``; both are fetched now, bypassing any
        proxy (the issuer is on loopback)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def get(url: str) -> dict[str, Any]:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"not an HTTP URL: {url}")
            with opener.open(url, timeout=self.fetch_timeout) as answer:
                document = json.load(answer)
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
            return document

        discovery = get(issuer_url.rstrip("/") + "/.well-known/openid-configuration")
        if discovery.get("issuer") != issuer_url:
            raise ValueError("the discovery document names another issuer")
        key_set = get(str(discovery.get("jwks_uri")))
        if not isinstance(key_set.get("keys"), list):
            raise ValueError("the JWKS has no keys")
        return key_set

    # -- the action --------------------------------------------------------------------------------------
    def assume_role_with_oidc(self, params: dict[str, str]) -> dict[str, Any]:
        for name in ("RoleArn", "OIDCProviderArn", "OIDCToken"):
            if not params.get(name):
                raise ProviderError("MissingParameter", f"{name} is mandatory for this action.", 400)
        session_name = params.get("RoleSessionName") or f"oidc-{uuid.uuid4().hex[:12]}"
        if not SESSION_NAME.match(session_name):
            raise ProviderError(
                "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.", 400
            )
        try:
            duration = int(params.get("DurationSeconds") or "3600")
        except ValueError:
            duration = 0
        if duration < 900:
            raise ProviderError("InvalidParameter.DurationSeconds", "The DurationSeconds is invalid.", 400)
        with self.lock:
            provider = self.providers.get(params["OIDCProviderArn"])
            role = self.roles.get(params["RoleArn"])
        if provider is None:
            raise ProviderError("AuthenticationFail.NoPermission", "No such OIDC Provider registered.", 403)
        if role is None:
            raise ProviderError("EntityNotExist.Role", "The role not exists: " + params["RoleArn"], 404)
        if duration > role.max_session:
            raise ProviderError(
                "InvalidParameter.DurationSeconds",
                f"The DurationSeconds must be between 900 and the role's MaxSessionDuration ({role.max_session}).",
                400,
            )
        now = self.now()
        try:
            claims = verify_web_identity_token(
                params["OIDCToken"],
                provider.issuer_url,
                provider.client_ids,
                lambda: self._cached_keys(provider.issuer_url),
                now,
            )
        except TokenRejected as rejected:
            raise ProviderError(ALIBABA_CODES[rejected.reason], rejected.detail, 400) from None
        audiences = _audiences(claims)
        trusted = (
            role.provider_arn == params["OIDCProviderArn"]
            and claims.get("sub") == role.subject
            and (role.audience is None or role.audience in audiences)
        )
        if not trusted:
            raise ProviderError(
                "AuthenticationFail.NoPermission",
                "You are not authorized to do this action. The role's trust policy does not allow this token.",
                403,
            )
        key_id, secret, token, expiry = self.ring.issue("STS.", duration, now)
        uid = params["RoleArn"].split(":")[3]
        role_name = params["RoleArn"].rpartition("/")[2]
        return {
            "Credentials": {
                "AccessKeyId": key_id,
                "AccessKeySecret": secret,
                "SecurityToken": token,
                "Expiration": _iso(expiry),
            },
            "AssumedRoleUser": {
                "Arn": f"acs:ram::{uid}:assumed-role/{role_name}/{session_name}",
                "AssumedRoleId": f"{role.role_id}:{session_name}",
            },
            "OIDCTokenInfo": {
                "Subject": claims["sub"],
                "Issuer": claims["iss"],
                "ClientIds": ",".join(audiences),
                "ExpirationTime": _iso(claims["exp"]),
                "IssuanceTime": _iso(claims["iat"]),
                "VerificationInfo": "Success",
            },
        }


# -- Tencent Cloud STS -------------------------------------------------------------------------------------------


@dataclass
class TencentOidcProvider:
    identity_url: str
    client_ids: list[str]
    jwks: dict[str, Any]


@dataclass
class TencentRole:
    provider_name: str
    subject: str
    audience: str | None


TENCENT_SESSION_NAME = re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII)
TENCENT_MAX_DURATION = 43200


class TencentStsEmulator(EmulatorServer):
    """Tencent Cloud STS ``AssumeRoleWithWebIdentity`` (2018-08-13): API 3.0 JSON, ``POST /`` with
    ``Authorization: SKIP`` instead of a signature, as ``OIDCRoleArnCredential`` sends it through the SDK's
    ``_build_req_without_signature``. Errors are HTTP 200 with ``Response.Error``.

    Set up with :meth:`add_oidc_provider` (CAM's ``CreateOIDCConfig``, whose ``IdentityKey`` is the JWKS uploaded
    then: Tencent verifies against it and does not fetch the issuer's keys) and :meth:`add_role`. Issued keys
    (``AKID…``) enter ``ring`` with their expiry.
    """

    action = "AssumeRoleWithWebIdentity"
    version = "2018-08-13"

    def __init__(self, ring: KeyRing, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.ring = ring
        self.now = now
        self.providers: dict[str, TencentOidcProvider] = {}
        self.roles: dict[str, TencentRole] = {}

    def add_oidc_provider(self, name: str, identity_url: str, client_ids: list[str], jwks: dict[str, Any]) -> None:
        """CAM's OIDC IdP ``name`` (the ``ProviderId``) for ``identity_url`` with the JWKS uploaded now."""
        with self.lock:
            self.providers[name] = TencentOidcProvider(identity_url, list(client_ids), json.loads(json.dumps(jwks)))

    def add_role(self, role_arn: str, provider_name: str, subject: str, audience: str | None = None) -> None:
        """A CAM role (``qcs::cam::uin/<uin>:roleName/<name>``) trusting ``provider_name``'s tokens with this
        ``oidc:sub`` (and ``oidc:aud``, when given)."""
        with self.lock:
            self.roles[role_arn] = TencentRole(provider_name, subject, audience)

    # -- the wire ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        action = request.headers.get("x-tc-action", "?")
        try:
            self.check_request(request)
            params = json.loads(request.body or b"{}")
            if not isinstance(params, dict):
                raise ValueError
        except ProviderError as error:
            return self.refuse(action, {}, error)
        except ValueError:
            return self.refuse(action, {}, ProviderError("InvalidRequest", "the body is not a JSON object"))
        logged = _without(params, "WebIdentityToken")
        return self.answer(action, logged, lambda: self.assume_role_with_web_identity(params), self._answer)

    def _answer(self, result: dict[str, Any]) -> Response:
        return self.json_response({"Response": {**result, "RequestId": self.request_id()}})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        envelope = {
            "Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": self.request_id()}
        }
        return self.json_response(envelope, error.status, headers)

    def check_request(self, request: Request) -> None:
        """The anonymous call's envelope: POST, ``Authorization: SKIP``, the action, version, region, timestamp."""
        if request.method != "POST":
            raise ProviderError("UnsupportedProtocol", "only POST is emulated")
        if request.headers.get("authorization") != "SKIP":
            raise ProviderError(
                "AuthFailure.InvalidAuthorization", "AssumeRoleWithWebIdentity is called with Authorization: SKIP"
            )
        if request.headers.get("x-tc-action") != self.action:
            raise ProviderError("InvalidAction", f"only {self.action} is emulated")
        if request.headers.get("x-tc-version") != self.version:
            raise ProviderError("NoSuchVersion", "version not found")
        if not request.headers.get("x-tc-region"):
            raise ProviderError("MissingParameter", "The request is missing a required parameter `Region`.")
        if not request.headers.get("x-tc-timestamp", "").isdigit():
            raise ProviderError("MissingParameter", "X-TC-Timestamp is missing or not a number")

    # -- the action --------------------------------------------------------------------------------------
    def assume_role_with_web_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in ("ProviderId", "WebIdentityToken", "RoleArn", "RoleSessionName"):
            if not isinstance(params.get(name), str) or not params[name]:
                raise ProviderError("MissingParameter", f"The request is missing a required parameter `{name}`.")
        # The session name's length limit is not documented: 1-128 is this stand-in's assumption.
        if not TENCENT_SESSION_NAME.match(params["RoleSessionName"]):
            raise ProviderError("InvalidParameter.ParamError", "RoleSessionName is not valid")
        duration = params.get("DurationSeconds", 7200)
        if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
            raise ProviderError("InvalidParameter.ParamError", "DurationSeconds is not valid")
        if duration > TENCENT_MAX_DURATION:
            raise ProviderError("InvalidParameter.OverTimeError", "DurationSeconds exceeds 43200")
        with self.lock:
            provider = self.providers.get(params["ProviderId"])
            role = self.roles.get(params["RoleArn"])
        if provider is None:  # the code for an unknown ProviderId is a guess (federation.md: U)
            raise ProviderError("InvalidParameter.ParamError", "the identity provider does not exist")
        if role is None:
            raise ProviderError("ResourceNotFound.RoleNotFound", "the role does not exist")
        now = self.now()
        try:
            claims = verify_web_identity_token(
                params["WebIdentityToken"], provider.identity_url, provider.client_ids, lambda: provider.jwks, now
            )
        except TokenRejected as rejected:
            raise ProviderError("InvalidParameter.WebIdentityTokenError", rejected.detail) from None
        trusted = (
            role.provider_name == params["ProviderId"]
            and claims.get("sub") == role.subject
            and (role.audience is None or role.audience in _audiences(claims))
        )
        if not trusted:
            # Unverified: Tencent publishes no per-API error mapping, and that STS answers a trust policy that
            # denies with UnauthorizedOperation is a guess (federation.md marks it U).
            raise ProviderError("UnauthorizedOperation", "the role's trust policy does not allow this token")
        key_id, secret, token, expiry = self.ring.issue("AKID", duration, now)
        return {
            "Credentials": {"Token": token, "TmpSecretId": key_id, "TmpSecretKey": secret},
            "ExpiredTime": int(expiry),
            "Expiration": _iso(expiry),
        }
