"""PolarDB: a rotation proven by a login on MySQL- and PostgreSQL-compatible clusters alike, and the cluster's and
the account's states read as the steps need them (a cluster that is changing is waited for; a locked cluster or
account needs someone to act)."""

from __future__ import annotations

import uuid

import pytest
from conftest import VirtualClock

from crossrotate import runtime
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.events import StepRequest
from crossrotate.protocol import run_step
from localcloud.alibabacloud.polardb import PolarDbEmulator
from localcloud.aws.secretsmanager import LambdaContext, Rotation
from localcloud.cloud import Account, LocalCloud
from localcloud.databases import MariaDbServer, PostgresServer, logs_in

PROVIDER = "alibabacloud-polardb"


@pytest.fixture
def polardb(local: LocalCloud) -> PolarDbEmulator:
    emulator = local.emulators[PROVIDER]
    assert isinstance(emulator, PolarDbEmulator)
    return emulator


@pytest.mark.parametrize("engine", ["mysql", "postgres"])
def test_a_cluster_of_either_engine_rotates_with_a_login_proof(
    engine: str,
    cloud: LocalCloud,
    polardb: PolarDbEmulator,
    postgres_server: PostgresServer,
    mariadb_server: MariaDbServer,
) -> None:
    server = mariadb_server if engine == "mysql" else postgres_server
    account = cloud.account(PROVIDER, f"p_{uuid.uuid4().hex[:10]}", host="127.0.0.1", port=server.port, engine=engine)
    polardb.back_with_database(account.instance_id, account.username, account.old_password, server.admin_dsn)
    cloud.driver.rotate(account.secret_id)
    new_password = cloud.driver.value(account.secret_id)["password"]
    assert logs_in(engine, server.port, account.username, new_password, tls=True)
    assert not logs_in(engine, server.port, account.username, account.old_password, tls=True)


def set_secret(cloud: LocalCloud, account: Account, clock: VirtualClock) -> Rotation:
    rotation = cloud.driver.start_rotation(account.secret_id)
    for name in ("createSecret", "setSecret"):
        run_step(
            StepRequest(name, rotation.secret_id, rotation.token, None),
            runtime.dependencies(LambdaContext(), clock=clock),
        )
    return rotation


def test_a_cluster_that_is_changing_is_waited_for_then_reported_retryable(
    cloud: LocalCloud, polardb: PolarDbEmulator, clock: VirtualClock
) -> None:
    account = cloud.account(PROVIDER)
    cluster = polardb.clusters[account.instance_id]
    cluster.status = "ClassChanging"
    with pytest.raises(RetryableRotationError) as raised:
        set_secret(cloud, account, clock)
    assert raised.value.code == "OperationDenied.DBClusterStatus"  # the reset itself is refused meanwhile
    assert cloud.password_of(account) == account.old_password


@pytest.mark.parametrize("what", ["cluster", "account"])
def test_a_locked_cluster_or_account_is_fatal(
    what: str, cloud: LocalCloud, polardb: PolarDbEmulator, clock: VirtualClock
) -> None:
    account = cloud.account(PROVIDER)
    cluster = polardb.clusters[account.instance_id]
    if what == "cluster":
        cluster.lock_mode = "ManualLock"
    else:
        cluster.accounts[account.username].lock_state = "Lock"
    with pytest.raises(FatalRotationError) as raised:
        set_secret(cloud, account, clock)
    assert raised.value.code == "AccountNotUsable"
