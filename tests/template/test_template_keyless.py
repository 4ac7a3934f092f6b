"""Keyless federation in template.yaml and docs/keyless.md: the role may mint web identity tokens only for the
configured audience, RS256 and at most 300 s, and not at all when the parameter says Disabled; each parameter
reaches its environment variable; the role ARN every trust policy names is an output; the parameters' patterns
take the ARNs the docs show and refuse malformed ones, as the library does; and the setup page grants exactly the
actions the providers call.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cloudformation import ROOT, Stack, load_template, resources_of

from crossrotate import events
from crossrotate.registry import PROVIDERS

KEYLESS = ROOT / "docs" / "keyless.md"
NO_VALUE = {"Ref": "AWS::NoValue"}
ACTION = "sts:GetWebIdentityToken"
CONDITIONS = {
    "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": "crossrotate"},
    "StringEquals": {"sts:SigningAlgorithm": "RS256"},
    "NumericLessThanEquals": {"sts:DurationSeconds": 300},
}
VARIABLES = {
    "WEB_IDENTITY_AUDIENCE": "WebIdentityAudience",
    "TENCENTCLOUD_ROLE_ARN": "TencentCloudRoleArn",
    "TENCENTCLOUD_OIDC_PROVIDER_ID": "TencentCloudOidcProviderId",
    "ALIBABACLOUD_ROLE_ARN": "AlibabaCloudRoleArn",
    "ALIBABACLOUD_OIDC_PROVIDER_ARN": "AlibabaCloudOidcProviderArn",
    "HUAWEICLOUD_ROLE_ARN": "HuaweiCloudAgencyUrn",
    "HUAWEICLOUD_OIDC_PROVIDER_URN": "HuaweiCloudOidcProviderUrn",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _function(node: str) -> str:
    """``If`` for both ``!If`` (as the loader keeps it) and ``Fn::If``."""
    return node.removeprefix("Fn::")


def holds(condition: str, template: dict[str, Any], parameters: dict[str, Any]) -> bool:
    return decide(template["Conditions"][condition], template, parameters)


def decide(definition: Any, template: dict[str, Any], parameters: dict[str, Any]) -> bool:
    ((function, arguments),) = definition.items()
    function = _function(function)
    if function == "Condition":
        return holds(arguments, template, parameters)
    if function == "Equals":
        left, right = (resolve(a, template, parameters) for a in arguments)
        return bool(left == right)
    if function in ("Not", "And", "Or"):
        values = [decide(a, template, parameters) for a in arguments]
        return {"Not": lambda: not values[0], "And": lambda: all(values), "Or": lambda: any(values)}[function]()
    if function == "Join":
        separator, items = arguments
        return bool(separator.join(resolve(items, template, parameters)))
    raise AssertionError(f"the checker does not know {function}")


def resolve(node: Any, template: dict[str, Any], parameters: dict[str, Any]) -> Any:
    """``node`` with every If decided and every Ref of a parameter replaced, for one choice of parameters (the
    template's defaults, then ``parameters``)."""
    values = {name: p.get("Default") for name, p in template["Parameters"].items()} | parameters
    if isinstance(node, list):
        return [v for v in (resolve(item, template, values) for item in node) if v != NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1 and _function(next(iter(node))) == "If":
        condition, yes, no = next(iter(node.values()))
        return resolve(yes if holds(condition, template, values) else no, template, values)
    if set(node) == {"Ref"} and node["Ref"] in values:
        return values[node["Ref"]]
    resolved = {k: resolve(v, template, values) for k, v in node.items()}
    return {k: v for k, v in resolved.items() if v != NO_VALUE}


def function_of(template: dict[str, Any]) -> dict[str, Any]:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    properties: dict[str, Any] = function["Properties"]
    return properties


def statements(template: dict[str, Any], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    role = Stack(template, overrides=parameters).resources("AWS::IAM::Role")["RotationFunctionRole"]
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def pattern_of(template: dict[str, Any], parameter: str) -> str:
    pattern: str = template["Parameters"][parameter]["AllowedPattern"]
    return pattern


# The role policy


@pytest.mark.parametrize("audience", ["crossrotate", "sts.aliyuncs.com", "https://rotation.example.com/aud"])
def test_enabled_lets_the_role_mint_tokens_only_for_the_audience_rs256_and_300_seconds(
    template: dict[str, Any], audience: str
) -> None:
    granted = [
        s
        for s in statements(template, {"KeylessFederation": "Enabled", "WebIdentityAudience": audience})
        if ACTION in actions_of(s)
    ]
    assert len(granted) == 1
    (statement,) = granted
    assert actions_of(statement) == [ACTION]
    assert (statement["Effect"], statement["Resource"]) == ("Allow", "*")
    expected = {**CONDITIONS, "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": audience}}
    assert statement["Condition"] == expected


def test_the_audience_condition_follows_the_parameter_not_a_copy(template: dict[str, Any]) -> None:
    """Unresolved, the condition is the parameter itself: changing the audience cannot leave the policy behind."""
    policy = template["Resources"]["RotationFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    raw = [s for s in policy["Statement"] if isinstance(s, dict) and "If" in s]
    keyless = [s["If"] for s in raw if s["If"][0] == "KeylessOn"]
    assert len(keyless) == 1
    (condition, statement, otherwise) = keyless[0]
    assert otherwise == NO_VALUE
    audience = statement["Condition"]["ForAllValues:StringEquals"]["sts:IdentityTokenAudience"]
    assert audience == {"Ref": "WebIdentityAudience"}
    assert template["Conditions"][condition] == {"Equals": [{"Ref": "KeylessFederation"}, "Enabled"]}


def test_enabled_is_the_default(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["KeylessFederation"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("Enabled", ["Enabled", "Disabled"])
    assert any(ACTION in actions_of(s) for s in statements(template, {}))


def test_disabled_grants_no_web_identity_token_anywhere(template: dict[str, Any]) -> None:
    resources = resolve(template["Resources"], template, {"KeylessFederation": "Disabled"})
    assert ACTION not in json.dumps(resources)
    assert not [
        a for s in statements(template, {"KeylessFederation": "Disabled"}) for a in actions_of(s) if "sts:" in a
    ]


def test_the_keyless_statement_is_the_only_new_star_resource(template: dict[str, Any]) -> None:
    everything = [actions_of(s) for s in statements(template, {}) if s["Resource"] == "*"]
    assert sorted(everything) == [["secretsmanager:ListSecrets"], [ACTION]]


# Environment, outputs, parameters


def test_each_keyless_variable_is_its_parameter(template: dict[str, Any]) -> None:
    variables = function_of(template)["Environment"]["Variables"]
    assert {name: variables.get(name) for name in VARIABLES} == {n: {"Ref": p} for n, p in VARIABLES.items()}
    defaults = {p: template["Parameters"][p]["Default"] for p in VARIABLES.values()}
    assert defaults == {p: "crossrotate" if p == "WebIdentityAudience" else "" for p in VARIABLES.values()}
    assert "AWS_STS_REGIONAL_ENDPOINTS" not in variables  # boto3 >= 1.41 uses the regional endpoint by itself


def test_the_parameters_are_grouped_for_the_console(template: dict[str, Any]) -> None:
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [p for g in groups for p in g["Parameters"]]
    assert len(grouped) == len(set(grouped))
    assert set(grouped) <= set(template["Parameters"])
    (keyless,) = [g["Parameters"] for g in groups if "KeylessFederation" in g["Parameters"]]
    assert keyless == ["KeylessFederation", *VARIABLES.values()]


def test_the_role_every_trust_policy_names_is_an_output(template: dict[str, Any]) -> None:
    """The template declares the role (under the logical id SAM gave the role it used to generate, so an upgrade
    keeps its ARN), and the function runs as it."""
    assert function_of(template)["Role"] == {"GetAtt": "RotationFunctionRole.Arn"}
    assert template["Resources"]["RotationFunctionRole"]["Type"] == "AWS::IAM::Role"
    output = template["Outputs"]["RotationFunctionRoleArn"]
    assert output["Value"] == {"GetAtt": "RotationFunctionRole.Arn"}
    assert "sub" in output["Description"]


def test_vpc_functions_are_told_to_route_to_regional_sts(template: dict[str, Any]) -> None:
    assert "STS" in template["Parameters"]["VpcSubnetIds"]["Description"]
    assert "STS interface endpoint" in KEYLESS.read_text()


EXAMPLES = {
    "TencentCloudRoleArn": (
        [
            "",
            "qcs::cam::uin/100012345678:roleName/crossrotate",
            "qcs::cam::uin/100012345678:roleName/team.orders_rotator@prod",
            "qcs::cam::uin/100012345678:role/4611686018427397919",
        ],
        [
            "crossrotate",
            "qcs::cam::uin/:roleName/crossrotate",
            "qcs::cam::uin/1000abc:roleName/crossrotate",
            "qcs::cam::uin/100012345678:roleName/",
            "qcs::cam::uin/100012345678:roleName/has space",
            "qcs::cam::uin/100012345678:role/crossrotate",
            "acs:ram::1234567890123456:role/crossrotate",
            " qcs::cam::uin/100012345678:roleName/crossrotate",
            "qcs::cam::uin/100012345678:roleName/crossrotate\n",
            "qcs::cam::uin/100012345678:roleName/" + "r" * 129,
        ],
    ),
    "TencentCloudOidcProviderId": (
        ["", "aws-crossrotate", "aws_issuer.prod"],
        ["has space", "a/b", "x" * 129, "aws-crossrotate\n"],
    ),
    "AlibabaCloudRoleArn": (
        [
            "",
            "acs:ram::1234567890123456:role/crossrotate",
            "acs:ram::1234567890123456:role/crossrotate-orders",
        ],
        [
            "acs:ram:1234567890123456:role/crossrotate",
            "acs:ram::12345x:role/crossrotate",
            "acs:ram::1234567890123456:role/",
            "acs:ram::1234567890123456:role/has space",
            "acs:ram::1234567890123456:oidc-provider/aws-crossrotate",
            "acs:ram::1234567890123456:role/" + "r" * 65,
            "qcs::cam::uin/100012345678:roleName/crossrotate",
        ],
    ),
    "AlibabaCloudOidcProviderArn": (
        ["", "acs:ram::1234567890123456:oidc-provider/aws-crossrotate"],
        [
            "aws-crossrotate",
            "acs:ram::1234567890123456:role/crossrotate",
            "acs:ram::1234567890123456:oidc-provider/",
            "acs:ram::1234567890123456:oidc-provider/a b",
            "acs:ram::abc:oidc-provider/aws-crossrotate",
        ],
    ),
    "WebIdentityAudience": (
        ["crossrotate", "sts.aliyuncs.com", "https://rotation.example.com/aud", "a" * 1000],
        ["", "a" * 1001, "two words", "a,b", "-leading", 'quote"', "crossrotate\n"],
    ),
}


@pytest.mark.parametrize("parameter", sorted(EXAMPLES))
def test_the_patterns_take_good_values_and_refuse_malformed_ones(template: dict[str, Any], parameter: str) -> None:
    pattern = pattern_of(template, parameter)
    good, bad = EXAMPLES[parameter]
    assert [v for v in good if not re.fullmatch(pattern, v)] == []
    assert [v for v in bad if re.fullmatch(pattern, v)] == []
    assert re.fullmatch(pattern, template["Parameters"][parameter]["Default"])


@pytest.mark.parametrize("cloud", ["tencentcloud", "alibabacloud"])
def test_the_template_and_the_function_agree_on_what_a_role_and_provider_look_like(
    template: dict[str, Any], cloud: str
) -> None:
    """A value the stack accepts is one the function accepts (else: InvalidConfiguration at the first rotation)."""
    spec = next(s for s in PROVIDERS.values() if s.cloud.name == cloud)
    prefix = {"tencentcloud": "TencentCloud", "alibabacloud": "AlibabaCloud"}[cloud]
    provider_parameter = f"{prefix}OidcProviderId" if cloud == "tencentcloud" else f"{prefix}OidcProviderArn"
    for parameter, library in ((f"{prefix}RoleArn", spec.role_arn), (provider_parameter, spec.identity_provider)):
        pattern = pattern_of(template, parameter)
        candidates = [v for values in EXAMPLES.values() for group in values for v in group if v]
        disagreements = [v for v in candidates if bool(re.fullmatch(pattern, v)) != bool(library.fullmatch(v))]
        assert disagreements == [], parameter


# docs/keyless.md


def json_blocks() -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", KEYLESS.read_text(), re.DOTALL)]


def test_every_json_block_of_the_setup_page_parses() -> None:
    assert len(json_blocks()) >= 6


def test_the_setup_page_names_every_action_the_providers_call_and_the_three_condition_keys() -> None:
    text = KEYLESS.read_text()
    missing = {name: [a for a in spec.actions if f'"{a}"' not in text] for name, spec in PROVIDERS.items()}
    assert {name: actions for name, actions in missing.items() if actions} == {}
    for key in ("sts:IdentityTokenAudience", "sts:SigningAlgorithm", "sts:DurationSeconds"):
        assert key in text


def huawei(block: Any) -> bool:
    """A Huawei Cloud (IAM5) policy: ``"Version": "5.0"``."""
    return isinstance(block, dict) and block.get("Version") == "5.0"


def test_the_setup_pages_permission_policies_grant_exactly_what_each_cloud_calls() -> None:
    granted: dict[str, set[str]] = {"alibabacloud": set(), "tencentcloud": set(), "huaweicloud": set()}
    for block in json_blocks():
        if huawei(block):
            for statement in block["Statement"]:
                granted["huaweicloud"] |= set() if "Principal" in statement else set(actions_of(statement))
            continue
        for statement in block.get("Statement", []) if isinstance(block, dict) else []:
            if "Resource" in statement and "Principal" not in statement and "Condition" not in statement:
                granted["alibabacloud"] |= set(actions_of(statement))
        for statement in block.get("statement", []) if isinstance(block, dict) else []:
            if "principal" not in statement:
                action = statement["action"]
                granted["tencentcloud"] |= {action} if isinstance(action, str) else set(action)
    called = {cloud: {a for s in PROVIDERS.values() if s.cloud.name == cloud for a in s.actions} for cloud in granted}
    assert granted == called


def test_the_setup_pages_trust_policies_pin_issuer_audience_and_the_functions_role() -> None:
    trusts, huawei_trusts = [], []
    for block in json_blocks():
        if huawei(block):
            huawei_trusts += [statement for statement in block["Statement"] if "Principal" in statement]
            continue
        for statement in block.get("Statement", block.get("statement", [])) if isinstance(block, dict) else []:
            principal = statement.get("Principal", statement.get("principal"))
            if principal:
                trusts.append(statement)
    assert len(trusts) == 2
    alibaba, tencent = sorted(trusts, key=lambda s: "Principal" not in s)
    assert alibaba["Action"] == "sts:AssumeRole"
    assert re.fullmatch(r"acs:ram::[^:]+:oidc-provider/.+", alibaba["Principal"]["Federated"][0])
    assert tencent["action"] == "name/sts:AssumeRoleWithWebIdentity"
    assert re.fullmatch(r"qcs::cam::uin/[^:]+:oidc-provider/.+", tencent["principal"]["federated"][0])
    (agency,) = huawei_trusts
    assert agency["Action"] == ["sts:agencies:assumeWithOIDC"]
    assert re.fullmatch(r"iam::[^:]+:identity-provider:.+", agency["Principal"]["Identity_provider"][0])
    conditions_of_each = (
        alibaba["Condition"]["StringEquals"],
        tencent["condition"]["string_equal"],
        agency["Condition"]["StringEquals"],
    )
    for conditions in conditions_of_each:
        assert set(conditions) == {"oidc:iss", "oidc:aud", "oidc:sub"}
        sub = conditions["oidc:sub"]
        assert re.fullmatch(r"arn:aws:iam::\d{12}:role/.+", sub if isinstance(sub, str) else sub[0])


def test_the_setup_page_shows_the_policy_the_template_grants(template: dict[str, Any]) -> None:
    (shown,) = [b for b in json_blocks() if isinstance(b, dict) and b.get("Action") == ACTION]
    (granted,) = [s for s in statements(template, {}) if ACTION in actions_of(s)]
    assert shown == {k: v for k, v in granted.items() if k != "Sid"}
    assert shown["Condition"] == CONDITIONS


def test_the_setup_pages_arn_examples_fit_the_parameters(template: dict[str, Any]) -> None:
    text = KEYLESS.read_text()
    forms = {
        "TencentCloudRoleArn": r"qcs::cam::uin/\d+:roleName/[\w.@+=,-]+",
        "AlibabaCloudRoleArn": r"acs:ram::\d+:role/[\w.@-]+",
        "AlibabaCloudOidcProviderArn": r"acs:ram::\d+:oidc-provider/[\w.-]+",
    }
    for parameter, form in forms.items():
        examples = re.findall(form, text)
        assert examples, parameter
        assert [e for e in examples if not re.fullmatch(pattern_of(template, parameter), e)] == [], parameter


def test_the_setup_pages_payloads_are_events_the_function_accepts() -> None:
    payloads = re.findall(r"--payload '([^']+)'", KEYLESS.read_text())
    assert len(payloads) >= 2
    for payload in payloads:
        events.parse_event(json.loads(payload))
    assert {json.loads(p)["action"] for p in payloads} == {"verify"}
