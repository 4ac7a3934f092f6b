"""Wiring for Lambda: the real adapters, built from the settings and the invocation's context.

What is expensive to build (the boto3 clients, the pooled HTTP client, API keys, federated credentials) lives for
the whole process, so warm invocations reuse it; a provider's client (and httpx), and the code that finds its
credentials, are imported the first time a secret of that provider needs its API: createSecret, testSecret and
finishSecret never do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from . import metrics, settings
from .dependencies import Dependencies
from .errors import ActionIncomplete, RotationError
from .events import StepRequest
from .log import logger, unexpected_failure
from .ports import Clock, CredentialSource, IdentityTokens, ProviderApi, SecretStore, SweepQueue
from .probes import DatabaseLogin
from .protocol import StepReport, run_step
from .provider import ClientConfig
from .registry import spec_of
from .secret import DatabaseSecret
from .settings import Settings

if TYPE_CHECKING:
    import httpx

    from .credentials import ApiKeyCache, Role, TemporaryCredentials

DEFAULT_BUDGET_S = 60.0
SAFETY_MARGIN_S = 3.0


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ProviderWiring:
    """:data:`~crossrotate.ports.ProviderFactory`: a secret's provider client, configured by the settings.
    ``http`` is the HTTP client; None for the process's shared one. The credentials code is imported here, when
    a step first needs a provider's API."""

    def __init__(self, store: SecretStore, clock: Clock, settings: Settings, http: httpx.Client | None = None) -> None:
        self.store, self.clock, self.settings, self.http = store, clock, settings, http

    def __call__(self, account: DatabaseSecret) -> ProviderApi:
        from .credentials import ApiKeySource, FederatedSource, Federation, source_for

        spec = spec_of(account.provider)
        cloud = self.settings.cloud(spec.cloud)
        api_keys, temporary_credentials = credential_caches()
        http = self.http
        federation = Federation(
            tokens=_LazyTokens(self.settings.sts_endpoint),
            cache=temporary_credentials,
            http=lambda: http_client(http),
            audience=self.settings.audience,
            session_name=self.settings.session_name,
        )

        def api_key(secret_id: str) -> CredentialSource:
            return ApiKeySource(spec.cloud, secret_id, self.store, api_keys, self.clock)

        def federated(role: Role) -> CredentialSource:
            return FederatedSource(role, cloud, account.region, federation, self.clock)

        config = ClientConfig(
            account=account,
            credentials=source_for(account, cloud, api_key, federated),
            endpoint=cloud.endpoint(spec.service),
            http=http_client(self.http),
            now=self.clock.time,
            settings=cloud,
        )
        return spec.client(config)


def http_client(given: httpx.Client | None) -> httpx.Client:
    """``given``, else the process's shared client (httpx is imported when a provider is first called)."""
    from .providers.http import shared_client

    return given or shared_client()


T = TypeVar("T")
_made: dict[object, Any] = {}
_made_lock = threading.Lock()


def _one_per_process(key: object, make: Callable[[], T]) -> T:
    """What ``make`` builds for ``key``, built once for the process even when two threads ask at once."""
    with _made_lock:
        if key not in _made:
            _made[key] = make()
        made: T = _made[key]
        return made


def credential_caches() -> tuple[ApiKeyCache, TemporaryCredentials]:
    """The process's API keys and federated credentials, shared by every invocation (made at first use)."""

    def make() -> tuple[ApiKeyCache, TemporaryCredentials]:
        from .credentials import ApiKeyCache, TemporaryCredentials

        return ApiKeyCache(), TemporaryCredentials()

    return _one_per_process("credentials", make)


def secret_store() -> SecretStore:
    """The process's Secrets Manager adapter (its boto3 client)."""

    def make() -> SecretStore:
        from .aws import SecretsManagerStore

        return SecretsManagerStore()

    return _one_per_process("secretsmanager", make)


def identity_tokens(endpoint: str | None) -> IdentityTokens:
    """The process's AWS STS adapter for ``endpoint`` (None: the regional one), made when a secret first needs
    keyless access."""

    def make() -> IdentityTokens:
        from .aws import WebIdentityTokens

        return WebIdentityTokens(endpoint)

    return _one_per_process(("sts", endpoint), make)


class _LazyTokens:
    """Defers :func:`identity_tokens` until an exchange needs it: API key deployments never build an STS client."""

    def __init__(self, endpoint: str | None) -> None:
        self.endpoint = endpoint

    def web_identity_token(self, audience: str, duration_seconds: int) -> str:
        return identity_tokens(self.endpoint).web_identity_token(audience, duration_seconds)


def sweep_queue(url: str | None) -> SweepQueue | None:
    """The sweep queue at ``url`` (its SQS client made at the first send), or None: sweeps run inline."""
    if not url:
        return None

    def make() -> SweepQueue:
        from .aws import SqsSweepQueue

        return SqsSweepQueue(url)

    return _one_per_process(("sqs", url), make)


def forget_credentials() -> None:
    """Drop the process's API keys and federated credentials (a new sandbox's state)."""
    api_keys, temporary_credentials = credential_caches()
    api_keys.entries.clear()
    temporary_credentials.clear()


def dependencies(
    context: Any,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
) -> Dependencies:
    """Everything a step or an action needs, with a deadline a little before Lambda's. ``environ`` replaces the
    process's environment, ``clock`` and ``http`` the system clock and the shared HTTP client (a virtual clock,
    short timeouts)."""
    clock = clock or SystemClock()
    configured = settings.current() if environ is None else Settings(environ)
    remaining = context.get_remaining_time_in_millis() / 1000 if context else DEFAULT_BUDGET_S
    store = secret_store()
    return Dependencies(
        store=store,
        providers=ProviderWiring(store, clock, configured, http),
        clock=clock,
        deadline=clock.monotonic() + remaining - SAFETY_MARGIN_S,
        settings=configured,
        probe=DatabaseLogin(ca_bundle=configured.database_ca_bundle),
        function_arn=getattr(context, "invoked_function_arn", ""),
        request_id=getattr(context, "aws_request_id", ""),
        sweep_queue=sweep_queue(configured.sweep_queue_url),
    )


def observed_step(request: StepRequest, deps: Dependencies) -> None:
    """:func:`~crossrotate.protocol.run_step`, counted in the step metrics."""
    report = StepReport()
    try:
        run_step(request, deps, report)
    except RotationError as error:
        metrics.failure("Step", request.step, error, report.provider)
        raise
    metrics.success("Step", request.step, report.provider)


def scheduled_action() -> str:
    """What a bare EventBridge schedule does: ``SCHEDULED_ACTION``, verify by default."""
    return settings.current().scheduled_action


@contextmanager
def reporting() -> Iterator[None]:
    """Log and count each failure that leaves the function with its classification, and turn anything
    unexpected into a FatalRotationError whose message carries only the exception's type (an unexpected message
    could quote a value)."""
    try:
        yield
    except RotationError as error:
        logger.error("rotation failed", extra=error.log_fields())
        _count(error)
        raise
    except Exception as error:  # noqa: BLE001 - the boundary: nothing unclassified leaves the function
        unexpected = unexpected_failure(error)
        _count(unexpected)
        raise unexpected from None


def _count(error: RotationError) -> None:
    if not isinstance(error, ActionIncomplete):  # its failures were counted secret by secret
        metrics.classified_failure(error)
    metrics.handled_error()
