"""Rotations that succeed and fail, logged at DEBUG: no password, API key or RotationToken appears in anything
logged, printed, raised or returned."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import TencentSetup

from crossrotate.errors import RotationError
from crossrotate.log import logger
from emulators.secretsmanager import STEPS, SecretsManagerDriver
from emulators.tencentcloud import TencentPostgresEmulator


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    level = logger.log_level
    logger.setLevel("DEBUG")
    yield caplog
    logger.setLevel(level)


def test_nothing_observable_carries_a_credential(
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: TencentSetup,
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    rotation_token = secrets.token_hex(24)
    observed: list[Any] = []

    def run(rotation: Any, step: str) -> None:
        try:
            observed.append(driver.step(rotation, step, rotation_token=rotation_token))
        except RotationError as error:
            observed.extend([str(error), repr(error), error.as_dict(), error.args])

    rotation = driver.start_rotation(tencent_secret.secret_id)
    for step in STEPS:
        run(rotation, step)
    driver.complete(rotation)
    first_new = driver.value(tencent_secret.secret_id)["password"]

    # A provider that echoes the password in its error message, then a transport failure, then a fatal one.
    rotation = driver.start_rotation(tencent_secret.secret_id)
    run(rotation, "createSecret")
    pending = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    tencent.inject(
        "error",
        action="ResetAccountPassword",
        code="InvalidParameterValue.InvalidPasswordValueError",
        message=f"password {pending} rejected for key {tencent_secret.key.secret_key}",
    )
    run(rotation, "setSecret")
    tencent.inject("status", action="ResetAccountPassword", times=100, status=503)
    run(rotation, "setSecret")

    out, err = capfd.readouterr()
    everything = "\n".join([out, err, debug_logging.text, *map(repr, observed)])
    assert "rotation failed" in everything
    assert "password reset" in everything
    assert "***" in everything  # the echoed values were redacted, not dropped with the message
    for credential in (tencent_secret.old_password, first_new, pending, tencent_secret.key.secret_key, rotation_token):
        assert credential not in everything
