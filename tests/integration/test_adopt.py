"""Taking existing secrets on without changing a password first: the ``adopt`` action (a dry run on secrets not
attached yet), and scripts/attach.py, which checks a whole list (by tag or name prefix) and attaches it with
``RotateSecret --no-rotate-immediately`` only after a clean dry run; ``detach`` lets every secret go before an
uninstall. Against the local Secrets Manager and the provider emulators, the function invoked in-process.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from typing import Any

import pytest
from attach import main as attach_main

from localcloud.aws.secretsmanager import FUNCTION_ARN, LambdaContext, Rotation
from localcloud.cloud import Account, LocalCloud


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from app import lambda_handler
    from crossrotate.errors import RetryableRotationError

    try:
        document: dict[str, Any] = lambda_handler(event, LambdaContext())
    except RetryableRotationError as error:
        return {"results": [], "error": {"errorType": type(error).__name__, "errorMessage": str(error)}}
    return document


def unattached(local: LocalCloud, provider: str, tag: str | None = None, **keys: Any) -> Account:
    """An existing secret that no rotation function rotates yet, tagged ``crossrotate:adopt=<tag>``."""
    account = local.account(provider, **keys)
    sm = local.driver.sm
    if tag:
        sm.tag_resource(SecretId=account.secret_id, Tags=[{"Key": "crossrotate:adopt", "Value": tag}])
    assert "RotationLambdaARN" not in sm.describe_secret(SecretId=account.secret_id)
    return account


def only(document: dict[str, Any]) -> dict[str, Any]:
    (result,) = document["results"]
    return dict(result)


def test_adopt_checks_a_secret_not_attached_yet_and_changes_nothing(local: LocalCloud) -> None:
    account = unattached(local, "alibabacloud-rds")
    versions = local.driver.versions(account.secret_id)
    result = only(invoke({"action": "adopt", "secret_id": account.secret_id}))
    assert result["outcome"] == "verified"
    assert "attaching runs testSecret only" in result["message"]
    assert f"the first rotation resets {account.username}" in result["message"]
    assert local.driver.versions(account.secret_id) == versions
    assert local.password_of(account) == account.old_password
    assert local.resets(account) == []


def test_adopt_reports_what_would_fail(local: LocalCloud) -> None:
    missing = local.account("tencentcloud-postgres")
    local.emulators["tencentcloud-postgres"].instances[missing.instance_id].accounts.clear()  # type: ignore[attr-defined]
    result = only(invoke({"action": "adopt", "secret_id": missing.secret_id}))
    assert (result["outcome"], result["code"]) == ("failed", "AccountNotFound")


def test_adopt_refuses_a_secret_whose_other_rotation_is_unfinished(local: LocalCloud) -> None:
    account = local.account("tencentcloud-postgres")
    local.driver.start_rotation(account.secret_id)  # AWSPENDING with no value, as another function left it
    result = only(invoke({"action": "adopt", "secret_id": account.secret_id}))
    assert (result["outcome"], result["code"]) == ("failed", "RotationInProgress")


class SecretsManagerService:
    """The boto3 client, with ``RotateSecret --no-rotate-immediately`` run as the service runs it (testSecret
    alone, through the function): the local Secrets Manager cannot invoke the function itself."""

    def __init__(self, local: LocalCloud) -> None:
        self.driver = local.driver

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver.sm, name)

    def rotate_secret(self, **request: Any) -> None:
        assert request["RotateImmediately"] is False
        schedule = request["RotationRules"]["ScheduleExpression"]
        self.driver.attach(request["SecretId"], request["RotationLambdaARN"], schedule)


def run(*argv: str, local: LocalCloud) -> tuple[int, str]:
    out = io.StringIO()
    status = attach_main(list(argv), invoke=invoke, secretsmanager=SecretsManagerService(local), out=out)
    return status, out.getvalue()


def test_attaching_runs_test_secret_alone_whatever_the_current_password(local: LocalCloud) -> None:
    """Secrets Manager tests an attached secret on a copy of its current value: a password this function did not
    choose (too short for the rules it generates by) must pass, and nothing changes."""
    account = unattached(local, "tencentcloud-postgres")
    document = {**local.driver.value(account.secret_id), "password": "changeme"}
    local.driver.sm.put_secret_value(SecretId=account.secret_id, SecretString=json.dumps(document))
    local.driver.attach(account.secret_id, FUNCTION_ARN, "rate(30 days)")
    described = local.driver.sm.describe_secret(SecretId=account.secret_id)
    assert (described["RotationLambdaARN"], described["RotationEnabled"]) == (FUNCTION_ARN, True)
    assert local.driver.value(account.secret_id)["password"] == "changeme"
    assert local.resets(account) == []


def test_attach_attaches_a_tagged_list_only_after_a_clean_dry_run(local: LocalCloud) -> None:
    tag = uuid.uuid4().hex[:10]
    accounts = [unattached(local, provider, tag) for provider in ("tencentcloud-postgres", "alibabacloud-rds")]
    broken = unattached(local, "tencentcloud-mysql", tag)
    local.emulators["tencentcloud-mysql"].instances[broken.instance_id].accounts.clear()  # type: ignore[attr-defined]
    status, out = run("attach", "--function", FUNCTION_ARN, "--tag", f"crossrotate:adopt={tag}", local=local)
    assert status == 1
    assert "nothing attached" in out
    for account in [*accounts, broken]:
        assert "RotationLambdaARN" not in local.driver.sm.describe_secret(SecretId=account.secret_id)
    local.driver.sm.untag_resource(SecretId=broken.secret_id, TagKeys=["crossrotate:adopt"])
    status, out = run("attach", "--function", FUNCTION_ARN, "--tag", f"crossrotate:adopt={tag}", local=local)
    assert status == 0, out
    for account in accounts:
        described = local.driver.sm.describe_secret(SecretId=account.secret_id)
        assert described["RotationLambdaARN"] == FUNCTION_ARN
        assert described["RotationEnabled"] is True
        assert local.password_of(account) == account.old_password  # no rotation ran
        assert local.resets(account) == []


def test_check_by_name_prefix_changes_nothing(local: LocalCloud) -> None:
    account = unattached(local, "alibabacloud-polardb")
    prefix = account.secret_id.rsplit("/", 1)[0] + "/" + account.secret_id.rsplit("/", 1)[1][:8]
    status, out = run("check", "--function", FUNCTION_ARN, "--prefix", prefix, local=local)
    assert status == 0, out
    assert "1 secrets selected" in out
    assert "RotationLambdaARN" not in local.driver.sm.describe_secret(SecretId=account.secret_id)


def rotated_by(local: LocalCloud, account: Account, function: str, immediately: bool) -> None:
    """Point the secret's rotation at ``function`` (moto cannot invoke it: an immediate rotation leaves AWSPENDING
    with no value, as the service does before createSecret)."""
    with contextlib.suppress(local.driver.sm.exceptions.ResourceNotFoundException):
        local.driver.sm.rotate_secret(
            SecretId=account.secret_id,
            RotationLambdaARN=function,
            RotationRules={"ScheduleExpression": "rate(30 days)"},
            RotateImmediately=immediately,
        )


def test_detach_cancels_unfinished_rotations_then_turns_rotation_off(local: LocalCloud) -> None:
    """A function of its own, so that no other test's secret is detached."""
    function = FUNCTION_ARN.replace("crossrotate-rotator", f"rotator-{uuid.uuid4().hex[:8]}")
    finished = local.account("tencentcloud-postgres")
    rotated_by(local, finished, function, immediately=False)
    unfinished = local.account("alibabacloud-rds")
    rotated_by(local, unfinished, function, immediately=True)
    rotation = Rotation(unfinished.secret_id, local.driver.version_with(unfinished.secret_id, "AWSPENDING"))
    local.driver.step(rotation, "createSecret")
    local.driver.step(rotation, "setSecret")  # the account now has AWSPENDING's password
    assert local.password_of(unfinished) != unfinished.old_password
    status, out = run("detach", "--function", function, local=local)
    assert status == 0, out
    assert "2 secrets rotate with" in out
    for account in (finished, unfinished):
        described = local.driver.sm.describe_secret(SecretId=account.secret_id)
        assert described["RotationEnabled"] is False
        assert not any("AWSPENDING" in stages for stages in described["VersionIdsToStages"].values())
        assert local.password_of(account) == local.driver.value(account.secret_id)["password"]


@pytest.mark.parametrize("argv", [["check", "--function", "f"], ["attach", "--function", "f", "--tag", "novalue"]])
def test_bad_arguments_exit_2(argv: list[str], local: LocalCloud) -> None:
    with pytest.raises(SystemExit) as exited:
        run(*argv, local=local)
    assert exited.value.code == 2
