"""Tencent Cloud error codes → (retryable, documented meaning). The README's table is generated from this one.

Sources: the ResetAccountPassword page (every code listed there), the SDK's error list for the same API, and
the common error codes of API 3.0. Judgement calls carry a "judgement:" note in their reason.
"""

from __future__ import annotations

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable

PROVIDER = "tencentcloud-postgres"

RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "AuthFailure.UnauthorizedOperation": (FATAL, "Authentication failed: the CAM policy does not allow the action"),
    "FailedOperation.CamSigAndAuthError": (
        RETRYABLE,
        "Authentication failed. Please try again later. Judgement: the documentation says to retry; a wrong key "
        "shows as AuthFailure.* instead",
    ),
    "FailedOperation.DatabaseAccessError": (
        RETRYABLE,
        "Failed to access database management service. Please try again later",
    ),
    "FailedOperation.FailedOperationError": (RETRYABLE, "Operation failed. Please try again later"),
    "FailedOperation.OssAccessError": (
        RETRYABLE,
        "Failed to access database management service. Please try again later",
    ),
    "FailedOperation.OssOperationFailed": (
        RETRYABLE,
        "Failed to request the backend API. Judgement: a backend failure, usually transient; the documented "
        "example ('admin unmatch') is not, so it is retried within the small in-invocation budget and persistent "
        "cases reach the alarm",
    ),
    "InternalError.DBError": (RETRYABLE, "Backend database execution error"),
    "InternalError.InternalHttpServerError": (RETRYABLE, "An exception occurred while executing the request"),
    "InternalError.SystemError": (RETRYABLE, "System error"),
    "InvalidAccountPassword": (FATAL, "Incorrect account password"),
    "InvalidParameter": (FATAL, "Parameter error"),
    "InvalidParameterValue.AccountNotExistError": (FATAL, "The account does not exist"),
    "InvalidParameterValue.InstanceNotExist": (FATAL, "The current instance does not exist"),
    "InvalidParameterValue.InvalidParameterValueError": (FATAL, "Incorrect parameter value"),
    "InvalidParameterValue.InvalidPasswordFormat": (FATAL, "Incorrect password format"),
    "InvalidParameterValue.InvalidPasswordLengthError": (FATAL, "The password length does not meet the requirements"),
    "InvalidParameterValue.InvalidPasswordValueError": (
        FATAL,
        "The password must contain upper- and lower-case letters, digits and symbols and cannot start with /",
    ),
    "InvalidParameterValue.ParameterHandleError": (FATAL, "Failed to process the parameter"),
    "OperationDenied.CamDeniedError": (FATAL, "This operation cannot be performed (CAM denied)"),
    "ResourceNotFound.InstanceNotFoundError": (FATAL, "The instance does not exist"),
    # Listed by the SDK for this API.
    "FailedOperation.CheckAccountCAMCloseError": (
        FATAL,
        "The account uses CAM verification: its password is refreshed by RefreshAccountPassword, not reset",
    ),
    "FailedOperation.PreCheckError": (FATAL, "The pre-check of the operation failed"),
    "FailedOperation.InvalidAccountStatus": (
        RETRYABLE,
        "The account's status does not allow the operation. Judgement: accounts leave creating/modifying by themselves",
    ),
    "FailedOperation.OperateFrequencyLimitedError": (RETRYABLE, "Operations are too frequent"),
    "InvalidParameter.ParameterCheckError": (FATAL, "Parameter check failed"),
    "InvalidParameterValue.DecryptPasswordFailed": (FATAL, "The password could not be decrypted"),
    "InvalidParameterValue.InvalidAccountNameError": (FATAL, "The account name is not valid"),
    "InvalidParameterValue.InvalidAccountNameFormatError": (FATAL, "The account name format is not valid"),
    "OperationDenied.InstanceStatusLimitOpError": (
        RETRYABLE,
        "The instance's status does not allow the operation now. Judgement: restarts and upgrades end by themselves",
    ),
    "InvalidInstanceStatus": (RETRYABLE, "The instance's status does not allow the operation now (as above)"),
    "ResourceUnavailable.InvalidInstanceStatus": (
        RETRYABLE,
        "The instance's status does not allow the operation now (as above)",
    ),
}

COMMON: dict[str, Entry] = {
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
        "The temporary credentials' token is invalid or expired: refresh the key secret",
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

TENCENT_ERRORS = ErrorTable(provider=PROVIDER, codes={**COMMON, **RESET_ACCOUNT_PASSWORD}, families=FAMILIES)
