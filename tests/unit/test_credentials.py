"""Which credentials sign a secret's provider calls (the spec's order), and the rules that keep federated
credentials: shared per role, renewed 5 minutes before expiry, never kept when they arrive nearly expired."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crossrotate.credentials import Role, TemporaryCredentials, source_for
from crossrotate.errors import FatalRotationError
from crossrotate.ports import ApiCredentials, CredentialSource
from crossrotate.providers.alibabacloud.cloud import CLOUD as ALIBABA
from crossrotate.providers.tencentcloud.cloud import CLOUD as TENCENT
from crossrotate.registry import read_secret
from crossrotate.settings import Settings

TENCENT_ROLE = "qcs::cam::uin/100000000001:roleName/crossrotate"
ALIBABA_ROLE = "acs:ram::1234567890123456:role/crossrotate"
ALIBABA_IDP = "acs:ram::1234567890123456:oidc-provider/aws"
SECRET: dict[str, Any] = {
    "provider": "tencentcloud-postgres",
    "region": "ap-guangzhou",
    "instance_id": "postgres-4wdeb0zv",
    "username": "app_user",
    "password": "Sup3r-secret!",
}


class Chosen:
    """What :func:`source_for` built: ("api-key", secret id) or ("federation", role)."""

    def __init__(self) -> None:
        self.choice: tuple[str, object] | None = None

    def api_key(self, secret_id: str) -> CredentialSource:
        self.choice = ("api-key", secret_id)
        return None  # type: ignore[return-value]

    def federated(self, role: Role) -> CredentialSource:
        self.choice = ("federation", role)
        return None  # type: ignore[return-value]


def choose(secret: dict[str, Any], environ: dict[str, str], cloud: Any = TENCENT) -> tuple[str, object] | None:
    chosen = Chosen()
    settings = Settings(environ).cloud(cloud)
    source_for(read_secret(json.dumps(secret), "secret"), settings, chosen.api_key, chosen.federated)
    return chosen.choice


FULL_ENV = {
    "TENCENTCLOUD_CREDENTIALS_SECRET": "env-key",
    "TENCENTCLOUD_ROLE_ARN": "qcs::cam::uin/100000000001:roleName/from-env",
    "TENCENTCLOUD_OIDC_PROVIDER_ID": "aws-env",
}


def test_the_secrets_api_key_secret_comes_first() -> None:
    secret = {**SECRET, "credentials_secret": "own-key", "role_arn": TENCENT_ROLE, "oidc_provider": "aws"}
    assert choose(secret, FULL_ENV) == ("api-key", "own-key")


def test_then_the_secrets_role_with_its_own_or_the_environments_identity_provider() -> None:
    assert choose({**SECRET, "role_arn": TENCENT_ROLE, "oidc_provider": "aws"}, FULL_ENV) == (
        "federation",
        Role("tencentcloud", TENCENT_ROLE, "aws"),
    )
    assert choose({**SECRET, "role_arn": TENCENT_ROLE}, FULL_ENV) == (
        "federation",
        Role("tencentcloud", TENCENT_ROLE, "aws-env"),
    )


def test_then_the_environments_role_then_its_api_key_secret() -> None:
    assert choose(SECRET, FULL_ENV) == (
        "federation",
        Role("tencentcloud", FULL_ENV["TENCENTCLOUD_ROLE_ARN"], "aws-env"),
    )
    assert choose(SECRET, {"TENCENTCLOUD_CREDENTIALS_SECRET": "env-key"}) == ("api-key", "env-key")


def test_each_cloud_reads_its_own_variables() -> None:
    secret = {**SECRET, "provider": "alibabacloud-rds", "region": "cn-hangzhou", "instance_id": "rm-bp1abc"}
    environ = {"ALIBABACLOUD_ROLE_ARN": ALIBABA_ROLE, "ALIBABACLOUD_OIDC_PROVIDER_ARN": ALIBABA_IDP, **FULL_ENV}
    assert choose(secret, environ, ALIBABA) == ("federation", Role("alibabacloud", ALIBABA_ROLE, ALIBABA_IDP))


@pytest.mark.parametrize(
    ("secret", "environ", "code", "names"),
    [
        (SECRET, {}, "NoProviderAccess", ("TENCENTCLOUD_ROLE_ARN", "TENCENTCLOUD_CREDENTIALS_SECRET")),
        ({**SECRET, "role_arn": TENCENT_ROLE}, {}, "NoProviderAccess", ("TENCENTCLOUD_OIDC_PROVIDER_ID",)),
        (
            SECRET,
            {"TENCENTCLOUD_ROLE_ARN": "arn:aws:iam::1:role/x"},
            "InvalidConfiguration",
            ("TENCENTCLOUD_ROLE_ARN",),
        ),
        (
            SECRET,
            {"TENCENTCLOUD_ROLE_ARN": TENCENT_ROLE, "TENCENTCLOUD_OIDC_PROVIDER_ID": "has space"},
            "InvalidConfiguration",
            ("TENCENTCLOUD_OIDC_PROVIDER_ID",),
        ),
    ],
)
def test_missing_or_malformed_access_is_a_fatal_error_naming_what_to_set(
    secret: dict[str, Any], environ: dict[str, str], code: str, names: tuple[str, ...]
) -> None:
    with pytest.raises(FatalRotationError) as raised:
        choose(secret, environ)
    assert raised.value.code == code
    for name in names:
        assert name in str(raised.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("role_arn", ALIBABA_ROLE),  # another cloud's role
        ("role_arn", "qcs::cam::uin/1:roleName/bad name"),
        ("oidc_provider", ALIBABA_IDP),  # Tencent names its provider, Alibaba gives an ARN
        ("role_arn", 12),
    ],
)
def test_a_secret_with_a_malformed_role_or_identity_provider_is_bad_input(key: str, value: object) -> None:
    with pytest.raises(FatalRotationError) as raised:
        read_secret(json.dumps({**SECRET, key: value}), "secret")
    assert raised.value.code == "InvalidSecret"
    assert key in str(raised.value)


ROLE = Role("tencentcloud", TENCENT_ROLE, "aws")


def test_temporary_credentials_are_kept_until_five_minutes_before_they_expire() -> None:
    cache = TemporaryCredentials()
    held = ApiCredentials("tmp", "secret", "token", expires_at=1000.0 + 3600)
    cache.keep(ROLE, held, now=1000.0)
    assert cache.fresh(ROLE, now=1000.0 + 3600 - 301) == held
    assert cache.fresh(ROLE, now=1000.0 + 3600 - 300) is None


def test_credentials_that_arrive_nearly_expired_serve_once_and_are_not_kept() -> None:
    cache = TemporaryCredentials()
    cache.keep(ROLE, ApiCredentials("tmp", "secret", "token", expires_at=1000.0 + 299), now=1000.0)
    assert cache.fresh(ROLE, now=1000.0) is None


def test_forgetting_drops_only_the_credentials_that_were_refused() -> None:
    cache = TemporaryCredentials()
    old = ApiCredentials("old", "secret", "token", expires_at=5000.0)
    new = ApiCredentials("new", "secret", "token", expires_at=5000.0)
    cache.keep(ROLE, new, now=0.0)
    cache.forget(ROLE, old)  # another secret renewed them meanwhile: keep the new ones
    assert cache.fresh(ROLE, now=0.0) == new
    cache.forget(ROLE, new)
    assert cache.fresh(ROLE, now=0.0) is None


def test_temporary_credentials_never_show_their_secret_or_token() -> None:
    shown = repr(ApiCredentials("STS.id", "the-secret", "the-token", 1.0))
    assert "the-secret" not in shown
    assert "the-token" not in shown
