"""The official tencentcloud-sdk-python-redis client, pointed at the TencentDB for Redis emulator, is accepted: the
emulator checks the signature the real API checks and answers in the shapes the SDK's models parse.

ModifyInstanceAccount (a custom account) and ResetPassword (``root``) answer a TaskId; DescribeTaskInfo follows
the task from ``preparing`` through ``running`` to ``succeed``, and only then has the password changed (on the real
redis-server behind the account too); DescribeInstanceAccount lists every account with its privileges, and errors
come back as the SDK reads them. The library's client reads the same answers.
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
from tencentcloud.redis.v20180412 import models, redis_client

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.registry import PROVIDERS, read_secret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import LocalCloud
from localcloud.databases import RedisServer, logs_in
from localcloud.tencentcloud.redis import TencentRedisEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)
INSTANCE = "crs-sdk0test"
OLD = "Old-Passw0rd!"
ROOT_OLD = "Root-Passw0rd!"


@pytest.fixture
def redis() -> Iterator[TencentRedisEmulator]:
    emulator = TencentRedisEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account(INSTANCE, "root", ROOT_OLD)
    emulator.add_account(INSTANCE, "app", OLD)
    yield emulator
    emulator.stop()


def sdk(emulator: TencentRedisEmulator, key_secret: str = KEY_SECRET) -> redis_client.RedisClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return redis_client.RedisClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def request_of(model: Any, **fields: Any) -> Any:
    request = model()
    request.from_json_string(json.dumps(fields))
    return request


def modify(password: str, **fields: Any) -> models.ModifyInstanceAccountRequest:
    return request_of(
        models.ModifyInstanceAccountRequest,
        **{"InstanceId": INSTANCE, "AccountName": "app", "AccountPassword": password, **fields},
    )


def reset_request(password: str) -> models.ResetPasswordRequest:
    return request_of(models.ResetPasswordRequest, InstanceId=INSTANCE, Password=password)


def task_status(client: redis_client.RedisClient, task_id: int) -> models.DescribeTaskInfoResponse:
    return client.DescribeTaskInfo(request_of(models.DescribeTaskInfoRequest, TaskId=task_id))


def without_request_id(model: Any) -> dict[str, Any]:
    document: dict[str, Any] = model._serialize()
    document.pop("RequestId")
    return document


def test_a_custom_accounts_password_changes_when_its_task_succeeds(redis: TencentRedisEmulator) -> None:
    client = sdk(redis)
    response = client.ModifyInstanceAccount(modify("N3w(Passw0rd)|{x}"))
    assert isinstance(response.TaskId, int)
    assert response.RequestId
    first = task_status(client, response.TaskId)
    assert (first.Status, first.InstanceId, first.TaskMessage) == ("preparing", INSTANCE, "")
    assert redis.password_of(INSTANCE, "app") == OLD
    assert task_status(client, response.TaskId).Status == "running"
    assert redis.password_of(INSTANCE, "app") == OLD
    assert task_status(client, response.TaskId).Status == "succeed"
    assert redis.password_of(INSTANCE, "app") == "N3w(Passw0rd)|{x}"
    assert redis.password_of(INSTANCE, "root") == ROOT_OLD


def test_the_default_accounts_password_is_reset_by_its_own_task(redis: TencentRedisEmulator) -> None:
    client = sdk(redis)
    response = client.ResetPassword(request_of(models.ResetPasswordRequest, InstanceId=INSTANCE, Password="R00t-New!"))
    redis.settle_tasks()
    assert task_status(client, response.TaskId).Status == "succeed"
    assert redis.password_of(INSTANCE, "root") == "R00t-New!"
    assert redis.password_of(INSTANCE, "app") == OLD


@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_a_task_that_ends_without_success_changes_nothing(redis: TencentRedisEmulator, outcome: str) -> None:
    redis.task_outcomes.append(outcome)
    client = sdk(redis)
    task_id = client.ModifyInstanceAccount(modify("N3w-Passw0rd!")).TaskId
    redis.settle_tasks()
    ended = task_status(client, task_id)
    assert (ended.Status, ended.TaskMessage) == (outcome, f"task {outcome}")
    assert redis.password_of(INSTANCE, "app") == OLD


def test_the_official_client_lists_accounts_page_by_page(redis: TencentRedisEmulator) -> None:
    redis.grant(INSTANCE, "app", {"Privilege": ["r"], "ReadonlyPolicy": ["replication"]})
    client = sdk(redis)
    request = request_of(models.DescribeInstanceAccountRequest, InstanceId=INSTANCE, Limit=1, Offset=1)
    response = client.DescribeInstanceAccount(request)
    assert response.TotalCount == 2
    (root,) = response.Accounts
    assert (root.AccountName, root.Privilege, root.ReadonlyPolicy, root.Status) == ("root", "rw", ["master"], 2)
    assert without_request_id(response) == redis.describe_instance_account(request._serialize())  # no field it lacks
    everything = client.DescribeInstanceAccount(
        request_of(models.DescribeInstanceAccountRequest, InstanceId=INSTANCE, Limit=100, Offset=0)
    )
    app = everything.Accounts[0]
    assert (app.AccountName, app.Privilege, app.ReadonlyPolicy) == ("app", "r", ["replication"])
    assert app.InstanceId == INSTANCE
    client.ModifyInstanceAccount(modify("N3w-Passw0rd!"))
    changing = client.DescribeInstanceAccount(
        request_of(models.DescribeInstanceAccountRequest, InstanceId=INSTANCE, Limit=100, Offset=0)
    )
    assert [account.Status for account in changing.Accounts] == [1, 2]  # app's task runs, root is valid
    redis.settle_tasks()
    done = client.DescribeInstanceAccount(
        request_of(models.DescribeInstanceAccountRequest, InstanceId=INSTANCE, Limit=100, Offset=0)
    )
    assert done.Accounts[0].Status == 2
    assert done.Accounts[0].PasswordLastModifiedTime > app.PasswordLastModifiedTime


@pytest.mark.parametrize(
    ("call", "request_", "code"),
    [
        ("ModifyInstanceAccount", lambda: modify("Sh0rt-!"), "InvalidParameterValue.PasswordRuleError"),
        ("ModifyInstanceAccount", lambda: modify("/Starts-with-slash1"), "InvalidParameterValue.PasswordRuleError"),
        ("ModifyInstanceAccount", lambda: modify("onlylowercase"), "InvalidParameterValue.PasswordRuleError"),
        ("ModifyInstanceAccount", lambda: modify("Pässw0rd-long"), "InvalidParameterValue.PasswordRuleError"),
        ("ModifyInstanceAccount", lambda: modify("N3w-Passw0rd!", AccountName="nobody"),
         "ResourceNotFound.AccountDoesNotExists"),
        ("ModifyInstanceAccount", lambda: modify("N3w-Passw0rd!", InstanceId="crs-nosuch00"),
         "ResourceNotFound.InstanceNotExists"),
        ("ModifyInstanceAccount", lambda: modify("N3w-Passw0rd!", NoAuth=True), "FailedOperation.UnSupportError"),
        ("ResetPassword", lambda: reset_request("A1-" + "x" * 30),
         "InvalidParameterValue.PasswordRuleError"),  # 33 characters: 8-32 for root, 8-64 for custom accounts
        ("ResetPassword", lambda: request_of(models.ResetPasswordRequest, InstanceId=INSTANCE),
         "InvalidParameterValue.PasswordEmpty"),
        ("DescribeTaskInfo", lambda: request_of(models.DescribeTaskInfoRequest, TaskId=1),
         "InvalidParameter.InvalidParameter"),
        ("DescribeInstanceAccount", lambda: request_of(models.DescribeInstanceAccountRequest, InstanceId=INSTANCE),
         "MissingParameter"),
    ],
)  # fmt: skip
def test_the_official_client_reads_the_emulators_errors(
    redis: TencentRedisEmulator, call: str, request_: Any, code: str
) -> None:
    with pytest.raises(TencentCloudSDKException) as raised:
        getattr(sdk(redis), call)(request_())
    assert (raised.value.get_code(), bool(raised.value.get_request_id())) == (code, True)
    redis.settle_tasks()
    assert (redis.password_of(INSTANCE, "app"), redis.password_of(INSTANCE, "root")) == (OLD, ROOT_OLD)


def test_a_second_change_while_a_task_runs_is_refused_and_a_wrong_key_too(redis: TencentRedisEmulator) -> None:
    client = sdk(redis)
    client.ModifyInstanceAccount(modify("N3w-Passw0rd!"))
    with pytest.raises(TencentCloudSDKException) as raised:
        client.ModifyInstanceAccount(modify("Other-Passw0rd!"))
    assert raised.value.get_code() == "ResourceUnavailable.InstanceStatusError"
    with pytest.raises(TencentCloudSDKException) as raised:
        client.ResetPassword(request_of(models.ResetPasswordRequest, InstanceId=INSTANCE, Password="R00t-New!"))
    assert raised.value.get_code() == "ResourceUnavailable.InstanceStatusAbnormal"
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(redis, key_secret="wrong").ModifyInstanceAccount(modify("N3w-Passw0rd!"))
    assert raised.value.get_code() == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("code", ["ResourceUnavailable.InstanceLockedError", "UnauthorizedOperation.NoCAMAuthed"])
def test_an_injected_documented_error_reaches_the_sdk_in_its_envelope(redis: TencentRedisEmulator, code: str) -> None:
    redis.inject("error", action="ModifyInstanceAccount", code=code, message="documented")
    with pytest.raises(TencentCloudSDKException) as raised:
        sdk(redis).ModifyInstanceAccount(modify("N3w-Passw0rd!"))
    assert (raised.value.get_code(), raised.value.get_message()) == (code, "documented")
    assert redis.tasks == {}


def test_resets_through_the_official_client_reach_the_real_redis(
    redis: TencentRedisEmulator, redis_server: RedisServer
) -> None:
    username = f"r_{uuid.uuid4().hex[:10]}"
    redis.add_account(INSTANCE, username, OLD)
    redis.back_with_database(INSTANCE, username, OLD, redis_server.admin_dsn)
    redis.back_with_database(INSTANCE, "root", ROOT_OLD, redis_server.admin_dsn)  # the server's default user
    client = sdk(redis)
    client.ModifyInstanceAccount(modify("N3w-Passw0rd!", AccountName=username))
    assert logs_in("redis", redis_server.port, username, OLD)  # not before the task succeeds
    redis.settle_tasks()
    client.ResetPassword(request_of(models.ResetPasswordRequest, InstanceId=INSTANCE, Password="R00t-New!"))
    redis.settle_tasks()
    assert logs_in("redis", redis_server.port, username, "N3w-Passw0rd!")
    assert not logs_in("redis", redis_server.port, username, OLD)
    assert logs_in("redis", redis_server.port, "default", "R00t-New!")
    assert not logs_in("redis", redis_server.port, "default", ROOT_OLD)


# -- the library's client, on the same answers -------------------------------------------------------------------
def library_client(local: LocalCloud, username: str = "app_one", **keys: Any) -> Any:
    account = local.account("tencentcloud-redis", username, **keys)
    secret = read_secret(json.dumps(local.driver.value(account.secret_id)), "the test secret")
    return account, runtime.dependencies(LambdaContext(), clock=VirtualClock()).providers(secret)


def test_the_library_follows_the_task_and_reads_the_account(local: LocalCloud) -> None:
    account, api = library_client(local)
    emulator: Any = local.emulators["tencentcloud-redis"]
    password = PROVIDERS["tencentcloud-redis"].password_policy.generate(32)
    receipt = api.reset_password(password)
    assert [receipt.poll().status for _ in range(3)] == ["preparing", "running", "succeed"]
    assert receipt.poll().done
    assert emulator.password_of(account.instance_id, "app_one") == password
    assert api.account_state() == (True, True, False, "valid")
    emulator.grant(account.instance_id, "app_one", {"Privilege": ["r"], "ReadonlyPolicy": ["master", "replication"]})
    assert api.privileges() == {"data": frozenset({"read"}), "read routing": frozenset({"master", "replication"})}


@pytest.mark.parametrize(("outcome", "code"), [("failed", "Task.Failed"), ("error", "Task.Error")])
def test_the_library_classifies_a_task_that_ends_without_success(local: LocalCloud, outcome: str, code: str) -> None:
    account, api = library_client(local)
    emulator: Any = local.emulators["tencentcloud-redis"]
    emulator.task_outcomes.append(outcome)
    password = PROVIDERS["tencentcloud-redis"].password_policy.generate(32)
    receipt = api.reset_password(password)
    emulator.settle_tasks()
    state = receipt.poll()
    assert (state.done, state.status) == (False, outcome)
    assert state.failure is not None
    assert (state.failure.code, state.failure.retryable) == (code, True)
    assert password not in str(state.failure)
    assert emulator.password_of(account.instance_id, "app_one") == account.old_password


def test_the_library_resets_root_with_reset_password(local: LocalCloud) -> None:
    account, api = library_client(local, username="root")
    emulator: Any = local.emulators["tencentcloud-redis"]
    password = PROVIDERS["tencentcloud-redis"].password_policy.generate(32)
    api.reset_password(password)
    emulator.settle_tasks()
    assert emulator.password_of(account.instance_id, "root") == password
    assert [call.action for call in emulator.calls if call.params.get("InstanceId") == account.instance_id][-1:] == [
        "ResetPassword"
    ]
    with pytest.raises(RotationError) as raised:
        api.reset_password("Sh0rt-!")
    assert (raised.value.code, raised.value.retryable) == ("InvalidParameterValue.PasswordRuleError", False)
