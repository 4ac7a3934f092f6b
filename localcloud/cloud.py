"""One local cloud for tests, `make demo` and `make bench`: moto's Secrets Manager, an emulator per provider of the
registry, AWS STS and each cloud's STS for keyless access, an API key per cloud stored as a secret (unless the
cloud is keyless), and the environment that points the function at all of it.

Keyless (``LocalCloud(keyless=True)``): no API key exists anywhere; the environment names a role per cloud, which
the cloud's STS lets the function's AWS role assume with an AWS token. Otherwise the environment names the API
key secrets, and a secret made with ``access="keyless"`` names the role itself (the spec's order puts it first).

:data:`KITS` says how the stand-ins play each provider (the emulator, a fresh instance id, the real database
engine behind it, the calls a rotation makes, codes worth injecting, its documented codes, the floor's calls):
each emulator module declares its own (:mod:`localcloud.kit`), found here from the registry.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crossrotate.registry import PROVIDERS

from .alibabacloud.sts import AlibabaStsEmulator
from .aws.secretsmanager import REGION, RecordingMotoServer, SecretsManagerDriver, start_secrets_manager
from .aws.sts import AwsStsEmulator
from .base import EmulatorServer, KeyRing
from .huaweicloud.sts import HuaweiStsEmulator
from .kit import ProviderKit
from .tencentcloud.sts import TencentStsEmulator

KITS: Mapping[str, ProviderKit] = {
    name: importlib.import_module(f"localcloud.{PROVIDERS.package_of(name)}").KIT for name in PROVIDERS
}
"""Each provider's kit, from its emulator module (``localcloud.<cloud>.<service>``, as its package)."""
FLOOR_RECIPES = "FLOOR_RECIPES"
"""The floor's environment variable: every provider's calls (``scripts/rotation_floor.py`` knows no provider)."""


def floor_environment() -> dict[str, str]:
    """What the bench's floor needs besides the cloud's environment: each provider's cloud, API and calls."""
    recipes = {name: {"cloud": PROVIDERS[name].cloud.name, **kit.floor_recipe()} for name, kit in KITS.items()}
    return {FLOOR_RECIPES: json.dumps(recipes)}


KEY_ID_PREFIX = {"tencentcloud": "AKID", "alibabacloud": "LTAI", "huaweicloud": "HWAK"}
FUNCTION_ROLE = "arn:aws:iam::123456789012:role/crossrotate-local"
"""The AWS role the function runs as: the ``sub`` of its tokens, which each cloud's role trusts."""
AWS_KEY = ("testing", "testing")
"""The AWS access key the local Secrets Manager's environment sets; AWS STS knows it as :data:`FUNCTION_ROLE`."""
ROLES = {
    "tencentcloud": ("qcs::cam::uin/100000000001:roleName/crossrotate", "aws-localcloud"),
    "alibabacloud": (
        "acs:ram::1234567890123456:role/crossrotate",
        "acs:ram::1234567890123456:oidc-provider/aws-localcloud",
    ),
    "huaweicloud": (
        "iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:agency:crossrotate",
        "iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:identity-provider:aws-localcloud",
    ),
}
"""Per cloud: the role keyless access assumes, and the OIDC identity provider it trusts."""
AUDIENCE = "crossrotate"


@dataclass
class Account:
    """A database secret ready to rotate, and the account it names on its provider's emulator."""

    provider: str
    secret_id: str
    instance_id: str
    username: str
    old_password: str
    others: dict[str, str] = field(default_factory=dict)
    """A dual-account secret's other account and its initial password (which the secret does not hold)."""


