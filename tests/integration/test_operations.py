"""What an operator, an alarm or a repeated delivery does to a secret: each test would have caught a defect that
was found by trying the product as a careful operator would.

- finishSecret repeated after the label moved (a retried call, a second copy) succeeds;
- setSecret stops before the reset when its own login check is a fatal answer (tests in test_database_login.py);
- ``cancel`` is safe from every point of a rotation, on a real PostgreSQL: afterwards AWSCURRENT logs in, and no
  working password sits on an unlabelled version;
- a scheduled ``rotate`` never turns rotation back on, and a retried Scheduler firing starts nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import AccountSetup, LoggedLines, VirtualClock, attach_database, cancel, step, unique

from crossrotate import actions, aws, events, runtime, sweeps
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.events import StepRequest
from crossrotate.ports import RotatedSecret
from crossrotate.protocol import run_step
from localcloud.aws.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver
from localcloud.databases import PostgresServer, logs_in
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


class StoreAround(aws.SecretsManagerStore):
    """The real Secrets Manager adapter with something else happening at one moment (another copy of a step,
    an operator, a lost answer): the tests swap this adapter in, nothing else."""

    def __init__(self, **moments: Callable[..., Any]) -> None:
        super().__init__()
        self.moments = moments

    def move_current(self, secret_id: str, to_version: str, from_version: str | None) -> None:
        if "move_current" in self.moments:
            self.moments["move_current"](super().move_current, secret_id, to_version, from_version)
        else:
            super().move_current(secret_id, to_version, from_version)

    def get_value(self, secret_id: str, **which: Any) -> Any:
        if "get_value" in self.moments:
            self.moments["get_value"]()
        return super().get_value(secret_id, **which)

    def rotated_by(self, function_arn: str) -> list[RotatedSecret]:
        listed = super().rotated_by(function_arn)
        if "rotated_by" in self.moments:
            self.moments["rotated_by"](listed)
        return listed


def run_with(store: aws.SecretsManagerStore, rotation: Rotation, name: str, clock: VirtualClock) -> None:
    deps = runtime.dependencies(LambdaContext(), clock=clock)._replace(store=store)
    run_step(StepRequest(name, rotation.secret_id, rotation.token, None), deps)


@pytest.fixture
def tested(driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock) -> Rotation:
    """A rotation that has passed testSecret: only finishSecret is left."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    for name in STEPS[:3]:
        step(rotation, name, clock)
    return rotation


# -- finishSecret repeated -------------------------------------------------------------------------------------


def test_finish_secret_whose_call_was_retried_after_it_took_effect_succeeds(
    driver: SecretsManagerDriver, tested: Rotation, clock: VirtualClock
) -> None:
    """The first UpdateSecretVersionStage moved the label but its answer was lost; the retry is refused by the
    service (InvalidParameterException): the label is where it should be, so the step succeeds."""

    def answer_lost(move: Callable[..., None], *args: Any) -> None:
        move(*args)
        move(*args)

    run_with(StoreAround(move_current=answer_lost), tested, "finishSecret", clock)
    assert driver.version_with(tested.secret_id, "AWSCURRENT") == tested.token


