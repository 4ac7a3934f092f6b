"""The function's role is what docs/operate.md says, as SAM really deploys it: the template is translated with
samtranslator (the SAM CLI's and CloudFormation's own transform), and for every combination of the parameters that
change the role, every statement on ``*`` must be a row of the docs' table whose condition holds, and every row
that holds must be there. SAM attaches managed policies on its own (``AWSXrayWriteOnlyAccess`` for any
``Tracing``, even an ``!If`` that says no): none may appear.

The function's name fits Lambda's 64 characters for any stack name, and the role's conditions name that function.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode_str
from cloudformation import ROOT, Stack
from samtranslator.translator.transform import transform

OPERATE = ROOT / "docs" / "operate.md"
CHOICES = {
    "KeylessFederation": ("Disabled", "Enabled"),
    "EnableTracing": ("false", "true"),
    "VpcSubnetIds": ("", "subnet-0abc,subnet-0def"),
    "TencentCredentialsSecretArn": ("", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tencent-key"),
}
"""The parameters that change what the role may do, with a value that turns each off and one that turns it on."""


class NoManagedPolicies:
    """samtranslator's managed-policy lookup (it would ask IAM): the names SAM may attach, with their ARNs."""

    def load(self) -> dict[str, str]:
        names = ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSXrayWriteOnlyAccess")
        return {name: f"arn:aws:iam::aws:policy/{name}" for name in names}


def translate(text: str) -> dict[str, Any]:
    """template.yaml as CloudFormation gets it after the SAM transform."""
    template, problems = decode_str(text)
    assert not problems
    document = json.loads(json.dumps(template))
    document["Resources"]["RotationFunction"]["Properties"]["CodeUri"] = "s3://bucket/function.zip"
    document["Resources"]["LibraryLayer"]["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        patch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
        translated: dict[str, Any] = transform(document, {}, NoManagedPolicies())
    return translated


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate((ROOT / "template.yaml").read_text())


def documented_star_actions() -> list[tuple[set[str], str]]:
    """The docs' table: (actions on ``*``, when) per row."""
    text = OPERATE.read_text()
    table = text[text.index("| actions on `*` | when |") :].split("\n\n")[0]
    rows = []
    for line in table.splitlines()[2:]:
        actions, when = line.strip("|").split(" | ", 1)
        rows.append((set(re.findall(r"`([^`]+)`", actions)), when.strip()))
    return rows


def holds(when: str, parameters: dict[str, str]) -> bool:
    """Whether a row's condition (``always``, ```Name: value```, ```Name` set``) holds for ``parameters``."""
    if when.startswith("always"):
        return True
    setting = re.match(r"`(\w+): ([^`]+)`", when)
    if setting:
        return parameters[setting[1]] == setting[2]
    named = re.match(r"`(\w+)` set", when)
    assert named, f"a condition this test cannot read: {when}"
    return parameters[named[1]] != ""


def star_actions(role: dict[str, Any]) -> set[str]:
    found = set()
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if "*" in resources:
                actions = statement["Action"]
                found |= set(actions if isinstance(actions, list) else [actions])
    return found


COMBINATIONS = [dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())]


@pytest.mark.parametrize("parameters", COMBINATIONS, ids=lambda p: "-".join(f"{k}={v[:8]}" for k, v in p.items()))
def test_every_star_resource_is_a_documented_row_whose_condition_holds(
    translated: dict[str, Any], parameters: dict[str, str]
) -> None:
    stack = Stack(translated, overrides=parameters)
    roles = stack.resources("AWS::IAM::Role")
    assert list(roles) == ["RotationFunctionRole"]  # SAM made none of its own
    role = roles["RotationFunctionRole"]
    assert role.get("ManagedPolicyArns", []) == []
    expected = set().union(*(actions for actions, when in documented_star_actions() if holds(when, parameters)))
    assert star_actions(role) == expected


def test_the_table_covers_every_statement_on_star_in_the_template(translated: dict[str, Any]) -> None:
    everything = {name: CHOICES[name][1] for name in CHOICES}
    documented = set().union(*(actions for actions, _ in documented_star_actions()))
    assert star_actions(
        Stack(translated, overrides=everything).resources("AWS::IAM::Role")["RotationFunctionRole"]
    ) == (documented)


def test_the_check_catches_a_managed_policy_sam_would_attach() -> None:
    """What the stack had: SAM's own role, with both managed policies whatever the parameters said."""
    text = (ROOT / "template.yaml").read_text()
    template, _ = decode_str(text)
    function = template["Resources"]["RotationFunction"]["Properties"]
    function.pop("Role")
    function["Policies"] = [
        {"Statement": [{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}]}
    ]
    del template["Resources"]["RotationFunctionRole"]
    sam_role = Stack(translate(yaml.safe_dump(json.loads(json.dumps(template)))))
    role = sam_role.resources("AWS::IAM::Role")["RotationFunctionRole"]
    attached = {arn.rsplit("/", 1)[1] for arn in role["ManagedPolicyArns"]}  # tracing off, no VPC: the defaults
    assert {"AWSXrayWriteOnlyAccess", "AWSLambdaVPCAccessExecutionRole"} <= attached


def function_arn_conditions(stack: Stack) -> tuple[str, set[str]]:
    """The function's name, and every function ARN its role's statements name."""
    (function,) = stack.resources("AWS::Lambda::Function").values()
    named = set()
    for policy in stack.resources("AWS::IAM::Role")["RotationFunctionRole"]["Policies"]:
        text = json.dumps(policy)
        named |= set(re.findall(r"arn:aws:lambda:eu-west-1:123456789012:function:([^\"]+)", text))
    return function["FunctionName"], named


@pytest.mark.parametrize(
    ("stack_name", "function_name", "expected"),
    [
        ("crossrotate", "", "crossrotate-rotator"),
        ("s" * 56, "", "s" * 56 + "-rotator"),
        ("a-stack-name-of-sixty-characters-for-a-team-s-many-projects", "team-rotator", "team-rotator"),
    ],
)
def test_the_function_name_fits_and_the_role_names_that_function(
    translated: dict[str, Any], stack_name: str, function_name: str, expected: str
) -> None:
    stack = Stack(translated, name=stack_name, overrides={"FunctionName": function_name})
    name, named = function_arn_conditions(stack)
    assert name == expected
    assert len(name) <= 64
    assert named == {expected}


def test_a_function_name_over_64_characters_is_refused_by_the_parameter(translated: dict[str, Any]) -> None:
    pattern = re.compile(translated["Parameters"]["FunctionName"]["AllowedPattern"])
    assert pattern.fullmatch("team-rotator")
    assert pattern.fullmatch("")
    assert not pattern.fullmatch("x" * 65)
    assert not pattern.fullmatch("has space")
