"""The settings: read once per environment, each value checked once and its error raised where it is used, a
cloud's own variables read for that cloud only."""

from __future__ import annotations

import pytest

from crossrotate import settings
from crossrotate.errors import FatalRotationError
from crossrotate.providers.alibabacloud.cloud import CLOUD as ALIBABA
from crossrotate.providers.tencentcloud.cloud import CLOUD as TENCENT
from crossrotate.settings import Settings

TENCENT_ROLE = "qcs::cam::uin/100000000001:roleName/crossrotate"


def test_session_names_identify_the_function_within_both_clouds_limits() -> None:
    assert Settings({"AWS_LAMBDA_FUNCTION_NAME": "prod-rotator"}).session_name == "crossrotate-prod-rotator"
    long = Settings({"AWS_LAMBDA_FUNCTION_NAME": "x" * 140}).session_name
    assert len(long) == 64
    assert Settings({"AWS_LAMBDA_FUNCTION_NAME": "a:b/c"}).session_name == "crossrotate-a-b-c"
    assert Settings({}).session_name == "crossrotate"


def test_the_audience_defaults_and_is_checked() -> None:
    assert Settings({}).audience == "crossrotate"
    assert Settings({"WEB_IDENTITY_AUDIENCE": "sts.tencentcloudapi.com"}).audience == "sts.tencentcloudapi.com"
    with pytest.raises(FatalRotationError) as raised:
        _ = Settings({"WEB_IDENTITY_AUDIENCE": "a" * 1001}).audience
    assert raised.value.code == "InvalidConfiguration"


def test_a_bad_value_is_reported_where_it_is_used_and_nowhere_else() -> None:
    """A wrong PASSWORD_LENGTH fails what generates a password, not what reads the other settings."""
    read = Settings({"PASSWORD_LENGTH": "twelve", "SCHEDULED_ACTION": "rotate", "SWEEP_QUEUE_URL": "https://q"})
    assert (read.scheduled_action, read.sweep_queue_url, read.audience) == ("rotate", "https://q", "crossrotate")
    for _ in range(2):  # the same error each time it is used
        with pytest.raises(FatalRotationError, match="PASSWORD_LENGTH must be a whole number") as raised:
            _ = read.password_length
        assert raised.value.code == "InvalidConfiguration"


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("24", 24), (" 16 ", 16)])
def test_the_password_length_is_a_whole_number_or_unset(value: str | None, expected: int | None) -> None:
    assert Settings({} if value is None else {"PASSWORD_LENGTH": value}).password_length == expected


def test_the_scheduled_action_is_verify_or_rotate() -> None:
    assert Settings({}).scheduled_action == "verify"
    with pytest.raises(FatalRotationError, match="SCHEDULED_ACTION must be one of verify, rotate"):
        _ = Settings({"SCHEDULED_ACTION": "cancel"}).scheduled_action


def test_a_clouds_variables_are_its_own() -> None:
    read = Settings(
        {
            "TENCENTCLOUD_ROLE_ARN": TENCENT_ROLE,
            "TENCENTCLOUD_OIDC_PROVIDER_ID": "aws",
            "TENCENTCLOUD_ENDPOINT_URL": "http://127.0.0.1:9000/",
            "TENCENTCLOUD_ENDPOINT_URL_STS": "https://sts.example.com",
            "ALIBABACLOUD_CREDENTIALS_SECRET": "alibaba-key",
            "ALIBABACLOUD_ROLE_ARN": "not a role",
        }
    )
    tencent, alibaba = read.cloud(TENCENT), read.cloud(ALIBABA)
    assert (tencent.role_arn, tencent.identity_provider, tencent.credentials_secret) == (TENCENT_ROLE, "aws", None)
    assert tencent.endpoint("POSTGRES") == "http://127.0.0.1:9000"
    assert tencent.endpoint("STS") == "https://sts.example.com"
    assert alibaba.endpoint("RDS") is None
    assert alibaba.credentials_secret == "alibaba-key"
    with pytest.raises(FatalRotationError, match="ALIBABACLOUD_ROLE_ARN is not a role ARN of alibabacloud"):
        _ = alibaba.role_arn
    assert read.cloud(TENCENT) is tencent, "read once"


def test_an_endpoint_must_be_https_or_loopback() -> None:
    cloud = Settings({"TENCENTCLOUD_ENDPOINT_URL_CDB": "http://cdb.example.com"}).cloud(TENCENT)
    with pytest.raises(FatalRotationError, match="TENCENTCLOUD_ENDPOINT_URL_CDB must use https") as raised:
        cloud.endpoint("CDB")
    assert raised.value.code == "InvalidConfiguration"


def test_a_clouds_option_defaults_to_its_first_value_and_refuses_others() -> None:
    assert Settings({}).cloud(ALIBABA).option("ALIBABACLOUD_SIGNATURE_VERSION") == "v3"
    assert Settings({"ALIBABACLOUD_SIGNATURE_VERSION": "v1"}).cloud(ALIBABA).option("ALIBABACLOUD_SIGNATURE_VERSION")
    refused = Settings({"ALIBABACLOUD_SIGNATURE_VERSION": "v2"}).cloud(ALIBABA)
    with pytest.raises(FatalRotationError, match="ALIBABACLOUD_SIGNATURE_VERSION must be one of v3, v1"):
        refused.option("ALIBABACLOUD_SIGNATURE_VERSION")


def test_the_settings_are_read_again_only_when_the_environment_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSWORD_LENGTH", "20")
    first = settings.current()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793")  # each invocation's own
    assert settings.current() is first
    assert settings.held() is first
    monkeypatch.setenv("PASSWORD_LENGTH", "24")
    second = settings.current()
    assert second is not first
    assert second.password_length == 24


def test_the_settings_keep_only_what_they_read_and_never_the_functions_aws_keys() -> None:
    environ = {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "token", "LOG_LEVEL": "debug"}
    read = Settings(environ)
    assert read.log_level == "DEBUG"
    assert read.readings.seen["LOG_LEVEL"] == "debug"
    assert not {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(read.readings.seen)


def test_an_endpoint_read_for_a_cloud_is_kept_and_its_change_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL_CDB", "https://cdb.example.com")
    first = settings.current()
    assert first.cloud(TENCENT).endpoint("CDB") == "https://cdb.example.com"
    assert settings.current() is first
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL_CDB", "https://cdb.internal.example.com")
    assert settings.current().cloud(TENCENT).endpoint("CDB") == "https://cdb.internal.example.com"
