"""Tencent Cloud STS (2018-08-13) ``AssumeRoleWithWebIdentity``: an AWS web identity token traded for temporary
credentials of a CAM role. The request is not signed (``Authorization: SKIP``, no ``X-TC-Token``): the token is
the proof. The errors are STS's service-wide list (Tencent publishes none per API) over API 3.0's common codes;
each reason says which side's setup to fix, and the message carries it.
"""

from __future__ import annotations

import json

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable, transport_error
from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest
from ..http import send
from .api import CONTENT_TYPE, response_of
from .codes import COMMON, FAMILIES
from .signer import unsigned_headers

PROVIDER = "tencentcloud-sts"
VERSION = "2018-08-13"
ACTION = "AssumeRoleWithWebIdentity"
DEFAULT_ENDPOINT = "https://sts.tencentcloudapi.com"

SERVER_SIDE = "Tencent Cloud STS failed on its side; it passes"
CODES: dict[str, Entry] = {
    "InvalidParameter.WebIdentityTokenError": (
        FATAL,
        "Tencent Cloud STS refused the AWS token: malformed, expired, or its issuer, audience or signing key is not "
        "what the CAM OIDC provider holds. Fix on Tencent Cloud: IdentityUrl = the AWS issuer, ClientId = "
        "WEB_IDENTITY_AUDIENCE, IdentityKey = the issuer's current jwks.json (re-upload after AWS rotates its key)",
    ),
    "ResourceNotFound.RoleNotFound": (
        FATAL,
        "The CAM role does not exist: fix role_arn / TENCENTCLOUD_ROLE_ARN, or create the role",
    ),
    "InvalidParameter.ParamError": (
        FATAL,
        "A parameter is wrong, e.g. no OIDC provider of that name: fix oidc_provider / TENCENTCLOUD_OIDC_PROVIDER_ID",
    ),
    "InvalidParameter.OverTimeError": (FATAL, "DurationSeconds is above the role's limit: a defect"),
    "InvalidParameter.AccountNotAvaliable": (FATAL, "The Tencent Cloud account is missing or not usable"),
    "InvalidParameter.AccessKeyNotSupport": (FATAL, "The request's key is not accepted: a defect"),
    "AuthFailure.AccessKeyIllegal": (FATAL, "The request's key is not accepted: a defect"),
    "UnauthorizedOperation": (
        FATAL,
        "The CAM role's trust policy does not admit this token. Fix on Tencent Cloud: its principal must be the "
        "OIDC provider, and oidc:iss, oidc:aud, oidc:sub the AWS issuer, the audience and the function's role ARN",
    ),
    "UnsupportedOperation": (FATAL, "The operation is not supported"),
    "RequestLimitExceeded": (RETRYABLE, "Tencent Cloud STS's rate limit (20 calls/s) is exceeded"),
    "InvalidParameter.OverLimit": (RETRYABLE, "Too many calls: STS's frequency limit"),
    "InternalError.DbError": (RETRYABLE, SERVER_SIDE),
    "InternalError.GetRoleError": (RETRYABLE, SERVER_SIDE),
    "InternalError.SystemError": (RETRYABLE, SERVER_SIDE),
    "InternalError.UnknownError": (RETRYABLE, SERVER_SIDE),
    "InternalError.GetSeedTokenError": (RETRYABLE, SERVER_SIDE),
    "InternalError.EncryptError": (RETRYABLE, SERVER_SIDE),
    "InternalError.PbSerializeError": (RETRYABLE, SERVER_SIDE),
    "InternalError.GetAppIdError": (RETRYABLE, SERVER_SIDE),
    "InternalError.IllegalRole": (
        FATAL,
        "The role is not valid for this call. Judgement: an InternalError by family, but it names a setup fault "
        "that waiting does not fix",
    ),
}
STS_ERRORS = ErrorTable(provider=PROVIDER, codes={**COMMON, **CODES}, families=FAMILIES, advises=True)


def assume_role_with_web_identity(request: AssumeRoleRequest) -> ApiCredentials:
    """Temporary credentials for the role that trusts the token; a classified RotationError otherwise."""
    params = {
        "ProviderId": request.identity_provider,
        "WebIdentityToken": request.web_identity_token,
        "RoleArn": request.role_arn,
        "RoleSessionName": request.session_name,
        "DurationSeconds": request.duration_seconds,
    }
    http_request = request.http.build_request(
        "POST",
        (request.endpoint or DEFAULT_ENDPOINT) + "/",
        content=json.dumps(params).encode(),
        headers={
            "Content-Type": CONTENT_TYPE,
            "X-TC-Action": ACTION,
            "X-TC-Version": VERSION,
            "X-TC-Region": request.region,
            **unsigned_headers(int(request.now())),
        },
    )
    response = send(request.http, http_request, PROVIDER, ACTION)
    body = response_of(response, STS_ERRORS, (request.web_identity_token,))
    credentials, expires = body.get("Credentials"), body.get("ExpiredTime")
    fields = ("TmpSecretId", "TmpSecretKey", "Token")
    if not isinstance(credentials, dict) or not all(isinstance(credentials.get(f), str) for f in fields):
        raise transport_error(PROVIDER, "Transport.BadResponse", "the answer has no Credentials")
    if not isinstance(expires, int | float):
        raise transport_error(PROVIDER, "Transport.BadResponse", "the answer has no ExpiredTime")
    return ApiCredentials(credentials["TmpSecretId"], credentials["TmpSecretKey"], credentials["Token"], expires)
