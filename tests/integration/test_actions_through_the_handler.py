"""rotate and verify actions, and the bare scheduled sweep, through the handler against the local stand-ins."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import AccountSetup, LoggedLines, VirtualClock, attach_database, unique

from crossrotate import actions, events, runtime
from crossrotate.actions import rotation_token
from crossrotate.errors import RetryableRotationError
from localcloud.aws.secretsmanager import FUNCTION_ARN, LambdaContext, SecretsManagerDriver
from localcloud.databases import PostgresServer, account_admin
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

Invoke = Callable[..., Any]
EVENTS = Path(__file__).parents[2] / "events"


@pytest.fixture
def invoke() -> Invoke:
    from app import lambda_handler

    def call(event: dict[str, Any], **context: Any) -> Any:
        return lambda_handler(event, LambdaContext(**context))

    return call


def only(document: dict[str, Any]) -> dict[str, Any]:
    (result,) = document["results"]
    return dict(result)


def test_rotate_starts_a_rotation_that_the_service_then_runs(
    invoke: Invoke, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    driver.start_rotation(tencent_secret.secret_id)  # configure rotation, as RotateSecret with rules does
    driver.run_started(tencent_secret.secret_id)
    document = invoke({"action": "rotate", "secret_id": tencent_secret.secret_id, "execution_id": "run-1"})
    assert (document["action"], document["succeeded"], document["failed"]) == ("rotate", 1, 0)
    result = only(document)
    assert (result["outcome"], result["retryable"], result["code"]) == ("started", False, None)
    token = rotation_token(tencent_secret.secret_id, "run-1")
    assert driver.versions(tencent_secret.secret_id)[token] == ["AWSPENDING"]
    rotation = driver.run_started(tencent_secret.secret_id)
    assert rotation.token == token
    assert (
        tencent.password_of(tencent_secret.instance_id, tencent_secret.username)
        == driver.value(tencent_secret.secret_id)["password"]
    )


def test_a_redelivered_rotate_event_starts_no_second_rotation(
    invoke: Invoke, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    driver.rotate(tencent_secret.secret_id)
    event = {"action": "rotate", "secret_ids": [tencent_secret.secret_id], "scheduled_time": "2026-11-23T00:00:00Z"}
    assert only(invoke(event))["outcome"] == "started"
    versions = driver.versions(tencent_secret.secret_id)
    again = only(invoke(event))  # while the first is still pending
    assert (again["outcome"], again["message"]) == ("started", "rotation already started by this delivery")
    assert driver.versions(tencent_secret.secret_id) == versions
    driver.run_started(tencent_secret.secret_id)
    versions = driver.versions(tencent_secret.secret_id)
    assert only(invoke(event))["outcome"] == "started"  # after it completed
    assert driver.versions(tencent_secret.secret_id) == versions


def test_without_a_delivery_id_lambdas_request_id_keeps_async_retries_idempotent(
    invoke: Invoke, driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    driver.rotate(tencent_secret.secret_id)
    event = {"action": "rotate", "secret_id": tencent_secret.secret_id}
    invoke(event, request_id="11111111-2222-4333-8444-555555555555")
    versions = driver.versions(tencent_secret.secret_id)
    invoke(event, request_id="11111111-2222-4333-8444-555555555555")  # Lambda's retry keeps the request id
    assert driver.versions(tencent_secret.secret_id) == versions


def test_a_rotation_in_progress_is_reported_not_retried(
    invoke: Invoke, driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    driver.start_rotation(tencent_secret.secret_id)
    versions = driver.versions(tencent_secret.secret_id)
    result = only(invoke({"action": "rotate", "secret_id": tencent_secret.secret_id, "execution_id": "other"}))
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "RotationInProgress", False)
    assert driver.versions(tencent_secret.secret_id) == versions


def test_one_failing_secret_does_not_stop_the_others(
    invoke: Invoke, driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    driver.rotate(tencent_secret.secret_id)
    missing = unique("missing")
    document = invoke({"action": "verify", "secret_ids": [missing, tencent_secret.secret_id]})
    assert (document["succeeded"], document["failed"]) == (1, 1)
    first, second = document["results"]
    assert (first["secret_id"], first["outcome"], first["code"]) == (missing, "failed", "SecretNotFound")
    assert (second["outcome"], second["code"]) == ("verified", None)


def test_verify_changes_nothing(
    invoke: Invoke, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    versions, value = driver.versions(tencent_secret.secret_id), driver.value(tencent_secret.secret_id)
    result = only(invoke({"action": "verify", "secret_id": tencent_secret.secret_id}))
    assert result == {
        "secret_id": tencent_secret.secret_id,
        "outcome": "verified",
        "retryable": False,
        "code": None,
        "message": "secret, provider access and account are good",
        "request_id": None,
    }
    assert (driver.versions(tencent_secret.secret_id), driver.value(tencent_secret.secret_id)) == (versions, value)
    assert {call.action for call in tencent.calls} == {"DescribeAccounts"}


def test_verify_logs_in_with_the_current_password(
    invoke: Invoke,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    postgres_server: PostgresServer,
) -> None:
    attach_database(driver, tencent_secret, tencent, postgres_server)
    assert only(invoke({"action": "verify", "secret_id": tencent_secret.secret_id}))["outcome"] == "verified"
    account_admin(postgres_server.admin_dsn).set_password(tencent_secret.username, "Changed-Elsewhere1!")
    result = only(invoke({"action": "verify", "secret_id": tencent_secret.secret_id}))
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "CurrentPasswordRejected", False)


def act(event: dict[str, Any], clock: VirtualClock) -> dict[str, Any]:
    """An action through the library with a virtual clock: retries and waits are counted, not slept."""
    request = events.parse_event(event)
    assert isinstance(request, events.ActionRequest)
    return actions.run_action(request, runtime.dependencies(LambdaContext(), clock=clock))


def listed_result(logged: LoggedLines) -> dict[str, Any]:
    """The one result of the document the last action logged (a raising action logs it before it raises)."""
    *_, listed = [line["action_result"] for line in logged() if "action_result" in line]
    return only(listed)


def test_verify_reports_a_fatal_provider_answer_and_returns(
    invoke: Invoke, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    tencent.inject("error", action="DescribeAccounts", code="AuthFailure.SignatureFailure")
    result = only(invoke({"action": "verify", "secret_id": tencent_secret.secret_id}))
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "AuthFailure.SignatureFailure", False)
    assert result["request_id"]
    assert len(tencent.calls_of("DescribeAccounts")) == 1


def test_verify_retries_transient_answers_as_the_steps_do(
    tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """A healthy secret behind a briefly throttled API is verified, not reported as a failure."""
    tencent.inject("error", action="DescribeAccounts", code="RequestLimitExceeded", times=2)
    tencent.inject("status", action="DescribeAccounts", status=503)
    result = only(act({"action": "verify", "secret_id": tencent_secret.secret_id}, clock))
    assert (result["outcome"], result["code"]) == ("verified", None)
    assert [call.outcome for call in tencent.calls_of("DescribeAccounts")] == ["fault", "fault", "fault", "ok"]
    assert len(clock.sleeps) == 3


def test_verify_raises_retryably_when_the_provider_stays_throttled(
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    logged: LoggedLines,
) -> None:
    tencent.inject("error", action="DescribeAccounts", code="RequestLimitExceeded", times=1000)
    with pytest.raises(RetryableRotationError) as raised:
        act({"action": "verify", "secret_id": tencent_secret.secret_id}, clock)
    assert raised.value.code == "ActionIncomplete"
    assert (listed_result(logged)["code"], listed_result(logged)["retryable"]) == ("RequestLimitExceeded", True)
    assert len(tencent.calls_of("DescribeAccounts")) == 5


def test_verify_classifies_account_states_as_the_table_does(
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    logged: LoggedLines,
) -> None:
    """Settling is waited for, like setSecret does; still settling at the deadline is AccountNotReady
    (retryable); a locked account is AccountNotUsable (fatal): as docs/errors.md says."""
    event = {"action": "verify", "secret_id": tencent_secret.secret_id}
    account = tencent.instances[tencent_secret.instance_id].accounts[tencent_secret.username]
    account.settling_reads = 2
    assert only(act(event, clock))["outcome"] == "verified"
    account.settling_reads = 10**6
    with pytest.raises(RetryableRotationError):
        act(event, clock)
    assert (listed_result(logged)["code"], listed_result(logged)["retryable"]) == ("AccountNotReady", True)
    account.settling_reads, account.status = 0, 5  # Tencent's "locked"
    result = only(act(event, clock))
    assert (result["code"], result["retryable"]) == ("AccountNotUsable", False)


def test_a_bare_scheduled_event_verifies_every_secret_this_function_rotates(
    invoke: Invoke, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    function = f"arn:aws:lambda:us-east-1:123456789012:function:{unique('sweeper')}"
    driver.sm.rotate_secret(
        SecretId=tencent_secret.secret_id, RotationLambdaARN=function, RotationRules={"AutomaticallyAfterDays": 30}
    )
    driver.run_started(tencent_secret.secret_id)
    other = unique("other-function")
    driver.create_secret(other, {"x": 1})
    driver.sm.rotate_secret(
        SecretId=other, RotationLambdaARN=FUNCTION_ARN, RotationRules={"AutomaticallyAfterDays": 30}
    )
    for payload in ("scheduled-event.json", "verify-all.json"):  # the schedule's event, and the same by hand
        event = json.loads((EVENTS / payload).read_text())
        document = invoke(event, function_arn=function + ":live")  # an alias of the same function
        assert document["action"] == "verify"
        assert [(r["secret_id"].split(":")[-1].rsplit("-", 1)[0], r["outcome"]) for r in document["results"]] == [
            (tencent_secret.secret_id, "verified")
        ]


def test_scheduled_action_rotate(
    invoke: Invoke, driver: SecretsManagerDriver, tencent_secret: AccountSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    function = f"arn:aws:lambda:us-east-1:123456789012:function:{unique('sweeper')}"
    driver.sm.rotate_secret(
        SecretId=tencent_secret.secret_id, RotationLambdaARN=function, RotationRules={"AutomaticallyAfterDays": 30}
    )
    driver.run_started(tencent_secret.secret_id)
    monkeypatch.setenv("SCHEDULED_ACTION", "rotate")
    event = {"version": "0", "id": "evt-7", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    assert only(invoke(event, function_arn=function))["outcome"] == "started"
    assert rotation_token(
        driver.sm.describe_secret(SecretId=tencent_secret.secret_id)["ARN"], "evt-7"
    ) in driver.versions(tencent_secret.secret_id)


def emf(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_a_failing_action_counts_each_secret_once_and_its_summary_not_at_all(
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Two secrets fail retryably: two Failures for the alarms, one HandledErrors for the raised summary."""
    from app import lambda_handler

    tencent.inject("error", action="DescribeAccounts", code="RequestLimitExceeded", times=1000)
    capfd.readouterr()
    with pytest.raises(RetryableRotationError):
        lambda_handler(
            {"action": "verify", "secret_ids": [tencent_secret.secret_id, tencent_secret.secret_id]},
            LambdaContext(budget_ms=13_000),  # time for one attempt per secret, no retry
        )
    lines = emf(capfd.readouterr().out)
    assert [line["FailureClass"] for line in lines if "Failures" in line] == ["Retryable", "Retryable"]
    assert len([line for line in lines if "HandledErrors" in line]) == 1


