"""MySQL and MariaDB logins through PyMySQL (pure Python: small layer, no libmysqlclient).

Under ``tls: require`` the certificate is not verified, so the plugins that send the password itself
(``mysql_clear_password``, and PAM's ``dialog``) are refused before it is sent. Two cannot be told apart from a
legitimate server and are left as MySQL defines them: ``caching_sha2_password``'s full authentication and
``sha256_password`` send the password over the TLS connection, as they must; only ``verify-full`` makes sure
that connection ends at the database (docs/secret-format.md).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import pymysql
from pymysql.err import OperationalError

from ..errors import caused_by
from ..ports import ACCEPTED, WRONG_PASSWORD, Login
from ..secret import DatabaseSecret

WRONG_PASSWORD_CODES = {1045}  # ER_ACCESS_DENIED_ERROR
REFUSED = {1130, 3159}  # host not allowed; secure transport required
NO_TLS = {2026}  # CR_SSL_CONNECTION_ERROR: PyMySQL's "SSL is required but the server doesn't support it"
UNREACHABLE = {2002, 2003, 2006, 2013}  # cannot connect, server gone, lost connection
CLEARTEXT_PLUGINS = ("mysql_clear_password", "dialog")


class CleartextRefused(Exception):
    """The server asked for a plugin that sends the password in clear text, over an unverified connection."""


class _RefuseCleartext:
    """An authentication plugin handler for PyMySQL that refuses to run (it is built when the server asks)."""

    def __init__(self, connection: Any) -> None:
        raise CleartextRefused


REFUSING: dict[str, Callable[[Any], Any]] = {name: _RefuseCleartext for name in CLEARTEXT_PLUGINS}


def log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> Login:
    host = secret.host or ""
    unverified = context is not None and context.verify_mode == ssl.CERT_NONE
    try:
        connection = pymysql.connect(
            host=host,
            port=port,
            user=secret.username,
            password=secret.password,
            database=secret.dbname,
            ssl=context,
            ssl_disabled=context is None,  # otherwise PyMySQL would try TLS and fall back ("preferred")
            connect_timeout=timeout,
            auth_plugin_map=REFUSING if unverified else None,
        )
    except OperationalError as error:
        if caused_by(error, ssl.SSLCertVerificationError):
            return Login(False, "Database.UntrustedCertificate", f"{host}'s certificate is not trusted")
        code = error.args[0] if error.args else None
        if code in WRONG_PASSWORD_CODES:
            return WRONG_PASSWORD
        if code in REFUSED:
            return Login(False, "Database.AccessRejected", f"{host} refused the login ({code})")
        if code in NO_TLS:
            return Login(False, "Database.TlsUnavailable", f"{host} does not offer TLS")
        if code in UNREACHABLE:
            return Login(False, "Database.Unreachable", f"cannot reach {host}:{port}")
        return Login(False, "Database.Unreachable", f"{host} failed the login ({str(code)[:8]})")
    except CleartextRefused:
        return Login(
            False,
            "Database.CleartextRefused",
            f"{host} asked for the password in clear text, and tls is require (its certificate is not verified)",
        )
    except ssl.SSLCertVerificationError:
        return Login(False, "Database.UntrustedCertificate", f"{host}'s certificate is not trusted")
    except Exception:  # noqa: BLE001 - any byte the server sends must end in a classified answer
        # A connection lost or timed out, a TLS failure, or an answer that is not the protocol (PyMySQL then
        # raises its own errors, struct.error, IndexError, UnicodeDecodeError, …): the login failed, not the step.
        return Login(False, "Database.Unreachable", f"cannot reach {host}:{port}")
    connection.close()
    return ACCEPTED
