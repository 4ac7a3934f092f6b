"""Huawei Cloud STS (IAM's new edition) ``AssumeAgencyWithOIDC``: an AWS web identity token traded for temporary
credentials of a trust agency. ``POST https://sts.{region}.myhuaweicloud.com/v5/agencies/assume-with-oidc`` with a
JSON body ``{provider_urn, agency_urn, agency_session_name, id_token, duration_seconds}``, unsigned: "调用
AssumeAgencyWithOIDC 不需要使用华为云凭证。调用者的身份是通过使用您 JWKS 端点中的公钥进行验证的" (api-iam5/
AssumeAgencyWithOIDC.html; huaweicloudsdksts 3.1.219 ``v1/sts_client.py`` has no auth settings for it, and
huaweicloudsdkcore 3.1.219's ``OidcStsAccessor`` sends it unsigned). The answer's ``credentials`` hold
``access_key_id``, ``secret_access_key``, ``security_token`` and ``expiration`` (``%Y-%m-%dT%H:%M:%S.%fZ``,
``v1/model/credentials_dto.py``, ``auth/internal.py``). docs/keyless.md says why this route and not IAM v3's
federation (a token, then a temporary key: two calls, and a JWKS copy stored with the identity provider).

STS has a regional endpoint in twelve regions (``v1/region/sts_region.py``) and "STS API支持在任意区域终端节点进行
调用" (usermanual-iam5/iam_01_1237.html): elsewhere the SDK's default, cn-north-4's, is used.

**Errors.** The IAM5 envelope is ``{"error_code", "error_msg", "request_id"}`` (api-iam5/ErrorCode.html). Which codes
AssumeAgencyWithOIDC answers is published nowhere (its API page lists only the authorization table), so
the code is kept and the verdict comes from the HTTP status, whose reason says which side's setup to fix (the
``HTTP.<status>`` rows); the gateway's own codes (``APIGW.*``) are classified as for every service.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ...errors import (
    FATAL,
    RETRYABLE,
    Entry,
    ErrorTable,
    FatalRotationError,
    RetryableRotationError,
    redact,
    transport_error,
)
from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest
from ..http import send
from .api import CONTENT_TYPE, Failure, read_answer
from .codes import GATEWAY

PROVIDER = "huaweicloud-sts"
ACTION = "AssumeAgencyWithOIDC"
PATH = "/v5/agencies/assume-with-oidc"
STS_REGIONS = frozenset(
    {
        "cn-north-4", "cn-south-1", "cn-east-3", "cn-southwest-2", "ap-southeast-1", "ap-southeast-3",
        "ap-southeast-2", "sa-brazil-1", "la-south-2", "af-south-1", "ap-southeast-4", "tr-west-1",
    }
)  # fmt: skip
DEFAULT_ENDPOINT = "https://sts.cn-north-4.myhuaweicloud.com"

OIDC_PROVIDER = (
    "Fix on Huawei Cloud: the OIDC provider (CreateOIDCProviderV5) must have url = the AWS account's issuer URL "
    "(aws iam get-outbound-web-identity-federation-info) and WEB_IDENTITY_AUDIENCE among its client_ids"
)
BY_STATUS: dict[str, Entry] = {
    "HTTP.400": (
        FATAL,
        "STS refused the request: a parameter is not valid (HUAWEICLOUD_ROLE_ARN / role_arn must be the agency's "
        "URN, HUAWEICLOUD_OIDC_PROVIDER_URN / oidc_provider the OIDC provider's) or the AWS token is not one it "
        f"accepts. {OIDC_PROVIDER}",
    ),
    "HTTP.401": (
        FATAL,
        "STS did not accept the AWS token: its issuer, audience, expiry or signature (verified against the "
        f"issuer's JWKS). {OIDC_PROVIDER}",
    ),
    "HTTP.403": (
        FATAL,
        "The trust agency's trust policy does not admit this token. Fix on Huawei Cloud: its Principal must be "
        '{"Identity_provider": [the OIDC provider\'s URN]}, its Action sts:agencies:assumeWithOIDC, and its '
        "conditions oidc:iss, oidc:aud, oidc:sub the AWS issuer, the audience and the function's role ARN",
    ),
    "HTTP.404": (
        FATAL,
        "No such trust agency or OIDC provider: fix role_arn / HUAWEICLOUD_ROLE_ARN or oidc_provider / "
        "HUAWEICLOUD_OIDC_PROVIDER_URN, or create them",
    ),
    "HTTP.409": (FATAL, "STS refused the request as conflicting: a defect"),
    "HTTP.429": (RETRYABLE, "Huawei Cloud STS's rate limit: it passes"),
    "HTTP.500": (RETRYABLE, "Huawei Cloud STS failed on its side; it passes"),
    "HTTP.502": (RETRYABLE, "Huawei Cloud STS's gateway found no backend; it passes"),
    "HTTP.503": (RETRYABLE, "Huawei Cloud STS is unavailable for now; it passes"),
    "HTTP.504": (RETRYABLE, "Huawei Cloud STS's backend timed out; it passes"),
}
"""The verdict of each HTTP status AssumeAgencyWithOIDC may answer with, whatever its code (see above)."""
CODES: dict[str, Entry] = {**BY_STATUS}
STS_ERRORS = ErrorTable(provider=PROVIDER, codes={**GATEWAY, **BY_STATUS}, families={}, advises=True)
EXPIRATION_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def endpoint_for(region: str) -> str:
    return f"https://sts.{region}.myhuaweicloud.com" if region in STS_REGIONS else DEFAULT_ENDPOINT


def sts_error(failure: Failure, token: str) -> Exception:
    """The classified error: the gateway's codes and ``HTTP.<status>`` by the table, any other code by its
    status's row (marked unclassified, its reason in the message all the same); a status with no row by the
    table's fallback (429 and 5xx retryable)."""
    message = redact(failure.message, (token,))
    row = BY_STATUS.get(f"HTTP.{failure.status}")
    if failure.code in STS_ERRORS.codes or row is None:
        return STS_ERRORS.error(failure.code, message, request_id=failure.request_id, http_status=failure.status)
    retryable, reason = row
    kind = RetryableRotationError if retryable else FatalRotationError
    return kind(
        failure.code,
        f"{message} (HTTP {failure.status}: {reason})",
        provider=PROVIDER,
        request_id=failure.request_id,
        unclassified=True,
    )


