"""Secrets Manager through boto3: the only module that imports it.

``AWS_ENDPOINT_URL_SECRETS_MANAGER`` (boto3's own setting) points it at a local Secrets Manager. Errors
become RotationErrors classified by :data:`SECRETS_MANAGER_ERRORS`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError, ReadTimeoutError

from .errors import FATAL, RETRYABLE, ErrorTable, RotationError, own, transport_error
from .ports import CURRENT, PENDING, RotatedSecret, SecretMetadata, SecretValue

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# botocore logs request parameters (SecretString included) at DEBUG: a DEBUG root logger must not show them.
for _name in ("boto3", "botocore", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

PROVIDER = "secretsmanager"
SECRETS_MANAGER_ERRORS = ErrorTable(
    provider=PROVIDER,
    codes={
        "ResourceNotFoundException": (FATAL, "the secret or version does not exist"),
        "InvalidParameterException": (FATAL, "a parameter value is not valid"),
        "InvalidRequestException": (FATAL, "the request is not valid for the secret's current state"),
        "AccessDeniedException": (FATAL, "the function's role may not do this"),
        "DecryptionFailure": (FATAL, "the KMS key cannot decrypt the secret"),
        "EncryptionFailure": (FATAL, "the KMS key cannot encrypt the secret"),
        "LimitExceededException": (FATAL, "too many versions or secrets"),
        "MalformedPolicyDocumentException": (FATAL, "the policy is not valid"),
        "ResourceExistsException": (FATAL, "that version already holds different data"),
        "InternalServiceError": (RETRYABLE, "a server-side error"),
        "ThrottlingException": (RETRYABLE, "request rate exceeded"),
        "RequestLimitExceeded": (RETRYABLE, "request rate exceeded"),
    },
    families={},
)


TRANSPORT_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (ReadTimeoutError, "Transport.Timeout"),
    (ConnectionError, "Transport.ConnectError"),
    (HTTPClientError, "Transport.ConnectionLost"),
)


def unqualified(function_arn: str) -> str:
    """A Lambda function ARN without its version or alias (``arn:…:function:name``)."""
    return ":".join(function_arn.split(":")[:7])


def _client() -> SecretsManagerClient:
    config = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("secretsmanager", config=config)


def _classified(error: Exception) -> RotationError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Unknown")
        meta = error.response.get("ResponseMetadata", {})
        return SECRETS_MANAGER_ERRORS.error(
            code,
            error.response.get("Error", {}).get("Message", ""),
            request_id=meta.get("RequestId"),
            http_status=meta.get("HTTPStatusCode"),
        )
    # Subclasses first: ReadTimeoutError is an HTTPClientError, ConnectTimeoutError a ConnectionError.
    for kind, code in TRANSPORT_FAILURES:
        if isinstance(error, kind):
            return transport_error(PROVIDER, code, type(error).__name__)
    return own("SecretsManagerClientError", f"boto3 could not make the call: {type(error).__name__}")


class SecretsManagerStore:
    """:class:`~crossrotate.ports.SecretStore` over boto3."""

    def __init__(self, client: SecretsManagerClient | None = None) -> None:
        self.client = client or _client()

    def _call(self, operation: str, **kwargs: Any) -> Mapping[str, Any]:
        try:
            response: Mapping[str, Any] = getattr(self.client, operation)(**kwargs)
            return response
        except (ClientError, BotoCoreError) as error:
            raise _classified(error) from None

    def describe(self, secret_id: str) -> SecretMetadata:
        response = self._call("describe_secret", SecretId=secret_id)
        return SecretMetadata(
            name=response["Name"],
            rotation_enabled=bool(response.get("RotationEnabled")),
            rotation_lambda_arn=response.get("RotationLambdaARN"),
            versions={version: tuple(stages) for version, stages in response.get("VersionIdsToStages", {}).items()},
        )

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
            if error.code == "ResourceNotFoundException":
                return None
            raise
        return SecretValue(
            version_id=response["VersionId"],
            secret_string=response.get("SecretString"),
            stages=tuple(response.get("VersionStages", ())),
        )

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
            if error.code == "ResourceExistsException":
                return False
            raise
        return True

    def rotate(self, secret_id: str, token: str) -> None:
        self._call("rotate_secret", SecretId=secret_id, ClientRequestToken=token, RotateImmediately=True)

    def rotated_by(self, function_arn: str) -> list[RotatedSecret]:
        wanted = unqualified(function_arn)
        found = []
        try:
            for page in self.client.get_paginator("list_secrets").paginate():
                found += [
                    RotatedSecret(s["ARN"], bool(s.get("RotationEnabled")))
                    for s in page["SecretList"]
                    if unqualified(s.get("RotationLambdaARN", "")) == wanted
                ]
        except (ClientError, BotoCoreError) as error:
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
