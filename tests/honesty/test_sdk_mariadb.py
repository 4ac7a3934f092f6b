"""The official tencentcloud-sdk-python-mariadb client, pointed at the TencentDB for MariaDB emulator, is accepted:
the emulator checks the signature the real API checks and answers in the shapes the SDK's models parse.

ResetAccountPassword changes ``user@host``'s password at once (on the real MariaDB behind it too), DescribeAccounts
lists every account, DescribeAccountPrivileges answers the scope asked, and errors come back as the SDK reads them.
The library's client reads the same answers into the keys dual-account verify compares.
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
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mariadb.v20170312 import mariadb_client, models

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.databases import MariaDbServer, logs_in
from localcloud.tencentcloud.mariadb import TencentMariadbEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
INSTANCE = "tdsql-sdk0test"
OLD = "Old-Passw0rd!"


@pytest.fixture
def mariadb() -> Iterator[TencentMariadbEmulator]:
    emulator = TencentMariadbEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(INSTANCE, "app", OLD, host="%")
    emulator.add_account(INSTANCE, "app", OLD, host="10.0.0.%")  # the same name from other hosts: another account
    yield emulator
    emulator.stop()


def sdk(emulator: TencentMariadbEmulator, key_secret: str = KEY_SECRET) -> mariadb_client.MariadbClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return mariadb_client.MariadbClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def reset_request(password: str, **fields: str) -> models.ResetAccountPasswordRequest:
    request = models.ResetAccountPasswordRequest()
    request.from_json_string(
        json.dumps({"InstanceId": INSTANCE, "UserName": "app", "Host": "%", "Password": password, **fields})
    )
    return request


def without_request_id(model: Any) -> dict[str, Any]:
    """What an SDK response model holds, as the wire names it."""
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


def test_the_official_client_resets_one_user_at_host(mariadb: TencentMariadbEmulator) -> None:
    response = sdk(mariadb).ResetAccountPassword(reset_request("N3w(Passw0rd)|{x}"))
    assert response.RequestId
    assert mariadb.password_of(INSTANCE, "app") == "N3w(Passw0rd)|{x}"
    assert mariadb.password_of(INSTANCE, "app", host="10.0.0.%") == OLD  # name and host make the account


def test_the_official_client_lists_every_account(mariadb: TencentMariadbEmulator) -> None:
    request = models.DescribeAccountsRequest()
    request.InstanceId = INSTANCE
    client = sdk(mariadb)
    before = client.DescribeAccounts(request)
    assert before.InstanceId == INSTANCE
    assert [(user.UserName, user.Host, user.ReadOnly) for user in before.Users] == [
        ("app", "%", 0),
        ("app", "10.0.0.%", 0),
    ]
    assert without_request_id(before) == mariadb.describe_accounts({"InstanceId": INSTANCE})  # no field it lacks
    client.ResetAccountPassword(reset_request("N3w-Passw0rd!"))
    after = client.DescribeAccounts(request)
    assert after.Users[0].UpdateTime > before.Users[0].UpdateTime  # a reset moves app@%'s, not app@10.0.0.%'s
    assert after.Users[1].UpdateTime == before.Users[1].UpdateTime


def privileges_request(**fields: str) -> models.DescribeAccountPrivilegesRequest:
    request = models.DescribeAccountPrivilegesRequest()
    request.from_json_string(json.dumps({"InstanceId": INSTANCE, "UserName": "app", "Host": "%", **fields}))
    return request


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"DbName": "*"}, ["PROCESS"]),
        ({"DbName": "*", "Type": "table", "Object": "ignored"}, ["PROCESS"]),
        ({"DbName": "app", "Type": "*"}, ["SELECT", "INSERT"]),
        ({"DbName": "app", "Type": "table", "Object": "orders"}, ["UPDATE"]),
        ({"DbName": "app", "Type": "table", "Object": "orders", "ColName": "*"}, ["UPDATE"]),
        ({"DbName": "app", "Type": "table", "Object": "orders", "ColName": "total"}, ["SELECT", "REFERENCES"]),
        ({"DbName": "app", "Type": "proc", "Object": "refund"}, ["EXECUTE"]),
        ({"DbName": "audit", "Type": "*"}, []),
    ],
)
def test_the_official_client_reads_the_privileges_of_the_scope_asked(
    mariadb: TencentMariadbEmulator, scope: dict[str, str], expected: list[str]
) -> None:
    mariadb.grant(
        INSTANCE,
        "app",
        {
            "global": ["PROCESS"],
            "database app": ["SELECT", "INSERT"],
            "table app.orders": ["UPDATE"],
            "column app.orders.total": ["SELECT", "REFERENCES"],
            "proc app.refund": ["EXECUTE"],
        },
    )
    request = privileges_request(**scope)
    response = sdk(mariadb).DescribeAccountPrivileges(request)
    assert (response.InstanceId, response.UserName, response.Host, response.Privileges) == (
        INSTANCE,
        "app",
        "%",
        expected,
    )
    assert without_request_id(response) == mariadb.describe_account_privileges(request._serialize())


def test_the_emulator_refuses_grants_the_service_cannot_report(mariadb: TencentMariadbEmulator) -> None:
    for key in ("table orders", "database app.orders", "index app.orders.x", "column app.orders"):
        with pytest.raises(ValueError, match="not a MariaDB grant key"):
            mariadb.grant(INSTANCE, "app", {key: ["SELECT"]})


@pytest.mark.parametrize(
    ("request_of", "code"),
    [
        (lambda: reset_request("N3w;Passw0rd"), "InvalidParameter.CharacterError"),  # ; is not among its symbols
        (lambda: reset_request("Pässw0rd-long"), "InvalidParameter.CharacterError"),
        (lambda: reset_request("Sh0rt-!"), "InvalidParameter.GenericParameterError"),  # 7 characters
        (lambda: reset_request("A1-" + "x" * 30), "InvalidParameter.GenericParameterError"),  # 33 characters
        (lambda: reset_request("/Starts-with-slash1"), "InvalidParameter.GenericParameterError"),
        (lambda: reset_request("onlyletters"), "InvalidParameter.GenericParameterError"),  # one kind
        (lambda: reset_request("N3w-Passw0rd!", Host="192.168.%"), "ResourceNotFound.AccountDoesNotExist"),
        (lambda: reset_request("N3w-Passw0rd!", InstanceId="tdsql-nosuch00"), "InvalidParameter.InstanceNotFound"),
        (lambda: reset_request("N3w-Passw0rd!", EncryptedPassword="AAAA"), "InvalidParameter.GenericParameterError"),
        (lambda: privileges_request(DbName="app"), "InvalidParameter.GenericParameterError"),  # no Type
        (lambda: privileges_request(DbName="app", Type="table"), "InvalidParameter.GenericParameterError"),
    ],
)
def test_the_official_client_reads_the_emulators_errors(
    mariadb: TencentMariadbEmulator, request_of: Any, code: str
) -> None:
    request = request_of()
    client = sdk(mariadb)
    call = client.ResetAccountPassword if "Password" in request._serialize() else client.DescribeAccountPrivileges
    with pytest.raises(TencentCloudSDKException) as raised:
        call(request)
    assert (raised.value.get_code(), bool(raised.value.get_request_id())) == (code, True)
    assert mariadb.password_of(INSTANCE, "app") == OLD


def test_a_request_without_host_or_with_a_wrong_key_is_refused(mariadb: TencentMariadbEmulator) -> None:
    no_host = models.ResetAccountPasswordRequest()
    no_host.InstanceId, no_host.UserName, no_host.Password = INSTANCE, "app", "N3w-Passw0rd!"
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mariadb).ResetAccountPassword(no_host)
    assert raised.value.get_code() == "MissingParameter"
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mariadb, key_secret="wrong").ResetAccountPassword(reset_request("N3w-Passw0rd!"))
    assert raised.value.get_code() == "AuthFailure.SignatureFailure"
    assert mariadb.password_of(INSTANCE, "app") == OLD


@pytest.mark.parametrize("code", ["ResourceUnavailable.InstanceHasBeenLocked", "LimitExceeded.TooFrequentlyCalled"])
def test_an_injected_documented_error_reaches_the_sdk_in_its_envelope(
    mariadb: TencentMariadbEmulator, code: str
) -> None:
    mariadb.inject("error", action="ResetAccountPassword", code=code, message="documented")
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mariadb).ResetAccountPassword(reset_request("N3w-Passw0rd!"))
    assert (raised.value.get_code(), raised.value.get_message()) == (code, "documented")
    assert mariadb.password_of(INSTANCE, "app") == OLD


def test_a_reset_through_the_official_client_reaches_the_real_database(
    mariadb: TencentMariadbEmulator, mariadb_server: MariaDbServer
) -> None:
    username = f"m_{uuid.uuid4().hex[:10]}"
    mariadb.add_account(INSTANCE, username, OLD)
    mariadb.back_with_database(INSTANCE, username, OLD, mariadb_server.admin_dsn)
    sdk(mariadb).ResetAccountPassword(reset_request("N3w-Passw0rd!", UserName=username))
    assert logs_in("mysql", mariadb_server.port, username, "N3w-Passw0rd!")
    assert not logs_in("mysql", mariadb_server.port, username, OLD)


# -- the library's client, on the same answers -------------------------------------------------------------------
def library_client(local: LocalCloud, username: str = "app_one", **keys: Any) -> Any:
    account = local.account("tencentcloud-mariadb", username, dbname="app", **keys)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    return account, runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)


def test_the_library_reads_global_and_the_secrets_database_privileges(local: LocalCloud) -> None:
    account, api = library_client(local)
    emulator: Any = local.emulators["tencentcloud-mariadb"]
    grants = {"global": ["PROCESS"], "database app": ["SELECT", "INSERT"], "database other": ["SELECT"]}
    emulator.grant(account.instance_id, "app_one", grants)
    assert api.privileges() == {"global": frozenset({"PROCESS"}), "database app": frozenset({"SELECT", "INSERT"})}
    emulator.grant(account.instance_id, "app_one", {})
    assert api.privileges() == {}
    asked = [call.params for call in emulator.calls_of("DescribeAccountPrivileges")][-2:]
    assert [(p["DbName"], p.get("Type"), p["Host"]) for p in asked] == [("*", None, "%"), ("app", "*", "%")]


def test_the_library_finds_the_account_by_name_and_host(local: LocalCloud) -> None:
    account, api = library_client(local, account_host="10.0.0.%")
    assert api.account_state().exists is False  # app_one@% exists, app_one@10.0.0.% does not
    emulator: Any = local.emulators["tencentcloud-mariadb"]
    emulator.add_account(account.instance_id, "app_one", OLD, host="10.0.0.%")
    assert api.account_state() == (True, True, False, "listed")
    with pytest.raises(RotationError) as raised:
        api.reset_password(PROVIDERS["tencentcloud-mariadb"].password_policy.generate(32)[:7])  # too short
    assert (raised.value.code, raised.value.retryable) == ("InvalidParameter.GenericParameterError", False)
    password = PROVIDERS["tencentcloud-mariadb"].password_policy.generate(32)
    assert api.reset_password(password).poll is None  # synchronous: nothing to poll
    assert emulator.password_of(account.instance_id, "app_one", host="10.0.0.%") == password
    assert emulator.password_of(account.instance_id, "app_one") == account.old_password
