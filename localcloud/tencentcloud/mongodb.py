"""TencentDB for MongoDB (``mongodb`` 2019-07-25): ``ResetDBInstancePassword`` starts an async request that stays
``running`` for :attr:`~TencentMongodbEmulator.task_polls` reads (or :attr:`~TencentMongodbEmulator.task_seconds`)
and changes the password only when it ends ``success`` (or as :attr:`~TencentMongodbEmulator.task_outcomes` says:
``failed``, ``undoed``, ``paused``); ``DescribeAsyncRequestInfo`` reads it; ``DescribeAccountUsers`` lists every
account with its ``AuthRole`` (what :meth:`~TencentMongodbEmulator.grant` gave it, in the library's keys). A reset
while a request runs on the instance is refused as the instance's lock (``InvalidParameterValue.LockFailed``). Each
action refuses parameters its request model does not have, as API 3.0 does. No MongoDB server is behind it: the
password it keeps is the proof.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, required

SYMBOLS = "!@#%^*()_"
"""ResetDBInstancePasswordRequest.Password's characters besides letters and digits (models.py 3.1.192)."""
CREATED = "2024-01-01 00:00:00"
OUTCOMES = ("success", "failed", "undoed", "paused")
"""DescribeAsyncRequestInfoResponse.Status's final values (``initial`` and ``running`` are not)."""
MASKS = {frozenset(): 0, frozenset({"read"}): 1, frozenset({"read", "write"}): 3}
"""``Auth.Mask``'s documented values, by the privilege names the library's client reads them as."""

PARAMETERS = {
    "ResetDBInstancePassword": {"InstanceId", "UserName", "Password"},
    "DescribeAsyncRequestInfo": {"AsyncRequestId"},
    "DescribeAccountUsers": {"InstanceId"},
}
"""Each action's request model (models.py 3.1.192): any other parameter is refused (``UnknownParameter``)."""


@dataclass
class MongoAccount(DatabaseAccount):
    update_time: str = CREATED
    """``UserInfo.UpdateTime`` and ``ConsolePassUpdateTime``: a successful reset moves both."""
    auth_role: list[dict[str, Any]] = field(default_factory=list)
    """``UserInfo.AuthRole``: ``{"Mask": 1 | 3, "NameSpace": "*" | <database>}`` each."""


@dataclass
class MongoInstance(DatabaseInstance[MongoAccount]):
    """Its accounts are keyed by user name."""


@dataclass
class Request:
    instance_id: str
    username: str
    password: str
    polls_left: int
    ends: float
    outcome: str
    started: str
    status: str = "running"
    ended: str = ""


def stamp(now: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))


