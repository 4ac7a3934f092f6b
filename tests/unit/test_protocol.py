"""The rotation protocol (crossrotate.protocol): each step called as a library function, over the real adapters
against moto's Secrets Manager and the Tencent emulator, with a virtual clock. What each step writes is read at
the boundary: the calls moto's server received and the calls the emulator answered."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from conftest import AccountSetup, VirtualClock

from crossrotate import runtime
from crossrotate.errors import FatalRotationError, RotationError
from crossrotate.events import StepRequest
from crossrotate.protocol import StepReport, promote_pending, prove_pending, run_step
from crossrotate.registry import PROVIDERS
from localcloud.aws.secretsmanager import (
    STEPS,
    LambdaContext,
    RecordingMotoServer,
    Rotation,
    SecretsManagerDriver,
)
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

READS = {"DescribeSecret", "GetSecretValue", "ListSecrets"}
CHANGING = ("createSecret", "setSecret", "finishSecret")
POLICY = PROVIDERS["tencentcloud-postgres"].password_policy


def request(rotation: Rotation, step: str, rotation_token: str | None = None) -> StepRequest:
    return StepRequest(step, rotation.secret_id, rotation.token, rotation_token)


def run(rotation: Rotation, step: str, clock: VirtualClock, report: StepReport | None = None) -> None:
    run_step(request(rotation, step), runtime.dependencies(LambdaContext(), clock=clock), report)


def writes_since(server: RecordingMotoServer, before: int) -> list[str]:
    """The Secrets Manager operations other than reads the server received after its first ``before`` calls."""
    return [call.operation for call in server.calls[before:] if call.operation not in READS]


def resets(tencent: TencentPostgresEmulator) -> list[str]:
    return [call.params["Password"] for call in tencent.calls_of("ResetAccountPassword")]


def put_pending_document(driver: SecretsManagerDriver, rotation: Rotation, **changes: object) -> dict[str, object]:
    """Store AWSCURRENT's document with ``changes`` as the rotation's (empty) AWSPENDING version, as another copy
    of createSecret, or an operator, could have."""
    document = {**driver.value(rotation.secret_id), **changes}
    driver.sm.put_secret_value(
        SecretId=rotation.secret_id,
        ClientRequestToken=rotation.token,
        SecretString=json.dumps(document),
        VersionStages=["AWSPENDING"],
    )
    return document


# -- the checks before a step changes anything ---------------------------------------------------------------


def previous_version(driver: SecretsManagerDriver, setup: AccountSetup, clock: VirtualClock) -> Rotation:
    """A finished rotation; the version it replaced (now AWSPREVIOUS) as the token."""
    rotation = driver.start_rotation(setup.secret_id)
    for step in STEPS:
        run(rotation, step, clock)
    driver.complete(rotation)
    return Rotation(setup.secret_id, driver.version_with(setup.secret_id, "AWSPREVIOUS"))


def rotation_turned_off(driver: SecretsManagerDriver, setup: AccountSetup, clock: VirtualClock) -> Rotation:
    rotation = driver.start_rotation(setup.secret_id)
    driver.sm.cancel_rotate_secret(SecretId=setup.secret_id)
    return rotation


def unknown_token(driver: SecretsManagerDriver, setup: AccountSetup, clock: VirtualClock) -> Rotation:
    driver.start_rotation(setup.secret_id)
    return Rotation(setup.secret_id, "f" * 32)


@pytest.mark.parametrize(
    ("make", "code"),
    [(rotation_turned_off, "RotationNotEnabled"), (unknown_token, "InvalidToken"), (previous_version, "NotPending")],
    ids=["rotation-off", "token-not-a-version", "token-not-pending"],
)
@pytest.mark.parametrize("step", CHANGING)
def test_a_changing_step_checks_rotation_and_token_before_it_writes_or_calls_the_provider(
    make: Callable[[SecretsManagerDriver, AccountSetup, VirtualClock], Rotation],
    code: str,
    step: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    rotation = make(driver, tencent_secret, clock)
    versions, provider_calls = driver.versions(tencent_secret.secret_id), len(tencent.calls)
    before = len(secrets_manager.calls)
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, step, clock)
    assert raised.value.code == code
    assert writes_since(secrets_manager, before) == []
    assert driver.versions(tencent_secret.secret_id) == versions
    assert len(tencent.calls) == provider_calls


@pytest.mark.parametrize("token", ["unknown", "previous"])
def test_test_secret_reads_the_labels_from_the_version_itself(
    token: str,
    driver: SecretsManagerDriver,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    """No DescribeSecret: a token that names no version, or one that is not AWSPENDING, is NotPending."""
    rotation = (unknown_token if token == "unknown" else previous_version)(driver, tencent_secret, clock)
    before = len(secrets_manager.calls)
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "testSecret", clock)
    assert raised.value.code == "NotPending"
    assert [call.operation for call in secrets_manager.calls[before:]] == ["GetSecretValue"]


def test_a_token_that_already_holds_awscurrent_makes_every_step_a_no_op(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    """A step delivered again after the rotation completed: success, nothing written, nothing sent."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    for step in STEPS:
        run(rotation, step, clock)
    driver.complete(rotation)
    versions, value, provider_calls = (
        driver.versions(tencent_secret.secret_id),
        driver.value(tencent_secret.secret_id),
        len(tencent.calls),
    )
    for step in STEPS:
        before = len(secrets_manager.calls)
        run(rotation, step, clock)
        assert writes_since(secrets_manager, before) == [], step
    assert (driver.versions(tencent_secret.secret_id), driver.value(tencent_secret.secret_id)) == (versions, value)
    assert len(tencent.calls) == provider_calls


