"""Alibaba Cloud STS (2015-04-01) ``AssumeRoleWithOIDC``: an AWS web identity token traded for temporary
credentials of a RAM role. The call is anonymous (no AccessKey, no signature: the token is the proof) and sent as
the official credentials provider sends it: GET with the parameters in the query. Each error's reason says which
side's setup to fix, and the message carries it.
"""

from __future__ import annotations

import calendar
import time

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable, transport_error
from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest
from ..http import send
from .api import answer_of
from .codes import COMMON, FAMILIES
from .signer import canonical_query, iso_timestamp

PROVIDER = "alibabacloud-sts"
VERSION = "2015-04-01"
ACTION = "AssumeRoleWithOIDC"
DEFAULT_ENDPOINT = "https://sts.aliyuncs.com"

SETUP = "Fix on Alibaba Cloud: the RAM OIDC identity provider"
CODES: dict[str, Entry] = {
    "AuthenticationFail.OIDCToken.Expired": (
        FATAL,
        "The AWS token had expired when STS read it. Every exchange uses a token minted just before, so the "
        "clocks disagree or the call was delayed by minutes",
    ),
    "AuthenticationFail.OIDCToken.Invalid": (
        FATAL,
        "The token is malformed or its signature does not verify against the issuer's keys",
    ),
    "AuthenticationFail.OIDCToken.AudienceNotMatch": (
        FATAL,
        f"The token's audience is not one of the identity provider's client IDs. {SETUP}'s ClientIds must "
        "include WEB_IDENTITY_AUDIENCE",
    ),
    "AuthenticationFail.OIDCToken.IssuerNotMatch": (
        FATAL,
        f"The token's issuer is not the identity provider's. {SETUP}'s IssuerUrl must be the AWS account's issuer "
        "URL (aws iam get-outbound-web-identity-federation-info)",
    ),
    "AuthenticationFail.OIDCToken.IssuerConfigurationBroken": (
        RETRYABLE,
        "STS could not fetch the issuer's public keys. Judgement: usually a network failure that passes; if it "
        "persists, check that the issuer URL serves its JWKS",
    ),
    "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch": (
        FATAL,
        f"The issuer's TLS root certificate is not among the registered fingerprints. {SETUP}: add the current "
        "root CA's SHA-1 fingerprint",
    ),
    "AuthenticationFail.NoPermission": (
        FATAL,
        "No such OIDC identity provider, or the RAM role's trust policy denies this token. Fix on Alibaba Cloud: "
        "oidc_provider / ALIBABACLOUD_OIDC_PROVIDER_ARN, and the role's principal and oidc:iss, oidc:aud, oidc:sub "
        "(the function's role ARN) conditions",
    ),
    "EntityNotExist.Role": (
        FATAL,
        "The RAM role does not exist: fix role_arn / ALIBABACLOUD_ROLE_ARN, or create the role",
    ),
    "InvalidParameter.DurationSeconds": (
        FATAL,
        "DurationSeconds is outside 900 … the role's maximum session duration: raise the role's maximum to 3600",
    ),
    "InvalidParameter.RoleSessionName": (FATAL, "The session name is not valid: a defect"),
    "InvalidParameter.RoleArn": (FATAL, "The role ARN is not valid: fix role_arn / ALIBABACLOUD_ROLE_ARN"),
    "InvalidParameter.OIDCProviderArn": (FATAL, "The OIDC provider ARN is not valid: fix oidc_provider"),
}
STS_ERRORS = ErrorTable(provider=PROVIDER, codes={**COMMON, **CODES}, families=FAMILIES, advises=True)
EXPIRATION = "%Y-%m-%dT%H:%M:%SZ"


def assume_role_with_oidc(request: AssumeRoleRequest) -> ApiCredentials:
    """Temporary credentials for the role that trusts the token; a classified RotationError otherwise."""
    params = [
        ("Action", ACTION),
        ("Version", VERSION),
        ("Format", "JSON"),
        ("Timestamp", iso_timestamp(request.now())),
        ("RoleArn", request.role_arn),
        ("OIDCProviderArn", request.identity_provider),
        ("OIDCToken", request.web_identity_token),
        ("RoleSessionName", request.session_name),
        ("DurationSeconds", str(request.duration_seconds)),
    ]
    url = f"{request.endpoint or DEFAULT_ENDPOINT}/?{canonical_query(params)}"
    http_request = request.http.build_request("GET", url)  # not signed: the token is the proof
    response = send(request.http, http_request, PROVIDER, ACTION)
    body = answer_of(response, STS_ERRORS, (request.web_identity_token,))
    credentials = body.get("Credentials")
    fields = ("AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration")
    if not isinstance(credentials, dict) or not all(isinstance(credentials.get(f), str) for f in fields):
        raise transport_error(PROVIDER, "Transport.BadResponse", "the answer has no Credentials")
    try:
        expires = calendar.timegm(time.strptime(credentials["Expiration"], EXPIRATION))
    except ValueError:
        raise transport_error(PROVIDER, "Transport.BadResponse", "the credentials' Expiration is not a time") from None
    return ApiCredentials(
        credentials["AccessKeyId"], credentials["AccessKeySecret"], credentials["SecurityToken"], float(expires)
    )
