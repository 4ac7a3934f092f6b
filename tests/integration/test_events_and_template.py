"""The ready-made payloads in events/ drive a rotation, and template.yaml locates the code the tests run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import AccountSetup

from emulators.secretsmanager import STEPS, LambdaContext, SecretsManagerDriver
from emulators.tencentcloud import TencentPostgresEmulator

ROOT = Path(__file__).parents[2]


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, …) kept as {"Fn": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {suffix: value}


CloudFormationLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=CloudFormationLoader)  # noqa: S506
    return document


def resources_of(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


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
    assert layer["Metadata"]["BuildMethod"] == "python3.13"


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


def test_the_policy_names_only_the_actions_the_steps_call(template: dict[str, Any]) -> None:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    statements = _statements([p["Statement"] for p in function["Properties"]["Policies"]])
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }
    rotate = next(s for s in statements if s.get("Sid") == "RotateSecretsThatNameThisFunction")
    assert "secretsmanager:resource/AllowRotationLambdaArn" in rotate["Condition"]["StringEquals"]
