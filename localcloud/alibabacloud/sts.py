"""Alibaba Cloud STS ``AssumeRoleWithOIDC`` (RPC, anonymous). It fetches the issuer's keys over HTTP from the
discovery document each time, as Alibaba does (over HTTPS there, pinned by the root CA's fingerprint registered
with the OIDC provider: the fingerprint check is not modelled), verifies the JWT and the role's trust, answers with
federation.md's error codes, and issues temporary keys into a :class:`~localcloud.base.KeyRing` the provider
emulators share.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..base import ProviderError, Request, Response
from ..oidc import (
    IssuerFollowingStsEmulator,
    OidcProvider,
    RoleTrust,
    TokenRejected,
    audiences_of,
    iso,
    verify_web_identity_token,
    without,
)
from .api import AlibabaEndpoint, mandatory

# -- Alibaba Cloud STS -------------------------------------------------------------------------------------------


@dataclass
class AlibabaRole(RoleTrust):
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


class AlibabaStsEmulator(AlibabaEndpoint, IssuerFollowingStsEmulator[OidcProvider, AlibabaRole]):
    """Alibaba Cloud STS ``AssumeRoleWithOIDC`` (2015-04-01), anonymous RPC: GET or POST ``/`` with the parameters
    in the query string and/or a form body, as ``alibabacloud_credentials``' OIDC provider sends them.

    Set up with :meth:`add_oidc_provider` (RAM's OIDC IdP) and :meth:`add_role` (a role trusting it, with the
    ``oidc:sub`` and optional ``oidc:aud`` conditions; ``oidc:iss`` is the provider's issuer). The JWKS is fetched
    from the issuer's discovery document over plain HTTP on loopback at every call; real Alibaba fetches it over
    HTTPS and pins the issuer's root CA by the fingerprints registered with the IdP: that check
    (``PublicKeyFingerprintMismatch``) is not modelled, nor is the IdP's IssuanceLimitTime. Issued keys
    (``STS.…``) enter ``ring`` with their expiry.
    """

    product = "sts"
    action = "AssumeRoleWithOIDC"
    version = "2015-04-01"

    def add_oidc_provider(self, arn: str, issuer_url: str, client_ids: list[str]) -> None:
        """RAM's ``CreateOIDCProvider``: ``arn`` is ``acs:ram::<uid>:oidc-provider/<name>``."""
        with self.lock:
            self.providers[arn] = OidcProvider(issuer_url, list(client_ids))

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
        logged = without(params, "OIDCToken")
        try:
            if request.method not in ("GET", "POST") or request.path != "/" or action != self.action:
                raise ProviderError(
                    "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", 404
                )
            if params.get("Version") != self.version:
                raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        except ProviderError as error:
            return self.refuse(action, logged, error)
        return self.answer(action, logged, lambda: self.assume_role_with_oidc(params), self.success)

    # -- the action --------------------------------------------------------------------------------------
    def assume_role_with_oidc(self, params: dict[str, str]) -> dict[str, Any]:
        mandatory(params, "RoleArn", "OIDCProviderArn", "OIDCToken")
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
        provider, role = self.provider_and_role(params["OIDCProviderArn"], params["RoleArn"])
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
                provider.issuer,
                provider.client_ids,
                lambda: self.issuer_keys(provider.issuer),
                now,
            )
        except TokenRejected as rejected:
            raise ProviderError(ALIBABA_CODES[rejected.reason], rejected.detail, 400) from None
        if not role.allows(params["OIDCProviderArn"], claims):
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
                "Expiration": iso(expiry),
            },
            "AssumedRoleUser": {
                "Arn": f"acs:ram::{uid}:assumed-role/{role_name}/{session_name}",
                "AssumedRoleId": f"{role.role_id}:{session_name}",
            },
            "OIDCTokenInfo": {
                "Subject": claims["sub"],
                "Issuer": claims["iss"],
                "ClientIds": ",".join(audiences_of(claims)),
                "ExpirationTime": iso(claims["exp"]),
                "IssuanceTime": iso(claims["iat"]),
                "VerificationInfo": "Success",
            },
        }
