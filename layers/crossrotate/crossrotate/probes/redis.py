"""Redis logins, written by hand: ``AUTH`` and ``PING`` in RESP (the Redis serialization protocol), no client.

Why by hand: redis-py, the one well-kept pure-Python client, is 733 KB zipped (redis 8.2.0's wheel, 3.26 MB
unpacked), and the layer's budget is 2.5 MB zipped, of which it already holds 2.40 MB; the other clients are
larger (coredis), asynchronous, or unmaintained, and hiredis is a parser in C, not a client. A login needs two
commands and their one-line answers: this module is the whole of it.

Which ``AUTH`` (the secret's ``redis_auth``, a field of each Redis provider, its default the form the provider
documents; the default account always authenticates with its password alone, ``AUTH <password>``):

- ``acl``: ``AUTH <username> <password>``, Redis 6's ACL form (a Redis of one's own; a cloud instance reached
  directly, without the provider's proxy);
- ``user@password``: ``AUTH <username>@<password>``, one argument, as TencentDB for Redis's proxy takes a custom
  account (it tries the whole argument as the default account's password first, then splits it at the first
  ``@``); its default account is listed as ``root``;
- ``user:password``: ``AUTH <username>:<password>``, as Tair's (ApsaraDB for Redis) proxy takes a custom account;
  its default account is named after the instance (``r-…``) or ``default``.

TLS: Redis has no in-protocol negotiation, so under ``require`` and ``verify-full`` the connection is TLS from
its first byte (a provider's port turns TLS-only when SSL is on), and under ``disable`` it is plain TCP. ``AUTH``
always carries the password itself: Redis has no challenge-response. Under ``require`` (the certificate is not
verified) it therefore goes to whoever answered the TLS connection, as MySQL's full ``caching_sha2_password``
authentication does; only ``verify-full`` makes sure that is the database (docs/secret-format.md).

Answers: ``+OK`` to AUTH, then ``+PONG`` to PING (or ``-NOPERM``: an account that may not PING is still logged in)
is accepted; ``-WRONGPASS`` or ``-ERR invalid password`` is the wrong password; a server whose default user has
no password (``nopass``, or Redis before 6 without ``requirepass``) says so, and such a login proves nothing
(``Database.PasswordNotChecked``); any other answer, bytes that are not RESP, a closed or silent connection, a
failed TLS handshake is ``Database.Unreachable``. A custom account without a password (``nopass``) accepts any
password, and nothing on the wire tells: the providers' own custom accounts always have one.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from typing import BinaryIO

from ..ports import ACCEPTED, WRONG_PASSWORD, Login
from ..secret import DatabaseSecret

MAX_LINE = 4096
"""The longest answer line read: a status or an error; anything longer is not Redis answering AUTH or PING."""
WRONG_PASSWORD_ANSWERS = ("WRONGPASS", "ERR INVALID PASSWORD", "ERR INVALID USERNAME-PASSWORD PAIR")
"""Redis 6+ (``WRONGPASS invalid username-password pair or user is disabled.``), Redis before 6 and proxies
(``ERR invalid password``), in upper case."""
NO_PASSWORD_ANSWERS = ("WITHOUT ANY PASSWORD CONFIGURED", "NO PASSWORD IS SET")
"""Redis 6+ (``ERR AUTH <password> called without any password configured for the default user``) and Redis before
6 (``ERR Client sent AUTH, but no password is set``): the server checks no password at all."""


def _acl(secret: DatabaseSecret) -> tuple[str, ...]:
    return (secret.username, secret.password)


AuthArguments = Callable[[DatabaseSecret], tuple[str, ...]]


def _joined(separator: str, default_account: Callable[[DatabaseSecret], bool]) -> AuthArguments:
    """One argument, the account's name and password joined; the password alone for the default account."""

    def arguments(secret: DatabaseSecret) -> tuple[str, ...]:
        if default_account(secret):
            return (secret.password,)
        return (f"{secret.username}{separator}{secret.password}",)

    return arguments


AUTH_FORMS: dict[str, AuthArguments] = {
    "acl": _acl,
    "user@password": _joined("@", lambda secret: secret.username == "root"),
    "user:password": _joined(":", lambda secret: secret.username in ("default", secret.instance_id)),
}
"""The secret's ``redis_auth`` -> AUTH's arguments for its account (see the module's docstring)."""


def command(*arguments: str) -> bytes:
    """One command as RESP: an array of bulk strings."""
    encoded = [argument.encode() for argument in arguments]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded)


class NotRedis(Exception):
    """The answer is not a RESP status or error line (or the connection ended before one)."""


def answer(reader: BinaryIO) -> tuple[bool, str]:
    """The next answer line: (True, status) for ``+…``, (False, error) for ``-…``; :class:`NotRedis` otherwise."""
    line = reader.readline(MAX_LINE)
    if len(line) < 3 or not line.endswith(b"\r\n") or line[:1] not in (b"+", b"-"):
        raise NotRedis
    return line[:1] == b"+", line[1:-2].decode("utf-8", "replace")


def _refusal(host: str, error: str) -> Login:
    """What an error answer to AUTH means."""
    upper = error.upper()
    if upper.startswith(WRONG_PASSWORD_ANSWERS):
        return WRONG_PASSWORD
    if any(part in upper for part in NO_PASSWORD_ANSWERS):
        return Login(
            False,
            "Database.PasswordNotChecked",
            f"{host} checks no password (its default user has none): the login proves nothing",
        )
    return Login(False, "Database.Unreachable", f"{host} failed the login ({error.split(' ', 1)[0][:16]})")


def log_in(secret: DatabaseSecret, port: int, context: ssl.SSLContext | None, timeout: float) -> Login:
    host = secret.host or ""
    unreachable = Login(False, "Database.Unreachable", f"cannot reach {host}:{port}")
    arguments = AUTH_FORMS.get(secret.options.get("redis_auth", "acl"), _acl)(secret)
    try:
        sock: socket.socket = socket.create_connection((host, port), timeout)
    except OSError:
        return unreachable
    try:
        if context is not None:
            sock = context.wrap_socket(sock, server_hostname=host)
        with sock.makefile("rb") as reader:
            sock.sendall(command("AUTH", *arguments))
            accepted, text = answer(reader)
            if not accepted:
                return _refusal(host, text)
            sock.sendall(command("PING"))
            accepted, text = answer(reader)
        if not accepted and not text.upper().startswith("NOPERM"):
            return Login(False, "Database.Unreachable", f"{host} failed the login ({text.split(' ', 1)[0][:16]})")
        return ACCEPTED
    except ssl.SSLCertVerificationError:
        return Login(False, "Database.UntrustedCertificate", f"{host}'s certificate is not trusted")
    except Exception:  # noqa: BLE001 - any byte the server sends must end in a classified answer
        # A connection lost or timed out, a TLS failure, or an answer that is not RESP (NotRedis, a decoding
        # error): the login failed, not the step.
        return unreachable
    finally:
        sock.close()
