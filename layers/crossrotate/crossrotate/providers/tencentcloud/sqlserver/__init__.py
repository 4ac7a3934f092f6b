"""TencentDB for SQL Server (``tencentcloud-sqlserver``): Tencent Cloud API 3.0, service ``sqlserver`` 2018-03-28.

Its reset is a flow: ``ResetAccountPassword`` (``InstanceId``, ``Accounts``: ``UserName`` and ``Password``) answers
a ``FlowId``, and the password is in force only when ``DescribeFlowStatus`` reports the flow's ``Status`` 0
(success); 1 is failed, 2 running (tencentcloud-sdk-python-sqlserver 3.1.183 ``models.py``,
``DescribeFlowStatusResponse``). The password goes as ``Password`` with no ``EncryptedVersion`` ("0 means no
encryption": the SDK names no action that hands out the key of another version). Accounts are named alone (no
host). No SQL Server can be reached in tests, so the provider's own answers are the proof of a rotation: a secret
that names a ``host`` is refused.

The ``instance_id`` is the instance's (``mssql-…``; the SDK's examples have 6 to 9 characters after the prefix).
Read-only replicas (``mssqlro-…``) are not accepted: their accounts are the primary's.

Error codes: the lists "可能返回的错误码" of tencentcloud-sdk-go v1.3.166 (commit 144f6c8d),
``tencentcloud/sqlserver/v20180328/client.go``, for the three actions the client calls (ResetAccountPassword,
DescribeFlowStatus, DescribeAccounts), each with its meaning from tencentcloud-sdk-python-sqlserver 3.1.183,
``tencentcloud/sqlserver/v20180328/errorcodes.py``, in English; and ``Flow.Failed``, this function's own name for a
flow that ended with Status 1. The common API 3.0 codes (``InternalError``, ``InvalidParameter``, both in those
lists too) come from :mod:`..codes`.

CAM: the actions are ``sqlserver:<Action>`` (the service's "Authorization Policy Syntax" page). Whether
``sqlserver:DescribeFlowStatus``, which names a flow and no instance, can be scoped to an instance is not
documented: if CAM refuses the scoped statement for it, grant that one read-only action on ``*``.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-sqlserver"

# ResetAccountPassword: tencentcloud-sdk-go v1.3.166 sqlserver/v20180328/client.go, its list of 11 codes.
RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "InternalError.DBError": (RETRYABLE, "Database error (the service's own)"),
    "InternalError.GcsError": (RETRYABLE, "An internal (GCS) interface error"),
    "InternalError.SystemError": (RETRYABLE, "System error"),
    "InvalidParameter.InputIllegal": (FATAL, "Input error: a parameter is not valid"),
    "InvalidParameter.ParamsAssertFailed": (
        FATAL,
        "A parameter failed its type assertion or conversion; the same request fails again",
    ),
    "InvalidParameterValue.PasswordIsIllegal": (
        FATAL,
        "The account password is illegal. Judgement: the generator follows the strictest documented rules (see the "
        "spec) but one it cannot see, SQL Server's: no account name (of 3 or more characters) inside, met by chance "
        "about 6 times in 10,000 for a 3-character name and far less for longer ones; the same pending password "
        "is refused again, and a new rotation draws a new one",
    ),
    "ResourceNotFound.AccountNotExist": (FATAL, "The account does not exist on the instance: check username"),
    "ResourceNotFound.InstanceNotFound": (FATAL, "The instance does not exist: check instance_id and region"),
    "ResourceUnavailable.AccountInvalidStatus": (
        RETRYABLE,
        "The account's status does not allow it. Judgement: an account being created, modified or reset "
        "(DescribeAccounts Status 1, 3, 4: an earlier reset's flow included) ends so by itself; one being deleted "
        "or under CAM verification stays so, surfaces as a persistent retryable failure, and verify names it",
    ),
    "ResourceUnavailable.InstanceStatusInvalid": (
        RETRYABLE,
        "The instance's status does not allow it. Judgement: backups, expansions, restarts and switches end by "
        "themselves; an isolated or offline instance stays so and surfaces as a persistent retryable failure",
    ),
    "UnauthorizedOperation.PermissionDenied": (
        FATAL,
        "CAM authentication error: the policy must allow the action on the instance",
    ),
}

# DescribeFlowStatus and DescribeAccounts, the same file: the rest of their lists is above or common.
DESCRIBE_FLOW_STATUS_AND_ACCOUNTS: dict[str, Entry] = {
    "InternalError.UnknownError": (RETRYABLE, "Unknown error"),
    "FailedOperation.DBError": (RETRYABLE, "Database error (the service's own)"),
    "FailedOperation.GcsError": (RETRYABLE, "The operation failed or the network timed out"),
}

FLOW_OUTCOMES: dict[str, Entry] = {
    "Flow.Failed": (
        RETRYABLE,
        "The password-change flow ended failed (DescribeFlowStatus Status 1). Judgement: the service says no more "
        "(no reason, no partial state), so the labels stay: AWSCURRENT keeps the password in force, and the next "
        "setSecret sends the same pending password in a new flow, which is harmless whether or not the failed "
        "one changed anything (and repairs it if it did); a flow that keeps failing reaches the alarm",
    ),
}

CODES: dict[str, Entry] = {**DESCRIBE_FLOW_STATUS_AND_ACCOUNTS, **RESET_ACCOUNT_PASSWORD, **FLOW_OUTCOMES}


SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for SQL Server (`mssql-…`)",
    reset_mode="a flow, polled to Status `0`",
    cloud=CLOUD,
    service="SQLSERVER",
    instance_id=re.compile(r"^mssql-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        # The SDK states no rule for AccountPassword.Password. The console's (product/238/7521): 8-32 characters,
        # two of letters, digits and symbols; its Windows-authentication accounts' (product/238/48058): three of
        # upper-case, lower-case, digits and _+-&=!@$#%^*()[]; SQL Server's own complexity policy: three of the
        # four classes. Judgement: the symbols are those, without - ( ) [ ], which the account-name rules list
        # among "sensitive characters" (-- among them): nothing the service may filter is ever sent.
        min_length=8,
        max_length=32,
        symbols="_+&=!@$#%^*",
        classes_required=3,
    ),
    errors=error_table(NAME, CODES),
    engine=None,
    client_class=f"{__name__}.client:TencentSqlserverApi",
    actions=("sqlserver:ResetAccountPassword", "sqlserver:DescribeFlowStatus", "sqlserver:DescribeAccounts"),
)
