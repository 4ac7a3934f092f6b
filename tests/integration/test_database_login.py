"""Rotations that change what a real database accepts: TencentDB → PostgreSQL, ApsaraDB RDS → MariaDB.

The emulators apply each accepted reset with ALTER ROLE / ALTER USER on servers the tests start themselves, and
testSecret proves the new password by logging in (TLS by default)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from conftest import AccountSetup, VirtualClock, attach_database, cancel, step

from crossrotate.errors import FatalRotationError, RetryableRotationError
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import SecretsManagerDriver
from localcloud.databases import MariaDbAdmin, MariaDbServer, PostgresServer, account_admin, logs_in
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


@pytest.fixture
def tencent_on_postgres(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    postgres_server: PostgresServer,
) -> AccountSetup:
    attach_database(driver, tencent_secret, tencent, postgres_server)
    return tencent_secret


@pytest.fixture
def alibaba_on_mariadb(
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    mariadb_server: MariaDbServer,
) -> AccountSetup:
    attach_database(driver, alibaba_secret, alibaba, mariadb_server)
    return alibaba_secret


def test_a_tencent_rotation_changes_the_postgres_password(
    driver: SecretsManagerDriver, tencent_on_postgres: AccountSetup, postgres_server: PostgresServer
) -> None:
    setup = tencent_on_postgres
    assert logs_in("postgres", postgres_server.port, setup.username, setup.old_password)
    driver.rotate(setup.secret_id)
    new_password = driver.value(setup.secret_id)["password"]
    assert logs_in("postgres", postgres_server.port, setup.username, new_password)
    assert not logs_in("postgres", postgres_server.port, setup.username, setup.old_password)


def test_an_alibaba_rotation_changes_the_mariadb_password(
    driver: SecretsManagerDriver, alibaba_on_mariadb: AccountSetup, mariadb_server: MariaDbServer
) -> None:
    setup = alibaba_on_mariadb
    assert logs_in("mysql", mariadb_server.port, setup.username, setup.old_password)
    driver.rotate(setup.secret_id)
    new_password = driver.value(setup.secret_id)["password"]
    assert logs_in("mysql", mariadb_server.port, setup.username, new_password)
    assert not logs_in("mysql", mariadb_server.port, setup.username, setup.old_password)


class ReleasingClock(VirtualClock):
    """Virtual time whose every wait lets the emulator's late password changes reach the database: a late change
    arrives while a step waits, whatever the machine's speed."""

    def __init__(self, emulator: TencentPostgresEmulator) -> None:
        super().__init__()
        self.emulator = emulator
        self.released = 0

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.released += self.emulator.release_changes()


LATE = 600.0
"""A propagation delay no test waits out: the changes arrive when a ReleasingClock lets them."""


def test_test_secret_waits_for_a_password_that_reaches_the_database_late(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_on_postgres: AccountSetup,
    postgres_server: PostgresServer,
) -> None:
    """The provider says done at once, but the database gets the password late (a proxy, a replica): testSecret
    logs in until it works."""
    setup = tencent_on_postgres
    tencent.propagation_delay, tencent.reports_while_applying = LATE, False
    clock = ReleasingClock(tencent)
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    assert clock.released == 0  # setSecret did not wait: the provider listed the account as usable
    assert logs_in("postgres", postgres_server.port, setup.username, setup.old_password)
    step(rotation, "testSecret", clock)  # its first login fails, it waits, the change arrives, it logs in
    assert clock.released == 1
    assert clock.sleeps


