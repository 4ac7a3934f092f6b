"""The keyless-federation stand-ins (each cloud's ``sts`` module in localcloud/) driven by the official clients, so
that they speak the real wire protocols and answer what the real services answer (reference: federation.md).

- AWS STS ``GetWebIdentityToken`` through boto3's own client: the JWT verifies with PyJWT against the keys fetched
  over HTTP from the issuer's discovery document; SigV4, the account switch and the IAM policy conditions refuse
  as AWS does.
- Alibaba STS ``AssumeRoleWithOIDC`` through ``alibabacloud_credentials``' ``OIDCRoleArnCredentialsProvider``. That
  provider always calls ``https://<sts_endpoint>`` and verifies the certificate against the default trust store
  plus certifi: the stand-in serves HTTPS with a test CA's certificate, trusted through ``SSL_CERT_FILE``, and
  ``sts_endpoint`` is the stand-in's ``127.0.0.1:<port>``. The credentials it obtains then work against the RDS
  emulator with the official RDS client, only with their token and only until they expire.
- Tencent STS ``AssumeRoleWithWebIdentity`` through ``OIDCRoleArnCredential``, whose ``endpoint`` argument takes
  ``http://127.0.0.1:<port>``: the SDK keeps a URL that names its scheme (``ApiRequest._handle_host``), so it calls
  the stand-in over plain HTTP with its usual ``Authorization: SKIP`` request. Its temporary keys then work against
  the PostgreSQL emulator with the official postgres client, only with the token and until expiry.

Clocks are injected (``now``) rather than slept on; the provider SDKs sign with the real clock, so an emulator's
clock is moved only within its signature window.
"""

from __future__ import annotations

import json
import secrets
import ssl
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import trustme
from alibabacloud_credentials import models as credential_models
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.provider.oidc import OIDCRoleArnCredentialsProvider
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from botocore.config import Config
from botocore.exceptions import ClientError
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.postgres.v20170312 import models as postgres_models
from tencentcloud.postgres.v20170312 import postgres_client

from localcloud.alibabacloud.rds import AlibabaRdsEmulator
from localcloud.alibabacloud.sts import AlibabaStsEmulator
from localcloud.aws.sts import AwsStsEmulator
from localcloud.base import KeyRing
from localcloud.tencentcloud.postgres import TencentPostgresEmulator
from localcloud.tencentcloud.sts import TencentStsEmulator

ACCOUNT = "123456789012"
FUNCTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/crossrotate-fn"
AWS_KEY_ID = "ASIA" + secrets.token_hex(8).upper()
AWS_SECRET = secrets.token_urlsafe(30)
AWS_SESSION_TOKEN = secrets.token_urlsafe(60)
REGION = "eu-west-1"
AUDIENCE = "crossrotate"

ALIBABA_PROVIDER = "acs:ram::1234567890123456:oidc-provider/aws-crossrotate"
ALIBABA_ROLE = "acs:ram::1234567890123456:role/crossrotate-rds"
RDS_INSTANCE = "rm-uf6wjk5xxxxxxx"

TENCENT_PROVIDER = "aws-crossrotate"
TENCENT_ROLE = "qcs::cam::uin/100000000001:roleName/crossrotate-postgres"
POSTGRES_INSTANCE = "postgres-sdk0test"


def no_proxy_get(url: str) -> dict[str, Any]:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as answer:
        document: dict[str, Any] = json.load(answer)
    return document


# -- AWS STS ------------------------------------------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[AwsStsEmulator]:
    emulator = AwsStsEmulator({AWS_KEY_ID: (AWS_SECRET, FUNCTION_ROLE, AWS_SESSION_TOKEN)})
    emulator.start()
    yield emulator
    emulator.stop()