def test_rotations_and_failures_are_counted_in_emf_metrics(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    capfd: pytest.CaptureFixture[str],
) -> None:
    driver.rotate(tencent_secret.secret_id)
    tencent.inject("error", action="ResetAccountPassword", code="InvalidParameterValue.InvalidParameterValueError")
    rotation = driver.start_rotation(tencent_secret.secret_id)
    driver.step(rotation, "createSecret")
    with pytest.raises(Exception):  # noqa: B017, PT011 - the failure itself is asserted elsewhere
        driver.step(rotation, "setSecret")
    lines = emf(capfd.readouterr().out)
    names = {
        (line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], line.get("Step"), line.get("FailureClass"))
        for line in lines
    }
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert ("StepSucceeded", step, None) in names
    assert ("StepFailed", "setSecret", "Fatal") in names
    failures = [line for line in lines if "Failures" in line]
    assert [line["FailureClass"] for line in failures] == ["Fatal"]  # counted once, for the alarms
    assert len([line for line in lines if "HandledErrors" in line]) == 1  # what FunctionErrorsAlarm subtracts
    succeeded = next(line for line in lines if line.get("Step") == "setSecret")
    assert succeeded["Provider"] == "tencentcloud-postgres"
    assert {line["Provider"] for line in lines if "StepSucceeded" in line} == {"tencentcloud-postgres"}
    latency = [line for line in lines if "ProviderCallLatency" in line]
    assert {line["Action"] for line in latency} == {"ResetAccountPassword", "DescribeAccounts"}
    assert all(value >= 0 for line in latency for value in line["ProviderCallLatency"])
    assert all(tencent_secret.secret_id not in json.dumps(line) for line in lines)
