"""One local cloud for tests, `make demo` and `make bench`: moto's Secrets Manager, an emulator per provider of the
registry, an API key per cloud stored as a secret, and the environment that points the function at all of it.

:data:`KITS` says how the stand-ins play each provider (the emulator, a fresh instance id, the real database
engine behind it, the calls a rotation makes, codes worth injecting); a provider added to the registry needs a kit
here, and the contract suite fails until it has one.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.server import ThreadedMotoServer

from crossrotate.registry import PROVIDERS

from .alibabacloud import AlibabaRdsEmulator, PolarDbEmulator
from .base import EmulatorServer
from .secretsmanager import SecretsManagerDriver, start_secrets_manager
from .tencentcloud import TencentMysqlEmulator, TencentPostgresEmulator


@dataclass(frozen=True)
class ProviderKit:
    name: str
    emulator: Callable[[dict[str, str]], EmulatorServer]
    region: str
    instance_prefix: str
    engine: str
    """The real database engine behind its accounts in tests: ``postgres`` (PostgreSQL) or ``mysql`` (MariaDB)."""
    calls: tuple[str, ...]
    """The API actions a rotation makes: where faults are injected."""
    retryable_code: str
    fatal_code: str
    reset_action: str
    password_param: str
    reports_changes: bool
    """Whether it lists an account as changing until a late reset has reached the database."""
    leftover_codes: tuple[str, ...] = ()
    """Retryable codes it answers by itself while work an earlier call started is still running."""

    def new_instance_id(self) -> str:
        return self.instance_prefix + uuid.uuid4().hex[:12]


KITS: Mapping[str, ProviderKit] = {
    kit.name: kit
    for kit in (
        ProviderKit(
            "tencentcloud-postgres", lambda keys: TencentPostgresEmulator(keys=keys), "ap-guangzhou", "postgres-",
            "postgres", ("ResetAccountPassword", "DescribeAccounts"), "RequestLimitExceeded",
            "OperationDenied.CamDeniedError", "ResetAccountPassword", "Password", reports_changes=True,
        ),
        ProviderKit(
            "alibabacloud-rds", lambda keys: AlibabaRdsEmulator(keys=keys), "cn-hangzhou", "rm-", "mysql",
            ("ResetAccountPassword", "DescribeAccounts", "DescribeDBInstanceAttribute"), "Throttling.User",
            "IncorrectAccountType", "ResetAccountPassword", "AccountPassword", reports_changes=True,
        ),
        ProviderKit(
            "tencentcloud-mysql", lambda keys: TencentMysqlEmulator(keys=keys), "ap-guangzhou", "cdb-", "mysql",
            ("ModifyAccountPassword", "DescribeAsyncRequestInfo", "DescribeAccounts"), "RequestLimitExceeded",
            "OperationDenied.UserHasNoStrategy", "ModifyAccountPassword", "NewPassword", reports_changes=False,
            leftover_codes=("FailedOperation.StatusConflict",),
        ),
        ProviderKit(
            "alibabacloud-polardb", lambda keys: PolarDbEmulator(keys=keys), "cn-hangzhou", "pc-", "postgres",
            ("ModifyAccountPassword", "DescribeAccounts", "DescribeDBClusterAttribute"), "Throttling.User",
            "Forbidden.RAM", "ModifyAccountPassword", "NewAccountPassword", reports_changes=False,
        ),
    )
}  # fmt: skip

API_KEY_FIELDS = {"tencentcloud": ("secret_id", "secret_key"), "alibabacloud": ("access_key_id", "access_key_secret")}
KEY_ID_PREFIX = {"tencentcloud": "AKID", "alibabacloud": "LTAI"}


@dataclass
class Account:
    """A database secret ready to rotate, and the account it names on its provider's emulator."""

    provider: str
    secret_id: str
    instance_id: str
    username: str
    old_password: str


