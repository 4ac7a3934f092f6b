"""The official tencentcloud-sdk-python-sqlserver client, pointed at the TencentDB for SQL Server emulator, is
accepted: the emulator checks the signature the real API checks and answers in the shapes the SDK's models parse.

ResetAccountPassword starts a flow that DescribeFlowStatus follows (2 running, then 0 success or 1 failed), the
password changing only on success; DescribeAccounts lists the accounts a name filter matches, a page at a time
(``Offset`` is a page number), with their status, databases and privileges; errors come back as the SDK reads them,
every documented code among them. The library's client reads the same answers: the flow's status table, the
account's status, and the privileges dual-account verify compares.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import VirtualClock
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sqlserver.v20180328 import models, sqlserver_client

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import KITS, LocalCloud, instance_of, user_of
from localcloud.tencentcloud.sqlserver import DOCUMENTED_CODES, TencentSqlserverEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
INSTANCE = "mssql-njj2mtpl"
OLD = "Old-Passw0rd!"
NEW = "N3w_Passw0rd+&="
POLICY = PROVIDERS["tencentcloud-sqlserver"].password_policy


@pytest.fixture
def sqlserver() -> Iterator[TencentSqlserverEmulator]:
    emulator = TencentSqlserverEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(INSTANCE, "app", OLD)
    emulator.add_account(INSTANCE, "app_reader", OLD)  # a name containing the other's: a Name filter's catch
    yield emulator
    emulator.stop()


def sdk(emulator: TencentSqlserverEmulator, key_secret: str = KEY_SECRET) -> sqlserver_client.SqlserverClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return sqlserver_client.SqlserverClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def reset_request(password: str, username: str = "app", **fields: Any) -> models.ResetAccountPasswordRequest:
    request = models.ResetAccountPasswordRequest()
    account = {"UserName": username, "Password": password}
    request.from_json_string(json.dumps({"InstanceId": INSTANCE, "Accounts": [account], **fields}))
    return request


def flow_request(flow: Any) -> models.DescribeFlowStatusRequest:
    request = models.DescribeFlowStatusRequest()
    request.FlowId = flow
    return request


def accounts_request(**fields: Any) -> models.DescribeAccountsRequest:
    request = models.DescribeAccountsRequest()
    request.from_json_string(json.dumps({"InstanceId": INSTANCE, **fields}))
    return request


def without_request_id(model: Any) -> dict[str, Any]:
    """What an SDK response model holds, as the wire names it."""
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


def status_of(client: sqlserver_client.SqlserverClient, username: str) -> tuple[int, str]:
    (detail,) = [d for d in client.DescribeAccounts(accounts_request(Name=username)).Accounts if d.Name == username]
    return detail.Status, detail.PassTime


def test_the_official_client_resets_a_password_through_its_flow(sqlserver: TencentSqlserverEmulator) -> None:
    client = sdk(sqlserver)
    before = status_of(client, "app")
    flow = client.ResetAccountPassword(reset_request(NEW)).FlowId
    assert isinstance(flow, int)
    assert sqlserver.password_of(INSTANCE, "app") == OLD  # not before the flow succeeds
    assert status_of(client, "app") == (4, before[1])  # password reset in progress
    statuses = [client.DescribeFlowStatus(flow_request(flow)).Status for _ in range(3)]
    assert statuses == [2, 0, 0]
    assert sqlserver.password_of(INSTANCE, "app") == NEW
    assert sqlserver.password_of(INSTANCE, "app_reader") == OLD
    status, pass_time = status_of(client, "app")
    assert (status, pass_time > before[1]) == (2, True)


def test_a_flow_that_fails_changes_no_password(sqlserver: TencentSqlserverEmulator) -> None:
    sqlserver.task_outcomes = [1]
    client = sdk(sqlserver)
    flow = client.ResetAccountPassword(reset_request(NEW)).FlowId
    assert [client.DescribeFlowStatus(flow_request(flow)).Status for _ in range(3)] == [2, 1, 1]
    assert sqlserver.password_of(INSTANCE, "app") == OLD
    assert status_of(client, "app")[0] == 2  # usable again, its password unchanged
    second = client.ResetAccountPassword(reset_request(NEW)).FlowId  # the same step again, a new flow
    assert second != flow
    sqlserver.settle_tasks()
    assert client.DescribeFlowStatus(flow_request(second)).Status == 0
    assert sqlserver.password_of(INSTANCE, "app") == NEW


def test_a_flow_also_ends_when_its_time_has_come(sqlserver: TencentSqlserverEmulator) -> None:
    sqlserver.task_polls, sqlserver.task_seconds = 10**6, 0.0
    client = sdk(sqlserver)
    flow = client.ResetAccountPassword(reset_request(NEW)).FlowId
    assert client.DescribeFlowStatus(flow_request(flow)).Status == 0


def test_the_official_client_lists_accounts_a_page_at_a_time(sqlserver: TencentSqlserverEmulator) -> None:
    sqlserver.grant(INSTANCE, "app", {"database app": ["ReadWrite"], "database audit": ["ReadOnly"]})
    client = sdk(sqlserver)
    everyone = client.DescribeAccounts(accounts_request())
    assert (everyone.InstanceId, everyone.TotalCount) == (INSTANCE, 2)
    assert without_request_id(everyone) == sqlserver.describe_accounts({"InstanceId": INSTANCE})  # no field it lacks
    app = everyone.Accounts[0]
    assert (app.Name, app.Status, app.IsCam, app.Authentication, app.AccountType) == ("app", 2, False, "sql", "L3")
    assert [(db.DBName, db.Privilege) for db in app.Dbs] == [("app", "ReadWrite"), ("audit", "ReadOnly")]
    named = client.DescribeAccounts(accounts_request(Name="app"))
    assert [d.Name for d in named.Accounts] == ["app", "app_reader"]  # a part matches: the client compares
    pages = [client.DescribeAccounts(accounts_request(Limit=1, Offset=page)) for page in range(3)]
    assert [[d.Name for d in p.Accounts] for p in pages] == [["app"], ["app_reader"], []]  # Offset: a page number
    assert {p.TotalCount for p in pages} == {2}


def test_the_emulator_refuses_grants_the_service_cannot_report(sqlserver: TencentSqlserverEmulator) -> None:
    for grant in (
        {"database app": ["SELECT"]},
        {"database app": ["ReadOnly", "ReadWrite"]},
        {"table app.orders": ["ReadOnly"]},
        {"account type": ["L9"]},
    ):
        with pytest.raises(ValueError, match="not a SQL Server grant"):
            sqlserver.grant(INSTANCE, "app", grant)


def busy(sqlserver: TencentSqlserverEmulator) -> None:
    sdk(sqlserver).ResetAccountPassword(reset_request("An0ther_Passw0rd"))  # a flow still running


@pytest.mark.parametrize(
    ("prepare", "request_of", "code"),
    [
        (None, lambda: reset_request("Sh0rt_!"), "InvalidParameterValue.PasswordIsIllegal"),  # 7 characters
        (None, lambda: reset_request("A1_" + "x" * 30), "InvalidParameterValue.PasswordIsIllegal"),  # 33
        (None, lambda: reset_request("n3wpassw0rd"), "InvalidParameterValue.PasswordIsIllegal"),  # two classes
        (None, lambda: reset_request("N3w;Passw0rd"), "InvalidParameterValue.PasswordIsIllegal"),  # ; not documented
        (None, lambda: reset_request("N3w_APP_Passw0rd"), "InvalidParameterValue.PasswordIsIllegal"),  # its name
        (None, lambda: reset_request(NEW, username="nobody"), "ResourceNotFound.AccountNotExist"),
        (None, lambda: reset_request(NEW, InstanceId="mssql-nosuch00"), "ResourceNotFound.InstanceNotFound"),
        (busy, lambda: reset_request(NEW), "ResourceUnavailable.AccountInvalidStatus"),  # its flow still runs
        (
            lambda e: e.use_cam_authentication(INSTANCE, "app"),
            lambda: reset_request(NEW),
            "ResourceUnavailable.AccountInvalidStatus",
        ),
        (
            lambda e: setattr(e.instances[INSTANCE], "status", 4),  # isolated
            lambda: reset_request(NEW),
            "ResourceUnavailable.InstanceStatusInvalid",
        ),
        (None, lambda: reset_request(NEW, Accounts=[]), "InvalidParameter.ParamsAssertFailed"),
        (None, lambda: flow_request(99), "InvalidParameter"),  # no such flow
        (None, lambda: accounts_request(Limit=101), "InvalidParameter.InputIllegal"),
    ],
)
def test_the_official_client_reads_the_emulators_errors(
    sqlserver: TencentSqlserverEmulator, prepare: Any, request_of: Any, code: str
) -> None:
    if prepare is not None:
        prepare(sqlserver)
    request = request_of()
    client = sdk(sqlserver)
    call = {
        models.ResetAccountPasswordRequest: client.ResetAccountPassword,
        models.DescribeFlowStatusRequest: client.DescribeFlowStatus,
        models.DescribeAccountsRequest: client.DescribeAccounts,
    }[type(request)]
    with pytest.raises(TencentCloudSDKException) as raised:
        call(request)
    assert (raised.value.get_code(), bool(raised.value.get_request_id())) == (code, True)
    sqlserver.settle_tasks()
    assert sqlserver.password_of(INSTANCE, "app") == ("An0ther_Passw0rd" if prepare is busy else OLD)


def test_an_encrypted_password_or_an_unknown_parameter_is_refused(sqlserver: TencentSqlserverEmulator) -> None:
    request = models.ResetAccountPasswordRequest()
    account = models.AccountPassword()
    account.UserName, account.Password, account.EncryptedVersion = "app", NEW, 1
    request.InstanceId, request.Accounts = INSTANCE, [account]
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(sqlserver).ResetAccountPassword(request)
    assert raised.value.get_code() == "InvalidParameter.InputIllegal"
    account.EncryptedVersion = 0  # "0 means no encryption"
    assert sdk(sqlserver).ResetAccountPassword(request).FlowId
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(sqlserver).call_json("DescribeFlowStatus", {"FlowId": 1, "InstanceId": INSTANCE})
    assert raised.value.get_code() == "UnknownParameter"


def test_a_request_with_a_wrong_key_is_refused(sqlserver: TencentSqlserverEmulator) -> None:
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(sqlserver, key_secret="wrong").ResetAccountPassword(reset_request(NEW))
    assert raised.value.get_code() == "AuthFailure.SignatureFailure"
    assert sqlserver.flows == {}


@pytest.mark.parametrize("code", DOCUMENTED_CODES)
def test_every_documented_code_reaches_the_sdk_in_its_envelope(sqlserver: TencentSqlserverEmulator, code: str) -> None:
    sqlserver.inject("error", action="ResetAccountPassword", code=code, message="documented")
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(sqlserver).ResetAccountPassword(reset_request(NEW))
    assert (raised.value.get_code(), raised.value.get_message()) == (code, "documented")
    assert sqlserver.flows == {}
    assert PROVIDERS["tencentcloud-sqlserver"].errors.classify(code).reason


def test_the_call_log_names_a_resets_account_and_a_polls_instance(sqlserver: TencentSqlserverEmulator) -> None:
    client = sdk(sqlserver)
    flow = client.ResetAccountPassword(reset_request(NEW)).FlowId
    client.DescribeFlowStatus(flow_request(flow))
    reset, poll = sqlserver.calls
    kit = KITS["tencentcloud-sqlserver"]
    assert (user_of(reset.params), kit.password_in(reset.params), instance_of(poll.params)) == ("app", NEW, INSTANCE)


# -- the library's client, on the same answers -------------------------------------------------------------------
def library_client(local: LocalCloud, username: str = "app_one", **keys: Any) -> Any:
    account = local.account("tencentcloud-sqlserver", username, **keys)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    return account, runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)


def emulator_of(local: LocalCloud) -> TencentSqlserverEmulator:
    emulator = local.emulators["tencentcloud-sqlserver"]
    assert isinstance(emulator, TencentSqlserverEmulator)
    return emulator


def test_the_library_follows_the_flow_to_success(local: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    account, api = library_client(local)
    emulator = emulator_of(local)
    monkeypatch.setattr(emulator, "task_polls", 2)
    password = POLICY.generate(32)
    receipt = api.reset_password(password)
    assert receipt.poll is not None
    states = [receipt.poll() for _ in range(3)]
    assert [(s.done, s.status.split(" (")[0], s.failure) for s in states] == [
        (False, "running", None),
        (False, "running", None),
        (True, "succeeded", None),
    ]
    assert emulator.password_of(account.instance_id, "app_one") == password
    assert api.account_state() == (True, True, False, "normal")
    (reset,) = [
        c.params for c in emulator.calls_of("ResetAccountPassword") if c.params.get("InstanceId") == account.instance_id
    ]
    assert reset == {"InstanceId": account.instance_id, "Accounts": [{"UserName": "app_one", "Password": password}]}


def test_a_failed_flow_is_a_retryable_failure_and_changes_nothing(
    local: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    account, api = library_client(local)
    monkeypatch.setattr(emulator_of(local), "task_outcomes", [1])
    receipt = api.reset_password(POLICY.generate(32))
    assert receipt.poll().failure is None  # running
    failed = receipt.poll()
    assert not failed.done
    assert failed.failure is not None
    assert (failed.failure.code, failed.failure.retryable) == ("Flow.Failed", True)
    assert failed.failure.request_id
    assert emulator_of(local).password_of(account.instance_id, "app_one") == account.old_password


@pytest.mark.parametrize("answer", [{}, {"Status": None}, {"Status": True}, {"Status": False}, {"Status": "0"}])
def test_a_flow_status_that_is_not_a_number_is_never_success(
    local: LocalCloud, monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any]
) -> None:
    _, api = library_client(local)
    receipt = api.reset_password(POLICY.generate(32))
    monkeypatch.setattr(emulator_of(local), "describe_flow_status", lambda params: answer)
    with pytest.raises(RotationError) as raised:
        receipt.poll()
    assert (raised.value.code, raised.value.retryable) == ("Transport.BadResponse", True)


def test_an_undocumented_flow_status_is_not_done(local: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    _, api = library_client(local)
    receipt = api.reset_password(POLICY.generate(32))
    monkeypatch.setattr(emulator_of(local), "describe_flow_status", lambda params: {"Status": 7})
    state = receipt.poll()
    assert (state.done, state.failure) == (False, None)
    assert "undocumented status 7" in state.status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (1, (True, False, True, "creating")),
        (3, (True, False, True, "modifying")),
        (-1, (True, False, False, "being deleted")),
        (9, (True, False, False, "in undocumented status 9")),
    ],
)
def test_the_library_reads_the_accounts_status(
    local: LocalCloud, status: int, expected: tuple[bool, bool, bool, str]
) -> None:
    account, api = library_client(local)
    emulator_of(local).account(account.instance_id, "app_one").status = status
    assert api.account_state() == expected


def test_the_library_finds_the_account_by_its_exact_name_across_pages(local: LocalCloud) -> None:
    account, api = library_client(local, username="app")
    emulator = emulator_of(local)
    for number in range(150):  # names the filter also matches, listed before it
        emulator.add_account(account.instance_id, f"a_app_{number:03}", OLD)
    emulator.account(account.instance_id, "app").status = 3
    assert api.account_state() == (True, False, True, "modifying")
    asked = [
        (c.params["Name"], c.params["Limit"], c.params["Offset"])
        for c in emulator.calls_of("DescribeAccounts")
        if c.params.get("InstanceId") == account.instance_id
    ]
    assert asked == [("app", 100, 0), ("app", 100, 1)]
    emulator.use_cam_authentication(account.instance_id, "app")
    state = api.account_state()
    assert (state.exists, state.usable, state.settling) == (True, False, False)
    assert "CAM authentication" in state.status


def test_the_library_reads_each_databases_privilege_and_the_account_type(local: LocalCloud) -> None:
    account, api = library_client(local)
    emulator = emulator_of(local)
    emulator.grant(
        account.instance_id,
        "app_one",
        {"database app": ["DBOwner"], "database audit": ["ReadOnly"], "account type": ["L1"]},
    )
    assert api.privileges() == {
        "database app": frozenset({"DBOwner"}),
        "database audit": frozenset({"ReadOnly"}),
        "account type": frozenset({"L1"}),
    }
    emulator.grant(account.instance_id, "app_one", {})
    assert api.privileges() == {"account type": frozenset({"L3"})}


def test_a_secret_naming_a_host_is_refused(local: LocalCloud) -> None:
    """No SQL Server can be proven here: the provider's answer is the proof, and a login is never tried."""
    account = local.account("tencentcloud-sqlserver", host="127.0.0.1", port=1433)
    with pytest.raises(RotationError) as raised:
        read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    assert raised.value.code == "InvalidSecret"
