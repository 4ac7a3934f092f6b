"""Real database servers for the tests, and what an emulator needs to change a password on one.

:class:`PostgresServer` and :class:`MariaDbServer` start a throwaway server in a temporary directory on a free
loopback port, with TLS from a test CA (``trustme``), and stop it afterwards. initdb and mariadbd refuse to run
as root the usual way, so as root PostgreSQL runs as the ``postgres`` user and MariaDB with ``--user=root``.

:func:`account_admin` turns an admin DSN (``postgresql://…`` or ``mysql://…``) into the two operations a
provider emulator performs: create an account, and set its password (``ALTER ROLE`` / ``ALTER USER``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import pg8000.native
import pymysql
import trustme


class DatabaseMissing(RuntimeError):
    """The server binaries are not installed on this machine."""


class AccountAdmin(Protocol):
    def create_account(self, name: str, password: str) -> None: ...

    def set_password(self, name: str, password: str) -> None: ...

    def grant_read(self, name: str) -> None:
        """Let the account read everything: the same grant for both accounts of a dual-account secret."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def login_of(dsn: str, default_user: str, default_port: int) -> dict[str, Any]:
    """The user, password, host and port an admin DSN names, the engine's defaults for what it leaves out."""
    parts = urlsplit(dsn)
    return {
        "user": unquote(parts.username or default_user),
        "password": unquote(parts.password or ""),
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or default_port,
    }


class PostgresAdmin:
    def __init__(self, dsn: str) -> None:
        database = urlsplit(dsn).path.lstrip("/") or "postgres"
        self.options = {**login_of(dsn, "", 5432), "database": database, "ssl_context": False}

    def _run(self, statement: str) -> None:
        connection = pg8000.native.Connection(**self.options)
        try:
            connection.run(statement)
        finally:
            connection.close()

    def create_account(self, name: str, password: str) -> None:
        self._run(f"CREATE ROLE {pg8000.native.identifier(name)} LOGIN PASSWORD {pg8000.native.literal(password)}")

    def set_password(self, name: str, password: str) -> None:
        self._run(f"ALTER ROLE {pg8000.native.identifier(name)} PASSWORD {pg8000.native.literal(password)}")

    def grant_read(self, name: str) -> None:
        self._run(f"GRANT pg_read_all_data TO {pg8000.native.identifier(name)}")  # membership of one role

    def ask_in_clear_text(self, name: str) -> None:
        """From now on the server asks ``name`` for its password in clear text (pg_hba ``password``)."""
        self._run(f"GRANT {CLEARTEXT_GROUP} TO {pg8000.native.identifier(name)}")


class MariaDbAdmin:
    def __init__(self, dsn: str) -> None:
        self.options = {**login_of(dsn, "root", 3306), "ssl_disabled": True}

    def _run(self, statement: str, *args: str) -> None:
        connection = pymysql.connect(**self.options)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, args)
            connection.commit()
        finally:
            connection.close()

    def create_account(self, name: str, password: str) -> None:
        self._run("CREATE USER %s@'%%' IDENTIFIED BY %s", name, password)

    def set_password(self, name: str, password: str) -> None:
        self._run("ALTER USER %s@'%%' IDENTIFIED BY %s", name, password)

    def grant_read(self, name: str) -> None:
        self._run("GRANT SELECT ON *.* TO %s@'%%'", name)

    def require_tls(self, name: str) -> None:
        self._run("ALTER USER %s@'%%' REQUIRE SSL", name)


class RedisReplyError(RuntimeError):
    """Redis answered a command with an error (``-ERR …``)."""


def redis_command(*arguments: str | bytes) -> bytes:
    """One command in RESP: an array of bulk strings."""
    parts = [argument.encode() if isinstance(argument, str) else argument for argument in arguments]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)


def read_redis_reply(reader: Any) -> bytes:
    """The raw bytes of one whole RESP2 reply (arrays and bulk strings included); ``ConnectionError`` when the
    connection ends first or the bytes are not RESP."""
    line: bytes = reader.readline(1 << 20)
    if not line.endswith(b"\r\n") or line[:1] not in (b"+", b"-", b":", b"$", b"*"):
        raise ConnectionError("not a RESP reply")
    size = int(line[1:-2]) if line[:1] in (b"$", b"*") else -1
    if line[:1] == b"$" and size >= 0:
        data: bytes = reader.read(size + 2)
        return line + data
    if line[:1] == b"*" and size > 0:
        return line + b"".join(read_redis_reply(reader) for _ in range(size))
    return line


UNVERIFIED = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
"""TLS without verification, for the tests' own checks (made once: a default context reads the trust store)."""
UNVERIFIED.check_hostname, UNVERIFIED.verify_mode = False, ssl.CERT_NONE


