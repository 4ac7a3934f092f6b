"""The gateway's common error codes → (retryable, documented meaning) every Alibaba Cloud OpenAPI (RPC) product
shares, under each provider's own table. The documented HTTP status of a code differs between pages, so the code
decides and the status is only the last fallback. Judgement calls carry a "Judgement:" note.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable

EXPIRED_SESSION = "InvalidSecurityToken.Expired"
"""What the cloud's services answer to a temporary credential whose token expired: renewed once, then final."""

COMMON: dict[str, Entry] = {
    "MissingParameter": (FATAL, "A required parameter is missing"),
    "InvalidParameter": (FATAL, "A parameter is not valid"),
    "UnsupportedOperation": (FATAL, "The operation is not supported"),
    "IncompleteSignature": (FATAL, "The signature is incomplete"),
    "IllegalTimestamp": (FATAL, "The timestamp is not in the documented format"),
    "InvalidTimeStamp.Expired": (
        RETRYABLE,
        "The timestamp is outside the accepted window (clock skew). Judgement: every attempt is signed anew "
        "with the current time",
    ),
    "SignatureNonceUsed": (
        RETRYABLE,
        "The signature nonce was used before. Judgement: every attempt carries a new nonce, so a replay seen by "
        "the gateway (a retried request) is not repeated",
    ),
    "SignatureDoesNotMatch": (FATAL, "The signature does not match: wrong AccessKey secret"),
    "InvalidAccessKeyId.NotFound": (FATAL, "The AccessKey ID does not exist"),
    "InvalidAccessKeyId.Inactive": (FATAL, "The AccessKey is disabled"),
    "Forbidden.AccessKeyDisabled": (FATAL, "The AccessKey is disabled"),
    "Forbidden.RAM": (FATAL, "The RAM policy does not allow the action"),
    "Forbidden": (FATAL, "The caller may not perform the action"),
    "Forbidden.RiskControl": (FATAL, "Blocked by risk control"),
    "InvalidSecurityToken.Expired": (
        FATAL,
        "The STS token has expired. Keyless access renews the credentials once before this is final; an "
        "AccessKey secret's token must be refreshed in the secret",
    ),
    "InvalidSecurityToken.Malformed": (FATAL, "The STS token is malformed"),
    "InvalidSecurityToken.MismatchWithAccessKey": (FATAL, "The STS token does not belong to the AccessKey ID"),
    "UnsupportedHTTPMethod": (FATAL, "The HTTP method is not supported"),
    "Throttling": (RETRYABLE, "Request was denied due to request throttling"),
    "Throttling.User": (RETRYABLE, "Request was denied due to user flow control"),
    "Throttling.Api": (RETRYABLE, "Request was denied due to API flow control"),
    "InternalError": (RETRYABLE, "An internal error occurred"),
    "ServiceUnavailable": (RETRYABLE, "The service is temporarily unavailable"),
    "UnknownError": (RETRYABLE, "An unknown server error occurred"),
}

FAMILIES: dict[str, Entry] = {
    "Throttling": (RETRYABLE, "throttled"),
    "Forbidden": (FATAL, "not allowed"),
    "InvalidAccessKeyId": (FATAL, "the AccessKey is not usable"),
    "InvalidSecurityToken": (FATAL, "the STS token is not usable"),
    "InternalError": (RETRYABLE, "server-side error"),
    "ServiceUnavailable": (RETRYABLE, "the service is unavailable for now"),
    "InvalidParameter": (FATAL, "a parameter is not valid"),
    "MissingParameter": (FATAL, "a parameter is missing"),
    "InvalidDBInstanceId": (FATAL, "the instance id is not valid"),
    "InvalidDBInstanceName": (FATAL, "the instance is not valid"),
    "InvalidAccountName": (FATAL, "the account name is not valid"),
    "InvalidAccountPassword": (FATAL, "the password is not valid"),
}


def error_table(provider: str, codes: Mapping[str, Entry], messages: Mapping[str, Entry] | None = None) -> ErrorTable:
    """An Alibaba provider's table: its own codes over the gateway's common ones, with the families as fallback."""
    return ErrorTable(provider=provider, codes={**COMMON, **codes}, families=FAMILIES, messages=messages or {})
