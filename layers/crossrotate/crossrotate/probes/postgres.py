"""PostgreSQL logins through pg8000 (pure Python: small layer, no libpq).

The TLS negotiation (PostgreSQL's ``SSLRequest``) is done here rather than by pg8000, so that each answer means
what it says: ``N`` (or ``E``, a server too old to know the request) is a server without TLS, a closed connection
is a transient fault, anything else is not PostgreSQL. Under ``tls: require`` the certificate is not verified, so
a server that asks for the password in clear text (``AuthenticationCleartextPassword``) is refused before the
password is sent: anyone in the path could be asking. SCRAM and MD5 never put the password itself on the wire.
A server that lets the account in without asking for a password at all (``trust``) proves nothing about it.
"""

from __future__ import annotations

import socket
import ssl
import struct
from typing import Any

import pg8000.native
from pg8000.exceptions import DatabaseError

from ..ports import ACCEPTED, WRONG_PASSWORD, Login
from ..secret import DatabaseSecret

WRONG_PASSWORD_CODES = {"28P01"}  # invalid_password
REFUSED = {"28000"}  # invalid_authorization_specification: pg_hba.conf has no entry (host, user, TLS)
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
AUTHENTICATION_OK = struct.pack("!i", 0)
CLEARTEXT_PASSWORD = struct.pack("!i", 3)
"""The start of an AuthenticationCleartextPassword message's body."""


class CleartextRefused(Exception):
    """The server asked for the password in clear text over a connection whose peer is not verified."""


class NoTls(Exception):
    """The server answered the SSLRequest with ``N`` (or ``E``): it offers no TLS."""


class _Connection(pg8000.native.Connection):  # type: ignore[misc]
    """pg8000's connection, noting whether the server asked for the password at all, and refusing a cleartext
    password request when ``refuse_cleartext``."""

    refuse_cleartext = False
    password_asked = False

    def handle_AUTHENTICATION_REQUEST(self, data: bytes, context: Any) -> None:
        if self.refuse_cleartext and data[:4] == CLEARTEXT_PASSWORD:
            raise CleartextRefused
        if data[:4] != AUTHENTICATION_OK:
            self.password_asked = True
        super().handle_AUTHENTICATION_REQUEST(data, context)


class _UnverifiedPeerConnection(_Connection):
    refuse_cleartext = True


def start_tls(sock: socket.socket, host: str, context: ssl.SSLContext) -> ssl.SSLSocket:
    """Ask for TLS and wrap ``sock`` in it; :class:`NoTls` when the server declines, ``ConnectionError`` when it
    closes or answers what no PostgreSQL server does."""
    sock.sendall(SSL_REQUEST)
    answer = sock.recv(1)
    if answer == b"S":
        return context.wrap_socket(sock, server_hostname=host)
    if answer in (b"N", b"E"):
        raise NoTls
    raise ConnectionError("closed" if not answer else "not a PostgreSQL answer to SSLRequest")


def log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> Login:
    host = secret.host or ""
    unreachable = Login(False, "Database.Unreachable", f"cannot reach {host}:{port}")
    try:
        sock: socket.socket = socket.create_connection((host, port), timeout)
    except OSError:
        return unreachable
    try:
        if context is not None:
            sock = start_tls(sock, host, context)
        unverified = context is not None and context.verify_mode == ssl.CERT_NONE
        connection_type = _UnverifiedPeerConnection if unverified else _Connection
        connection = connection_type(
            user=secret.username,
            password=secret.password,
            database=secret.dbname or "postgres",
            sock=sock,
            ssl_context=False,  # TLS, if any, is already up
            timeout=timeout,
        )
    except DatabaseError as error:
        sock.close()
        code = error.args[0].get("C") if error.args and isinstance(error.args[0], dict) else None
        if code in WRONG_PASSWORD_CODES:
            return WRONG_PASSWORD
        if code in REFUSED:
            return Login(False, "Database.AccessRejected", f"{host} refused the login ({code})")
        return Login(False, "Database.Unreachable", f"{host} failed the login ({str(code)[:8]})")
    except NoTls:
        sock.close()
        return Login(False, "Database.TlsUnavailable", f"{host} does not offer TLS")
    except CleartextRefused:
        sock.close()
        return Login(
            False,
            "Database.CleartextRefused",
            f"{host} asked for the password in clear text, and tls is require (its certificate is not verified)",
        )
    except ssl.SSLCertVerificationError:
        sock.close()
        return Login(False, "Database.UntrustedCertificate", f"{host}'s certificate is not trusted")
    except Exception:  # noqa: BLE001 - any byte the server sends must end in a classified answer
        # A connection lost or timed out, a TLS failure, or an answer that is not the protocol (pg8000 then
        # raises InterfaceError, struct.error, KeyError, UnicodeDecodeError, …): the login failed, not the step.
        sock.close()
        return unreachable
    connection.close()
    if not connection.password_asked:
        return Login(
            False,
            "Database.PasswordNotChecked",
            f"{host} let {secret.username} in without asking for a password: the login proves nothing",
        )
    return ACCEPTED
