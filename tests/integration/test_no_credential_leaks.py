"""Rotations that succeed and fail, logged at DEBUG: no password, API key, RotationToken, AWS token or temporary
credential appears in anything logged, printed, raised or returned."""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import AccountSetup, VirtualClock, attach_database, cancel
from conftest import step as invoke_step

import crossrotate.aws  # noqa: F401  (as in Lambda, the adapter's logging policy is in force before any boto3 call)
from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.log import logger
from crossrotate.registry import PROVIDERS
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import STEPS, SecretsManagerDriver
from localcloud.cloud import LocalCloud
from localcloud.databases import PostgresServer
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    level = logger.level
    logger.setLevel("DEBUG")
    yield caplog
    logger.setLevel(level)


def test_nothing_observable_carries_a_credential(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    rotation_token = secrets.token_hex(24)
    observed: list[Any] = []

    def run(rotation: Any, step: str) -> None:
        try:
            observed.append(driver.step(rotation, step, rotation_token=rotation_token))
        except RotationError as error:
            observed.extend([str(error), repr(error), error.as_dict(), error.args])

    rotation = driver.start_rotation(tencent_secret.secret_id)
    for step in STEPS:
        run(rotation, step)
    driver.complete(rotation)
    first_new = driver.value(tencent_secret.secret_id)["password"]

    # A provider that echoes the password in its error message, then a transport failure, then a fatal one.
    rotation = driver.start_rotation(tencent_secret.secret_id)
    run(rotation, "createSecret")
    pending = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    tencent.inject(
        "error",
        action="ResetAccountPassword",
        code="InvalidParameterValue.InvalidPasswordValueError",
        message=f"password {pending} rejected for key {tencent_secret.key.secret_key}",
    )
    run(rotation, "setSecret")
    tencent.inject("status", action="ResetAccountPassword", times=100, status=503)
    run(rotation, "setSecret")

    out, err = capfd.readouterr()
    everything = "\n".join([out, err, debug_logging.text, *map(repr, observed)])
    assert "rotation failed" in everything
    assert "password reset" in everything
    assert "***" in everything  # the echoed values were redacted, not dropped with the message
    for credential in (tencent_secret.old_password, first_new, pending, tencent_secret.key.secret_key, rotation_token):
        assert credential not in everything


def test_nothing_observable_carries_an_alibaba_credential(
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RPC v1 puts the signed parameters, the STS token among them, in the query string: still nothing leaks."""
    monkeypatch.setenv("ALIBABACLOUD_SIGNATURE_VERSION", "v1")
    token, key = secrets.token_urlsafe(32), alibaba_secret.key
    alibaba.tokens[key.secret_id] = token
    driver.sm.put_secret_value(
        SecretId=alibaba_secret.key_secret,
        SecretString=json.dumps(
            {"access_key_id": key.secret_id, "access_key_secret": key.secret_key, "security_token": token}
        ),
    )
    observed: list[Any] = []
    rotation = driver.start_rotation(alibaba_secret.secret_id)
    driver.step(rotation, "createSecret")
    pending = driver.value(alibaba_secret.secret_id, "AWSPENDING")["password"]
    alibaba.inject(
        "error", action="ResetAccountPassword", code="InvalidAccountPassword.Format", status=400,
        message=f"bad password {pending} for token {token}",
    )  # fmt: skip
    for name in ("setSecret", "setSecret", "testSecret", "finishSecret"):
        try:
            observed.append(driver.step(rotation, name))
        except RotationError as error:
            observed.extend([str(error), repr(error), error.as_dict()])
    driver.complete(rotation)

    out, err = capfd.readouterr()
    everything = "\n".join([out, err, debug_logging.text, *map(repr, observed)])
    assert "rotation failed" in everything
    assert "***" in everything
    assert alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username) == pending
    for credential in (alibaba_secret.old_password, pending, key.secret_key, token):
        assert credential not in everything


def test_database_logins_leak_nothing(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    postgres_server: PostgresServer,
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Logins that fail (untrusted certificate, a password the database refuses) and one that works."""
    attach_database(driver, tencent_secret, tencent, postgres_server, tls="verify-full", host="localhost")
    observed: list[Any] = []
    rotation = driver.start_rotation(tencent_secret.secret_id)
    for name in ("createSecret", "setSecret", "testSecret"):
        try:
            observed.append(driver.step(rotation, name))
        except RotationError as error:
            observed.extend([str(error), repr(error), error.as_dict()])
    pending = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    document = {**driver.value(tencent_secret.secret_id), "tls": "require"}
    driver.sm.put_secret_value(SecretId=tencent_secret.secret_id, SecretString=json.dumps(document))
    assert cancel(tencent_secret.secret_id)["outcome"] == "cancelled"
    driver.rotate(tencent_secret.secret_id)
    new_password = driver.value(tencent_secret.secret_id)["password"]

    out, err = capfd.readouterr()
    everything = "\n".join([out, err, debug_logging.text, *map(repr, observed)])
    assert "Database.UntrustedCertificate" in everything
    assert "password logs in" in everything
    for credential in (tencent_secret.old_password, pending, new_password, tencent_secret.key.secret_key):
        assert credential not in everything


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.")


def test_keyless_access_leaks_no_token_and_no_temporary_credential(
    local: LocalCloud,
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    clock: VirtualClock,
) -> None:
    """Rotations, a verify, credentials renewed after the provider called them expired, a throttled exchange and a
    broken trust: no AWS token (any JWT) and no temporary key secret or session token shows anywhere."""
    runtime.forget_credentials()
    observed: list[Any] = []

    def attempt(call: Callable[..., Any], *args: Any) -> None:
        try:
            observed.append(call(*args))
        except RotationError as error:
            observed.extend([str(error), repr(error), error.as_dict(), error.args])

    for provider, code in (("tencentcloud-postgres", "RequestLimitExceeded"), ("alibabacloud-rds", "Throttling")):
        cloud = PROVIDERS[provider].cloud.name
        account = local.account(provider, access="keyless")
        attempt(local.driver.rotate, account.secret_id)
        ring = local.rings[cloud]
        with ring.lock:
            ring.expiries.update(dict.fromkeys(ring.expiries, 0.0))
        attempt(local.driver.rotate, account.secret_id)
        runtime.forget_credentials()
        local.sts[cloud].inject("error", code=code, status=400, times=1000)
        rotation = local.driver.start_rotation(account.secret_id)
        for name in ("createSecret", "setSecret"):
            attempt(invoke_step, rotation, name, clock)
        local.sts[cloud].clear_faults()
        aws: Any = local.sts["aws"]
        aws.enabled = False
        attempt(cancel, account.secret_id)
        aws.enabled = True
        attempt(cancel, account.secret_id)

    out, err = capfd.readouterr()
    everything = "\n".join([out, err, debug_logging.text, *map(repr, observed)])
    assert "OutboundWebIdentityFederationDisabledException" in everything
    assert "'outcome': 'cancelled'" in everything
    assert JWT.search(everything) is None
    temporary = [
        value
        for ring in local.rings.values()
        for key_id in ring.expiries
        for value in (ring.keys[key_id], ring.tokens.get(key_id))
    ]
    assert len(temporary) >= 8  # every provider issued credentials, twice
    for credential in temporary:
        assert credential
        assert credential not in everything
