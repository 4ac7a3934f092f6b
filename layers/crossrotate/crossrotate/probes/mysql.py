"""MySQL and MariaDB logins through PyMySQL (pure Python: small layer, no libmysqlclient)."""

from __future__ import annotations

import ssl

import pymysql
from pymysql.err import MySQLError, OperationalError

from ..errors import FatalRotationError, RetryableRotationError, caused_by
from ..secret import DatabaseSecret

WRONG_PASSWORD = {1045}  # ER_ACCESS_DENIED_ERROR
REFUSED = {1130, 3159}  # host not allowed; secure transport required
UNREACHABLE = {2002, 2003, 2006, 2013}  # cannot connect, server gone, lost connection


def can_log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> bool:
    try:
        connection = pymysql.connect(
            host=secret.host,
            port=port,
            user=secret.username,
            password=secret.password,
            database=secret.dbname,
            ssl=context,
            ssl_disabled=context is None,  # otherwise PyMySQL would try TLS and fall back ("preferred")
            connect_timeout=timeout,
        )
    except OperationalError as error:
        if caused_by(error, ssl.SSLCertVerificationError):
            message = f"{secret.host}'s certificate is not trusted"
            raise FatalRotationError("Database.UntrustedCertificate", message) from None
        code = error.args[0] if error.args else None
        if code in WRONG_PASSWORD:
            return False
        if code in REFUSED:
            raise FatalRotationError("Database.AccessRejected", f"{secret.host} refused the login ({code})") from None
        if code in UNREACHABLE:
            raise RetryableRotationError("Database.Unreachable", f"cannot reach {secret.host}:{port}") from None
        raise RetryableRotationError("Database.Unreachable", f"{secret.host} failed the login ({code})") from None
    except (MySQLError, OSError, ssl.SSLError):
        raise RetryableRotationError("Database.Unreachable", f"cannot reach {secret.host}:{port}") from None
    connection.close()
    return True