def test_two_copies_of_finish_secret_both_succeed(
    driver: SecretsManagerDriver, tested: Rotation, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """Both read the labels before either moved them; the second copy's move is refused, and it succeeds."""

    def other_copy_first(move: Callable[..., None], *args: Any) -> None:
        step(tested, "finishSecret", clock)
        move(*args)

    run_with(StoreAround(move_current=other_copy_first), tested, "finishSecret", clock)
    assert driver.version_with(tested.secret_id, "AWSCURRENT") == tested.token
    assert driver.value(tested.secret_id, "AWSPREVIOUS")["password"] == tencent_secret.old_password


def test_finish_secret_still_fails_when_the_label_did_not_move(
    driver: SecretsManagerDriver, tested: Rotation, clock: VirtualClock
) -> None:
    """Re-reading the labels is no blanket pardon: a refused move that left AWSCURRENT elsewhere is reported."""

    def refused(move: Callable[..., None], secret_id: str, to_version: str, from_version: str | None) -> None:
        move(secret_id, to_version, tested.token)  # names the wrong version: the service refuses

    with pytest.raises(FatalRotationError) as raised:
        run_with(StoreAround(move_current=refused), tested, "finishSecret", clock)
    assert raised.value.code == "InvalidParameterException"
    assert driver.version_with(tested.secret_id, "AWSCURRENT") != tested.token


# -- cancel from every point of a rotation -----------------------------------------------------------------------

POINTS = [
    "nothing started",
    "before createSecret",
    "after createSecret",
    "after setSecret",
    "after setSecret lost its answer",
    "after testSecret",
    "after finishSecret",
]


@pytest.fixture
def on_postgres(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    postgres_server: PostgresServer,
) -> AccountSetup:
    attach_database(driver, tencent_secret, tencent, postgres_server, tls="disable")
    return tencent_secret


def bring_to(point: str, driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, secret_id: str) -> None:
    clock = VirtualClock()
    if point == "nothing started":
        return
    rotation = driver.start_rotation(secret_id)
    for name in STEPS:
        if point == f"before {name}":
            return
        if point == "after setSecret lost its answer" and name == "setSecret":
            tencent.inject("drop_after_apply", action="ResetAccountPassword", times=5)
            with pytest.raises(RetryableRotationError):
                step(rotation, name, clock)
            return
        step(rotation, name, clock)
        if point == f"after {name}":
            if name == "finishSecret":
                driver.complete(rotation)
            return


@pytest.mark.parametrize("point", POINTS)
def test_cancel_is_safe_from_every_point_of_a_rotation(
    point: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    on_postgres: AccountSetup,
    postgres_server: PostgresServer,
) -> None:
    secret_id = on_postgres.secret_id
    bring_to(point, driver, tencent, secret_id)
    settings = {k: driver.sm.describe_secret(SecretId=secret_id).get(k) for k in ("RotationEnabled", "RotationRules")}
    labels = driver.versions(secret_id)
    unfinished = [v for v, stages in labels.items() if "AWSPENDING" in stages and "AWSCURRENT" not in stages]

    result = cancel(secret_id)

    current = driver.value(secret_id)
    assert logs_in("postgres", postgres_server.port, on_postgres.username, current["password"])
    after = driver.versions(secret_id)
    assert not [v for v, stages in after.items() if "AWSPENDING" in stages and "AWSCURRENT" not in stages]
    settings_after = {k: driver.sm.describe_secret(SecretId=secret_id).get(k) for k in settings}
    assert settings_after == settings  # cancel never turns rotation off (CancelRotateSecret would)
    if unfinished:
        assert (result["outcome"], result["code"]) == ("cancelled", None)
        assert {v: [s for s in stages if s != "AWSPENDING"] for v, stages in labels.items()} == after
    else:
        assert (result["outcome"], result["code"]) == ("verified", None)
        assert after == labels
    assert cancel(secret_id)["outcome"] == "verified"  # repeated after it took effect: nothing to do
    assert driver.versions(secret_id) == after
    driver.rotate(secret_id)  # and the secret rotates again
    assert logs_in("postgres", postgres_server.port, on_postgres.username, driver.value(secret_id)["password"])


def test_cancel_after_the_reset_restores_the_labelled_password_before_it_removes_the_label(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    on_postgres: AccountSetup,
    postgres_server: PostgresServer,
) -> None:
    bring_to("after setSecret", driver, tencent, on_postgres.secret_id)
    pending = driver.value(on_postgres.secret_id, "AWSPENDING")["password"]
    assert logs_in("postgres", postgres_server.port, on_postgres.username, pending)
    assert cancel(on_postgres.secret_id)["outcome"] == "cancelled"
    resets = [call.params["Password"] for call in tencent.calls_of("ResetAccountPassword")]
    assert resets == [pending, on_postgres.old_password]
    assert not logs_in("postgres", postgres_server.port, on_postgres.username, pending)
    assert logs_in("postgres", postgres_server.port, on_postgres.username, on_postgres.old_password)


def test_a_cancel_that_fails_retryably_leaves_awspending_and_can_be_repeated(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    on_postgres: AccountSetup,
    postgres_server: PostgresServer,
    clock: VirtualClock,
) -> None:
    secret_id = on_postgres.secret_id
    bring_to("after setSecret", driver, tencent, secret_id)
    labels = driver.versions(secret_id)
    tencent.inject("error", action="ResetAccountPassword", code="RequestLimitExceeded", times=1000)
    request = events.parse_event({"action": "cancel", "secret_id": secret_id})
    assert isinstance(request, events.ActionRequest)
    with pytest.raises(RetryableRotationError) as raised:
        actions.run_action(request, runtime.dependencies(LambdaContext(), clock=clock))
    assert raised.value.code == "ActionIncomplete"
    assert driver.versions(secret_id) == labels  # AWSPENDING still holds the password the database accepts
    pending = driver.value(secret_id, "AWSPENDING")["password"]
    assert logs_in("postgres", postgres_server.port, on_postgres.username, pending)
    tencent.clear_faults()
    assert cancel(secret_id)["outcome"] == "cancelled"
    assert logs_in("postgres", postgres_server.port, on_postgres.username, driver.value(secret_id)["password"])


def test_cancel_refuses_when_no_labelled_version_names_the_pending_account(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    """The operator pointed the secret at another account mid-rotation, twice: neither AWSCURRENT nor AWSPREVIOUS
    names the pending account, so its password cannot be restored; nothing is changed and the failure says why.
    (After one change AWSPREVIOUS still names it, and cancel restores that: see the next test.)"""
    secret_id = tencent_secret.secret_id
    bring_to("after setSecret", driver, tencent, secret_id)
    tencent.add_account(tencent_secret.instance_id, "someone_else", "Other-Passw0rd!")
    document = {**driver.value(secret_id), "username": "someone_else", "password": "Other-Passw0rd!"}
    for _ in range(2):
        driver.sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(document))
    labels, calls = driver.versions(secret_id), len(tencent.calls)
    result = cancel(secret_id)
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "PendingAccountUnknown", False)
    assert driver.versions(secret_id) == labels
    assert len(tencent.calls) == calls


