"""Shared fixtures: a local Secrets Manager for the session, a Tencent emulator per test, and a driver that
rotates through the real handler."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from crossrotate import runtime
from crossrotate.events import StepRequest
from crossrotate.protocol import run_step
from crossrotate.providers.http import close_shared_client
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import (
    LambdaContext,
    RecordingMotoServer,
    Rotation,
    SecretsManagerDriver,
    client,
    start_secrets_manager,
)
from localcloud.cloud import LocalCloud
from localcloud.databases import DatabaseMissing, MariaDbServer, PostgresServer, RedisServer
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


class LoggedLines:
    """The function's log lines written to stdout so far, as JSON objects (its metric lines left out)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.lines: list[dict[str, Any]] = []

    def __call__(self) -> list[dict[str, Any]]:
        for text in self.capsys.readouterr().out.splitlines():
            line = json.loads(text) if text.startswith("{") else {}
            if "level" in line and "_aws" not in line:
                self.lines.append(line)
        return self.lines


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str]) -> LoggedLines:
    return LoggedLines(capsys)


@pytest.fixture(scope="session")
def secrets_manager() -> Iterator[RecordingMotoServer]:
    server = start_secrets_manager()
    yield server
    server.stop()


@pytest.fixture
def sm(secrets_manager: None) -> Any:
    return client()


@dataclass
class ApiKey:
    secret_id: str = field(default_factory=lambda: "AKID" + secrets.token_hex(16))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))


@pytest.fixture
def tencent_key() -> ApiKey:
    return ApiKey()


@pytest.fixture
def tencent(
    secrets_manager: None, tencent_key: ApiKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TencentPostgresEmulator]:
    emulator = TencentPostgresEmulator(keys={tencent_key.secret_id: tencent_key.secret_key})
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL", emulator.start())
    yield emulator
    close_shared_client()  # its pooled connections lead to this emulator only
    emulator.stop()


@pytest.fixture
def driver(secrets_manager: None) -> SecretsManagerDriver:
    from app import lambda_handler

    return SecretsManagerDriver(lambda event: lambda_handler(event, LambdaContext()))


def cancel(secret_id: str) -> dict[str, Any]:
    """The README's runbook for a stuck rotation: the cancel action, through the handler. Its one result."""
    from app import lambda_handler

    (result,) = lambda_handler({"action": "cancel", "secret_id": secret_id}, LambdaContext())["results"]
    return dict(result)


def verify(secret_id: str) -> dict[str, Any]:
    """The verify action on one secret, through the handler. Its one result."""
    from app import lambda_handler

    (result,) = lambda_handler({"action": "verify", "secret_id": secret_id}, LambdaContext())["results"]
    return dict(result)


@pytest.fixture(scope="module")
def servers(
    postgres_server: PostgresServer, mariadb_server: MariaDbServer, redis_server: RedisServer
) -> dict[str, PostgresServer | MariaDbServer | RedisServer]:
    """The real database servers by engine: ``postgres`` (PostgreSQL), ``mysql`` (MariaDB) and ``redis`` (Redis,
    behind a proxy as the clouds have)."""
    return {"postgres": postgres_server, "mysql": mariadb_server, "redis": redis_server}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class AccountSetup:
    """A database secret ready to rotate, the account it names on an emulator, and its provider API key."""

    secret_id: str
    instance_id: str
    username: str
    old_password: str
    key: ApiKey
    key_secret: str


@pytest.fixture
def tencent_secret(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_key: ApiKey, monkeypatch: pytest.MonkeyPatch
) -> AccountSetup:
    """A rotatable Tencent secret: its account exists on the emulator, its API key secret is the default."""
    key_secret = unique("tencent-api-key")
    driver.create_secret(key_secret, {"secret_id": tencent_key.secret_id, "secret_key": tencent_key.secret_key})
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", key_secret)
    instance_id, username = "postgres-" + uuid.uuid4().hex[:8], "app_" + secrets.token_hex(6)
    old_password = "Old-Passw0rd!" + secrets.token_hex(4)
    tencent.add_account(instance_id, username, old_password)
    secret_id = unique("tencent-db")
    driver.create_secret(
        secret_id,
        {
            "provider": "tencentcloud-postgres",
            "region": "ap-guangzhou",
            "instance_id": instance_id,
            "username": username,
            "password": old_password,
            "note": "carried over",
            "tags": {"team": "payments"},
        },
    )
    return AccountSetup(secret_id, instance_id, username, old_password, tencent_key, key_secret)


@pytest.fixture
def alibaba_key() -> ApiKey:
    return ApiKey(secret_id="LTAI" + secrets.token_hex(10))


@pytest.fixture
def alibaba(
    secrets_manager: None, alibaba_key: ApiKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AlibabaRdsEmulator]:
    emulator = AlibabaRdsEmulator(keys={alibaba_key.secret_id: alibaba_key.secret_key})
    monkeypatch.setenv("ALIBABACLOUD_ENDPOINT_URL", emulator.start())
    yield emulator
    close_shared_client()
    emulator.stop()