# -- createSecret ------------------------------------------------------------------------------------------------


def test_create_secret_stores_a_generated_password_with_every_other_key_kept_and_calls_no_provider(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    report = StepReport()
    run(rotation, "createSecret", clock, report)
    pending, current = driver.value(tencent_secret.secret_id, "AWSPENDING"), driver.value(tencent_secret.secret_id)
    assert pending["password"] != current["password"]
    assert POLICY.violations(pending["password"]) == []
    assert {**pending, "password": None} == {**current, "password": None}
    assert driver.versions(tencent_secret.secret_id)[rotation.token] == ["AWSPENDING"]
    assert report.provider == "tencentcloud-postgres"
    assert tencent.calls == []


def test_create_secret_keeps_a_pending_password_another_copy_stored_first(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """Secrets Manager refuses different data under the token; the step takes that as done, not as a failure."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    first = put_pending_document(driver, rotation, password="Kept-Pending-Passw0rd!")
    run(rotation, "createSecret", clock)
    run(rotation, "createSecret", clock)
    assert driver.value(tencent_secret.secret_id, "AWSPENDING") == first


def test_create_secret_without_a_readable_current_version_stores_nothing(
    driver: SecretsManagerDriver,
    tencent_secret: AccountSetup,
    secrets_manager: RecordingMotoServer,
    clock: VirtualClock,
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    driver.sm.put_secret_value(SecretId=tencent_secret.secret_id, SecretString='{"password": "Leak-Me-N0t!"}')
    before = len(secrets_manager.calls)
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "createSecret", clock)
    assert raised.value.code == "InvalidSecret"
    assert "Leak-Me-N0t!" not in str(raised.value)
    assert writes_since(secrets_manager, before) == []
    assert driver.versions(tencent_secret.secret_id)[rotation.token] == ["AWSPENDING"]


# -- setSecret ---------------------------------------------------------------------------------------------------


def test_set_secret_sends_exactly_the_stored_pending_password_however_often_it_runs(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    run(rotation, "createSecret", clock)
    pending = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    run(rotation, "setSecret", clock)
    run(rotation, "setSecret", clock)
    assert resets(tencent) == [pending, pending]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == pending
    assert driver.value(tencent_secret.secret_id)["password"] == tencent_secret.old_password  # AWSCURRENT kept


def test_set_secret_refuses_a_pending_password_the_providers_rules_refuse(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put_pending_document(driver, rotation, password="short")
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "setSecret", clock)
    assert raised.value.code == "InvalidPendingPassword"
    assert "short" not in str(raised.value)
    assert tencent.calls == []


@pytest.mark.parametrize("step", ["setSecret", "testSecret", "finishSecret"])
def test_a_step_after_create_secret_refuses_a_pending_version_without_a_value(
    step: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)  # AWSPENDING exists, createSecret has not run
    current = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, step, clock)
    assert raised.value.code == "NotPending"
    assert driver.version_with(tencent_secret.secret_id, "AWSCURRENT") == current
    assert tencent.calls == []


@pytest.fixture
def no_tls_listener() -> Iterator[int]:
    """A loopback port where something answers PostgreSQL's SSLRequest with 'N': it offers no TLS."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(8)
                connection.sendall(b"N")

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def closed_port() -> int:
    """A loopback port nothing listens on: a login there is refused at once (Database.Unreachable)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_set_secret_stops_before_any_reset_when_the_login_check_can_never_succeed(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    no_tls_listener: int,
    clock: VirtualClock,
) -> None:
    """No TLS at host means testSecret could never log in: better no reset at all than one nobody can prove."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put_pending_document(driver, rotation, password=POLICY.generate(20), host="127.0.0.1", port=no_tls_listener)
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "setSecret", clock)
    assert raised.value.code == "Database.TlsUnavailable"
    assert tencent.calls == []
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == tencent_secret.old_password


def test_set_secret_resets_anyway_when_the_login_check_fails_for_a_passing_reason(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    password = POLICY.generate(20)
    put_pending_document(driver, rotation, password=password, host="127.0.0.1", port=closed_port())
    run(rotation, "setSecret", clock)
    assert resets(tencent) == [password]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == password


# -- testSecret --------------------------------------------------------------------------------------------------


def test_test_secret_accepts_a_password_this_function_did_not_choose(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """Attaching with RotateImmediately false runs testSecret alone on a copy of the current value: the
    provider's password rules are setSecret's business, not testSecret's."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put_pending_document(driver, rotation, password="weak")
    report = StepReport()
    prove_pending(request(rotation, "testSecret"), runtime.dependencies(LambdaContext(), clock=clock), report)
    assert report.provider == "tencentcloud-postgres"
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "setSecret", clock)
    assert raised.value.code == "InvalidPendingPassword"
    assert tencent.calls == []


def test_test_secret_with_a_host_needs_a_login(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """Unreachable until the deadline: a retryable failure after retries, and no label moves."""
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put_pending_document(driver, rotation, password=POLICY.generate(20), host="127.0.0.1", port=closed_port())
    versions = driver.versions(tencent_secret.secret_id)
    with pytest.raises(RotationError) as raised:
        run(rotation, "testSecret", clock)
    assert raised.value.retryable
    assert len(clock.sleeps) > 1
    assert driver.versions(tencent_secret.secret_id) == versions
    assert tencent.calls == []


# -- finishSecret ------------------------------------------------------------------------------------------------


def past_test_secret(driver: SecretsManagerDriver, setup: AccountSetup, clock: VirtualClock) -> Rotation:
    rotation = driver.start_rotation(setup.secret_id)
    for step in STEPS[:3]:
        run(rotation, step, clock)
    return rotation


def test_finish_secret_moves_awscurrent_and_the_service_moves_awsprevious(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = past_test_secret(driver, tencent_secret, clock)
    old = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    run(rotation, "finishSecret", clock)
    versions = driver.versions(tencent_secret.secret_id)
    assert "AWSCURRENT" in versions[rotation.token]
    assert versions[old] == ["AWSPREVIOUS"]
    assert driver.value(tencent_secret.secret_id, "AWSPREVIOUS")["password"] == tencent_secret.old_password


def test_promote_pending_with_labels_read_before_another_copy_moved_them_succeeds(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """Two copies of finishSecret read the labels; one moves AWSCURRENT; the other's move names a version that no
    longer holds it and is refused, but the label is where the step wanted it: success."""
    rotation = past_test_secret(driver, tencent_secret, clock)
    deps = runtime.dependencies(LambdaContext(), clock=clock)
    labels_read_first = deps.store.describe(tencent_secret.secret_id)
    run(rotation, "finishSecret", clock)
    moved = driver.versions(tencent_secret.secret_id)
    promote_pending(request(rotation, "finishSecret"), labels_read_first, deps, StepReport())
    assert driver.versions(tencent_secret.secret_id) == moved


def test_promote_pending_still_fails_when_the_refused_move_left_awscurrent_elsewhere(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = past_test_secret(driver, tencent_secret, clock)
    deps = runtime.dependencies(LambdaContext(), clock=clock)
    current = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    stale = deps.store.describe(tencent_secret.secret_id)._replace(versions={rotation.token: ("AWSCURRENT",)})
    with pytest.raises(FatalRotationError) as raised:
        promote_pending(request(rotation, "finishSecret"), stale, deps, StepReport())
    assert raised.value.code == "InvalidParameterException"
    assert driver.version_with(tencent_secret.secret_id, "AWSCURRENT") == current


def test_finish_secret_refuses_to_promote_a_malformed_pending_version(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    rotation = driver.start_rotation(tencent_secret.secret_id)
    put_pending_document(driver, rotation, password=POLICY.generate(20), region="Not A Region")
    current = driver.version_with(tencent_secret.secret_id, "AWSCURRENT")
    with pytest.raises(FatalRotationError) as raised:
        run(rotation, "finishSecret", clock)
    assert raised.value.code == "InvalidSecret"
    assert driver.version_with(tencent_secret.secret_id, "AWSCURRENT") == current


def test_a_step_that_fails_before_reading_the_secret_reports_no_provider(
    driver: SecretsManagerDriver, tencent_secret: AccountSetup, clock: VirtualClock
) -> None:
    """The step metrics carry the provider a step learned, and nothing invented when it learned none."""
    rotation = unknown_token(driver, tencent_secret, clock)
    report = StepReport()
    with pytest.raises(FatalRotationError):
        run(rotation, "setSecret", clock, report)
    assert report.provider == "unknown"
