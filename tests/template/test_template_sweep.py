"""Fleet sweeps in template.yaml: the planner queues one record per secret on the sweep queue, the same function's
workers take them in batches through an event source mapping that reports failed items and is held to
SweepConcurrency; the queue hides a batch long enough (AWS: 6 x the function's timeout + the batching window),
records that keep failing land in a dead-letter queue whose depth alarms the topic; the role may use that one queue
and no other; the dashboard shows the sweeps; docs/operate.md documents all of it.
"""

from __future__ import annotations

import json
import operator
import re
from typing import Any

import pytest
from cloudformation import ROOT, load_template, resources_of

OPERATE = ROOT / "docs" / "operate.md"
QUEUE_ARN = {"GetAtt": "SweepQueue.Arn"}
SQS_ACTIONS = {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def function_of(template: dict[str, Any]) -> dict[str, Any]:
    (function,) = resources_of(template, "AWS::Serverless::Function")
    properties: dict[str, Any] = function["Properties"]
    return properties


def mapping_of(template: dict[str, Any]) -> dict[str, Any]:
    (mapping,) = resources_of(template, "AWS::Lambda::EventSourceMapping")
    properties: dict[str, Any] = mapping["Properties"]
    return properties


def statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM statement, on both branches of each !If."""
    if isinstance(node, dict):
        if "If" in node:
            return [s for branch in node["If"][1:] for s in statements(branch)]
        return [node] if "Effect" in node else []
    return [s for item in node for s in statements(item)] if isinstance(node, list) else []


def actions_of(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


# The event source mapping


def test_the_workers_take_batches_of_10_from_the_sweep_queue_and_report_failed_items(
    template: dict[str, Any],
) -> None:
    mapping = mapping_of(template)
    assert mapping["FunctionName"] == {"Ref": "RotationFunction"}
    assert mapping["EventSourceArn"] == QUEUE_ARN
    assert mapping.get("Enabled", True) is True
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "SweepConcurrency"}}


def test_no_sam_sqs_event_beside_it(template: dict[str, Any]) -> None:
    """A SAM ``Type: SQS`` event would be a second consumer, and would attach AWSLambdaSQSQueueExecutionRole."""
    events = function_of(template).get("Events", {})
    assert [name for name, event in events.items() if event["Type"] == "SQS"] == []


def test_sweep_concurrency_is_a_bounded_parameter_whose_default_keeps_one_api_within_20_per_second(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["SweepConcurrency"]
    assert parameter["Type"] == "Number"
    assert parameter["MinValue"] >= 2  # Lambda refuses a MaximumConcurrency below 2
    assert parameter["MaxValue"] <= 1000
    assert parameter["MinValue"] <= parameter["Default"] <= parameter["MaxValue"]
    calls_per_worker_per_second, tencent_limit_per_action = 5, 20
    assert parameter["Default"] * calls_per_worker_per_second <= tencent_limit_per_action
    assert parameter["Default"] == 4
    # Workers above a reserved concurrency would be throttled, and throttled receives count towards the DLQ;
    # below it, the planner and Secrets Manager's steps keep room. By default none is reserved (0).
    reserved = template["Parameters"]["ReservedConcurrency"]["Default"]
    assert reserved == 0 or parameter["Default"] < reserved
    assert "20/s" in parameter["Description"]
    assert "ReservedConcurrency" in parameter["Description"]


def test_sweep_concurrency_is_grouped_with_the_schedule(template: dict[str, Any]) -> None:
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    (group,) = [g["Parameters"] for g in groups if "SweepConcurrency" in g["Parameters"]]
    assert {"ScheduleExpression", "ScheduledAction"} <= set(group)


# The queues


def test_the_visibility_timeout_covers_six_function_timeouts_plus_the_batching_window(
    template: dict[str, Any],
) -> None:
    """AWS's guidance for SQS event sources, read from the numbers the template holds (Timeout in the function or
    in Globals)."""
    timeout = function_of(template).get("Timeout", template.get("Globals", {}).get("Function", {}).get("Timeout"))
    window = mapping_of(template).get("MaximumBatchingWindowInSeconds", 0)
    visibility = template["Resources"]["SweepQueue"]["Properties"]["VisibilityTimeout"]
    assert all(isinstance(n, int) for n in (timeout, window, visibility)), "numbers, not intrinsics"
    assert visibility >= 6 * timeout + window
    assert visibility <= 43200  # SQS's maximum


def test_records_that_keep_failing_go_to_the_dead_letter_queue(template: dict[str, Any]) -> None:
    queue = template["Resources"]["SweepQueue"]["Properties"]
    dead = template["Resources"]["SweepDeadLetterQueue"]
    assert dead["Type"] == "AWS::SQS::Queue"
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"GetAtt": "SweepDeadLetterQueue.Arn"}
    # AWS recommends at least 5 for a Lambda consumer: throttled and timed-out receives count too.
    assert 5 <= redrive["maxReceiveCount"] <= 10
    assert "RedrivePolicy" not in dead["Properties"]
    # A dead-lettered message keeps its original enqueue time: the DLQ must keep messages longer.
    assert dead["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dead["Properties"]["MessageRetentionPeriod"] > queue.get("MessageRetentionPeriod", 4 * 24 * 3600)


@pytest.mark.parametrize("name", ["SweepQueue", "SweepDeadLetterQueue"])
def test_both_queues_are_encrypted(template: dict[str, Any], name: str) -> None:
    properties = template["Resources"][name]["Properties"]
    assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties


def test_the_function_is_told_where_sweeps_queue(template: dict[str, Any]) -> None:
    variables = function_of(template)["Environment"]["Variables"]
    assert variables["SWEEP_QUEUE_URL"] == {"Ref": "SweepQueue"}


# Permissions


def test_the_role_may_send_to_and_consume_the_sweep_queue_only(template: dict[str, Any]) -> None:
    role = template["Resources"][function_of(template)["Role"]["GetAtt"].split(".")[0]]["Properties"]
    granted = statements([p["PolicyDocument"]["Statement"] for p in role["Policies"]])
    failed_invocations = {"GetAtt": "FailedInvocationsQueue.Arn"}  # Lambda's on-failure destination, a queue apart
    sqs = [
        s for s in granted if any(a.startswith("sqs:") for a in actions_of(s)) and s["Resource"] != failed_invocations
    ]
    assert {a for s in sqs for a in actions_of(s)} == SQS_ACTIONS
    assert all(s["Effect"] == "Allow" and s["Resource"] == QUEUE_ARN and "Condition" not in s for s in sqs)
    (send,) = [s for s in sqs if "sqs:SendMessage" in actions_of(s)]
    assert actions_of(send) == {"sqs:SendMessage"}  # the planner; SendMessageBatch is authorised by it


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    """The template as CloudFormation receives it: what the AWS SAM transform makes of it (the translator that
    cfn-lint runs)."""
    from cfnlint.decode import decode_str
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    document, problems = decode_str((ROOT / "template.yaml").read_text())
    assert not problems
    source: dict[str, Any] = json.loads(json.dumps(document))
    source["Resources"]["RotationFunction"]["Properties"]["CodeUri"] = "s3://bucket/function.zip"
    source["Resources"]["LibraryLayer"]["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        result: dict[str, Any] = transform(source, {}, NoManagedPolicies())
    return result


def test_sam_attaches_no_sqs_policy_on_every_queue(transformed: dict[str, Any]) -> None:
    """SAM adds AWSLambdaSQSQueueExecutionRole (SQS actions on "*") for a ``Type: SQS`` event; the role must not
    get it, nor any SQS action on anything but the sweep queue, apart from the policy SAM writes for the
    failed-invocations destination (SendMessage on that queue)."""
    role = transformed["Resources"]["RotationFunctionRole"]["Properties"]
    assert [arn for arn in role.get("ManagedPolicyArns", []) if "SQS" in json.dumps(arn)] == []
    sqs = [
        (s["Resource"], action)
        for policy in role.get("Policies", [])
        for s in statements(policy["PolicyDocument"]["Statement"])
        for action in actions_of(s)
        if action.startswith("sqs:")
    ]
    sweep_queue, failed_invocations = (
        {"Fn::GetAtt": [name, "Arn"]} for name in ("SweepQueue", "FailedInvocationsQueue")
    )
    assert {action for resource, action in sqs if resource == sweep_queue} == SQS_ACTIONS
    assert [(r, a) for r, a in sqs if r != sweep_queue] == [(failed_invocations, "sqs:SendMessage")]
    (mapping,) = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["SweepQueue", "Arn"]}


# The alarm


COMPARISONS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
}


def test_a_dead_lettered_record_alarms_the_topic(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["SweepDeadLetterQueueAlarm"]
    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert properties["Dimensions"] == [{"Name": "QueueName", "Value": {"GetAtt": "SweepDeadLetterQueue.QueueName"}}]
    assert (properties["Statistic"], properties["Period"], properties["EvaluationPeriods"]) == ("Maximum", 300, 1)
    assert properties.get("DatapointsToAlarm", 1) == 1
    breaches = COMPARISONS[properties["ComparisonOperator"]]
    assert breaches(1, properties["Threshold"])  # one message alarms
    assert not breaches(0, properties["Threshold"])  # an empty queue does not
    assert properties["TreatMissingData"] == "notBreaching"
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert properties["OKActions"] == [{"Ref": "AlarmTopic"}]  # and says so when the queue is empty again
    assert "${RunbookUrl}#sweepdeadletterqueuealarm" in properties["AlarmDescription"]["Sub"]


# The dashboard


@pytest.fixture(scope="module")
def dashboard(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard body as JSON, each ${...} of its !Sub replaced by a marker naming what it refers to."""
    body = template["Resources"]["RotationDashboard"]["Properties"]["DashboardBody"]["Sub"]
    references = set(re.findall(r"\$\{([^}!]+)\}", body))
    known = set(template["Resources"]) | set(template["Parameters"]) | {"AWS::Region", "AWS::StackName"}
    assert {r for r in references if r.split(".")[0] not in known} == set()
    parsed: dict[str, Any] = json.loads(re.sub(r"\$\{([^}!]+)\}", r"<\1>", body))
    return parsed