class TencentMongodbEmulator(TencentApiEmulator, DatabaseService[MongoInstance, MongoAccount]):
    """TencentDB for MongoDB: the password changes when the reset's async request succeeds."""

    service = "mongodb"
    version = "2019-07-25"
    instance_type = MongoInstance
    account_type = MongoAccount
    default_region = "ap-guangzhou"

    def setup(self) -> None:
        super().setup()
        self.requests: dict[str, Request] = {}
        self._ids = itertools.count(4769)  # the API page's example id; numeric strings, as documented
        self.task_polls = 1
        """DescribeAsyncRequestInfo reads of a request that still find it running."""
        self.task_seconds = 5.0
        """A request also ends this long after it started, whether or not anyone asks."""
        self.task_outcomes: list[str] = []
        """How the next requests end (``failed``, ``undoed``, ``paused``), one each, in order; ``success`` when
        empty."""
        self.conflict_ends_task = False
        """A reset refused for a running request (``InvalidParameterValue.LockFailed``) lets that request end at its
        next read: tests of two concurrent copies then depend on the order of events, not on the machine's speed."""

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do, in the library's keys: ``global`` (the namespace ``*``) or ``database <db>`` ->
        ``["read"]`` or ``["read", "write"]`` (the masks 1 and 3; ``[]`` is 0). Replaces earlier grants."""
        roles = []
        for key, names in privileges.items():
            kind, _, name = key.partition(" ")
            mask = MASKS.get(frozenset(names))
            if mask is None or not (key == "global" or (kind == "database" and name and "." not in name)):
                raise ValueError(f"not a MongoDB grant: {key!r}: {names!r}")
            roles.append({"Mask": mask, "NameSpace": "*" if key == "global" else name})
        with self.lock:
            self.account(instance_id, username).auth_role = roles

    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A poll's parameters with its request's instance added: the call log and the faults taken then name the
        account they concern, as every other call does."""
        request = self.requests.get(str(params.get("AsyncRequestId")))
        return {**params, "InstanceId": request.instance_id} if request and "InstanceId" not in params else params

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetDBInstancePassword": self.reset_db_instance_password,
            "DescribeAsyncRequestInfo": self.describe_async_request_info,
            "DescribeAccountUsers": self.describe_account_users,
        }

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - PARAMETERS.get(action, set(params)))
        if unknown:
            raise ProviderError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        return super().dispatch(action, params)

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> MongoInstance:
        required(params, "InstanceId")
        not_found = ProviderError("InvalidParameterValue.NotFoundInstance", "The instance was not found.")
        return self.instance_of(params["InstanceId"], not_found)

    def _advance(self, request: Request, polled: bool) -> None:
        """Let the request run: it ends after its polls or its time, and only a success changes the password."""
        if request.status != "running":
            return
        if polled:
            request.polls_left -= 1
        if request.polls_left >= 0 and self.now() < request.ends:
            return
        request.status, request.ended = request.outcome, stamp(self.now())
        if request.outcome == "success":
            self.change_password(request.instance_id, request.username, request.password)
            self.account(request.instance_id, request.username).update_time = request.ended

    def _running(self, instance_id: str) -> Request | None:
        for request in self.requests.values():
            self._advance(request, polled=False)
            if request.instance_id == instance_id and request.status == "running":
                return request
        return None

    def reset_db_instance_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            required(params, "UserName", "Password")
            no_user = ProviderError("InvalidParameterValue.UserNotFound", "The user account does not exist.")
            self.account_in(instance, params["UserName"], no_user)
            check_password(params["Password"])
            running = self._running(params["InstanceId"])
            if running is not None:
                if self.conflict_ends_task:
                    running.ends = 0.0
                raise ProviderError("InvalidParameterValue.LockFailed", "Failed to lock the instance.")
            request_id = str(next(self._ids))
            outcome = self.task_outcomes.pop(0) if self.task_outcomes else "success"
            if outcome not in OUTCOMES:
                raise ValueError(f"not a final status: {outcome!r}")
            self.requests[request_id] = Request(
                params["InstanceId"],
                params["UserName"],
                params["Password"],
                self.task_polls,
                self.now() + self.task_seconds,
                outcome,
                stamp(self.now()),
            )
            return {"AsyncRequestId": request_id}

    def describe_async_request_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """The request's status; an id that names none is a parameter error (the service documents no code of its
        own for it)."""
        with self.lock:
            required(params, "AsyncRequestId", code="InvalidParameter")
            request = self.requests.get(params["AsyncRequestId"])
            if request is None:
                raise ProviderError("InvalidParameter", "The AsyncRequestId names no request.")
            self._advance(request, polled=True)
            return {"Status": request.status, "StartTime": request.started, "EndTime": request.ended}

    def settle_tasks(self) -> None:
        """End every running request now (as if its time had come)."""
        with self.lock:
            for request in self.requests.values():
                request.ends = 0.0
                self._advance(request, polled=False)

    def describe_account_users(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            users = [
                {
                    "UserName": name,
                    "AuthRole": [dict(role) for role in account.auth_role],
                    "CreateTime": CREATED,
                    "UpdateTime": account.update_time,
                    "UserDesc": "",
                    "ConsolePassUpdateTime": account.update_time,
                }
                for name, account in sorted(instance.accounts.items())
            ]
            return {"Users": users}


def check_password(password: str) -> None:
    """ResetDBInstancePasswordRequest.Password's rule: 8-32 characters, at least two of letters, digits and
    :data:`SYMBOLS`; the service names one code for all of it."""
    kinds = (str.isalpha, str.isdigit, lambda c: c in SYMBOLS)
    allowed = all(c.isascii() and (c.isalnum() or c in SYMBOLS) for c in password)
    if not (allowed and 8 <= len(password) <= 32 and sum(any(map(kind, password)) for kind in kinds) >= 2):
        raise ProviderError(
            "InvalidParameterValue.PasswordRuleFailed",
            f"The password must be 8-32 characters and mix two of letters, digits and {SYMBOLS}.",
        )


# TencentDB for MongoDB (mongodb 2019-07-25): the codes tencentcloud-sdk-go tencentcloud/mongodb/v20190725/client.go
# lists for ResetDBInstancePassword, DescribeAsyncRequestInfo and DescribeAccountUsers, meanings in
# tencentcloud-sdk-python-mongodb 3.1.192 tencentcloud/mongodb/v20190725/errorcodes.py.
DOCUMENTED_CODES = [
    # ResetDBInstancePassword
    "InternalError",
    "InvalidParameter",
    "InvalidParameter.PermissionDenied",
    "InvalidParameterValue.IllegalInstanceStatus",
    "InvalidParameterValue.LockFailed",
    "InvalidParameterValue.NotFoundInstance",
    "InvalidParameterValue.PasswordRuleFailed",
    "InvalidParameterValue.StatusAbnormal",
    "InvalidParameterValue.UserNotFound",
    # DescribeAsyncRequestInfo: InternalError, InvalidParameter.PermissionDenied, InvalidParameterValue.StatusAbnormal
    # DescribeAccountUsers, beyond the lists above
    "InternalError.CheckAppIdFailed",
    # errorcodes.py 3.1.192, declared for the whole service, not listed for these actions: the ones they can meet
    # (the rate limit, a lock or a kernel timeout, a gone or isolated instance, refusals)
    "LimitExceeded.TooManyRequests",
    "OperationDenied.OperationDeniedError",
    "FailedOperation.OperationNotAllowedInInstanceLocking",
    "FailedOperation.KernelResponseTimeout",
    "InvalidParameterValue.InstanceHasBeenDeleted",
    "InvalidParameterValue.InstanceHasBeenIsolated",
    "InvalidParameterValue.CheckAppIdFailed",
    "ResourceNotFound.InstanceNotFundError",
    "UnauthorizedOperation.NoAccess",
]


KIT = ProviderKit(
    "tencentcloud-mongodb", on_ring(TencentMongodbEmulator), "ap-guangzhou", "cmgo-", None,
    ("ResetDBInstancePassword", "DescribeAsyncRequestInfo", "DescribeAccountUsers"),
    "InvalidParameterValue.LockFailed", "InvalidParameter.PermissionDenied", "ResetDBInstancePassword", "Password",
    reports_changes=False, leftover_codes=("InvalidParameterValue.LockFailed",),
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    # DescribeAccountUsers reports a mask (read, read-write) per namespace: every database (*) or one.
    grants=(
        {"database app": ["read", "write"]},
        {"database app": ["read"], "database audit": ["read"]},
        "database app: only app_a has ['write']",
    ),
    api=("mongodb", "2019-07-25"),
    floor=(
        FloorStep(
            "ResetDBInstancePassword",
            {"InstanceId": "$instance_id", "UserName": "$username", "Password": "$password"},
            keep="AsyncRequestId",
        ),
        FloorStep("DescribeAsyncRequestInfo", {"AsyncRequestId": "$AsyncRequestId"}, until=("Status", "success")),
        FloorStep("DescribeAccountUsers", {"InstanceId": "$instance_id"}),
    ),
)  # fmt: skip