def expiry_of(text: object) -> float:
    for form in EXPIRATION_FORMATS:
        try:
            return datetime.strptime(str(text), form).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise transport_error(PROVIDER, "Transport.BadResponse", "the credentials' expiration is not a time")


def assume_agency_with_oidc(request: AssumeRoleRequest) -> ApiCredentials:
    """Temporary credentials of the trust agency that trusts the token; a classified RotationError otherwise."""
    body = {
        "provider_urn": request.identity_provider,
        "agency_urn": request.role_arn,
        "agency_session_name": request.session_name,
        "id_token": request.web_identity_token,
        "duration_seconds": request.duration_seconds,
    }
    http_request = request.http.build_request(
        "POST",
        (request.endpoint or endpoint_for(request.region)) + PATH,
        content=json.dumps(body).encode(),
        headers={"Content-Type": CONTENT_TYPE},  # not signed: the token is the proof
    )
    response = send(request.http, http_request, PROVIDER, ACTION)
    answer = read_answer(response, PROVIDER)
    if isinstance(answer, Failure):
        raise sts_error(answer, request.web_identity_token)
    credentials = answer.get("credentials")
    fields = ("access_key_id", "secret_access_key", "security_token")
    if not isinstance(credentials, dict) or not all(isinstance(credentials.get(f), str) for f in fields):
        raise transport_error(PROVIDER, "Transport.BadResponse", "the answer has no credentials")
    return ApiCredentials(
        credentials["access_key_id"],
        credentials["secret_access_key"],
        credentials["security_token"],
        expiry_of(credentials.get("expiration")),
    )
