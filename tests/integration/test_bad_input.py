"""Bad input through the real handler: each case is a FatalRotationError with its own code and a clear message,
never an unclassified exception, and the secret's versions and the provider are untouched afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import AccountSetup, unique

from crossrotate.errors import FatalRotationError
from localcloud.aws.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

TOKEN = "3f2a8c1e-5b7d-4e9a-8c6f-0d1e2f3a4b5c"


def snapshot(driver: SecretsManagerDriver, secret_id: str) -> dict[str, Any]:
    """Every version's labels and value."""
    versions = driver.versions(secret_id)
    values = {}
    for version in versions:
        try:
            values[version] = driver.sm.get_secret_value(SecretId=secret_id, VersionId=version)["SecretString"]
        except driver.sm.exceptions.ResourceNotFoundException:
            values[version] = None
    return {"labels": versions, "values": values}


def handle(event: Any) -> FatalRotationError:
    from app import lambda_handler

    with pytest.raises(FatalRotationError) as raised:
        lambda_handler(event, LambdaContext())
    error = raised.value
    assert error.code != "UnexpectedError", error
    assert error.retryable is False
    return error


def step_event(secret_id: str, token: str = TOKEN, step: str = "createSecret") -> dict[str, Any]:
    return {"Step": step, "SecretId": secret_id, "ClientRequestToken": token}


MALFORMED_EVENTS: list[tuple[str, Any, str]] = [
    ("a string", "createSecret", "not a JSON object"),
    ("a list", [{"Step": "createSecret"}], "not a JSON object"),
    ("null", None, "not a JSON object"),
    ("a number", 42, "not a JSON object"),
    ("empty", {}, "no 'Step'"),
    ("only a step", {"Step": "createSecret"}, "'SecretId'"),
    ("no token", {"Step": "setSecret", "SecretId": "db"}, "'ClientRequestToken'"),
    ("unknown step", {**step_event("db"), "Step": "rotateSecret"}, "'Step' must be"),
    ("step of the wrong type", {**step_event("db"), "Step": 1}, "'Step' must be"),
    ("secret id of the wrong type", {**step_event("db"), "SecretId": {"arn": "x"}}, "'SecretId'"),
    ("token of the wrong type", {**step_event("db"), "ClientRequestToken": ["x"]}, "'ClientRequestToken'"),
    ("rotation token of the wrong type", {**step_event("db"), "RotationToken": 7}, "'RotationToken'"),
    ("huge secret id", step_event("x" * 100_000), "longer than"),
    ("huge token", step_event("db", token="a" * 10_000), "longer than"),
    ("huge rotation token", {**step_event("db"), "RotationToken": "r" * 100_000}, "longer than"),
    ("token with path characters", step_event("db", token="../../" + "a" * 40), "not a version id"),
    ("unknown action", {"action": "delete", "secret_id": "db"}, "'action' must be"),
    ("action without a secret", {"action": "cancel"}, "exactly one of"),
    ("action with both", {"action": "verify", "secret_id": "db", "secret_ids": ["db"]}, "exactly one of"),
    ("empty secret list", {"action": "cancel", "secret_ids": []}, "'secret_ids' must be"),
    ("secret list of numbers", {"action": "cancel", "secret_ids": [1]}, "'secret_ids'"),
    ("cancel everything", {"action": "cancel", "all": True}, "'all' applies only to"),
    ("all that is not true", {"action": "verify", "all": "yes"}, "'all' must be true"),
    ("all beside a secret", {"action": "rotate", "all": True, "secret_id": "db"}, "'all' must be true"),
    ("delivery of the wrong type", {"action": "rotate", "secret_id": "db", "scheduled_time": 5}, "'scheduled_time'"),
]


