"""The official tencentcloud-sdk-python-mongodb client, pointed at the TencentDB for MongoDB emulator, is accepted:
the emulator checks the signature the real API checks and answers in the shapes the SDK's models parse.

ResetDBInstancePassword starts an async request whose id DescribeAsyncRequestInfo reads as ``running``, then
``success`` (only then is the password changed), or ``failed``/``undoed``/``paused`` (never changed);
DescribeAccountUsers lists every account with its AuthRole; errors come back as the SDK reads them. The library's
client reads the same answers: its status table, its account state and the privileges dual-account verify compares.
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
from tencentcloud.mongodb.v20190725 import models, mongodb_client

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.tencentcloud.mongodb import TencentMongodbEmulator

PROVIDER = "tencentcloud-mongodb"
KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
INSTANCE = "cmgo-sdk0test"
OLD = "Old_Passw0rd"
NEW = "N3w_(Passw0rd)!@#%^*"


@pytest.fixture
def mongodb() -> Iterator[TencentMongodbEmulator]:
    emulator = TencentMongodbEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(INSTANCE, "mongouser", OLD)
    emulator.add_account(INSTANCE, "rwuser", OLD)
    yield emulator
    emulator.stop()


def sdk(emulator: TencentMongodbEmulator, key_secret: str = KEY_SECRET) -> mongodb_client.MongodbClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return mongodb_client.MongodbClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def reset_request(password: str, **fields: str) -> models.ResetDBInstancePasswordRequest:
    request = models.ResetDBInstancePasswordRequest()
    request.from_json_string(json.dumps({"InstanceId": INSTANCE, "UserName": "rwuser", "Password": password, **fields}))
    return request


def poll_request(task: str) -> models.DescribeAsyncRequestInfoRequest:
    request = models.DescribeAsyncRequestInfoRequest()
    request.AsyncRequestId = task
    return request


def users_request(instance_id: str = INSTANCE) -> models.DescribeAccountUsersRequest:
    request = models.DescribeAccountUsersRequest()
    request.InstanceId = instance_id
    return request


def without_request_id(model: Any) -> dict[str, Any]:
    """What an SDK response model holds, as the wire names it."""
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


def test_the_official_client_changes_a_password_through_its_async_request(mongodb: TencentMongodbEmulator) -> None:
    client = sdk(mongodb)
    response = client.ResetDBInstancePassword(reset_request(NEW))
    assert isinstance(response.AsyncRequestId, str)
    assert response.AsyncRequestId.isdigit()
    assert response.RequestId
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD  # not before the request succeeds
    first = client.DescribeAsyncRequestInfo(poll_request(response.AsyncRequestId))
    assert (first.Status, bool(first.StartTime), first.EndTime) == ("running", True, "")
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD
    second = client.DescribeAsyncRequestInfo(poll_request(response.AsyncRequestId))
    assert (second.Status, bool(second.EndTime)) == ("success", True)
    assert mongodb.password_of(INSTANCE, "rwuser") == NEW
    assert mongodb.password_of(INSTANCE, "mongouser") == OLD  # any listed user is reset alone


@pytest.mark.parametrize("outcome", ["failed", "undoed", "paused"])
def test_a_request_that_ends_without_success_changes_nothing(mongodb: TencentMongodbEmulator, outcome: str) -> None:
    mongodb.task_outcomes = [outcome]
    client = sdk(mongodb)
    task = client.ResetDBInstancePassword(reset_request(NEW)).AsyncRequestId
    statuses = [client.DescribeAsyncRequestInfo(poll_request(task)).Status for _ in range(3)]
    assert statuses == ["running", outcome, outcome]
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD


def test_the_official_client_lists_every_account_with_its_roles(mongodb: TencentMongodbEmulator) -> None:
    mongodb.grant(INSTANCE, "rwuser", {"global": ["read"], "database app": ["read", "write"]})
    client = sdk(mongodb)
    before = client.DescribeAccountUsers(users_request())
    assert [user.UserName for user in before.Users] == ["mongouser", "rwuser"]
    roles = [(auth.NameSpace, auth.Mask) for auth in before.Users[1].AuthRole]
    assert roles == [("*", 1), ("app", 3)]
    assert without_request_id(before) == mongodb.describe_account_users({"InstanceId": INSTANCE})  # no field it lacks
    mongodb.settle_tasks()
    client.ResetDBInstancePassword(reset_request(NEW))
    mongodb.settle_tasks()
    after = client.DescribeAccountUsers(users_request())
    assert after.Users[1].ConsolePassUpdateTime >= before.Users[1].ConsolePassUpdateTime
    assert after.Users[1].ConsolePassUpdateTime != "2024-01-01 00:00:00"  # a reset moves rwuser's
    assert after.Users[0].ConsolePassUpdateTime == before.Users[0].ConsolePassUpdateTime


def test_the_emulator_refuses_grants_the_service_cannot_report(mongodb: TencentMongodbEmulator) -> None:
    for grant in ({"table app.orders": ["read"]}, {"database app": ["write"]}, {"global": ["readWrite"]}):
        with pytest.raises(ValueError, match="not a MongoDB grant"):
            mongodb.grant(INSTANCE, "rwuser", grant)


@pytest.mark.parametrize(
    ("request_of", "code"),
    [
        (lambda: reset_request("Sh0rt_!"), "InvalidParameterValue.PasswordRuleFailed"),  # 7 characters
        (lambda: reset_request("A1_" + "x" * 30), "InvalidParameterValue.PasswordRuleFailed"),  # 33 characters
        (lambda: reset_request("onlyletters"), "InvalidParameterValue.PasswordRuleFailed"),  # one kind
        (lambda: reset_request("N3w$Passw0rd"), "InvalidParameterValue.PasswordRuleFailed"),  # $ is not its symbol
        (lambda: reset_request("Pässw0rd_long"), "InvalidParameterValue.PasswordRuleFailed"),
        (lambda: reset_request(NEW, UserName="shelluser"), "InvalidParameterValue.UserNotFound"),
        (lambda: reset_request(NEW, InstanceId="cmgo-nosuch00"), "InvalidParameterValue.NotFoundInstance"),
        (lambda: users_request("cmgo-nosuch00"), "InvalidParameterValue.NotFoundInstance"),
        (lambda: poll_request("999999999"), "InvalidParameter"),
    ],
)
def test_the_official_client_reads_the_emulators_errors(
    mongodb: TencentMongodbEmulator, request_of: Any, code: str
) -> None:
    request = request_of()
    client = sdk(mongodb)
    call = {
        models.ResetDBInstancePasswordRequest: client.ResetDBInstancePassword,
        models.DescribeAccountUsersRequest: client.DescribeAccountUsers,
        models.DescribeAsyncRequestInfoRequest: client.DescribeAsyncRequestInfo,
    }[type(request)]
    with pytest.raises(TencentCloudSDKException) as raised:
        call(request)
    assert (raised.value.get_code(), bool(raised.value.get_request_id())) == (code, True)
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD
    assert not mongodb.requests


def test_a_reset_while_a_request_runs_meets_the_instance_lock(mongodb: TencentMongodbEmulator) -> None:
    client = sdk(mongodb)
    client.ResetDBInstancePassword(reset_request(NEW))
    with pytest.raises(TencentCloudSDKException) as raised:
        client.ResetDBInstancePassword(reset_request("An0ther_Passw0rd", UserName="mongouser"))
    assert raised.value.get_code() == "InvalidParameterValue.LockFailed"
    mongodb.settle_tasks()
    assert (mongodb.password_of(INSTANCE, "rwuser"), mongodb.password_of(INSTANCE, "mongouser")) == (NEW, OLD)


def test_a_wrong_key_or_an_unknown_parameter_is_refused(mongodb: TencentMongodbEmulator) -> None:
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mongodb, key_secret="wrong").ResetDBInstancePassword(reset_request(NEW))
    assert raised.value.get_code() == "AuthFailure.SignatureFailure"
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mongodb).call_json("ResetDBInstancePassword", {**reset_request(NEW)._serialize(), "EncryptedPassword": "x"})
    assert raised.value.get_code() == "UnknownParameter"
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD


@pytest.mark.parametrize("code", ["InvalidParameterValue.StatusAbnormal", "LimitExceeded.TooManyRequests"])
def test_an_injected_documented_error_reaches_the_sdk_in_its_envelope(
    mongodb: TencentMongodbEmulator, code: str
) -> None:
    mongodb.inject("error", action="ResetDBInstancePassword", code=code, message="documented")
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(mongodb).ResetDBInstancePassword(reset_request(NEW))
    assert (raised.value.get_code(), raised.value.get_message()) == (code, "documented")
    assert mongodb.password_of(INSTANCE, "rwuser") == OLD


# -- the library's client, on the same answers -------------------------------------------------------------------
def library_client(local: LocalCloud, username: str = "app_one") -> tuple[Any, Any, TencentMongodbEmulator]:
    account = local.account(PROVIDER, username)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    emulator = local.emulators[PROVIDER]
    assert isinstance(emulator, TencentMongodbEmulator)
    emulator.task_polls, emulator.task_outcomes = 1, []
    return account, runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret), emulator


@pytest.mark.parametrize(
    ("outcome", "code", "retryable"),
    [("failed", "Task.Failed", True), ("undoed", "Task.Undoed", True), ("paused", "Task.Paused", False)],
)
def test_the_library_reads_each_documented_status(local: LocalCloud, outcome: str, code: str, retryable: bool) -> None:
    account, api, emulator = library_client(local)
    emulator.task_outcomes = [outcome]
    receipt = api.reset_password(PROVIDERS[PROVIDER].password_policy.generate(32))
    assert receipt.request_id
    assert receipt.poll is not None
    assert receipt.poll()[:2] == (False, "running")
    ended = receipt.poll()
    assert (ended.done, ended.status) == (False, outcome)
    assert isinstance(ended.failure, RotationError)
    assert (ended.failure.code, ended.failure.retryable, ended.failure.provider) == (code, retryable, PROVIDER)
    assert emulator.password_of(account.instance_id, "app_one") == account.old_password


@pytest.mark.parametrize(
    ("status", "done"), [("success", True), ("SUCCESS", True), ("initial", False), ("succeeded", False), ("", False)]
)
def test_an_unknown_status_is_never_success(local: LocalCloud, status: str, done: bool) -> None:
    account, api, emulator = library_client(local)
    receipt = api.reset_password(PROVIDERS[PROVIDER].password_policy.generate(32))
    (request,) = [r for r in emulator.requests.values() if r.instance_id == account.instance_id]
    request.status = status  # what the service might answer one day
    state = receipt.poll()
    assert (state.done, state.failure) == (done, None)


def test_the_library_lists_the_account_and_reads_its_masks(local: LocalCloud) -> None:
    account, api, emulator = library_client(local)
    assert api.account_state() == (True, True, False, "listed")
    emulator.grant(account.instance_id, "app_one", {"global": ["read"], "database app": ["read", "write"]})
    assert api.privileges() == {"global": frozenset({"read"}), "database app": frozenset({"read", "write"})}
    emulator.grant(account.instance_id, "app_one", {"database app": []})  # mask 0: no privilege
    assert api.privileges() == {}
    other, other_api, _ = library_client(local, "app_two")
    with emulator.lock:
        del emulator.instances[other.instance_id].accounts["app_two"]
    assert other_api.account_state() == (False, False, False, "absent")
    with pytest.raises(RotationError) as raised:
        other_api.reset_password(PROVIDERS[PROVIDER].password_policy.generate(32))
    assert (raised.value.code, raised.value.retryable) == ("InvalidParameterValue.UserNotFound", False)
