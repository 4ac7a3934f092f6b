"""TLS an operator can verify, against real PostgreSQL and MariaDB servers with certificates made here: a trusted
certificate for the host name (``verify-full`` with the secret's ``tls_ca`` passes), an untrusted one and one for
another host name (refused, before any reset), no TLS at all (refused under ``require``, before any reset), and a
PostgreSQL server that asks for the password in clear text (refused under ``require``, where the certificate is
not verified; allowed under ``verify-full``). Every refusal is fatal and comes from setSecret's login check, so
no password changes; ``verify`` says when a login is not verified.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from conftest import AccountSetup, VirtualClock, step, verify

from crossrotate.errors import FatalRotationError
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import SecretsManagerDriver
from localcloud.databases import (
    CERTIFIED_HOST,
    DatabaseMissing,
    MariaDbServer,
    PostgresAdmin,
    PostgresServer,
    logs_in,
)
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

Server = PostgresServer | MariaDbServer


@pytest.fixture(scope="module")
def plain_servers(test_ca: trustme.CA) -> Iterator[dict[str, Server]]:
    """A PostgreSQL and a MariaDB server that offer no TLS at all."""
    try:
        servers: dict[str, Server] = {
            "postgres": PostgresServer(test_ca, tls=False).start(),
            "mysql": MariaDbServer(test_ca, tls=False).start(),
        }
    except DatabaseMissing as missing:
        pytest.skip(str(missing))
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def accounts(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    postgres_server: PostgresServer,
    mariadb_server: MariaDbServer,
) -> dict[str, tuple[AccountSetup, Any, Server]]:
    """Per engine: a secret, its provider emulator and the real server behind its account."""
    return {
        "postgres": (tencent_secret, tencent, postgres_server),
        "mysql": (alibaba_secret, alibaba, mariadb_server),
    }


def point_at(driver: SecretsManagerDriver, setup: AccountSetup, emulator: Any, server: Server, **keys: Any) -> None:
    """Back the account with ``server`` (its account created there) and point the secret at it."""
    emulator.back_with_database(setup.instance_id, setup.username, setup.old_password, server.admin_dsn)
    engine = "postgres" if isinstance(server, PostgresServer) else "mysql"
    document = {**driver.value(setup.secret_id), "host": CERTIFIED_HOST, "port": server.port, "engine": engine}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps({**document, **keys}))


def refused_before_reset(driver: SecretsManagerDriver, setup: AccountSetup, emulator: Any, clock: VirtualClock) -> str:
    """setSecret's code when its login check refuses; the provider was never asked to reset."""
    rotation = driver.start_rotation(setup.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert emulator.calls_of("ResetAccountPassword") == []
    assert emulator.password_of(setup.instance_id, setup.username) == setup.old_password
    return raised.value.code


ENGINES = ["postgres", "mysql"]


@pytest.mark.parametrize("engine", ENGINES)
def test_verify_full_with_the_secrets_own_ca_rotates_and_verifies_as_verified(
    engine: str,
    accounts: dict[str, tuple[AccountSetup, Any, Server]],
    driver: SecretsManagerDriver,
    test_ca: trustme.CA,
) -> None:
    setup, emulator, server = accounts[engine]
    point_at(driver, setup, emulator, server, tls="verify-full", tls_ca=test_ca.cert_pem.bytes().decode())
    driver.rotate(setup.secret_id)
    assert logs_in(engine, server.port, setup.username, driver.value(setup.secret_id)["password"], tls=True)
    result = verify(setup.secret_id)
    assert result["outcome"] == "verified"
    assert "not verified" not in result["message"]


@pytest.mark.parametrize("engine", ENGINES)
def test_verify_says_when_a_login_is_not_verified(
    engine: str, accounts: dict[str, tuple[AccountSetup, Any, Server]], driver: SecretsManagerDriver
) -> None:
    setup, emulator, server = accounts[engine]
    point_at(driver, setup, emulator, server)  # tls: require, the default
    result = verify(setup.secret_id)
    assert result["outcome"] == "verified"
    assert "not verified (tls: require)" in result["message"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_untrusted_certificate_is_refused_before_the_reset(
    engine: str,
    accounts: dict[str, tuple[AccountSetup, Any, Server]],
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    setup, emulator, server = accounts[engine]
    other_ca = trustme.CA()  # the server's certificate is not from this one
    point_at(driver, setup, emulator, server, tls="verify-full", tls_ca=other_ca.cert_pem.bytes().decode())
    assert refused_before_reset(driver, setup, emulator, clock) == "Database.UntrustedCertificate"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_certificate_for_another_host_name_is_refused_before_the_reset(
    engine: str,
    accounts: dict[str, tuple[AccountSetup, Any, Server]],
    driver: SecretsManagerDriver,
    test_ca: trustme.CA,
    clock: VirtualClock,
) -> None:
    setup, emulator, server = accounts[engine]
    trusted = test_ca.cert_pem.bytes().decode()
    point_at(driver, setup, emulator, server, tls="verify-full", tls_ca=trusted, host="127.0.0.1")
    assert refused_before_reset(driver, setup, emulator, clock) == "Database.UntrustedCertificate"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_server_without_tls_is_refused_before_the_reset(
    engine: str,
    accounts: dict[str, tuple[AccountSetup, Any, Server]],
    plain_servers: dict[str, Server],
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    """MySQL's no-TLS answer (PyMySQL's 2026) once fell through to Database.Unreachable, retryable: the reset went
    ahead and testSecret could never log in."""
    setup, emulator, _ = accounts[engine]
    point_at(driver, setup, emulator, plain_servers[engine])
    assert refused_before_reset(driver, setup, emulator, clock) == "Database.TlsUnavailable"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_server_without_tls_rotates_with_tls_disable(
    engine: str,
    accounts: dict[str, tuple[AccountSetup, Any, Server]],
    plain_servers: dict[str, Server],
    driver: SecretsManagerDriver,
) -> None:
    setup, emulator, _ = accounts[engine]
    point_at(driver, setup, emulator, plain_servers[engine], tls="disable")
    driver.rotate(setup.secret_id)
    assert logs_in(engine, plain_servers[engine].port, setup.username, driver.value(setup.secret_id)["password"])


@pytest.fixture
def cleartext_account(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    postgres_server: PostgresServer,
) -> AccountSetup:
    """A PostgreSQL account the server asks for its password in clear text (pg_hba ``password``)."""
    point_at(driver, tencent_secret, tencent, postgres_server)
    PostgresAdmin(postgres_server.admin_dsn).ask_in_clear_text(tencent_secret.username)
    return tencent_secret


def test_a_postgres_server_asking_for_a_cleartext_password_is_refused_under_require(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    cleartext_account: AccountSetup,
    postgres_server: PostgresServer,
    clock: VirtualClock,
) -> None:
    """Under require the certificate is not verified: whoever answered would receive the pending password."""
    setup = cleartext_account
    assert refused_before_reset(driver, setup, tencent, clock) == "Database.CleartextRefused"


def test_a_postgres_server_asking_for_a_cleartext_password_is_answered_under_verify_full(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    cleartext_account: AccountSetup,
    postgres_server: PostgresServer,
    test_ca: trustme.CA,
) -> None:
    setup = cleartext_account
    document = {**driver.value(setup.secret_id), "tls": "verify-full", "tls_ca": test_ca.cert_pem.bytes().decode()}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))
    driver.rotate(setup.secret_id)
    new_password = driver.value(setup.secret_id)["password"]
    assert logs_in("postgres", postgres_server.port, setup.username, new_password, tls=True)
