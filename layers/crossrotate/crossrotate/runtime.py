"""Wiring for Lambda: the real adapters, built from the environment and the invocation's context.

What is expensive to build (the boto3 client, the pooled HTTP client, API keys) lives for the whole process,
so warm invocations reuse it; a provider's client (and httpx) is imported the first time a secret of that
provider needs its API.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import metrics
from .actions import SWEEP_ACTIONS
from .endpoints import checked_endpoint
from .errors import RotationError, own
from .log import logger
from .ports import CURRENT, Clock, ProviderApi, SecretStore
from .probes import DatabaseLogin
from .protocol import Dependencies, StepReport, StepRequest, run_step
from .provider import ClientConfig, ProviderSpec
from .registry import spec_of
from .secret import DatabaseSecret

if TYPE_CHECKING:
    import httpx

DEFAULT_BUDGET_S = 60.0
SAFETY_MARGIN_S = 3.0
API_KEY_TTL_S = 300.0


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


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


class ProviderWiring:
    """:data:`~crossrotate.ports.ProviderFactory`: a secret's provider client, configured from the environment.
    ``http`` is the HTTP client; None for the process's shared one."""

    def __init__(
        self,
        store: SecretStore,
        clock: Clock,
        environ: Mapping[str, str],
        api_keys: ApiKeyCache,
        http: httpx.Client | None = None,
    ) -> None:
        self.store, self.clock, self.environ, self.api_keys, self.http = store, clock, environ, api_keys, http

    def __call__(self, account: DatabaseSecret) -> ProviderApi:
        spec = spec_of(account.provider)
        cloud = spec.cloud
        key_secret = account.credentials_secret or self.environ.get(cloud.credentials_variable)
        if not key_secret:
            raise own(
                "MissingCredentialsSecret",
                f"the secret has no credentials_secret and {cloud.credentials_variable} is not set",
            )
        from .providers.http import shared_client

        config = ClientConfig(
            account=account,
            credentials=self.api_keys.read(self.store, key_secret, self.clock),
            endpoint=endpoint_of(spec, self.environ),
            http=self.http or shared_client(),
            now=self.clock.time,
            environ=self.environ,
        )
        return spec.build_client(config)


def endpoint_of(spec: ProviderSpec, environ: Mapping[str, str]) -> str | None:
    """``<CLOUD>_ENDPOINT_URL_<SERVICE>``, else ``<CLOUD>_ENDPOINT_URL``, checked; None for the regional default."""
    for variable in (f"{spec.cloud.endpoint_variable}_{spec.service}", spec.cloud.endpoint_variable):
        if environ.get(variable):
            return checked_endpoint(environ[variable], variable)
    return None


_store: SecretStore | None = None
_api_keys = ApiKeyCache()


_store_lock = threading.Lock()


def secret_store() -> SecretStore:
    """The process's Secrets Manager adapter (its boto3 client), made once even when two threads ask at once."""
    global _store
    with _store_lock:
        if _store is None:
            from .aws import SecretsManagerStore

            _store = SecretsManagerStore()
        return _store


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
        providers=ProviderWiring(store, clock, environ, _api_keys, http),
        clock=clock,
        deadline=clock.monotonic() + remaining - SAFETY_MARGIN_S,
        password_length=environ.get("PASSWORD_LENGTH"),
        probe=database_probe(environ),
        function_arn=getattr(context, "invoked_function_arn", ""),
        request_id=getattr(context, "aws_request_id", ""),
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
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error("unexpected failure", extra={"exception": type(error).__name__, "frames": frames})
        unexpected = own("UnexpectedError", f"unexpected {type(error).__name__}")
        _count(unexpected)
        raise unexpected from None


def _count(error: RotationError) -> None:
    if error.code != "ActionIncomplete":  # an action's failures were counted secret by secret
        metrics.classified_failure(error)
    metrics.handled_error()