def redis_session(
    port: int, commands: Sequence[Sequence[str]], tls: bool = False, host: str = "127.0.0.1"
) -> list[bytes]:
    """Send ``commands`` in order on one connection (TLS unverified with ``tls``) and return each raw reply."""
    sock = socket.create_connection((host, port), timeout=10)
    if tls:
        sock = UNVERIFIED.wrap_socket(sock)
    with sock, sock.makefile("rb") as reader:
        replies = []
        for arguments in commands:
            sock.sendall(redis_command(*arguments))
            replies.append(read_redis_reply(reader))
        return replies


class RedisAdmin:
    """ACL users on a Redis server, through its admin DSN (``redis://admin:<password>@127.0.0.1:<port>``)."""

    def __init__(self, dsn: str) -> None:
        self.login = login_of(dsn, "default", 6379)

    def run(self, *arguments: str) -> bytes:
        login = self.login
        auth, reply = redis_session(
            login["port"], [("AUTH", login["user"], login["password"]), arguments], host=login["host"]
        )
        for answer in (auth, reply):
            if answer.startswith(b"-"):
                raise RedisReplyError(answer[1:].decode().strip())
        return reply

    def create_account(self, name: str, password: str) -> None:
        self.run("ACL", "SETUSER", name, "reset", "on", f">{password}", "~*", "&*", "+@all")

    def set_password(self, name: str, password: str) -> None:
        self.run("ACL", "SETUSER", name, "resetpass", f">{password}")

    def grant_read(self, name: str) -> None:
        self.run("ACL", "SETUSER", name, "-@all", "+@read", "+ping", "~*")

    def without_password(self, name: str) -> None:
        """The account takes any password (``nopass``), as a password-free instance's default account does."""
        self.run("ACL", "SETUSER", name, "nopass")


class DefaultUserAdmin:
    """The server's ``default`` user in place of every account named: a provider's default account (TencentDB's
    ``root``, Tair's ``r-…``) is the one clients log in to with ``AUTH <password>``."""

    def __init__(self, admin: RedisAdmin) -> None:
        self.admin = admin

    def create_account(self, name: str, password: str) -> None:
        self.admin.run("ACL", "SETUSER", "default", "on", "resetpass", f">{password}")

    def set_password(self, name: str, password: str) -> None:
        self.admin.set_password("default", password)

    def grant_read(self, name: str) -> None:
        self.admin.grant_read("default")


def account_admin(dsn: str) -> AccountAdmin:
    scheme = urlsplit(dsn).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresAdmin(dsn)
    if scheme in ("mysql", "mariadb"):
        return MariaDbAdmin(dsn)
    if scheme == "redis":
        return RedisAdmin(dsn)
    raise ValueError(f"no admin for {scheme} DSNs")


def _as_root() -> bool:
    return os.geteuid() == 0


CERTIFIED_HOST = "localhost"
"""The one name the servers' certificates carry: ``verify-full`` to ``localhost`` passes, to ``127.0.0.1`` it meets a
certificate for another host."""
CLEARTEXT_GROUP = "cleartext"
"""PostgreSQL accounts in this role are asked for their password in clear text (pg_hba ``password``)."""