def test_cancel_restores_the_pending_account_from_awsprevious_when_awscurrent_names_another(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    secret_id = tencent_secret.secret_id
    bring_to("after setSecret", driver, tencent, secret_id)
    tencent.add_account(tencent_secret.instance_id, "someone_else", "Other-Passw0rd!")
    document = {**driver.value(secret_id), "username": "someone_else", "password": "Other-Passw0rd!"}
    driver.sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(document))
    assert cancel(secret_id)["outcome"] == "cancelled"
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == tencent_secret.old_password
    assert driver.value(secret_id, "AWSPREVIOUS")["password"] == tencent_secret.old_password


def test_cancel_removes_a_pending_version_that_could_never_have_been_sent(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    """setSecret refuses a pending password that breaks the provider's rules, so such a version never reached
    the provider: removing its label is safe, and no provider call is needed."""
    secret_id = tencent_secret.secret_id
    rotation = driver.start_rotation(secret_id)
    weak = {**driver.value(secret_id), "password": "short"}
    driver.sm.put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=rotation.token,
        SecretString=json.dumps(weak),
        VersionStages=["AWSPENDING"],
    )
    assert cancel(secret_id)["outcome"] == "cancelled"
    assert "AWSPENDING" not in driver.versions(secret_id)[rotation.token]
    assert tencent.calls == []


# -- rotate: never turns rotation back on, never twice per firing ------------------------------------------------


def invoke(event: dict[str, Any], **context: Any) -> dict[str, Any]:
    from app import lambda_handler

    document: dict[str, Any] = lambda_handler(event, LambdaContext(**context))
    return document


def turn_off(driver: SecretsManagerDriver, secret_id: str) -> None:
    driver.sm.cancel_rotate_secret(SecretId=secret_id)
    assert driver.sm.describe_secret(SecretId=secret_id)["RotationEnabled"] is False


def test_a_named_rotate_on_a_secret_whose_rotation_is_off_fails_fatally_and_leaves_it_off(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    driver.rotate(tencent_secret.secret_id)
    turn_off(driver, tencent_secret.secret_id)
    labels = driver.versions(tencent_secret.secret_id)
    (result,) = invoke({"action": "rotate", "secret_id": tencent_secret.secret_id})["results"]
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "RotationDisabled", False)
    assert driver.sm.describe_secret(SecretId=tencent_secret.secret_id)["RotationEnabled"] is False
    assert driver.versions(tencent_secret.secret_id) == labels


