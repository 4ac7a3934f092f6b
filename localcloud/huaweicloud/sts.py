"""Huawei Cloud STS (IAM5) ``AssumeAgencyWithOIDC``: ``POST /v5/agencies/assume-with-oidc``, JSON, unsigned (the
token is the proof). It fetches the issuer's keys from its discovery document ("调用者的身份是通过使用您 JWKS
端点中的公钥进行验证的", api-iam5/AssumeAgencyWithOIDC.html; the TLS pinning by thumbprint is not modelled),
verifies the JWT and the trust agency's trust policy (its ``Identity_provider`` principal, ``oidc:sub`` and an
optional ``oidc:aud``; ``oidc:iss`` is the provider's url), and issues temporary keys into a
:class:`~localcloud.base.KeyRing` the provider emulators share.

The request and answer are huaweicloudsdksts 3.1.219's (``assume_agency_with_oidc_req_body.py``: ``provider_urn``,
``agency_urn``, ``agency_session_name`` 2 to 128 of ``[A-Za-z0-9_+=,.@-]``, ``id_token`` 4 to 20000 characters,
``duration_seconds`` 900 to 43200 and at most the agency's maximum session; ``assume_agency_with_oidc_response.py``).
Which codes STS answers is not published in any source available here: the stand-in answers each refusal with its
HTTP status and no code (``HTTP.<status>``, :class:`~localcloud.huaweicloud.api.HuaweiEndpoint`): 400 for a
parameter, 404 for an unknown provider or agency, 401 for a token it does not accept, 403 for a trust policy that
does not admit it, 500 when the issuer's keys cannot be had.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..base import ProviderError, Request, Response
from ..oidc import (
    IssuerFollowingStsEmulator,
    OidcProvider,
    RoleTrust,
    TokenRejected,
    verify_web_identity_token,
    without,
)
from .api import HuaweiEndpoint

PATH = "/v5/agencies/assume-with-oidc"
SESSION_NAME = re.compile(r"^[A-Za-z0-9_+=,.@-]{2,128}$")
KEY_PREFIX = "HWSTS"
REFUSED_TOKEN = {"malformed": 401, "signature": 401, "issuer": 401, "audience": 401, "expired": 401, "keys": 500}


@dataclass
class HuaweiAgency(RoleTrust):
    max_session: int
    agency_id: str


class HuaweiStsEmulator(HuaweiEndpoint, IssuerFollowingStsEmulator[OidcProvider, HuaweiAgency]):
    """Set up with :meth:`add_oidc_provider` (CreateOIDCProviderV5: its URN, url and client ids) and
    :meth:`add_agency` (CreateAgencyV5 with a trust policy admitting that provider's tokens)."""

    action = "AssumeAgencyWithOIDC"

    def add_oidc_provider(self, urn: str, issuer_url: str, client_ids: list[str]) -> None:
        with self.lock:
            self.providers[urn] = OidcProvider(issuer_url, list(client_ids))

    def add_agency(
        self, agency_urn: str, provider_urn: str, subject: str, audience: str | None = None, max_session: int = 3600
    ) -> None:
        """A trust agency (``iam::<account>:agency:<name>``) whose trust policy admits ``provider_urn``'s tokens
        with this ``oidc:sub`` (and ``oidc:aud``, when given), for at most ``max_session`` seconds."""
        with self.lock:
            self.roles[agency_urn] = HuaweiAgency(provider_urn, subject, audience, max_session, uuid.uuid4().hex)

    add_role = add_agency
    """The name the keyless suite's setup calls for every cloud."""

    # -- the wire ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            if request.method != "POST" or request.path.rstrip("/") != PATH:
                raise ProviderError(
                    "APIGW.0101", "The API does not exist or has not been published in the environment", 404
                )
            try:
                params = json.loads(request.body or b"{}")
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise ProviderError("HTTP.400", "the body is not a JSON object", 400)
        except ProviderError as error:
            return self.refuse(self.action, {}, error)
        return self.answer(self.action, without(params, "id_token"), lambda: self.assume(params), self.success)

    # -- the action --------------------------------------------------------------------------------------
    def assume(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in ("provider_urn", "agency_urn", "agency_session_name", "id_token"):
            if not isinstance(params.get(name), str) or not params[name]:
                raise ProviderError("HTTP.400", f"{name} is required", 400)
        if not SESSION_NAME.match(params["agency_session_name"]):
            raise ProviderError("HTTP.400", "agency_session_name is not valid", 400)
        if not 4 <= len(params["id_token"]) <= 20000:
            raise ProviderError("HTTP.400", "id_token is not valid", 400)
        duration = params.get("duration_seconds", 3600)
        if not isinstance(duration, int) or isinstance(duration, bool) or not 900 <= duration <= 43200:
            raise ProviderError("HTTP.400", "duration_seconds must be from 900 to 43200", 400)
        provider, agency = self.provider_and_role(params["provider_urn"], params["agency_urn"])
        if provider is None or agency is None:
            raise ProviderError("HTTP.404", "the OIDC provider or the trust agency does not exist", 404)
        if duration > agency.max_session:
            raise ProviderError("HTTP.400", "duration_seconds exceeds the agency's max_session_duration", 400)
        now = self.now()
        try:
            claims = verify_web_identity_token(
                params["id_token"],
                provider.issuer,
                provider.client_ids,
                lambda: self.issuer_keys(provider.issuer),
                now,
            )
        except TokenRejected as rejected:
            status = REFUSED_TOKEN[rejected.reason]
            raise ProviderError(f"HTTP.{status}", rejected.detail, status) from None
        if not agency.allows(params["provider_urn"], claims):
            raise ProviderError("HTTP.403", "access denied: the trust policy does not allow this token", 403)
        key_id, secret, token, expiry = self.ring.issue(KEY_PREFIX, duration, now)
        account, name = params["agency_urn"].split(":")[2], params["agency_urn"].rpartition(":")[2]
        session = params["agency_session_name"]
        return {
            "credentials": {
                "access_key_id": key_id,
                "secret_access_key": secret,
                "security_token": token,
                "expiration": datetime.fromtimestamp(expiry, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            },
            "assumed_agency": {
                "urn": f"sts::{account}:assumed-agency:{name}/{session}",
                "id": f"{agency.agency_id}:{session}",
            },
            "source_identity": None,
            "audience": next(iter(claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]])),
            "provider": params["provider_urn"],
            "subject_from_id_token": claims["sub"],
        }
