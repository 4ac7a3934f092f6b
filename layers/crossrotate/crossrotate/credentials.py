"""Where a secret's provider credentials come from: an API key secret, or keyless federation.

The first match wins: the secret's ``credentials_secret`` (an API key secret); the secret's ``role_arn``
(federation, with the secret's ``oidc_provider`` or the environment's); the environment's ``<CLOUD>_ROLE_ARN``
(federation); the environment's ``<CLOUD>_CREDENTIALS_SECRET``. None: a fatal ``NoProviderAccess`` naming what to
set. The environment's values come from :class:`~crossrotate.settings.CloudSettings`.

Federation stores no provider key anywhere: AWS STS mints a token for the function's own role
(:class:`~crossrotate.ports.IdentityTokens`, a fresh one per exchange, 300 s at most), and the cloud's STS trades it
for temporary credentials (:attr:`~crossrotate.provider.Cloud.assume_role`). Those are kept in the process, shared by
every secret with the same cloud, role and identity provider, until 5 minutes before they expire; credentials
answered with less than that to live serve the call at hand only. A provider that calls their token expired gets
them renewed once (:meth:`FederatedSource.renew`).

Every source is lazy: nothing is read or exchanged until a provider call needs it, so the exchange's failures are
retried and classified like that call's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .errors import own
from .ports import CURRENT, ApiCredentials, Clock, CredentialSource, IdentityTokens, SecretStore
from .provider import AssumeRoleRequest, Cloud
from .secret import DatabaseSecret
from .settings import CloudSettings

if TYPE_CHECKING:
    import httpx

API_KEY_TTL_S = 300.0
REFRESH_BEFORE_S = 300.0
"""Temporary credentials are renewed this long before they expire."""
TOKEN_SECONDS = 300
"""The AWS token's lifetime: it is used at once."""
ROLE_SESSION_SECONDS = 3600
"""What the providers' STS is asked for: Alibaba's minimum is 900 and a role's default maximum 3600."""


class ApiKeyCache:
    """API key secrets by id, kept for a few minutes so warm invocations skip the read but see a new key soon."""

    def __init__(self, ttl: float = API_KEY_TTL_S) -> None:
        self.ttl = ttl
        self.entries: dict[str, tuple[float, str | None]] = {}

    def read(self, store: SecretStore, secret_id: str, clock: Clock) -> str | None:
        cached = self.entries.get(secret_id)
        if cached and clock.monotonic() - cached[0] < self.ttl:
            return cached[1]
        value = store.get_value(secret_id, stage=CURRENT)
        if value is None:
            raise own("MissingCredentialsSecret", f"the API key secret {secret_id} has no current value")
        self.entries[secret_id] = (clock.monotonic(), value.secret_string)
        return value.secret_string


class ApiKeySource:
    """:class:`~crossrotate.ports.CredentialSource` of an API key secret, read when first needed."""

    def __init__(self, cloud: Cloud, secret_id: str, store: SecretStore, cache: ApiKeyCache, clock: Clock) -> None:
        self.cloud, self.secret_id, self.store, self.cache, self.clock = cloud, secret_id, store, cache, clock
        self._held: ApiCredentials | None = None

    def credentials(self) -> ApiCredentials:
        if self._held is None:
            self._held = self.cloud.parse_api_key(self.cache.read(self.store, self.secret_id, self.clock))
        return self._held

    def renew(self) -> bool:
        return False  # the secret holds what it holds; a person refreshes it


class Role(NamedTuple):
    """A role to assume on a cloud, trusted through one OIDC identity provider: the key of the shared cache."""

    cloud: str
    role_arn: str
    identity_provider: str


