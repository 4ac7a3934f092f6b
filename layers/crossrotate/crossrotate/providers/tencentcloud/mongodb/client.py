"""TencentDB for MongoDB API (``mongodb`` 2019-07-25) for one account: ResetDBInstancePassword starts an async
request, DescribeAsyncRequestInfo follows it, DescribeAccountUsers says whether the account exists and what it may
do (its ``AuthRole``)."""

from __future__ import annotations

from typing import Any

from ....errors import ErrorTable, transport_error
from ....ports import AccountState, Privileges, ResetReceipt, TaskState
from ....provider import ClientConfig
from ...http import request_id_of
from ..api import TencentApi

VERSION = "2019-07-25"
RUNNING, DONE = "running", "done"
STATUSES: dict[str, str] = {
    "initial": RUNNING,
    "running": RUNNING,
    "success": DONE,
    "failed": "Task.Failed",
    "undoed": "Task.Undoed",
    "paused": "Task.Paused",
}
"""DescribeAsyncRequestInfo's documented ``Status`` (models.py 3.1.192) -> running, done, or the failure code the
error table classifies. Read case-blind (cdb's same action answers in capitals); any other status, or none, is
running: never success, so a request the function cannot read ends, at the deadline, as ResetNotApplied."""
MASK_BITS = {1: "read", 2: "write"}
"""``Auth.Mask``'s bits: 0 no privilege, 1 read-only, 3 read-write (models.py 3.1.192)."""
LISTED = AccountState(exists=True, usable=True, settling=False, status="listed")
"""``UserInfo`` has no status of any kind (name, roles, times, description): an account the service lists is taken
as usable; a reset of it waits for any task on the instance by itself (InvalidParameterValue.LockFailed)."""


class TencentMongodbApi(TencentApi):
    """:class:`~crossrotate.ports.ProviderApi` for one TencentDB for MongoDB account."""

    def __init__(self, config: ClientConfig, errors: ErrorTable) -> None:
        super().__init__(config, "mongodb", VERSION, errors)

    def reset_password(self, password: str) -> ResetReceipt:
        """Start the request that sets the password; the receipt's poll follows it."""
        params = {"InstanceId": self.account.instance_id, "UserName": self.account.username, "Password": password}
        body = self.call("ResetDBInstancePassword", params, sensitive=(password,))
        task = body.get("AsyncRequestId")
        if isinstance(task, int) and not isinstance(task, bool):
            task = str(task)  # documented as a string ("4769"); a number means the same request
        if not isinstance(task, str) or not task:
            raise transport_error(
                self.errors.provider, "Transport.BadResponse", "ResetDBInstancePassword returned no AsyncRequestId"
            )
        return ResetReceipt(request_id_of(body), poll=lambda: self.task_state(task, password))

    def task_state(self, task: str, password: str) -> TaskState:
        """The request's state, by :data:`STATUSES`; one that ended without success carries its classified
        ``Task.*`` failure."""
        body = self.call("DescribeAsyncRequestInfo", {"AsyncRequestId": task}, sensitive=(password,))
        raw = body.get("Status")
        status = raw[:40] if isinstance(raw, str) and raw else "unknown"
        meaning = STATUSES.get(status.lower(), RUNNING)
        failure = None
        if meaning not in (RUNNING, DONE):
            failure = self.errors.error(meaning, f"request {task} ended {status}", request_id=request_id_of(body))
        return TaskState(done=meaning == DONE, status=status, failure=failure)

    def _user(self) -> dict[str, Any] | None:
        """The account's ``UserInfo``: DescribeAccountUsers answers every account of the instance at once."""
        for user in self.call("DescribeAccountUsers", {"InstanceId": self.account.instance_id}).get("Users") or []:
            if isinstance(user, dict) and user.get("UserName") == self.account.username:
                return user
        return None

    def account_state(self) -> AccountState:
        """Listed or not: the service gives an account no status."""
        if self._user() is None:
            return AccountState(exists=False, usable=False, settling=False, status="absent")
        return LISTED

    def privileges(self) -> Privileges:
        """DescribeAccountUsers' ``AuthRole``: ``global`` for the namespace ``*`` (every database), ``database
        <name>`` for one, each with ``read`` and ``write`` as its ``Mask`` says (a null mask: ``unreported``)."""
        user = self._user() or {}
        found: dict[str, set[str]] = {}
        for auth in user.get("AuthRole") or []:
            if not isinstance(auth, dict):
                continue
            namespace, mask = auth.get("NameSpace"), auth.get("Mask")
            key = "global" if namespace == "*" else f"database {namespace if namespace else '(unreported)'}"
            found.setdefault(key, set()).update(mask_names(mask))
        return {key: frozenset(names) for key, names in found.items() if names}


def mask_names(mask: object) -> set[str]:
    """An ``Auth.Mask``'s privileges: ``read``, ``write`` (a bit it does not document: ``mask bit <n>``), none for
    0, ``unreported`` for a null (the field "may return null")."""
    if not isinstance(mask, int) or isinstance(mask, bool):
        return {"unreported"}
    return {MASK_BITS.get(1 << n, f"mask bit {1 << n}") for n in range(mask.bit_length()) if mask & (1 << n)}
