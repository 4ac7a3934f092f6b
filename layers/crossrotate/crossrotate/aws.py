"""AWS through boto3 (the only module that imports it): Secrets Manager, and STS's web identity tokens for
keyless access to the providers, and SQS for sweeps.

boto3 reads ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` and ``AWS_ENDPOINT_URL_SQS`` itself; ``AWS_ENDPOINT_URL_STS`` comes
from the settings. They point the clients at local stand-ins. Errors become RotationErrors classified by
:data:`SECRETS_MANAGER_ERRORS`, :data:`STS_ERRORS` and :data:`SQS_ERRORS`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from .errors import FATAL, RETRYABLE, ErrorTable, RotationError, own, transport_error
from .ports import CURRENT, PENDING, RotatedSecret, SecretMetadata, SecretValue
from .providers.answers import read_answer

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# botocore logs request parameters (SecretString included) at DEBUG: a DEBUG root logger must not show them.
for _name in ("boto3", "botocore", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

PROVIDER = "secretsmanager"
NOT_FOUND = "ResourceNotFoundException"
"""Asked for a version that is not there: an answer (None), not a failure."""
VERSION_EXISTS = "ResourceExistsException"
"""A token's version already holds data: another copy of the step stored the pending value first."""
SECRETS_MANAGER_ERRORS = ErrorTable(
    provider=PROVIDER,
    codes={
        NOT_FOUND: (FATAL, "the secret or version does not exist"),
        "InvalidParameterException": (FATAL, "a parameter value is not valid"),
        "InvalidRequestException": (FATAL, "the request is not valid for the secret's current state"),
        "AccessDeniedException": (FATAL, "the function's role may not do this"),
        "DecryptionFailure": (FATAL, "the KMS key cannot decrypt the secret"),
        "EncryptionFailure": (FATAL, "the KMS key cannot encrypt the secret"),
        "LimitExceededException": (FATAL, "too many versions or secrets"),
        "MalformedPolicyDocumentException": (FATAL, "the policy is not valid"),
        VERSION_EXISTS: (FATAL, "that version already holds different data"),
        "InternalServiceError": (RETRYABLE, "a server-side error"),
        "ThrottlingException": (RETRYABLE, "request rate exceeded"),
        "RequestLimitExceeded": (RETRYABLE, "request rate exceeded"),
    },
    families={},
)


STS_PROVIDER = "aws-sts"
AWS_SIDE = "Fix in AWS"
STS_ERRORS = ErrorTable(
    provider=STS_PROVIDER,
    codes={
        "OutboundWebIdentityFederationDisabledException": (
            FATAL,
            f"{AWS_SIDE}: an administrator enables outbound identity federation once per account "
            "(aws iam enable-outbound-web-identity-federation)",
        ),
        "AccessDenied": (
            FATAL,
            f"{AWS_SIDE}: the function's role may not call sts:GetWebIdentityToken with this audience, RS256 and 300 s "
            "(its policy's conditions, or an SCP/RCP)",
        ),
        "AccessDeniedException": (FATAL, f"{AWS_SIDE}: as AccessDenied"),
        "SessionDurationEscalationException": (
            FATAL,
            f"{AWS_SIDE}: the token would outlive the function's own role session",
        ),
        "JWTPayloadSizeExceededException": (FATAL, "the token's claims are too large: a defect (no tags are sent)"),
        "ValidationError": (FATAL, "a parameter breaks its constraint: check WEB_IDENTITY_AUDIENCE (1-1000 chars)"),
        "InvalidClientTokenId": (FATAL, f"{AWS_SIDE}: the function's own AWS credentials are not valid"),
        "SignatureDoesNotMatch": (FATAL, f"{AWS_SIDE}: the function's own AWS credentials are not valid"),
        "ExpiredToken": (FATAL, f"{AWS_SIDE}: the function's own AWS session has expired"),
        "RegionDisabledException": (FATAL, f"{AWS_SIDE}: STS is not activated in the function's region"),
        "Throttling": (RETRYABLE, "AWS STS rate exceeded"),
        "ThrottlingException": (RETRYABLE, "AWS STS rate exceeded"),
        "RequestLimitExceeded": (RETRYABLE, "AWS STS rate exceeded"),
        "InternalFailure": (RETRYABLE, "AWS STS failed on its side"),
        "ServiceUnavailable": (RETRYABLE, "AWS STS is unavailable for now"),
    },
    families={},
    advises=True,
)
MINIMUM_BOTOCORE = "1.41.0"
"""The first botocore whose STS model has GetWebIdentityToken (1.40.76's has not)."""


