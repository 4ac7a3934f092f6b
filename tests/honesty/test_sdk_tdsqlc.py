"""The official tencentcloud-sdk-python-cynosdb client, pointed at the TDSQL-C emulator, is accepted: the emulator
checks the signature the real API checks and answers in the shapes the SDK parses, with nothing the SDK's models
do not know.

- ResetAccountPassword answers a RequestId alone and the password is in force at once, on a real MariaDB too;
- DescribeAccounts lists ``user@host`` (filtered by AccountNames) with no status;
- DescribeAccountAllGrantPrivileges reads the account's grants, which the library's client keys as the mysql one;
- every documented code comes back in the SDK's exception with its code and request id.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import VirtualClock
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cynosdb.v20190107 import cynosdb_client, models

from crossrotate import runtime
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.databases import MariaDbServer, logs_in
from localcloud.tencentcloud.tdsqlc import DOCUMENTED_CODES, TencentTdsqlcEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
CLUSTER = "cynosdbmysql-sdk0test"
OLD, NEW = "Old-Passw0rd!", "N3w_Passw0rd{}~"


@pytest.fixture
def cynosdb() -> Iterator[TencentTdsqlcEmulator]:
    emulator = TencentTdsqlcEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(CLUSTER, "app", OLD, host="%")
    emulator.add_account(CLUSTER, "app", "Other-Passw0rd!", host="10.0.0.1")
    emulator.add_account(CLUSTER, "audit", "Audit-Passw0rd!")
    yield emulator
    emulator.stop()


def sdk(emulator: TencentTdsqlcEmulator, key_secret: str = KEY_SECRET) -> cynosdb_client.CynosdbClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return cynosdb_client.CynosdbClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def reset(client: cynosdb_client.CynosdbClient, password: str, cluster: str = CLUSTER, user: str = "app") -> str:
    request = models.ResetAccountPasswordRequest()
    request.ClusterId, request.AccountName, request.AccountPassword, request.Host = cluster, user, password, "%"
    request_id: str = client.ResetAccountPassword(request).RequestId
    return request_id


def without_request_id(model: AbstractModel) -> dict[str, Any]:
    """What a response model holds, as the wire names it."""
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


def test_the_official_client_resets_a_password_at_once(cynosdb: TencentTdsqlcEmulator) -> None:
    assert reset(sdk(cynosdb), NEW)
    assert cynosdb.password_of(CLUSTER, "app") == NEW
    assert cynosdb.password_of(CLUSTER, "app", host="10.0.0.1") == "Other-Passw0rd!"  # another account
    (call,) = cynosdb.calls_of("ResetAccountPassword")
    assert call.outcome == "ok"


def test_the_reset_reaches_the_real_database(cynosdb: TencentTdsqlcEmulator, mariadb_server: MariaDbServer) -> None:
    username = f"t_{uuid.uuid4().hex[:10]}"
    cynosdb.add_account(CLUSTER, username, OLD)
    cynosdb.back_with_database(CLUSTER, username, OLD, mariadb_server.admin_dsn)
    reset(sdk(cynosdb), NEW, user=username)
    assert logs_in("mysql", mariadb_server.port, username, NEW)
    assert not logs_in("mysql", mariadb_server.port, username, OLD)


def test_the_official_client_lists_accounts_without_a_status(cynosdb: TencentTdsqlcEmulator) -> None:
    client = sdk(cynosdb)
    listing = models.DescribeAccountsRequest()
    listing.ClusterId, listing.AccountNames, listing.Limit, listing.Offset = CLUSTER, ["app"], 100, 0
    before = client.DescribeAccounts(listing)
    assert before.TotalCount == 2
    assert sorted((a.AccountName, a.Host, a.PasswordRotation) for a in before.AccountSet) == [
        ("app", "%", 0),
        ("app", "10.0.0.1", 0),
    ]
    assert without_request_id(before) == cynosdb.describe_accounts(listing._serialize())
    reset(client, NEW)
    after = {a.Host: a.UpdateTime for a in client.DescribeAccounts(listing).AccountSet}
    assert after["%"] != before.AccountSet[0].UpdateTime  # the reset moved it
    everyone = models.DescribeAccountsRequest()
    everyone.ClusterId = CLUSTER
    assert client.DescribeAccounts(everyone).TotalCount == 3


def grants_request(user: str, host: str = "%") -> models.DescribeAccountAllGrantPrivilegesRequest:
    request = models.DescribeAccountAllGrantPrivilegesRequest()
    account = models.InputAccount()
    account.AccountName, account.Host = user, host
    request.ClusterId, request.Account = CLUSTER, account
    return request


def test_the_official_client_reads_an_accounts_grants(cynosdb: TencentTdsqlcEmulator) -> None:
    cynosdb.grant(
        CLUSTER,
        "app",
        {"global": ["PROCESS"], "database app": ["SELECT", "INSERT"], "table app.orders": ["UPDATE"]},
    )
    client = sdk(cynosdb)
    response = client.DescribeAccountAllGrantPrivileges(grants_request("app"))
    assert response.GlobalPrivileges == ["PROCESS"]
    assert [(d.Db, d.Privileges) for d in response.DatabasePrivileges] == [("app", ["SELECT", "INSERT"])]
    assert [(t.Db, t.TableName, t.Privileges) for t in response.TablePrivileges] == [("app", "orders", ["UPDATE"])]
    assert "GRANT SELECT, INSERT ON app.* TO 'app'@'%'" in response.PrivilegeStatements
    raw = cynosdb.describe_account_all_grant_privileges(grants_request("app")._serialize())
    assert without_request_id(response) == raw
    bare = client.DescribeAccountAllGrantPrivileges(grants_request("audit"))
    assert (bare.GlobalPrivileges, bare.DatabasePrivileges, bare.TablePrivileges) == ([], [], [])
    assert bare.PrivilegeStatements == ["GRANT USAGE ON *.* TO 'audit'@'%'"]
    with pytest.raises(ValueError, match="not a TDSQL-C object key"):
        cynosdb.grant(CLUSTER, "app", {"column app.orders.total": ["SELECT"]})  # the service reports none


def test_the_librarys_client_keys_the_grants_as_the_mysql_one(local: LocalCloud) -> None:
    account = local.account("tencentcloud-tdsqlc", "app_one")
    emulator: Any = local.emulators["tencentcloud-tdsqlc"]
    grants = {"global": ["PROCESS"], "database app": ["SELECT", "INSERT"], "table app.orders": ["UPDATE"]}
    emulator.grant(account.instance_id, "app_one", grants)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    provider = runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)
    assert provider.privileges() == {key: frozenset(names) for key, names in grants.items()}
    state = provider.account_state()
    assert (state.exists, state.usable, state.settling) == (True, True, False)


@pytest.mark.parametrize(
    ("key_secret", "password", "cluster", "code"),
    [
        ("wrong", NEW, CLUSTER, "AuthFailure.SignatureFailure"),
        (KEY_SECRET, "Aa1!", CLUSTER, "InvalidParameterValue.IllegalPassword"),  # too short
        (KEY_SECRET, "abcdefgh1234", CLUSTER, "InvalidParameterValue.IllegalPassword"),  # two kinds of four
        (KEY_SECRET, "N3w Passw0rd!", CLUSTER, "InvalidParameterValue.IllegalPassword"),  # a space
        (KEY_SECRET, NEW, "cynosdbmysql-nothere", "ResourceNotFound.ClusterNotFoundError"),
    ],
)
def test_the_sdk_reads_the_emulators_refusals(
    cynosdb: TencentTdsqlcEmulator, key_secret: str, password: str, cluster: str, code: str
) -> None:
    with pytest.raises(TencentCloudSDKException) as raised:
        reset(sdk(cynosdb, key_secret), password, cluster=cluster)
    assert raised.value.get_code() == code
    assert raised.value.get_request_id()
    assert cynosdb.password_of(CLUSTER, "app") == OLD


def test_every_documented_code_reaches_the_sdk_and_is_classified(cynosdb: TencentTdsqlcEmulator) -> None:
    table = PROVIDERS["tencentcloud-tdsqlc"].errors
    client = sdk(cynosdb)
    for code in DOCUMENTED_CODES:
        cynosdb.inject("error", action="ResetAccountPassword", code=code, message="injected")
        with pytest.raises(TencentCloudSDKException) as raised:
            reset(client, NEW)
        assert (raised.value.get_code(), raised.value.get_message()) == (code, "injected")
        assert raised.value.get_request_id()
        assert not table.classify(code).unclassified, code
    assert cynosdb.password_of(CLUSTER, "app") == OLD
