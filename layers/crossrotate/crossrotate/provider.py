"""What a provider package declares about itself: one :class:`ProviderSpec`, listed in the registry.

A provider is one database service of one cloud (TencentDB for MySQL is one, PolarDB another). Its cloud
(:class:`Cloud`) names the environment variables that configure every service of that cloud; the spec adds how
its secrets look, its password rules, its error table, the engine its login probe defaults to, whether its reset
completes at once or as a task that must be polled, and how its API client is built. The spec is cheap to import:
the client (and httpx) is imported only by :attr:`ProviderSpec.build_client`, when a secret of the provider is
rotated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple

from .errors import ErrorTable, own
from .passwords import PasswordPolicy
from .ports import ProviderApi
from .secret import DatabaseSecret, Field

if TYPE_CHECKING:
    import httpx


class Cloud(NamedTuple):
    """A provider's cloud: the environment variables that configure all its services."""

    name: str
    variable_prefix: str
    """``TENCENTCLOUD``: ``TENCENTCLOUD_CREDENTIALS_SECRET``, ``TENCENTCLOUD_ENDPOINT_URL[_<SERVICE>]``."""

    @property
    def credentials_variable(self) -> str:
        return f"{self.variable_prefix}_CREDENTIALS_SECRET"

    @property
    def endpoint_variable(self) -> str:
        return f"{self.variable_prefix}_ENDPOINT_URL"


class ClientConfig(NamedTuple):
    """Everything a provider's client is built from."""

    account: DatabaseSecret
    credentials: str | None
    """The API key secret's SecretString (the cloud's own format)."""
    endpoint: str | None
    """The base URL from the environment, already checked; None for the provider's regional default."""
    http: httpx.Client
    now: Callable[[], float]
    environ: Mapping[str, str]


class ProviderSpec(NamedTuple):
    name: str
    cloud: Cloud
    service: str
    """The service's name in ``<CLOUD>_ENDPOINT_URL_<SERVICE>`` (``CDB``, ``POLARDB``)."""
    instance_id: re.Pattern[str]
    password_policy: PasswordPolicy
    errors: ErrorTable
    engine: Literal["postgres", "mysql"]
    """The database engine its login probe uses when the secret names none."""
    reset: Literal["synchronous", "polled"]
    """Whether a reset is in force when the API answers, or only when its background task succeeds."""
    build_client: Callable[[ClientConfig], ProviderApi]
    fields: Mapping[str, Field] = MappingProxyType({})
    """Keys of the secret that only this provider reads, with their form and default."""
    actions: tuple[str, ...] = ()
    """The API actions the function calls, for least-privilege policies (and the docs that list them)."""


def api_key_fields(
    secret_string: str | None, label: str, required: tuple[str, str], token: str
) -> tuple[str, str, str | None]:
    """The two required strings and the optional session token of an API key secret's JSON. Errors name the
    secret and the key, never a value."""
    try:
        document = json.loads(secret_string or "")
    except ValueError:
        raise own("InvalidCredentialsSecret", f"the {label} secret is not JSON") from None
    if not isinstance(document, dict):
        raise own("InvalidCredentialsSecret", f"the {label} secret is not a JSON object")
    for key in required:
        if not isinstance(document.get(key), str) or not document[key]:
            raise own("InvalidCredentialsSecret", f"the {label} secret has no '{key}'")
    session = document.get(token)
    if session is not None and not isinstance(session, str):
        raise own("InvalidCredentialsSecret", f"the {label} secret's '{token}' must be a string")
    return document[required[0]], document[required[1]], session or None
