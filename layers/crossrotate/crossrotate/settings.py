"""The function's settings: every environment variable it reads is read here, into one :class:`Settings`.

:func:`current` reads them at a sandbox's first invocation and again only when a variable they read has changed
(in Lambda none does; tests change them), so each value is parsed and checked once. A value
that is not valid is found then but reported where it is used, as a fatal ``InvalidConfiguration`` naming the
variable: a wrong ``PASSWORD_LENGTH`` fails createSecret and nothing else, a wrong ``TENCENTCLOUD_ROLE_ARN`` only
the Tencent secrets that would assume it. A cloud's own variables (``<CLOUD>_…``, :class:`CloudSettings`) are
checked the first time a secret of that cloud needs them.

docs/secret-format.md's environment table lists :data:`VARIABLES` and each cloud's variables; a test holds them
equal.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from .errors import RotationError, own
from .events import SWEEP_ACTIONS

if TYPE_CHECKING:
    from .provider import Cloud

T = TypeVar("T")

VARIABLES = (
    "WEB_IDENTITY_AUDIENCE",
    "SWEEP_QUEUE_URL",
    "AWS_ENDPOINT_URL_STS",
    "DATABASE_CA_BUNDLE",
    "PASSWORD_LENGTH",
    "SCHEDULED_ACTION",
    "POWERTOOLS_LOG_LEVEL",
    "LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
)
"""The variables every deployment may set (or Lambda sets), besides each cloud's, and ``_X_AMZN_TRACE_ID``."""
DEFAULT_AUDIENCE = "crossrotate"
SESSION_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


def _checked(read: Callable[[], T]) -> T | RotationError:
    """``read()``'s value, or the error it raised, kept to be raised where the value is used."""
    try:
        return read()
    except RotationError as error:
        return error


def _valid(value: T | RotationError) -> T:
    if isinstance(value, RotationError):
        raise value
    return value


class Readings:
    """The environment as the settings read it: every value read is kept, so that a changed one is noticed by
    reading those few again (nothing else is copied: not the function's AWS keys, not the trace id Lambda sets anew
    at each invocation)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.seen: dict[str, str | None] = {}

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.seen[name] = self.environ.get(name)
        return default if value is None else value

    def changed(self) -> bool:
        get = self.environ.get
        return any(get(name) != value for name, value in list(self.seen.items()))


class Settings:
    """The settings of one environment. The checked ones are properties: they raise their variable's error."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.readings = Readings(environ)
        get = self.readings.get
        self.log_level = (get("POWERTOOLS_LOG_LEVEL") or get("LOG_LEVEL") or "INFO").upper()
        self.service_name = get("POWERTOOLS_SERVICE_NAME") or None
        """The ``service`` dimension of every metric; None: no such dimension."""
        self.provisioned = get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency"
        """A provisioned sandbox's first invocation is not a cold start."""
        function = SESSION_NAME_UNSAFE.sub("-", get("AWS_LAMBDA_FUNCTION_NAME") or "")
        self.session_name = f"crossrotate-{function}"[:64].rstrip("-")
        """What the providers' audit logs show for this function's keyless calls."""
        self.sweep_queue_url = get("SWEEP_QUEUE_URL") or None
        """None: sweeps run inline."""
        self.sts_endpoint = get("AWS_ENDPOINT_URL_STS") or None
        """boto3's own override; None: the regional AWS STS endpoint, the only kind that serves web identity tokens."""
        self.database_ca_bundle = get("DATABASE_CA_BUNDLE") or None
        self._audience = _checked(lambda: _audience(get("WEB_IDENTITY_AUDIENCE") or DEFAULT_AUDIENCE))
        self._password_length = _checked(lambda: _whole_number(get("PASSWORD_LENGTH") or None, "PASSWORD_LENGTH"))
        self._scheduled_action = _checked(lambda: _scheduled_action(get("SCHEDULED_ACTION") or "verify"))
        self._clouds: dict[str, CloudSettings] = {}

    @property
    def audience(self) -> str:
        """The ``aud`` of the AWS tokens traded for providers' credentials."""
        return _valid(self._audience)

    @property
    def password_length(self) -> int | None:
        """Of generated passwords; None: the default. Each provider's policy checks its range."""
        return _valid(self._password_length)

    @property
    def scheduled_action(self) -> str:
        """What a bare EventBridge schedule does to every secret this function rotates."""
        return _valid(self._scheduled_action)

    def cloud(self, cloud: Cloud) -> CloudSettings:
        """``cloud``'s own variables, read when a secret of that cloud first needs them."""
        held = self._clouds.get(cloud.name)
        if held is None:
            held = self._clouds[cloud.name] = CloudSettings(cloud, self.readings)
        return held