@pytest.fixture
def alibaba_secret(
    driver: SecretsManagerDriver, alibaba: AlibabaRdsEmulator, alibaba_key: ApiKey, monkeypatch: pytest.MonkeyPatch
) -> AccountSetup:
    """A rotatable ApsaraDB RDS secret: its account exists on the emulator, its AccessKey secret is the default."""
    key_secret = unique("alibaba-access-key")
    driver.create_secret(
        key_secret, {"access_key_id": alibaba_key.secret_id, "access_key_secret": alibaba_key.secret_key}
    )
    monkeypatch.setenv("ALIBABACLOUD_CREDENTIALS_SECRET", key_secret)
    instance_id, username = "rm-" + uuid.uuid4().hex[:14], "app_" + secrets.token_hex(6)
    old_password = "Old-Passw0rd!" + secrets.token_hex(4)
    alibaba.add_account(instance_id, username, old_password)
    secret_id = unique("alibaba-db")
    driver.create_secret(
        secret_id,
        {
            "provider": "alibabacloud-rds",
            "region": "cn-hangzhou",
            "instance_id": instance_id,
            "username": username,
            "password": old_password,
            "engine": "mysql",
            "labels": ["orders"],
        },
    )
    return AccountSetup(secret_id, instance_id, username, old_password, alibaba_key, key_secret)


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def postgres_server(test_ca: trustme.CA) -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(test_ca).start()
    except DatabaseMissing as missing:
        pytest.skip(str(missing))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb_server(test_ca: trustme.CA) -> Iterator[MariaDbServer]:
    try:
        server = MariaDbServer(test_ca).start()
    except DatabaseMissing as missing:
        pytest.skip(str(missing))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(test_ca: trustme.CA) -> Iterator[RedisServer]:
    try:
        server = RedisServer(test_ca).start()
    except DatabaseMissing as missing:
        pytest.skip(str(missing))
    yield server
    server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need a real database server are marked ``database``: `make unit` leaves them out."""
    for item in items:
        if {"postgres_server", "mariadb_server", "redis_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


def attach_database(
    driver: SecretsManagerDriver,
    setup: AccountSetup,
    emulator: Any,
    server: PostgresServer | MariaDbServer,
    **keys: Any,
) -> None:
    """Back the setup's account with a real database and point the secret at it (``host``, ``port``, ``engine``)."""
    emulator.back_with_database(setup.instance_id, setup.username, setup.old_password, server.admin_dsn)
    engine = "postgres" if isinstance(server, PostgresServer) else "mysql"
    document = {**driver.value(setup.secret_id), "host": "127.0.0.1", "port": server.port, "engine": engine, **keys}
    driver.sm.put_secret_value(SecretId=setup.secret_id, SecretString=json.dumps(document))


class VirtualClock:
    """Real wall time (signatures must pass the providers' skew check), virtual monotonic time and sleeps."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


ERRORS_DOC = Path(__file__).parents[1] / "docs" / "errors.md"
ROW = re.compile(r"^\| (?P<provider>[a-z -]+) \| `(?P<code>[^`]+)` \| (?P<outcome>retryable|fatal) \|", re.MULTILINE)


def documented_outcomes(provider: str) -> dict[str, str]:
    """What docs/errors.md tells the operator each code of ``provider`` means: ``retryable`` or ``fatal``."""
    return {m["code"]: m["outcome"] for m in ROW.finditer(ERRORS_DOC.read_text()) if m["provider"] == provider}


def step(rotation: Rotation, name: str, clock: VirtualClock, http: httpx.Client | None = None) -> None:
    deps = runtime.dependencies(LambdaContext(), clock=clock, http=http)
    run_step(StepRequest(name, rotation.secret_id, rotation.token, None), deps)


PROPERTY_RUNS: list[tuple[int, int]] = []
"""(schedules run, invariant violations) of each property-test module, printed at the end of the session."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for ran, violations in PROPERTY_RUNS:
        terminalreporter.write_line(f"fault schedules: {ran} run, {violations} violated the invariants")


@pytest.fixture(scope="session")
def cloud(secrets_manager: None) -> Iterator[LocalCloud]:
    """One local cloud for the session: an emulator per provider of the registry, steps run by the handler."""
    from app import lambda_handler

    local = LocalCloud(invoke=lambda event: lambda_handler(event, LambdaContext()))
    local.start(apply_env=False, secrets_manager=False)
    yield local
    local.stop()


@pytest.fixture
def local(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """The session's local cloud, its environment applied for this test, faults cleared afterwards."""
    for name, value in cloud.env.items():
        monkeypatch.setenv(name, value)
    yield cloud
    for emulator in [*cloud.emulators.values(), *cloud.sts.values()]:
        emulator.clear_faults()
        emulator.propagation_delay = 0.0
    close_shared_client()
