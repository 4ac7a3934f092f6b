"""What only Huawei Cloud RDS does, through the handler against its stand-ins (the contract suite holds it to the
rest): the project id from the secret or looked up once in IAM, ``root`` reset by ResetPwd, the instance's status
as its table says, a SQL Server instance proven by RDS's answer alone, system accounts never reset, and the error
envelope in each of the forms huaweicloudsdkcore reads."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import VirtualClock, step, verify

from crossrotate import runtime
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.providers.huaweicloud import api
from crossrotate.providers.huaweicloud import sts as huawei_sts
from crossrotate.registry import PROVIDERS
from localcloud.cloud import Account, LocalCloud
from localcloud.huaweicloud.rds import HuaweiRdsEmulator

PROVIDER = "huaweicloud-rds"
TABLE = PROVIDERS[PROVIDER].errors


@pytest.fixture
def huawei(local: LocalCloud) -> Iterator[HuaweiRdsEmulator]:
    emulator: Any = local.emulators[PROVIDER]
    api.forget_projects()
    yield emulator
    with emulator.lock:
        emulator.projects.clear()
        for instance in emulator.instances.values():
            instance.status = "ACTIVE"
    api.forget_projects()


def without_project(local: LocalCloud, account: Account) -> None:
    document = {key: value for key, value in local.driver.value(account.secret_id).items() if key != "project_id"}
    local.driver.sm.put_secret_value(SecretId=account.secret_id, SecretString=json.dumps(document))


def lookups(emulator: HuaweiRdsEmulator) -> int:
    return len(emulator.calls_of("KeystoneListProjects"))


# -- the project ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("access", ["api-key", "keyless"])
def test_without_project_id_the_project_is_looked_up_once_per_key(
    access: str, local: LocalCloud, huawei: HuaweiRdsEmulator
) -> None:
    runtime.forget_credentials()
    first, second = local.account(PROVIDER, access=access), local.account(PROVIDER, access=access)
    for account in (first, second):
        without_project(local, account)
    before = lookups(huawei)
    local.driver.rotate(first.secret_id)
    local.driver.rotate(second.secret_id)
    assert verify(first.secret_id)["outcome"] == "verified"
    assert lookups(huawei) - before == 1  # the sandbox keeps it for the key and region
    (call, *_) = huawei.calls_of("KeystoneListProjects")[before:]
    assert call.params == {"name": "cn-north-4"}
    for account in (first, second):
        assert local.password_of(account) == local.driver.value(account.secret_id)["password"]
    paths = {call.params["project_id"] for call in huawei.calls[before:] if "project_id" in call.params}
    assert paths == {huawei.project_id}


@pytest.mark.parametrize(("projects", "code"), [(0, "Project.NotFound"), (2, "Project.Ambiguous")])
def test_no_project_or_several_is_fatal_and_says_to_set_project_id(
    projects: int, code: str, local: LocalCloud, huawei: HuaweiRdsEmulator, clock: VirtualClock
) -> None:
    huawei.projects["cn-north-4"] = [secrets.token_hex(16) for _ in range(projects)]
    account = local.account(PROVIDER)
    without_project(local, account)
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", code, False)
    assert "project_id" in PROVIDERS[PROVIDER].errors.classify(code).reason
    rotation = local.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == code
    assert local.resets(account) == []
    huawei.projects.clear()
    api.forget_projects()
    step(rotation, "setSecret", clock)
    assert local.password_of(account) == local.driver.value(account.secret_id, "AWSPENDING")["password"]


def test_a_project_id_in_the_secret_needs_no_lookup(local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER)
    before = lookups(huawei)
    local.driver.rotate(account.secret_id)
    assert lookups(huawei) == before
    assert all("x-project-id" in signed for signed in huawei.signed_with[-3:])


def test_a_project_id_that_is_not_the_accounts_is_refused_fatally(local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER, project_id=secrets.token_hex(16))
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "DBS.200010", False)


# -- accounts -----------------------------------------------------------------------------------------------------


def test_root_is_reset_by_reset_pwd(local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER, "root")
    local.driver.rotate(account.secret_id)
    assert local.password_of(account) == local.driver.value(account.secret_id)["password"]
    (reset,) = [call for call in huawei.calls_of("ResetPwd") if call.params.get("instance_id") == account.instance_id]
    assert set(reset.params) == {"project_id", "instance_id", "db_user_pwd"}
    assert not [
        call for call in huawei.calls_of("SetDbUserPwd") if call.params.get("instance_id") == account.instance_id
    ]
    assert verify(account.secret_id)["outcome"] == "verified"  # root is the instance's db_user_name, not listed


def test_a_sql_server_instance_rotates_on_rdss_answer_alone(local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER, "rdsuser")
    huawei.use_engine(account.instance_id, "SQLServer")
    local.driver.rotate(account.secret_id)
    assert local.password_of(account) == local.driver.value(account.secret_id)["password"]
    assert huawei.calls_of("SetDbUserPwd")[-1].params["name"] == "rdsuser"


@pytest.mark.parametrize("name", ["rdsAdmin", "rdsbackup"])
def test_a_system_account_is_never_reset(name: str, local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER, name)
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"]) == ("failed", "AccountNotUsable")
    rotation = local.driver.start_rotation(account.secret_id)
    local.driver.step(rotation, "createSecret")
    with pytest.raises(FatalRotationError) as raised:
        local.driver.step(rotation, "setSecret")
    assert raised.value.code == "AccountNotUsable"
    assert local.resets(account) == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("BACKING UP", None),
        ("REBOOTING", "AccountNotReady"),
        ("STORAGE FULL", "AccountNotUsable"),
        ("FROZEN", "DBS.280449"),
    ],
)
def test_the_instance_status_decides_as_the_table_says(
    status: str, outcome: str | None, local: LocalCloud, huawei: HuaweiRdsEmulator, clock: VirtualClock
) -> None:
    """Usable, settling (waited for until the deadline, then retryable), or blocked (fatal); a frozen instance's
    reset is refused by RDS itself."""
    account = local.account(PROVIDER)
    rotation = local.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    huawei.set_status(account.instance_id, status)
    if outcome is None:
        step(rotation, "setSecret", clock)
        return
    with pytest.raises((FatalRotationError, RetryableRotationError)) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == outcome
    assert raised.value.retryable is (outcome == "AccountNotReady")


def test_privileges_of_a_postgresql_role(local: LocalCloud, huawei: HuaweiRdsEmulator) -> None:
    account = local.account(PROVIDER, "app_a", other="app_b", engine="postgres")
    huawei.use_engine(account.instance_id, "PostgreSQL")
    huawei.grant(account.instance_id, "app_a", {"role attributes": ["rolcanlogin"], "member of": ["readers"]})
    huawei.grant(account.instance_id, "app_b", {"role attributes": ["rolcanlogin", "rolcreatedb"]})
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"]) == ("failed", "PrivilegesDiffer")
    assert "member of: only app_a has ['readers']" in result["message"]
    assert "role attributes: only app_b has ['rolcreatedb']" in result["message"]


# -- the envelope ----------------------------------------------------------------------------------------------


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers or {})


REQUEST_ID = {"X-Request-Id": "r-1"}
KEYSTONE = {"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "x"}}
"""IAM's Keystone envelope: the code is the HTTP status."""


