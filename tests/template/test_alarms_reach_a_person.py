"""Every alarm and every rotation-outcome rule can deliver: it publishes to a topic whose encryption key (if any)
lets that publisher use it, and whose policy (if any) lets it publish, under every value of the encryption
parameter. The checker is shown to refuse the shapes that never deliver (the AWS managed SNS key, a policy that
forgets a publisher), and each alarm links to an entry of the runbook that exists.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cloudformation import ROOT, load_template, resources_of

from crossrotate import events, metrics

CLOUDWATCH, EVENTBRIDGE = "cloudwatch.amazonaws.com", "events.amazonaws.com"
ENCRYPTION_CHOICES = ("customer-managed-key", "none")
OPERATE = ROOT / "docs" / "operate.md"
NO_VALUE = {"Ref": "AWS::NoValue"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resolve(node: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """``node`` with every !If decided and !Ref of a parameter replaced, for one choice of parameters."""
    if isinstance(node, list):
        return [v for v in (resolve(item, template, parameters) for item in node) if v != NO_VALUE]
    if not isinstance(node, dict):
        return node
    if set(node) == {"If"}:
        condition, yes, no = node["If"]
        return resolve(yes if holds(condition, template, parameters) else no, template, parameters)
    if set(node) == {"Ref"} and node["Ref"] in parameters:
        return parameters[node["Ref"]]
    resolved = {k: resolve(v, template, parameters) for k, v in node.items()}
    return {k: v for k, v in resolved.items() if v != NO_VALUE}


def holds(condition: str, template: dict[str, Any], parameters: dict[str, str]) -> bool:
    definition = template["Conditions"][condition]
    ((function, arguments),) = definition.items()
    if function == "Equals":
        left, right = (resolve(a, template, parameters) for a in arguments)
        return bool(left == right)
    raise AssertionError(f"the checker does not know {function} (condition {condition})")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def admits(statements: list[dict[str, Any]], service: str, needed: set[str]) -> bool:
    """Whether one Allow statement lets ``service`` perform every action in ``needed`` (wildcards honoured)."""
    for statement in statements:
        principal = statement.get("Principal", {})
        services = as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if statement.get("Effect") != "Allow" or service not in services:
            continue
        granted = [re.compile(re.escape(a).replace(r"\*", ".*") + "$") for a in as_list(statement["Action"])]
        if all(any(g.match(action) for g in granted) for action in needed):
            return True
    return False


def delivery_problems(
    template: dict[str, Any], topic_ref: Any, publisher: str, parameters: dict[str, str]
) -> list[str]:
    """Why ``publisher`` could not publish to the topic ``topic_ref`` names (nothing: it can)."""
    if not (isinstance(topic_ref, dict) and set(topic_ref) == {"Ref"}):
        return [f"{topic_ref} is not a topic of this stack"]
    name = topic_ref["Ref"]
    topic = template["Resources"].get(name, {})
    if topic.get("Type") != "AWS::SNS::Topic":
        return [f"{name} is not an SNS topic"]
    problems = []
    key = resolve(topic["Properties"], template, parameters).get("KmsMasterKeyId")
    if key is not None:
        key_resource = template["Resources"].get(key.get("Ref")) if isinstance(key, dict) else None
        if key_resource is None or key_resource["Type"] != "AWS::KMS::Key":
            problems.append(f"{name} is encrypted with {key}, whose policy this stack cannot grant to {publisher}")
        else:
            policy = resolve(key_resource["Properties"]["KeyPolicy"], template, parameters)
            if not admits(policy["Statement"], publisher, {"kms:Decrypt", "kms:GenerateDataKey"}):
                problems.append(f"the key of {name} does not let {publisher} use it")
    policies = [
        resolve(p["Properties"], template, parameters)
        for p in resources_of(template, "AWS::SNS::TopicPolicy")
        if topic_ref in p["Properties"]["Topics"]
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    if policies and not admits(statements, publisher, {"sns:Publish"}):
        problems.append(f"the policy of {name} does not let {publisher} publish")
    return problems


def publishers(template: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(resource, publisher, topic it sends to) for every alarm action (ALARM, OK and INSUFFICIENT_DATA) and every
    rule target."""
    found = []
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            properties = resource["Properties"]
            for actions in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                found += [(name, CLOUDWATCH, action) for action in properties.get(actions, [])]
        if resource["Type"] == "AWS::Events::Rule":
            found += [(name, EVENTBRIDGE, target["Arn"]) for target in resource["Properties"]["Targets"]]
    return found


@pytest.mark.parametrize("encryption", ENCRYPTION_CHOICES)
def test_every_alarm_and_rule_can_reach_its_topic(template: dict[str, Any], encryption: str) -> None:
    parameters = {"AlarmTopicEncryption": encryption}
    found = publishers(template)
    assert {publisher for _, publisher, _ in found} == {CLOUDWATCH, EVENTBRIDGE}
    problems = [p for name, who, topic in found for p in delivery_problems(template, topic, who, parameters)]
    assert problems == []


