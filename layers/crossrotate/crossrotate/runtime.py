"""Wiring for Lambda: the real adapters, built from the environment and the invocation's context.

What is expensive to build (the boto3 clients, the pooled HTTP client, API keys, federated credentials) lives for
the whole process, so warm invocations reuse it; a provider's client (and httpx), and the code that finds its
credentials, are imported the first time a secret of that provider needs its API: createSecret, testSecret and
finishSecret never do.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import metrics
from .dependencies import Dependencies
from .errors import RotationError, own
from .events import SWEEP_ACTIONS, StepRequest
from .log import logger, unexpected_failure
from .ports import Clock, CredentialSource, IdentityTokens, ProviderApi, SecretStore, SweepQueue
from .probes import DatabaseLogin
from .protocol import StepReport, run_step
from .provider import ClientConfig
from .registry import spec_of
from .secret import DatabaseSecret

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
    """:data:`~crossrotate.ports.ProviderFactory`: a secret's provider client, configured from the environment.
    ``http`` is the HTTP client; None for the process's shared one. The credentials code is imported here, when
    a step first needs a provider's API."""

    def __init__(
        self, store: SecretStore, clock: Clock, environ: Mapping[str, str], http: httpx.Client | None = None
    ) -> None:
        self.store, self.clock, self.environ, self.http = store, clock, environ, http

    def __call__(self, account: DatabaseSecret) -> ProviderApi:
        from .credentials import (
            ApiKeySource,
            FederatedSource,
            Federation,
            audience,
            endpoint_of,
            session_name,
            source_for,
        )

        spec = spec_of(account.provider)
        cloud = spec.cloud
        api_keys, temporary_credentials = credential_caches()
        http = self.http
        federation = Federation(
            tokens=_LazyTokens(),
            cache=temporary_credentials,
            http=lambda: http_client(http),
            audience=audience(self.environ),
            session_name=session_name(self.environ),
        )

        def api_key(secret_id: str) -> CredentialSource:
            return ApiKeySource(cloud, secret_id, self.store, api_keys, self.clock)

        def federated(role: Role) -> CredentialSource:
            return FederatedSource(role, cloud, account.region, federation, self.environ, self.clock)

        config = ClientConfig(
            account=account,
            credentials=source_for(account, cloud, self.environ, api_key, federated),
            endpoint=endpoint_of(cloud, spec.service, self.environ),
            http=http_client(self.http),
            now=self.clock.time,
            environ=self.environ,
        )
        return spec.client(config)


def http_client(given: httpx.Client | None) -> httpx.Client:
    """``given``, else the process's shared client (httpx is imported when a provider is first called)."""
    from .providers.http import shared_client

    return given or shared_client()


_store: SecretStore | None = None
_credential_caches: tuple[ApiKeyCache, TemporaryCredentials] | None = None
_tokens: IdentityTokens | None = None


_store_lock = threading.Lock()


def credential_caches() -> tuple[ApiKeyCache, TemporaryCredentials]:
    """The process's API keys and federated credentials, shared by every invocation (made at first use)."""
    global _credential_caches
    with _store_lock:
        if _credential_caches is None:
            from .credentials import ApiKeyCache, TemporaryCredentials

            _credential_caches = (ApiKeyCache(), TemporaryCredentials())
        return _credential_caches


def secret_store() -> SecretStore:
    """The process's Secrets Manager adapter (its boto3 client), made once even when two threads ask at once."""
    global _store
    with _store_lock:
        if _store is None:
            from .aws import SecretsManagerStore

            _store = SecretsManagerStore()
        return _store


def identity_tokens() -> IdentityTokens:
    """The process's AWS STS adapter, made when a secret first needs keyless access."""
    global _tokens
    with _store_lock:
        if _tokens is None:
            from .aws import WebIdentityTokens

            _tokens = WebIdentityTokens()
        return _tokens


class _LazyTokens:
    """Defers :func:`identity_tokens` until an exchange needs it: API key deployments never build an STS client."""

    def web_identity_token(self, audience: str, duration_seconds: int) -> str:
        return identity_tokens().web_identity_token(audience, duration_seconds)


_queues: dict[str, SweepQueue] = {}


def sweep_queue(environ: Mapping[str, str]) -> SweepQueue | None:
    """``SWEEP_QUEUE_URL``'s queue (its SQS client made at the first send), or None: sweeps run inline."""
    url = environ.get("SWEEP_QUEUE_URL")
    if not url:
        return None
    with _store_lock:
        if url not in _queues:
            from .aws import SqsSweepQueue

            _queues[url] = SqsSweepQueue(url)
        return _queues[url]


def forget_credentials() -> None:
    """Drop the process's API keys and federated credentials (a new sandbox's state)."""
    if _credential_caches is not None:
        api_keys, temporary_credentials = _credential_caches
        api_keys.entries.clear()
        temporary_credentials.clear()


def database_probe(environ: Mapping[str, str]) -> DatabaseLogin:
    """Logins for secrets with ``host``; ``DATABASE_CA_BUNDLE`` is what ``tls: verify-full`` trusts."""
    return DatabaseLogin(ca_bundle=environ.get("DATABASE_CA_BUNDLE") or None)


def dependencies(
    context: Any,
    environ: Mapping[str, str] = os.environ,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
) -> Dependencies:
    """Everything a step or an action needs, with a deadline a little before Lambda's. ``clock`` and ``http``
    replace the system clock and the shared HTTP client (a virtual clock, short timeouts)."""
    clock = clock or SystemClock()
    remaining = context.get_remaining_time_in_millis() / 1000 if context else DEFAULT_BUDGET_S
    store = secret_store()
    return Dependencies(
        store=store,
        providers=ProviderWiring(store, clock, environ, http),
        clock=clock,
        deadline=clock.monotonic() + remaining - SAFETY_MARGIN_S,
        password_length=environ.get("PASSWORD_LENGTH"),
        probe=database_probe(environ),
        function_arn=getattr(context, "invoked_function_arn", ""),
        request_id=getattr(context, "aws_request_id", ""),
        sweep_queue=sweep_queue(environ),
    )


def scheduled_action(environ: Mapping[str, str] = os.environ) -> str:
    """What a bare EventBridge schedule does: SCHEDULED_ACTION, verify by default."""
    action = environ.get("SCHEDULED_ACTION") or "verify"
    if action not in SWEEP_ACTIONS:
        raise own("InvalidConfiguration", f"SCHEDULED_ACTION must be one of {', '.join(SWEEP_ACTIONS)}")
    return action


def observed_step(request: StepRequest, deps: Dependencies) -> None:
    """:func:`~crossrotate.protocol.run_step`, counted in the step metrics."""
    report = StepReport()
    try:
        run_step(request, deps, report)
    except RotationError as error:
        metrics.failure("Step", request.step, error, report.provider)
        raise
    metrics.success("Step", request.step, report.provider)


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
    if error.code != "ActionIncomplete":  # an action's failures were counted secret by secret
        metrics.classified_failure(error)
    metrics.handled_error()
