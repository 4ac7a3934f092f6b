"""`make bench` reports the function's cost as a ratio to a floor (``scripts/rotation_floor.py``): the least a
rotation can do. The ratio means something only while the floor makes the same calls as the function, so here
both rotate alike secrets on the local cloud and every call each makes is held to the other's: Secrets Manager
calls (as moto's server saw them), provider calls and STS calls (as the emulators saw them), in order, with the
same parameters once the values that differ between two rotations (ids, tokens, passwords) are named by role.
A second rotation in the same process is held too: what each keeps for the process (the API key, temporary
credentials) must spare the same calls.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import rotation_floor

from crossrotate import runtime
from crossrotate.registry import PROVIDERS
from localcloud.aws.secretsmanager import LambdaContext, RecordingMotoServer, SecretsManagerDriver
from localcloud.cloud import FLOOR_RECIPES, Account, LocalCloud, floor_environment

NAMES = sorted(PROVIDERS)
CASES = [
    (name, access, dual)
    for name in NAMES
    for access in ("api-key", "keyless")
    for dual in (False, True)
    if not (dual and PROVIDERS[name].only_username)  # a root-only service has no dual-account mode
]

Calls = dict[str, list[Any]]


class Recorder:
    """The calls each boundary saw while a step ran, named by role."""

    def __init__(self, local: LocalCloud, server: RecordingMotoServer, account: Account) -> None:
        self.local, self.server, self.account = local, server, account
        self.names: dict[str, str] = {account.secret_id: "<secret>", account.instance_id: "<instance>"}
        self.names.update({key: "<api key secret>" for key in local.key_secrets.values()})
        self.calls: Calls = {"aws": [], "provider": [], "aws sts": [], "cloud sts": []}

    def boundaries(self) -> dict[str, list[Any]]:
        cloud = PROVIDERS[self.account.provider].cloud.name
        return {
            "aws": self.server.calls,
            "provider": self.local.emulators[self.account.provider].calls,
            "aws sts": self.local.sts["aws"].calls_of("GetWebIdentityToken"),  # not the issuer's keys, which
            "cloud sts": self.local.sts[cloud].calls,  # Alibaba's STS stand-in fetches and keeps for minutes
        }

    def around(self, invoke: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        def recorded(event: dict[str, Any]) -> Any:
            self.names[event["ClientRequestToken"]] = "<token>"
            before = {name: len(calls) for name, calls in self.boundaries().items()}
            try:
                return invoke(event)
            finally:
                for name, calls in self.boundaries().items():
                    self.calls[name] += [(event["Step"], *self.shape(call)) for call in calls[before[name] :]]

        return recorded

    def shape(self, call: Any) -> tuple[Any, ...]:
        if hasattr(call, "operation"):
            return call.operation, self.named(call.params)
        return call.action, self.named(call.params)

    def named(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.field(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.named(item) for item in value]
        return self.names.get(value, value) if isinstance(value, str) else value

    def field(self, key: str, value: Any) -> Any:
        if key == "SecretString":  # the pending document: its fields and account, not its new password
            document = json.loads(value)
            return sorted(document), document["username"]
        if key in ("RemoveFromVersionId", "AsyncRequestId", "FlowId", "TaskId", "Timestamp"):
            return f"<{key}>"
        if key in ("Password", "NewPassword", "AccountPassword", "NewAccountPassword", "password", "db_user_pwd"):
            return "<new password>"
        if key in ("WebIdentityToken", "OIDCToken"):
            return "<token from AWS STS>"
        return self.named(value)


@pytest.fixture
def fresh_process(local: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """Nothing kept by either side yet: a new sandbox's state (the floor told each provider's calls)."""
    for name, value in floor_environment().items():
        monkeypatch.setenv(name, value)
    runtime.forget_credentials()
    rotation_floor.forget()
    yield local
    runtime.forget_credentials()
    rotation_floor.forget()


def two_rotations(
    local: LocalCloud,
    server: RecordingMotoServer,
    account: Account,
    invoke: Callable[[dict[str, Any]], Any],
) -> list[Calls]:
    """Two rotations of ``account``, each step's calls recorded; the account must end on the new password."""
    rotations = []
    for _ in range(2):
        recorder = Recorder(local, server, account)
        SecretsManagerDriver(recorder.around(invoke)).rotate(account.secret_id)
        current = local.driver.value(account.secret_id)
        assert local.password_of(account, current["username"]) == current["password"]
        rotations.append(recorder.calls)
    return rotations


@pytest.mark.parametrize(("provider", "access", "dual"), CASES)
def test_the_floor_makes_the_functions_calls(
    provider: str, access: str, dual: bool, fresh_process: LocalCloud, secrets_manager: RecordingMotoServer
) -> None:
    from app import lambda_handler

    local = fresh_process
    other = "app_user_b" if dual else None
    product_account = local.account(provider, access=access, other=other)
    floor_account = local.account(provider, access=access, other=other)

    product = two_rotations(local, secrets_manager, product_account, lambda e: lambda_handler(e, LambdaContext()))
    floor = two_rotations(local, secrets_manager, floor_account, rotation_floor.step)

    for first, second in zip(product, floor, strict=True):
        assert first == second
    assert len(product[0]["aws"]) == 9 + (access == "api-key")
    assert len(product[1]["aws"]) == 9  # the second keeps the API key
    exchanged = [len(product[0]["aws sts"]), len(product[0]["cloud sts"])]
    assert exchanged == ([0, 0] if access == "api-key" else [1, 1])
    assert product[1]["aws sts"] == product[1]["cloud sts"] == []
    assert product[0]["provider"]


def test_a_call_the_floor_leaves_out_is_seen(
    fresh_process: LocalCloud, secrets_manager: RecordingMotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison can fail: a floor that skips the account check after the reset differs from the function."""
    from app import lambda_handler

    local = fresh_process
    recipes = json.loads(os.environ[FLOOR_RECIPES])
    recipes["tencentcloud-postgres"]["steps"] = recipes["tencentcloud-postgres"]["steps"][:1]  # the reset alone
    monkeypatch.setenv(FLOOR_RECIPES, json.dumps(recipes))
    product = two_rotations(
        local, secrets_manager, local.account("tencentcloud-postgres"), lambda e: lambda_handler(e, LambdaContext())
    )
    floor = two_rotations(local, secrets_manager, local.account("tencentcloud-postgres"), rotation_floor.step)
    assert product[0]["aws"] == floor[0]["aws"]
    assert product[0]["provider"] != floor[0]["provider"]
