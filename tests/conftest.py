"""Shared fixtures: a local Secrets Manager for the session, a Tencent emulator per test, and a driver that
rotates through the real handler."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from crossrotate.providers.http import close_shared_client
from emulators.secretsmanager import LambdaContext, SecretsManagerDriver, client, start_secrets_manager
from emulators.tencentcloud import TencentPostgresEmulator


@pytest.fixture(scope="session")
def secrets_manager() -> Iterator[None]:
    server = start_secrets_manager()
    yield
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


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class TencentSetup:
    secret_id: str
    instance_id: str
    username: str
    old_password: str
    key: ApiKey
    key_secret: str


@pytest.fixture
def tencent_secret(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_key: ApiKey, monkeypatch: pytest.MonkeyPatch
) -> TencentSetup:
    """A rotatable Tencent secret: its account exists on the emulator, its API key secret is the default."""
    key_secret = unique("tencent-api-key")
    driver.create_secret(key_secret, {"secret_id": tencent_key.secret_id, "secret_key": tencent_key.secret_key})
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", key_secret)
    instance_id, username, old_password = (
        "postgres-" + uuid.uuid4().hex[:8],
        "app_user",
        "Old-Passw0rd!" + secrets.token_hex(4),
    )
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
    return TencentSetup(secret_id, instance_id, username, old_password, tencent_key, key_secret)


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
