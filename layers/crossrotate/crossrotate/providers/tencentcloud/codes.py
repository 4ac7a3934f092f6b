"""The error codes → (retryable, documented meaning) every Tencent Cloud API 3.0 service shares, under each
provider's own table, and the families that classify a code no table names.

Sources: the common error codes of API 3.0 and their families. Judgement calls carry a "Judgement:" note.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable

EXPIRED_SESSION = "AuthFailure.TokenFailure"
"""What the cloud's services answer to a temporary credential whose token expired: renewed once, then final."""

COMMON: dict[str, Entry] = {
    "AuthFailure.UnauthorizedOperation": (FATAL, "Authentication failed: the CAM policy does not allow the action"),
    "InvalidParameter": (FATAL, "Parameter error"),
    "AuthFailure.InvalidAuthorization": (FATAL, "The Authorization header is malformed"),
    "AuthFailure.InvalidSecretId": (FATAL, "The SecretId is not a valid key"),
    "AuthFailure.MFAFailure": (FATAL, "MFA is required"),
    "AuthFailure.SecretIdNotFound": (FATAL, "The SecretId does not exist or is disabled"),
    "AuthFailure.SignatureExpire": (
        RETRYABLE,
        "The signature expired (clock skew over 5 minutes). Judgement: every attempt is signed anew with the "
        "current time, so a delayed request succeeds on retry",
    ),
    "AuthFailure.SignatureFailure": (FATAL, "The signature does not match: wrong SecretKey"),
    "AuthFailure.TokenFailure": (
        FATAL,
        "The temporary credentials' token is invalid or expired. Keyless access renews them once before this is "
        "final; an API key secret's token must be refreshed in the secret",
    ),
    "ActionOffline": (FATAL, "The action has been taken offline"),
    "DryRunOperation": (FATAL, "DryRun: the request would have succeeded"),
    "FailedOperation": (RETRYABLE, "The operation failed"),
    "InternalError": (RETRYABLE, "Internal error"),
    "InvalidAction": (FATAL, "The action does not exist"),
    "InvalidParameterValue": (FATAL, "A parameter value is wrong"),
    "InvalidRequest": (FATAL, "The request body is malformed"),
    "IpInBlacklist": (FATAL, "The caller's IP is in the blacklist"),
    "IpNotInWhitelist": (FATAL, "The caller's IP is not in the whitelist"),
    "LimitExceeded": (FATAL, "A quota is exceeded"),
    "MissingParameter": (FATAL, "A required parameter is missing"),
    "NoSuchProduct": (FATAL, "The product does not exist"),
    "NoSuchVersion": (FATAL, "The API version does not exist"),
    "RequestLimitExceeded": (RETRYABLE, "The request rate limit is exceeded"),
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded": (RETRYABLE, "The account's global rate limit is exceeded"),
    "RequestLimitExceeded.IPLimitExceeded": (RETRYABLE, "The IP's rate limit is exceeded"),
    "RequestLimitExceeded.UinLimitExceeded": (RETRYABLE, "The account's rate limit is exceeded"),
    "RequestSizeLimitExceeded": (FATAL, "The request is too large"),
    "ResponseSizeLimitExceeded": (FATAL, "The response is too large"),
    "ResourceInUse": (RETRYABLE, "The resource is in use"),
    "ResourceInsufficient": (FATAL, "Resources are insufficient"),
    "ResourceNotFound": (FATAL, "The resource does not exist"),
    "ResourceUnavailable": (RETRYABLE, "The resource is unavailable"),
    "ServiceUnavailable": (RETRYABLE, "The service is temporarily unavailable"),
    "UnauthorizedOperation": (FATAL, "The operation is not authorized"),
    "UnknownParameter": (FATAL, "An unknown parameter was sent"),
    "UnsupportedOperation": (FATAL, "The operation is not supported"),
    "UnsupportedProtocol": (FATAL, "The HTTP(S) method or protocol is not supported"),
    "UnsupportedRegion": (FATAL, "The region is not supported"),
}

FAMILIES: dict[str, Entry] = {
    "AuthFailure": (FATAL, "authentication failed"),
    "FailedOperation": (RETRYABLE, "the operation failed; the documented ones say to try again later"),
    "InternalError": (RETRYABLE, "server-side error"),
    "InvalidParameter": (FATAL, "a parameter is wrong"),
    "InvalidParameterValue": (FATAL, "a parameter value is wrong"),
    "LimitExceeded": (FATAL, "a quota is exceeded"),
    "MissingParameter": (FATAL, "a parameter is missing"),
    "OperationDenied": (FATAL, "the operation is denied"),
    "RequestLimitExceeded": (RETRYABLE, "rate limited"),
    "ResourceInUse": (RETRYABLE, "the resource is busy"),
    "ResourceInsufficient": (FATAL, "resources are insufficient"),
    "ResourceNotFound": (FATAL, "the resource does not exist"),
    "ResourceUnavailable": (RETRYABLE, "the resource is unavailable for now"),
    "UnauthorizedOperation": (FATAL, "not authorized"),
    "UnknownParameter": (FATAL, "an unknown parameter was sent"),
    "UnsupportedOperation": (FATAL, "not supported"),
}


def error_table(provider: str, codes: Mapping[str, Entry]) -> ErrorTable:
    """A Tencent provider's table: its own codes over API 3.0's common ones, with the families as fallback."""
    return ErrorTable(provider=provider, codes={**COMMON, **codes}, families=FAMILIES)