def sts_client(
    aws: AwsStsEmulator, key_id: str = AWS_KEY_ID, secret: str = AWS_SECRET, token: str | None = AWS_SESSION_TOKEN
) -> Any:
    return boto3.client(
        "sts",
        region_name=REGION,
        endpoint_url=aws.url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        # botocore's max_attempts counts retries (1 would be two calls): one attempt in all, so faults reach the test
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def mint(aws: AwsStsEmulator, audience: str = AUDIENCE, duration: int = 300) -> str:
    response = sts_client(aws).get_web_identity_token(
        Audience=[audience], SigningAlgorithm="RS256", DurationSeconds=duration
    )
    token: str = response["WebIdentityToken"]
    return token


def published_keys(issuer: str) -> jwt.PyJWKSet:
    """The issuer's keys as a relying party finds them: discovery document, then ``jwks_uri``, over HTTP."""
    discovery = no_proxy_get(f"{issuer}/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    return jwt.PyJWKSet.from_dict(no_proxy_get(discovery["jwks_uri"]))


def test_boto3_gets_a_token_that_verifies_against_the_published_keys(aws: AwsStsEmulator) -> None:
    before = int(time.time())
    response = sts_client(aws).get_web_identity_token(
        Audience=[AUDIENCE], SigningAlgorithm="RS256", DurationSeconds=300
    )
    token = response["WebIdentityToken"]
    assert response["ResponseMetadata"]["RequestId"]
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("RS256", aws.signing_kid)
    claims = jwt.decode(
        token, published_keys(aws.issuer)[header["kid"]].key, algorithms=["RS256"], audience=AUDIENCE, issuer=aws.issuer
    )
    assert claims["sub"] == FUNCTION_ROLE
    assert claims["aud"] == AUDIENCE
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]
    assert claims["https://sts.amazonaws.com/"] == {
        "aws_account": ACCOUNT,
        "source_region": REGION,
        "principal_id": FUNCTION_ROLE,
    }
    assert int(response["Expiration"].timestamp()) == claims["exp"]
    (call,) = aws.calls_of("GetWebIdentityToken")
    assert call.outcome == "ok"
    assert call.params["Audience.member.1"] == AUDIENCE
    assert token not in repr(aws.calls)


def test_several_audiences_become_a_list_and_es384_signs_when_the_policy_allows_it(aws: AwsStsEmulator) -> None:
    aws.allowed_algorithms = {"RS256", "ES384"}
    response = sts_client(aws).get_web_identity_token(
        Audience=[AUDIENCE, "other"], SigningAlgorithm="ES384", DurationSeconds=60
    )
    token = response["WebIdentityToken"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES384"
    claims = jwt.decode(token, published_keys(aws.issuer)[header["kid"]].key, algorithms=["ES384"], audience="other")
    assert claims["aud"] == [AUDIENCE, "other"]
    assert claims["exp"] - claims["iat"] == 60


@pytest.mark.parametrize(
    ("setup", "client_args", "request_args", "code", "status"),
    [
        (None, {"secret": "wrong-secret"}, {}, "SignatureDoesNotMatch", 403),
        (None, {"key_id": "ASIAUNKNOWN0000000"}, {}, "InvalidClientTokenId", 403),
        (None, {"token": None}, {}, "InvalidClientTokenId", 403),
        (None, {"token": "another-session"}, {}, "InvalidClientTokenId", 403),
        ("disabled", {}, {}, "OutboundWebIdentityFederationDisabledException", 403),
        ("audience policy", {}, {"Audience": ["someone-else"]}, "AccessDenied", 403),
        (None, {}, {"DurationSeconds": 900}, "AccessDenied", 403),
        (None, {}, {"SigningAlgorithm": "ES384"}, "AccessDenied", 403),
        (None, {}, {"DurationSeconds": 4000}, "ValidationError", 400),
        (None, {}, {"SigningAlgorithm": "HS256"}, "ValidationError", 400),
        (None, {}, {"Audience": ["x" * 1001]}, "ValidationError", 400),
        ("stale clock", {}, {}, "SignatureDoesNotMatch", 403),
    ],
)
def test_aws_refusals_reach_boto3_with_the_documented_codes(
    aws: AwsStsEmulator,
    setup: str | None,
    client_args: dict[str, Any],
    request_args: dict[str, Any],
    code: str,
    status: int,
) -> None:
    if setup == "disabled":
        aws.enabled = False
    elif setup == "audience policy":
        aws.allowed_audiences = {AUDIENCE}
    elif setup == "stale clock":
        aws.now = lambda: time.time() + 301
    arguments = {"Audience": [AUDIENCE], "SigningAlgorithm": "RS256", "DurationSeconds": 300, **request_args}
    with pytest.raises(ClientError) as raised:
        sts_client(aws, **client_args).get_web_identity_token(**arguments)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["ResponseMetadata"]["RequestId"]


def test_an_injected_throttling_reaches_boto3_as_that_code(aws: AwsStsEmulator) -> None:
    aws.inject("error", action="GetWebIdentityToken", code="Throttling", message="Rate exceeded", status=400)
    with pytest.raises(ClientError) as raised:
        mint(aws)
    assert raised.value.response["Error"] == {"Type": "Sender", "Code": "Throttling", "Message": "Rate exceeded"}
    assert [call.outcome for call in aws.calls] == ["fault"]
    assert mint(aws)  # the fault is spent


def test_key_rotation_publishes_the_new_key_and_keeps_the_old_one_only_when_asked(aws: AwsStsEmulator) -> None:
    first = aws.signing_kid
    aws.rotate_signing_key()
    second = aws.signing_kid
    assert second != first
    kids = {key.key_id for key in published_keys(aws.issuer).keys}
    assert {first, second} <= kids
    assert jwt.get_unverified_header(mint(aws))["kid"] == second
    aws.rotate_signing_key(keep_old=False)
    kids = {key.key_id for key in published_keys(aws.issuer).keys}
    assert aws.signing_kid in kids
    assert not {first, second} & kids


# -- Alibaba Cloud STS -> RDS --------------------------------------------------------------------------------------


class AlibabaSetup:
    def __init__(self, aws: AwsStsEmulator, sts: AlibabaStsEmulator, rds: AlibabaRdsEmulator, tmp_path: Path):
        self.aws, self.sts, self.rds, self.tmp_path = aws, sts, rds, tmp_path

    def token_file(self, token: str) -> str:
        path = self.tmp_path / f"token-{secrets.token_hex(4)}"
        path.write_text(token)
        return str(path)

    def provider(
        self, token: str, role_arn: str = ALIBABA_ROLE, provider_arn: str = ALIBABA_PROVIDER, duration: int = 900
    ) -> OIDCRoleArnCredentialsProvider:
        return OIDCRoleArnCredentialsProvider(
            role_arn=role_arn,
            oidc_provider_arn=provider_arn,
            oidc_token_file_path=self.token_file(token),
            role_session_name="crossrotate-fn",
            duration_seconds=duration,
            sts_endpoint=self.sts.url.removeprefix("https://"),
        )

    def rds_client(self, key_id: str, secret: str, token: str | None) -> RdsClient:
        config = openapi.Config(
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=token,
            endpoint=self.rds.url.removeprefix("http://"),
            protocol="http",
            region_id="cn-hangzhou",
        )
        return RdsClient(config)


def reset_rds(client: RdsClient, password: str) -> str:
    request = rds_models.ResetAccountPasswordRequest(
        dbinstance_id=RDS_INSTANCE, account_name="app", account_password=password
    )
    request_id: str = client.reset_account_password(request).body.request_id
    return request_id


@pytest.fixture
def alibaba_federation(
    aws: AwsStsEmulator, test_ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AlibabaSetup]:
    ring = KeyRing()
    sts = AlibabaStsEmulator(ring)
    sts.add_oidc_provider(ALIBABA_PROVIDER, aws.issuer, [AUDIENCE])
    sts.add_role(ALIBABA_ROLE, ALIBABA_PROVIDER, subject=FUNCTION_ROLE, audience=AUDIENCE)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1").configure_cert(context)
    sts.start(tls=context)
    # The official provider always speaks HTTPS, trusting the default store (SSL_CERT_FILE: the test CA) and certifi.
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    rds = AlibabaRdsEmulator(keys=ring.keys, tokens=ring.tokens, expiries=ring.expiries)
    rds.add_account(RDS_INSTANCE, "app", "Old-Passw0rd")
    rds.start()
    yield AlibabaSetup(aws, sts, rds, tmp_path)
    rds.stop()
    sts.stop()


def test_the_official_oidc_provider_gets_credentials_that_the_rds_client_uses(
    alibaba_federation: AlibabaSetup,
) -> None:
    setup = alibaba_federation
    token = mint(setup.aws)
    credentials = setup.provider(token).get_credentials()
    key_id, secret = credentials.get_access_key_id(), credentials.get_access_key_secret()
    assert key_id.startswith("STS.")
    assert credentials.get_expiration() == int(setup.sts.ring.expiries[key_id])
    assert credentials.get_expiration() - time.time() == pytest.approx(900, abs=5)
    assert reset_rds(setup.rds_client(key_id, secret, credentials.get_security_token()), "N3w-Passw0rd")
    assert setup.rds.password_of(RDS_INSTANCE, "app") == "N3w-Passw0rd"
    (call,) = setup.sts.calls
    assert (call.action, call.outcome) == ("AssumeRoleWithOIDC", "ok")
    assert call.params["RoleSessionName"] == "crossrotate-fn"
    assert "OIDCToken" not in call.params
    assert token not in repr(setup.sts.calls)
    assert token not in repr(setup.sts.faults_taken)
    # the JWKS was fetched from the issuer over HTTP, through its discovery document
    assert [c.action for c in setup.aws.calls[1:]] == ["OpenIDConfiguration", "JWKS"]


def test_the_credentials_client_chain_signs_rds_calls_with_the_sts_token(alibaba_federation: AlibabaSetup) -> None:
    """The usual wiring: the RDS client takes the credentials client, which runs the OIDC exchange itself."""
    setup = alibaba_federation
    credentials = CredentialClient(
        credential_models.Config(
            type="oidc_role_arn",
            role_arn=ALIBABA_ROLE,
            oidc_provider_arn=ALIBABA_PROVIDER,
            oidc_token_file_path=setup.token_file(mint(setup.aws)),
            role_session_name="crossrotate-fn",
            role_session_expiration=900,
            sts_endpoint=setup.sts.url.removeprefix("https://"),
        )
    )
    config = openapi.Config(
        credential=credentials, endpoint=setup.rds.url.removeprefix("http://"), protocol="http", region_id="cn-hangzhou"
    )
    assert reset_rds(RdsClient(config), "N3w-Passw0rd")
    assert setup.rds.password_of(RDS_INSTANCE, "app") == "N3w-Passw0rd"
    assert setup.rds.signatures == ["v3"]


def test_sts_credentials_need_their_token_and_expire(alibaba_federation: AlibabaSetup) -> None:
    setup = alibaba_federation
    # Issued ten minutes ago for the minimum 900 s: five minutes left, within the RDS timestamp window.
    setup.sts.now = lambda: time.time() - 600
    credentials = setup.provider(mint(setup.aws)).get_credentials()
    key_id, secret, token = (
        credentials.get_access_key_id(),
        credentials.get_access_key_secret(),
        credentials.get_security_token(),
    )
    with pytest.raises(AlibabaCloudException) as raised:
        reset_rds(setup.rds_client(key_id, secret, None), "N3w-Passw0rd")
    assert raised.value.code == "InvalidSecurityToken.Expired"  # the emulator's answer to a missing token
    assert reset_rds(setup.rds_client(key_id, secret, token), "N3w-Passw0rd")
    setup.rds.now = lambda: time.time() + 301
    with pytest.raises(AlibabaCloudException) as raised:
        reset_rds(setup.rds_client(key_id, secret, token), "An0ther-Passw0rd")
    assert (raised.value.code, raised.value.status_code) == ("InvalidSecurityToken.Expired", 400)
    assert setup.rds.password_of(RDS_INSTANCE, "app") == "N3w-Passw0rd"


def alibaba_refusal(provider: OIDCRoleArnCredentialsProvider) -> tuple[int, dict[str, Any]]:
    """The HTTP status and error body the official provider reports (it raises on any status but 200)."""
    with pytest.raises(CredentialException) as raised:
        provider.get_credentials()
    message = str(raised.value)
    status = int(message.split("http_code: ", 1)[1].split(",", 1)[0])
    return status, json.loads(message.split("result: ", 1)[1])


@pytest.mark.parametrize(
    ("mistake", "code", "status"),
    [
        ("audience", "AuthenticationFail.OIDCToken.AudienceNotMatch", 400),
        ("issuer", "AuthenticationFail.OIDCToken.IssuerNotMatch", 400),
        ("subject", "AuthenticationFail.NoPermission", 403),
        ("role audience", "AuthenticationFail.NoPermission", 403),
        ("unknown provider", "AuthenticationFail.NoPermission", 403),
        ("unknown role", "EntityNotExist.Role", 404),
        ("expired token", "AuthenticationFail.OIDCToken.Expired", 400),
        ("keys unreachable", "AuthenticationFail.OIDCToken.IssuerConfigurationBroken", 400),
        ("issuer down", "AuthenticationFail.OIDCToken.IssuerConfigurationBroken", 400),
        ("key drift", "AuthenticationFail.OIDCToken.Invalid", 400),
        ("tampered token", "AuthenticationFail.OIDCToken.Invalid", 400),
        ("duration above the role's maximum", "InvalidParameter.DurationSeconds", 400),
        ("empty token file", "MissingParameter", 400),
    ],
)
def test_each_setup_mistake_gets_its_documented_alibaba_code(
    alibaba_federation: AlibabaSetup, mistake: str, code: str, status: int
) -> None:
    setup = alibaba_federation
    role, provider_arn, duration = ALIBABA_ROLE, ALIBABA_PROVIDER, 900
    token = mint(setup.aws, audience="another-audience" if mistake == "audience" else AUDIENCE)
    if mistake == "issuer":  # the IdP registered with another account's issuer
        setup.sts.add_oidc_provider(ALIBABA_PROVIDER, "https://0f1e2d3c.tokens.sts.global.api.aws", [AUDIENCE])
    elif mistake == "subject":  # the role trusts another function's role
        setup.sts.add_role(ALIBABA_ROLE, ALIBABA_PROVIDER, subject=f"arn:aws:iam::{ACCOUNT}:role/other-fn")
    elif mistake == "role audience":
        setup.sts.add_oidc_provider(ALIBABA_PROVIDER, setup.aws.issuer, [AUDIENCE, "other"])
        setup.sts.add_role(ALIBABA_ROLE, ALIBABA_PROVIDER, subject=FUNCTION_ROLE, audience="other")
    elif mistake == "unknown provider":
        provider_arn = ALIBABA_PROVIDER + "-typo"
    elif mistake == "unknown role":
        role = ALIBABA_ROLE + "-typo"
    elif mistake == "expired token":  # used more than DurationSeconds after it was minted
        setup.sts.now = lambda: time.time() + 301
    elif mistake == "keys unreachable":
        setup.aws.inject("status", action="JWKS", status=503)
    elif mistake == "issuer down":
        setup.aws.stop()
    elif mistake == "key drift":  # AWS stopped publishing the key that signed the token
        setup.aws.rotate_signing_key(keep_old=False)
    elif mistake == "tampered token":
        head, payload, signature = token.split(".")
        token = f"{head}.{payload}.{signature[:-8]}{'A' * 8 if signature[-8:] != 'A' * 8 else 'B' * 8}"
    elif mistake == "duration above the role's maximum":
        duration = 7200
    elif mistake == "empty token file":
        token = ""
    got_status, body = alibaba_refusal(setup.provider(token, role, provider_arn, duration))
    assert (body["Code"], got_status) == (code, status)
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert setup.sts.ring.keys == {}
    assert [call.outcome for call in setup.sts.calls] == [code]


def test_an_injected_alibaba_throttling_reaches_the_official_provider(alibaba_federation: AlibabaSetup) -> None:
    setup = alibaba_federation
    setup.sts.inject("error", action="AssumeRoleWithOIDC", code="Throttling.User", message="Request was denied")
    status, body = alibaba_refusal(setup.provider(mint(setup.aws)))
    assert (status, body["Code"]) == (400, "Throttling.User")


# -- Tencent Cloud STS -> PostgreSQL -------------------------------------------------------------------------------


class TencentSetup:
    def __init__(self, aws: AwsStsEmulator, sts: TencentStsEmulator, postgres: TencentPostgresEmulator):
        self.aws, self.sts, self.postgres = aws, sts, postgres

    def credential(
        self, token: str, role_arn: str = TENCENT_ROLE, provider: str = TENCENT_PROVIDER, duration: int = 7200
    ) -> credential.OIDCRoleArnCredential:
        return credential.OIDCRoleArnCredential(
            "ap-guangzhou",
            provider,
            token,
            role_arn,
            "crossrotate-fn",
            duration_seconds=duration,
            endpoint=self.sts.url,
        )

    def postgres_client(self, cred: Any) -> postgres_client.PostgresClient:
        endpoint = self.postgres.url.removeprefix("http://")
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
        return postgres_client.PostgresClient(cred, "ap-guangzhou", profile)


def reset_postgres(client: postgres_client.PostgresClient, password: str) -> str:
    request = postgres_models.ResetAccountPasswordRequest()
    request.from_json_string(json.dumps({"DBInstanceId": POSTGRES_INSTANCE, "UserName": "app", "Password": password}))
    request_id: str = client.ResetAccountPassword(request).RequestId
    return request_id


@pytest.fixture
def tencent_federation(aws: AwsStsEmulator) -> Iterator[TencentSetup]:
    ring = KeyRing()
    sts = TencentStsEmulator(ring)
    # CAM's CreateOIDCConfig: the JWKS is fetched once, at setup, and uploaded as the IdP's IdentityKey.
    sts.add_oidc_provider(
        TENCENT_PROVIDER, aws.issuer, [AUDIENCE], jwks=no_proxy_get(f"{aws.issuer}/.well-known/jwks.json")
    )
    sts.add_role(TENCENT_ROLE, TENCENT_PROVIDER, subject=FUNCTION_ROLE, audience=AUDIENCE)
    sts.start()
    postgres = TencentPostgresEmulator(keys=ring.keys, tokens=ring.tokens, expiries=ring.expiries)
    postgres.add_account(POSTGRES_INSTANCE, "app", "Old-Passw0rd!")
    postgres.start()
    yield TencentSetup(aws, sts, postgres)
    postgres.stop()
    sts.stop()


def test_the_official_oidc_credential_gets_keys_that_the_postgres_client_uses(
    tencent_federation: TencentSetup,
) -> None:
    setup = tencent_federation
    token = mint(setup.aws)
    cred = setup.credential(token)
    secret_id, _, session_token = cred.get_credential_info()
    assert secret_id.startswith("AKID")
    assert setup.sts.ring.tokens[secret_id] == session_token
    assert setup.sts.ring.expiries[secret_id] - time.time() == pytest.approx(7200, abs=5)
    assert reset_postgres(setup.postgres_client(cred), "N3w-Passw0rd!")
    assert setup.postgres.password_of(POSTGRES_INSTANCE, "app") == "N3w-Passw0rd!"
    (call,) = setup.sts.calls
    assert (call.action, call.outcome) == ("AssumeRoleWithWebIdentity", "ok")
    assert call.params["RoleArn"] == TENCENT_ROLE
    assert token not in repr(setup.sts.calls)
    # Tencent never fetches the issuer's keys at call time: the one fetch is the fixture's upload at setup
    assert len(setup.aws.calls_of("JWKS")) == 1


def test_temporary_keys_need_their_token_and_expire(tencent_federation: TencentSetup) -> None:
    setup = tencent_federation
    # 120 s: the SDK keeps them (it refreshes at ExpiredTime - 10 %), and their expiry falls within the
    # emulator's 300 s signature window.
    cred = setup.credential(mint(setup.aws), duration=120)
    secret_id, secret_key, _ = cred.get_credential_info()
    with pytest.raises(TencentCloudSDKException) as raised:
        reset_postgres(setup.postgres_client(credential.Credential(secret_id, secret_key)), "N3w-Passw0rd!")
    assert raised.value.get_code() == "AuthFailure.TokenFailure"
    assert reset_postgres(setup.postgres_client(cred), "N3w-Passw0rd!")
    setup.postgres.now = lambda: time.time() + 200
    with pytest.raises(TencentCloudSDKException) as raised:
        reset_postgres(setup.postgres_client(cred), "An0ther-Passw0rd!")
    assert raised.value.get_code() == "AuthFailure.TokenFailure"
    assert "expired" in raised.value.get_message()
    assert setup.postgres.password_of(POSTGRES_INSTANCE, "app") == "N3w-Passw0rd!"
    assert [call.outcome for call in setup.sts.calls] == ["ok"]  # the SDK did not refresh meanwhile


@pytest.mark.parametrize(
    ("mistake", "code"),
    [
        ("key drift", "InvalidParameter.WebIdentityTokenError"),
        ("audience", "InvalidParameter.WebIdentityTokenError"),
        ("issuer", "InvalidParameter.WebIdentityTokenError"),
        ("expired token", "InvalidParameter.WebIdentityTokenError"),
        ("tampered token", "InvalidParameter.WebIdentityTokenError"),
        ("unknown role", "ResourceNotFound.RoleNotFound"),
        ("unknown provider", "InvalidParameter.ParamError"),
        ("subject", "UnauthorizedOperation"),
        ("duration", "InvalidParameter.OverTimeError"),
    ],
)
def test_each_setup_mistake_gets_its_tencent_code(tencent_federation: TencentSetup, mistake: str, code: str) -> None:
    setup = tencent_federation
    role, provider, duration = TENCENT_ROLE, TENCENT_PROVIDER, 7200
    if mistake == "key drift":  # AWS rotated its key after the JWKS was uploaded to CAM
        setup.aws.rotate_signing_key(keep_old=False)
    token = mint(setup.aws, audience="another-audience" if mistake == "audience" else AUDIENCE)
    if mistake == "issuer":
        jwks = setup.aws.jwks()
        setup.sts.add_oidc_provider(TENCENT_PROVIDER, "https://0f1e2d3c.tokens.sts.global.api.aws", [AUDIENCE], jwks)
    elif mistake == "expired token":
        setup.sts.now = lambda: time.time() + 301
    elif mistake == "tampered token":
        head, payload, signature = token.split(".")
        token = f"{head}.{payload}.{signature[:-8]}{'A' * 8 if signature[-8:] != 'A' * 8 else 'B' * 8}"
    elif mistake == "unknown role":
        role = TENCENT_ROLE + "-typo"
    elif mistake == "unknown provider":
        provider = TENCENT_PROVIDER + "-typo"
    elif mistake == "subject":
        setup.sts.add_role(TENCENT_ROLE, TENCENT_PROVIDER, subject=f"arn:aws:iam::{ACCOUNT}:role/other-fn")
    elif mistake == "duration":
        duration = 43201
    with pytest.raises(TencentCloudSDKException) as raised:
        setup.credential(token, role, provider, duration).get_credential_info()
    assert raised.value.get_code() == code
    assert raised.value.get_request_id()
    assert setup.sts.ring.keys == {}


def test_a_signed_call_is_refused_the_exchange_is_anonymous(tencent_federation: TencentSetup) -> None:
    setup = tencent_federation
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=setup.sts.url.removeprefix("http://")))
    client = CommonClient("sts", "2018-08-13", credential.Credential("AKIDsigned", "key"), "ap-guangzhou", profile)
    params = {
        "ProviderId": TENCENT_PROVIDER,
        "WebIdentityToken": mint(setup.aws),
        "RoleArn": TENCENT_ROLE,
        "RoleSessionName": "crossrotate-fn",
    }
    with pytest.raises(TencentCloudSDKException) as raised:
        client.call_json("AssumeRoleWithWebIdentity", params)
    assert raised.value.get_code() == "AuthFailure.InvalidAuthorization"


def test_an_injected_tencent_fault_reaches_the_official_credential(tencent_federation: TencentSetup) -> None:
    setup = tencent_federation
    setup.sts.inject("error", action="AssumeRoleWithWebIdentity", code="RequestLimitExceeded", message="slow down")
    with pytest.raises(TencentCloudSDKException) as raised:
        setup.credential(mint(setup.aws)).get_credential_info()
    assert raised.value.get_code() == "RequestLimitExceeded"
    assert setup.credential(mint(setup.aws)).get_credential_info()[0].startswith("AKID")
