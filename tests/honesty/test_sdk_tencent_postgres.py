"""The official tencentcloud-sdk-python client, pointed at the emulator, is accepted: so the emulator checks
the same signature the real API does, and answers in the envelope the SDK parses."""

from __future__ import annotations

import json
import time

import pytest
from conftest import ApiKey
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.postgres.v20170312 import models, postgres_client

from localcloud.tencentcloud.postgres import TencentPostgresEmulator


def sdk_client(
    emulator: TencentPostgresEmulator, secret_id: str, secret_key: str, token: str | None = None
) -> postgres_client.PostgresClient:
    endpoint = emulator.url.removeprefix("http://")
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
    return postgres_client.PostgresClient(credential.Credential(secret_id, secret_key, token), "ap-guangzhou", profile)


def reset(client: postgres_client.PostgresClient, password: str) -> str:
    request = models.ResetAccountPasswordRequest()
    request.from_json_string(
        json.dumps({"DBInstanceId": "postgres-sdk0test", "UserName": "app_user", "Password": password})
    )
    response: str = client.ResetAccountPassword(request).RequestId
    return response


@pytest.fixture
def emulator(tencent: TencentPostgresEmulator) -> TencentPostgresEmulator:
    tencent.add_account("postgres-sdk0test", "app_user", "Old-Passw0rd!")
    return tencent


def test_the_official_sdk_resets_a_password(emulator: TencentPostgresEmulator, tencent_key: ApiKey) -> None:
    request_id = reset(sdk_client(emulator, tencent_key.secret_id, tencent_key.secret_key), "N3w-Passw0rd!")
    assert request_id
    assert emulator.password_of("postgres-sdk0test", "app_user") == "N3w-Passw0rd!"


def test_the_official_sdk_lists_accounts(emulator: TencentPostgresEmulator, tencent_key: ApiKey) -> None:
    request = models.DescribeAccountsRequest()
    request.from_json_string(json.dumps({"DBInstanceId": "postgres-sdk0test", "Limit": 10}))
    response = sdk_client(emulator, tencent_key.secret_id, tencent_key.secret_key).DescribeAccounts(request)
    assert response.TotalCount == 1
    assert (response.Details[0].UserName, response.Details[0].Status) == ("app_user", 2)


def test_the_official_sdk_with_temporary_credentials(emulator: TencentPostgresEmulator, tencent_key: ApiKey) -> None:
    emulator.tokens[tencent_key.secret_id] = "sts-token"
    client = sdk_client(emulator, tencent_key.secret_id, tencent_key.secret_key, token="sts-token")
    assert reset(client, "N3w-Passw0rd!")


@pytest.mark.parametrize(
    ("secret_id_of", "secret_key", "password", "code"),
    [
        (lambda key: key.secret_id, "wrong-key", "N3w-Passw0rd!", "AuthFailure.SignatureFailure"),
        (lambda key: "AKIDunknown", "any", "N3w-Passw0rd!", "AuthFailure.SecretIdNotFound"),
        (lambda key: key.secret_id, None, "short1A!", None),
        (lambda key: key.secret_id, None, "/Starts-with-slash1", "InvalidParameterValue.InvalidPasswordValueError"),
        (lambda key: key.secret_id, None, "Aa1!", "InvalidParameterValue.InvalidPasswordLengthError"),
    ],
)
def test_the_sdk_reads_the_emulators_errors(
    emulator: TencentPostgresEmulator,
    tencent_key: ApiKey,
    secret_id_of: object,
    secret_key: str | None,
    password: str,
    code: str | None,
) -> None:
    client = sdk_client(emulator, secret_id_of(tencent_key), secret_key or tencent_key.secret_key)  # type: ignore[operator]
    if code is None:
        assert reset(client, password)
        return
    with pytest.raises(TencentCloudSDKException) as raised:
        reset(client, password)
    assert raised.value.get_code() == code
    assert raised.value.get_request_id()


def test_a_stale_timestamp_is_refused_as_the_real_api_does(
    emulator: TencentPostgresEmulator, tencent_key: ApiKey
) -> None:
    emulator.now = lambda: time.time() + 301
    with pytest.raises(TencentCloudSDKException) as raised:
        reset(sdk_client(emulator, tencent_key.secret_id, tencent_key.secret_key), "N3w-Passw0rd!")
    assert raised.value.get_code() == "AuthFailure.SignatureExpire"
