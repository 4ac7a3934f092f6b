"""The official alibabacloud-r-kvstore20150101 client, pointed at the Tair / ApsaraDB for Redis emulator with V3 (its
default) and RPC v1 signatures, is accepted: ResetAccountPassword changes the password (on the real redis-server
behind the account too), the account is listed Unavailable until the change is applied, DescribeAccounts answers
in the shapes the SDK's models parse, and errors come back as the SDK reads them. The library's client reads the
same answers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_r_kvstore20150101 import models
from alibabacloud_r_kvstore20150101.client import Client
from alibabacloud_tea_openapi import utils_models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from conftest import ApiKey, VirtualClock

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.alibabacloud.redis import AlibabaRedisEmulator
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.databases import RedisServer, logs_in

INSTANCE = "r-bp1zxszhcgatnx00"
OLD = "Old-Passw0rd"


@pytest.fixture
def kvstore(alibaba_key: ApiKey) -> Iterator[AlibabaRedisEmulator]:
    emulator = AlibabaRedisEmulator(keys={alibaba_key.secret_id: alibaba_key.secret_key})
    emulator.start()
    emulator.add_account(INSTANCE, "app", OLD)
    yield emulator
    emulator.stop()


@pytest.fixture(params=["v3", "v1"])
def client(request: pytest.FixtureRequest, kvstore: AlibabaRedisEmulator, alibaba_key: ApiKey) -> Client:
    config = openapi.Config(
        access_key_id=alibaba_key.secret_id,
        access_key_secret=alibaba_key.secret_key,
        endpoint=kvstore.url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    if request.param == "v1":
        config.signature_algorithm = "v2"  # the SDK's name for the RPC HMAC-SHA1 path
    return Client(config)


def reset(client: Client, password: str, **fields: str) -> str:
    values = {"instance_id": INSTANCE, "account_name": "app", "account_password": password, **fields}
    request_id: str = client.reset_account_password(models.ResetAccountPasswordRequest(**values)).body.request_id
    return request_id


def listed(client: Client, **fields: Any) -> models.DescribeAccountsResponseBody:
    request = models.DescribeAccountsRequest(instance_id=INSTANCE, **fields)
    body: models.DescribeAccountsResponseBody = client.describe_accounts(request).body
    return body


def test_the_official_sdk_resets_a_password_applied_after_one_listing(
    client: Client, kvstore: AlibabaRedisEmulator
) -> None:
    assert reset(client, "N3w&P+ss=w0rd*")
    assert kvstore.password_of(INSTANCE, "app") == "N3w&P+ss=w0rd*"
    first = listed(client, account_name="app")
    assert [(a.account_name, a.account_status) for a in first.accounts.account] == [("app", "Unavailable")]
    second = listed(client, account_name="app")
    assert second.accounts.account[0].account_status == "Available"


def test_the_official_sdk_lists_the_default_account_and_the_privileges(
    client: Client, kvstore: AlibabaRedisEmulator
) -> None:
    kvstore.grant(INSTANCE, "app", {"AccountPrivilege": ["RoleReadOnly"]})
    body = listed(client)
    assert (body.total_count, body.page_number) == (2, 1)
    rows = [
        (a.account_name, a.account_type, a.instance_id, a.database_privileges.database_privilege[0].account_privilege)
        for a in body.accounts.account
    ]
    assert rows == [("app", "Normal", INSTANCE, "RoleReadOnly"), (INSTANCE, "Normal", INSTANCE, "RoleReadWrite")]
    wire = body.to_map()
    wire.pop("RequestId")
    assert wire == kvstore.describe_accounts({"InstanceId": INSTANCE})  # no field the SDK's model lacks


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"account_password": "short1A"}, "InvalidAccountPassword.Format", 400),
        ({"account_password": "onlylowercase1"}, "InvalidAccountPassword.Format", 400),  # two classes of four
        ({"account_password": "N3w:Passw0rd"}, "InvalidAccountPassword.Format", 400),  # : is not among its symbols
        ({"account_name": "nobody"}, "InvalidAccountName.NotFound", 404),
        ({"account_name": "Bad-Name"}, "InvalidAccountName.Format", 400),
        ({"instance_id": "r-nosuch0000"}, "InvalidInstanceId.NotFound", 404),
    ],
)
def test_the_official_sdk_reads_the_emulators_errors(
    client: Client, kvstore: AlibabaRedisEmulator, fields: dict[str, str], code: str, status: int
) -> None:
    values = {"account_password": "N3w-Passw0rd", **fields}
    with pytest.raises(AlibabaCloudException) as raised:
        reset(client, values.pop("account_password"), **values)
    assert (raised.value.code, raised.value.status_code) == (code, status)
    assert kvstore.password_of(INSTANCE, "app") == OLD


def test_resets_through_the_official_sdk_reach_the_real_redis(
    client: Client, kvstore: AlibabaRedisEmulator, redis_server: RedisServer
) -> None:
    username = f"k_{uuid.uuid4().hex[:10]}"
    kvstore.add_account(INSTANCE, username, OLD)
    kvstore.back_with_database(INSTANCE, username, OLD, redis_server.admin_dsn)
    kvstore.back_with_database(INSTANCE, INSTANCE, "Default-Passw0rd", redis_server.admin_dsn)  # its default user
    reset(client, "N3w-Passw0rd", account_name=username)
    reset(client, "D3fault-Passw0rd", account_name=INSTANCE)
    assert logs_in("redis", redis_server.port, username, "N3w-Passw0rd")
    assert not logs_in("redis", redis_server.port, username, OLD)
    assert logs_in("redis", redis_server.port, "default", "D3fault-Passw0rd")


# -- the library's client, on the same answers -------------------------------------------------------------------
def library_client(local: LocalCloud, username: str = "app_one", **keys: Any) -> Any:
    account = local.account("alibabacloud-redis", username, **keys)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    return account, runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)


def test_the_library_waits_for_the_account_to_be_available_again(local: LocalCloud) -> None:
    account, api = library_client(local)
    emulator: Any = local.emulators["alibabacloud-redis"]
    password = PROVIDERS["alibabacloud-redis"].password_policy.generate(32)
    assert api.reset_password(password).poll is None  # answered at once
    assert api.account_state() == (True, False, True, "Unavailable")
    assert api.account_state() == (True, True, False, "Available")
    assert emulator.password_of(account.instance_id, "app_one") == password
    emulator.grant(account.instance_id, "app_one", {"AccountPrivilege": ["RoleRepl"]})
    assert api.privileges() == {"privilege": frozenset({"RoleRepl"})}
    with pytest.raises(RotationError) as raised:
        api.reset_password("short")
    assert (raised.value.code, raised.value.retryable) == ("InvalidAccountPassword.Format", False)


def test_the_library_resets_the_default_account_named_after_the_instance(local: LocalCloud) -> None:
    account = local.account("alibabacloud-redis", "app_one")
    emulator: Any = local.emulators["alibabacloud-redis"]
    document = {**local.driver.value(account.secret_id), "username": account.instance_id}
    secret = read_secret(json.dumps(document), "the test secret")
    api = runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)
    assert api.account_state().exists
    password = PROVIDERS["alibabacloud-redis"].password_policy.generate(32)
    api.reset_password(password)
    assert emulator.password_of(account.instance_id, account.instance_id) == password
    assert emulator.password_of(account.instance_id, "app_one") == account.old_password
