"""One secret's failure, whatever it is, is that secret's alone: an exception nobody classified (a defect, here a
database probe adapter that raises for one host) is reported for that secret as ``UnexpectedError`` (fatal, its
frames logged without values), the other secrets of the action or the batch are still worked, and a batch record
that failed so is not retried. A malformed record is logged with its ``messageId``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import LoggedLines

from crossrotate import actions, events, runtime, sweeps
from crossrotate.ports import ACCEPTED, Login
from crossrotate.secret import DatabaseSecret
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import Account, LocalCloud

BROKEN_HOST = "broken.invalid"


class BrokenProbe:
    """A :class:`~crossrotate.ports.DatabaseProbe` adapter with a defect: it raises for one host."""

    def log_in(self, secret: DatabaseSecret) -> Login:
        if secret.host == BROKEN_HOST:
            raise KeyError(secret.password)  # a defect whose message would leak the password, were it kept
        return ACCEPTED


def dependencies() -> Any:
    return runtime.dependencies(LambdaContext())._replace(probe=BrokenProbe())


@pytest.fixture
def secrets_pair(local: LocalCloud) -> tuple[Account, Account]:
    """Two secrets with a host: the first one's login hits the defect."""
    broken = local.account("tencentcloud-postgres", host=BROKEN_HOST)
    fine = local.account("alibabacloud-rds", host="db.example.internal")
    return broken, fine


def test_a_defect_in_one_secret_of_a_named_verify_does_not_stop_the_next(
    secrets_pair: tuple[Account, Account], logged: LoggedLines
) -> None:
    broken, fine = secrets_pair
    request = events.ActionRequest("verify", (broken.secret_id, fine.secret_id), "verify-two")
    document = actions.run_action(request, dependencies())  # fatal only: it returns
    first, second = document["results"]
    assert (first["outcome"], first["code"], first["retryable"]) == ("failed", "UnexpectedError", False)
    assert first["message"] == "rotation: UnexpectedError: unexpected KeyError"
    assert (second["secret_id"], second["outcome"]) == (fine.secret_id, "verified")
    lines = logged()
    (unexpected,) = [line for line in lines if line["message"] == "unexpected failure"]
    assert unexpected["exception"] == "KeyError"
    assert "log_in" in unexpected["frames"]
    assert broken.old_password not in json.dumps(lines)


def sqs_record(message_id: str, body: Any) -> dict[str, Any]:
    record = {"messageId": message_id, "receiptHandle": "handle", "eventSource": "aws:sqs", "attributes": {}}
    return record if body is None else {**record, "body": body}


def test_a_defect_in_one_record_fails_that_record_alone_and_it_is_not_retried(
    secrets_pair: tuple[Account, Account], logged: LoggedLines
) -> None:
    bodies = [{"action": "verify", "secret_id": account.secret_id, "sweep": "sweep-1"} for account in secrets_pair]
    event = {"Records": [sqs_record(f"m-{n}", json.dumps(body)) for n, body in enumerate(bodies)]}
    assert sweeps.work_batch(event, dependencies()) == {"batchItemFailures": []}
    records = {line["message_id"]: line for line in logged() if line["message"] == "sweep record"}
    assert (records["m-0"]["outcome"], records["m-0"]["code"]) == ("failed", "UnexpectedError")
    assert records["m-1"]["outcome"] == "verified"


@pytest.mark.parametrize("body", ["not json", json.dumps({"action": "verify"}), None], ids=["text", "keys", "none"])
def test_a_malformed_record_is_logged_with_its_message_id_and_not_retried(
    local: LocalCloud, logged: LoggedLines, body: str | None
) -> None:
    event = {"Records": [sqs_record("malformed-7", body)]}
    assert sweeps.work_batch(event, dependencies()) == {"batchItemFailures": []}
    (line,) = [line for line in logged() if line["message"] == "sweep record"]
    assert (line["message_id"], line["code"], line["retryable"]) == ("malformed-7", "InvalidEvent", False)