TRANSPORT_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (ReadTimeoutError, "Transport.Timeout"),
    (ConnectionError, "Transport.ConnectError"),
    (HTTPClientError, "Transport.ConnectionLost"),
)


def unqualified(function_arn: str) -> str:
    """A Lambda function ARN without its version or alias (``arn:…:function:name``)."""
    return ":".join(function_arn.split(":")[:7])


def _config(read_timeout: float, attempts: int) -> Config:
    """3 s to connect, ``read_timeout`` to read; botocore's ``attempts`` in all, so that the function's own
    backoff and deadline stay in charge."""
    return Config(
        connect_timeout=3, read_timeout=read_timeout, retries={"mode": "standard", "total_max_attempts": attempts}
    )


def _client() -> SecretsManagerClient:
    return boto3.client("secretsmanager", config=_config(10, 4))  # three retries, as botocore's max_attempts=3


class _MadeOnce:
    """A boto3 client made at its first use (a sandbox that never needs it never pays for it), once even when two
    threads ask at once; or the one given."""

    def __init__(self, make: Callable[[], Any], given: Any = None) -> None:
        self.make, self.client = make, given
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if self.client is None:
                self.client = self.make()
            return self.client


def _classified(error: Exception, table: ErrorTable = SECRETS_MANAGER_ERRORS) -> RotationError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Unknown")
        meta = error.response.get("ResponseMetadata", {})
        return table.error(
            code,
            error.response.get("Error", {}).get("Message", ""),
            request_id=meta.get("RequestId"),
            http_status=meta.get("HTTPStatusCode"),
        )
    if isinstance(error, ResponseParserError):  # an answer that is not AWS's XML or JSON
        return transport_error(table.provider, "Transport.BadResponse", "the answer could not be parsed")
    # Subclasses first: ReadTimeoutError is an HTTPClientError, ConnectTimeoutError a ConnectionError.
    for kind, code in TRANSPORT_FAILURES:
        if isinstance(error, kind):
            return transport_error(table.provider, code, type(error).__name__)
    return own("SecretsManagerClientError", f"boto3 could not make the call: {type(error).__name__}")


def _text(value: object) -> str:
    """A field the answer must give as a string; anything else is an answer of another shape."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _labels(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("not a list of labels")
    return tuple(_text(label) for label in value)


def _metadata(response: Mapping[str, Any]) -> SecretMetadata:
    """DescribeSecret's answer; one of another shape raises, for :func:`read_answer` to classify."""
    function = response.get("RotationLambdaARN")
    return SecretMetadata(
        name=_text(response["Name"]),
        rotation_enabled=bool(response.get("RotationEnabled")),
        rotation_lambda_arn=None if function is None else _text(function),
        versions={
            _text(version): _labels(stages) for version, stages in response.get("VersionIdsToStages", {}).items()
        },
    )


def _value(response: Mapping[str, Any]) -> SecretValue:
    """GetSecretValue's answer, as :func:`_metadata`."""
    secret_string = response.get("SecretString")
    return SecretValue(
        version_id=_text(response["VersionId"]),
        secret_string=None if secret_string is None else _text(secret_string),
        stages=_labels(response.get("VersionStages", [])),
    )


