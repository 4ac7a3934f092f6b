"""Sweeps over a fleet through SQS fan-out, end to end against moto's Secrets Manager and SQS and the provider
emulators: the planner queues one message per secret, Lambda's event source mapping (localcloud/aws/sqs.py) delivers
them in batches to the same handler, retryable failures come back in ``batchItemFailures``, fatal ones do not, a
redelivered ``rotate`` starts no second rotation, and a planner short of time says how far it got.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from conftest import LoggedLines, unique

from crossrotate import runtime
from crossrotate.actions import rotation_token
from crossrotate.aws import SqsSweepQueue
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.sweeps import plan_sweep
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.aws.sqs import EventSourceMapping, SweepQueues, sqs_counts_in_constant_time
from localcloud.cloud import Account, LocalCloud

PROVIDERS = ("tencentcloud-postgres", "alibabacloud-rds")


class Fleet:
    """Secrets whose rotation function is one fresh function ARN (so a sweep sees only these), and its queue."""

    def __init__(self, local: LocalCloud, queues: SweepQueues) -> None:
        self.local, self.queues = local, queues
        self.function = f"arn:aws:lambda:us-east-1:123456789012:function:{unique('fleet')}"
        self.accounts: list[Account] = []

    def add(self, count: int, enabled: bool = True) -> list[Account]:
        made = []
        sm = self.local.driver.sm
        for number in range(count):
            account = self.local.account(PROVIDERS[number % len(PROVIDERS)])
            # moto cannot invoke the function: it leaves an empty AWSPENDING behind, as the service would
            with contextlib.suppress(sm.exceptions.ResourceNotFoundException):
                sm.rotate_secret(
                    SecretId=account.secret_id,
                    RotationLambdaARN=self.function,
                    RotationRules={"AutomaticallyAfterDays": 30},
                )
            pending = self.local.driver.version_with(account.secret_id, "AWSPENDING")
            sm.update_secret_version_stage(
                SecretId=account.secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=pending
            )
            if not enabled:
                sm.cancel_rotate_secret(SecretId=account.secret_id)
            made.append(account)
        self.accounts += made
        return made

    def invoke(self, event: dict[str, Any]) -> Any:
        from app import lambda_handler

        return lambda_handler(event, LambdaContext(function_arn=self.function))

    def arn(self, account: Account) -> str:
        return str(self.local.driver.sm.describe_secret(SecretId=account.secret_id)["ARN"])


@pytest.fixture
def fleet(local: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    queues = SweepQueues.create()
    monkeypatch.setenv("SWEEP_QUEUE_URL", queues.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", local.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"])
    return Fleet(local, queues)


def test_the_planner_queues_one_message_per_secret_and_skips_rotation_turned_off(fleet: Fleet) -> None:
    on, off = fleet.add(12), fleet.add(2, enabled=False)
    document = fleet.invoke({"action": "verify", "all": True, "id": "evt-plan"})
    assert document == {"action": "verify", "sweep": "evt-plan", "queued": 12, "skipped": 2}
    bodies = fleet.queues.bodies()
    assert sorted(b["secret_id"] for b in bodies) == sorted(fleet.arn(a) for a in on)
    assert {(b["action"], b["sweep"]) for b in bodies} == {("verify", "evt-plan")}
    assert not {fleet.arn(a) for a in off} & {b["secret_id"] for b in bodies}
    for account in on + off:  # planning changes nothing and calls no provider
        assert fleet.local.password_of(account) == account.old_password
        assert fleet.local.resets(account) == []


@pytest.mark.parametrize(
    "size", [pytest.param(1_000, id="1000"), pytest.param(10_000, id="10000", marks=pytest.mark.slow)]
)
def test_a_fleet_sweep_runs_end_to_end_planner_queue_workers(fleet: Fleet, size: int) -> None:
    fleet.add(size)
    scheduled = {"version": "0", "id": "evt-fleet", "detail-type": "Scheduled Event", "source": "aws.events"}
    with sqs_counts_in_constant_time():  # moto recounts the queue at every send: quadratic at 10,000
        assert fleet.invoke(scheduled)["queued"] == size
    mapping = EventSourceMapping(fleet.queues, fleet.invoke)
    assert mapping.drain() == size
    assert mapping.invocations == size // 10
    assert mapping.failures == []
    assert fleet.queues.bodies() == []
    assert fleet.queues.bodies(fleet.queues.dead_letter_url) == []


def test_a_retryable_failure_goes_back_to_the_queue_and_succeeds_later(fleet: Fleet, logged: LoggedLines) -> None:
    accounts = fleet.add(4)
    tencent = fleet.local.emulators["tencentcloud-postgres"]
    throttled = [a for a in accounts if a.provider == "tencentcloud-postgres"]
    fleet.invoke({"action": "verify", "all": True, "id": "evt-retry"})
    tencent.inject("error", action="DescribeAccounts", code="RequestLimitExceeded", times=10**6)
    mapping = EventSourceMapping(fleet.queues, fleet.invoke)
    assert mapping.deliver_once() == 4
    assert len(mapping.failures) == len(throttled) == 2  # only the Tencent records, retryably
    assert len(fleet.queues.bodies()) == 2
    tencent.clear_faults()
    assert mapping.drain() == 2
    assert len(mapping.failures) == 2  # no new failures
    assert fleet.queues.bodies() == []
    done = [line for line in logged() if line["message"] == "sweep record"]
    assert sorted(line["outcome"] for line in done) == ["failed", "failed", *["verified"] * 4]


def test_a_fatal_failure_and_a_malformed_body_are_not_retried_and_change_nothing(fleet: Fleet) -> None:
    (account,) = fleet.add(1)
    fleet.local.emulators[account.provider].inject(
        "error", action="DescribeAccounts", code="OperationDenied.CamDeniedError"
    )
    fleet.invoke({"action": "verify", "all": True, "id": "evt-fatal"})
    sqs = boto3.client("sqs", endpoint_url=fleet.local.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"], region_name="us-east-1")
    for body in ("not json", json.dumps({"action": "cancel", "secret_id": "x", "sweep": "s"}), json.dumps({"a": 1})):
        sqs.send_message(QueueUrl=fleet.queues.url, MessageBody=body)
    versions = fleet.local.driver.versions(account.secret_id)
    mapping = EventSourceMapping(fleet.queues, fleet.invoke)
    assert mapping.drain() == 4
    assert mapping.failures == []
    assert fleet.queues.bodies() == []
    assert fleet.local.driver.versions(account.secret_id) == versions
    assert fleet.local.resets(account) == []


def test_a_redelivered_rotate_record_starts_no_second_rotation(fleet: Fleet) -> None:
    (account,) = fleet.add(1)
    before = set(fleet.local.driver.versions(account.secret_id))
    event = {"action": "rotate", "all": True, "scheduled_time": "2026-11-30T03:00:00Z"}
    fleet.invoke(event)
    fleet.invoke(event)  # the same firing delivered twice: two messages, one sweep id
    bodies = fleet.queues.bodies()
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    mapping = EventSourceMapping(fleet.queues, fleet.invoke)
    assert mapping.drain() == 2
    assert mapping.failures == []
    started = set(fleet.local.driver.versions(account.secret_id)) - before
    assert started == {rotation_token(fleet.arn(account), "2026-11-30T03:00:00Z")}  # one rotation, this sweep's


class TickingClock:
    """Monotonic time that advances at every reading: a planner that reads it per batch runs out of time."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick = 0.0, tick

    def time(self) -> float:
        import time

        return time.time()

    def monotonic(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_planner_short_of_time_says_how_far_it_got(fleet: Fleet) -> None:
    fleet.add(40)
    deps = runtime.dependencies(LambdaContext(budget_ms=10_000, function_arn=fleet.function), clock=TickingClock(1.0))
    with pytest.raises(RetryableRotationError) as raised:
        plan_sweep("verify", "evt-short", deps)
    assert raised.value.code == "SweepIncomplete"
    queued = len(fleet.queues.bodies())
    assert 0 < queued < 40
    assert f"queueing {queued} of 40 secrets" in str(raised.value)


def test_only_the_entries_sqs_refused_are_sent_again() -> None:
    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/sweep"
    with Stubber(client) as stub:
        stub.add_response(
            "send_message_batch",
            {"Successful": [{"Id": "0", "MessageId": "m0", "MD5OfMessageBody": "x"}],
             "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError"}]},
            {"QueueUrl": url, "Entries": [{"Id": "0", "MessageBody": "a"}, {"Id": "1", "MessageBody": "b"}]},
        )  # fmt: skip
        stub.add_response(
            "send_message_batch",
            {"Successful": [{"Id": "1", "MessageId": "m1", "MD5OfMessageBody": "x"}], "Failed": []},
            {"QueueUrl": url, "Entries": [{"Id": "1", "MessageBody": "b"}]},
        )
        SqsSweepQueue(url, client).send_batch(["a", "b"])
        stub.assert_no_pending_responses()
    with Stubber(client) as stub:
        stub.add_response(
            "send_message_batch",
            {"Successful": [], "Failed": [{"Id": "0", "SenderFault": True, "Code": "InvalidMessageContents"}]},
            {"QueueUrl": url, "Entries": [{"Id": "0", "MessageBody": "a"}]},
        )
        with pytest.raises(FatalRotationError) as raised:
            SqsSweepQueue(url, client).send_batch(["a"])
    assert raised.value.code == "InvalidMessageContents"
