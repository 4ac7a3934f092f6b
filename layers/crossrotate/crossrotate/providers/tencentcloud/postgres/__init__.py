"""TencentDB for PostgreSQL (``tencentcloud-postgres``): Tencent Cloud API 3.0, service ``postgres`` 2017-03-12.

The spec is cheap to import; the client is imported when a secret of this provider is rotated. Error codes:
every code of the ResetAccountPassword page the product started from, and the SDK's lists for the same API and
for DescribeAccountPrivileges (read by dual-account verify); the common API 3.0 codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-postgres"

CODES: dict[str, Entry] = {
    "FailedOperation.CamSigAndAuthError": (
        RETRYABLE,
        "Authentication failed. Please try again later. Judgement: the documentation says to retry; a wrong key "
        "shows as AuthFailure.* instead",
    ),
    "FailedOperation.DatabaseAccessError": (
        RETRYABLE,
        "Failed to access database management service. Please try again later",
    ),
    "FailedOperation.FailedOperationError": (RETRYABLE, "Operation failed. Please try again later"),
    "FailedOperation.OssAccessError": (
        RETRYABLE,
        "Failed to access database management service. Please try again later",
    ),
    "FailedOperation.OssOperationFailed": (
        RETRYABLE,
        "Failed to request the backend API. Judgement: a backend failure, usually transient; the documented "
        "example ('admin unmatch') is not, so it is retried within the small in-invocation budget and persistent "
        "cases reach the alarm",
    ),
    "InternalError.DBError": (RETRYABLE, "Backend database execution error"),
    "InternalError.InternalHttpServerError": (RETRYABLE, "An exception occurred while executing the request"),
    "InternalError.SystemError": (RETRYABLE, "System error"),
    "InvalidAccountPassword": (FATAL, "Incorrect account password"),
    "InvalidParameterValue.AccountNotExistError": (FATAL, "The account does not exist"),
    "InvalidParameterValue.InstanceNotExist": (FATAL, "The current instance does not exist"),
    "InvalidParameterValue.InvalidParameterValueError": (FATAL, "Incorrect parameter value"),
    "InvalidParameterValue.InvalidPasswordFormat": (FATAL, "Incorrect password format"),
    "InvalidParameterValue.InvalidPasswordLengthError": (FATAL, "The password length does not meet the requirements"),
    "InvalidParameterValue.InvalidPasswordValueError": (
        FATAL,
        "The password must contain upper- and lower-case letters, digits and symbols and cannot start with /",
    ),
    "InvalidParameterValue.ParameterHandleError": (FATAL, "Failed to process the parameter"),
    "OperationDenied.CamDeniedError": (FATAL, "This operation cannot be performed (CAM denied)"),
    "ResourceNotFound.InstanceNotFoundError": (FATAL, "The instance does not exist"),
    # Listed by the SDK for this API.
    "FailedOperation.CheckAccountCAMCloseError": (
        FATAL,
        "The account uses CAM verification: its password is refreshed by RefreshAccountPassword, not reset",
    ),
    "FailedOperation.PreCheckError": (FATAL, "The pre-check of the operation failed"),
    "FailedOperation.InvalidAccountStatus": (
        RETRYABLE,
        "The account's status does not allow the operation. Judgement: accounts leave creating/modifying by themselves",
    ),
    "FailedOperation.OperateFrequencyLimitedError": (RETRYABLE, "Operations are too frequent"),
    "InvalidParameter.ParameterCheckError": (FATAL, "Parameter check failed"),
    "InvalidParameterValue.DecryptPasswordFailed": (FATAL, "The password could not be decrypted"),
    "InvalidParameterValue.InvalidAccountNameError": (FATAL, "The account name is not valid"),
    "InvalidParameterValue.InvalidAccountNameFormatError": (FATAL, "The account name format is not valid"),
    "OperationDenied.InstanceStatusLimitOpError": (
        RETRYABLE,
        "The instance's status does not allow the operation now. Judgement: restarts and upgrades end by themselves",
    ),
    "InvalidInstanceStatus": (RETRYABLE, "The instance's status does not allow the operation now (as above)"),
    "ResourceUnavailable.InvalidInstanceStatus": (
        RETRYABLE,
        "The instance's status does not allow the operation now (as above)",
    ),
    # Listed by the SDK for DescribeAccountPrivileges (the rest of its list is above).
    "DBError": (RETRYABLE, "Backend database execution error"),
    "InvalidParameterValue.InvalidDatabaseObjectName": (
        FATAL,
        "Database object names may hold only letters, digits, underscores and []: check the secret's dbname",
    ),
    "OperationDenied.InstanceAccessDeniedError": (FATAL, "You have no permission to operate on this resource"),
}


SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for PostgreSQL (`postgres-…`)",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="POSTGRES",
    instance_id=re.compile(r"^postgres-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        min_length=8,
        max_length=32,
        # The documented set; the error message also lists ; and ' which we never generate.
        symbols="()`~!@#$%^&*-+=_|{}[]:<>,.?/",
        classes_required=4,
        forbidden_first="/",
    ),
    errors=error_table(NAME, CODES),
    engine="postgres",
    client_class=f"{__name__}.client:TencentPostgresApi",
    actions=("postgres:ResetAccountPassword", "postgres:DescribeAccounts", "postgres:DescribeAccountPrivileges"),
)
