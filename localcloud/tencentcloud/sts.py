"""Tencent Cloud STS ``AssumeRoleWithWebIdentity`` (API 3.0, ``Authorization: SKIP``). It verifies against the JWKS
uploaded when the provider was set up and never fetches it: a token signed with a key AWS added later fails, as
after an AWS key rotation that nobody re-uploaded. Temporary keys go into a :class:`~localcloud.base.KeyRing` the
provider emulators share.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..base import ProviderError, Request, Response
from ..oidc import (
    OidcProvider,
    RoleTrust,
    TokenRejected,
    WebIdentityStsEmulator,
    iso,
    verify_web_identity_token,
    without,
)
from .api import TencentEndpoint

# -- Tencent Cloud STS -------------------------------------------------------------------------------------------


@dataclass
class TencentOidcProvider(OidcProvider):
    jwks: dict[str, Any]
    """The key set uploaded with the provider: the keys tokens are verified with."""


TENCENT_SESSION_NAME = re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII)
TENCENT_MAX_DURATION = 43200


class TencentStsEmulator(TencentEndpoint, WebIdentityStsEmulator[TencentOidcProvider, RoleTrust]):
    """Tencent Cloud STS ``AssumeRoleWithWebIdentity`` (2018-08-13): API 3.0 JSON, ``POST /`` with
    ``Authorization: SKIP`` instead of a signature, as ``OIDCRoleArnCredential`` sends it through the SDK's
    ``_build_req_without_signature``. Errors are HTTP 200 with ``Response.Error``.

    Set up with :meth:`add_oidc_provider` (CAM's ``CreateOIDCConfig``, whose ``IdentityKey`` is the JWKS uploaded
    then: Tencent verifies against it and does not fetch the issuer's keys) and :meth:`add_role`. Issued keys
    (``AKID…``) enter ``ring`` with their expiry.
    """

    action = "AssumeRoleWithWebIdentity"
    version = "2018-08-13"

    def add_oidc_provider(self, name: str, identity_url: str, client_ids: list[str], jwks: dict[str, Any]) -> None:
        """CAM's OIDC IdP ``name`` (the ``ProviderId``) for ``identity_url`` with the JWKS uploaded now."""
        with self.lock:
            self.providers[name] = TencentOidcProvider(identity_url, list(client_ids), json.loads(json.dumps(jwks)))

    def add_role(self, role_arn: str, provider_name: str, subject: str, audience: str | None = None) -> None:
        """A CAM role (``qcs::cam::uin/<uin>:roleName/<name>``) trusting ``provider_name``'s tokens with this
        ``oidc:sub`` (and ``oidc:aud``, when given)."""
        with self.lock:
            self.roles[role_arn] = RoleTrust(provider_name, subject, audience)

    # -- the wire ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        action = request.headers.get("x-tc-action", "?")
        try:
            self.check_request(request)
            params = self.params_of(request)
        except ProviderError as error:
            return self.refuse(action, {}, error)
        logged = without(params, "WebIdentityToken")
        return self.answer(action, logged, lambda: self.assume_role_with_web_identity(params), self.success)

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
        self.check_version_and_region(request)
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
        provider, role = self.provider_and_role(params["ProviderId"], params["RoleArn"])
        if provider is None:  # the code for an unknown ProviderId is a guess (federation.md: U)
            raise ProviderError("InvalidParameter.ParamError", "the identity provider does not exist")
        if role is None:
            raise ProviderError("ResourceNotFound.RoleNotFound", "the role does not exist")
        now = self.now()
        try:
            claims = verify_web_identity_token(
                params["WebIdentityToken"], provider.issuer, provider.client_ids, lambda: provider.jwks, now
            )
        except TokenRejected as rejected:
            raise ProviderError("InvalidParameter.WebIdentityTokenError", rejected.detail) from None
        if not role.allows(params["ProviderId"], claims):
            # Unverified: Tencent publishes no per-API error mapping, and that STS answers a trust policy that
            # denies with UnauthorizedOperation is a guess (federation.md marks it U).
            raise ProviderError("UnauthorizedOperation", "the role's trust policy does not allow this token")
        key_id, secret, token, expiry = self.ring.issue("AKID", duration, now)
        return {
            "Credentials": {"Token": token, "TmpSecretId": key_id, "TmpSecretKey": secret},
            "ExpiredTime": int(expiry),
            "Expiration": iso(expiry),
        }
