"""PostgreSQL logins through pg8000 (pure Python: small layer, no libpq)."""

from __future__ import annotations

import ssl

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from ..ports import ACCEPTED, WRONG_PASSWORD, Login
from ..secret import DatabaseSecret

WRONG_PASSWORD_CODES = {"28P01"}  # invalid_password
REFUSED = {"28000"}  # invalid_authorization_specification: pg_hba.conf has no entry (host, user, TLS)


def log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> Login:
    try:
        connection = pg8000.native.Connection(
            user=secret.username,
            password=secret.password,
            host=secret.host,
            port=port,
            database=secret.dbname or "postgres",
            ssl_context=context if context is not None else False,  # None would mean "try TLS, fall back"
            timeout=timeout,
        )
    except DatabaseError as error:
        code = error.args[0].get("C") if error.args and isinstance(error.args[0], dict) else None
        if code in WRONG_PASSWORD_CODES:
            return WRONG_PASSWORD
        if code in REFUSED:
            return Login(False, "Database.AccessRejected", f"{secret.host} refused the login ({code})")
        return Login(False, "Database.Unreachable", f"{secret.host} failed the login ({code})")
    except InterfaceError as error:
        if "refuses SSL" in str(error):
            return Login(False, "Database.TlsUnavailable", f"{secret.host} does not offer TLS")
        return Login(False, "Database.Unreachable", f"cannot reach {secret.host}:{port}")
    except ssl.SSLCertVerificationError:
        return Login(False, "Database.UntrustedCertificate", f"{secret.host}'s certificate is not trusted")
    except (OSError, ssl.SSLError):
        return Login(False, "Database.Unreachable", f"cannot reach {secret.host}:{port}")
    connection.close()
    return ACCEPTED
