"""The actions (crossrotate.actions) called as library functions, over the real adapters against moto's Secrets
Manager and the Tencent emulator, with a virtual clock: what each action does to one secret, and how run_one and
run_action turn each secret's outcome into its line of the result document."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import pytest
from conftest import AccountSetup, LoggedLines, VirtualClock, step, unique

from crossrotate import runtime
from crossrotate.actions import (
    SECRET_BUDGET_S,
    SECRET_RESERVE_S,
    SecretResult,
    adopt,
    cancel,
    rotation_token,
    run_action,
    run_one,
    start_rotation,
    verify,
)
from crossrotate.dependencies import Dependencies
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.events import TOKEN, ActionRequest
from crossrotate.ports import ProviderApi
from crossrotate.secret import DatabaseSecret
from localcloud.aws.secretsmanager import FUNCTION_ARN, LambdaContext, RecordingMotoServer, SecretsManagerDriver
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


def deps(clock: VirtualClock, **context: Any) -> Dependencies:
    return runtime.dependencies(LambdaContext(**context), clock=clock)


def attach(driver: SecretsManagerDriver, secret_id: str, function: str = FUNCTION_ARN) -> None:
    """Make ``function`` the secret's rotation function, rotation on, and no rotation under way (moto cannot
    invoke the function: it leaves an empty AWSPENDING behind, which the service would have rotated away)."""
    with contextlib.suppress(driver.sm.exceptions.ResourceNotFoundException):
        driver.sm.rotate_secret(
            SecretId=secret_id, RotationLambdaARN=function, RotationRules={"AutomaticallyAfterDays": 30}
        )
    pending = driver.version_with(secret_id, "AWSPENDING")
    driver.sm.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=pending)


def rotations_started(server: RecordingMotoServer, before: int) -> list[str]:
    """The ClientRequestToken of every RotateSecret the local Secrets Manager received after its first ``before``
    calls."""
    return [call.params["ClientRequestToken"] for call in server.calls[before:] if call.operation == "RotateSecret"]


# -- rotate ------------------------------------------------------------------------------------------------------


def test_the_rotation_token_is_a_version_id_that_only_this_secret_and_delivery_produce() -> None:
    token = rotation_token("arn:secret:app", "2026-11-23T00:00:00Z")
    assert token == rotation_token("arn:secret:app", "2026-11-23T00:00:00Z")
    assert uuid.UUID(token).version == 5
    assert TOKEN.fullmatch(token)  # the steps accept it as their ClientRequestToken
    others = {rotation_token("arn:secret:other", "2026-11-23T00:00:00Z"), rotation_token("arn:secret:app", "evt-2")}
    assert token not in others
    assert len(others) == 2


def test_rotate_starts_one_rotation_per_delivery(
    driver: SecretsManagerDriver,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    secret_id = tencent_secret.secret_id
    attach(driver, secret_id)
    token = rotation_token(secret_id, "run-1")
    before = len(secrets_manager.calls)
    started = start_rotation(secret_id, "run-1", deps(clock))
    assert (started.outcome, token in started.message) == ("started", True)
    assert driver.versions(secret_id)[token] == ["AWSPENDING"]
    again = start_rotation(secret_id, "run-1", deps(clock))
    assert again == ("started", "rotation already started by this delivery")
    with pytest.raises(FatalRotationError) as raised:
        start_rotation(secret_id, "run-2", deps(clock))  # another delivery meets the first one's rotation
    assert raised.value.code == "RotationInProgress"
    assert token in str(raised.value)
    assert rotations_started(secrets_manager, before) == [token]


def never_attached(driver: SecretsManagerDriver, secret_id: str) -> None:
    pass


def turned_off(driver: SecretsManagerDriver, secret_id: str) -> None:
    attach(driver, secret_id)
    driver.sm.cancel_rotate_secret(SecretId=secret_id)


def unfinished(driver: SecretsManagerDriver, secret_id: str) -> None:
    driver.start_rotation(secret_id)


@pytest.mark.parametrize(
    ("prepare", "code"),
    [(never_attached, "RotationNotEnabled"), (turned_off, "RotationDisabled"), (unfinished, "RotationInProgress")],
    ids=["no-rotation-function", "rotation-turned-off", "rotation-unfinished"],
)
def test_rotate_refuses_without_calling_rotate_secret(
    prepare: Any,
    code: str,
    driver: SecretsManagerDriver,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    """RotateSecret would turn rotation back on, or continue the other rotation: neither is the operator's ask."""
    prepare(driver, tencent_secret.secret_id)
    versions, before = driver.versions(tencent_secret.secret_id), len(secrets_manager.calls)
    with pytest.raises(FatalRotationError) as raised:
        start_rotation(tencent_secret.secret_id, "run-1", deps(clock))
    assert raised.value.code == code
    assert rotations_started(secrets_manager, before) == []
    assert driver.versions(tencent_secret.secret_id) == versions


