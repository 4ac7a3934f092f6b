"""TencentDB for MariaDB (``tencentcloud-mariadb``): Tencent Cloud API 3.0, service ``mariadb`` 2017-03-12.

Its reset is synchronous: ``ResetAccountPassword`` answers with a ``RequestId`` only (no flow or task to poll). A
MariaDB account is ``user@host``, and the reset requires ``Host``: the secret's ``account_host`` (default ``%``)
names it. The password goes as ``Password`` over TLS; its alternative, ``EncryptedPassword``, needs a key from
``GetPublicKey``, an action the service does not have (the SDK client has no such method).

Error codes: the lists of possible codes the SDK gives for each action the client calls (ResetAccountPassword,
DescribeAccounts, and DescribeAccountPrivileges for dual-account verify): tencentcloud-sdk-go
``tencentcloud/mariadb/v20170312/client.go``, the "可能返回的错误码" comment above each action (its release v1.3.166,
commit 144f6c8d, also lists ``InternalError.InnerSystemError`` for ResetAccountPassword), with the meanings of
tencentcloud-sdk-python-mariadb 3.1.101 ``tencentcloud/mariadb/v20170312/errorcodes.py``. Then the codes that file
declares for the whole service that a call of ours can plausibly meet and that their family would misclassify or
leave without a reason. The common API 3.0 codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-mariadb"

# tencentcloud-sdk-go mariadb/v20170312/client.go, ResetAccountPassword; meanings from
# tencentcloud-sdk-python-mariadb 3.1.101 mariadb/v20170312/errorcodes.py.
RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "FailedOperation.ResetPasswordFailed": (
        RETRYABLE,
        "Resetting the account password failed. Judgement: a backend failure; sending the same password again "
        "is harmless, and a persistent one reaches the alarm",
    ),
    "InternalError.CamAuthFailed": (
        RETRYABLE,
        "The CAM authentication request failed. Judgement: the service's call to CAM failed, which is not a "
        "denial (a denial is UnauthorizedOperation.PermissionDenied)",
    ),
    "InternalError.DbOperationFailed": (RETRYABLE, "Querying the (service's own) database failed"),
    "InternalError.InnerSystemError": (RETRYABLE, "Internal system error"),
    "InvalidParameter.CharacterError": (FATAL, "The password contains illegal characters"),
    "InvalidParameter.GenericParameterError": (
        FATAL,
        "Parameter validation failed. Judgement: also what a password outside 8-32 characters, starting with / "
        "or mixing fewer than two of letters, digits and ()~!@#$%^&*-+=_|{}[]:<>,.?/ is refused with (the SDK "
        "names no password code of its own); the same request fails again",
    ),
    "ResourceUnavailable.InstanceAlreadyDeleted": (FATAL, "The database instance has been deleted"),
    "ResourceUnavailable.InstanceHasBeenLocked": (
        RETRYABLE,
        "The database instance is locked and cannot be operated on now. Judgement: another operation's flow "
        "holds the lock and releases it when it ends; an instance that stays locked reaches the alarm",
    ),
    "ResourceUnavailable.InstanceStatusAbnormal": (
        RETRYABLE,
        "The database instance's status does not allow the operation now. Judgement: restarts and changes end "
        "by themselves; an instance that stays so surfaces as a persistent retryable failure",
    ),
    "UnauthorizedOperation.PermissionDenied": (
        FATAL,
        "No permission for this action or resource: the CAM policy must allow it on the instance",
    ),
}

# The same file, DescribeAccounts and DescribeAccountPrivileges: the rest of their lists is above.
DESCRIBE_ACCOUNTS_AND_PRIVILEGES: dict[str, Entry] = {
    "InternalError.GetUserListFailed": (RETRYABLE, "Reading the account list failed"),
    "InternalError.GetRightFailed": (RETRYABLE, "Reading the account's current privileges failed"),
    "InvalidParameter.InstanceNotFound": (FATAL, "The requested instance was not found: check instance_id and region"),
}

# tencentcloud-sdk-python-mariadb 3.1.101 errorcodes.py, declared for the service but not listed for our three
# actions: the ones such a call can meet whose family would misclassify them or give them no reason.
SERVICE_WIDE: dict[str, Entry] = {
    "ResourceNotFound.AccountDoesNotExist": (FATAL, "The account (user@host) does not exist: check account_host"),
    "ResourceNotFound.NoInstanceFound": (FATAL, "The database instance was not found"),
    "ResourceNotFound.InstanceNotFound": (FATAL, "The instance does not exist"),
    "InvalidParameterValue.IllegalInstanceId": (FATAL, "The instance id is not valid"),
    "InvalidParameterValue.SuperUserForbidden": (FATAL, "System users may not be operated on"),
    "InvalidParameter.PermissionDenied": (FATAL, "No permission for this action or resource"),
    "LimitExceeded.TooFrequentlyCalled": (
        RETRYABLE,
        "Requests are too frequent. Judgement: a rate limit (20 per second per action), not a quota; its "
        "family alone would make it fatal",
    ),
    "FailedOperation.AuthNoStrategy": (
        FATAL,
        "Authentication failed: no policy allows it. Judgement: a denial, though its family is retryable",
    ),
    "FailedOperation.UserNotAuthed": (FATAL, "The user is not authenticated. Judgement: as for AuthNoStrategy"),
    "InternalError.InstanceOperatePermissionError": (
        FATAL,
        "The user has no permission on this instance. Judgement: a denial, though its family is retryable",
    ),
}

CODES: dict[str, Entry] = {**SERVICE_WIDE, **DESCRIBE_ACCOUNTS_AND_PRIVILEGES, **RESET_ACCOUNT_PASSWORD}


SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for MariaDB (`tdsql-…`, account `user@host`)",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="MARIADB",
    instance_id=re.compile(r"^tdsql-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        # ResetAccountPasswordRequest.Password (tencentcloud-sdk-python-mariadb 3.1.101 models.py): 8-32
        # characters, not starting with /, at least two of letters, digits and these symbols.
        min_length=8,
        max_length=32,
        symbols="()~!@#$%^&*-+=_|{}[]:<>,.?/",
        classes_required=3,  # three of our four classes always hold two of its three kinds (letters are one)
        forbidden_first="/",
    ),
    errors=error_table(NAME, CODES),
    engine="mysql",
    client_class=f"{__name__}.client:TencentMariadbApi",
    fields={
        "account_host": Field(
            pattern=re.compile(r"^[A-Za-z0-9._%:/-]{1,255}$"), default="%", meaning="a MariaDB account host (e.g. %)"
        )
    },
    actions=("mariadb:ResetAccountPassword", "mariadb:DescribeAccounts", "mariadb:DescribeAccountPrivileges"),
)