@pytest.mark.parametrize(
    ("response", "code", "request_id", "retryable"),
    [
        (answer(409, {"error_code": "DBS.200011", "error_msg": "busy"}, REQUEST_ID), "DBS.200011", "r-1", True),
        (answer(401, {"error_code": "APIGW.0301", "error_msg": "x", "request_id": "r-2"}), "APIGW.0301", "r-2", False),
        (answer(400, {"errorCode": "DBS.200001", "errorMsg": "x"}), "DBS.200001", None, False),
        (answer(401, KEYSTONE, {"X-IAM-Trace-Id": "t-1"}), "HTTP.401", "t-1", False),
        (answer(200, {"error_code": "DBS.200011", "error_msg": "an error under 200"}), "DBS.200011", None, True),
        (answer(503, b"<html>upstream</html>"), "HTTP.503", None, True),
        (answer(404, {"error_msg": "no code"}), "HTTP.404", None, False),
    ],
)  # fmt: skip
def test_every_envelope_the_sdk_reads_is_read(
    response: httpx.Response, code: str, request_id: str | None, retryable: bool
) -> None:
    with pytest.raises((FatalRotationError, RetryableRotationError)) as raised:
        api.answer_of(response, TABLE, ())
    assert (raised.value.code, raised.value.request_id, raised.value.retryable) == (code, request_id, retryable)


