"""The one error tree of the rotation function, and the tables that decide which branch a code takes.

::

    RotationError                  any failure a caller sees: code, provider, request_id, retryable
    ├── RetryableRotationError     trying again later can succeed: throttling, provider outages, transport faults
    │   └── ActionIncomplete       an action failed retryably for some secrets, each failure already counted
    └── FatalRotationError         trying again cannot help: bad input, permissions, missing resources
        └── RotationTurnedOff      rotate on a secret an operator turned off: a sweep skips it, a named one fails

``code`` is the provider's error code (``InvalidParameterValue.AccountNotExistError``) or one of ours
(``InvalidSecret``, ``Transport.Timeout``, …: docs/errors.md lists them). ``provider`` is the name of the
provider whose API answered, ``secretsmanager``, or ``rotation`` (this function's own checks). ``request_id`` is the
provider's, when it sent one. ``retry_after`` is the provider's hint in seconds, when it sent one.
``unclassified`` marks a code that no table lists, decided by its family or HTTP status instead.

Messages name the code and the provider's message and never contain a credential: whoever builds an error
from a provider's words passes them through :func:`redact` with the secrets that request carried.

Adapters do not decide what is retryable: they look the code up in their provider's :class:`ErrorTable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

OWN = "rotation"


class RotationError(Exception):
    """A classified failure of a rotation step or action."""

    retryable: bool = False

    def __init__(
        self,
        code: str,
        message: str,
        *,
        provider: str = OWN,
        request_id: str | None = None,
        retry_after: float | None = None,
        unclassified: bool = False,
    ) -> None:
        self.code = code
        self.provider = provider
        self.request_id = request_id
        self.retry_after = retry_after
        self.unclassified = unclassified
        where = f" (request {request_id})" if request_id else ""
        super().__init__(f"{provider}: {code}: {message}{where}")

    def as_dict(self) -> dict[str, object]:
        """The fields a result document or a log line carries."""
        return {
            "code": self.code,
            "provider": self.provider,
            "request_id": self.request_id,
            "retryable": self.retryable,
            "message": str(self),
        }

    def log_fields(self) -> dict[str, object]:
        """What a log line says of the failure (``message`` is a reserved LogRecord name, so it is ``error``)."""
        fields = self.as_dict()
        fields["error"] = fields.pop("message")
        fields["unclassified"] = self.unclassified
        return fields


class RetryableRotationError(RotationError):
    """Trying again later can succeed."""

    retryable = True


class FatalRotationError(RotationError):
    """Trying again cannot help until someone changes something."""

    retryable = False


class ActionIncomplete(RetryableRotationError):
    """An action failed retryably for some of its secrets; each of those failures was logged and counted."""

    CODE = "ActionIncomplete"

    def __init__(self, message: str) -> None:
        super().__init__(self.CODE, message)


class RotationTurnedOff(FatalRotationError):
    """``rotate`` of a secret whose rotation an operator turned off (RotateSecret would silently turn it on)."""

    CODE = "RotationDisabled"

    def __init__(self, message: str) -> None:
        super().__init__(self.CODE, message)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced, so a provider echoing a parameter cannot leak it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class Classification(NamedTuple):
    """What a code means for the caller: may it be retried, and why (the documented meaning)."""

    retryable: bool
    reason: str
    unclassified: bool = False


Entry = tuple[bool, str]
RETRYABLE = True
FATAL = False


class ErrorTable(NamedTuple):
    """A provider's codes → (retryable, documented reason), with family and HTTP-status fallbacks.

    A code missing from ``codes`` is matched by the start of its message against ``messages`` (for documented
    errors whose code is a placeholder). Failing that it is decided, and marked unclassified, by its longest
    listed family prefix (``AuthFailure`` for ``AuthFailure.Anything``), then by HTTP status (429 and 5xx retry).
    A table that ``advises`` adds a listed code's reason to the message: the STS tables' reasons say which
    cloud's setup to fix.
    """

    provider: str
    codes: Mapping[str, Entry]
    families: Mapping[str, Entry]
    messages: Mapping[str, Entry] = MappingProxyType({})
    advises: bool = False

    def classify(self, code: str, http_status: int | None = None, message: str = "") -> Classification:
        if code in self.codes:
            retryable, reason = self.codes[code]
            return Classification(retryable, reason)
        for prefix, (retryable, reason) in self.messages.items():
            if message.startswith(prefix):
                return Classification(retryable, reason)
        parts = code.split(".")
        for end in range(len(parts) - 1, 0, -1):
            family = ".".join(parts[:end])
            if family in self.families:
                retryable, reason = self.families[family]
                return Classification(retryable, f"unlisted code of family {family}: {reason}", unclassified=True)
        if http_status is not None and (http_status == 429 or http_status >= 500):
            return Classification(RETRYABLE, f"unlisted code with HTTP {http_status}", unclassified=True)
        return Classification(FATAL, "unlisted code", unclassified=True)

    def error(
        self,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> RotationError:
        """The classified exception for a provider's error response."""
        verdict = self.classify(code, http_status, message)
        kind = RetryableRotationError if verdict.retryable else FatalRotationError
        if self.advises and not verdict.unclassified:
            message = f"{message} ({verdict.reason})" if message else verdict.reason
        return kind(
            code,
            message,
            provider=self.provider,
            request_id=request_id,
            retry_after=retry_after,
            unclassified=verdict.unclassified,
        )


