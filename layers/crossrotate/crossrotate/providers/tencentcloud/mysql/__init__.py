"""TencentDB for MySQL (``tencentcloud-mysql``): Tencent Cloud API 3.0, service ``cdb`` 2017-03-20.

Its reset is asynchronous: ``ModifyAccountPassword`` answers with an ``AsyncRequestId``, and the new password is
in force only when ``DescribeAsyncRequestInfo`` reports the task ``SUCCESS``. A MySQL account is ``user@host``:
the secret's ``account_host`` (default ``%``) names the host part.

Error codes: the SDK's lists for ModifyAccountPassword, DescribeAsyncRequestInfo, DescribeAccounts and
DescribeAccountPrivileges (read by dual-account verify) with the meanings of its ``errorcodes.py``, and the
outcomes of a task that ended without success (``Task.*``, this function's own names for the task's documented
statuses). The common API 3.0 codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-mysql"

MODIFY_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "FailedOperation.CreateAccountError": (FATAL, "Creating the account failed: check whether the user exists"),
    "FailedOperation.GetPrivilegeError": (
        RETRYABLE,
        "Error reading privileges. Judgement: a backend read that fails now and then; persistent cases reach the alarm",
    ),
    "FailedOperation.PrivilegeDataIllegal": (FATAL, "The privilege change asked for is not allowed"),
    "FailedOperation.ResponseValueError": (
        RETRYABLE,
        "The backend service answered abnormally; contact support. Judgement: retried within the small budget, "
        "a persistent one reaches the alarm and support",
    ),
    "FailedOperation.StartFlowError": (RETRYABLE, "The operation could not be started; try again later"),
    "FailedOperation.StatusConflict": (
        RETRYABLE,
        "Task status conflict. Judgement: another task on the instance is running and ends by itself",
    ),
    "FailedOperation.SubmitAsyncTaskError": (RETRYABLE, "Submitting the task failed; try again later"),
    "InternalError.InternalAssertError": (RETRYABLE, "Internal service error; contact support if it persists"),
    "InternalError.InternalRequestError": (RETRYABLE, "A backend request failed; try again later"),
    "InternalError.RegexpCompileError": (FATAL, "Regular expression compile error: the request's pattern is wrong"),
    "InternalError.UnknownError": (RETRYABLE, "Unknown error"),
    "InvalidParameter.InstanceNotFound": (FATAL, "The instance does not exist"),
    "InvalidParameterValue.AccountDescriptionCharacterError": (FATAL, "The account description has special characters"),
    "InvalidParameterValue.AccountDescriptionLengthError": (FATAL, "The account description is over 255 characters"),
    "InvalidParameterValue.AccountHostRuleError": (FATAL, "The account host breaks the rules: check account_host"),
    "InvalidParameterValue.AccountPasswordCharacterError": (FATAL, "The password contains invalid characters"),
    "InvalidParameterValue.AccountPasswordLengthError": (FATAL, "The password length is not allowed"),
    "InvalidParameterValue.AccountPasswordRuleError": (
        FATAL,
        "Password rule: two of letters, digits and _+-&=!@#$%^*(); 8-64 characters",
    ),
    "InvalidParameterValue.DataConvertError": (FATAL, "Data conversion failed"),
    "InvalidParameterValue.UserNameRuleError": (FATAL, "The account user name breaks the rules"),
    "InvalidParameterValue.UserNotExistError": (FATAL, "The account (user@host) does not exist"),
    "InvalidParameterValue.VerifyAccountNoRootError": (FATAL, "No root account found"),
    "InvalidParameterValue.VerifyAccountPasswordError": (FATAL, "The account password is not valid"),
    "InvalidParameterValue.VerifyAccountPrivError": (FATAL, "The account has no GRANT privilege"),
    "MissingParameter.AccountMissingParameterError": (FATAL, "Account parameters are missing"),
    "OperationDenied.DeleteRootAccountError": (FATAL, "The root account cannot be deleted"),
    "OperationDenied.InstTypeNotSupport": (FATAL, "This type of instance does not support the operation"),
    "OperationDenied.NotSupportModifyLocalRootHostError": (FATAL, "The local root account's host cannot be changed"),
    "OperationDenied.WrongPassword": (FATAL, "Wrong password, or the check did not pass"),
    "ResourceNotFound.CdbInstanceNotFoundError": (FATAL, "The instance was not found; check that it is normal"),
    "UnsupportedOperation.PrivilegesUnsupportedError": (FATAL, "The privilege is not supported"),
}

DESCRIBE_ASYNC_REQUEST_INFO: dict[str, Entry] = {
    "CdbError.TaskError": (RETRYABLE, "Backend task error. Judgement: a later setSecret starts the task again"),
    "InternalError.FtpError": (RETRYABLE, "File transfer error"),
    "InternalError.UndefinedError": (RETRYABLE, "Unknown error"),
    "InvalidParameter.InvalidAsyncRequestId": (
        RETRYABLE,
        "The async task does not exist. Judgement: the id came from the answer just received; a later setSecret "
        "starts a new task with the same password",
    ),
    "OperationDenied": (FATAL, "The operation is denied"),
    "OperationDenied.UserHasNoStrategy": (FATAL, "The caller has no permission policy for this"),
}

DESCRIBE_ACCOUNTS: dict[str, Entry] = {
    "FailedOperation.DBOperationActionError": (RETRYABLE, "A database operation failed. Judgement: transient"),
    "FailedOperation.InstanceQueryError": (RETRYABLE, "Querying the instance failed. Judgement: transient"),
    "InternalError.CdbError": (RETRYABLE, "Backend error"),
    "InternalError.HttpError": (RETRYABLE, "Backend HTTP error"),
    "InternalError.InternalHttpServerError": (RETRYABLE, "An exception occurred while executing the request"),
    "InvalidParameter.ControllerNotFoundError": (FATAL, "The API is not found"),
    "InvalidParameterValue.InvalidParameterValueError": (FATAL, "Incorrect parameter value"),
    "OperationDenied.OperationDeniedError": (FATAL, "The operation is denied"),
    "ResourceNotFound.InstanceNotFundError": (FATAL, "The instance was not found (sic)"),
}

DESCRIBE_ACCOUNT_PRIVILEGES: dict[str, Entry] = {
    # The rest of its list is in the tables above.
    "CdbError": (RETRYABLE, "Backend or workflow error"),
    "OperationDenied.InstanceStatusError": (
        RETRYABLE,
        "The instance's status is abnormal. Judgement: restarts and changes end by themselves; an instance that "
        "stays so surfaces as a persistent retryable failure",
    ),
    "ResourceNotFound.InstanceNotFoundError": (FATAL, "The instance does not exist"),
}

TASK_OUTCOMES: dict[str, Entry] = {
    "Task.Failed": (
        RETRYABLE,
        "The password-change task ended FAILED: not applied, the old password stays. Judgement: the documented "
        "advice for task failures is to try again later; a later setSecret starts it again with the same password",
    ),
    "Task.Killed": (
        FATAL,
        "The password-change task was terminated (KILLED). Judgement: someone or something stopped it; starting "
        "it again could undo a deliberate stop",
    ),
    "Task.Removed": (FATAL, "The password-change task was deleted (REMOVED). Judgement: as for KILLED"),
}

CODES: dict[str, Entry] = {
    **DESCRIBE_ACCOUNT_PRIVILEGES,
    **DESCRIBE_ACCOUNTS,
    **DESCRIBE_ASYNC_REQUEST_INFO,
    **MODIFY_ACCOUNT_PASSWORD,
    **TASK_OUTCOMES,
}


SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for MySQL (`cdb-…`, account `user@host`)",
    reset_mode="a task, polled to `SUCCESS`",
    cloud=CLOUD,
    service="CDB",
    instance_id=re.compile(r"^cdb-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        min_length=8,
        max_length=64,
        symbols="_+-&=!@#$%^*()",
        classes_required=2,  # two of letters, digits, symbols: at least two of our four classes
    ),
    errors=error_table(NAME, CODES),
    engine="mysql",
    client_class=f"{__name__}.client:TencentMysqlApi",
    fields={
        "account_host": Field(
            pattern=re.compile(r"^[A-Za-z0-9._%:/-]{1,255}$"), default="%", meaning="a MySQL account host (e.g. %)"
        )
    },
    actions=(
        "cdb:ModifyAccountPassword",
        "cdb:DescribeAsyncRequestInfo",
        "cdb:DescribeAccounts",
        "cdb:DescribeAccountPrivileges",
    ),
)