def rotated_by(driver: SecretsManagerDriver, secret_id: str, function: str) -> str:
    """Make ``function`` the secret's rotation function and finish the rotation that turning it on starts."""
    driver.sm.rotate_secret(SecretId=secret_id, RotationLambdaARN=function, RotationRules={"AutomaticallyAfterDays": 1})
    driver.run_started(secret_id)
    return str(driver.sm.describe_secret(SecretId=secret_id)["ARN"])


def test_a_rotate_sweep_skips_secrets_whose_rotation_is_off_even_when_turned_off_mid_sweep(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    function = f"arn:aws:lambda:us-east-1:123456789012:function:{unique('sweeper')}"
    arns = [rotated_by(driver, tencent_secret.secret_id, function)]
    for number in range(2):
        instance, name = f"postgres-sweep{number}{unique('i')[-8:]}", f"u{number}_{unique('u')[-8:]}"
        tencent.add_account(instance, name, "Old-Passw0rd!1")
        secret_id = unique("swept")
        document = {**driver.value(tencent_secret.secret_id), "instance_id": instance, "username": name}
        driver.create_secret(secret_id, {**document, "password": "Old-Passw0rd!1"})
        arns.append(rotated_by(driver, secret_id, function))
    off_before, on, off_during = arns
    turn_off(driver, off_before)
    store = StoreAround(rotated_by=lambda listed: turn_off(driver, off_during))  # the operator, mid-sweep
    deps = runtime.dependencies(LambdaContext(function_arn=function), clock=clock)._replace(store=store)
    labels = {arn: driver.versions(arn) for arn in (off_before, off_during)}
    document = sweeps.sweep_inline("rotate", "evt-1", deps)
    outcomes = {r["secret_id"]: (r["outcome"], r["code"]) for r in document["results"]}
    assert outcomes == {
        off_before: ("skipped", "RotationDisabled"),
        on: ("started", None),
        off_during: ("skipped", "RotationDisabled"),
    }
    assert (document["succeeded"], document["skipped"], document["failed"]) == (1, 2, 0)
    for arn in (off_before, off_during):
        assert driver.sm.describe_secret(SecretId=arn)["RotationEnabled"] is False
        assert driver.versions(arn) == labels[arn]


def test_a_retried_scheduler_firing_starts_no_second_rotation(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup
) -> None:
    """Scheduler gives each attempt of one firing a new execution id; the scheduled time stays."""
    driver.rotate(tencent_secret.secret_id)
    firing = {"action": "rotate", "secret_id": tencent_secret.secret_id, "scheduled_time": "2026-11-29T03:00:00Z"}
    (first,) = invoke({**firing, "execution_id": "attempt-1"})["results"]
    assert first["outcome"] == "started"
    labels = driver.versions(tencent_secret.secret_id)
    (again,) = invoke({**firing, "execution_id": "attempt-2"})["results"]
    assert (again["outcome"], again["message"]) == ("started", "rotation already started by this delivery")
    assert driver.versions(tencent_secret.secret_id) == labels
    driver.run_started(tencent_secret.secret_id)
    labels = driver.versions(tencent_secret.secret_id)
    invoke({**firing, "execution_id": "attempt-3"})  # after the rotation finished: still the same firing
    assert driver.versions(tencent_secret.secret_id) == labels


def test_an_action_out_of_time_lists_what_it_did_not_reach(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock, logged: LoggedLines
) -> None:
    """Never silently stops: the secrets the invocation has no time left for are retryable failures."""
    driver.rotate(tencent_secret.secret_id)
    request = events.parse_event({"action": "verify", "secret_ids": [tencent_secret.secret_id, "a", "b"]})
    assert isinstance(request, events.ActionRequest)

    def slow_read() -> None:
        clock.elapsed += 1.0  # each Secrets Manager read takes a second

    deps = runtime.dependencies(LambdaContext(), clock=clock)
    deps = deps._replace(store=StoreAround(get_value=slow_read), deadline=clock.monotonic() + 5.5)
    with pytest.raises(RetryableRotationError):
        actions.run_action(request, deps)
    *_, line = [line for line in logged() if "action_result" in line]
    assert [(r["outcome"], r["code"]) for r in line["action_result"]["results"]] == [
        ("verified", None),
        ("failed", "NotReached"),
        ("failed", "NotReached"),
    ]
