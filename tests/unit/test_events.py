from __future__ import annotations

from typing import Any

import pytest

from crossrotate.errors import FatalRotationError
from crossrotate.events import parse_event

TOKEN = "6f1b0c4e-0000-4000-8000-1234567890ab"
STEP = {"Step": "createSecret", "SecretId": "arn:aws:secretsmanager:us-east-1:1:secret:db", "ClientRequestToken": TOKEN}


def test_a_step_event() -> None:
    request = parse_event({**STEP, "RotationToken": "opaque-rotation-token-value"})
    assert (request.step, request.secret_id, request.token, request.rotation_token) == (
        "createSecret",
        STEP["SecretId"],
        TOKEN,
        "opaque-rotation-token-value",
    )
    assert "opaque-rotation-token-value" not in repr(request)


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ("createSecret", "not a JSON object"),
        (None, "not a JSON object"),
        ({}, "no 'Step'"),
        ({**STEP, "Step": "deleteSecret"}, "'Step' must be"),
        ({**STEP, "Step": ["createSecret"]}, "'Step' must be"),
        ({**STEP, "SecretId": ""}, "'SecretId'"),
        ({**STEP, "SecretId": 7}, "'SecretId'"),
        ({**STEP, "SecretId": "x" * 5000}, "longer"),
        ({**STEP, "ClientRequestToken": "short"}, "not a version id"),
        ({**STEP, "ClientRequestToken": "../" * 12}, "not a version id"),
        ({**STEP, "ClientRequestToken": TOKEN + "\n"}, "not a version id"),
        ({**STEP, "RotationToken": 5}, "'RotationToken'"),
    ],
)
def test_malformed_events_are_fatal(event: Any, words: str) -> None:
    with pytest.raises(FatalRotationError) as raised:
        parse_event(event)
    assert raised.value.code == "InvalidEvent"
    assert words in str(raised.value)
