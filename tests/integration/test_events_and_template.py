"""The ready-made payloads in events/ drive a rotation, and template.yaml locates the code the tests run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from cloudformation import load_template, resources_of
from conftest import AccountSetup

from localcloud.aws.secretsmanager import STEPS, LambdaContext, SecretsManagerDriver
from localcloud.tencentcloud.postgres import TencentPostgresEmulator

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_the_action_payloads_drive_the_handler(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    """verify.json, rotate.json, cancel.json and scheduler-rotate.json (placeholders filled as Scheduler fills
    them)."""
    from app import lambda_handler

    driver.rotate(tencent_secret.secret_id)
    arn = driver.sm.describe_secret(SecretId=tencent_secret.secret_id)["ARN"]

    def payload(name: str, **fill: str) -> dict[str, Any]:
        text = (ROOT / "events" / name).read_text()
        text = text.replace("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-AbCdEf", arn)
        for placeholder, value in fill.items():
            text = text.replace(f"<aws.scheduler.{placeholder}>", value)
        event: dict[str, Any] = json.loads(text)
        return event

    verified = lambda_handler(payload("verify.json"), LambdaContext())
    assert [r["outcome"] for r in verified["results"]] == ["verified"]
    started = lambda_handler(payload("rotate.json"), LambdaContext())
    assert [r["outcome"] for r in started["results"]] == ["started"]
    pending = driver.version_with(tencent_secret.secret_id, "AWSPENDING")
    cancelled = lambda_handler(payload("cancel.json"), LambdaContext())  # the rotation it started, ended
    assert [r["outcome"] for r in cancelled["results"]] == ["cancelled"]
    assert driver.versions(tencent_secret.secret_id)[pending] == []
    started = lambda_handler(payload("rotate.json"), LambdaContext(request_id="22222222-2222-4222-8222-222222222222"))
    assert [r["outcome"] for r in started["results"]] == ["started"]
    driver.run_started(tencent_secret.secret_id)
    scheduled = payload("scheduler-rotate.json", **{"execution-id": "exec-1", "scheduled-time": "2026-11-23T00:00:00Z"})
    assert [r["outcome"] for r in lambda_handler(scheduled, LambdaContext())["results"]] == ["started"]
    versions = driver.versions(tencent_secret.secret_id)
    lambda_handler(scheduled, LambdaContext())  # Scheduler redelivers: the same execution id
    assert driver.versions(tencent_secret.secret_id) == versions
    assert (
        tencent.password_of(tencent_secret.instance_id, tencent_secret.username)
        == driver.value(tencent_secret.secret_id)["password"]
    )


def test_the_step_payloads_rotate_a_secret(
    driver: SecretsManagerDriver, tencent: TencentPostgresEmulator, tencent_secret: AccountSetup
) -> None:
    from app import lambda_handler

    rotation = driver.start_rotation(tencent_secret.secret_id)
    for step in STEPS:
        event = json.loads((ROOT / "events" / f"{step}.json").read_text())
        assert event["Step"] == step
        lambda_handler({**event, "SecretId": rotation.secret_id, "ClientRequestToken": rotation.token}, LambdaContext())
    driver.complete(rotation)
    assert driver.version_with(tencent_secret.secret_id, "AWSCURRENT") == rotation.token
    password = driver.value(tencent_secret.secret_id)["password"]
    assert tencent.password_of(tencent_secret.instance_id, tencent_secret.username) == password


def test_the_function_handler_is_the_module_the_tests_import(template: dict[str, Any]) -> None:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    properties = function["Properties"]
    module_name, _, attribute = properties["Handler"].partition(".")
    path = ROOT / properties["CodeUri"] / f"{module_name}.py"
    spec = importlib.util.spec_from_file_location(f"template_{module_name}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(getattr(module, attribute))
    assert (properties["Runtime"], properties["Architectures"]) == ("python3.13", ["arm64"])


def test_the_layer_holds_the_library_and_its_requirements(template: dict[str, Any]) -> None:
    (layer,) = resources_of(template, "AWS::Serverless::LayerVersion")
    content = ROOT / layer["Properties"]["ContentUri"]
    assert (content / "crossrotate" / "protocol.py").is_file()
    requirements = (content / "requirements.txt").read_text()
    assert "httpx" in requirements
    assert "aws-lambda-powertools" in requirements
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-LibraryLayer:" in (content / "Makefile").read_text()


def test_only_secrets_manager_of_this_account_may_invoke(template: dict[str, Any]) -> None:
    (permission,) = resources_of(template, "AWS::Lambda::Permission")
    properties = permission["Properties"]
    assert properties["Principal"] == "secretsmanager.amazonaws.com"
    assert properties["SourceAccount"] == {"Ref": "AWS::AccountId"}


def _statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM statement, on both branches of each !If."""
    if isinstance(node, dict):
        if "If" in node:
            return [s for branch in node["If"][1:] for s in _statements(branch)]
        return [node] if "Effect" in node else []
    return [s for item in node for s in _statements(item)] if isinstance(node, list) else []