def test_an_empty_success_is_an_empty_object_and_a_message_is_redacted() -> None:
    assert api.answer_of(answer(200, b""), TABLE, ()) == {}
    with pytest.raises(FatalRotationError) as raised:
        api.answer_of(answer(400, {"error_code": "DBS.200001", "error_msg": "bad S3cret!"}), TABLE, ("S3cret!",))
    assert "S3cret!" not in str(raised.value)


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable", "words"),
    [
        (403, {"error_msg": "denied"}, "HTTP.403", False, "oidc:sub"),
        (401, {"error_code": "STS5.1234", "error_msg": "token"}, "STS5.1234", False, "client_ids"),
        (429, {"error_code": "APIGW.0308", "error_msg": "slow down"}, "APIGW.0308", True, "throttling"),
        (500, {"error_code": "STS5.9999", "error_msg": "oops"}, "STS5.9999", True, "its side"),
    ],
)
def test_sts_answers_are_classified_by_code_else_by_status_with_the_side_to_fix(
    status: int, body: dict[str, Any], code: str, retryable: bool, words: str
) -> None:
    failure = api.read_answer(answer(status, body), huawei_sts.PROVIDER)
    assert isinstance(failure, api.Failure)
    error = huawei_sts.sts_error(failure, "the.jwt.token")
    assert (error.code, error.retryable) == (code, retryable)  # type: ignore[attr-defined]
    assert words in str(error)


def test_default_endpoints_follow_the_sdks_maps() -> None:
    assert api.default_endpoint("rds", "cn-north-4") == "https://rds.cn-north-4.myhuaweicloud.com"
    assert api.default_endpoint("rds", "eu-west-101") == "https://rds.eu-west-101.myhuaweicloud.eu"
    assert api.iam_endpoint("ap-southeast-3") == "https://iam.ap-southeast-3.myhuaweicloud.com"
    assert api.iam_endpoint("cn-north-7") == "https://iam.myhuaweicloud.com"  # no regional IAM: the global one
    assert huawei_sts.endpoint_for("ap-southeast-1") == "https://sts.ap-southeast-1.myhuaweicloud.com"
    assert huawei_sts.endpoint_for("eu-west-101") == huawei_sts.DEFAULT_ENDPOINT


@pytest.mark.parametrize(
    ("value", "role", "provider"),
    [
        ("iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:agency:crossrotate-rds", True, False),
        ("iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:identity-provider:aws-crossrotate", False, True),
        ("iam::0f1e2d3c4b5a69788796a5b4c3d2e1f0:agency:bad name", False, False),
        ("acs:ram::1234567890123456:role/crossrotate", False, False),
    ],
)
def test_agency_and_provider_urns(value: str, role: bool, provider: bool) -> None:
    cloud = PROVIDERS[PROVIDER].cloud
    assert (bool(cloud.role_arn.fullmatch(value)), bool(cloud.identity_provider.fullmatch(value))) == (role, provider)
