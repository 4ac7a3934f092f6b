"""TencentDB for MongoDB (``tencentcloud-mongodb``): Tencent Cloud API 3.0, service ``mongodb`` 2019-07-25.

Its reset is asynchronous: ``ResetDBInstancePassword`` (InstanceId, UserName, Password) answers with an
``AsyncRequestId``, and the new password is in force only when ``DescribeAsyncRequestInfo`` reports the request
``success``. It resets any account ``DescribeAccountUsers`` lists (its UserName parameter says so, and the
documented example resets ``rwuser``, not ``mongouser``), so dual-account secrets are allowed; a user made in the
mongo shell is not listed and cannot be reset. No MongoDB server runs in tests (``engine`` is None): the
provider's own answer is the proof, and a secret naming ``host`` is refused.

Sources: tencentcloud-sdk-python-mongodb 3.1.192, ``tencentcloud/mongodb/v20190725/{models.py,errorcodes.py}`` (the
request and answer fields, the password rule, the statuses, every code's meaning); tencentcloud-sdk-go
``tencentcloud/mongodb/v20190725/client.go``, the "可能返回的错误码" comment above each action (the codes listed for
ResetDBInstancePassword, DescribeAsyncRequestInfo and DescribeAccountUsers, the last with
InvalidParameter.PermissionDenied in current releases); the API pages 240/46598, 240/46601, 240/80800 (20 calls a
second each). Then the codes errorcodes.py declares for the whole service that a call of ours can plausibly meet
and that their family would misclassify or leave without a reason, and the outcomes of a request that ended
without success (``Task.*``, this function's own names for its documented statuses). The common API 3.0 codes come
from :mod:`..codes`. Note: the service answers a CAM denial as ``InvalidParameter.PermissionDenied``.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "tencentcloud-mongodb"

# tencentcloud-sdk-go mongodb/v20190725/client.go: ResetDBInstancePassword's list (InternalError and
# InvalidParameter are API 3.0's common codes), DescribeAsyncRequestInfo's (InternalError,
# InvalidParameter.PermissionDenied, InvalidParameterValue.StatusAbnormal) and DescribeAccountUsers' (InternalError,
# InternalError.CheckAppIdFailed, InvalidParameter.PermissionDenied); meanings from errorcodes.py 3.1.192.
RESET_POLL_AND_LIST: dict[str, Entry] = {
    "InvalidParameter.PermissionDenied": (
        FATAL,
        "The (sub-)account may not perform the operation: the CAM policy must allow the action on the instance",
    ),
    "InvalidParameterValue.IllegalInstanceStatus": (
        RETRYABLE,
        "The instance's status is not valid for the operation. Judgement: an instance being created or changed "
        "(its Status 0 or 1) becomes usable by itself; isolated and deleted instances have codes of their own, and "
        "one that stays so reaches the alarm",
    ),
    "InvalidParameterValue.LockFailed": (
        RETRYABLE,
        "Locking the instance failed. Judgement: another task (an earlier reset among them) holds the instance's "
        "lock and releases it when it ends",
    ),
    "InvalidParameterValue.NotFoundInstance": (FATAL, "The instance was not found: check instance_id and region"),
    "InvalidParameterValue.PasswordRuleFailed": (
        FATAL,
        "The password does not meet the rule (8-32 characters, two of letters, digits and !@#%^*()_): the same "
        "password fails again",
    ),
    "InvalidParameterValue.StatusAbnormal": (
        RETRYABLE,
        "The instance is in a state that does not allow the operation. Judgement: restarts, changes and backups "
        "end by themselves; an instance that stays so surfaces as a persistent retryable failure",
    ),
    "InvalidParameterValue.UserNotFound": (
        FATAL,
        "The user account does not exist: only accounts DescribeAccountUsers lists can be reset (not users made "
        "in the mongo shell)",
    ),
    "InternalError.CheckAppIdFailed": (
        RETRYABLE,
        "The appId check failed. Judgement: an internal check (its family is InternalError, and a wrong owner has "
        "InvalidParameterValue.CheckAppIdFailed); retried within the small budget, a persistent one reaches the "
        "alarm",
    ),
}

# errorcodes.py 3.1.192, declared for the whole service but not listed for our three actions: the ones such a call
# can meet whose family would misclassify them or give them no reason.
SERVICE_WIDE: dict[str, Entry] = {
    "LimitExceeded.TooManyRequests": (
        RETRYABLE,
        "Requests are too frequent: the action's rate limit. Judgement: a rate limit (20 per second per action), "
        "not a quota; its family alone would make it fatal",
    ),
    "OperationDenied.OperationDeniedError": (
        RETRYABLE,
        "The operation is denied, please retry. Judgement: the documented meaning says to retry, though its family "
        "is fatal",
    ),
    "FailedOperation.OperationNotAllowedInInstanceLocking": (
        RETRYABLE,
        "The operation is not allowed while the instance is locked: another task holds it until it ends",
    ),
    "FailedOperation.KernelResponseTimeout": (
        RETRYABLE,
        "The database kernel did not answer in time. Judgement: sending the same password again is harmless",
    ),
    "InvalidParameterValue.InstanceHasBeenDeleted": (FATAL, "The instance has been deleted"),
    "InvalidParameterValue.InstanceHasBeenIsolated": (
        FATAL,
        "The instance has been isolated (expired or returned): it takes no change until it is renewed",
    ),
    "InvalidParameterValue.CheckAppIdFailed": (
        FATAL,
        "The appId check failed. Judgement: the instance does not belong to the caller's account",
    ),
    "ResourceNotFound.InstanceNotFundError": (FATAL, "The instance was not found (sic)"),
    "UnauthorizedOperation.NoAccess": (FATAL, "No access: the CAM policy must allow the action on the instance"),
}

TASK_OUTCOMES: dict[str, Entry] = {
    "Task.Failed": (
        RETRYABLE,
        "The password request ended failed (task failed and terminated): not applied. Judgement: a later "
        "setSecret starts it again with the same password, which is harmless whatever the failed one left",
    ),
    "Task.Undoed": (
        RETRYABLE,
        "The password request ended undoed (task failed and rolled back): the old password stays. Judgement: as "
        "for failed",
    ),
    "Task.Paused": (
        FATAL,
        "The password request ended paused (task failed and paused): it waits for someone to resume or roll it "
        "back in the console's task list, and which password is in force is unknown until then. Judgement: "
        "starting another request could race the paused one",
    ),
}

CODES: dict[str, Entry] = {**SERVICE_WIDE, **RESET_POLL_AND_LIST, **TASK_OUTCOMES}


SPEC = ProviderSpec(
    name=NAME,
    title="TencentDB for MongoDB (`cmgo-…`, console and API users such as `mongouser`)",
    reset_mode="a task, polled to `success`",
    cloud=CLOUD,
    service="MONGODB",
    # DescribeAccountUsersRequest.InstanceId (models.py 3.1.192): "cmgo-p8vn****"; the API pages: cmgo-7pjedvz7.
    instance_id=re.compile(r"^cmgo-[a-z0-9]{4,32}$"),
    password_policy=PasswordPolicy(
        name=NAME,
        # ResetDBInstancePasswordRequest.Password (models.py 3.1.192): 8-32 characters, at least two of letters,
        # digits and these symbols.
        min_length=8,
        max_length=32,
        symbols="!@#%^*()_",
        classes_required=3,  # three of our four classes always hold two of its three kinds (letters are one)
    ),
    errors=error_table(NAME, CODES),
    engine=None,
    client_class=f"{__name__}.client:TencentMongodbApi",
    actions=("mongodb:ResetDBInstancePassword", "mongodb:DescribeAsyncRequestInfo", "mongodb:DescribeAccountUsers"),
)
