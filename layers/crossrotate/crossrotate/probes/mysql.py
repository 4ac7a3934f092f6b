"""MySQL and MariaDB logins through PyMySQL (pure Python: small layer, no libmysqlclient)."""

from __future__ import annotations

import ssl

import pymysql
from pymysql.err import MySQLError, OperationalError

from ..errors import caused_by
from ..ports import ACCEPTED, WRONG_PASSWORD, Login
from ..secret import DatabaseSecret

WRONG_PASSWORD_CODES = {1045}  # ER_ACCESS_DENIED_ERROR
REFUSED = {1130, 3159}  # host not allowed; secure transport required
UNREACHABLE = {2002, 2003, 2006, 2013}  # cannot connect, server gone, lost connection


def log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> Login:
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
            return Login(False, "Database.UntrustedCertificate", f"{secret.host}'s certificate is not trusted")
        code = error.args[0] if error.args else None
        if code in WRONG_PASSWORD_CODES:
            return WRONG_PASSWORD
        if code in REFUSED:
            return Login(False, "Database.AccessRejected", f"{secret.host} refused the login ({code})")
        if code in UNREACHABLE:
            return Login(False, "Database.Unreachable", f"cannot reach {secret.host}:{port}")
        return Login(False, "Database.Unreachable", f"{secret.host} failed the login ({code})")
    except (MySQLError, OSError, ssl.SSLError):
        return Login(False, "Database.Unreachable", f"cannot reach {secret.host}:{port}")
    connection.close()
    return ACCEPTED
