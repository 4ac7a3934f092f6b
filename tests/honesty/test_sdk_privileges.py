"""Dual-account verify compares the two accounts' privileges as each provider reports them.

- The official SDKs, pointed at the emulators, parse the privilege answers into the fields their models name, and
  lose nothing: TencentDB for PostgreSQL and cdb ``DescribeAccountPrivileges``, ApsaraDB RDS and PolarDB
  ``DescribeAccounts`` (its ``DatabasePrivileges``, in each product's own shape).
- The library's clients read them into equal mappings for two accounts granted the same, and different ones when
  the grants differ, for every provider.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_polardb20170801 import models as polardb_models
from alibabacloud_polardb20170801.client import Client as PolarDbClient
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_tea_openapi import models as openapi
from conftest import VirtualClock
from tencentcloud.cdb.v20170320 import cdb_client
from tencentcloud.cdb.v20170320 import models as cdb_models
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.postgres.v20170312 import models as postgres_models
from tencentcloud.postgres.v20170312 import postgres_client

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.ports import ProviderApi
from crossrotate.registry import read_secret
from localcloud.alibabacloud.polardb import PolarDbEmulator
from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.tencentcloud.mysql import TencentMysqlEmulator
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
PASSWORD = "Old-Passw0rd!"


def tencent_profile(url: str) -> ClientProfile:
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=url.removeprefix("http://")))


def alibaba_config(url: str) -> openapi.Config:
    return openapi.Config(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        endpoint=url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )


def without_request_id(model: AbstractModel) -> dict[str, Any]:
    """What a Tencent SDK response model holds, as the wire names it."""
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


# -- TencentDB for PostgreSQL ------------------------------------------------------------------------------------
@pytest.fixture
def postgres() -> Iterator[TencentPostgresEmulator]:
    emulator = TencentPostgresEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account("postgres-sdk0test", "app", PASSWORD)
    emulator.add_account("postgres-sdk0test", "bare", PASSWORD)
    emulator.grant(
        "postgres-sdk0test",
        "app",
        {"database app": ["CONNECT", "CREATE", "TEMPORARY"], "table app.public.orders": ["SELECT", "UPDATE"]},
    )
    yield emulator
    emulator.stop()


def postgres_request(username: str, *objects: dict[str, str]) -> postgres_models.DescribeAccountPrivilegesRequest:
    request = postgres_models.DescribeAccountPrivilegesRequest()
    request.DBInstanceId, request.UserName = "postgres-sdk0test", username
    request.DatabaseObjectSet = []
    for fields in objects:
        obj = postgres_models.DatabaseObject()
        for name, value in fields.items():
            setattr(obj, name, value)
        request.DatabaseObjectSet.append(obj)
    return request


def test_the_official_postgres_client_reads_the_privileges_of_the_objects_asked(
    postgres: TencentPostgresEmulator,
) -> None:
    client = postgres_client.PostgresClient(
        credential.Credential(KEY_ID, KEY_SECRET), "ap-guangzhou", tencent_profile(postgres.url)
    )
    objects = [
        {"ObjectType": "database", "ObjectName": "app"},
        {"ObjectType": "table", "ObjectName": "orders", "DatabaseName": "app", "SchemaName": "public"},
        {"ObjectType": "database", "ObjectName": "never_granted"},
    ]
    response = client.DescribeAccountPrivileges(postgres_request("app", *objects))
    assert [(p.Object.ObjectType, p.Object.ObjectName, p.PrivilegeSet) for p in response.PrivilegeSet] == [
        ("database", "app", ["CONNECT", "CREATE", "TEMPORARY"]),
        ("table", "orders", ["SELECT", "UPDATE"]),
        ("database", "never_granted", []),
    ]
    assert response.PrivilegeSet[1].Object.SchemaName == "public"
    raw = postgres.describe_account_privileges(postgres_request("app", *objects)._serialize())
    assert without_request_id(response) == raw  # every field the emulator sends is one the SDK knows
    bare = client.DescribeAccountPrivileges(postgres_request("bare", objects[0]))
    assert [(p.Object.ObjectName, p.PrivilegeSet) for p in bare.PrivilegeSet] == [("app", [])]


@pytest.mark.parametrize(
    ("username", "objects", "code"),
    [
        ("nobody", [{"ObjectType": "database", "ObjectName": "app"}], "InvalidParameterValue.AccountNotExistError"),
        ("app", [], "MissingParameter"),
        ("app", [{"ObjectType": "table", "ObjectName": "orders"}], "MissingParameter"),
        ("app", [{"ObjectType": "index", "ObjectName": "x"}], "InvalidParameterValue.InvalidParameterValueError"),
        ("app", [{"ObjectType": "database", "ObjectName": "a;b"}], "InvalidParameterValue.InvalidDatabaseObjectName"),
    ],
)
def test_the_official_postgres_client_reads_the_privilege_errors(
    postgres: TencentPostgresEmulator, username: str, objects: list[dict[str, str]], code: str
) -> None:
    client = postgres_client.PostgresClient(
        credential.Credential(KEY_ID, KEY_SECRET), "ap-guangzhou", tencent_profile(postgres.url)
    )
    with pytest.raises(TencentCloudSDKException) as raised:
        client.DescribeAccountPrivileges(postgres_request(username, *objects))
    assert raised.value.get_code() == code


# -- TencentDB for MySQL (cdb) -----------------------------------------------------------------------------------
@pytest.fixture
def cdb() -> Iterator[TencentMysqlEmulator]:
    emulator = TencentMysqlEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account("cdb-sdk0test", "app", PASSWORD, host="10.0.0.%")
    emulator.add_account("cdb-sdk0test", "bare", PASSWORD)
    emulator.grant(
        "cdb-sdk0test",
        "app",
        {
            "global": ["PROCESS"],
            "database app": ["SELECT", "INSERT"],
            "table app.orders": ["UPDATE"],
            "column app.orders.total": ["SELECT", "REFERENCES"],
        },
        host="10.0.0.%",
    )
    yield emulator
    emulator.stop()


def cdb_request(user: str, host: str = "%") -> cdb_models.DescribeAccountPrivilegesRequest:
    request = cdb_models.DescribeAccountPrivilegesRequest()
    request.InstanceId, request.User, request.Host = "cdb-sdk0test", user, host
    return request


def test_the_official_cdb_client_reads_global_database_table_and_column_privileges(cdb: TencentMysqlEmulator) -> None:
    client = cdb_client.CdbClient(credential.Credential(KEY_ID, KEY_SECRET), "ap-guangzhou", tencent_profile(cdb.url))
    response = client.DescribeAccountPrivileges(cdb_request("app", "10.0.0.%"))
    assert response.GlobalPrivileges == ["PROCESS"]
    assert [(d.Database, d.Privileges) for d in response.DatabasePrivileges] == [("app", ["SELECT", "INSERT"])]
    assert [(t.Database, t.Table, t.Privileges) for t in response.TablePrivileges] == [("app", "orders", ["UPDATE"])]
    assert [(c.Database, c.Table, c.Column, c.Privileges) for c in response.ColumnPrivileges] == [
        ("app", "orders", "total", ["SELECT", "REFERENCES"])
    ]
    assert without_request_id(response) == cdb.describe_account_privileges(cdb_request("app", "10.0.0.%")._serialize())
    bare = client.DescribeAccountPrivileges(cdb_request("bare"))
    assert (bare.GlobalPrivileges, bare.DatabasePrivileges, bare.TablePrivileges, bare.ColumnPrivileges) == (
        [],
        [],
        [],
        [],
    )
    with pytest.raises(TencentCloudSDKException) as raised:
        client.DescribeAccountPrivileges(cdb_request("app"))  # app@% does not exist: app@10.0.0.% does
    assert raised.value.get_code() == "InvalidParameterValue.UserNotExistError"


# -- ApsaraDB RDS ------------------------------------------------------------------------------------------------
@pytest.fixture
def rds() -> Iterator[AlibabaRdsEmulator]:
    emulator = AlibabaRdsEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    for name in ("app", "bare"):
        emulator.add_account("rm-sdk0test", name, PASSWORD)
    emulator.grant(
        "rm-sdk0test",
        "app",
        {"database app": ["Custom", "SELECT", "INSERT"], "database audit": ["ReadOnly", "SELECT"]},
    )
    yield emulator
    emulator.stop()


def test_the_official_rds_client_reads_an_accounts_database_privileges(rds: AlibabaRdsEmulator) -> None:
    client = RdsClient(alibaba_config(rds.url))
    request = rds_models.DescribeAccountsRequest(dbinstance_id="rm-sdk0test", account_name="app")
    body = client.describe_accounts(request).body
    (account,) = body.accounts.dbinstance_account  # AccountName answers that one account
    assert account.account_name == "app"
    privileges = account.database_privileges.database_privilege
    assert [(p.dbname, p.account_privilege, p.account_privilege_detail) for p in privileges] == [
        ("app", "Custom", "SELECT,INSERT"),
        ("audit", "ReadOnly", "SELECT"),
    ]
    assert body.accounts.to_map() == rds.describe_accounts(request.to_map())["Accounts"]
    bare = client.describe_accounts(
        rds_models.DescribeAccountsRequest(dbinstance_id="rm-sdk0test", account_name="bare")
    )
    assert bare.body.accounts.dbinstance_account[0].database_privileges.database_privilege == []
    everyone = client.describe_accounts(rds_models.DescribeAccountsRequest(dbinstance_id="rm-sdk0test"))
    assert [a.account_name for a in everyone.body.accounts.dbinstance_account] == ["app", "bare"]


# -- PolarDB -----------------------------------------------------------------------------------------------------
@pytest.fixture
def polardb() -> Iterator[PolarDbEmulator]:
    emulator = PolarDbEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    for name in ("app", "bare"):
        emulator.add_account("pc-sdk0test", name, PASSWORD)
    emulator.grant("pc-sdk0test", "app", {"database app": ["ReadWrite"], "database audit": ["ReadOnly"]})
    yield emulator
    emulator.stop()


def test_the_official_polardb_client_reads_an_accounts_database_privileges(polardb: PolarDbEmulator) -> None:
    client = PolarDbClient(alibaba_config(polardb.url))
    request = polardb_models.DescribeAccountsRequest(dbcluster_id="pc-sdk0test", account_name="app")
    body = client.describe_accounts(request).body
    (account,) = body.accounts
    assert [(p.dbname, p.account_privilege) for p in account.database_privileges] == [
        ("app", "ReadWrite"),
        ("audit", "ReadOnly"),
    ]
    assert [a.to_map() for a in body.accounts] == polardb.describe_accounts(request.to_map())["Accounts"]
    bare = client.describe_accounts(
        polardb_models.DescribeAccountsRequest(dbcluster_id="pc-sdk0test", account_name="bare")
    )
    assert bare.body.accounts[0].database_privileges == []


def test_the_emulators_refuse_grants_their_provider_cannot_report(
    polardb: PolarDbEmulator, rds: AlibabaRdsEmulator, cdb: TencentMysqlEmulator, postgres: TencentPostgresEmulator
) -> None:
    with pytest.raises(ValueError, match="one AccountPrivilege per database"):
        polardb.grant("pc-sdk0test", "app", {"database app": ["ReadWrite", "SELECT"]})  # one AccountPrivilege
    with pytest.raises(ValueError, match="grant per database"):
        rds.grant("rm-sdk0test", "app", {"table app.orders": ["SELECT"]})  # RDS grants per database
    with pytest.raises(ValueError, match="not a cdb object key"):
        cdb.grant("cdb-sdk0test", "bare", {"table orders": ["SELECT"]})  # a table needs its database
    with pytest.raises(ValueError, match="not a PostgreSQL object key"):
        postgres.grant("postgres-sdk0test", "app", {"index app.x": ["SELECT"]})
    with pytest.raises(ValueError, match="not a PostgreSQL object key"):
        postgres.grant("postgres-sdk0test", "app", {"table app.orders": ["SELECT"]})  # a table sits in a schema


# -- the library's clients ---------------------------------------------------------------------------------------
SAME: dict[str, dict[str, list[str]]] = {
    "tencentcloud-postgres": {"database app": ["CONNECT", "CREATE", "TEMPORARY"]},
    "tencentcloud-mysql": {
        "global": ["PROCESS"],
        "database app": ["SELECT", "INSERT"],
        "table app.orders": ["UPDATE"],
        "column app.orders.total": ["SELECT"],
    },
    "alibabacloud-rds": {"database app": ["Custom", "SELECT", "INSERT"]},
    "alibabacloud-polardb": {"database app": ["ReadWrite"], "database audit": ["ReadOnly"]},
}
"""A grant per provider, keyed as the clients key what they read."""

LESS: dict[str, dict[str, list[str]]] = {
    "tencentcloud-postgres": {"database app": ["CONNECT"]},
    "tencentcloud-mysql": {**SAME["tencentcloud-mysql"], "table app.orders": ["UPDATE", "DELETE"]},
    "alibabacloud-rds": {"database app": ["Custom", "SELECT"]},
    "alibabacloud-polardb": {"database app": ["ReadOnly"], "database audit": ["ReadOnly"]},
}
"""A grant that differs from :data:`SAME` in one object."""

Pair = Callable[[dict[str, list[str]], dict[str, list[str]]], tuple[ProviderApi, ProviderApi]]


@pytest.fixture(params=sorted(SAME))
def provider(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def pair(local: LocalCloud, provider: str) -> Pair:
    """Grant two accounts on one instance, and the library's clients bound to each."""

    def make(first: dict[str, list[str]], second: dict[str, list[str]]) -> tuple[ProviderApi, ProviderApi]:
        account = local.account(provider, "app_one", dbname="app")
        emulator: Any = local.emulators[provider]
        emulator.add_account(account.instance_id, "app_two", "Other-Passw0rd!" + secrets.token_hex(4))
        emulator.grant(account.instance_id, "app_one", first)
        emulator.grant(account.instance_id, "app_two", second)
        secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
        deps = runtime.dependencies(LambdaContext(), clock=VirtualClock())
        return deps.providers(secret), deps.providers(secret._replace(username="app_two"))

    return make