class TemporaryCredentials:
    """Federated credentials per :class:`Role`, for the whole process. One exchange at a time per role, so
    secrets rotated at once do not each trade a token."""

    def __init__(self) -> None:
        self.entries: dict[Role, ApiCredentials] = {}
        self.locks: dict[Role, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, role: Role) -> threading.Lock:
        with self._guard:
            return self.locks.setdefault(role, threading.Lock())

    def fresh(self, role: Role, now: float) -> ApiCredentials | None:
        held = self.entries.get(role)
        return held if held is not None and _worth_keeping(held, now) else None

    def keep(self, role: Role, credentials: ApiCredentials, now: float) -> None:
        if _worth_keeping(credentials, now):
            self.entries[role] = credentials

    def forget(self, role: Role, credentials: ApiCredentials) -> None:
        if self.entries.get(role) == credentials:
            del self.entries[role]

    def clear(self) -> None:
        self.entries.clear()


def _worth_keeping(credentials: ApiCredentials, now: float) -> bool:
    """More than :data:`REFRESH_BEFORE_S` left before they expire."""
    return (credentials.expires_at or 0) - now > REFRESH_BEFORE_S


class Federation(NamedTuple):
    """What every federated source of one invocation shares."""

    tokens: IdentityTokens
    cache: TemporaryCredentials
    http: Callable[[], httpx.Client]
    """The HTTP client for the providers' STS, made when first needed."""
    audience: str
    session_name: str


class FederatedSource:
    """:class:`~crossrotate.ports.CredentialSource` of keyless access: a role assumed with an AWS token."""

    def __init__(self, role: Role, settings: CloudSettings, region: str, federation: Federation, clock: Clock) -> None:
        self.role, self.settings, self.region, self.federation, self.clock = role, settings, region, federation, clock
        self.cloud = settings.cloud
        self._held: ApiCredentials | None = None

    def credentials(self) -> ApiCredentials:
        if self._held is not None and (self._held.expires_at or 0) > self.clock.time():
            return self._held
        cache = self.federation.cache
        with cache.lock(self.role):
            held = cache.fresh(self.role, self.clock.time())
            if held is None:
                held = self._exchange()
                cache.keep(self.role, held, self.clock.time())
        self._held = held
        return held

    def _exchange(self) -> ApiCredentials:
        from .providers.answers import read_answer

        token = self.federation.tokens.web_identity_token(self.federation.audience, TOKEN_SECONDS)
        request = AssumeRoleRequest(
            role_arn=self.role.role_arn,
            identity_provider=self.role.identity_provider,
            web_identity_token=token,
            session_name=self.federation.session_name,
            region=self.region,
            duration_seconds=ROLE_SESSION_SECONDS,
            endpoint=self.settings.endpoint("STS"),
            http=self.federation.http(),
            now=self.clock.time,
        )
        return read_answer(f"{self.cloud.name}-sts", "assume role", lambda: self.cloud.assume_role(request))

    def renew(self) -> bool:
        if self._held is not None:
            self.federation.cache.forget(self.role, self._held)
            self._held = None
        return True


def role_of(account: DatabaseSecret, settings: CloudSettings) -> Role | None:
    """The role keyless access assumes for ``account``, or None when an API key secret comes first."""
    if account.credentials_secret:
        return None
    cloud = settings.cloud
    role_arn = account.role_arn or settings.role_arn
    if role_arn is None:
        return None
    identity_provider = account.oidc_provider or settings.identity_provider
    if identity_provider is None:
        raise own(
            "NoProviderAccess",
            f"a role is set for keyless access, but no OIDC identity provider: set the secret's oidc_provider or "
            f"{cloud.identity_provider_variable}",
        )
    return Role(cloud.name, role_arn, identity_provider)


def source_for(
    account: DatabaseSecret,
    settings: CloudSettings,
    api_key: Callable[[str], CredentialSource],
    federated: Callable[[Role], CredentialSource],
) -> CredentialSource:
    """The first match of the order above, built by ``api_key`` (from a secret id) or ``federated``."""
    role = role_of(account, settings)
    if role is not None:
        return federated(role)
    cloud = settings.cloud
    key_secret = account.credentials_secret or settings.credentials_secret
    if key_secret:
        return api_key(key_secret)
    raise own(
        "NoProviderAccess",
        f"no access to {cloud.name} is configured: set {cloud.role_variable} and "
        f"{cloud.identity_provider_variable} (keyless), or {cloud.credentials_variable} (an API key secret), or the "
        "secret's role_arn or credentials_secret",
    )