class ThrowawayServer:
    """What each test database server has of its own: a temporary directory (removed by :meth:`stop`), a free
    loopback port, an admin password, and TLS from the test CA unless ``tls`` is False."""

    def __init__(self, ca: trustme.CA, tls: bool, directory_prefix: str) -> None:
        self.ca = ca
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix=directory_prefix))
        self.port = free_port()
        self.admin_password = "admin-" + os.urandom(8).hex()

    def stop(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresServer(ThrowawayServer):
    """A PostgreSQL cluster of its own: initdb, TLS on (unless ``tls`` is False), scram-sha-256 on loopback, but the
    ``password`` method (clear text) for members of :data:`CLEARTEXT_GROUP`."""

    def __init__(self, ca: trustme.CA, tls: bool = True) -> None:
        super().__init__(ca, tls, "crossrotate-pg-")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise DatabaseMissing("PostgreSQL server binaries not found: `make databases` installs them")
        self.bin = Path(found[-1]).parent

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if _as_root() else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        data = self.root / "data"
        (self.root / "pw").write_text(self.admin_password)
        cert = self.ca.issue_cert(CERTIFIED_HOST)
        if _as_root():
            shutil.chown(self.root, "postgres")
            shutil.chown(self.root / "pw", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "admin", "-A", "scram-sha-256",
                  f"--pwfile={self.root / 'pw'}", "--no-sync")  # fmt: skip
        cert.private_key_pem.write_to_path(str(data / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(data / "server.crt"))
        os.chmod(data / "server.key", 0o600)
        if _as_root():
            for name in ("server.key", "server.crt"):
                shutil.chown(data / name, "postgres")
        (data / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            f"host all +{CLEARTEXT_GROUP} 127.0.0.1/32 password\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c ssl={'on' if self.tls else 'off'} "
                   "-c fsync=off -c ssl_cert_file=server.crt -c ssl_key_file=server.key")  # fmt: skip
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        PostgresAdmin(self.admin_dsn)._run(f"CREATE ROLE {CLEARTEXT_GROUP} NOLOGIN")
        return self

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://admin:{self.admin_password}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        super().stop()


class MariaDbServer(ThrowawayServer):
    """A MariaDB server of its own: mariadb-install-db, TLS on (unless ``tls`` is False), listening on loopback."""

    def __init__(self, ca: trustme.CA, tls: bool = True) -> None:
        super().__init__(ca, tls, "crossrotate-maria-")
        self.daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        if not Path(self.daemon).exists():
            raise DatabaseMissing("MariaDB server not found: `make databases` installs it")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MariaDbServer:
        data, user = self.root / "data", ("root" if _as_root() else os.environ.get("USER", "root"))
        cert = self.ca.issue_cert(CERTIFIED_HOST)
        cert.private_key_pem.write_to_path(str(self.root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(self.root / "server.crt"))
        self.ca.cert_pem.write_to_path(str(self.root / "ca.crt"))
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", f"--user={user}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        self.process = subprocess.Popen(
            [self.daemon, "--no-defaults", f"--datadir={data}", f"--socket={self.root / 'sock'}",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--pid-file={self.root / 'pid'}", f"--user={user}",
             *self._tls_options(), "--skip-log-bin", "--innodb-buffer-pool-size=16M",
             f"--log-error={self.root / 'error.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not (self.root / "sock").exists():  # failed connects would leak PyMySQL's sockets: wait for the file
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError((self.root / "error.log").read_text())
            time.sleep(0.1)
        connection = pymysql.connect(unix_socket=str(self.root / "sock"), user="root")
        with connection.cursor() as cursor:
            cursor.execute("CREATE USER 'admin'@'%%' IDENTIFIED BY %s", (self.admin_password,))
            cursor.execute("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION")
        connection.commit()
        connection.close()
        return self

    def _tls_options(self) -> list[str]:
        if not self.tls:
            return ["--skip-ssl"]
        return [f"--ssl-cert={self.root / 'server.crt'}", f"--ssl-key={self.root / 'server.key'}",
                f"--ssl-ca={self.root / 'ca.crt'}"]  # fmt: skip

    @property
    def admin_dsn(self) -> str:
        return f"mysql://admin:{self.admin_password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
        super().stop()


def read_redis_command(reader: Any) -> list[bytes] | None:
    """The next command a client sends (an array of bulk strings, or an inline command); None at the end."""
    line = reader.readline(1 << 16)
    if not line:
        return None
    if not line.endswith(b"\r\n"):
        raise ConnectionError("not a RESP command")
    if line[:1] != b"*":
        return list(line.split())
    arguments = []
    for _ in range(int(line[1:-2])):
        header = reader.readline(1 << 16)
        if header[:1] != b"$":
            raise ConnectionError("not a RESP command")
        arguments.append(reader.read(int(header[1:-2]) + 2)[:-2])
    return arguments


class RedisProxy:
    """What a cloud's Redis proxy is to a client, in front of a real redis-server's plain port: one port for TLS
    (when the client opens with a TLS handshake, ended here with a certificate from the test CA) and plain TCP,
    and the single-argument ``AUTH`` of a custom account: the whole argument tried as the default user's password
    first, then split at the first of its ``separators`` into name and password (TencentDB for Redis documents
    ``name@password``, Tair ``name:password``). Every other command goes through as it is, one at a time."""

    def __init__(self, backend_port: int, cert: trustme.LeafCert | None, separators: str = "@:") -> None:
        self.backend_port = backend_port
        self.separators = separators
        self.tls: ssl.SSLContext | None = None
        if cert is not None:
            self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(self.tls)
        self.listener = socket.socket()
        self.port = 0

    def start(self, port: int = 0) -> RedisProxy:
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        client = connection
        try:
            connection.settimeout(30)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if connection.recv(1, socket.MSG_PEEK) == b"\x16" and self.tls is not None:
                client = self.tls.wrap_socket(connection, server_side=True)
            backend = socket.create_connection(("127.0.0.1", self.backend_port), 10)
            backend.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with backend, client.makefile("rb") as from_client, backend.makefile("rb") as from_backend:
                while (arguments := read_redis_command(from_client)) is not None:
                    if len(arguments) == 2 and arguments[0].upper() == b"AUTH":
                        reply = self._auth(arguments[1], backend, from_backend)
                    else:
                        backend.sendall(redis_command(*arguments))
                        reply = read_redis_reply(from_backend)
                    client.sendall(reply)
        except (OSError, ValueError):  # the client went away, or sent what no client sends: close
            pass
        finally:
            client.close()  # the TLS socket, when TLS took the connection over
            connection.close()

    def _auth(self, whole: bytes, backend: socket.socket, replies: Any) -> bytes:
        backend.sendall(redis_command("AUTH", whole))
        reply = read_redis_reply(replies)
        for separator in self.separators.encode():
            name, found, password = whole.partition(bytes([separator]))
            if reply.startswith(b"+") or not found:
                continue
            backend.sendall(redis_command("AUTH", name, password))
            reply = read_redis_reply(replies)
        return reply


class RedisServer(ThrowawayServer):
    """A redis-server of its own, ACL users ``admin`` and ``default`` (a random password: nothing logs in without
    one), plain TCP on :attr:`plain_port` and TLS on :attr:`tls_port` (unless ``tls`` is False), and in front of
    it, on :attr:`port`, a :class:`RedisProxy` as the clouds put there: TLS and plain on one port, and their
    ``AUTH name@password`` / ``AUTH name:password``."""

    def __init__(self, ca: trustme.CA, tls: bool = True) -> None:
        super().__init__(ca, tls, "crossrotate-redis-")
        self.daemon = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.daemon).exists():
            raise DatabaseMissing("redis-server not found: `make databases` installs it")
        self.plain_port, self.tls_port = free_port(), free_port()
        self.default_password = "default-" + os.urandom(8).hex()
        self.process: subprocess.Popen[bytes] | None = None
        self.proxy: RedisProxy | None = None

    def start(self) -> RedisServer:
        cert = self.ca.issue_cert(CERTIFIED_HOST)
        cert.private_key_pem.write_to_path(str(self.root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(self.root / "server.crt"))
        self.ca.cert_pem.write_to_path(str(self.root / "ca.crt"))
        lines = [
            f"port {self.plain_port}", "bind 127.0.0.1", f"dir {self.root}", 'save ""', "appendonly no",
            f"logfile {self.root / 'redis.log'}", f"pidfile {self.root / 'redis.pid'}",
            f"user admin on >{self.admin_password} ~* &* +@all",
            f"user default on >{self.default_password} ~* &* +@all",
        ]  # fmt: skip
        if self.tls:
            lines += [
                f"tls-port {self.tls_port}", f"tls-cert-file {self.root / 'server.crt'}",
                f"tls-key-file {self.root / 'server.key'}", f"tls-ca-cert-file {self.root / 'ca.crt'}",
                "tls-auth-clients no",
            ]  # fmt: skip
        (self.root / "redis.conf").write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(
            [self.daemon, str(self.root / "redis.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                RedisAdmin(self.admin_dsn).run("PING")
                break
            except OSError:
                log = self.root / "redis.log"
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(log.read_text() if log.exists() else "redis-server did not start") from None
                time.sleep(0.05)
        self.proxy = RedisProxy(self.plain_port, cert if self.tls else None).start(self.port)
        return self

    @property
    def admin_dsn(self) -> str:
        return f"redis://admin:{self.admin_password}@127.0.0.1:{self.plain_port}"

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
        super().stop()


def redis_logs_in(port: int, arguments: Sequence[str], tls: bool = False) -> bool:
    """Whether ``AUTH <arguments>`` then ``PING`` on ``port`` are accepted (an account that may not PING is in)."""
    try:
        auth, ping = redis_session(port, [("AUTH", *arguments), ("PING",)], tls=tls)
    except (OSError, ValueError):
        return False
    return auth.startswith(b"+") and (ping.startswith(b"+") or ping.startswith(b"-NOPERM"))


def logs_in(engine: str, port: int, username: str, password: str, tls: bool = False) -> bool:
    """The test's own check, apart from the library's probe: does the server accept this password? (Redis: the ACL
    form, ``AUTH <username> <password>``; the ``default`` user is a provider's default account.)"""
    if engine == "redis":
        return redis_logs_in(port, (username, password), tls)
    context = None
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        if engine == "postgres":
            pg8000.native.Connection(
                user=username, password=password, host="127.0.0.1", port=port, database="postgres",
                ssl_context=context or False,
            ).close()  # fmt: skip
        else:
            pymysql.connect(
                host="127.0.0.1", port=port, user=username, password=password, ssl=context, ssl_disabled=not tls
            ).close()
    except (pg8000.exceptions.DatabaseError, pymysql.err.OperationalError):
        return False
    return True
