"""Logging in to the database itself: the proof that a password works, not just that the provider took it.

:class:`DatabaseLogin` is the :class:`~crossrotate.ports.DatabaseProbe`. Each engine's driver lives in its own
module and is imported only when a secret of that engine has a ``host``.

``tls`` in the secret decides the connection's security:

- ``require`` (default): encrypted, certificate not verified (libpq's ``sslmode=require``). Managed databases
  present certificates from the provider's own CA.
- ``verify-full``: encrypted, chain and host name verified against ``DATABASE_CA_BUNDLE`` or the system roots.
- ``disable``: plain TCP, for servers without TLS.

The probe answers (:class:`~crossrotate.ports.Login`) and never raises: a wrong password, an unreachable server
(``Database.Unreachable``, retryable), a server that refuses the connection for another reason
(``Database.AccessRejected``, ``Database.TlsUnavailable``, ``Database.UntrustedCertificate``: fatal). The steps
decide what an answer means for them.
"""

from __future__ import annotations

import functools
import importlib
import ssl
from collections.abc import Callable
from typing import NamedTuple, cast

from ..ports import Login
from ..secret import DatabaseSecret

LOGIN_TIMEOUT_S = 5.0
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}


@functools.cache
def tls_context(mode: str, ca_bundle: str | None) -> ssl.SSLContext | None:
    """One context per mode and bundle for the process: building one reads the trust store (tens of ms)."""
    if mode == "disable":
        return None
    context = ssl.create_default_context(cafile=ca_bundle if mode == "verify-full" else None)
    if mode == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


EngineLogin = Callable[[DatabaseSecret, int, "ssl.SSLContext | None", float], Login]


class DatabaseLogin(NamedTuple):
    """:class:`~crossrotate.ports.DatabaseProbe` over pg8000 (postgres) and PyMySQL (mysql)."""

    ca_bundle: str | None = None
    timeout: float = LOGIN_TIMEOUT_S

    def log_in(self, secret: DatabaseSecret) -> Login:
        module = importlib.import_module(f"{__name__}.{secret.engine}")
        engine_login = cast(EngineLogin, module.log_in)
        port = secret.port or DEFAULT_PORTS[secret.engine]
        return engine_login(secret, port, tls_context(secret.tls, self.ca_bundle), self.timeout)
