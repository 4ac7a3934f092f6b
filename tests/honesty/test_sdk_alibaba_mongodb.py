"""The official alibabacloud-dds20151201 client, pointed at the ApsaraDB for MongoDB emulator with V3 (its default)
and RPC v1 signatures, is accepted: the emulator checks the signature the real API checks and answers in the shapes
the SDK parses, with nothing its models do not know.

- ResetAccountPassword answers a RequestId alone; it resets ``root`` only, and on a sharded cluster only with a
  CharacterType (``cs``: the cluster's root, which the library's client sends there);
- DescribeAccounts lists the account's status (``Unavailable`` while a reset is applied), CharacterType and Roles;
- DescribeDBInstanceAttribute lists DBInstanceStatus, DBInstanceType and LockMode in ``DBInstances.DBInstance``;
- every documented code comes back in the SDK's exception with its code, HTTP status and request id.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_dds20151201 import models
from alibabacloud_dds20151201.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from conftest import VirtualClock

from crossrotate import runtime
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.alibabacloud.mongodb import DOCUMENTED_CODES, MongoDbEmulator
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud

KEY_ID, KEY_SECRET = "LTAI" + secrets.token_hex(10), secrets.token_urlsafe(24)
INSTANCE, SHARDED = "dds-bp1sdk0test0001", "dds-bp1sdk0test0002"
OLD, NEW = "Old-Passw0rd!", "N3w#Passw0rd_$=+-"


@pytest.fixture
def dds() -> Iterator[MongoDbEmulator]:
    emulator = MongoDbEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(INSTANCE, "root", OLD)
    emulator.add_account(INSTANCE, "app_user", "App-Passw0rd!")  # not root: the API refuses its reset
    emulator.add_account(SHARDED, "root", OLD)
    emulator.make_sharded(SHARDED)
    yield emulator
    emulator.stop()


@pytest.fixture(params=["v3", "v1"])
def algorithm(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def sdk(emulator: MongoDbEmulator, algorithm: str = "v3", key_secret: str = KEY_SECRET) -> Client:
    config = openapi.Config(
        access_key_id=KEY_ID,
        access_key_secret=key_secret,
        endpoint=emulator.url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    if algorithm == "v1":
        config.signature_algorithm = "v2"  # the SDK's name for the RPC HMAC-SHA1 path
    return Client(config)


def reset(
    client: Client, password: str, instance: str = INSTANCE, user: str = "root", character_type: str | None = None
) -> str:
    request = models.ResetAccountPasswordRequest(
        dbinstance_id=instance, account_name=user, account_password=password, character_type=character_type
    )
    request_id: str = client.reset_account_password(request).body.request_id
    return request_id


def without_request_id(body: Any) -> dict[str, Any]:
    """What a response body model holds, as the wire names it."""
    document: dict[str, Any] = body.to_map()
    document.pop("RequestId")
    return document


def test_the_official_client_resets_roots_password(algorithm: str, dds: MongoDbEmulator) -> None:
    assert reset(sdk(dds, algorithm), NEW)
    assert dds.password_of(INSTANCE, "root") == NEW
    assert dds.password_of(INSTANCE, "app_user") == "App-Passw0rd!"
    assert dds.signatures == [algorithm]
    (call,) = dds.calls_of("ResetAccountPassword")
    assert "CharacterType" not in call.params


def test_a_sharded_cluster_needs_a_character_type(dds: MongoDbEmulator) -> None:
    client = sdk(dds)
    with pytest.raises(AlibabaCloudException) as raised:
        reset(client, NEW, SHARDED)
    assert (raised.value.code, raised.value.status_code) == ("MissingParameter", 400)
    assert reset(client, NEW, SHARDED, character_type="db")  # a shard's own root
    assert dds.password_of(SHARDED, "root") == OLD
    assert reset(client, NEW, SHARDED, character_type="cs")  # the cluster's root, through mongos
    assert dds.password_of(SHARDED, "root") == NEW
    with pytest.raises(AlibabaCloudException) as raised:
        reset(client, NEW, INSTANCE, character_type="cs")
    assert raised.value.code == "InvalidParameter"


def test_the_official_client_reads_accounts_and_instance_attributes(algorithm: str, dds: MongoDbEmulator) -> None:
    client = sdk(dds, algorithm)
    request = models.DescribeAccountsRequest(dbinstance_id=INSTANCE, account_name="root")
    body = client.describe_accounts(request).body
    (account,) = body.accounts.account
    assert (account.account_name, account.account_status, account.character_type) == ("root", "Available", "normal")
    assert [(role.dbname, role.role) for role in account.roles.role] == [("admin", "root")]
    assert without_request_id(body) == dds.describe_accounts(request.to_map())
    attribute = models.DescribeDBInstanceAttributeRequest(dbinstance_id=SHARDED)
    body = client.describe_dbinstance_attribute(attribute).body
    (instance,) = body.dbinstances.dbinstance
    assert (instance.dbinstance_status, instance.dbinstance_type, instance.lock_mode) == (
        "Running",
        "sharding",
        "Unlock",
    )
    assert without_request_id(body) == dds.describe_instance_attribute(attribute.to_map())
    replica = models.DescribeDBInstanceAttributeRequest(dbinstance_id=INSTANCE)
    body = client.describe_dbinstance_attribute(replica).body
    assert without_request_id(body) == dds.describe_instance_attribute(replica.to_map())
    assert body.dbinstances.dbinstance[0].replica_sets.replica_set[0].connection_port == "3717"


def test_an_account_is_unavailable_while_its_reset_is_applied(dds: MongoDbEmulator) -> None:
    dds.settle_reads = 1
    client = sdk(dds)
    assert reset(client, NEW)
    request = models.DescribeAccountsRequest(dbinstance_id=INSTANCE, account_name="root")
    assert client.describe_accounts(request).body.accounts.account[0].account_status == "Unavailable"
    assert client.describe_accounts(request).body.accounts.account[0].account_status == "Available"


@pytest.mark.parametrize(
    ("key_secret", "password", "user", "code", "status"),
    [
        ("wrong", NEW, "root", "SignatureDoesNotMatch", 400),
        (KEY_SECRET, "short1A!", "r", "InvalidAccountName.Malformed", 400),
        (KEY_SECRET, "N3w@Passw0rd", "root", "InvalidAccountPassword.Malformed", 400),  # no @ (the SDK's rule)
        (KEY_SECRET, "n3wpassw0rd", "root", "InvalidAccountPassword.Malformed", 400),  # two classes
        (KEY_SECRET, NEW, "app_user", "OperationDenied.AccountType", 403),
        (KEY_SECRET, NEW, "nobody", "InvalidAccountName.NotFound", 400),
    ],
)
def test_the_sdk_reads_the_emulators_refusals(
    dds: MongoDbEmulator, key_secret: str, password: str, user: str, code: str, status: int
) -> None:
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds, key_secret=key_secret), password, user=user)
    assert (raised.value.code, raised.value.status_code) == (code, status)
    assert raised.value.request_id
    assert dds.password_of(INSTANCE, "root") == OLD


def test_a_busy_instance_and_account_are_refused(dds: MongoDbEmulator) -> None:
    dds.instances[INSTANCE].status = "DBInstanceClassChanging"
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds), NEW)
    assert (raised.value.code, raised.value.status_code) == ("OperationDenied.DBInstanceStatus", 403)
    dds.instances[INSTANCE].status = "Running"
    dds.account(INSTANCE, "root").status = "Unavailable"
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds), NEW)
    assert (raised.value.code, raised.value.status_code) == ("OperationDenied.AccountStatus", 403)
    with pytest.raises(AlibabaCloudException) as raised:
        sdk(dds).describe_dbinstance_attribute(models.DescribeDBInstanceAttributeRequest(dbinstance_id="dds-none"))
    assert (raised.value.code, raised.value.status_code) == ("InvalidDBInstanceId.NotFound", 404)


@pytest.mark.parametrize("code", sorted(DOCUMENTED_CODES))
def test_every_documented_code_reaches_the_sdk(dds: MongoDbEmulator, code: str) -> None:
    dds.inject("error", action="ResetAccountPassword", code=code, status=DOCUMENTED_CODES[code])
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds), NEW)
    assert (raised.value.code, raised.value.status_code) == (code, DOCUMENTED_CODES[code])
    assert raised.value.request_id
    assert not PROVIDERS["alibabacloud-mongodb"].errors.classify(code).unclassified


def test_an_unknown_access_key_and_a_stale_timestamp_are_refused(algorithm: str, dds: MongoDbEmulator) -> None:
    dds.keys.pop(KEY_ID)
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds, algorithm), NEW)
    assert raised.value.code == "InvalidAccessKeyId.NotFound"
    dds.keys[KEY_ID] = KEY_SECRET
    dds.now = lambda: time.time() + 901
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk(dds, algorithm), NEW)
    assert raised.value.code == "InvalidTimeStamp.Expired"


def test_the_librarys_client_resets_the_clusters_root_and_waits_for_it(local: LocalCloud) -> None:
    """The library's client reads the instance's type, sends ``CharacterType=cs`` on a sharded cluster, and reports
    the account settling while it is listed Unavailable; its privileges are the Roles listed."""
    account = local.account("alibabacloud-mongodb", "root")
    emulator: Any = local.emulators["alibabacloud-mongodb"]
    emulator.make_sharded(account.instance_id)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    provider = runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)
    emulator.settle_reads = 1
    try:
        assert provider.reset_password(NEW).request_id
        settling = provider.account_state()
    finally:
        emulator.settle_reads = 0
    assert (settling.exists, settling.usable, settling.settling, settling.status) == (True, False, True, "Unavailable")
    state = provider.account_state()
    assert (state.exists, state.usable, state.settling) == (True, True, False)
    assert local.password_of(account) == NEW
    resets = [
        c for c in emulator.calls_of("ResetAccountPassword") if c.params.get("DBInstanceId") == account.instance_id
    ]
    assert [c.params.get("CharacterType") for c in resets] == ["cs"]
    assert provider.privileges() == {"database admin": frozenset({"root"})}