def test_the_checker_refuses_a_topic_no_alarm_can_reach(template: dict[str, Any]) -> None:
    """What the stack once had: the AWS managed SNS key, whose policy cannot admit CloudWatch."""
    broken = copy.deepcopy(template)
    broken["Resources"]["AlarmTopic"]["Properties"]["KmsMasterKeyId"] = "alias/aws/sns"
    problems = delivery_problems(broken, {"Ref": "AlarmTopic"}, CLOUDWATCH, {"AlarmTopicEncryption": "none"})
    assert problems
    assert "alias/aws/sns" in problems[0]


@pytest.mark.parametrize("publisher", [CLOUDWATCH, EVENTBRIDGE])
def test_the_checker_refuses_a_key_or_topic_policy_that_forgets_a_publisher(
    template: dict[str, Any], publisher: str
) -> None:
    for where in ("key", "topic"):
        broken = copy.deepcopy(template)
        if where == "key":
            statements = broken["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
        else:
            (policy,) = resources_of(broken, "AWS::SNS::TopicPolicy")
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
        for statement in statements:
            services = statement.get("Principal", {}).get("Service")
            if services:
                statement["Principal"]["Service"] = [s for s in as_list(services) if s != publisher] or ["x.invalid"]
        parameters = {"AlarmTopicEncryption": "customer-managed-key"}
        assert delivery_problems(broken, {"Ref": "AlarmTopic"}, publisher, parameters), where


def test_the_function_and_its_queue_have_alarms(template: dict[str, Any]) -> None:
    watched = set()
    for alarm in resources_of(template, "AWS::CloudWatch::Alarm"):
        properties = alarm["Properties"]
        stats = [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
        for metric in [properties, *stats]:
            if "MetricName" in metric:
                watched.add((metric["Namespace"], metric["MetricName"]))
    assert {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles")} <= watched
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    own = {name for namespace, name in watched if namespace == metrics.NAMESPACE}
    emitted = set(re.findall(r'_emit\(\s*"(\w+)"', Path(metrics.__file__).read_text()))
    assert own == {"Failures", "HandledErrors"}
    assert own <= emitted, "an alarm watches a metric the function never writes"


def test_the_rotation_failure_rule_matches_secrets_managers_events(template: dict[str, Any]) -> None:
    (rule,) = resources_of(template, "AWS::Events::Rule")
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.secretsmanager"]
    assert pattern["detail-type"] == ["AWS Service Event via CloudTrail"]
    assert set(pattern["detail"]["eventName"]) == {"RotationFailed", "RotationAbandoned"}
    paths = rule["Properties"]["Targets"][0]["InputTransformer"]["InputPathsMap"]
    assert paths["secret"] == "$.detail.additionalEventData.SecretId"  # where the event names the secret


def github_anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_each_alarm_links_to_its_runbook_entry(template: dict[str, Any]) -> None:
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", OPERATE.read_text(), re.MULTILINE)}
    linked = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            text = resource["Properties"]["AlarmDescription"]["Sub"]
        elif resource["Type"] == "AWS::Events::Rule":
            text = resource["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"]["Sub"]
        else:
            continue
        (anchor,) = re.findall(r"\$\{RunbookUrl\}#([a-z0-9-]+)", text)
        linked[name] = anchor
    assert linked
    assert {name: anchor for name, anchor in linked.items() if anchor not in anchors} == {}
    assert all(anchor == name.lower() for name, anchor in linked.items())


def test_every_payload_the_runbook_gives_is_an_event_the_function_accepts() -> None:
    payloads = re.findall(r"--payload '([^']+)'", OPERATE.read_text())
    assert len(payloads) >= 4
    for payload in payloads:
        events.parse_event(json.loads(payload))
    actions = {json.loads(p)["action"] for p in payloads}
    assert actions == {"verify", "rotate", "cancel", "adopt"}


def test_no_document_tells_an_operator_to_remove_awspending_by_hand() -> None:
    """The old runbook did, and stranded the working password on an unlabelled version."""
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "update-secret-version-stage" not in document.read_text(), document


def test_the_stack_is_publishable_to_the_serverless_application_repository(template: dict[str, Any]) -> None:
    application = template["Metadata"]["AWS::ServerlessRepo::Application"]
    for field in ("Name", "Description", "Author", "SpdxLicenseId", "SemanticVersion"):
        assert application[field]
    assert (ROOT / application["LicenseUrl"]).is_file()
    assert (ROOT / application["ReadmeUrl"]).is_file()
    assert re.fullmatch(r"\d+\.\d+\.\d+", application["SemanticVersion"])
