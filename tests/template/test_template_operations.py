"""What an operator meets on day one and day two, held to the template: a deploy that works on a small account,
existing secrets the function may check (never change) before they are attached, grants for a secret's own API
key, and two stacks in one account and region that never see each other's metrics or events.
"""

from __future__ import annotations

from typing import Any

import pytest
from cloudformation import Stack, load_template

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def function_of(stack: Stack) -> dict[str, Any]:
    (function,) = stack.resources("AWS::Serverless::Function").values()
    return function


def statements(stack: Stack) -> dict[str, dict[str, Any]]:
    role = stack.resources("AWS::IAM::Role")["RotationFunctionRole"]
    return {s["Sid"]: s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]}


def test_the_default_reserves_no_concurrency_so_a_small_account_can_deploy(template: dict[str, Any]) -> None:
    """A new account's concurrency quota (10) leaves nothing to reserve: ReservedConcurrentExecutions 5 failed."""
    assert "ReservedConcurrentExecutions" not in function_of(Stack(template))
    reserved = Stack(template, overrides={"ReservedConcurrency": 20})
    assert function_of(reserved)["ReservedConcurrentExecutions"] == 20


def test_secrets_own_api_keys_are_granted_by_a_parameter(template: dict[str, Any]) -> None:
    assert "ReadSecretsOwnApiKeys" not in statements(Stack(template))
    keys = [ARN + "team-a-tencent-key", ARN + "team-b-alibaba-key"]
    granted = statements(Stack(template, overrides={"CredentialsSecretArns": ",".join(keys)}))
    statement = granted["ReadSecretsOwnApiKeys"]
    assert (statement["Action"], statement["Resource"]) == ("secretsmanager:GetSecretValue", keys)


def test_adopt_may_read_only_the_secrets_tagged_or_named_for_this_stack(template: dict[str, Any]) -> None:
    stack = Stack(template, name="payments")
    granted = statements(stack)
    tagged = granted["ReadSecretsTaggedForAdoption"]
    assert set(tagged["Action"]) == {"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}
    assert tagged["Condition"] == {"StringEquals": {"secretsmanager:ResourceTag/crossrotate:adopt": "payments"}}
    assert "ReadSecretsNamedForAdoption" not in granted
    named = statements(Stack(template, name="payments", overrides={"SecretNamePrefix": "prod/db/"}))
    statement = named["ReadSecretsNamedForAdoption"]
    assert set(statement["Action"]) == {"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}
    assert statement["Resource"] == ARN + "prod/db/*"


def rule_pattern(stack: Stack) -> dict[str, Any]:
    (rule,) = stack.resources("AWS::Events::Rule").values()
    pattern: dict[str, Any] = rule["EventPattern"]
    return pattern


def matches(pattern: dict[str, Any], secret_id: str) -> bool:
    """Whether EventBridge would match a RotationFailed event naming ``secret_id`` (the part this rule sets)."""
    wanted = pattern["detail"].get("additionalEventData", {}).get("SecretId")
    return wanted is None or any(secret_id.startswith(item["prefix"]) for item in wanted)


def test_two_stacks_with_their_own_prefixes_never_see_each_others_events_or_metrics(template: dict[str, Any]) -> None:
    one = Stack(template, name="team-one", overrides={"SecretNamePrefix": "one/"})
    two = Stack(template, name="team-two", overrides={"SecretNamePrefix": "two/"})
    for secret, owner in ((ARN + "one/orders-AbCdEf", one), (ARN + "two/billing-AbCdEf", two), ("one/x", one)):
        assert matches(rule_pattern(owner), secret)
        assert not matches(rule_pattern(two if owner is one else one), secret)
    for stack in (one, two):  # every alarm on the function's own metrics names its own stack's service
        for alarm in stack.resources("AWS::CloudWatch::Alarm").values():
            metrics = [alarm, *(m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m)]
            for metric in metrics:
                if metric.get("Namespace") == "crossrotate":
                    assert {"Name": "service", "Value": stack.name} in metric["Dimensions"]


def test_without_a_prefix_the_rule_covers_the_account(template: dict[str, Any]) -> None:
    pattern = rule_pattern(Stack(template))
    assert "additionalEventData" not in pattern["detail"]
    assert matches(pattern, ARN + "anything")
