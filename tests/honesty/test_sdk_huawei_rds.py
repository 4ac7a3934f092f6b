"""The official Huawei Cloud SDKs against the stand-ins: huaweicloudsdkrds 3.1.219's ``RdsClient`` (over
huaweicloudsdkcore's signer) has its signed requests accepted by the RDS emulator, reads its answers with the fields
the library's client reads, and surfaces its errors with their code and request id; its project lookup (no project
id in ``BasicCredentials``) is answered by the same emulator, as IAM would; and huaweicloudsdksts 3.1.219's
``StsClient.assume_agency_with_oidc`` trades a token minted by the AWS STS stand-in at the STS emulator, whose keys
then work with the RDS client only with their security token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, SdkException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkrds.v3 import RdsClient
from huaweicloudsdkrds.v3 import model as rds

from localcloud.aws.sts import AwsStsEmulator
from localcloud.base import KeyRing
from localcloud.huaweicloud.rds import HuaweiRdsEmulator
from localcloud.huaweicloud.sts import HuaweiStsEmulator

KEY = ("HWAK" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
MYSQL, POSTGRES = "a" * 32 + "in01", "b" * 32 + "in03"
REGION = "cn-north-4"


@pytest.fixture
def emulator() -> Iterator[HuaweiRdsEmulator]:
    server = HuaweiRdsEmulator({KEY[0]: KEY[1]})
    server.start()
    server.add_account(MYSQL, "root", "Old-Passw0rd")
    server.add_account(MYSQL, "app_user", "Old-Passw0rd")
    server.grant(MYSQL, "app_user", {"database app": ["readwrite"], "database audit": ["readonly"]})
    server.add_account(POSTGRES, "app_user", "Old-Passw0rd")
    server.use_engine(POSTGRES, "PostgreSQL")
    server.grant(POSTGRES, "app_user", {"role attributes": ["rolcanlogin"], "member of": ["readers"]})
    yield server
    server.stop()


def client(emulator: HuaweiRdsEmulator, credentials: BasicCredentials) -> RdsClient:
    builder = RdsClient.new_builder().with_credentials(credentials).with_endpoints([emulator.url])
    return builder.build()


def basic(emulator: HuaweiRdsEmulator, token: str | None = None, key: tuple[str, str] = KEY) -> BasicCredentials:
    credentials = BasicCredentials(key[0], key[1], emulator.project_id)
    return credentials.with_security_token(token) if token else credentials


def test_set_db_user_pwd_is_accepted_and_answers_successful(emulator: HuaweiRdsEmulator) -> None:
    request = rds.SetDbUserPwdRequest(
        instance_id=MYSQL, body=rds.DbUserPwdRequest(name="app_user", password="N3w~Passw0rd,?")
    )
    response = client(emulator, basic(emulator)).set_db_user_pwd(request)
    assert response.resp == "successful"
    assert emulator.password_of(MYSQL, "app_user") == "N3w~Passw0rd,?"
    (signed,) = emulator.signed_with
    assert {"host", "x-sdk-date", "x-project-id", "content-type"} <= set(signed)  # the SDK signs all it sends


def test_the_postgresql_operation_takes_the_same_path(emulator: HuaweiRdsEmulator) -> None:
    request = rds.SetPostgresqlDbUserPwdRequest(
        instance_id=POSTGRES, body=rds.DbUserPwdRequest(name="app_user", password="N3w-Passw0rd")
    )
    assert client(emulator, basic(emulator)).set_postgresql_db_user_pwd(request).resp == "successful"
    assert emulator.password_of(POSTGRES, "app_user") == "N3w-Passw0rd"
    assert [call.action for call in emulator.calls] == ["SetDbUserPwd"]


def test_reset_pwd_sets_roots_password_and_answers_nothing(emulator: HuaweiRdsEmulator) -> None:
    request = rds.ResetPwdRequest(instance_id=MYSQL, body=rds.PwdResetRequest(db_user_pwd="R00t^Passw0rd"))
    response = client(emulator, basic(emulator)).reset_pwd(request)
    assert response.status_code == 200
    assert emulator.password_of(MYSQL, "root") == "R00t^Passw0rd"


def test_list_db_users_answers_the_fields_the_client_reads(emulator: HuaweiRdsEmulator) -> None:
    sdk = client(emulator, basic(emulator))
    mysql = sdk.list_db_users(rds.ListDbUsersRequest(instance_id=MYSQL, page=1, limit=100))
    assert mysql.total_count == 1
    (user,) = mysql.users
    assert user.name == "app_user"
    assert {(db.name, db.readonly) for db in user.databases} == {("app", False), ("audit", True)}
    pg = sdk.list_postgresql_db_user_paginated(
        rds.ListPostgresqlDbUserPaginatedRequest(instance_id=POSTGRES, page=1, limit=100)
    )
    (role,) = pg.users
    assert (role.name, role.attributes, role.memberof) == ("app_user", {"rolcanlogin": True}, ["readers"])


def test_list_instances_answers_the_fields_the_client_reads(emulator: HuaweiRdsEmulator) -> None:
    emulator.set_status(MYSQL, "REBOOTING")
    listed = client(emulator, basic(emulator)).list_instances(rds.ListInstancesRequest(id=MYSQL))
    (instance,) = listed.instances
    assert (instance.id, instance.status, instance.db_user_name) == (MYSQL, "REBOOTING", "root")
    assert instance.datastore.type == "MySQL"


def test_an_error_comes_back_with_its_code_and_request_id(emulator: HuaweiRdsEmulator) -> None:
    emulator.inject("error", action="SetDbUserPwd", code="DBS.200011", status=409, message="instance busy")
    request = rds.SetDbUserPwdRequest(instance_id=MYSQL, body=rds.DbUserPwdRequest(name="app_user", password="x"))
    with pytest.raises(ClientRequestException) as raised:
        client(emulator, basic(emulator)).set_db_user_pwd(request)
    assert (raised.value.status_code, raised.value.error_code, raised.value.error_msg) == (
        409, "DBS.200011", "instance busy",
    )  # fmt: skip
    assert raised.value.request_id


def test_a_wrong_secret_key_is_refused_by_the_gateway(emulator: HuaweiRdsEmulator) -> None:
    request = rds.ListInstancesRequest(id=MYSQL)
    with pytest.raises(ClientRequestException) as raised:
        client(emulator, basic(emulator, key=(KEY[0], "not-the-secret"))).list_instances(request)
    assert (raised.value.status_code, raised.value.error_code) == (401, "APIGW.0301")
    assert raised.value.request_id


def test_temporary_keys_work_only_with_their_security_token(emulator: HuaweiRdsEmulator) -> None:
    emulator.tokens[KEY[0]] = "the-security-token"
    request = rds.ListInstancesRequest(id=MYSQL)
    assert client(emulator, basic(emulator, token="the-security-token")).list_instances(request).total_count == 1
    assert "x-security-token" in emulator.signed_with[-1]
    with pytest.raises(ClientRequestException) as raised:
        client(emulator, basic(emulator, token="another-token")).list_instances(request)
    assert raised.value.error_code == "APIGW.0301"


def test_the_sdks_project_lookup_is_answered_as_iam_answers_it(
    emulator: HuaweiRdsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No project id: the SDK asks IAM (``KeystoneListProjects``) for the region's, once per key and region."""
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emulator.url)
    key = ("HWAK" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))  # a key the SDK has not cached
    emulator.keys[key[0]] = key[1]
    builder = RdsClient.new_builder().with_credentials(BasicCredentials(key[0], key[1]))
    sdk = builder.with_region(Region(REGION, emulator.url)).build()
    assert sdk.list_instances(rds.ListInstancesRequest(id=MYSQL)).total_count == 1
    assert [call.action for call in emulator.calls] == ["KeystoneListProjects", "ListInstances"]
    assert emulator.calls[0].params == {"name": REGION}
    other = ("HWAK" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
    emulator.keys[other[0]] = other[1]
    emulator.projects[REGION] = [secrets.token_hex(16), secrets.token_hex(16)]
    builder = RdsClient.new_builder().with_credentials(BasicCredentials(other[0], other[1]))
    with pytest.raises(SdkException, match="Multiple project ids found"):
        builder.with_region(Region(REGION, emulator.url)).build()


# -- STS (IAM5) AssumeAgencyWithOIDC ------------------------------------------------------------------------------

FUNCTION_ROLE = "arn:aws:iam::123456789012:role/crossrotate-fn"
AWS_KEY = ("ASIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30), secrets.token_urlsafe(60))
PROVIDER_URN = "iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:identity-provider:aws-crossrotate"
AGENCY_URN = "iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:agency:crossrotate-rds"


@pytest.fixture
def aws() -> Iterator[AwsStsEmulator]:
    server = AwsStsEmulator({AWS_KEY[0]: (AWS_KEY[1], FUNCTION_ROLE, AWS_KEY[2])})
    server.start()
    yield server
    server.stop()


def mint(aws: AwsStsEmulator) -> str:
    sts = boto3.client(
        "sts", region_name="eu-west-1", endpoint_url=aws.url, aws_access_key_id=AWS_KEY[0],
        aws_secret_access_key=AWS_KEY[1], aws_session_token=AWS_KEY[2],
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )  # fmt: skip
    token: str = sts.get_web_identity_token(Audience=["crossrotate"], SigningAlgorithm="RS256", DurationSeconds=300)[
        "WebIdentityToken"
    ]
    return token


@pytest.fixture
def huawei_sts(aws: AwsStsEmulator) -> Iterator[tuple[HuaweiStsEmulator, KeyRing]]:
    ring = KeyRing()
    server = HuaweiStsEmulator(ring)
    server.add_oidc_provider(PROVIDER_URN, aws.issuer, ["crossrotate"])  # type: ignore[attr-defined]
    server.add_agency(AGENCY_URN, PROVIDER_URN, FUNCTION_ROLE)
    server.start()
    yield server, ring
    server.stop()


def assume(sts_url: str, token: str, agency: str = AGENCY_URN) -> Any:
    from huaweicloudsdksts.v1 import StsClient
    from huaweicloudsdksts.v1 import model as sts

    body = sts.AssumeAgencyWithOIDCReqBody(
        provider_urn=PROVIDER_URN, agency_urn=agency, agency_session_name="crossrotate-fn", id_token=token,
        duration_seconds=900,
    )  # fmt: skip
    # The call is anonymous (the SDK's auth settings for it are empty), but its client is built with credentials.
    sdk = StsClient.new_builder().with_credentials(BasicCredentials("unused", "unused", "p")).with_endpoints([sts_url])
    return sdk.build().assume_agency_with_oidc(sts.AssumeAgencyWithOIDCRequest(body=body))


def test_the_official_sts_client_trades_an_aws_token_for_working_temporary_keys(
    aws: AwsStsEmulator, huawei_sts: tuple[HuaweiStsEmulator, KeyRing]
) -> None:
    server, ring = huawei_sts
    answer = assume(server.url, mint(aws))
    credentials = answer.credentials
    assert credentials.access_key_id in ring.keys
    assert answer.assumed_agency.urn.endswith(":assumed-agency:crossrotate-rds/crossrotate-fn")
    assert answer.subject_from_id_token == FUNCTION_ROLE
    (call,) = server.calls_of("AssumeAgencyWithOIDC")
    assert "id_token" not in call.params
    rds_server = HuaweiRdsEmulator(ring.keys, ring.tokens, expiries=ring.expiries)
    rds_server.start()
    try:
        rds_server.add_account(MYSQL, "app_user", "Old-Passw0rd")
        temporary = (credentials.access_key_id, credentials.secret_access_key)
        request = rds.ListInstancesRequest(id=MYSQL)
        with_token = basic(rds_server, token=credentials.security_token, key=temporary)
        assert client(rds_server, with_token).list_instances(request).total_count == 1
        with pytest.raises(ClientRequestException) as raised:
            client(rds_server, basic(rds_server, key=temporary)).list_instances(request)
        assert raised.value.error_code == "APIGW.0301"
    finally:
        rds_server.stop()


def test_a_trust_policy_that_does_not_admit_the_token_is_a_403(
    aws: AwsStsEmulator, huawei_sts: tuple[HuaweiStsEmulator, KeyRing]
) -> None:
    server, _ = huawei_sts
    server.add_agency(AGENCY_URN, PROVIDER_URN, "arn:aws:iam::123456789012:role/someone-else")
    with pytest.raises(ClientRequestException) as raised:
        assume(server.url, mint(aws))
    assert (raised.value.status_code, raised.value.error_code) == (403, "403")  # no code: the SDK's fallback
    assert raised.value.request_id
