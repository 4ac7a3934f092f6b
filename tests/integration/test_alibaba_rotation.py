"""ApsaraDB RDS secrets rotated through the handler against moto and the Alibaba emulator, with V3 and v1
signatures; faults seen through the real adapters on a virtual clock."""

from __future__ import annotations

import json

import pytest
from conftest import AccountSetup, VirtualClock, documented_outcomes, step, unique

from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.providers.alibabacloud.api import default_endpoint
from crossrotate.providers.alibabacloud.rds.client import CENTRAL_REGIONS
from crossrotate.registry import PROVIDERS
from crossrotate.retry import Backoff
from localcloud.alibabacloud.rds import DOCUMENTED_CODES as ALIBABA_SEED_CODES
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import STEPS, Rotation, SecretsManagerDriver


@pytest.fixture(params=["v3", "v1"])
def signature_version(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    version: str = request.param
    monkeypatch.setenv("ALIBABACLOUD_SIGNATURE_VERSION", version)
    return version


def test_rotation_promotes_a_new_password_the_provider_holds(
    signature_version: str, driver: SecretsManagerDriver, alibaba: AlibabaRdsEmulator, alibaba_secret: AccountSetup
) -> None:
    before = driver.value(alibaba_secret.secret_id)
    rotation = driver.rotate(alibaba_secret.secret_id)

    current = driver.value(alibaba_secret.secret_id)
    assert driver.value(alibaba_secret.secret_id, "AWSPREVIOUS") == before
    assert PROVIDERS["alibabacloud-rds"].password_policy.violations(current["password"]) == []
    assert {k: v for k, v in current.items() if k != "password"} == {k: v for k, v in before.items() if k != "password"}
    assert alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username) == current["password"]
    assert [call.params["AccountPassword"] for call in alibaba.calls_of("ResetAccountPassword")] == [
        current["password"]
    ]
    assert set(alibaba.signatures) == {signature_version}

    calls = len(alibaba.calls)
    for name in STEPS:
        driver.step(rotation, name)
    assert driver.value(alibaba_secret.secret_id) == current
    assert len(alibaba.calls) == calls


def test_every_step_repeated_mid_rotation_keeps_one_pending_password(
    driver: SecretsManagerDriver, alibaba: AlibabaRdsEmulator, alibaba_secret: AccountSetup
) -> None:
    rotation = driver.start_rotation(alibaba_secret.secret_id)
    for name in STEPS:
        driver.step(rotation, name)
        if name != "finishSecret":
            driver.step(rotation, name)
    driver.complete(rotation)
    password = driver.value(alibaba_secret.secret_id)["password"]
    assert {call.params["AccountPassword"] for call in alibaba.calls_of("ResetAccountPassword")} == {password}


@pytest.fixture
def pending(driver: SecretsManagerDriver, alibaba_secret: AccountSetup, clock: VirtualClock) -> Rotation:
    rotation = driver.start_rotation(alibaba_secret.secret_id)
    step(rotation, "createSecret", clock)
    return rotation


@pytest.mark.parametrize(("code", "status"), ALIBABA_SEED_CODES.items())
def test_every_seed_code_comes_out_of_set_secret_as_the_docs_say(
    code: str,
    status: int,
    pending: Rotation,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    outcome = documented_outcomes("alibabacloud-rds")[code]
    alibaba.inject("error", action="ResetAccountPassword", times=100, code=code, status=status, message="documented")
    with pytest.raises(RotationError) as raised:
        step(pending, "setSecret", clock)
    error = raised.value
    assert type(error) is (RetryableRotationError if outcome == "retryable" else FatalRotationError)
    assert (error.code, error.provider, error.unclassified) == (code, "alibabacloud-rds", False)
    assert error.request_id
    assert len(alibaba.calls_of("ResetAccountPassword")) == (Backoff().max_attempts if error.retryable else 1)
    assert alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username) == alibaba_secret.old_password


def test_the_db_operation_placeholder_code_is_retried(
    pending: Rotation, alibaba: AlibabaRdsEmulator, clock: VirtualClock
) -> None:
    alibaba.inject(
        "error",
        action="ResetAccountPassword",
        code="ER_LOCK_WAIT_TIMEOUT",
        status=400,
        message="DB Operation Failed:lock.",
    )
    step(pending, "setSecret", clock)
    assert [c.outcome for c in alibaba.calls_of("ResetAccountPassword")] == ["fault", "ok"]


def test_throttling_honours_x_acs_retry_after(
    pending: Rotation, alibaba: AlibabaRdsEmulator, clock: VirtualClock
) -> None:
    alibaba.inject(
        "error",
        action="ResetAccountPassword",
        code="Throttling.User",
        status=400,
        headers={"x-acs-retry-after": "6500"},
    )
    step(pending, "setSecret", clock)
    assert clock.sleeps[0] >= 6.5
    assert [c.outcome for c in alibaba.calls_of("ResetAccountPassword")] == ["fault", "ok"]


@pytest.mark.parametrize("fault", ["drop_after_apply", "drop_before_apply"])
def test_a_dropped_connection_is_retried_and_the_same_password_lands(
    fault: str,
    pending: Rotation,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    alibaba.inject(fault, action="ResetAccountPassword")
    step(pending, "setSecret", clock)
    password = driver.value(alibaba_secret.secret_id, "AWSPENDING")["password"]
    assert alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username) == password
    assert {c.params["AccountPassword"] for c in alibaba.calls_of("ResetAccountPassword")} == {password}


