"""A queued sweep message (crossrotate.sweeps.parse_message): exactly what the planner writes is accepted; anything
else is InvalidEvent, fatal, so a redelivery of the same bad body is never retried."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossrotate.errors import FatalRotationError
from crossrotate.events import MAX_SECRET_ID
from crossrotate.sweeps import MAX_SWEEP_ID, SweepMessage, parse_message

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"


def body(**fields: object) -> str:
    return json.dumps({"action": "verify", "secret_id": ARN, "sweep": "evt-1"} | fields, separators=(",", ":"))


def test_what_the_planner_writes_is_read_back() -> None:
    assert parse_message(body()) == SweepMessage("verify", ARN, "evt-1")
    assert parse_message(body(action="rotate")).action == "rotate"
    assert parse_message(body(secret_id="s" * MAX_SECRET_ID, sweep="w" * MAX_SWEEP_ID)).sweep == "w" * MAX_SWEEP_ID


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        None,
        b'{"action": "verify"}',
        "[]",
        json.dumps({"action": "verify", "secret_id": ARN}),
        json.dumps({"action": "verify", "secret_id": ARN, "sweep": "e", "extra": 1}),
        body(action="cancel"),
        body(action="adopt"),
        body(secret_id=""),
        body(secret_id=7),
        body(secret_id="s" * (MAX_SECRET_ID + 1)),
        body(sweep="w" * (MAX_SWEEP_ID + 1)),
        body(sweep=None),
    ],
)
def test_anything_else_is_invalid_event_and_fatal(bad: object) -> None:
    with pytest.raises(FatalRotationError) as raised:
        parse_message(bad)
    assert raised.value.code == "InvalidEvent"


@given(st.one_of(st.text(), st.binary(), st.none(), st.integers(), st.dictionaries(st.text(), st.text())))
def test_no_body_escapes_the_classification(anything: object) -> None:
    with pytest.raises(FatalRotationError) as raised:
        parse_message(anything)
    assert raised.value.code == "InvalidEvent"