class CloudSettings:
    """One cloud's variables (:class:`~crossrotate.provider.Cloud` names them): its default API key secret or
    keyless role, its endpoints, and its options."""

    def __init__(self, cloud: Cloud, readings: Readings) -> None:
        self.cloud, self.readings = cloud, readings
        get = readings.get
        self.credentials_secret = get(cloud.credentials_variable) or None
        role, provider, name = cloud.role_variable, cloud.identity_provider_variable, cloud.name
        self._role_arn = _checked(lambda: _matching(get(role), cloud.role_arn, f"{role} is not a role ARN of {name}"))
        not_one = f"{provider} is not an identity provider of {name}"
        self._identity_provider = _checked(lambda: _matching(get(provider), cloud.identity_provider, not_one))
        self._options = {name: _option(get(name), allowed, name) for name, allowed in cloud.options}
        self._endpoints: dict[str, str | None] = {}

    @property
    def role_arn(self) -> str | None:
        """``<CLOUD>_ROLE_ARN``: the role keyless access assumes when the secret names none."""
        return _valid(self._role_arn)

    @property
    def identity_provider(self) -> str | None:
        """The OIDC identity provider the role trusts, when the secret names none."""
        return _valid(self._identity_provider)

    def endpoint(self, service: str) -> str | None:
        """``<CLOUD>_ENDPOINT_URL_<SERVICE>``, else ``<CLOUD>_ENDPOINT_URL``, checked; None for the default."""
        from .endpoints import checked_endpoint  # with ipaddress and urllib: only when a provider is called

        if service not in self._endpoints:
            self._endpoints[service] = None
            for variable in (f"{self.cloud.endpoint_variable}_{service}", self.cloud.endpoint_variable):
                value = self.readings.get(variable)
                if value:
                    self._endpoints[service] = checked_endpoint(value, variable)
                    break
        return self._endpoints[service]

    def option(self, variable: str) -> str:
        """One of the cloud's :attr:`~crossrotate.provider.Cloud.options`: its value, or the first allowed."""
        return _valid(self._options[variable])


def _audience(value: str) -> str:
    if len(value) > 1000 or not value.isprintable():
        raise own("InvalidConfiguration", "WEB_IDENTITY_AUDIENCE must be 1 to 1000 printable characters")
    return value


def _whole_number(value: str | None, variable: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise own("InvalidConfiguration", f"{variable} must be a whole number") from None


def _scheduled_action(value: str) -> str:
    return _one_of(value, SWEEP_ACTIONS, "SCHEDULED_ACTION")


def _option(value: str | None, allowed: tuple[str, ...], variable: str) -> str | RotationError:
    return _checked(lambda: _one_of(value or allowed[0], allowed, variable))


def _one_of(value: str, allowed: tuple[str, ...], variable: str) -> str:
    if value not in allowed:
        raise own("InvalidConfiguration", f"{variable} must be one of {', '.join(allowed)}")
    return value


def _matching(value: str | None, pattern: re.Pattern[str], otherwise: str) -> str | None:
    if not value:
        return None
    if not pattern.fullmatch(value):
        raise own("InvalidConfiguration", otherwise)
    return value


_held: Settings | None = None
_lock = threading.Lock()


def current(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings of ``environ``: those already read, unless a variable they read has changed since (reading
    those again costs about 10 µs)."""
    global _held
    with _lock:
        if _held is None or _held.readings.environ is not environ or _held.readings.changed():
            _held = Settings(environ)
        return _held


def trace_header() -> str | None:
    """``_X_AMZN_TRACE_ID``: not a setting, but the invocation's X-Ray trace, which Lambda sets anew each time."""
    return os.environ.get("_X_AMZN_TRACE_ID")


def held() -> Settings:
    """The settings the last invocation read, without looking at the environment again: for what writes a line
    many times an invocation (the metrics)."""
    return _held or current()
