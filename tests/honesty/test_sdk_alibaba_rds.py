"""The official alibabacloud-rds20140815 client, pointed at the emulator with V3 (its default) and RPC v1
signatures, is accepted; its errors come back as the SDK reads them."""

from __future__ import annotations

import time

import pytest
from alibabacloud_rds20140815 import models
from alibabacloud_rds20140815.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from conftest import ApiKey

from localcloud.alibabacloud.rds import AlibabaRdsEmulator

INSTANCE = "rm-uf6wjk5xxxxxxx"


def sdk_client(
    emulator: AlibabaRdsEmulator, key_id: str, secret: str, algorithm: str, token: str | None = None
) -> Client:
    config = openapi.Config(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=token,
        endpoint=emulator.url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    if algorithm == "v1":
        config.signature_algorithm = "v2"  # the SDK's name for the RPC HMAC-SHA1 path
    return Client(config)


def reset(client: Client, password: str) -> str:
    request = models.ResetAccountPasswordRequest(dbinstance_id=INSTANCE, account_name="app", account_password=password)
    request_id: str = client.reset_account_password(request).body.request_id
    return request_id


@pytest.fixture(params=["v3", "v1"])
def algorithm(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def emulator(alibaba: AlibabaRdsEmulator) -> AlibabaRdsEmulator:
    alibaba.add_account(INSTANCE, "app", "Old-Passw0rd")
    return alibaba


def test_the_official_sdk_resets_a_password_with_rfc3986_characters(
    algorithm: str, emulator: AlibabaRdsEmulator, alibaba_key: ApiKey
) -> None:
    client = sdk_client(emulator, alibaba_key.secret_id, alibaba_key.secret_key, algorithm)
    assert reset(client, "N3w&P+ss=w0rd*")
    assert emulator.password_of(INSTANCE, "app") == "N3w&P+ss=w0rd*"
    assert emulator.signatures == [algorithm]


def test_the_official_sdk_reads_accounts_and_instance_attributes(
    algorithm: str, emulator: AlibabaRdsEmulator, alibaba_key: ApiKey
) -> None:
    client = sdk_client(emulator, alibaba_key.secret_id, alibaba_key.secret_key, algorithm)
    accounts = client.describe_accounts(models.DescribeAccountsRequest(dbinstance_id=INSTANCE, account_name="app"))
    assert accounts.body.accounts.dbinstance_account[0].account_status == "Available"
    attribute = client.describe_dbinstance_attribute(models.DescribeDBInstanceAttributeRequest(dbinstance_id=INSTANCE))
    item = attribute.body.items.dbinstance_attribute[0]
    assert (item.dbinstance_status, item.lock_mode) == ("Running", "Unlock")


def test_the_official_sdk_with_an_sts_token(algorithm: str, emulator: AlibabaRdsEmulator, alibaba_key: ApiKey) -> None:
    emulator.tokens[alibaba_key.secret_id] = "sts-token"
    assert reset(
        sdk_client(emulator, alibaba_key.secret_id, alibaba_key.secret_key, algorithm, token="sts-token"),
        "N3w-Passw0rd",
    )


@pytest.mark.parametrize(
    ("secret", "password", "code", "status"),
    [
        ("wrong-secret", "N3w-Passw0rd", "SignatureDoesNotMatch", 400),
        (None, "short", "InvalidAccountPassword.Format", 400),
        (None, "N3w{Passw0rd", "InvalidAccountPassword.Format", 400),
    ],
)
def test_the_sdk_reads_the_emulators_errors(
    algorithm: str,
    emulator: AlibabaRdsEmulator,
    alibaba_key: ApiKey,
    secret: str | None,
    password: str,
    code: str,
    status: int,
) -> None:
    client = sdk_client(emulator, alibaba_key.secret_id, secret or alibaba_key.secret_key, algorithm)
    with pytest.raises(AlibabaCloudException) as raised:
        reset(client, password)
    assert raised.value.code == code
    assert raised.value.status_code == status


def test_an_unknown_access_key_and_a_stale_timestamp_are_refused(
    algorithm: str, emulator: AlibabaRdsEmulator, alibaba_key: ApiKey
) -> None:
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk_client(emulator, "LTAIunknown", "x", algorithm), "N3w-Passw0rd")
    assert raised.value.code == "InvalidAccessKeyId.NotFound"
    emulator.now = lambda: time.time() + 901
    with pytest.raises(AlibabaCloudException) as raised:
        reset(sdk_client(emulator, alibaba_key.secret_id, alibaba_key.secret_key, algorithm), "N3w-Passw0rd")
    assert raised.value.code == "InvalidTimeStamp.Expired"