def _policy_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["RotationFunctionRole"]["Properties"]
    return _statements([p["PolicyDocument"]["Statement"] for p in role["Policies"]])


def _actions(statement: dict[str, Any]) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else list(statement["Action"])


def test_the_policy_names_only_the_actions_the_function_calls(template: dict[str, Any]) -> None:
    statements = _policy_statements(template)
    assert {a for s in statements for a in _actions(s)} == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:RotateSecret",
        "secretsmanager:ListSecrets",
        "lambda:InvokeFunction",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "sts:GetWebIdentityToken",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    }
    assert not [a for s in statements for a in _actions(s) if "*" in a]
    # The sweep's planner sends to, and its workers consume, the sweep queue and no other (the failed
    # invocations' queue is Lambda's on-failure destination, sent to by Lambda as the function).
    sqs = [
        s for s in statements if any(a.startswith("sqs:") for a in _actions(s)) and s["Sid"] != "SendFailedInvocations"
    ]
    assert {a for s in sqs for a in _actions(s)} == {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }
    assert [s["Resource"] for s in sqs] == [{"GetAtt": "SweepQueue.Arn"}] * len(sqs)
    assert all(a.startswith("sqs:") for s in sqs for a in _actions(s))
    rotate = next(s for s in statements if s.get("Sid") == "RotateSecretsThatNameThisFunction")
    assert "secretsmanager:resource/AllowRotationLambdaArn" in rotate["Condition"]["StringEquals"]
    everything = [s for s in statements if s["Resource"] == "*"]
    # None has resource-level permissions; which applies when: tests/template/test_template_iam.py.
    assert sorted(s["Sid"] for s in everything) == [
        "AttachToTheVpc",
        "FindSecretsToSweep",
        "MintWebIdentityTokensForTheProviders",
        "SendTraces",
    ]


def test_failed_async_invocations_land_in_a_queue(template: dict[str, Any]) -> None:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    config = function["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"GetAtt": "FailedInvocationsQueue.Arn"},
    }
    assert template["Resources"]["FailedInvocationsQueue"]["Type"] == "AWS::SQS::Queue"


def test_operations_settings(template: dict[str, Any]) -> None:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    properties = function["Properties"]
    assert properties["ReservedConcurrentExecutions"] == {
        "If": ["ReservesConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert properties["LoggingConfig"]["LogGroup"] == {"Ref": "RotationLogGroup"}
    assert template["Resources"]["RotationLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    schedule = properties["Events"]["ScheduledAction"]
    assert (schedule["Type"], "Input" in schedule["Properties"]) == ("Schedule", False)  # a bare Scheduled Event
    assert properties["Environment"]["Variables"]["SCHEDULED_ACTION"] == {"Ref": "ScheduledAction"}


def test_alarms_watch_each_failure_class_and_notify_the_topic(template: dict[str, Any]) -> None:
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]
        for a in alarms
        if a["Properties"].get("Namespace") == "crossrotate" and a["Properties"]["MetricName"] == "Failures"
    }
    assert watched == {"Fatal", "Retryable", "Unclassified"}
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    retryable = next(a for a in alarms if a["Properties"].get("Dimensions", [{}])[0].get("Value") == "Retryable")
    assert retryable["Properties"]["DatapointsToAlarm"] == retryable["Properties"]["EvaluationPeriods"] == 3


def test_the_example_rotation_schedule_waits_for_the_permission(template: dict[str, Any]) -> None:
    (schedule,) = resources_of(template, "AWS::SecretsManager::RotationSchedule")
    assert schedule["DependsOn"] == "SecretsManagerInvokePermission"
    assert schedule["Properties"]["RotationLambdaARN"] == {"GetAtt": "RotationFunction.Arn"}
    assert resources_of(template, "AWS::CloudWatch::Dashboard")