@pytest.mark.parametrize(("event", "words"), [c[1:] for c in MALFORMED_EVENTS], ids=[c[0] for c in MALFORMED_EVENTS])
def test_malformed_events_change_nothing(
    event: Any, words: str, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    before = snapshot(driver, tencent_secret.secret_id)
    error = handle(event)
    assert error.code == "InvalidEvent"
    assert words in str(error)
    assert snapshot(driver, tencent_secret.secret_id) == before
    assert tencent.calls == []


VALID = {
    "provider": "tencentcloud-postgres",
    "region": "ap-guangzhou",
    "instance_id": "postgres-4wdeb0zv",
    "username": "app_user",
    "password": "Old-Passw0rd!",
}
MALFORMED_SECRETS: list[tuple[str, str, str, str]] = [
    ("not JSON", "this is not json", "InvalidSecret", "not JSON"),
    ("a JSON list", "[1, 2]", "InvalidSecret", "not a JSON object"),
    ("no password", json.dumps({k: v for k, v in VALID.items() if k != "password"}), "InvalidSecret", "'password'"),
    ("no provider", json.dumps({k: v for k, v in VALID.items() if k != "provider"}), "InvalidSecret", "'provider'"),
    ("unknown provider", json.dumps({**VALID, "provider": "azure-sql"}), "UnknownProvider", "not one this version"),
    (
        "Alibaba id for Tencent",
        json.dumps({**VALID, "instance_id": "rm-uf6wjk5xxxxxxx"}),
        "InvalidSecret",
        "instance_id",
    ),
    ("host in the region", json.dumps({**VALID, "region": "evil.example.com"}), "InvalidSecret", "region"),
    ("number as username", json.dumps({**VALID, "username": 12}), "InvalidSecret", "'username'"),
    ("unknown engine", json.dumps({**VALID, "engine": "oracle"}), "InvalidSecret", "engine"),
    ("unknown tls mode", json.dumps({**VALID, "tls": "maybe"}), "InvalidSecret", "tls"),
    ("port out of range", json.dumps({**VALID, "port": 0}), "InvalidSecret", "port"),
]


@pytest.mark.parametrize(
    ("secret_string", "code", "words"), [c[1:] for c in MALFORMED_SECRETS], ids=[c[0] for c in MALFORMED_SECRETS]
)
def test_malformed_secrets_change_nothing(
    secret_string: str, code: str, words: str, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator
) -> None:
    secret_id = unique("malformed")
    driver.sm.create_secret(Name=secret_id, SecretString=secret_string)
    rotation = driver.start_rotation(secret_id)
    before = snapshot(driver, secret_id)
    for name in STEPS:
        error = handle(step_event(secret_id, rotation.token, name))
        if name == "createSecret":
            assert (error.code, words in str(error)) == (code, True), str(error)
        assert "Old-Passw0rd!" not in str(error)
    assert snapshot(driver, secret_id) == before
    assert tencent.calls == []


def test_a_token_that_is_not_a_version_changes_nothing(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    driver.start_rotation(tencent_secret.secret_id)
    before = snapshot(driver, tencent_secret.secret_id)
    for name in STEPS:
        assert handle(step_event(tencent_secret.secret_id, TOKEN, name)).code in {"InvalidToken", "NotPending"}
    assert snapshot(driver, tencent_secret.secret_id) == before
    assert tencent.calls == []


def test_the_current_version_as_token_is_a_no_op_but_another_old_version_is_refused(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    from app import lambda_handler

    first = driver.rotate(tencent_secret.secret_id)
    driver.rotate(tencent_secret.secret_id)
    before = snapshot(driver, tencent_secret.secret_id)
    calls = len(tencent.calls)
    assert handle(step_event(tencent_secret.secret_id, first.token, "setSecret")).code == "NotPending"
    current = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    lambda_handler(step_event(tencent_secret.secret_id, current, "setSecret"), LambdaContext())
    assert snapshot(driver, tencent_secret.secret_id) == before
    assert len(tencent.calls) == calls


def test_rotation_disabled_changes_nothing(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    driver.sm.cancel_rotate_secret(SecretId=tencent_secret.secret_id)
    before = snapshot(driver, tencent_secret.secret_id)
    for name in ("createSecret", "setSecret", "finishSecret"):
        assert handle(step_event(tencent_secret.secret_id, rotation.token, name)).code == "RotationNotEnabled"
    assert snapshot(driver, tencent_secret.secret_id) == before
    assert tencent.calls == []


@pytest.mark.parametrize(
    ("key_secret", "code"),
    [
        (None, "NoProviderAccess"),
        ("does-not-exist", "MissingCredentialsSecret"),
        ('{"secret_id": "AKID"}', "InvalidCredentialsSecret"),
        ("not json at all", "InvalidCredentialsSecret"),
    ],
)
def test_a_missing_or_malformed_api_key_secret_changes_nothing(
    key_secret: str | None,
    code: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if key_secret is None:
        monkeypatch.delenv("TENCENTCLOUD_CREDENTIALS_SECRET")
    elif key_secret == "does-not-exist":
        monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", unique("absent"))
    else:
        name = unique("bad-key")
        driver.sm.create_secret(Name=name, SecretString=key_secret)
        monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", name)
    rotation: Rotation = driver.start_rotation(tencent_secret.secret_id)
    driver.step(rotation, "createSecret")
    before = snapshot(driver, tencent_secret.secret_id)
    assert handle(step_event(tencent_secret.secret_id, rotation.token, "setSecret")).code == code
    assert snapshot(driver, tencent_secret.secret_id) == before
    assert tencent.calls == []