def widget_metrics(dashboard: dict[str, Any]) -> list[list[Any]]:
    return [m for w in dashboard["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]


def test_the_dashboard_shows_both_queues(dashboard: dict[str, Any]) -> None:
    shown = {(m[0], m[1], m[3]) for m in widget_metrics(dashboard) if isinstance(m[0], str) and m[0] == "AWS/SQS"}
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "<SweepQueue.QueueName>"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", "<SweepQueue.QueueName>"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "<SweepDeadLetterQueue.QueueName>"),
    } <= shown


def test_the_dashboard_shows_the_sweep_and_action_metrics(dashboard: dict[str, Any]) -> None:
    expressions = " ".join(
        m[0]["expression"] for m in widget_metrics(dashboard) if isinstance(m[0], dict) and "expression" in m[0]
    )
    for metric in ("SweepQueued", "SweepSkipped", "ActionSucceeded", "ActionFailed"):
        assert f'MetricName="{metric}"' in expressions, metric
    assert '{crossrotate,Action,service} MetricName="SweepQueued" service="<AWS::StackName>"' in expressions


def test_the_dashboard_counts_each_sweep_from_the_functions_log(dashboard: dict[str, Any]) -> None:
    (widget,) = [w for w in dashboard["widgets"] if w["type"] == "log"]
    query = widget["properties"]["query"]
    source, *commands = [c.strip() for c in query.split(" | ")]
    assert source == "SOURCE '<RotationLogGroup>'"
    assert [c.split(" ")[0] for c in commands] == ["filter", "fields", "stats", "sort"]
    assert commands[0] == 'filter message in ["sweep planned", "sweep record"]'
    stats = commands[2]
    assert stats.endswith(" by sweep, sweep_action")
    aggregates = dict(re.findall(r"(\w+\([^()]*\)) as (\w+)", stats))
    assert aggregates["sum(queued)"] == "secrets_queued"
    assert {"records_done", "records_failed"} <= set(aggregates.values())
    assert query.count("(") == query.count(")")
    assert query.count('"') % 2 == 0


# Outputs and docs


def test_the_queues_are_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["SweepQueueUrl"]["Value"] == {"Ref": "SweepQueue"}
    assert outputs["SweepDeadLetterQueueUrl"]["Value"] == {"Ref": "SweepDeadLetterQueue"}


def github_anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_the_runbook_says_how_to_inspect_and_redrive_the_dead_letter_queue(template: dict[str, Any]) -> None:
    text = OPERATE.read_text()
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}
    assert {"sweeps-over-a-fleet", "sweep-dead-letter-queue", "sweepdeadletterqueuealarm"} <= anchors
    section = text[text.index("### Sweep dead-letter queue") :]
    assert "aws sqs receive-message" in section
    assert "aws sqs start-message-move-task" in section
    for name in ("SweepQueueUrl", "SweepDeadLetterQueueUrl", "SweepConcurrency", "SWEEP_QUEUE_URL"):
        assert name in text, name
    assert re.search(r"^\| `SweepConcurrency` \|", text, re.MULTILINE), "a row in the parameters table"
    default = template["Parameters"]["SweepConcurrency"]["Default"]
    assert f"default {default}" in text.lower() or f"default, {default}" in text.lower()
    assert "Measured planner and worker figures: docs/performance.md." in text
