"""PostgreSQL logins through pg8000 (pure Python: small layer, no libpq)."""

from __future__ import annotations

import ssl

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from ..errors import FatalRotationError, RetryableRotationError
from ..secret import DatabaseSecret

WRONG_PASSWORD = {"28P01"}  # invalid_password
REFUSED = {"28000"}  # invalid_authorization_specification: pg_hba.conf has no entry (host, user, TLS)


def can_log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> bool:
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
        if code in WRONG_PASSWORD:
            return False
        if code in REFUSED:
            raise FatalRotationError("Database.AccessRejected", f"{secret.host} refused the login ({code})") from None
        raise RetryableRotationError("Database.Unreachable", f"{secret.host} failed the login ({code})") from None
    except InterfaceError as error:
        if "refuses SSL" in str(error):
            raise FatalRotationError("Database.TlsUnavailable", f"{secret.host} does not offer TLS") from None
        raise RetryableRotationError("Database.Unreachable", f"cannot reach {secret.host}:{port}") from None
    except ssl.SSLCertVerificationError:
        raise FatalRotationError(
            "Database.UntrustedCertificate", f"{secret.host}'s certificate is not trusted"
        ) from None
    except (OSError, ssl.SSLError):
        raise RetryableRotationError("Database.Unreachable", f"cannot reach {secret.host}:{port}") from None
    connection.close()
    return True
