"""TDSQL-C for MySQL (``tencentcloud-tdsqlc``): Tencent Cloud API 3.0, service ``cynosdb`` 2019-01-07.

Its reset is synchronous: ``ResetAccountPassword`` answers with a ``RequestId`` alone (no FlowId or TaskId to
follow). A MySQL account is ``user@host``: the secret's ``account_host`` (default ``%``) names the host part.
The ``instance_id`` is the cluster id (``cynosdbmysql-…``); the same API serves TDSQL-C for PostgreSQL
(``cynosdbpg-…``), which this provider does not accept.

Error codes: the lists "可能返回的错误码" of tencentcloud-sdk-go v1.3.166, ``tencentcloud/cynosdb/v20190107/
client.go``, for the three actions the client calls (ResetAccountPassword, DescribeAccounts and
DescribeAccountAllGrantPrivileges, read by dual-account verify), each with its meaning from
tencentcloud-sdk-python-cynosdb 3.1.195, ``tencentcloud/cynosdb/v20190107/errorcodes.py``, in English. The
common API 3.0 codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-tdsqlc"

# ResetAccountPassword: tencentcloud-sdk-go v1.3.166 cynosdb/v20190107/client.go, its list of 16 codes.
RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "FailedOperation.DatabaseAccessError": (
        RETRYABLE,
        "Database access failed; try again later, and contact support if it persists",
    ),
    "FailedOperation.OperationFailedError": (
        RETRYABLE,
        "The operation failed; try again later, and contact support if it persists",
    ),
    "InternalError.DbOperationFailed": (RETRYABLE, "Querying the database failed"),
    "InternalError.OperationNotSupport": (
        FATAL,
        "The operation is not supported. Judgement: an InternalError by its family, but an operation the cluster "
        "does not support stays unsupported however often it is asked",
    ),
    "InternalError.SystemError": (RETRYABLE, "Internal system error"),
    "InvalidParameterValue.AccountNotExistError": (
        FATAL,
        "The account does not exist on the cluster: check username and account_host",
    ),
    "InvalidParameterValue.IllegalPassword": (
        FATAL,
        "The password does not meet the requirements: the cluster's password strength policy may ask for more "
        "(ValidatePasswordLength, the digit, mixed-case and symbol counts); set PASSWORD_LENGTH to fit it",
    ),
    "InvalidParameterValue.InternalAccount": (FATAL, "Built-in accounts cannot be changed"),
    "InvalidParameterValue.InvalidParameterValueError": (FATAL, "The parameter value is invalid"),
    "InvalidParameterValue.InvalidPasswordValueError": (
        FATAL,
        "The password is not compliant (as for IllegalPassword: the cluster's password strength policy)",
    ),
    "InvalidParameterValue.ParamError": (FATAL, "Parameter error"),
    "OperationDenied.InstanceStatusDeniedError": (
        RETRYABLE,
        "The instance's current status does not allow the operation. Judgement: restarts, upgrades and "
        "configuration changes end by themselves; an instance that stays so surfaces as a persistent retryable "
        "failure and reaches the alarm",
    ),
    "OperationDenied.ServerlessInstanceStatusDenied": (
        RETRYABLE,
        "The serverless instance's current status does not allow the operation. Judgement: pausing and resuming "
        "end by themselves, and a paused cluster that resumes automatically does so on its next connection "
        "(setSecret's login, with host, makes one); one that stays paused reaches the alarm",
    ),
    "ResourceNotFound.ClusterNotFoundError": (FATAL, "The cluster does not exist: check instance_id and region"),
    "ResourceUnavailable.InstanceStatusAbnormal": (
        RETRYABLE,
        "The instance's status is abnormal; temporarily unavailable",
    ),
    "UnauthorizedOperation.PermissionDenied": (FATAL, "CAM authorization failed: the policy does not allow it"),
}

# DescribeAccounts: the same file's list, beyond the codes above (its other 8 are among them).
DESCRIBE_ACCOUNTS: dict[str, Entry] = {
    "InvalidParameterValue.InstanceNotFound": (FATAL, "The instance does not exist"),
}

# DescribeAccountAllGrantPrivileges (dual-account verify): the same file's list of 36, beyond the codes above. Many
# belong to other features (VPC, specs, zones) and cannot follow from this read; they are classified all the same.
DESCRIBE_ACCOUNT_ALL_GRANT_PRIVILEGES: dict[str, Entry] = {
    "InternalError.QueryDatabaseFailed": (RETRYABLE, "Querying the database failed"),
    "InternalError.ListInstanceFailed": (RETRYABLE, "The security group's instance query failed"),
    "InternalError.GetSecurityGroupDetailFailed": (RETRYABLE, "Reading the security group failed"),
    "InternalError.GetSubnetFailed": (RETRYABLE, "Reading the subnet failed"),
    "InternalError.GetVpcFailed": (RETRYABLE, "Reading the VPC failed"),
    "InternalError.OperateWanFail": (RETRYABLE, "The public network operation failed"),
    "OperationDenied.ServerlessClusterStatusDenied": (
        RETRYABLE,
        "The serverless cluster's current status does not allow the operation. Judgement: as for the serverless "
        "instance's status",
    ),
    "ResourceUnavailable.InstanceLockFail": (RETRYABLE, "Locking the instance failed; temporarily unavailable"),
    "LimitExceeded.UserInstanceLimit": (FATAL, "The account's number of instances is over its limit"),
    "InvalidParameter.IsolateNotAllowed": (FATAL, "The instance cannot be isolated"),
    "InvalidParameterValue.AccountExist": (FATAL, "The account already exists"),
    "InvalidParameterValue.FlowNotFound": (FATAL, "The task flow id does not exist"),
    "InvalidParameterValue.DBTypeNotFound": (FATAL, "The instance type is not supported"),
    "InvalidParameterValue.InvalidDBVersion": (FATAL, "The instance version is not valid"),
    "InvalidParameterValue.IllegalInstanceName": (FATAL, "The instance name has illegal characters"),
    "InvalidParameterValue.IllegalOrderBy": (FATAL, "The sort field is not valid"),
    "InvalidParameterValue.InvalidSpec": (FATAL, "The instance specification is not valid"),
    "InvalidParameterValue.RegionZoneUnavailable": (FATAL, "The region and zone chosen are unavailable"),
    "InvalidParameterValue.StoragePoolNotFound": (FATAL, "No storage pool was found"),
    "InvalidParameterValue.SubnetNotFound": (FATAL, "The subnet chosen was not found"),
    "InvalidParameterValue.VpcNotFound": (FATAL, "The VPC chosen was not found"),
}

CODES: dict[str, Entry] = {
    **DESCRIBE_ACCOUNT_ALL_GRANT_PRIVILEGES,
    **DESCRIBE_ACCOUNTS,
    **RESET_ACCOUNT_PASSWORD,
}


SPEC = ProviderSpec(
    name=NAME,
    title="TDSQL-C for MySQL (`cynosdbmysql-…`, account `user@host`)",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="CYNOSDB",
    instance_id=re.compile(r"^cynosdbmysql-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        # NewAccount.AccountPassword: 8-64 characters (tencentcloud-sdk-python-cynosdb 3.1.195 models.py); the
        # reset's AccountPassword states no rule of its own.
        min_length=8,
        max_length=64,
        # The symbols the service documents for its passwords (the AdminPassword rule, same models.py:
        # ~!@#$%^&*_-+=`|\(){}[]:;'<>,.?/), without the quotes, backslash, backtick, semicolon, bar and slash,
        # which escape or end strings in shells, SQL and URLs.
        symbols="~!@#$%^&*_-+=(){}[]:<>,.?",
        # A cluster's password strength policy (validate_password, MEDIUM by default) asks for upper- and
        # lower-case letters, a digit and a symbol: all four.
        classes_required=4,
    ),
    errors=error_table(NAME, CODES),
    engine="mysql",
    client_class=f"{__name__}.client:TencentTdsqlcApi",
    fields={
        "account_host": Field(
            pattern=re.compile(r"^[A-Za-z0-9._%:/-]{1,255}$"), default="%", meaning="a MySQL account host (e.g. %)"
        )
    },
    actions=(
        "cynosdb:ResetAccountPassword",
        "cynosdb:DescribeAccounts",
        "cynosdb:DescribeAccountAllGrantPrivileges",
    ),
)
