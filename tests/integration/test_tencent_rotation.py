"""A whole rotation of a TencentDB for PostgreSQL secret through the handler, against moto and the emulator."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import AccountSetup

from crossrotate.errors import FatalRotationError
from crossrotate.registry import PROVIDERS
from localcloud.aws.secretsmanager import STEPS, SecretsManagerDriver
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


def test_rotation_promotes_a_new_password_the_provider_holds(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    before = driver.value(tencent_secret.secret_id)
    rotation = driver.rotate(tencent_secret.secret_id)

    current = driver.value(tencent_secret.secret_id)
    previous = driver.value(tencent_secret.secret_id, "AWSPREVIOUS")
    assert previous == before
    assert current["password"] != tencent_secret.old_password
    assert PROVIDERS["tencentcloud-postgres"].password_policy.violations(current["password"]) == []
    assert len(current["password"]) == 32
    assert {k: v for k, v in current.items() if k != "password"} == {k: v for k, v in before.items() if k != "password"}
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == current["password"]
    assert driver.versions(tencent_secret.secret_id)[rotation.token] == ["AWSCURRENT"]
    resets = tencent.calls_of("ResetAccountPassword")
    assert [call.params["Password"] for call in resets] == [current["password"]]


def test_password_length_comes_from_the_environment(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASSWORD_LENGTH", "12")
    driver.rotate(tencent_secret.secret_id)
    assert len(driver.value(tencent_secret.secret_id)["password"]) == 12


def test_every_step_repeated_after_completion_changes_nothing(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    rotation = driver.rotate(tencent_secret.secret_id)
    versions, value = driver.versions(tencent_secret.secret_id), driver.value(tencent_secret.secret_id)
    calls = len(tencent.calls)
    for step in STEPS:
        driver.step(rotation, step)
    assert driver.versions(tencent_secret.secret_id) == versions
    assert driver.value(tencent_secret.secret_id) == value
    assert len(tencent.calls) == calls


def test_every_step_repeated_mid_rotation_keeps_one_pending_password(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    for step in STEPS:
        driver.step(rotation, step)
        if step != "finishSecret":
            driver.step(rotation, step)
    driver.complete(rotation)
    password = driver.value(tencent_secret.secret_id)["password"]
    assert {call.params["Password"] for call in tencent.calls_of("ResetAccountPassword")} == {password}
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == password
    assert driver.value(tencent_secret.secret_id, "AWSPREVIOUS")["password"] == tencent_secret.old_password


def test_two_concurrent_create_steps_leave_one_pending_password(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    barrier, errors = threading.Barrier(4), []

    def create() -> None:
        barrier.wait()
        try:
            driver.step(rotation, "createSecret")
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    driver.step(rotation, "createSecret")
    assert driver.value(tencent_secret.secret_id, "AWSPENDING")["password"] == first


def test_local_secrets_manager_refuses_to_change_a_version_that_has_data(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    """The harness restores AWS's rule that concurrency safety rests on (moto alone would overwrite)."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put = {"SecretId": tencent_secret.secret_id, "ClientRequestToken": rotation.token, "VersionStages": ["AWSPENDING"]}
    driver.sm.put_secret_value(**put, SecretString=json.dumps({"a": 1}))
    driver.sm.put_secret_value(**put, SecretString=json.dumps({"a": 1}))  # same data: accepted
    with pytest.raises(driver.sm.exceptions.ResourceExistsException):
        driver.sm.put_secret_value(**put, SecretString=json.dumps({"a": 2}))


def test_a_token_that_is_not_a_version_is_refused_and_changes_nothing(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    driver.start_rotation(tencent_secret.secret_id)
    versions = driver.versions(tencent_secret.secret_id)
    from localcloud.aws.secretsmanager import Rotation

    for step in STEPS:
        with pytest.raises(FatalRotationError) as raised:
            driver.step(Rotation(tencent_secret.secret_id, "0" * 36), step)
        assert raised.value.code in {"InvalidToken", "NotPending"}
    assert driver.versions(tencent_secret.secret_id) == versions
    assert tencent.calls == []


def test_steps_refuse_to_run_when_rotation_is_disabled(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    driver.sm.cancel_rotate_secret(SecretId=tencent_secret.secret_id)
    for step in ("createSecret", "setSecret", "finishSecret"):
        with pytest.raises(FatalRotationError) as raised:
            driver.step(rotation, step)
        assert raised.value.code == "RotationNotEnabled"
    assert tencent.calls == []


def test_the_rotation_token_is_passed_to_put_secret_value(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    """Observed at boto3's documented extension point: the parameters of each PutSecretValue call."""
    from crossrotate.runtime import secret_store

    sent: list[dict[str, object]] = []
    events = secret_store().client.meta.events  # type: ignore[attr-defined]
    record = lambda params, **_: sent.append(dict(params))  # noqa: E731
    events.register("provide-client-params.secrets-manager.PutSecretValue", record)
    try:
        rotation = driver.start_rotation(tencent_secret.secret_id)
        driver.step(rotation, "createSecret", rotation_token="r" * 48)
    finally:
        events.unregister("provide-client-params.secrets-manager.PutSecretValue", record)
    assert [(p["ClientRequestToken"], p["RotationToken"], p["VersionStages"]) for p in sent] == [
        (rotation.token, "r" * 48, ["AWSPENDING"])
    ]


def test_finish_secret_refuses_to_promote_a_version_without_a_value(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    """A forged or out-of-order finishSecret must not strand the working password on AWSPREVIOUS."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    current = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    with pytest.raises(FatalRotationError) as raised:
        driver.step(rotation, "finishSecret")
    assert raised.value.code == "NotPending"
    assert driver.version_with(tencent_secret.secret_id, "AWSCURRENT") == current
    assert driver.value(tencent_secret.secret_id)["password"] == tencent_secret.old_password
