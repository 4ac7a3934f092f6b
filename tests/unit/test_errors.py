"""Every documented code is in a table; unknown codes fall back by family, then by HTTP status."""

from __future__ import annotations

import pytest

from crossrotate.errors import (
    ErrorTable,
    FatalRotationError,
    RetryableRotationError,
    RotationError,
)
from crossrotate.registry import PROVIDERS
from localcloud.alibabacloud.api import COMMON_CODES as ALIBABA_COMMON_CODES
from localcloud.alibabacloud.rds import DB_OPERATION_MESSAGE as ALIBABA_DB_OPERATION_MESSAGE
from localcloud.alibabacloud.rds import DOCUMENTED_CODES as ALIBABA_SEED_CODES
from localcloud.tencentcloud.api import COMMON_CODES as TENCENT_COMMON_CODES
from localcloud.tencentcloud.postgres import DOCUMENTED_CODES as TENCENT_SEED_CODES


@pytest.mark.parametrize("code", TENCENT_SEED_CODES + TENCENT_COMMON_CODES)
def test_every_documented_tencent_code_is_listed_with_a_reason(code: str) -> None:
    verdict = PROVIDERS["tencentcloud-postgres"].errors.classify(code)
    assert not verdict.unclassified
    assert len(verdict.reason) > 10


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("RequestLimitExceeded", True),
        ("InternalError.SystemError", True),
        ("FailedOperation.OssOperationFailed", True),
        ("FailedOperation.CamSigAndAuthError", True),
        ("AuthFailure.SignatureExpire", True),
        ("AuthFailure.SignatureFailure", False),
        ("AuthFailure.SecretIdNotFound", False),
        ("InvalidParameterValue.AccountNotExistError", False),
        ("InvalidParameterValue.InvalidPasswordValueError", False),
        ("ResourceNotFound.InstanceNotFoundError", False),
        ("FailedOperation.CheckAccountCAMCloseError", False),
    ],
)
def test_tencent_judgement_calls(code: str, retryable: bool) -> None:
    assert PROVIDERS["tencentcloud-postgres"].errors.classify(code).retryable is retryable


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("AuthFailure.SomethingNew", False),
        ("InternalError.NewBackendError", True),
        ("RequestLimitExceeded.NewLimit", True),
        ("ResourceNotFound.NewThing", False),
        ("FailedOperation.Brand.New", True),
        ("InvalidParameterValue.NewCheck", False),
    ],
)
def test_unknown_codes_fall_back_to_their_family(code: str, retryable: bool) -> None:
    verdict = PROVIDERS["tencentcloud-postgres"].errors.classify(code)
    assert verdict.unclassified
    assert verdict.retryable is retryable
    assert "family" in verdict.reason


@pytest.mark.parametrize(("status", "retryable"), [(None, False), (200, False), (400, False), (429, True), (502, True)])
def test_codes_of_no_known_family_fall_back_to_http_status(status: int | None, retryable: bool) -> None:
    verdict = PROVIDERS["tencentcloud-postgres"].errors.classify("Totally.Unknown", status)
    assert verdict.unclassified
    assert verdict.retryable is retryable


def test_error_builds_the_branch_of_the_tree_with_its_fields() -> None:
    error = PROVIDERS["tencentcloud-postgres"].errors.error(
        "RequestLimitExceeded", "slow down", request_id="req-1", retry_after=2.0
    )
    assert isinstance(error, RetryableRotationError)
    assert isinstance(error, RotationError)
    assert (error.code, error.provider, error.request_id, error.retryable, error.retry_after) == (
        "RequestLimitExceeded",
        "tencentcloud-postgres",
        "req-1",
        True,
        2.0,
    )
    assert str(error) == "tencentcloud-postgres: RequestLimitExceeded: slow down (request req-1)"
    fatal = PROVIDERS["tencentcloud-postgres"].errors.error("InvalidParameter", "bad")
    assert isinstance(fatal, FatalRotationError)
    assert fatal.retryable is False


def test_a_listed_code_beats_its_family() -> None:
    table = ErrorTable("p", codes={"A.B": (True, "listed")}, families={"A": (False, "family")})
    assert table.classify("A.B").retryable is True
    assert table.classify("A.C").retryable is False


@pytest.mark.parametrize("code", [*ALIBABA_SEED_CODES, *ALIBABA_COMMON_CODES])
def test_every_documented_alibaba_code_is_listed_with_a_reason(code: str) -> None:
    verdict = PROVIDERS["alibabacloud-rds"].errors.classify(code)
    assert not verdict.unclassified
    assert len(verdict.reason) > 10


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("Database.ConnectError", True),
        ("IncorrectDBInstanceState", True),
        ("IncorrectDBInstanceLockMode", False),
        ("SignatureNonceUsed", True),
        ("InvalidTimeStamp.Expired", True),
        ("Account.UpdateError", False),
        ("Throttling.User", True),
        ("SignatureDoesNotMatch", False),
        ("InvalidAccountPassword.Format", False),
    ],
)
def test_alibaba_judgement_calls(code: str, retryable: bool) -> None:
    assert PROVIDERS["alibabacloud-rds"].errors.classify(code).retryable is retryable


def test_the_placeholder_db_operation_error_is_classified_by_its_message() -> None:
    message = ALIBABA_DB_OPERATION_MESSAGE.replace("%s", "Lock wait timeout exceeded", 1)
    verdict = PROVIDERS["alibabacloud-rds"].errors.classify("ER_LOCK_WAIT_TIMEOUT", 400, message)
    assert (verdict.retryable, verdict.unclassified) == (True, False)
    assert PROVIDERS["alibabacloud-rds"].errors.classify("ER_LOCK_WAIT_TIMEOUT", 400, "something else").unclassified


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (403, False), (404, False), (429, True), (503, True)])
def test_alibaba_unknown_codes_fall_back_to_http_status(status: int, retryable: bool) -> None:
    verdict = PROVIDERS["alibabacloud-rds"].errors.classify("Brand.New.Code", status)
    assert (verdict.retryable, verdict.unclassified) == (retryable, True)
