"""Faults injected by the Tencent emulator, seen through the real adapters (boto3 → moto, httpx → emulator)
with a virtual clock, so retries are counted, not waited for."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from conftest import AccountSetup, VirtualClock, cancel, documented_outcomes, step, unique

from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.retry import Backoff
from localcloud.aws.secretsmanager import LambdaContext, Rotation, SecretsManagerDriver
from localcloud.tencentcloud.postgres import DOCUMENTED_CODES as TENCENT_SEED_CODES
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


@pytest.fixture
def pending(driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock) -> Rotation:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    return rotation


@pytest.mark.parametrize("code", TENCENT_SEED_CODES)
def test_every_seed_code_comes_out_of_set_secret_as_the_docs_say(
    code: str,
    pending: Rotation,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    outcome = documented_outcomes("tencentcloud-postgres")[code]
    tencent.inject("error", action="ResetAccountPassword", times=100, code=code, message="documented failure")
    with pytest.raises(RotationError) as raised:
        step(pending, "setSecret", clock)
    error = raised.value
    assert type(error) is (RetryableRotationError if outcome == "retryable" else FatalRotationError)
    assert (error.code, error.provider, error.unclassified) == (code, "tencentcloud-postgres", False)
    assert error.request_id
    assert re.fullmatch(r"[0-9a-f-]{36}", error.request_id)
    assert code in str(error)
    assert "documented failure" in str(error)
    attempts = len(tencent.calls_of("ResetAccountPassword"))
    assert attempts == (Backoff().max_attempts if outcome == "retryable" else 1)
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == tencent_secret.old_password
    assert driver.value(tencent_secret.secret_id)["password"] == tencent_secret.old_password


def test_throttling_is_retried_with_backoff_then_succeeds(
    pending: Rotation,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    tencent.inject("error", action="ResetAccountPassword", times=2, code="RequestLimitExceeded")
    step(pending, "setSecret", clock)
    resets = tencent.calls_of("ResetAccountPassword")
    assert [call.outcome for call in resets] == ["fault", "fault", "ok"]
    assert len({call.params["Password"] for call in resets}) == 1
    assert len(clock.sleeps) == 2
    pending_password = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == pending_password


@pytest.mark.parametrize(
    ("fault", "details", "code"),
    [
        ("status", {"status": 503}, "HTTP.503"),
        ("status", {"status": 429}, "HTTP.429"),
        ("drop_before_apply", {}, "Transport.ConnectionLost"),
        ("drop_after_apply", {}, "Transport.ConnectionLost"),
    ],
)
def test_transport_faults_are_retried_and_the_same_password_lands(
    fault: str,
    details: dict[str, int],
    code: str,
    pending: Rotation,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    tencent.inject(fault, action="ResetAccountPassword", **details)
    step(pending, "setSecret", clock)
    pending_password = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == pending_password
    assert {call.params["Password"] for call in tencent.calls_of("ResetAccountPassword")} == {pending_password}
    assert len(clock.sleeps) == 1


def test_a_bare_5xx_that_persists_is_retryable_and_unclassified(
    pending: Rotation, tencent: TencentPostgresEmulator, clock: VirtualClock
) -> None:
    tencent.inject("status", action="ResetAccountPassword", times=100, status=502)
    with pytest.raises(RetryableRotationError) as raised:
        step(pending, "setSecret", clock)
    assert (raised.value.code, raised.value.unclassified) == ("HTTP.502", True)


def test_a_timeout_after_the_reset_was_applied_is_retried_safely(
    pending: Rotation,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    driver: SecretsManagerDriver,
    clock: VirtualClock,
) -> None:
    # Real time: the first answer comes after the client gave up. The client's timeout is ~90x the slowest
    # emulator answer measured with four CPU hogs on this 2-core machine (22 ms, 1000 calls), so the retry's answer
    # always comes in time; the delay is twice the timeout.
    tencent.inject("delay", action="ResetAccountPassword", seconds=4.0)
    with httpx.Client(timeout=2.0) as http:
        step(pending, "setSecret", clock, http=http)
    pending_password = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == pending_password
    assert len(clock.sleeps) == 1


def test_an_unreachable_endpoint_is_retryable(
    pending: Rotation, tencent: TencentPostgresEmulator, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    tencent.stop()
    with pytest.raises(RetryableRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "Transport.ConnectError"
    assert len(clock.sleeps) == Backoff().max_attempts - 1


def test_set_secret_waits_while_the_account_is_resetting(
    pending: Rotation, tencent: TencentPostgresEmulator, clock: VirtualClock
) -> None:
    tencent.settle_reads = 3
    step(pending, "setSecret", clock)
    assert len(clock.sleeps) == 3
    assert len(tencent.calls_of("DescribeAccounts")) == 4
    step(pending, "testSecret", clock)
    assert len(tencent.calls_of("DescribeAccounts")) == 4  # testSecret needs no API key: setSecret saw it applied


def test_set_secret_gives_up_retryably_when_the_account_never_settles(
    pending: Rotation, tencent: TencentPostgresEmulator, clock: VirtualClock
) -> None:
    tencent.settle_reads = 10_000
    with pytest.raises(RetryableRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "AccountNotReady"
    assert clock.elapsed <= LambdaContext().budget_ms / 1000


def test_set_secret_fails_when_the_account_vanishes_after_the_reset(
    pending: Rotation, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    tencent.forget_after_reset = True
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "AccountNotFound"


def test_set_secret_finds_the_account_beyond_the_first_page(
    pending: Rotation, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    for n in range(250):
        tencent.add_account(tencent_secret.instance_id, f"a_{n:03d}", "Irrelevant-1")
    step(pending, "setSecret", clock)
    step(pending, "testSecret", clock)
    assert [call.params["Offset"] for call in tencent.calls_of("DescribeAccounts")] == [0, 100, 200]


def test_a_wrong_secret_key_is_fatal(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = unique("tencent-wrong-key")
    driver.create_secret(wrong, {"secret_id": tencent_secret.key.secret_id, "secret_key": "not-the-key"})
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", wrong)
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "AuthFailure.SignatureFailure"


def test_temporary_credentials_send_their_token(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tencent.tokens[tencent_secret.key.secret_id] = "sts-session-token"
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "AuthFailure.TokenFailure"
    temporary = unique("tencent-sts-key")
    key = tencent_secret.key
    driver.create_secret(
        temporary, {"secret_id": key.secret_id, "secret_key": key.secret_key, "token": "sts-session-token"}
    )
    # credentials_secret in the secret beats the environment's default.
    document = {**driver.value(tencent_secret.secret_id), "credentials_secret": temporary}
    driver.sm.put_secret_value(SecretId=tencent_secret.secret_id, SecretString=json.dumps(document))
    assert cancel(tencent_secret.secret_id)["outcome"] == "cancelled"
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    assert tencent.calls_of("ResetAccountPassword")[-1].outcome == "ok"


@pytest.mark.parametrize(
    ("key_document", "code"),
    [
        ("not json", "InvalidCredentialsSecret"),
        ('{"secret_id": "AKID"}', "InvalidCredentialsSecret"),
        ('{"secret_id": "AKID", "secret_key": "k", "token": 5}', "InvalidCredentialsSecret"),
    ],
)
def test_a_malformed_api_key_secret_is_fatal_and_sends_nothing(
    key_document: str,
    code: str,
    pending: Rotation,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = unique("tencent-broken-key")
    driver.sm.create_secret(Name=broken, SecretString=key_document)
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_SECRET", broken)
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == code
    assert tencent.calls == []


def test_no_provider_access_configured_is_fatal_and_says_what_to_set(
    pending: Rotation, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TENCENTCLOUD_CREDENTIALS_SECRET")
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "NoProviderAccess"
    for variable in ("TENCENTCLOUD_ROLE_ARN", "TENCENTCLOUD_OIDC_PROVIDER_ID", "TENCENTCLOUD_CREDENTIALS_SECRET"):
        assert variable in str(raised.value)


def test_a_plain_http_endpoint_off_loopback_is_refused(
    pending: Rotation, tencent: TencentPostgresEmulator, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL", "http://postgres.example.com")
    with pytest.raises(FatalRotationError) as raised:
        step(pending, "setSecret", clock)
    assert raised.value.code == "InvalidConfiguration"
    assert tencent.calls == []