class SecretsManagerStore:
    """:class:`~crossrotate.ports.SecretStore` over boto3."""

    def __init__(self, client: SecretsManagerClient | None = None) -> None:
        self.client = client or _client()

    def _call(self, operation: str, **kwargs: Any) -> Mapping[str, Any]:
        """One call; botocore's own misreading of an odd answer (a JSON list where an object belongs) is a bad
        response too."""

        def call() -> Mapping[str, Any]:
            try:
                response: Mapping[str, Any] = getattr(self.client, operation)(**kwargs)
                return response
            except (ClientError, BotoCoreError, ResponseParserError) as error:
                raise _classified(error) from None

        return read_answer(PROVIDER, operation, call)

    def describe(self, secret_id: str) -> SecretMetadata:
        response = self._call("describe_secret", SecretId=secret_id)
        return read_answer(PROVIDER, "describe secret", lambda: _metadata(response))

    def get_value(
        self, secret_id: str, *, stage: str | None = None, version_id: str | None = None
    ) -> SecretValue | None:
        kwargs: dict[str, str] = {"SecretId": secret_id}
        if stage:
            kwargs["VersionStage"] = stage
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self._call("get_secret_value", **kwargs)
        except RotationError as error:
            if error.code == NOT_FOUND:
                return None
            raise
        return read_answer(PROVIDER, "secret value", lambda: _value(response))

    def put_pending(self, secret_id: str, token: str, secret_string: str, rotation_token: str | None) -> bool:
        kwargs = {
            "SecretId": secret_id,
            "ClientRequestToken": token,
            "SecretString": secret_string,
            "VersionStages": ["AWSPENDING"],
        }
        if rotation_token:
            kwargs["RotationToken"] = rotation_token
        try:
            self._call("put_secret_value", **kwargs)
        except RotationError as error:
            if error.code == VERSION_EXISTS:
                return False
            raise
        return True

    def rotate(self, secret_id: str, token: str) -> None:
        self._call("rotate_secret", SecretId=secret_id, ClientRequestToken=token, RotateImmediately=True)

    def rotated_by(self, function_arn: str) -> list[RotatedSecret]:
        return read_answer(PROVIDER, "list secrets", lambda: self._rotated_by(unqualified(function_arn)))

    def _rotated_by(self, wanted: str) -> list[RotatedSecret]:
        found = []
        try:
            for page in self.client.get_paginator("list_secrets").paginate():
                found += [
                    RotatedSecret(_text(s["ARN"]), bool(s.get("RotationEnabled")))
                    for s in page["SecretList"]
                    if unqualified(_text(s.get("RotationLambdaARN", ""))) == wanted
                ]
        except (ClientError, BotoCoreError, ResponseParserError) as error:
            raise _classified(error) from None
        return found

    def move_current(self, secret_id: str, to_version: str, from_version: str | None) -> None:
        kwargs = {"SecretId": secret_id, "VersionStage": CURRENT, "MoveToVersionId": to_version}
        if from_version:
            kwargs["RemoveFromVersionId"] = from_version
        self._call("update_secret_version_stage", **kwargs)

    def remove_pending(self, secret_id: str, version_id: str) -> None:
        self._call(
            "update_secret_version_stage", SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=version_id
        )


class WebIdentityTokens:
    """:class:`~crossrotate.ports.IdentityTokens` over boto3: ``GetWebIdentityToken`` at ``endpoint``, else the
    regional STS endpoint (the global one does not serve it); the client is made at the first call. botocore tries
    twice at most, so the function's own backoff and deadline stay in charge. The token is a credential: it is
    returned, never kept or logged."""

    def __init__(self, endpoint: str | None = None, client: Any = None) -> None:
        self.endpoint = endpoint
        self._sts = _MadeOnce(self._regional_client, client)

    def _regional_client(self) -> Any:
        region = boto3.session.Session().region_name or "us-east-1"
        suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
        endpoint = self.endpoint or f"https://sts.{region}{suffix}"
        return boto3.client("sts", region_name=region, endpoint_url=endpoint, config=_config(8, 2))

    def web_identity_token(self, audience: str, duration_seconds: int) -> str:
        client = self._sts()
        if not hasattr(client, "get_web_identity_token"):
            raise own(
                "FederationUnsupported",
                f"botocore {botocore.__version__} does not know sts:GetWebIdentityToken; keyless access needs the "
                f"Lambda runtime's boto3 at {MINIMUM_BOTOCORE} or later (the layer leaves boto3 to the runtime): use "
                "an API key secret for this cloud until the runtime's is",
            )

        def ask() -> Mapping[str, Any]:
            try:
                answer: Mapping[str, Any] = client.get_web_identity_token(
                    Audience=[audience], SigningAlgorithm="RS256", DurationSeconds=duration_seconds
                )
            except (ClientError, BotoCoreError, ResponseParserError) as error:
                raise _classified(error, STS_ERRORS) from None
            return answer

        response = read_answer(STS_PROVIDER, "web identity token", ask)  # botocore misreads odd XML, too
        token = response.get("WebIdentityToken")
        if not isinstance(token, str) or not token:
            raise transport_error(STS_PROVIDER, "Transport.BadResponse", "the answer has no WebIdentityToken")
        return token


