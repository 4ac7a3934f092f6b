"""Every alarm and dashboard widget on the function's namespace watches a metric the function really emits: the
same namespace, name and exact dimension set, values included. CloudWatch matches nothing else, so an alarm on
``{FailureClass}`` never sees a line written with ``{FailureClass, service}``.

The handler runs in a subprocess with the template's own function environment (the stack's name as the service)
and goes through successes, a fatal failure, a retryable one, an unclassified one, handled errors and a sweep
against the local cloud; the EMF lines it prints are what CloudWatch would store. Mutating a dimension on either
side must make the check fail.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from cloudformation import ROOT, Stack, load_template

from crossrotate import metrics
from localcloud.aws.secretsmanager import FUNCTION_ARN, STEPS
from localcloud.aws.sqs import SweepQueues
from localcloud.cloud import KITS, LocalCloud

STACK = "crossrotate-e2e"
Metric = tuple[str, str, frozenset[tuple[str, str]]]
"""(namespace, metric name, {(dimension, value)})."""

PROGRAM = f"""
import json, sys
from app import lambda_handler

class Context:
    function_name = "{STACK}-rotator"
    memory_limit_in_mb = 256
    invoked_function_arn = {FUNCTION_ARN!r}
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def __init__(self, budget_ms):
        self.budget_ms = budget_ms

    def get_remaining_time_in_millis(self):
        return self.budget_ms

for item in json.loads(sys.stdin.read()):
    try:
        lambda_handler(item["event"], Context(item["budget_ms"]))
    except Exception:
        pass
"""


def function_environment(stack: Stack) -> dict[str, str]:
    (function,) = stack.resources("AWS::Serverless::Function").values()
    return {key: str(value) for key, value in function["Environment"]["Variables"].items()}


def run_handler(environment: dict[str, str], invocations: list[tuple[dict[str, Any], int]]) -> list[str]:
    """The lines a fresh process running the handler prints for these (event, budget in ms) invocations."""
    path = [str(ROOT / "layers" / "crossrotate"), str(ROOT / "functions" / "rotator"), str(ROOT)]
    items = [{"event": event, "budget_ms": budget} for event, budget in invocations]
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        input=json.dumps(items),
        env={**environment, "PYTHONPATH": ":".join(path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.splitlines()


def emitted_metrics(lines: list[str]) -> set[Metric]:
    """What CloudWatch would store from these lines: each EMF line's metrics under each of its dimension sets."""
    found = set()
    for line in lines:
        document = json.loads(line) if line.startswith("{") else {}
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, str(document[name])) for name in dimension_set)
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dimensions))
    return found


SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]+)\}(?P<terms>[^']*)'")
TERM = re.compile(r'(\w+)="([^"]*)"')


def watched_metrics(stack: Stack) -> dict[str, list[tuple[str, str, dict[str, str] | None, frozenset[str]]]]:
    """Per alarm or dashboard widget: (namespace, metric name, dimension values it requires, the exact dimension
    names of the metrics it matches) for each metric it watches."""
    watched: dict[str, list[tuple[str, str, dict[str, str] | None, frozenset[str]]]] = {}
    for name, alarm in stack.resources("AWS::CloudWatch::Alarm").items():
        stats = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
        for metric in [alarm, *stats]:
            if "MetricName" in metric:
                dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                entry = (metric["Namespace"], metric["MetricName"], dimensions, frozenset(dimensions))
                watched.setdefault(name, []).append(entry)
    for dashboard in stack.resources("AWS::CloudWatch::Dashboard").values():
        body = json.loads(dashboard["DashboardBody"])
        for number, widget in enumerate(body["widgets"]):
            title = f"dashboard widget {number} ({widget['properties'].get('title')})"
            for row in widget["properties"].get("metrics", []):
                for item in row:
                    if isinstance(item, dict) and "expression" in item:
                        search = SEARCH.search(item["expression"])
                        assert search, f"{title}: an expression this test cannot read"
                        namespace, *names = search["schema"].split(",")
                        terms = dict(TERM.findall(search["terms"]))
                        metric_name = terms.pop("MetricName")
                        entry = (namespace, metric_name, terms, frozenset(names))
                        watched.setdefault(title, []).append(entry)
                if row and isinstance(row[0], str):
                    namespace, metric_name, *rest = [part for part in row if isinstance(part, str)]
                    dimensions = dict(zip(rest[::2], rest[1::2], strict=True))
                    entry = (namespace, metric_name, dimensions, frozenset(dimensions))
                    watched.setdefault(title, []).append(entry)
    return watched


def unwatched(stack: Stack, emitted: set[Metric]) -> list[str]:
    """Every alarm or widget metric on the function's namespace that matches none of the emitted metrics."""
    problems = []
    for who, entries in watched_metrics(stack).items():
        for namespace, name, values, names in entries:
            if namespace != metrics.NAMESPACE:
                continue
            matches = [
                dimensions
                for ns, emitted_name, dimensions in emitted
                if (ns, emitted_name) == (namespace, name)
                and {key for key, _ in dimensions} == names
                and all(dict(dimensions).get(key) == value for key, value in (values or {}).items())
            ]
            if not matches:
                problems.append(f"{who}: {namespace}/{name} with exactly {sorted(names)} = {values} is never emitted")
    return problems


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack(load_template(), name=STACK)


@pytest.fixture(scope="module")
def emitted(cloud: LocalCloud, stack: Stack) -> set[Metric]:
    """The metrics a handler in the template's environment emits, from successes to every kind of failure."""
    queues = SweepQueues.create()
    environment = {
        **os.environ,
        **function_environment(stack),
        **cloud.env,  # the local stand-ins and API key secrets, where the template has ARNs and AWS's endpoints
        "SWEEP_QUEUE_URL": queues.url,
        "AWS_ENDPOINT_URL_SQS": os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"],  # moto's server answers both
    }
    lines: list[str] = []
    driver = cloud.driver

    def step(secret_id: str, name: str, token: str) -> dict[str, Any]:
        return {"Step": name, "SecretId": secret_id, "ClientRequestToken": token}

    # Successes: a whole rotation, a verify, and a sweep planned onto the queue.
    good = cloud.account("tencentcloud-postgres")
    rotation = driver.start_rotation(good.secret_id)
    steps = [(step(good.secret_id, name, rotation.token), 60_000) for name in STEPS]
    lines += run_handler(
        environment,
        [
            *steps,
            ({"action": "verify", "secret_id": good.secret_id}, 60_000),
            ({"action": "verify", "all": True}, 60_000),
        ],
    )
    driver.complete(rotation)
    # A fatal failure of a step (a documented fatal code), and of an action (a secret that does not exist).
    for provider, kind, code in (
        ("alibabacloud-rds", "fatal", KITS["alibabacloud-rds"].fatal_code),
        ("tencentcloud-postgres", "unclassified", "OperationDenied.NeverDocumentedAnywhere"),
        ("tencentcloud-mysql", "retryable", KITS["tencentcloud-mysql"].retryable_code),
    ):
        account = cloud.account(provider)
        emulator = cloud.emulators[provider]
        rotation = driver.start_rotation(account.secret_id)
        emulator.inject("error", action=KITS[provider].reset_action, times=10, code=code, status=400)
        # 13 s left: the deadline (3 s before Lambda's) leaves no room for a retry, so a retryable answer is final.
        budget = 13_000 if kind == "retryable" else 60_000
        lines += run_handler(
            environment,
            [
                (step(account.secret_id, "createSecret", rotation.token), 60_000),
                (step(account.secret_id, "setSecret", rotation.token), budget),
            ],
        )
        emulator.clear_faults()
    lines += run_handler(environment, [({"action": "verify", "secret_id": "no/such/secret"}, 60_000)])
    return emitted_metrics(lines)


def test_every_alarm_and_widget_watches_a_metric_the_function_emits(stack: Stack, emitted: set[Metric]) -> None:
    classes = {dict(d).get("FailureClass") for ns, name, d in emitted if name == "Failures"}
    assert classes == {"Fatal", "Retryable", "Unclassified"}  # the run reached every class it is meant to
    assert all(dict(d).get("service") == STACK for ns, _, d in emitted if ns == metrics.NAMESPACE)
    assert unwatched(stack, emitted) == []


def test_an_alarm_that_misses_a_dimension_is_caught(stack: Stack, emitted: set[Metric]) -> None:
    """What the stack once had: the Failures alarms watched {FailureClass} while every line carried service."""
    template = copy.deepcopy(stack.template)
    alarm = template["Resources"]["FatalFailuresAlarm"]["Properties"]
    alarm["Dimensions"] = [d for d in alarm["Dimensions"] if d["Name"] != "service"]
    problems = unwatched(Stack(template, name=STACK), emitted)
    assert len(problems) == 1
    assert problems[0].startswith("FatalFailuresAlarm:")


def test_an_alarm_on_another_stacks_service_is_caught(stack: Stack, emitted: set[Metric]) -> None:
    assert unwatched(Stack(stack.template, name="another-stack"), emitted)


def test_metrics_that_lose_a_dimension_are_caught(stack: Stack, emitted: set[Metric]) -> None:
    without_service = {(ns, name, frozenset(d for d in dims if d[0] != "service")) for ns, name, dims in emitted}
    problems = unwatched(stack, without_service)
    assert any(p.startswith("FatalFailuresAlarm:") for p in problems)
    assert any(p.startswith("FunctionErrorsAlarm:") for p in problems)
    assert any(p.startswith("dashboard widget") for p in problems)
