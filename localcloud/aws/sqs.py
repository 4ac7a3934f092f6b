"""The sweep queue locally: moto's SQS (the same server as the local Secrets Manager), a queue with a dead-letter
queue, and :class:`EventSourceMapping`, which delivers its messages to the function as Lambda's SQS event source
mapping does (batches of up to 10 records, ``ReportBatchItemFailures``: the records named in
``batchItemFailures`` stay in the queue, the others are deleted).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from .secretsmanager import REGION


def _retained(backend: Any, queue_name: str, message: Any) -> bool:
    """moto's retention check, reading the one attribute it needs. moto's own reads every attribute of the queue,
    which counts its messages three times over (each a clock reading), and does so for each message a receive
    looks at: draining a queue of 10,000 took about a second a batch. The answer is the same."""
    from moto.core.utils import unix_time

    retention_s = backend.get_queue(queue_name).message_retention_period
    return bool(retention_s + message.sent_timestamp / 1000 > unix_time())


def receives_in_linear_time() -> None:
    """Make moto's ReceiveMessage look at each message once (see :func:`_retained`): done where the local moto
    server starts (:func:`~localcloud.aws.secretsmanager.start_secrets_manager`)."""
    from moto.sqs.models import SQSBackend

    SQSBackend.is_message_valid_based_on_retention_period = _retained  # type: ignore[method-assign,assignment]


def sqs_client() -> Any:
    return boto3.client("sqs", region_name=REGION, endpoint_url=os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"])


@dataclass
class SweepQueues:
    """A sweep queue and its dead-letter queue (after ``max_receives`` deliveries a message moves there)."""

    url: str
    arn: str
    dead_letter_url: str

    @classmethod
    def create(cls, max_receives: int = 3) -> SweepQueues:
        sqs, name = sqs_client(), f"sweep-{uuid.uuid4().hex[:10]}"
        dead_letter_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": str(max_receives)})
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "720"})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return cls(url, arn, dead_letter_url)

    def bodies(self, url: str | None = None) -> list[dict[str, Any]]:
        """Every message body now visible in the queue (or in ``url``), left in place (visibility 0 again)."""
        sqs, found = sqs_client(), []
        while True:
            messages = sqs.receive_message(QueueUrl=url or self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            found += messages
        for message in found:
            sqs.change_message_visibility(
                QueueUrl=url or self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(message["Body"]) for message in found]


@dataclass
class EventSourceMapping:
    """Lambda's SQS poller for one queue: receive up to ``batch_size``, invoke, delete what did not fail. A
    failed record becomes visible again at once here (its visibility timeout, fast-forwarded)."""

    queues: SweepQueues
    invoke: Callable[[dict[str, Any]], Any]
    batch_size: int = 10
    invocations: int = 0
    failures: list[str] = field(default_factory=list)
    """The message ids each invocation reported in ``batchItemFailures``, in order."""

    def deliver_once(self) -> int:
        """One batch; the number of records delivered (0: the queue is empty)."""
        sqs = sqs_client()
        messages = sqs.receive_message(
            QueueUrl=self.queues.url, MaxNumberOfMessages=self.batch_size, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        response = self.invoke({"Records": [self.record(message) for message in messages]})
        self.invocations += 1
        failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        self.failures += sorted(failed)
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=self.queues.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=self.queues.url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def drain(self, max_batches: int = 100_000) -> int:
        """Deliver until the queue is empty; the number of records delivered."""
        delivered = 0
        for _ in range(max_batches):
            count = self.deliver_once()
            if not count:
                break
            delivered += count
        return delivered

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queues.arn,
            "awsRegion": REGION,
        }


@contextmanager
def sqs_counts_in_constant_time() -> Iterator[None]:
    """moto's SendMessage reads its queue's attributes for every message, and those count the queue's messages
    three times over (visible, delayed, in flight), each test a clock reading: 10,000 messages into one queue is
    quadratic, minutes of the server's time (a planner's deadline passed after about 2,400 messages). A planner's
    queue is only sent to (nothing received, nothing delayed): every message is visible, none delayed or in
    flight, so the counts are its length and zero, which is what they say while this lasts. Hold it only while a
    planner sends: queues that are received from are counted by moto's own code."""
    from moto.sqs.models import Queue

    replacements: dict[str, property] = {
        "approximate_number_of_messages": property(lambda queue: len(queue._messages)),
        "approximate_number_of_messages_delayed": property(lambda queue: 0),
        "approximate_number_of_messages_not_visible": property(lambda queue: 0),
    }
    saved = {name: Queue.__dict__[name] for name in replacements}
    for name, replacement in replacements.items():
        setattr(Queue, name, replacement)
    try:
        yield
    finally:
        for name, count in saved.items():
            setattr(Queue, name, count)
