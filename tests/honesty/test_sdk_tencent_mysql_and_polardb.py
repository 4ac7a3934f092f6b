"""The official clients of the two newer providers, pointed at their emulators, are accepted: the emulators check
the signatures the real APIs check and answer in the shapes the SDKs parse.

- tencentcloud-sdk-python-cdb: ModifyAccountPassword starts a task; DescribeAsyncRequestInfo follows it to SUCCESS;
  DescribeAccounts lists ``user@host``; an error comes back as the SDK reads it.
- alibabacloud-polardb20170801, with V3 (its default) and RPC v1 signatures: ModifyAccountPassword (a password with
  ``&+=``), DescribeAccounts (a plain list), DescribeDBClusterAttribute.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alibabacloud_polardb20170801 import models as polardb_models
from alibabacloud_polardb20170801.client import Client as PolarDbClient
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from tencentcloud.cdb.v20170320 import cdb_client
from tencentcloud.cdb.v20170320 import models as cdb_models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from localcloud.alibabacloud.polardb import PolarDbEmulator
from localcloud.tencentcloud.mysql import TencentMysqlEmulator

KEY_ID, KEY_SECRET = "AKID" + secrets.token_hex(8), secrets.token_urlsafe(20)


@pytest.fixture
def cdb() -> Iterator[TencentMysqlEmulator]:
    emulator = TencentMysqlEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account("cdb-sdk0test", "app", "Old-Passw0rd", host="%")
    yield emulator
    emulator.stop()


def cdb_sdk(emulator: TencentMysqlEmulator, key_secret: str = KEY_SECRET) -> cdb_client.CdbClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.url.removeprefix("http://")))
    return cdb_client.CdbClient(credential.Credential(KEY_ID, key_secret), "ap-guangzhou", profile)


def test_the_official_cdb_client_changes_a_password_through_its_task(cdb: TencentMysqlEmulator) -> None:
    client = cdb_sdk(cdb)
    request = cdb_models.ModifyAccountPasswordRequest()
    account = cdb_models.Account()
    account.User, account.Host = "app", "%"
    request.InstanceId, request.NewPassword, request.Accounts = "cdb-sdk0test", "N3w_Passw0rd+&=", [account]
    task = client.ModifyAccountPassword(request).AsyncRequestId
    assert task
    assert cdb.password_of("cdb-sdk0test", "app") == "Old-Passw0rd"  # not before the task succeeds
    poll = cdb_models.DescribeAsyncRequestInfoRequest()
    poll.AsyncRequestId = task
    statuses = [client.DescribeAsyncRequestInfo(poll).Status for _ in range(2)]
    assert statuses == ["RUNNING", "SUCCESS"]
    assert cdb.password_of("cdb-sdk0test", "app") == "N3w_Passw0rd+&="


def test_the_official_cdb_client_lists_accounts_and_reads_errors(cdb: TencentMysqlEmulator) -> None:
    listing = cdb_models.DescribeAccountsRequest()
    listing.InstanceId = "cdb-sdk0test"
    response = cdb_sdk(cdb).DescribeAccounts(listing)
    assert (response.TotalCount, response.Items[0].User, response.Items[0].Host) == (1, "app", "%")
    with pytest.raises(TencentCloudSDKException) as raised:
        cdb_sdk(cdb, key_secret="wrong").DescribeAccounts(listing)
    assert raised.value.get_code() == "AuthFailure.SignatureFailure"


@pytest.fixture
def polardb() -> Iterator[PolarDbEmulator]:
    emulator = PolarDbEmulator(keys={KEY_ID: KEY_SECRET})
    emulator.start()
    emulator.add_account("pc-sdk0test", "app", "Old-Passw0rd")
    yield emulator
    emulator.stop()


def polardb_sdk(emulator: PolarDbEmulator, algorithm: str, key_secret: str = KEY_SECRET) -> PolarDbClient:
    config = openapi.Config(
        access_key_id=KEY_ID,
        access_key_secret=key_secret,
        endpoint=emulator.url.removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    if algorithm == "v1":
        config.signature_algorithm = "v2"  # the SDK's name for the RPC HMAC-SHA1 path
    return PolarDbClient(config)


@pytest.mark.parametrize("algorithm", ["v3", "v1"])
def test_the_official_polardb_client_changes_a_password(polardb: PolarDbEmulator, algorithm: str) -> None:
    client = polardb_sdk(polardb, algorithm)
    request = polardb_models.ModifyAccountPasswordRequest(
        dbcluster_id="pc-sdk0test", account_name="app", new_account_password="N3w&P+ss=w0rd"
    )
    assert client.modify_account_password(request).body.request_id
    assert polardb.password_of("pc-sdk0test", "app") == "N3w&P+ss=w0rd"
    assert polardb.signatures == [algorithm]
    accounts = client.describe_accounts(
        polardb_models.DescribeAccountsRequest(dbcluster_id="pc-sdk0test", account_name="app")
    ).body.accounts
    assert [(a.account_name, a.account_status, a.account_lock_state) for a in accounts] == [
        ("app", "Available", "UnLock")
    ]
    cluster = client.describe_dbcluster_attribute(
        polardb_models.DescribeDBClusterAttributeRequest(dbcluster_id="pc-sdk0test")
    ).body
    assert (cluster.dbcluster_status, cluster.lock_mode) == ("Running", "Unlock")


def test_the_official_polardb_client_reads_the_emulators_errors(polardb: PolarDbEmulator) -> None:
    request = polardb_models.ModifyAccountPasswordRequest(
        dbcluster_id="pc-doesnotexist", account_name="app", new_account_password="N3w&P+ss=w0rd"
    )
    with pytest.raises(AlibabaCloudException) as raised:
        polardb_sdk(polardb, "v3").modify_account_password(request)
    assert (raised.value.code, raised.value.status_code) == ("InvalidDBClusterId.NotFound", 404)
    with pytest.raises(AlibabaCloudException) as raised:
        polardb_sdk(polardb, "v3", key_secret="wrong").modify_account_password(request)
    assert raised.value.code == "SignatureDoesNotMatch"
