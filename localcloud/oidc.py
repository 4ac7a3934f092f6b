"""What the keyless-federation stand-ins share: verifying a web identity token as the providers' STS do (signature
with PyJWT, ``iss``, ``aud``, ``exp``), a role's trust in an identity provider's tokens, the call log's parameters
without the token, and ISO timestamps.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import jwt

from .base import EmulatorServer, Fault, KeyRing

ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime(ISO_SECONDS)


def take_named_fault(emulator: EmulatorServer, name: str) -> Fault | None:
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


# -- verifying a web identity token (both providers) -------------------------------------------------------------


class TokenRejected(Exception):
    """Why a JWT was refused: ``malformed``, ``issuer``, ``audience``, ``keys`` (the issuer's keys could not be
    had), ``signature`` or ``expired``; each provider maps the reason to its own code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def audiences_of(claims: dict[str, Any]) -> list[str]:
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
    audiences = audiences_of(claims)
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


def without(params: dict[str, Any], secret: str) -> dict[str, Any]:
    """The parameters as the call log keeps them: without the JWT, a credential."""
    return {name: value for name, value in params.items() if name != secret}


# -- the clouds' STS: identity providers, and roles that trust their tokens ------------------------------------


@dataclass
class OidcProvider:
    """An OIDC identity provider a cloud's IAM knows: its issuer, and the client ids (audiences) it accepts."""

    issuer: str
    client_ids: list[str]


@dataclass
class RoleTrust:
    """A role's trust policy: tokens of identity provider ``provider`` with this ``oidc:sub`` (and ``oidc:aud``,
    when given) may assume it."""

    provider: str
    subject: str
    audience: str | None

    def allows(self, provider: str, claims: dict[str, Any]) -> bool:
        return (
            self.provider == provider
            and claims.get("sub") == self.subject
            and (self.audience is None or self.audience in audiences_of(claims))
        )


ProviderT = TypeVar("ProviderT", bound=OidcProvider)
RoleT = TypeVar("RoleT", bound=RoleTrust)


class WebIdentityStsEmulator(EmulatorServer, Generic[ProviderT, RoleT]):
    """A cloud's STS exchanging a web identity token for temporary keys: the identity providers and the roles it
    knows, by name, and the :class:`~localcloud.base.KeyRing` the cloud's gateways accept its keys from."""

    def __init__(self, ring: KeyRing, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.ring = ring
        self.now = now
        self.providers: dict[str, ProviderT] = {}
        self.roles: dict[str, RoleT] = {}

    def provider_and_role(self, provider_name: str, role_arn: str) -> tuple[ProviderT | None, RoleT | None]:
        with self.lock:
            return self.providers.get(provider_name), self.roles.get(role_arn)


class IssuerFollowingStsEmulator(WebIdentityStsEmulator[ProviderT, RoleT]):
    """An STS that fetches the issuer's keys itself (its discovery document, then ``jwks_uri``), as Alibaba Cloud's
    and Huawei Cloud's do, instead of holding a copy uploaded at setup (Tencent Cloud's)."""

    def __init__(self, ring: KeyRing, now: Callable[[], float] = time.time) -> None:
        super().__init__(ring, now)
        self.fetch_timeout = 2.0
        """Seconds to wait for the issuer's discovery document and keys."""
        self.key_cache_seconds = 0.0
        """How long fetched keys are reused (0: fetched for every exchange, so each fetch can be observed)."""
        self._keys: dict[str, tuple[float, dict[str, Any]]] = {}

    def issuer_keys(self, issuer_url: str) -> dict[str, Any]:
        """The issuer's JWKS, fetched anew unless fetched less than :attr:`key_cache_seconds` ago."""
        with self.lock:
            cached = self._keys.get(issuer_url)
        if cached is not None and time.monotonic() - cached[0] < self.key_cache_seconds:
            return cached[1]
        key_set = self._fetch_keys(issuer_url)
        with self.lock:
            self._keys[issuer_url] = (time.monotonic(), key_set)
        return key_set

    def _fetch_keys(self, issuer_url: str) -> dict[str, Any]:
        """Both documents fetched now, bypassing any proxy (the issuer is on loopback)."""
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
