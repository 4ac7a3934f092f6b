"""What every provider's client shares: one pooled ``httpx.Client`` per process, explicit timeouts, and transport
failures turned into classified errors.
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .. import metrics
from ..errors import RotationError, caused_by, transport_error

if TYPE_CHECKING:
    from ..errors import ErrorTable
    from ..provider import ClientConfig

# Keep the transport's DEBUG lines out of a DEBUG root logger: they are noise, and the least of them is a URL.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(8.0, connect=3.0)
_client: httpx.Client | None = None
_client_lock = threading.Lock()

# Subclasses first: a connect timeout or a pool timeout means nothing was sent.
TRANSPORT_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (httpx.ConnectTimeout, "Transport.ConnectError"),
    (httpx.PoolTimeout, "Transport.ConnectError"),
    (httpx.ConnectError, "Transport.ConnectError"),
    (httpx.TimeoutException, "Transport.Timeout"),
    (httpx.RemoteProtocolError, "Transport.ConnectionLost"),
    (httpx.NetworkError, "Transport.ConnectionLost"),
    (httpx.HTTPError, "Transport.BadResponse"),
)


def shared_client() -> httpx.Client:
    """The process's client: warm invocations reuse its connections. Made once even when two threads ask at
    once (a second one would be dropped with its connections open)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        return _client


@functools.lru_cache(maxsize=32)
def host_header(url: str) -> str:
    """The ``Host`` header httpx sends to ``url`` (its host, and its port unless the scheme's default), which
    the signatures cover. Kept per URL: parsing one costs about 20 µs, and a client is built for each step."""
    return httpx.URL(url).netloc.decode("ascii")


def send(client: httpx.Client, request: httpx.Request, provider: str, action: str) -> httpx.Response:
    """One attempt of a request built signed (the providers' signers make what it adds before it is built), its
    latency counted in the metrics whatever the outcome; transport failures classified."""
    started = time.monotonic()
    try:
        return client.send(request)
    except httpx.HTTPError as error:
        raise _transport(error, provider) from None
    finally:
        metrics.provider_call(provider, action, (time.monotonic() - started) * 1000)


def _transport(error: httpx.HTTPError, provider: str) -> RotationError:
    if caused_by(error, ssl.SSLCertVerificationError):
        return transport_error(provider, "Transport.UntrustedCertificate", "certificate verify failed")
    code = next(code for kind, code in TRANSPORT_FAILURES if isinstance(error, kind))
    return transport_error(provider, code, type(error).__name__)


def request_id_of(body: dict[str, Any]) -> str | None:
    """The answer's ``RequestId`` when it is a string: whatever else a provider puts there is not kept."""
    request_id = body.get("RequestId")
    return request_id[:128] if isinstance(request_id, str) else None


def json_body(response: httpx.Response) -> dict[str, Any] | None:
    """The response's JSON object whatever its content type, or None when it is not one."""
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or nested too deep
        return None
    return body if isinstance(body, dict) else None


def close_shared_client() -> None:
    """Close the process's client (its pooled connections); the next call opens a new one."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
            _client = None


class SignedApi:
    """Calls of one service of a cloud, at one version, for the account a ClientConfig names: what both clouds'
    API clients share. A cloud's subclass makes one signed attempt and reads its answer (:meth:`attempt`); a call
    whose temporary credentials the service calls expired (:attr:`expired_session`) is made once more with renewed
    ones (keyless access; an API key secret's cannot be renewed, so its error stands)."""

    expired_session: str = ""
    """The cloud's code for an expired session token (its ``codes.EXPIRED_SESSION``)."""

    def __init__(self, config: ClientConfig, default_endpoint: str, version: str, errors: ErrorTable) -> None:
        self.http = config.http
        self.account = config.account
        self.url = (config.endpoint or default_endpoint) + "/"
        self.host_header = host_header(self.url)
        """The ``Host`` header httpx sends for ``url``, which the signatures cover."""
        self.source = config.credentials
        self.now = config.now
        self.version = version
        self.errors = errors

    def call(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...] = ()) -> dict[str, Any]:
        """One API call; returns the answer's JSON or raises a classified RotationError."""
        try:
            return self.attempt(action, params, sensitive)
        except RotationError as error:
            if error.code == self.expired_session and self.source.renew():
                return self.attempt(action, params, sensitive)
            raise

    def attempt(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...]) -> dict[str, Any]:
        """One signed request and its answer, whose provider message is redacted of ``sensitive`` values and the
        credentials."""
        raise NotImplementedError
