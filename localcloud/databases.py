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
import time
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


def account_admin(dsn: str) -> AccountAdmin:
    scheme = urlsplit(dsn).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresAdmin(dsn)
    if scheme in ("mysql", "mariadb"):
        return MariaDbAdmin(dsn)
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


def logs_in(engine: str, port: int, username: str, password: str, tls: bool = False) -> bool:
    """The test's own check, apart from the library's probe: does the server accept this password?"""
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
