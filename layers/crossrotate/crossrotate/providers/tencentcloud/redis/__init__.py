"""TencentDB for Redis (``tencentcloud-redis``): Tencent Cloud API 3.0, service ``redis`` 2018-04-12.

Its reset runs as a task: ``ModifyInstanceAccount`` (a custom account) and ``ResetPassword`` (the default account,
which ``DescribeInstanceAccount`` lists as ``root``) each answer a ``TaskId``, and the new password is in force
only when ``DescribeTaskInfo`` reports the task ``succeed``. The password goes as plain ``AccountPassword`` /
``Password`` over TLS (``EncryptPassword`` false, its default: the encryption is documented nowhere). Note that
``ResetPassword``'s ``NoAuth`` defaults to false: resetting ``root`` of a password-free instance makes it ask for
the password again.

Login: custom accounts authenticate through the instance's proxy as ``AUTH <account>@<password>``, the default
account as ``AUTH <password>`` (tencentcloud.com/document/product/239/34590, "Managing Account", 2026-02-04: the
proxy matches the whole argument against the default account first, then splits it at the first ``@``). That is
the secret's ``redis_auth`` default, ``user@password``; ``acl`` (``AUTH <account> <password>``) is for an instance
reached without the proxy. Accounts exist on every edition but Redis 2.8 and Memcached.

Error codes: the lists "可能返回的错误码" of tencentcloud-sdk-go v1.3.166 (commit 144f6c8d; redis last changed in
v1.3.131), ``tencentcloud/redis/v20180412/client.go``, for the four actions the client calls, with their meanings
from tencentcloud-sdk-python-redis 3.1.189, ``tencentcloud/redis/v20180412/errorcodes.py``, in English (several of
that file's descriptions are copied from other codes: the code's name is trusted over its text, and said so);
then the codes that file declares for the whole service that a rotation can meet and whose family would classify
wrongly or without a reason; and the outcomes of a task that ended without success (``Task.*``, this function's
own names for ``DescribeTaskInfo``'s documented statuses ``failed`` and ``error``). The common API 3.0 codes come
from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-redis"

# ModifyInstanceAccount: tencentcloud-sdk-go v1.3.166 redis/v20180412/client.go (8 codes); meanings from
# tencentcloud-sdk-python-redis 3.1.189 errorcodes.py.
MODIFY_INSTANCE_ACCOUNT: dict[str, Entry] = {
    "FailedOperation.SystemError": (RETRYABLE, "Internal system error, unrelated to the request"),
    "FailedOperation.UnSupportError": (
        FATAL,
        "The instance does not support this API. Judgement: Redis 2.8 and Memcached instances have no accounts; "
        "the same call fails again, though the family is retryable",
    ),
    "InternalError.InternalError": (RETRYABLE, "Internal error"),
    "InvalidParameter.PermissionDenied": (FATAL, "The API has no CAM permission: the policy must allow the action"),
    "ResourceUnavailable.GetSecurityError": (RETRYABLE, "Reading the instance's security group information failed"),
    "ResourceUnavailable.InstanceStatusError": (
        RETRYABLE,
        "The instance's status is abnormal and the operation cannot run. Judgement: an instance in another flow "
        "(a task still running, a change) leaves it when the flow ends; one that stays so reaches the alarm",
    ),
    "UnauthorizedOperation.NoCAMAuthed": (FATAL, "No CAM permission for this action or resource"),
    "UnauthorizedOperation.UserNotInWhiteList": (FATAL, "The user is not in the allow-list"),
}

# ResetPassword: the same file, the codes of its list (10) not in ModifyInstanceAccount's.
RESET_PASSWORD: dict[str, Entry] = {
    "FailedOperation.Unknown": (
        RETRYABLE,
        "An unknown failure (errorcodes.py's description, 'invalid weekday input', is copied from another code). "
        "Judgement: a backend failure; sending the same password again is harmless",
    ),
    "InternalError.DbOperationFailed": (RETRYABLE, "An operation on the service's own database failed"),
    "InvalidParameterValue.PasswordFreeDenied": (
        FATAL,
        "Tencent-internal accounts may not use password-free instances",
    ),
    "InvalidParameterValue.PasswordRuleError": (
        FATAL,
        "The password breaks the rules (errorcodes.py describes an old password that does not match, yet lists it "
        "for ResetPassword, which takes none). Judgement: named for the rule; the same password fails again",
    ),
    "ResourceUnavailable.InstanceStatusAbnormal": (
        RETRYABLE,
        "The instance's status is abnormal and the flow cannot run. Judgement: as for InstanceStatusError",
    ),
}

# DescribeTaskInfo and DescribeInstanceAccount: the same file; their lists' other codes are above.
DESCRIBE_TASK_INFO: dict[str, Entry] = {
    "InvalidParameter.InvalidParameter": (
        FATAL,
        "A business parameter is wrong (for DescribeTaskInfo, a TaskId the service does not know): asking again "
        "cannot help",
    ),
}

# tencentcloud-sdk-python-redis 3.1.189 errorcodes.py, declared for the whole service and not listed for these
# actions: the ones a rotation's calls can meet whose family would misclassify them or give them no reason.
SERVICE_WIDE: dict[str, Entry] = {
    "ResourceNotFound.InstanceNotExists": (FATAL, "No Redis instance has this id: check instance_id and region"),
    "ResourceNotFound.AccountDoesNotExists": (
        FATAL,
        "The account does not exist (errorcodes.py's description, 'uin is empty', is copied from another code). "
        "Judgement: named for what a reset of a missing account meets",
    ),
    "InternalError.InstanceNotFoundError": (FATAL, "The instance was not found. Judgement: fatal, despite its family"),
    "InternalError.InstanceOperatePermissionError": (
        FATAL,
        "No permission to operate on the instance. Judgement: a denial, though its family is retryable",
    ),
    "FailedOperation.FlowNotExists": (
        FATAL,
        "The flow (task) does not exist. Judgement: asking about an unknown task again cannot help, though its "
        "family is retryable",
    ),
    "ResourceUnavailable.InstanceDeleted": (FATAL, "The instance has been reclaimed"),
    "ResourceUnavailable.InstanceIsolated": (FATAL, "The instance has expired (isolated): renew it first"),
    "ResourceUnavailable.InstanceLockedError": (
        RETRYABLE,
        "The instance is locked by another flow. Judgement: the flow releases it when it ends",
    ),
    "ResourceInUse.InstanceBeenLocked": (RETRYABLE, "The instance is locked by another flow"),
    "InvalidParameterValue.PasswordEmpty": (FATAL, "The password is empty"),
    "InvalidParameterValue.PasswordError": (FATAL, "The password check failed: wrong password"),
    "UnsupportedOperation.LimitProxyVersion": (FATAL, "The instance's proxy version is too low: upgrade it"),
}

# This function's own names for DescribeTaskInfo's statuses that end a task without success.
TASK_OUTCOMES: dict[str, Entry] = {
    "Task.Failed": (
        RETRYABLE,
        "The password-change task ended failed: not applied, the old password stays. Judgement: a later setSecret "
        "starts it again with the same password; a task that keeps failing reaches the alarm (its TaskMessage, "
        "redacted, is in the error)",
    ),
    "Task.Error": (
        RETRYABLE,
        "The password-change task ended in error (执行出错): not applied. Judgement: as for failed",
    ),
}

CODES: dict[str, Entry] = {
    **SERVICE_WIDE,
    **DESCRIBE_TASK_INFO,
    **MODIFY_INSTANCE_ACCOUNT,
    **RESET_PASSWORD,
    **TASK_OUTCOMES,
}

AUTH_FORMS = re.compile(r"^(user@password|user:password|acl)$")

SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for Redis (`crs-…`, custom accounts and the default `root`)",
    reset_mode="a task, polled to `succeed`",
    cloud=CLOUD,
    service="REDIS",
    instance_id=re.compile(r"^crs-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        # ResetPasswordRequest.Password (root): 8-32 characters, not starting with /, two of lower, upper, digits
        # and ()~!@#$%^&*-+=_|{}[]:;<>,.?/; CreateInstanceAccountRequest.AccountPassword (custom accounts): the
        # same with 8-64 and a backtick (tencentcloud-sdk-python-redis 3.1.189 models.py). One policy for both:
        # the shorter bound, and the symbols without @ and : (Judgement: the separators of the proxy's
        # "account@password" and "instance-id:password" logins, where a password holding one is ambiguous).
        min_length=8,
        max_length=32,
        symbols="()~!#$%^&*-+=_|{}[];<>,.?/",
        classes_required=2,
        forbidden_first="/",
    ),
    errors=error_table(NAME, CODES),
    engine="redis",
    client_class=f"{__name__}.client:TencentRedisApi",
    fields={
        "redis_auth": Field(
            pattern=AUTH_FORMS,
            default="user@password",
            meaning="a Redis AUTH form: user@password (the instance's proxy), user:password or acl",
        )
    },
    actions=(
        "redis:ModifyInstanceAccount",
        "redis:ResetPassword",
        "redis:DescribeTaskInfo",
        "redis:DescribeInstanceAccount",
    ),
)
