"""Every documented error of the three STS calls is classified as the reference says, with a reason that says
which side's setup to fix, carried in the message."""

from __future__ import annotations

import pytest
from documented_codes import (
    ALIBABA_STS_CODES,
    AWS_STS_CODES,
    HUAWEI_STS_CODES,
    TEMPORARY_CREDENTIAL_CODES,
    TENCENT_STS_CODES,
)

from crossrotate.aws import STS_ERRORS
from crossrotate.errors import ErrorTable
from crossrotate.providers.alibabacloud import sts as alibaba_sts
from crossrotate.providers.huaweicloud import sts as huawei_sts
from crossrotate.providers.tencentcloud import sts as tencent_sts
from crossrotate.registry import PROVIDERS

TABLES: list[tuple[ErrorTable, dict[str, str]]] = [
    (STS_ERRORS, AWS_STS_CODES),
    (alibaba_sts.STS_ERRORS, ALIBABA_STS_CODES),
    (tencent_sts.STS_ERRORS, TENCENT_STS_CODES),
    (huawei_sts.STS_ERRORS, HUAWEI_STS_CODES),
]


@pytest.mark.parametrize(("table", "codes"), TABLES, ids=lambda value: getattr(value, "provider", ""))
def test_every_documented_sts_code_has_its_class_and_a_reason(table: ErrorTable, codes: dict[str, str]) -> None:
    for code, outcome in codes.items():
        verdict = table.classify(code)
        assert not verdict.unclassified, code
        assert ("retryable" if verdict.retryable else "fatal") == outcome, code
        assert verdict.reason.strip(), code


@pytest.mark.parametrize(
    ("table", "code", "side"),
    [
        (STS_ERRORS, "AccessDenied", "Fix in AWS"),
        (STS_ERRORS, "OutboundWebIdentityFederationDisabledException", "enable-outbound-web-identity-federation"),
        (alibaba_sts.STS_ERRORS, "AuthenticationFail.OIDCToken.AudienceNotMatch", "Fix on Alibaba Cloud"),
        (alibaba_sts.STS_ERRORS, "AuthenticationFail.NoPermission", "oidc:sub"),
        (tencent_sts.STS_ERRORS, "InvalidParameter.WebIdentityTokenError", "Fix on Tencent Cloud"),
        (tencent_sts.STS_ERRORS, "UnauthorizedOperation", "oidc:sub"),
        (huawei_sts.STS_ERRORS, "HTTP.401", "Fix on Huawei Cloud"),
        (huawei_sts.STS_ERRORS, "HTTP.403", "oidc:sub"),
    ],
)
def test_a_setup_mistake_says_which_side_to_fix_in_the_message(table: ErrorTable, code: str, side: str) -> None:
    error = table.error(code, "the provider's words", request_id="r-1")
    assert not error.retryable
    assert str(error).startswith(f"{table.provider}: {code}: the provider's words")
    assert side in str(error)


def test_unlisted_codes_keep_the_providers_message_alone() -> None:
    error = tencent_sts.STS_ERRORS.error("InternalError.Brandnew", "words")
    assert error.retryable
    assert error.unclassified
    assert str(error) == "tencentcloud-sts: InternalError.Brandnew: words"


@pytest.mark.parametrize("cloud", sorted(TEMPORARY_CREDENTIAL_CODES))
def test_refused_temporary_credentials_are_classified_by_every_provider_of_the_cloud(cloud: str) -> None:
    for spec in PROVIDERS.values():
        if spec.cloud.name == cloud:
            for code, outcome in TEMPORARY_CREDENTIAL_CODES[cloud].items():
                verdict = spec.errors.classify(code)
                assert not verdict.unclassified, (spec.name, code)
                assert ("retryable" if verdict.retryable else "fatal") == outcome, (spec.name, code)
    assert any(spec.cloud.expired_session_code in TEMPORARY_CREDENTIAL_CODES[cloud] for spec in PROVIDERS.values())