def test_a_replayed_nonce_is_refused_and_a_retry_with_a_fresh_one_succeeds(
    pending: Rotation, alibaba: AlibabaRdsEmulator, clock: VirtualClock
) -> None:
    alibaba.inject("error", action="ResetAccountPassword", code="SignatureNonceUsed", status=400)
    step(pending, "setSecret", clock)
    assert [c.outcome for c in alibaba.calls_of("ResetAccountPassword")] == ["fault", "ok"]
    assert len(alibaba.nonces) == len(alibaba.calls)  # every request, the retry included, a fresh nonce


def test_a_stale_clock_is_refused_as_expired_and_retryable(
    pending: Rotation, alibaba: AlibabaRdsEmulator, clock: VirtualClock
) -> None:
    alibaba.now = lambda: 0.0  # the provider's clock is far from ours
    with pytest.raises(RetryableRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "InvalidTimeStamp.Expired"


def test_set_secret_waits_while_the_account_is_unavailable(
    pending: Rotation, alibaba: AlibabaRdsEmulator, clock: VirtualClock
) -> None:
    alibaba.settle_reads = 2
    step(pending, "setSecret", clock)
    assert len(clock.sleeps) == 2
    assert len(alibaba.calls_of("DescribeAccounts")) == 3
    step(pending, "testSecret", clock)
    assert len(alibaba.calls_of("DescribeAccounts")) == 3  # testSecret needs no API key: setSecret saw it applied


def test_set_secret_waits_for_a_restarting_instance_then_gives_up_retryably(
    pending: Rotation, alibaba: AlibabaRdsEmulator, alibaba_secret: AccountSetup, clock: VirtualClock
) -> None:
    alibaba.reboot_after_reset = True
    with pytest.raises(RetryableRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "AccountNotReady"
    assert "Rebooting" in str(raised.value)


def test_a_locked_instance_is_fatal_and_keeps_the_password(
    pending: Rotation,
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    clock: VirtualClock,
) -> None:
    alibaba.instances[alibaba_secret.instance_id].lock_mode = "LockByDiskQuota"
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "IncorrectDBInstanceLockMode"
    assert alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username) == alibaba_secret.old_password


def test_set_secret_fails_when_the_account_is_gone(
    pending: Rotation, alibaba: AlibabaRdsEmulator, alibaba_secret: AccountSetup, clock: VirtualClock
) -> None:
    del alibaba.instances[alibaba_secret.instance_id].accounts[alibaba_secret.username]
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert alibaba.calls_of("ResetAccountPassword")[-1].outcome != "ok"
    assert not raised.value.retryable


def test_temporary_credentials_send_their_security_token(
    signature_version: str,
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alibaba.tokens[alibaba_secret.key.secret_id] = "sts-token"
    rotation = driver.start_rotation(alibaba_secret.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "InvalidSecurityToken.Expired"
    temporary = unique("alibaba-sts-key")
    key = alibaba_secret.key
    driver.create_secret(
        temporary, {"access_key_id": key.secret_id, "access_key_secret": key.secret_key, "security_token": "sts-token"}
    )
    monkeypatch.setenv("ALIBABACLOUD_CREDENTIALS_SECRET", temporary)
    step(rotation, "setSecret", clock)
    assert alibaba.calls_of("ResetAccountPassword")[-1].outcome == "ok"


def test_a_wrong_access_key_secret_is_fatal(
    pending: Rotation,
    driver: SecretsManagerDriver,
    alibaba_secret: AccountSetup,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = unique("alibaba-wrong-key")
    driver.create_secret(wrong, {"access_key_id": alibaba_secret.key.secret_id, "access_key_secret": "nope"})
    monkeypatch.setenv("ALIBABACLOUD_CREDENTIALS_SECRET", wrong)
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("key_document", "variable", "value", "code"),
    [
        ('{"access_key_id": "LTAI"}', None, None, "InvalidCredentialsSecret"),
        ("[]", None, None, "InvalidCredentialsSecret"),
        (None, "ALIBABACLOUD_SIGNATURE_VERSION", "v2", "InvalidConfiguration"),
        (None, "ALIBABACLOUD_ENDPOINT_URL", "http://rds.aliyuncs.com", "InvalidConfiguration"),
    ],
)
def test_bad_configuration_is_fatal_and_sends_nothing(
    key_document: str | None,
    variable: str | None,
    value: str | None,
    code: str,
    pending: Rotation,
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if key_document is not None:
        broken = unique("alibaba-broken-key")
        driver.sm.create_secret(Name=broken, SecretString=key_document)
        monkeypatch.setenv("ALIBABACLOUD_CREDENTIALS_SECRET", broken)
    if variable:
        monkeypatch.setenv(variable, value or "")
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == code
    assert alibaba.calls == []


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("cn-hangzhou", "https://rds.aliyuncs.com"),
        ("ap-southeast-1", "https://rds.aliyuncs.com"),
        ("eu-central-1", "https://rds.eu-central-1.aliyuncs.com"),
        ("ap-northeast-1", "https://rds.ap-northeast-1.aliyuncs.com"),
    ],
)
def test_central_regions_use_the_central_endpoint(region: str, endpoint: str) -> None:
    assert default_endpoint("rds", region, CENTRAL_REGIONS) == endpoint


def test_the_secret_may_name_its_own_access_key_secret(
    driver: SecretsManagerDriver,
    alibaba: AlibabaRdsEmulator,
    alibaba_secret: AccountSetup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ALIBABACLOUD_CREDENTIALS_SECRET")
    document = {**driver.value(alibaba_secret.secret_id), "credentials_secret": alibaba_secret.key_secret}
    driver.sm.put_secret_value(SecretId=alibaba_secret.secret_id, SecretString=json.dumps(document))
    driver.rotate(alibaba_secret.secret_id)
    assert (
        alibaba.password_of(alibaba_secret.instance_id, alibaba_secret.username)
        == driver.value(alibaba_secret.secret_id)["password"]
    )