def frozen(grants: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    return {key: frozenset(names) for key, names in grants.items()}


def test_two_accounts_granted_the_same_report_equal_privileges(provider: str, pair: Pair) -> None:
    one, two = pair(SAME[provider], {key: list(reversed(names)) for key, names in SAME[provider].items()})
    assert one.privileges() == two.privileges() == frozen(SAME[provider])


def test_two_accounts_granted_differently_report_different_privileges(provider: str, pair: Pair) -> None:
    one, two = pair(SAME[provider], LESS[provider])
    assert one.privileges() == frozen(SAME[provider])
    assert two.privileges() == frozen(LESS[provider])
    assert one.privileges() != two.privileges()


def test_accounts_granted_nothing_report_nothing(provider: str, pair: Pair) -> None:
    one, two = pair({}, SAME[provider])
    assert one.privileges() == {}
    assert two.privileges() != {}


@pytest.mark.parametrize("provider", ["tencentcloud-postgres"])
def test_postgres_compares_the_database_the_secret_names(pair: Pair) -> None:
    """DescribeAccountPrivileges answers only for the objects asked: the secret's dbname, as a database."""
    one, two = pair(SAME["tencentcloud-postgres"], {**SAME["tencentcloud-postgres"], "database other": ["CONNECT"]})
    assert one.privileges() == two.privileges() == frozen(SAME["tencentcloud-postgres"])


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("tencentcloud-postgres", "InvalidParameterValue.AccountNotExistError"),
        ("tencentcloud-mysql", "InvalidParameterValue.UserNotExistError"),
        ("alibabacloud-rds", "AccountNotFound"),
        ("alibabacloud-polardb", "AccountNotFound"),
    ],
)
def test_an_account_the_provider_does_not_know_fails_fatally(local: LocalCloud, provider: str, code: str) -> None:
    account = local.account(provider, "app_one")
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    api = runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret._replace(username="nobody"))
    with pytest.raises(RotationError) as raised:
        api.privileges()
    assert (raised.value.code, raised.value.retryable, raised.value.unclassified) == (code, False, False)
