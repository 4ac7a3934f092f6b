"""Logging in to the database itself: the proof that a password works, not just that the provider took it.

:class:`DatabaseLogin` is the :class:`~crossrotate.ports.DatabaseProbe`. Each engine's driver lives in its own
module and is imported only when a secret of that engine has a ``host``.

``tls`` in the secret decides the connection's security:

- ``require`` (default): encrypted, certificate not verified (libpq's ``sslmode=require``). It keeps a passive
  listener out, not a server in the path; so a server that asks for the password in clear text is refused
  (``Database.CleartextRefused``): the password would go to whoever answered.
- ``verify-full`` (recommended): encrypted, chain and host name verified against the secret's ``tls_ca`` (the PEM
  of the CA that signed the instance's certificate), else ``DATABASE_CA_BUNDLE``, else the system roots.
- ``disable``: plain TCP, for servers without TLS.

The probe answers (:class:`~crossrotate.ports.Login`) and never raises, whatever the server sends: a wrong
password, an unreachable server or one that answers what no database does (``Database.Unreachable``,
retryable), a server that refuses the connection for another reason (``Database.AccessRejected``,
``Database.TlsUnavailable``, ``Database.UntrustedCertificate``, ``Database.CleartextRefused``: fatal). The steps
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
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "redis": 6379}


@functools.lru_cache(maxsize=16)
def tls_context(mode: str, ca_bundle: str | None, ca_pem: str | None = None) -> ssl.SSLContext | None:
    """One context per mode and trust for the process: building one reads the trust store (tens of ms).
    ``ca_pem`` (the secret's ``tls_ca``) comes first, then the ``ca_bundle`` file, then the system roots."""
    if mode == "disable":
        return None
    if mode == "require":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_pem:
        return ssl.create_default_context(cadata=ca_pem)
    return ssl.create_default_context(cafile=ca_bundle)


EngineLogin = Callable[[DatabaseSecret, int, "ssl.SSLContext | None", float], Login]


class DatabaseLogin(NamedTuple):
    """:class:`~crossrotate.ports.DatabaseProbe` over pg8000 (postgres), PyMySQL (mysql) and RESP written by hand
    (redis)."""

    ca_bundle: str | None = None
    timeout: float = LOGIN_TIMEOUT_S

    def log_in(self, secret: DatabaseSecret) -> Login:
        if secret.engine is None:  # the secret format refuses a host for such a provider: never asked
            return Login(False, "InvalidSecret", f"no login can prove a {secret.provider} password")
        module = importlib.import_module(f"{__name__}.{secret.engine}")
        engine_login = cast(EngineLogin, module.log_in)
        port = secret.port or DEFAULT_PORTS[secret.engine]
        try:
            context = tls_context(secret.tls, self.ca_bundle, secret.tls_ca)
        except (ssl.SSLError, OSError, ValueError):
            where = "the secret's tls_ca" if secret.tls_ca else "DATABASE_CA_BUNDLE"
            code = "InvalidSecret" if secret.tls_ca else "InvalidConfiguration"
            return Login(False, code, f"{where} holds no CA certificate ssl can load")
        return engine_login(secret, port, context, self.timeout)