def test_set_secret_waits_while_the_provider_lists_the_account_as_resetting(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_on_postgres: AccountSetup
) -> None:
    """The account shows "resetting password" until the database has the new password."""
    tencent.propagation_delay = LATE
    clock = ReleasingClock(tencent)
    rotation = driver.start_rotation(tencent_on_postgres.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    assert clock.released == 1
    assert len(tencent.calls_of("DescribeAccounts")) >= 2  # read again while it was still resetting


def test_test_secret_fails_retryably_when_the_password_never_arrives(
    driver: SecretsManagerDriver,
    tencent_on_postgres: AccountSetup,
    postgres_server: PostgresServer,
    clock: VirtualClock,
) -> None:
    setup = tencent_on_postgres
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    account_admin(postgres_server.admin_dsn).set_password(setup.username, setup.old_password)  # the change is lost
    with pytest.raises(RetryableRotationError) as raised:
        step(rotation, "testSecret", clock)
    assert raised.value.code == "LoginFailed"
    assert len(clock.sleeps) > 3


def test_set_secret_does_not_reset_a_password_that_already_logs_in(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_on_postgres: AccountSetup,
    postgres_server: PostgresServer,
    clock: VirtualClock,
) -> None:
    setup = tencent_on_postgres
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    pending = driver.value(setup.secret_id, "AWSPENDING")["password"]
    account_admin(postgres_server.admin_dsn).set_password(setup.username, pending)
    step(rotation, "setSecret", clock)
    assert tencent.calls_of("ResetAccountPassword") == []


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_tls_verify_full_trusts_only_the_configured_ca(
    engine: str,
    request: pytest.FixtureRequest,
    driver: SecretsManagerDriver,
    test_ca: trustme.CA,
    clock: VirtualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup: AccountSetup = request.getfixturevalue(
        "tencent_on_postgres" if engine == "postgres" else "alibaba_on_mariadb"
    )
    document = {**driver.value(setup.secret_id), "tls": "verify-full", "host": "localhost"}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    emulator = request.getfixturevalue("tencent" if engine == "postgres" else "alibaba")
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)  # its login check already knows testSecret cannot succeed
    assert raised.value.code == "Database.UntrustedCertificate"
    assert emulator.calls_of("ResetAccountPassword") == []
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("DATABASE_CA_BUNDLE", str(bundle))
    step(rotation, "setSecret", clock)
    step(rotation, "testSecret", clock)
    assert len(emulator.calls_of("ResetAccountPassword")) == 1


@pytest.mark.parametrize("fixture", ["tencent_on_postgres", "alibaba_on_mariadb"])
def test_tls_can_be_turned_off(fixture: str, request: pytest.FixtureRequest, driver: SecretsManagerDriver) -> None:
    setup: AccountSetup = request.getfixturevalue(fixture)
    document = {**driver.value(setup.secret_id), "tls": "disable"}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    driver.rotate(setup.secret_id)


SSL_REQUEST = b"\x00\x00\x00\x08\x04\xd2\x16\x2f"  # PostgreSQL's SSLRequest: length 8, code 80877103


@dataclass
class FirstBytes:
    port: int
    seen: list[bytes] = field(default_factory=list)


@pytest.fixture
def server_without_tls() -> Iterator[FirstBytes]:
    """A listener that records each client's first 8 bytes and answers an SSLRequest with 'N' (no TLS here)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = FirstBytes(listener.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                first = connection.recv(8)
                server.seen.append(first)
                if first == SSL_REQUEST:
                    connection.sendall(b"N")

    threading.Thread(target=serve, daemon=True).start()
    yield server
    listener.close()


def test_a_server_without_tls_is_a_fatal_configuration_error(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_on_postgres: AccountSetup,
    server_without_tls: FirstBytes,
    clock: VirtualClock,
) -> None:
    """setSecret's login check learns it first, and stops before the reset: no password changes."""
    setup = tencent_on_postgres
    document = {**driver.value(setup.secret_id), "port": server_without_tls.port}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "Database.TlsUnavailable"
    assert tencent.calls_of("ResetAccountPassword") == []
    assert tencent.password_of(setup.instance_id, setup.username) == setup.old_password


def test_tls_disable_never_asks_for_tls(
    driver: SecretsManagerDriver, tencent_on_postgres: AccountSetup, server_without_tls: FirstBytes, clock: VirtualClock
) -> None:
    """pg8000 treats "no context" as "try TLS, then fall back": disable must not even ask."""
    setup = tencent_on_postgres
    document = {**driver.value(setup.secret_id), "port": server_without_tls.port, "tls": "disable"}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    with pytest.raises(RetryableRotationError):
        step(rotation, "testSecret", clock)  # the listener is no database
    assert server_without_tls.seen
    assert SSL_REQUEST not in server_without_tls.seen


def test_tls_disable_really_connects_in_plain_to_mysql(
    driver: SecretsManagerDriver, alibaba_on_mariadb: AccountSetup, mariadb_server: MariaDbServer, clock: VirtualClock
) -> None:
    """A user that MariaDB admits only over TLS cannot log in with tls: disable (PyMySQL would otherwise try TLS)."""
    setup = alibaba_on_mariadb
    MariaDbAdmin(mariadb_server.admin_dsn).require_tls(setup.username)
    document = {**driver.value(setup.secret_id), "tls": "disable"}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    with pytest.raises(RetryableRotationError) as raised:
        step(rotation, "testSecret", clock)
    assert raised.value.code == "LoginFailed"
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps({**document, "tls": "require"}))
    assert cancel(setup.secret_id)["outcome"] == "cancelled"  # the account gets AWSCURRENT's password back
    assert logs_in("mysql", mariadb_server.port, setup.username, setup.old_password, tls=True)
    driver.rotate(setup.secret_id)


def test_an_unreachable_database_is_retryable(
    driver: SecretsManagerDriver, tencent_on_postgres: AccountSetup, clock: VirtualClock
) -> None:
    setup = tencent_on_postgres
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    document = {**driver.value(setup.secret_id), "port": port}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)  # the login check before the reset fails: it resets anyway
    with pytest.raises(RetryableRotationError) as raised:
        step(rotation, "testSecret", clock)
    assert raised.value.code == "Database.Unreachable"