TRANSPORT: Mapping[str, Entry] = {
    "Transport.ConnectError": (RETRYABLE, "the connection could not be opened; nothing was sent"),
    "Transport.Timeout": (
        RETRYABLE,
        "no answer in time; the request may have been applied, which is safe: resetting to the same pending "
        "password again is repeatable",
    ),
    "Transport.ConnectionLost": (RETRYABLE, "the connection broke before the answer; as for a timeout"),
    "Transport.BadResponse": (RETRYABLE, "the answer was not the provider's documented JSON"),
    "Transport.UntrustedCertificate": (
        FATAL,
        "the endpoint's TLS certificate is not trusted: a misconfigured endpoint or an interception; retrying "
        "cannot fix either",
    ),
}


OWN_CODES: Mapping[str, Entry] = {
    "InvalidEvent": (FATAL, "the event is not one the function accepts, or a field is missing or malformed"),
    "InvalidSecret": (
        FATAL,
        "the secret's JSON is malformed or misses a required key (a usernames that is not two distinct account "
        "names including username, too)",
    ),
    "UnknownProvider": (FATAL, "the secret's provider is not one this version rotates"),
    "InvalidConfiguration": (
        FATAL,
        "an environment variable (PASSWORD_LENGTH, *_ENDPOINT_URL, WEB_IDENTITY_AUDIENCE, *_ROLE_ARN) is not valid",
    ),
    "MissingCredentialsSecret": (FATAL, "the API key secret has no current value"),
    "NoProviderAccess": (
        FATAL,
        "neither an API key secret nor a role for keyless access is configured for the secret's cloud, or a role "
        "is set without its OIDC identity provider; the message names what to set",
    ),
    "FederationUnsupported": (
        FATAL,
        "keyless access: the Lambda runtime's boto3/botocore is older than 1.41.0 and does not know "
        "sts:GetWebIdentityToken (the layer leaves boto3 to the runtime): use an API key secret until it is newer",
    ),
    "InvalidCredentialsSecret": (FATAL, "the API key secret's JSON is malformed"),
    "RotationNotEnabled": (FATAL, "rotation is not enabled on the secret, or it has no rotation function"),
    "RotationDisabled": (
        FATAL,
        "rotate: an operator turned the secret's rotation off; a sweep skips it, a named rotate fails (RotateSecret "
        "would silently turn it back on)",
    ),
    "PendingAccountUnknown": (
        FATAL,
        "cancel: no labelled version names the account AWSPENDING was made for, so its password cannot be "
        "restored; AWSPENDING stays",
    ),
    "NotReached": (RETRYABLE, "an action's invocation ran out of time before it reached this secret"),
    "SweepIncomplete": (
        RETRYABLE,
        "a sweep's planner ran out of time before it queued every secret; the message says how far it got, and a "
        "retry queues them all again (safe: a rotate record's token comes from the secret and the sweep)",
    ),
    "InvalidToken": (FATAL, "the ClientRequestToken is not a version of the secret"),
    "NotPending": (FATAL, "the version is not AWSPENDING, or createSecret has not stored its value"),
    "InvalidPendingPassword": (FATAL, "AWSPENDING holds a password the provider's rules refuse"),
    "AccountNotFound": (FATAL, "the provider does not list the account"),
    "AccountNotUsable": (FATAL, "the account is locked or being deleted"),
    "AccountNotReady": (RETRYABLE, "the provider was still applying the change when time ran out"),
    "ResetNotApplied": (
        RETRYABLE,
        "the provider's reset task was still running when time ran out; the password is not in force yet, and "
        "a later setSecret sends the same one again",
    ),
    "LoginFailed": (RETRYABLE, "the database did not accept the pending password before the deadline"),
    "Database.Unreachable": (
        RETRYABLE,
        "the database could not be reached, lost the connection, answered what no database does, or failed the "
        "login for another reason",
    ),
    "Database.AccessRejected": (FATAL, "the database refused the connection itself (host not allowed, TLS required)"),
    "Database.UntrustedCertificate": (FATAL, "tls is verify-full and the database's certificate is not trusted"),
    "Database.TlsUnavailable": (FATAL, 'the database does not offer TLS: set "tls": "disable" to connect in plain'),
    "Database.PasswordNotChecked": (
        FATAL,
        "the database let the account in without asking for its password (trust authentication, or something else "
        "answering at host): such a login proves nothing, so no rotation can be tested there; make the server check "
        "passwords, or leave host out",
    ),
    "Database.CleartextRefused": (
        FATAL,
        "tls is require (the certificate is not verified) and the database asked for the password in clear text "
        '(PostgreSQL password, MySQL mysql_clear_password or dialog): use "tls": "verify-full" with tls_ca, or a '
        "hashed authentication method (SCRAM) on the server",
    ),
    "SecretNotFound": (FATAL, "verify: the secret does not exist, or has no AWSCURRENT version"),
    "RotationInProgress": (
        FATAL,
        "rotate: another rotation's AWSPENDING version is unfinished; reported, not retried (it would hit the same)",
    ),
    "CurrentPasswordRejected": (FATAL, "verify: the database does not accept AWSCURRENT's password"),
    "PreviousPasswordRejected": (
        FATAL,
        "verify, dual-account: the database does not accept AWSPREVIOUS's password for the other account, which "
        "clients that read the secret before the last rotation still use",
    ),
    "PrivilegesDiffer": (
        FATAL,
        "verify, dual-account: the provider reports different privileges for the two accounts; the message names "
        "what differs. Clients switch account at every rotation, so both must be able to do the same",
    ),
    "ActionIncomplete": (RETRYABLE, "an action failed retryably for some secrets; the result document lists them"),
    "SecretsManagerClientError": (FATAL, "boto3 could not make the call (e.g. no AWS credentials)"),
    "UnexpectedError": (FATAL, "a defect: an exception nobody classified; the log has its stack"),
}
"""This function's own codes, for the README and the tests: the class raised carries the same verdict."""


def is_retryable(code: str) -> bool:
    """Whether one of this function's own codes is retryable: :data:`OWN_CODES` says, and nothing else does."""
    retryable, _ = OWN_CODES[code]
    return retryable


def own(code: str, message: str) -> RotationError:
    """One of this function's own errors, of the class :data:`OWN_CODES` states for it."""
    return (RetryableRotationError if is_retryable(code) else FatalRotationError)(code, message)


def transport_error(provider: str, code: str, message: str) -> RotationError:
    """A transport failure, classified by :data:`TRANSPORT`."""
    retryable, _ = TRANSPORT[code]
    return (RetryableRotationError if retryable else FatalRotationError)(code, message, provider=provider)


def caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``error`` or an exception it was raised from or during is a ``kind`` (drivers wrap TLS errors)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
