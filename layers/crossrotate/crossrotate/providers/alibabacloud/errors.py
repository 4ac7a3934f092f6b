"""Alibaba Cloud error codes → (retryable, documented meaning). The README's table is generated from this one.

Sources: the RDS ResetAccountPassword page (every code listed there, including the one whose code is a
placeholder, ``%s`` with "DB Operation Failed:%s."), the gateway's common codes, and the codes of the two
read calls testSecret makes. The documented HTTP status of a code differs between pages, so the code decides
and the status is only the last fallback. Judgement calls carry a "Judgement:" note in their reason.
"""

from __future__ import annotations

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable

PROVIDER = "alibabacloud-rds"

RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "Account.UpdateError": (
        FATAL,
        "Update Account failed: check the request parameters or the instance's parameter policy. Judgement: the "
        "instance's own password policy refusing the password does not change by retrying",
    ),
    "Database.ConnectError": (
        RETRYABLE,
        "Database connect error: check the instance status and its connection pool. Judgement: a full pool or "
        "a restarting instance clears by itself",
    ),
    "GdnRole.NotSupport": (FATAL, "The instance's GDN role does not support the operation"),
    "InvalidAccountPassword.Format": (FATAL, "The account password is not valid"),
    "IncorrectAccountStatus": (
        RETRYABLE,
        "The account's status does not support the operation. Judgement: accounts leave creating/modifying by "
        "themselves",
    ),
    "IncorrectDBInstanceType": (FATAL, "The instance type does not support the operation"),
    "IncorrectDBInstanceState": (
        RETRYABLE,
        "The instance is not running. Judgement: restarts, class changes and backups end by themselves; an "
        "instance that stays stopped surfaces as a persistent retryable failure",
    ),
    "IncorrectAccountType": (FATAL, "The account type does not support the operation"),
    "IncorrectDBInstanceCharacterType": (FATAL, "The instance's character type does not support the operation"),
    "IncorrectAccountPrivilegeType": (FATAL, "The account's privilege type does not support the operation"),
    "InvalidDBInstanceName.NotFound": (FATAL, "The instance does not exist"),
    "IncorrectDBInstanceLockMode": (
        FATAL,
        "The instance is locked. Judgement: locks for expiry, disk quota or by hand need someone to act",
    ),
    "InvalidAccountName.NotFound": (FATAL, "The account does not exist"),
    # Read by testSecret.
    "InvalidDBInstanceId.NotFound": (FATAL, "The instance does not exist"),
}

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
    "InvalidSecurityToken.Expired": (FATAL, "The STS token has expired: refresh the key secret"),
    "InvalidSecurityToken.Malformed": (FATAL, "The STS token is malformed"),
    "UnsupportedHTTPMethod": (FATAL, "The HTTP method is not supported"),
    "Throttling": (RETRYABLE, "Request was denied due to request throttling"),
    "Throttling.User": (RETRYABLE, "Request was denied due to user flow control"),
    "Throttling.Api": (RETRYABLE, "Request was denied due to API flow control"),
    "InternalError": (RETRYABLE, "An internal error occurred"),
    "ServiceUnavailable": (RETRYABLE, "The service is temporarily unavailable"),
    "UnknownError": (RETRYABLE, "An unknown server error occurred"),
}

MESSAGES: dict[str, Entry] = {
    "DB Operation Failed": (
        RETRYABLE,
        "DB Operation Failed:%s (documented with the code %s: the code is the database's own error). "
        "Judgement: usually a transient database condition; retried within the small in-invocation budget",
    ),
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

ALIBABA_ERRORS = ErrorTable(
    provider=PROVIDER, codes={**COMMON, **RESET_ACCOUNT_PASSWORD}, families=FAMILIES, messages=MESSAGES
)
