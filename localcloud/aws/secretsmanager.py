"""A local Secrets Manager (moto's server, a real HTTP endpoint) and a driver that plays the service's part in a
rotation: it starts the rotation, invokes the steps in order, and removes AWSPENDING when they are done.

moto differs from AWS in rules this project relies on, so :func:`start_secrets_manager` restores them:

- AWS refuses a ``PutSecretValue`` that would change the data of a version that already has data
  (``ResourceExistsException``), AWSPENDING or not; moto 5.2 lets an AWSPENDING version be overwritten.
- ``RotateSecret`` without ``RotationLambdaARN`` keeps the configured function (moto forgets it and "rotates"
  by copying the value), refuses while another version is still AWSPENDING ("A previous rotation isn't
  complete"; moto overwrites it), and returns the new version id while it invokes the function
  asynchronously (moto raises when it cannot invoke it). Here the driver plays that invoker.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.secretsmanager import models as moto_models
from moto.secretsmanager.exceptions import InvalidRequestException, ResourceExistsException, ResourceNotFoundException
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:crossrotate-rotator"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")

_original_check = moto_models.SecretsManagerBackend._check_with_existing_secrets_and_versions


def _aws_version_rule(self: Any, secret_name: str, client_request_token: str | None, *args: Any, **kwargs: Any) -> Any:
    secret = self.secrets.get(secret_name)
    version = secret.versions.get(client_request_token) if secret is not None and client_request_token else None
    if version is not None and (version.get("secret_string") is not None or version.get("secret_binary") is not None):
        secret_string, secret_binary = args[0], args[1]
        if (version.get("secret_string"), version.get("secret_binary")) != (secret_string, secret_binary):
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {client_request_token} because that value is already in use "
                f"for a version of secret {secret.arn}."
            )
    return _original_check(self, secret_name, client_request_token, *args, **kwargs)


_original_rotate = moto_models.SecretsManagerBackend.rotate_secret


def _aws_rotate(
    self: Any,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    if self._is_valid_identifier(secret_id):
        secret = self.secrets[secret_id]
        for version in secret.versions.values():
            stages = version["version_stages"]
            if "AWSPENDING" in stages and "AWSCURRENT" in stages:
                stages.remove("AWSPENDING")  # AWS removes it when a rotation completes
            elif "AWSPENDING" in stages:
                raise InvalidRequestException("A previous rotation isn't complete. That rotation will be continued.")
        rotation_lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn or None
    try:
        return str(
            _original_rotate(
                self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately
            )
        )
    except ResourceNotFoundException as error:
        if "Resource not found for ARN" not in str(error):
            raise
    secret = self.secrets[secret_id]
    if rotation_rules and "ScheduleExpression" in rotation_rules:
        secret.rotation_enabled = True  # moto turns rotation on for AutomaticallyAfterDays only
    pending = next(v for v, d in secret.versions.items() if "AWSPENDING" in d["version_stages"])
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "VersionId": pending})


class AwsCall(NamedTuple):
    service: str
    """The ``X-Amz-Target`` prefix: ``secretsmanager``, ``AmazonSQS``."""
    operation: str
    params: dict[str, Any]


class _PromptRequestHandler(MotoRequestHandler):
    disable_nagle_algorithm = True  # as the emulators: a body written after its headers is not held back 40 ms


class RecordingMotoServer(ThreadedMotoServer):
    """moto's server, keeping every JSON-protocol call it is sent (Secrets Manager, SQS) in :attr:`calls`: counted
    at the boundary, so the process making the calls carries no instrument (`make bench` times those processes,
    and holds the floor's calls to the function's)."""

    def __init__(self, ip_address: str, port: int) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.calls: list[AwsCall] = []

    def _server_entry(self) -> None:  # ThreadedMotoServer's, with the app wrapped
        app = DomainDispatcherApplication(create_backend_app)

        def recording(environ: dict[str, Any], start_response: Any) -> Any:
            target = environ.get("HTTP_X_AMZ_TARGET")
            if target:
                body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = io.BytesIO(body)
                service, _, operation = target.partition(".")
                self.calls.append(AwsCall(service, operation, json.loads(body or b"{}")))
            return app(environ, start_response)

        self._server = make_server(self._ip_address, self._port, recording, True, request_handler=_PromptRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


def start_secrets_manager() -> RecordingMotoServer:
    """moto's server on a free loopback port, with AWS's version rule, its SQS receiving in linear time, and the
    environment pointed at it."""
    moto_models.SecretsManagerBackend._check_with_existing_secrets_and_versions = _aws_version_rule  # type: ignore[method-assign]
    moto_models.SecretsManagerBackend.rotate_secret = _aws_rotate  # type: ignore[method-assign]
    from .sqs import receives_in_linear_time  # the same server holds the sweep queues

    receives_in_linear_time()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = RecordingMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://{host}:{port}",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    return server


def client() -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


class LambdaContext:
    """What the Lambda runtime passes as ``context``: Powertools reads these fields."""

    function_name = "crossrotate-rotator"
    function_version = "$LATEST"
    invoked_function_arn = FUNCTION_ARN
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/crossrotate-rotator"
    log_stream_name = "local"

    def __init__(
        self, budget_ms: int = 60_000, function_arn: str = FUNCTION_ARN, request_id: str | None = None
    ) -> None:
        self.budget_ms = budget_ms
        self.invoked_function_arn = function_arn
        self.aws_request_id = request_id or self.aws_request_id

    def get_remaining_time_in_millis(self) -> int:
        return self.budget_ms


@dataclass
class Rotation:
    secret_id: str
    token: str


class SecretsManagerDriver:
    """Does what the service does around a rotation function, against the local Secrets Manager."""

    def __init__(self, invoke: Callable[[dict[str, Any]], Any]) -> None:
        self.invoke = invoke
        self.sm = client()

    def create_secret(self, name: str, document: dict[str, Any]) -> str:
        arn: str = self.sm.create_secret(Name=name, SecretString=json.dumps(document))["ARN"]
        return arn

    def start_rotation(self, secret_id: str) -> Rotation:
        """Enable rotation and create the AWSPENDING version with no value, as the service does before createSecret.

        moto's RotateSecret leaves exactly that state behind when it does not know the function, then raises.
        When an earlier rotation did not finish, the service refuses a new one and continues that one instead.
        """
        try:
            self.sm.rotate_secret(
                SecretId=secret_id, RotationLambdaARN=FUNCTION_ARN, RotationRules={"AutomaticallyAfterDays": 30}
            )
        except self.sm.exceptions.ResourceNotFoundException:
            pass
        except self.sm.exceptions.InvalidRequestException as error:
            if "will be continued" not in str(error):
                raise
        return Rotation(secret_id, self.version_with(secret_id, "AWSPENDING"))

    def step(self, rotation: Rotation, step: str, rotation_token: str | None = None) -> Any:
        event = {"Step": step, "SecretId": rotation.secret_id, "ClientRequestToken": rotation.token}
        if rotation_token:
            event["RotationToken"] = rotation_token
        return self.invoke(event)

    def attach(self, secret_id: str, function_arn: str, schedule: str) -> None:
        """``RotateSecret --no-rotate-immediately`` as the service runs it: rotation configured, then testSecret
        alone, on an AWSPENDING copy of the current value (moto makes it), whose label goes afterwards."""
        self.sm.rotate_secret(
            SecretId=secret_id,
            RotationLambdaARN=function_arn,
            RotationRules={"ScheduleExpression": schedule},
            RotateImmediately=False,
        )
        pending = self.version_with(secret_id, "AWSPENDING")
        try:
            self.step(Rotation(secret_id, pending), "testSecret")
        finally:
            self.sm.update_secret_version_stage(
                SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=pending
            )

    def run_started(self, secret_id: str) -> Rotation:
        """What the service does after RotateSecret: invoke the four steps for the AWSPENDING version."""
        rotation = Rotation(secret_id, self.version_with(secret_id, "AWSPENDING"))
        for step in STEPS:
            self.step(rotation, step)
        self.complete(rotation)
        return rotation

    def complete(self, rotation: Rotation) -> None:
        """After finishSecret succeeded the service removes AWSPENDING (moto does not)."""
        self.sm.update_secret_version_stage(
            SecretId=rotation.secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=rotation.token
        )

    def rotate(self, secret_id: str) -> Rotation:
        rotation = self.start_rotation(secret_id)
        for step in STEPS:
            self.step(rotation, step)
        self.complete(rotation)
        return rotation

    def version_with(self, secret_id: str, stage: str) -> str:
        stages = self.sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
        return str(next(version for version, labels in stages.items() if stage in labels))

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            self.sm.get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]
        )
        return document

    def versions(self, secret_id: str) -> dict[str, list[str]]:
        stages: dict[str, list[str]] = self.sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
        return stages
