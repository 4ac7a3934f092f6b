"""The documented error codes the classification tables must list: the tests' own copy of the sources. A
provider's own are in its emulator module (``localcloud/<cloud>/<service>.py``), its cloud's common ones in
``localcloud/<cloud>/api.py``; the STS calls' are here.
"""

import importlib

from crossrotate.registry import PROVIDERS
from localcloud.cloud import KITS


def common_codes(cloud: str) -> list[str]:
    """The codes every service of ``cloud`` answers (its stand-in's ``api.py`` holds the list)."""
    codes: list[str] = importlib.import_module(f"localcloud.{cloud}.api").COMMON_CODES
    return codes


DOCUMENTED = {name: [*kit.documented, *common_codes(PROVIDERS[name].cloud.name)] for name, kit in KITS.items()}
"""Every code a provider's table must list, by provider: its own documents (its emulator module's kit holds them,
with their sources) and its cloud's common codes."""


# Keyless access: the documented errors of the three STS calls, with the class each must have (reference notes on
# federation: the IAM and STS API pages, the official credential providers' code, the ACK RRSA error table, and
# Tencent STS's service-wide error list).
AWS_STS_CODES = {
    "OutboundWebIdentityFederationDisabledException": "fatal",
    "SessionDurationEscalationException": "fatal",
    "JWTPayloadSizeExceededException": "fatal",
    "AccessDenied": "fatal",
    "AccessDeniedException": "fatal",
    "ValidationError": "fatal",
    "InvalidClientTokenId": "fatal",
    "SignatureDoesNotMatch": "fatal",
    "ExpiredToken": "fatal",
    "RegionDisabledException": "fatal",
    "Throttling": "retryable",
    "ThrottlingException": "retryable",
    "RequestLimitExceeded": "retryable",
    "InternalFailure": "retryable",
    "ServiceUnavailable": "retryable",
}
ALIBABA_STS_CODES = {
    "AuthenticationFail.OIDCToken.Expired": "fatal",
    "AuthenticationFail.OIDCToken.Invalid": "fatal",
    "AuthenticationFail.OIDCToken.AudienceNotMatch": "fatal",
    "AuthenticationFail.OIDCToken.IssuerNotMatch": "fatal",
    "AuthenticationFail.OIDCToken.IssuerConfigurationBroken": "retryable",
    "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch": "fatal",
    "AuthenticationFail.NoPermission": "fatal",
    "EntityNotExist.Role": "fatal",
    "InvalidParameter.DurationSeconds": "fatal",
    "InvalidParameter.RoleSessionName": "fatal",
    "MissingParameter": "fatal",
    "Throttling.User": "retryable",
    "Throttling": "retryable",
    "Throttling.Api": "retryable",
    "InternalError": "retryable",
    "ServiceUnavailable": "retryable",
}
TENCENT_STS_CODES = {
    "InvalidParameter.WebIdentityTokenError": "fatal",
    "ResourceNotFound.RoleNotFound": "fatal",
    "InvalidParameter.ParamError": "fatal",
    "InvalidParameter.OverTimeError": "fatal",
    "InvalidParameter.AccountNotAvaliable": "fatal",
    "UnauthorizedOperation": "fatal",
    "AuthFailure.AccessKeyIllegal": "fatal",
    "InvalidParameter.AccessKeyNotSupport": "fatal",
    "UnsupportedOperation": "fatal",
    "RequestLimitExceeded": "retryable",
    "InvalidParameter.OverLimit": "retryable",
    "InternalError.DbError": "retryable",
    "InternalError.GetRoleError": "retryable",
    "InternalError.SystemError": "retryable",
    "InternalError.UnknownError": "retryable",
    "InternalError.GetSeedTokenError": "retryable",
    "InternalError.EncryptError": "retryable",
    "InternalError.PbSerializeError": "retryable",
    "InternalError.GetAppIdError": "retryable",
    "InternalError.IllegalRole": "fatal",
}
# Huawei Cloud STS (IAM5) AssumeAgencyWithOIDC publishes no codes: the HTTP status decides (its API page has none), and
# the gateway's throttling code is its own.
HUAWEI_STS_CODES = {
    "HTTP.400": "fatal",
    "HTTP.401": "fatal",
    "HTTP.403": "fatal",
    "HTTP.404": "fatal",
    "HTTP.429": "retryable",
    "HTTP.500": "retryable",
    "HTTP.503": "retryable",
    "APIGW.0308": "retryable",
}
# What a provider answers when temporary credentials' token is refused: renewed once, then final.
TEMPORARY_CREDENTIAL_CODES = {
    "tencentcloud": {"AuthFailure.TokenFailure": "fatal", "AuthFailure.SecretIdNotFound": "fatal"},
    "alibabacloud": {
        "InvalidSecurityToken.Expired": "fatal",
        "InvalidSecurityToken.Malformed": "fatal",
        "InvalidSecurityToken.MismatchWithAccessKey": "fatal",
    },
    "huaweicloud": {"APIGW.0301": "fatal"},
}
