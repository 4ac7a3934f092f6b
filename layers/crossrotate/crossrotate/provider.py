"""What a provider package declares about itself: one :class:`ProviderSpec`, listed in the registry.

A provider is one database service of one cloud (TencentDB for MySQL is one, PolarDB another). Its cloud
(:class:`Cloud`) names the environment variables that configure every service of that cloud; the spec adds how
its secrets look, its password rules, its error table, the engine its login probe defaults to, and how its API
client is built (whose reset receipt says whether the reset completes at once or as a task to poll). The spec is
cheap to import: the client (and httpx) is imported only by :meth:`ProviderSpec.client`, when a secret of the
provider is rotated.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple

from .errors import ErrorTable, own
from .passwords import PasswordPolicy
from .ports import ApiCredentials, CredentialSource, ProviderApi
from .secret import DatabaseSecret, Field

if TYPE_CHECKING:
    import httpx

    from .settings import CloudSettings


class AssumeRoleRequest(NamedTuple):
    """What a cloud's STS needs to trade an AWS web identity token for temporary credentials."""

    role_arn: str
    identity_provider: str
    """Alibaba: the OIDC provider's ARN; Tencent: its name (``ProviderId``)."""
    web_identity_token: str
    session_name: str
    region: str
    duration_seconds: int
    endpoint: str | None
    """The base URL from the environment, already checked; None for the cloud's default."""
    http: httpx.Client
    now: Callable[[], float]

    def __repr__(self) -> str:  # the token is a credential
        return f"AssumeRoleRequest({self.role_arn}, {self.identity_provider})"


class Cloud(NamedTuple):
    """A provider's cloud: the environment variables that configure all its services, the form of its API key
    secret, and how keyless access works there."""

    name: str
    variable_prefix: str
    """``TENCENTCLOUD``: ``TENCENTCLOUD_CREDENTIALS_SECRET``, ``TENCENTCLOUD_ENDPOINT_URL[_<SERVICE>]``."""
    key_label: str
    """What its API key is called, for messages."""
    key_fields: tuple[str, str, str]
    """The API key secret's JSON keys: key id, key secret, session token (optional)."""
    identity_provider_variable: str
    """The environment's default OIDC identity provider for keyless access."""
    role_arn: re.Pattern[str]
    identity_provider: re.Pattern[str]
    assume_role: Callable[[AssumeRoleRequest], ApiCredentials]
    """Its STS call for keyless access (the STS client is imported when it is first used)."""
    expired_session_code: str
    """The code its services answer to a temporary credential's expired token: renew once, then it is final."""
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Its own variables with a few allowed values, the first the default (``ALIBABACLOUD_SIGNATURE_VERSION``)."""

    @property
    def credentials_variable(self) -> str:
        return f"{self.variable_prefix}_CREDENTIALS_SECRET"

    @property
    def role_variable(self) -> str:
        return f"{self.variable_prefix}_ROLE_ARN"

    @property
    def endpoint_variable(self) -> str:
        return f"{self.variable_prefix}_ENDPOINT_URL"

    def parse_api_key(self, secret_string: str | None) -> ApiCredentials:
        """The API key secret's JSON (``key_fields``). Errors name the secret and the key, never a value."""
        label = self.key_label
        try:
            document = json.loads(secret_string or "")
        except ValueError:
            raise own("InvalidCredentialsSecret", f"the {label} secret is not JSON") from None
        if not isinstance(document, dict):
            raise own("InvalidCredentialsSecret", f"the {label} secret is not a JSON object")
        key_id, key_secret, token = self.key_fields
        for key in (key_id, key_secret):
            if not isinstance(document.get(key), str) or not document[key]:
                raise own("InvalidCredentialsSecret", f"the {label} secret has no '{key}'")
        session = document.get(token)
        if session is not None and not isinstance(session, str):
            raise own("InvalidCredentialsSecret", f"the {label} secret's '{token}' must be a string")
        return ApiCredentials(document[key_id], document[key_secret], session or None)


class ClientConfig(NamedTuple):
    """Everything a provider's client is built from."""

    account: DatabaseSecret
    credentials: CredentialSource
    endpoint: str | None
    """The base URL from the environment, already checked; None for the provider's regional default."""
    http: httpx.Client
    now: Callable[[], float]
    settings: CloudSettings


class ProviderSpec(NamedTuple):
    name: str
    title: str
    """What it is, for the docs' provider table: the product, the form of its ids, its accounts."""
    reset_mode: str
    """How its reset completes, for the same table (``synchronous``, ``a task, polled to `SUCCESS```)."""
    cloud: Cloud
    service: str
    """The service's name in ``<CLOUD>_ENDPOINT_URL_<SERVICE>`` (``CDB``, ``POLARDB``)."""
    instance_id: re.Pattern[str]
    password_policy: PasswordPolicy
    errors: ErrorTable
    engine: Literal["postgres", "mysql", "redis"] | None
    """The database engine its login probe uses when the secret names none; None when no login can prove a
    password (no such server reachable: the provider's answer is the proof, and a secret naming ``host`` is
    refused)."""
    client_class: str
    """``module:Class`` of its :class:`~crossrotate.ports.ProviderApi`, built from a ClientConfig and ``errors``;
    imported when a secret of the provider first needs its API."""
    fields: Mapping[str, Field] = MappingProxyType({})
    """Keys of the secret that only this provider reads, with their form and default."""
    actions: tuple[str, ...] = ()
    """The API actions the function calls, for least-privilege policies (and the docs that list them)."""
    only_username: str | None = None
    """The one account the service resets (a root-only reset): other accounts and dual-account are refused."""

    def client(self, config: ClientConfig) -> ProviderApi:
        """The provider's client for ``config``'s account, its answers of any shape ending in classified errors."""
        from .providers.answers import CheckedApi

        module, _, name = self.client_class.partition(":")
        build: Callable[[ClientConfig, ErrorTable], ProviderApi] = getattr(importlib.import_module(module), name)
        return CheckedApi(build(config, self.errors), self.name)

    @property
    def role_arn(self) -> re.Pattern[str]:
        return self.cloud.role_arn

    @property
    def identity_provider(self) -> re.Pattern[str]:
        return self.cloud.identity_provider