@dataclass
class LocalCloud:
    """Start it, take :attr:`env` (or let :meth:`start` apply it to ``os.environ``), make accounts, stop it."""

    invoke: Callable[[dict[str, Any]], Any] = lambda event: None
    """What the driver calls for a rotation step (the handler in-process; nothing when steps run elsewhere)."""
    env: dict[str, str] = field(default_factory=dict)
    emulators: dict[str, EmulatorServer] = field(default_factory=dict)
    keyless: bool = False
    """No API key secrets: the environment names a role per cloud instead."""
    keys: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    """Per cloud: the API key id and secret the emulators know."""
    key_secrets: dict[str, str] = field(default_factory=dict)
    """Per cloud: the name of the secret holding that key (none when keyless)."""
    rings: dict[str, KeyRing] = field(default_factory=dict)
    sts: dict[str, EmulatorServer] = field(default_factory=dict)
    """AWS STS (``aws``) and each cloud's STS, by cloud name."""
    moto: RecordingMotoServer | None = None
    """The local Secrets Manager this cloud started (its :attr:`~RecordingMotoServer.calls`), if it started one."""

    def start(self, apply_env: bool = True, secrets_manager: bool = True) -> LocalCloud:
        """Start the stand-ins; ``secrets_manager=False`` uses the local Secrets Manager already running (the
        tests' session one)."""
        if secrets_manager:
            self.moto = start_secrets_manager()
        self.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"]
        self.driver = SecretsManagerDriver(self.invoke)
        self._start_aws_sts()
        for name, spec in PROVIDERS.items():
            cloud = spec.cloud
            if cloud.name not in self.rings:
                self._start_cloud(cloud.name)
            self.emulators[name] = KITS[name].emulator(self.rings[cloud.name])
            self.env[f"{cloud.endpoint_variable}_{spec.service}"] = self.emulators[name].start()
            if cloud.name == "huaweicloud":  # its emulators answer IAM's project lookup too
                self.env.setdefault(f"{cloud.endpoint_variable}_IAM", self.emulators[name].url)
        if apply_env:
            os.environ.update(self.env)
        return self

    def _start_aws_sts(self) -> None:
        aws = AwsStsEmulator({AWS_KEY[0]: (AWS_KEY[1], FUNCTION_ROLE, None)})
        aws.allowed_audiences = {AUDIENCE}
        self.sts["aws"] = aws
        self.env["AWS_ENDPOINT_URL_STS"] = aws.start()
        self.env["AWS_REGION"] = REGION

    def _start_cloud(self, cloud: str) -> None:
        """The cloud's key ring, its API key (unless keyless), and its STS trusting the function's AWS role."""
        spec = next(spec for spec in PROVIDERS.values() if spec.cloud.name == cloud).cloud
        self.rings[cloud] = ring = KeyRing()
        if not self.keyless:
            self.keys[cloud] = (KEY_ID_PREFIX[cloud] + secrets.token_hex(10), secrets.token_urlsafe(24))
            key_id, key_secret = self.keys[cloud]
            ring.keys[key_id] = key_secret
            id_field, secret_field, _ = spec.key_fields
            self.key_secrets[cloud] = f"localcloud/{cloud}-api-key-{uuid.uuid4().hex[:8]}"
            self.driver.create_secret(self.key_secrets[cloud], {id_field: key_id, secret_field: key_secret})
            self.env[spec.credentials_variable] = self.key_secrets[cloud]
        aws = self.sts["aws"]
        role_arn, provider = ROLES[cloud]
        if cloud == "tencentcloud":
            tencent = TencentStsEmulator(ring)
            tencent.add_oidc_provider(provider, aws.issuer, [AUDIENCE], aws.jwks())  # type: ignore[attr-defined]
            tencent.add_role(role_arn, provider, FUNCTION_ROLE)
            self.sts[cloud] = tencent
        elif cloud == "huaweicloud":
            huawei = HuaweiStsEmulator(ring)
            huawei.key_cache_seconds = 300.0  # as a real verifier does
            huawei.add_oidc_provider(provider, aws.issuer, [AUDIENCE])  # type: ignore[attr-defined]
            huawei.add_agency(role_arn, provider, FUNCTION_ROLE)
            self.sts[cloud] = huawei
        else:
            alibaba = AlibabaStsEmulator(ring)
            alibaba.key_cache_seconds = 300.0  # as a real verifier does; tests that watch fetches use their own
            alibaba.add_oidc_provider(provider, aws.issuer, [AUDIENCE])  # type: ignore[attr-defined]
            alibaba.add_role(role_arn, provider, FUNCTION_ROLE)
            self.sts[cloud] = alibaba
        self.env[f"{spec.endpoint_variable}_STS"] = self.sts[cloud].start()
        self.env[spec.identity_provider_variable] = provider
        if self.keyless:
            self.env[spec.role_variable] = role_arn

    def stop(self) -> None:
        self.driver.sm.close()  # its pooled connections to the local Secrets Manager
        for emulator in [*self.emulators.values(), *self.sts.values()]:
            emulator.stop()
        if self.moto is not None:
            self.moto.stop()

    def account(
        self,
        provider: str,
        username: str | None = None,
        access: str = "default",
        other: str | None = None,
        **keys: Any,
    ) -> Account:
        """A fresh instance with one account on ``provider``'s emulator, and a secret naming it (``keys`` are
        added to the secret: ``host``, ``engine``, anything to carry over). ``access``: ``default`` (what the
        environment says), ``keyless`` (the secret names the cloud's role) or ``api-key`` (the secret names the
        cloud's API key secret). ``other``: a second account on the instance, making a dual-account secret
        (``usernames``) whose ``username`` is the first. ``username`` defaults to ``app_user``, or to the one
        account a root-only service resets."""
        kit = KITS[provider]
        username = username or PROVIDERS[provider].only_username or "app_user"
        cloud = PROVIDERS[provider].cloud.name
        if access == "keyless":
            keys = {"role_arn": ROLES[cloud][0], "oidc_provider": ROLES[cloud][1], **keys}
        elif access == "api-key":
            keys = {"credentials_secret": self.key_secrets[cloud], **keys}
        # Starting passwords every provider's rule accepts (TencentDB for MongoDB's symbols have no "-"): cancel
        # sends them back to the provider.
        instance_id, password = kit.new_instance_id(), "Initial_Passw0rd!" + secrets.token_hex(4)
        self.emulators[provider].add_account(instance_id, username, password)  # type: ignore[attr-defined]
        if cloud == "huaweicloud":  # the project its paths name; a secret without one has it looked up in IAM
            keys = {"project_id": self.emulators[provider].project_id, **keys}  # type: ignore[attr-defined]
        others = {}
        if other is not None:
            others[other] = "Other_Passw0rd!" + secrets.token_hex(4)
            self.emulators[provider].add_account(instance_id, other, others[other])  # type: ignore[attr-defined]
            keys = {"usernames": [username, other], **keys}
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
        return Account(provider, secret_id, instance_id, username, password, others)

    def password_of(self, account: Account, username: str | None = None) -> str:
        """What the provider's emulator holds as the password of the account (or of its ``username``)."""
        password: str = self.emulators[account.provider].password_of(  # type: ignore[attr-defined]
            account.instance_id, username or account.username
        )
        return password

    def resets(self, account: Account, username: str | None = None) -> list[str]:
        """The passwords every reset of this account's instance carried, in order (of ``username`` only, if given)."""
        kit = KITS[account.provider]
        emulator = self.emulators[account.provider]
        with emulator.lock:
            calls = list(emulator.calls)
        return [
            kit.password_in(c.params)
            for c in calls
            if c.action == kit.reset_action
            and instance_of(c.params) == account.instance_id
            and username in (None, user_of(c.params))
        ]


def instance_of(params: Mapping[str, Any]) -> str | None:
    """The instance (or cluster) a provider call names, whatever the provider calls the parameter."""
    for name in ("DBInstanceId", "InstanceId", "DBClusterId", "ClusterId", "instance_id"):
        if isinstance(params.get(name), str):
            return str(params[name])
    return None


def user_of(params: Mapping[str, Any]) -> str | None:
    """The account a provider call names, whatever the provider calls the parameter (cdb, sqlserver: its first
    account)."""
    for name in ("UserName", "AccountName", "name"):
        if isinstance(params.get(name), str):
            return str(params[name])
    accounts = params.get("Accounts")
    if isinstance(accounts, list) and accounts and isinstance(accounts[0], dict):
        return str(accounts[0].get("User", accounts[0].get("UserName")))
    return None