@dataclass
class LocalCloud:
    """Start it, take :attr:`env` (or let :meth:`start` apply it to ``os.environ``), make accounts, stop it."""

    invoke: Callable[[dict[str, Any]], Any] = lambda event: None
    """What the driver calls for a rotation step (the handler in-process; nothing when steps run elsewhere)."""
    env: dict[str, str] = field(default_factory=dict)
    emulators: dict[str, EmulatorServer] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Per cloud: the API key id and secret the emulators know."""
    key_secrets: dict[str, str] = field(default_factory=dict)
    """Per cloud: the name of the secret holding that key."""
    _moto: ThreadedMotoServer | None = None

    def start(self, apply_env: bool = True, secrets_manager: bool = True) -> LocalCloud:
        """Start the stand-ins; ``secrets_manager=False`` uses the local Secrets Manager already running (the
        tests' session one)."""
        if secrets_manager:
            self._moto = start_secrets_manager()
        self.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"]
        self.driver = SecretsManagerDriver(self.invoke)
        for name, spec in PROVIDERS.items():
            cloud = spec.cloud
            if cloud.name not in self.keys:
                self.keys[cloud.name] = (KEY_ID_PREFIX[cloud.name] + secrets.token_hex(10), secrets.token_urlsafe(24))
                key_id, key_secret = self.keys[cloud.name]
                id_field, secret_field = API_KEY_FIELDS[cloud.name]
                self.key_secrets[cloud.name] = f"localcloud/{cloud.name}-api-key-{uuid.uuid4().hex[:8]}"
                self.driver.create_secret(self.key_secrets[cloud.name], {id_field: key_id, secret_field: key_secret})
                self.env[cloud.credentials_variable] = self.key_secrets[cloud.name]
            key_id, key_secret = self.keys[cloud.name]
            self.emulators[name] = KITS[name].emulator({key_id: key_secret})
            self.env[f"{cloud.endpoint_variable}_{spec.service}"] = self.emulators[name].start()
        if apply_env:
            os.environ.update(self.env)
        return self

    def stop(self) -> None:
        self.driver.sm.close()  # its pooled connections to the local Secrets Manager
        for emulator in self.emulators.values():
            emulator.stop()
        if self._moto is not None:
            self._moto.stop()

    def account(self, provider: str, username: str = "app_user", **keys: Any) -> Account:
        """A fresh instance with one account on ``provider``'s emulator, and a secret naming it (``keys`` are
        added to the secret: ``host``, ``engine``, anything to carry over)."""
        kit = KITS[provider]
        instance_id, password = kit.new_instance_id(), "Initial-Passw0rd!" + secrets.token_hex(4)
        self.emulators[provider].add_account(instance_id, username, password)  # type: ignore[attr-defined]
        secret_id = f"localcloud/{provider}/{uuid.uuid4().hex[:12]}"
        document = {
            "provider": provider,
            "region": kit.region,
            "instance_id": instance_id,
            "username": username,
            "password": password,
            **keys,
        }
        self.driver.create_secret(secret_id, document)
        return Account(provider, secret_id, instance_id, username, password)

    def password_of(self, account: Account) -> str:
        """What the provider's emulator holds as the account's password."""
        password: str = self.emulators[account.provider].password_of(  # type: ignore[attr-defined]
            account.instance_id, account.username
        )
        return password

    def resets(self, account: Account) -> list[str]:
        """The passwords every reset of this account carried, in order."""
        kit = KITS[account.provider]
        emulator = self.emulators[account.provider]
        with emulator.lock:
            calls = list(emulator.calls)
        return [
            c.params[kit.password_param]
            for c in calls
            if c.action == kit.reset_action and instance_of(c.params) == account.instance_id
        ]


def instance_of(params: Mapping[str, Any]) -> str | None:
    """The instance (or cluster) a provider call names, whatever the provider calls the parameter."""
    for name in ("DBInstanceId", "InstanceId", "DBClusterId"):
        if isinstance(params.get(name), str):
            return str(params[name])
    return None