# -- verify ------------------------------------------------------------------------------------------------------


def test_verify_refuses_what_it_cannot_read_before_asking_the_provider(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    with pytest.raises(FatalRotationError) as raised:
        verify(unique("missing"), "d", deps(clock))
    assert raised.value.code == "SecretNotFound"
    driver.sm.put_secret_value(SecretId=tencent_secret.secret_id, SecretString='{"provider": "tencentcloud-postgres"}')
    with pytest.raises(FatalRotationError) as raised:
        verify(tencent_secret.secret_id, "d", deps(clock))
    assert raised.value.code == "InvalidSecret"
    assert tencent.calls == []


def test_verify_reports_an_account_the_provider_does_not_list(
    tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, driver: SecretsManagerDriver, clock: VirtualClock
) -> None:
    document = {**driver.value(tencent_secret.secret_id), "username": "app_nobody"}
    driver.sm.put_secret_value(SecretId=tencent_secret.secret_id, SecretString=json.dumps(document))
    with pytest.raises(FatalRotationError) as raised:
        verify(tencent_secret.secret_id, "d", deps(clock))
    assert raised.value.code == "AccountNotFound"
    assert {call.action for call in tencent.calls} == {"DescribeAccounts"}


# -- adopt -------------------------------------------------------------------------------------------------------

OTHER_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:someone-elses-rotator"


@pytest.mark.parametrize(
    ("attached_to", "said"),
    [
        (None, "not attached"),
        (FUNCTION_ARN + ":live", "already attached to this function"),  # an alias of the same function
        (FUNCTION_ARN + "-v2", f"rotated by {FUNCTION_ARN}-v2 now: attaching replaces it"),  # a longer name
        (OTHER_FUNCTION, f"rotated by {OTHER_FUNCTION} now: attaching replaces it"),
    ],
    ids=["unattached", "this-function", "similar-name", "another-function"],
)
def test_adopt_verifies_and_says_what_attaching_would_do_changing_nothing(
    attached_to: str | None,
    said: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
) -> None:
    if attached_to:
        attach(driver, tencent_secret.secret_id, attached_to)
    versions = driver.versions(tencent_secret.secret_id)
    adopted = adopt(tencent_secret.secret_id, "d", deps(clock, function_arn=FUNCTION_ARN + ":3"))
    assert adopted.outcome == "verified"
    assert f". {said};" in adopted.message
    assert adopted.message.startswith("secret, provider access and account are good")
    first_reset = f"resets {tencent_secret.username} on {tencent_secret.instance_id} through tencentcloud-postgres"
    assert adopted.message.endswith(first_reset)
    assert driver.versions(tencent_secret.secret_id) == versions
    assert tencent.calls_of("ResetAccountPassword") == []


def test_adopt_refuses_a_secret_whose_rotation_is_unfinished_before_asking_the_provider(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    with pytest.raises(FatalRotationError) as raised:
        adopt(tencent_secret.secret_id, "d", deps(clock))
    assert raised.value.code == "RotationInProgress"
    assert rotation.token in str(raised.value)
    assert tencent.calls == []


# -- cancel ------------------------------------------------------------------------------------------------------


def test_cancel_restores_the_labelled_password_removes_awspending_and_a_repeat_finds_nothing(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    secret_id = tencent_secret.secret_id
    rotation = driver.start_rotation(secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    pending = driver.value(secret_id, "AWSPENDING")["password"]
    current = driver.version_with(secret_id, "AWSCURRENT")
    cancelled = cancel(secret_id, "d", deps(clock))
    assert cancelled.outcome == "cancelled"
    assert rotation.token in cancelled.message
    resets = [call.params["Password"] for call in tencent.calls_of("ResetAccountPassword")]
    assert resets == [pending, tencent_secret.old_password]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == tencent_secret.old_password
    assert driver.versions(secret_id)[rotation.token] == []
    assert driver.version_with(secret_id, "AWSCURRENT") == current
    assert cancel(secret_id, "d", deps(clock)) == ("verified", "no unfinished rotation: nothing to cancel")
    assert len(tencent.calls_of("ResetAccountPassword")) == 2


# -- run_one: one secret's line ------------------------------------------------------------------------------------


def test_run_one_reports_a_success_as_its_outcome_and_message(
    tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    result = run_one("verify", tencent_secret.secret_id, "d", deps(clock), sweep=False)
    assert result == SecretResult(
        tencent_secret.secret_id, "verified", message="secret, provider access and account are good"
    )
    assert result.as_dict() == {
        "secret_id": tencent_secret.secret_id,
        "outcome": "verified",
        "retryable": False,
        "code": None,
        "request_id": None,
        "message": "secret, provider access and account are good",
    }


def settles_forever(tencent: TencentPostgresEmulator, setup: AccountSetup) -> None:
    """The provider lists the account as changing, whatever the wait: verify waits until its deadline."""
    tencent.instances[setup.instance_id].accounts[setup.username].settling_reads = 10**9


def test_run_one_gives_a_slow_secret_its_own_budget_not_the_invocations(
    tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """An invocation with a quarter of an hour left still stops waiting on one secret after its budget."""
    settles_forever(tencent, tencent_secret)
    result = run_one("verify", tencent_secret.secret_id, "d", deps(clock, budget_ms=900_000), sweep=False)
    assert (result.outcome, result.retryable, result.code) == ("failed", True, "AccountNotReady")
    assert result.message.startswith("rotation: AccountNotReady")
    assert SECRET_BUDGET_S - 5 < clock.elapsed <= SECRET_BUDGET_S


def test_run_one_carries_the_providers_code_and_request_id(
    tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    tencent.inject("error", action="DescribeAccounts", code="RequestLimitExceeded", times=10_000)
    result = run_one("verify", tencent_secret.secret_id, "d", deps(clock), sweep=False)
    assert (result.outcome, result.retryable, result.code) == ("failed", True, "RequestLimitExceeded")
    assert result.request_id
    assert result.request_id in result.message
    assert result.message.startswith("tencentcloud-postgres: RequestLimitExceeded")


@pytest.mark.parametrize(("sweep", "outcome"), [(True, "skipped"), (False, "failed")])
def test_rotation_turned_off_is_skipped_by_a_sweep_and_a_failure_when_named(
    sweep: bool, outcome: str, driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    turned_off(driver, tencent_secret.secret_id)
    result = run_one("rotate", tencent_secret.secret_id, "d", deps(clock), sweep=sweep)
    assert (result.outcome, result.retryable, result.code) == (outcome, False, "RotationDisabled")
    assert "turned off" in result.message
    assert driver.sm.describe_secret(SecretId=tencent_secret.secret_id)["RotationEnabled"] is False


def broken_for(username: str, clock: VirtualClock) -> Dependencies:
    """The real adapters, except that building a provider client for ``username`` raises what no table classifies,
    with the account's password in its message."""
    real = deps(clock)

    def providers(account: DatabaseSecret) -> ProviderApi:
        if account.username == username:
            raise RuntimeError(f"defect while holding {account.password}")
        return real.providers(account)

    return Dependencies(store=real.store, providers=providers, clock=clock, deadline=real.deadline)


def test_an_unexpected_exception_is_that_secrets_fatal_failure_and_quotes_nothing(
    tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    result = run_one("verify", tencent_secret.secret_id, "d", broken_for(tencent_secret.username, clock), sweep=False)
    assert (result.outcome, result.retryable, result.code) == ("failed", False, "UnexpectedError")
    assert result.message == "rotation: UnexpectedError: unexpected RuntimeError"
    assert tencent_secret.old_password not in repr(result)


# -- run_action: every secret, one document ----------------------------------------------------------------------


def test_one_broken_secret_does_not_stop_the_next_and_the_document_counts_each(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
) -> None:
    broken = unique("broken")
    driver.create_secret(broken, {**driver.value(tencent_secret.secret_id), "username": "app_broken"})
    missing = unique("missing")
    request = ActionRequest("verify", (broken, missing, tencent_secret.secret_id), "d")
    document = run_action(request, broken_for("app_broken", clock))
    assert [(r["secret_id"], r["outcome"], r["code"]) for r in document["results"]] == [
        (broken, "failed", "UnexpectedError"),
        (missing, "failed", "SecretNotFound"),
        (tencent_secret.secret_id, "verified", None),
    ]
    assert (document["action"], document["succeeded"], document["failed"], document["skipped"]) == ("verify", 1, 2, 0)


def test_a_rotate_sweep_skips_rotation_turned_off_and_starts_the_rest(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    off = unique("turned-off")
    driver.create_secret(off, driver.value(tencent_secret.secret_id))
    turned_off(driver, off)
    attach(driver, tencent_secret.secret_id)
    document = run_action(ActionRequest("rotate", (off, tencent_secret.secret_id), "sweep-1"), deps(clock), sweep=True)
    assert [r["outcome"] for r in document["results"]] == ["skipped", "started"]
    assert (document["succeeded"], document["failed"], document["skipped"]) == (1, 0, 1)
    assert rotation_token(off, "sweep-1") not in driver.versions(off)


def test_without_a_delivery_id_the_lambda_request_id_names_the_delivery(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    attach(driver, tencent_secret.secret_id)
    request_id = str(uuid.uuid4())
    run_action(ActionRequest("rotate", (tencent_secret.secret_id,), None), deps(clock, request_id=request_id))
    assert driver.versions(tencent_secret.secret_id)[rotation_token(tencent_secret.secret_id, request_id)] == [
        "AWSPENDING"
    ]


def test_secrets_the_invocation_has_no_time_left_for_are_retryable_not_reached(
    tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock, logged: LoggedLines
) -> None:
    """The first secret spends its whole budget waiting; the invocation has less than the reserve left for the
    next, which is listed as not reached; the action raises retryably once the document is logged."""
    settles_forever(tencent, tencent_secret)
    request = ActionRequest("verify", (tencent_secret.secret_id, "never-reached"), "d")
    deadline = SECRET_BUDGET_S + SECRET_RESERVE_S - 1  # time for the first secret's budget, not for the reserve too
    with pytest.raises(RetryableRotationError) as raised:
        run_action(request, deps(clock, budget_ms=int((deadline + runtime.SAFETY_MARGIN_S) * 1000)))
    assert raised.value.code == "ActionIncomplete"
    assert "2 of 2 secrets" in str(raised.value)
    (document,) = [line["action_result"] for line in logged() if "action_result" in line]
    assert [(r["outcome"], r["code"], r["retryable"]) for r in document["results"]] == [
        ("failed", "AccountNotReady", True),
        ("failed", "NotReached", True),
    ]
    assert document["results"][1]["secret_id"] == "never-reached"
