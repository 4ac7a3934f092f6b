"""The contract every provider in the registry passes, unchanged: a provider added to the registry is held to it at
once (and fails here until localcloud has a kit for it).

For each provider: its registry record and its stand-in agree; every documented error code is classified with its
reason; bad secret fields are a classified error that changes nothing; a rotation through the handler round-trips
against its emulator (signatures checked there) with one reset carrying the pending password; failures are
classified as its table says; and a rotation proven by logging in to a real database. The fault schedules over
every provider are in tests/integration/test_fault_schedules.py.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from conftest import VirtualClock, step
from documented_codes import DOCUMENTED

from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.registry import PROVIDERS
from crossrotate.secret import ENGINES, SQL_ENGINES
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import KITS, Account, LocalCloud
from localcloud.databases import MariaDbServer, PostgresServer, logs_in

NAMES = sorted(PROVIDERS)
WITH_SERVER = [name for name in NAMES if PROVIDERS[name].engine is not None]
"""The providers whose engine a real server runs here: their rotations are proven by logging in."""
WITHOUT_SERVER = [name for name in NAMES if PROVIDERS[name].engine is None]
ONE_ACCOUNT = [name for name in NAMES if PROVIDERS[name].only_username is not None]
ACCESS = ["api-key", "keyless"]
"""How the secrets of a test reach the provider API: an API key secret, or keyless federation."""


@pytest.mark.parametrize("provider", NAMES)
def test_the_registry_record_and_the_stand_in_agree(provider: str) -> None:
    spec, kit = PROVIDERS[provider], KITS[provider]
    assert spec.name == provider
    assert spec.instance_id.match(kit.new_instance_id())
    assert spec.engine in (*ENGINES, None)
    assert kit.engine == spec.engine or {kit.engine, spec.engine} <= set(SQL_ENGINES)  # RDS runs either
    assert spec.actions
    assert all(set(kit.calls_of(action)) & set(kit.calls) for action in spec.actions)
    policy = spec.password_policy
    assert policy.violations(policy.generate(policy.length_from(None))) == []


@pytest.mark.parametrize("provider", NAMES)
def test_every_documented_code_is_classified_with_its_reason(provider: str) -> None:
    table = PROVIDERS[provider].errors
    assert table.provider == provider
    for code in DOCUMENTED[provider]:
        verdict = table.classify(code)
        assert not verdict.unclassified, code
        assert verdict.reason.strip(), code
    assert table.classify("Throttling.SomethingNew", http_status=429).unclassified


@pytest.mark.parametrize("provider", NAMES)
@pytest.mark.parametrize("access", ACCESS)
def test_a_rotation_round_trips_through_the_handler(provider: str, access: str, local: LocalCloud) -> None:
    account = local.account(provider, access=access, note="carried over")
    rotation = local.driver.rotate(account.secret_id)
    current = local.driver.value(account.secret_id)
    assert local.driver.version_with(account.secret_id, "AWSCURRENT") == rotation.token
    assert local.password_of(account) == current["password"] != account.old_password
    assert local.resets(account) == [current["password"]]
    assert local.driver.value(account.secret_id, "AWSPREVIOUS")["password"] == account.old_password
    assert current["note"] == "carried over"
    assert PROVIDERS[provider].password_policy.violations(current["password"]) == []


@pytest.mark.parametrize("provider", NAMES)
def test_the_reset_is_complete_when_the_step_returns(provider: str, local: LocalCloud, clock: VirtualClock) -> None:
    """A synchronous reset is in force when its call answers; a polled one, only when its task succeeded: either
    way setSecret returns only once the provider holds the pending password."""
    account = local.account(provider)
    rotation = local.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    pending = local.driver.value(account.secret_id, "AWSPENDING")["password"]
    assert local.password_of(account) == pending


def refused_at_create(local: LocalCloud, account: Account, document: dict[str, Any]) -> FatalRotationError:
    """createSecret of a rotation of ``document``: the fatal error it raised, having changed no version and called
    no provider."""
    from app import lambda_handler

    local.driver.sm.put_secret_value(SecretId=account.secret_id, SecretString=json.dumps(document))
    rotation = local.driver.start_rotation(account.secret_id)
    labels = local.driver.versions(account.secret_id)
    calls = len(local.emulators[account.provider].calls)
    event = {"Step": "createSecret", "SecretId": account.secret_id, "ClientRequestToken": rotation.token}
    with pytest.raises(FatalRotationError) as raised:
        lambda_handler(event, LambdaContext())
    assert local.driver.versions(account.secret_id) == labels
    assert len(local.emulators[account.provider].calls) == calls
    local.driver.sm.update_secret_version_stage(
        SecretId=account.secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=rotation.token
    )
    return raised.value


def bad_documents(provider: str, account: Account) -> list[tuple[str, dict[str, Any]]]:
    other = next(KITS[name] for name in NAMES if KITS[name].instance_prefix != KITS[provider].instance_prefix)
    cases = [
        ("another provider's instance id", {"instance_id": other.new_instance_id()}),
        ("a host name as region", {"region": "evil.example.com"}),
        ("an unknown engine", {"engine": "oracle"}),
        ("a username of the wrong type", {"username": 7}),
    ]
    for key in PROVIDERS[provider].fields:
        cases.append((f"a malformed {key}", {key: "not a valid value \n"}))
    return cases


@pytest.mark.parametrize("provider", NAMES)
def test_bad_secret_fields_are_classified_and_change_nothing(provider: str, local: LocalCloud) -> None:
    account = local.account(provider)
    for label, change in bad_documents(provider, account):
        error = refused_at_create(local, account, {**local.driver.value(account.secret_id), **change})
        assert error.code == "InvalidSecret", label


@pytest.mark.parametrize("provider", NAMES)
@pytest.mark.parametrize("severity", ["retryable", "fatal"])
@pytest.mark.parametrize("access", ACCESS)
def test_a_failed_reset_is_classified_by_the_table_and_changes_no_password(
    provider: str, severity: str, access: str, local: LocalCloud, clock: VirtualClock
) -> None:
    kit = KITS[provider]
    code = kit.retryable_code if severity == "retryable" else kit.fatal_code
    account = local.account(provider, access=access)
    rotation = local.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    local.emulators[provider].inject("error", action=kit.reset_action, code=code, status=400, times=1000)
    with pytest.raises(RotationError) as raised:
        step(rotation, "setSecret", clock)
    error = raised.value
    assert (error.code, error.provider, error.retryable) == (code, provider, severity == "retryable")
    assert isinstance(error, RetryableRotationError if severity == "retryable" else FatalRotationError)
    assert error.request_id
    assert len(local.resets(account)) == (5 if severity == "retryable" else 1)
    assert local.password_of(account) == account.old_password


@pytest.mark.parametrize("provider", WITH_SERVER)
@pytest.mark.parametrize("access", ACCESS)
def test_a_rotation_is_proven_on_the_real_database(
    provider: str, access: str, local: LocalCloud, servers: dict[str, PostgresServer | MariaDbServer]
) -> None:
    kit = KITS[provider]
    server = servers[kit.engine]
    username = f"u_{uuid.uuid4().hex[:10]}"  # one server serves every provider's accounts
    account = local.account(provider, username, access=access, host="127.0.0.1", port=server.port, engine=kit.engine)
    local.emulators[provider].back_with_database(
        account.instance_id, account.username, account.old_password, server.admin_dsn
    )
    local.emulators[provider].propagation_delay = 0.2  # the database applies the change late
    local.driver.rotate(account.secret_id)
    local.emulators[provider].settle()
    new_password = local.driver.value(account.secret_id)["password"]
    assert logs_in(kit.engine, server.port, account.username, new_password, tls=True)
    assert not logs_in(kit.engine, server.port, account.username, account.old_password, tls=True)


@pytest.mark.parametrize("provider", WITHOUT_SERVER)
@pytest.mark.parametrize("key", ["host", "engine"])
def test_a_login_target_is_refused_where_no_login_can_prove_the_password(
    provider: str, key: str, local: LocalCloud
) -> None:
    """SQL Server and MongoDB: no server of theirs runs here, and the function has no driver for them, so the
    provider's own answer is the proof. A secret naming a ``host`` (or ``engine``) is refused, not ignored: it would
    promise a login proof that never happens."""
    account = local.account(provider)
    document = {**local.driver.value(account.secret_id), key: "127.0.0.1" if key == "host" else "mysql"}
    error = refused_at_create(local, account, document)
    assert error.code == "InvalidSecret"
    assert f"{key} is not accepted for {provider}" in str(error)
    assert local.password_of(account) == account.old_password


@pytest.mark.parametrize("provider", ONE_ACCOUNT)
@pytest.mark.parametrize("change", [{"username": "app_user"}, {"usernames": ["root", "app_b"]}])
def test_a_root_only_reset_refuses_any_other_account(provider: str, change: dict[str, Any], local: LocalCloud) -> None:
    """A service that resets only one account (ApsaraDB for MongoDB's ``root``): another account, or dual-account
    mode, is bad input named as such, not a provider error after a call."""
    only = PROVIDERS[provider].only_username
    account = local.account(provider)
    assert account.username == only
    error = refused_at_create(local, account, {**local.driver.value(account.secret_id), **change})
    assert error.code == "InvalidSecret"
    assert f"only the {only!r} account" in str(error)
    assert local.password_of(account) == account.old_password


@pytest.mark.parametrize("provider", [name for name in NAMES if KITS[name].cam_authentication])
def test_a_tencentdb_account_with_cam_authentication_is_reported_and_never_reset(
    provider: str, local: LocalCloud
) -> None:
    """TencentDB accounts with CAM authentication (``OpenCam``) cannot be rotated: verify says so and what to do.
    TencentDB for PostgreSQL refuses their reset with a documented code; cdb documents none, so only verify is
    held to it there."""
    from app import lambda_handler

    account = local.account(provider)
    local.emulators[provider].use_cam_authentication(account.instance_id, account.username)  # type: ignore[attr-defined]
    (result,) = lambda_handler({"action": "verify", "secret_id": account.secret_id}, LambdaContext())["results"]
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "AccountNotUsable", False)
    assert "CAM authentication" in result["message"]
    if provider == "tencentcloud-postgres":
        rotation = local.driver.start_rotation(account.secret_id)
        local.driver.step(rotation, "createSecret")
        with pytest.raises(FatalRotationError) as raised:
            local.driver.step(rotation, "setSecret")
        assert raised.value.code == "FailedOperation.CheckAccountCAMCloseError"
        assert local.password_of(account) == account.old_password
