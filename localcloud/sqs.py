"""The sweep queue locally: moto's SQS (the same server as the local Secrets Manager), a queue with a dead-letter
queue, and :class:`EventSourceMapping`, which delivers its messages to the function as Lambda's SQS event source
mapping does (batches of up to 10 records, ``ReportBatchItemFailures``: the records named in
``batchItemFailures`` stay in the queue, the others are deleted).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from .secretsmanager import REGION


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