SQS_PROVIDER = "sqs"
SQS_ERRORS = ErrorTable(
    provider=SQS_PROVIDER,
    codes={
        "AWS.SimpleQueueService.NonExistentQueue": (FATAL, "SWEEP_QUEUE_URL names no queue"),
        "QueueDoesNotExist": (FATAL, "SWEEP_QUEUE_URL names no queue"),
        "AccessDenied": (FATAL, "the function's role may not send to the sweep queue"),
        "AccessDeniedException": (FATAL, "the function's role may not send to the sweep queue"),
        "InvalidParameterValue": (FATAL, "a message is not valid: a defect"),
        "InvalidMessageContents": (FATAL, "a message is not valid: a defect"),
        "BatchRequestTooLong": (FATAL, "a batch is larger than 256 KiB: a defect"),
        "TooManyEntriesInBatchRequest": (FATAL, "more than 10 entries: a defect"),
        "KmsAccessDenied": (FATAL, "the queue's KMS key does not let the function encrypt"),
        "KmsDisabled": (FATAL, "the queue's KMS key is disabled"),
        "KmsThrottled": (RETRYABLE, "KMS throttled the queue's encryption"),
        "RequestThrottled": (RETRYABLE, "SQS rate exceeded"),
        "ThrottlingException": (RETRYABLE, "SQS rate exceeded"),
        "InternalError": (RETRYABLE, "SQS failed on its side"),
        "ServiceUnavailable": (RETRYABLE, "SQS is unavailable for now"),
    },
    families={},
)
ENTRY_ATTEMPTS = 3
"""Times an entry SQS refused for its own reasons (``SenderFault`` false) is sent again."""


class SqsSweepQueue:
    """:class:`~crossrotate.ports.SweepQueue` over boto3's ``SendMessageBatch``: only the entries SQS refused are
    sent again, never the batch (which would duplicate the accepted ones). ``AWS_ENDPOINT_URL_SQS`` points it at
    a local SQS."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._sqs = _MadeOnce(lambda: boto3.client("sqs", config=_config(8, 3)), client)

    def send_batch(self, bodies: list[str]) -> None:
        read_answer(SQS_PROVIDER, "send message batch", lambda: self._send_batch(bodies))

    def _send_batch(self, bodies: list[str]) -> None:
        entries = [{"Id": str(number), "MessageBody": body} for number, body in enumerate(bodies)]
        for _ in range(ENTRY_ATTEMPTS):
            try:
                response = self._sqs().send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except (ClientError, BotoCoreError, ResponseParserError) as error:
                raise _classified(error, SQS_ERRORS) from None
            failed = response.get("Failed") or []
            if not failed:
                return
            sender_faults = [entry for entry in failed if entry.get("SenderFault")]
            if sender_faults:
                first = sender_faults[0]
                raise SQS_ERRORS.error(str(first.get("Code", "InvalidParameterValue")), str(first.get("Message", "")))
            again = {entry["Id"] for entry in failed}
            entries = [entry for entry in entries if entry["Id"] in again]
        raise SQS_ERRORS.error("InternalError", f"{len(entries)} of {len(bodies)} messages were refused three times")
