"""Tencent Cloud API 3.0 emulators: TC3-HMAC-SHA256 checked against the keys it knows (with the 5-minute skew
window, and session tokens and expiries for temporary keys), instances and accounts kept in memory, the
documented password rules enforced, the documented error envelope (HTTP 200 with ``Response.Error``) returned.

- :class:`TencentPostgresEmulator`: TencentDB for PostgreSQL (``postgres`` 2017-03-12).
- :class:`TencentMysqlEmulator`: TencentDB for MySQL (``cdb`` 2017-03-20), whose password change runs as a task
  that stays RUNNING for :attr:`~TencentMysqlEmulator.task_polls` reads (or :attr:`~TencentMysqlEmulator.task_seconds`)
  and changes the password only when it succeeds.

Both keep what each account was granted (``grant``, keyed as the library's clients key privileges: ``database
app``, ``global``, ``table app.orders``) and answer ``DescribeAccountPrivileges`` from it in the service's shape.

The signature check here is written apart from the library's signer on purpose: the official SDK is driven
against it in the tests, so a mistake in either shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .base import Fault, ProviderError, Request, Response, SignedApiEmulator

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
SYMBOLS = "()`~!@#$%^&*-+=_|{}[]:;'<>,.?/"
SKEW_S = 300
STATUS_NORMAL, STATUS_RESETTING = 2, 4


OBJECT_TYPES = {
    "database": (),
    "schema": ("DatabaseName",),
    "column": ("DatabaseName", "SchemaName", "TableName"),
    **dict.fromkeys(
        ("account", "sequence", "procedure", "type", "function", "table", "view", "matview"),
        ("DatabaseName", "SchemaName"),
    ),
}
"""The DatabaseObject types the SDK's model documents -> the names it says an object of that type must carry
besides ObjectName (the database, schema and table it sits in)."""
OBJECT_NAME = re.compile(r"^[A-Za-z0-9_\[\]]+$")
ROUTINE_NAME = re.compile(r"^[A-Za-z0-9_\[\](),]+$")
"""The documented characters of object names; functions and procedures may also hold ``(,)``."""


@dataclass
class Account:
    password: str
    status: int = STATUS_NORMAL
    settling_reads: int = 0
    open_cam: bool = False
    """CAM authentication is on: CAM manages the password, and a reset is refused."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Object key (``database app``, ``table app.public.orders``) -> privilege names."""


@dataclass
class Instance:
    region: str
    status: str = "running"
    accounts: dict[str, Account] = field(default_factory=dict)


class TencentApiEmulator(SignedApiEmulator):
    """One API 3.0 service at one version: TC3 authentication and the envelope; subclasses add the actions."""

    service = ""
    version = ""

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            action = self.authenticate(request)
        except ProviderError as error:
            return self.refuse(request.headers.get("x-tc-action", "?"), {}, error)
        try:
            params = json.loads(request.body or b"{}")
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            return self.refuse(action, {}, ProviderError("InvalidRequest", "the body is not a JSON object"))
        return self.answer(action, params, lambda: self.dispatch(action, params), self.success)

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("InvalidAction", f"{action} is not an action of {self.service}")
        return handler(params)

    def success(self, result: dict[str, Any]) -> Response:
        return self.json_response({"Response": {**result, "RequestId": self.request_id()}})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        envelope = {
            "Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": self.request_id()}
        }
        return self.json_response(envelope, error.status, headers)

    def authenticate(self, request: Request) -> str:
        """The action, once the request's signature, timestamp and token check out."""
        if request.method != "POST":
            raise ProviderError("UnsupportedProtocol", "only POST is emulated")
        match = AUTHORIZATION.match(request.headers.get("authorization", ""))
        if not match:
            raise ProviderError("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        try:
            timestamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise ProviderError("MissingParameter", "X-TC-Timestamp is missing or not a number") from None
        if abs(self.now() - timestamp) > SKEW_S:
            raise ProviderError("AuthFailure.SignatureExpire", "signature expired")
        date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
        if match["date"] != date or match["service"] != self.service:
            raise ProviderError("AuthFailure.InvalidAuthorization", "credential scope does not match")
        secret_key = self.keys.get(match["id"])
        if secret_key is None:
            raise ProviderError("AuthFailure.SecretIdNotFound", "SecretId not found")
        signed = match["signed"].split(";")
        if "content-type" not in signed or "host" not in signed:
            raise ProviderError("AuthFailure.InvalidAuthorization", "content-type and host must be signed")
        canonical = "\n".join(
            [
                request.method,
                request.path,
                request.query,
                "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed),
                match["signed"],
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        scope = f"{date}/{self.service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + secret_key).encode()
        for part in (date, self.service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), match["signature"]):
            raise ProviderError("AuthFailure.SignatureFailure", "signature does not match")
        expected_token = self.tokens.get(match["id"])
        if expected_token is not None and request.headers.get("x-tc-token") != expected_token:
            raise ProviderError("AuthFailure.TokenFailure", "token is invalid")
        expiry = self.expiries.get(match["id"])
        if expiry is not None and self.now() >= expiry:
            raise ProviderError("AuthFailure.TokenFailure", "the token has expired")
        if request.headers.get("x-tc-version") != self.version:
            raise ProviderError("NoSuchVersion", "version not found")
        if not request.headers.get("x-tc-region"):
            raise ProviderError("MissingParameter", "The request is missing a required parameter `Region`.")
        return request.headers.get("x-tc-action", "")


class TencentPostgresEmulator(TencentApiEmulator):
    service = "postgres"
    version = "2017-03-12"

    def setup(self) -> None:
        super().setup()
        self.instances: dict[str, Instance] = {}
        self.settle_reads = 0
        """After a reset the account shows "resetting password" to this many DescribeAccounts reads."""
        self.forget_after_reset = False
        """Drop the account right after a reset, as if someone deleted it meanwhile."""

    def add_account(self, instance_id: str, username: str, password: str, region: str = "ap-guangzhou") -> None:
        with self.lock:
            self.instances.setdefault(instance_id, Instance(region)).accounts[username] = Account(password)

    def password_of(self, instance_id: str, username: str) -> str:
        with self.lock:
            return self.instances[instance_id].accounts[username].password

    def use_cam_authentication(self, instance_id: str, username: str) -> None:
        with self.lock:
            self.instances[instance_id].accounts[username].open_cam = True

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do, per object: ``database <db>``, ``schema <db>.<schema>``, ``column
        <db>.<schema>.<table>.<column>``, any other type ``<type> <db>.<schema>.<name>``. Replaces earlier grants."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            if kind not in OBJECT_TYPES or len(name.split(".")) != len(OBJECT_TYPES[kind]) + 1:
                raise ValueError(f"not a PostgreSQL object key: {key!r}")
        with self.lock:
            self.instances[instance_id].accounts[username].privileges = {k: list(v) for k, v in privileges.items()}

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountPrivileges": self.describe_account_privileges,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> Instance:
        instance_id = params.get("DBInstanceId")
        if not isinstance(instance_id, str):
            raise ProviderError("MissingParameter", "DBInstanceId is required")
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ProviderError("ResourceNotFound.InstanceNotFoundError", "The instance does not exist.")
        return instance

    def reset_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            username, password = params.get("UserName"), params.get("Password")
            if not isinstance(username, str) or not isinstance(password, str):
                raise ProviderError("MissingParameter", "UserName and Password are required")
            if instance.status != "running":
                raise ProviderError("OperationDenied.InstanceStatusLimitOpError", "instance status does not allow it")
            account = instance.accounts.get(username)
            if account is None:
                raise ProviderError("InvalidParameterValue.AccountNotExistError", "The account does not exist.")
            if account.open_cam:
                raise ProviderError("FailedOperation.CheckAccountCAMCloseError", "The account has CAM verification on.")
            if not 8 <= len(password) <= 32:
                raise ProviderError("InvalidParameterValue.InvalidPasswordLengthError", "Invalid password length.")
            classes = (str.islower, str.isupper, str.isdigit, lambda c: c in SYMBOLS)
            allowed = all(c.isascii() and (c.isalnum() or c in SYMBOLS) for c in password)
            if not allowed or password.startswith("/") or not all(any(map(test, password)) for test in classes):
                raise ProviderError(
                    "InvalidParameterValue.InvalidPasswordValueError",
                    "The password must contain uppercase letters, lowercase letters, digits, and symbols "
                    f"({SYMBOLS}), and cannot start with a slash (/).",
                )
            account.password = password
            account.settling_reads = self.settle_reads
            self.apply_to_database(params["DBInstanceId"], username, password)
            if self.forget_after_reset:
                del self._instance(params).accounts[username]
            return {}

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            limit, offset = int(params.get("Limit", 10)), int(params.get("Offset", 0))
            if not 1 <= limit <= 100 or offset < 0:
                raise ProviderError("InvalidParameterValue.InvalidParameterValueError", "Limit or Offset out of range")
            details = []
            for username, account in sorted(instance.accounts.items())[offset : offset + limit]:
                status = account.status
                if account.settling_reads > 0 or self.applying(params["DBInstanceId"], username):
                    account.settling_reads = max(0, account.settling_reads - 1)
                    status = STATUS_RESETTING
                details.append(
                    {
                        "DBInstanceId": params["DBInstanceId"],
                        "UserName": username,
                        "Status": status,
                        "CreateTime": "2024-01-01 00:00:00",
                        "UpdateTime": "2024-01-01 00:00:00",
                        "UserType": "normal",
                        "OpenCam": account.open_cam,
                        "Remark": "",
                    }
                )
            return {"TotalCount": len(instance.accounts), "Details": details}

    def describe_account_privileges(self, params: dict[str, Any]) -> dict[str, Any]:
        """The privileges the account holds on each object asked for, in the order asked; none for an object it
        was never granted anything on."""
        with self.lock:
            instance = self._instance(params)
            username, objects = params.get("UserName"), params.get("DatabaseObjectSet")
            if not isinstance(username, str) or not isinstance(objects, list) or not objects:
                raise ProviderError("MissingParameter", "UserName and DatabaseObjectSet are required")
            if instance.status != "running":
                raise ProviderError("OperationDenied.InstanceStatusLimitOpError", "instance status does not allow it")
            account = instance.accounts.get(username)
            if account is None:
                raise ProviderError("InvalidParameterValue.AccountNotExistError", "The account does not exist.")
            answered = []
            for obj in objects:
                if not isinstance(obj, dict) or obj.get("ObjectType") not in OBJECT_TYPES:
                    raise ProviderError(
                        "InvalidParameterValue.InvalidParameterValueError", "ObjectType must be a documented type"
                    )
                containers = OBJECT_TYPES[obj["ObjectType"]]
                if not all(isinstance(obj.get(part), str) and obj[part] for part in ("ObjectName", *containers)):
                    raise ProviderError(
                        "MissingParameter",
                        f"a {obj['ObjectType']} object needs {', '.join(('ObjectName', *containers))}",
                    )
                routine = obj["ObjectType"] in ("function", "procedure")
                if not (ROUTINE_NAME if routine else OBJECT_NAME).match(obj["ObjectName"]) or not all(
                    OBJECT_NAME.match(obj[part]) for part in containers
                ):
                    raise ProviderError(
                        "InvalidParameterValue.InvalidDatabaseObjectName",
                        "Only letters, digits, underscores and [] are supported in database object names.",
                    )
                key = f"{obj['ObjectType']} {'.'.join(obj[part] for part in (*containers, 'ObjectName'))}"
                answered.append({"Object": obj, "PrivilegeSet": list(account.privileges.get(key, []))})
            return {"PrivilegeSet": answered}


CDB_SYMBOLS = "_+-&=!@#$%^*()"
TASK_FINAL = ("SUCCESS", "FAILED", "KILLED", "REMOVED")


@dataclass
class MysqlAccount:
    password: str
    open_cam: bool = False
    """CAM authentication is on (``OpenCam``)."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Object key (``global``, ``database app``, ``table app.orders``, ``column app.orders.id``) -> privileges."""


MYSQL_SCOPES = {
    "database": ("DatabasePrivileges", ("Database",)),
    "table": ("TablePrivileges", ("Database", "Table")),
    "column": ("ColumnPrivileges", ("Database", "Table", "Column")),
}
"""A cdb object key's kind -> the DescribeAccountPrivileges list it is answered in, and the fields naming it."""


@dataclass
class Task:
    instance_id: str
    accounts: list[tuple[str, str]]
    password: str
    polls_left: int
    ends: float
    outcome: str
    status: str = "RUNNING"


@dataclass
class MysqlInstance:
    region: str
    accounts: dict[tuple[str, str], MysqlAccount] = field(default_factory=dict)


class TencentMysqlEmulator(TencentApiEmulator):
    """TencentDB for MySQL: ``ModifyAccountPassword`` starts a task; the password changes when it succeeds."""

    service = "cdb"
    version = "2017-03-20"

    def setup(self) -> None:
        super().setup()
        self.instances: dict[str, MysqlInstance] = {}
        self.tasks: dict[str, Task] = {}
        self.task_polls = 1
        """DescribeAsyncRequestInfo reads of a task that still find it RUNNING."""
        self.task_seconds = 5.0
        """A task also finishes this long after it started, whether or not anyone asks."""
        self.task_outcomes: list[str] = []
        """How the next tasks end (FAILED, KILLED, …), one each, in order; SUCCESS when empty."""
        self.conflict_ends_task = False
        """A ModifyAccountPassword refused for a running task (``FailedOperation.StatusConflict``) lets that task end
        at its next read: tests of two concurrent copies then depend on the order of events, not on how fast the
        machine runs the first copy's polls while the second one backs off."""

    def add_account(
        self, instance_id: str, username: str, password: str, region: str = "ap-guangzhou", host: str = "%"
    ) -> None:
        with self.lock:
            self.instances.setdefault(instance_id, MysqlInstance(region)).accounts[(username, host)] = MysqlAccount(
                password
            )

    def password_of(self, instance_id: str, username: str, host: str = "%") -> str:
        with self.lock:
            return self.instances[instance_id].accounts[(username, host)].password

    def use_cam_authentication(self, instance_id: str, username: str, host: str = "%") -> None:
        with self.lock:
            self.instances[instance_id].accounts[(username, host)].open_cam = True

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]], host: str = "%") -> None:
        """What ``username@host`` may do: ``global``, ``database <db>``, ``table <db>.<table>``, ``column
        <db>.<table>.<column>`` -> privilege names (``SELECT``, …). Replaces earlier grants."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            if key != "global" and (kind not in MYSQL_SCOPES or len(name.split(".")) != len(MYSQL_SCOPES[kind][1])):
                raise ValueError(f"not a cdb object key: {key!r}")
        with self.lock:
            account = self.instances[instance_id].accounts[(username, host)]
            account.privileges = {key: list(names) for key, names in privileges.items()}

    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A task poll's parameters with the task's instance added: the call log and the faults taken then name
        the account they concern, as every other call does."""
        task = self.tasks.get(str(params.get("AsyncRequestId")))
        return {**params, "InstanceId": task.instance_id} if task and "InstanceId" not in params else params

    def take_fault(self, action: str, params: dict[str, Any]) -> Fault | None:
        return super().take_fault(action, self.traced(params))

    def record(self, action: str, params: dict[str, Any], outcome: str, fault: Fault | None = None) -> None:
        super().record(action, self.traced(params), outcome, fault)

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ModifyAccountPassword": self.modify_account_password,
            "DescribeAsyncRequestInfo": self.describe_async_request_info,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountPrivileges": self.describe_account_privileges,
        }

    def _instance(self, params: dict[str, Any]) -> MysqlInstance:
        instance_id = params.get("InstanceId")
        if not isinstance(instance_id, str):
            raise ProviderError("MissingParameter", "InstanceId is required")
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ProviderError("ResourceNotFound.CdbInstanceNotFoundError", "The instance was not found.")
        return instance

    def _advance(self, task: Task, polled: bool) -> None:
        """Let the task run: it finishes after its polls or its time, and only then changes the password."""
        if task.status != "RUNNING":
            return
        if polled:
            task.polls_left -= 1
        if task.polls_left >= 0 and self.now() < task.ends:
            return
        task.status = task.outcome
        if task.outcome == "SUCCESS":
            instance = self.instances[task.instance_id]
            for user, host in task.accounts:
                instance.accounts[(user, host)].password = task.password
                self.apply_to_database(task.instance_id, user, task.password)

    def _running(self, instance_id: str) -> Task | None:
        for task in self.tasks.values():
            self._advance(task, polled=False)
            if task.instance_id == instance_id and task.status == "RUNNING":
                return task
        return None

    def modify_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            password, accounts = params.get("NewPassword"), params.get("Accounts")
            if not isinstance(password, str) or not isinstance(accounts, list) or not accounts:
                raise ProviderError("MissingParameter.AccountMissingParameterError", "NewPassword and Accounts")
            wanted = []
            for item in accounts:
                if not isinstance(item, dict) or not isinstance(item.get("User"), str):
                    raise ProviderError("MissingParameter.AccountMissingParameterError", "each account needs User")
                key = (item["User"], item.get("Host", "%"))
                if key not in instance.accounts:
                    raise ProviderError("InvalidParameterValue.UserNotExistError", "The account does not exist.")
                wanted.append(key)
            if not 8 <= len(password) <= 64:
                raise ProviderError("InvalidParameterValue.AccountPasswordLengthError", "Invalid password length.")
            if not all(c.isascii() and (c.isalnum() or c in CDB_SYMBOLS) for c in password):
                raise ProviderError("InvalidParameterValue.AccountPasswordCharacterError", "Invalid characters.")
            kinds = (str.isalpha, str.isdigit, lambda c: c in CDB_SYMBOLS)
            if sum(any(map(kind, password)) for kind in kinds) < 2:
                raise ProviderError(
                    "InvalidParameterValue.AccountPasswordRuleError",
                    f"The password must mix two of letters, digits and {CDB_SYMBOLS}, 8-64 characters.",
                )
            running = self._running(params["InstanceId"])
            if running is not None:
                if self.conflict_ends_task:
                    running.ends = 0.0
                raise ProviderError("FailedOperation.StatusConflict", "Task status conflict.")
            task_id = f"async-{uuid.uuid4().hex[:16]}"
            outcome = self.task_outcomes.pop(0) if self.task_outcomes else "SUCCESS"
            self.tasks[task_id] = Task(
                params["InstanceId"], wanted, password, self.task_polls, self.now() + self.task_seconds, outcome
            )
            return {"AsyncRequestId": task_id}

    def describe_async_request_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            task = self.tasks.get(str(params.get("AsyncRequestId")))
            if task is None:
                raise ProviderError("InvalidParameter.InvalidAsyncRequestId", "The async task does not exist.")
            self._advance(task, polled=True)
            return {"Status": task.status, "Info": "" if task.status == "RUNNING" else f"task {task.status.lower()}"}

    def settle_tasks(self) -> None:
        """Finish every running task now (as if its time had come)."""
        with self.lock:
            for task in self.tasks.values():
                task.ends = 0.0
                self._advance(task, polled=False)

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            limit, offset = int(params.get("Limit", 20)), int(params.get("Offset", 0))
            if not 1 <= limit <= 100 or offset < 0:
                raise ProviderError("InvalidParameterValue.InvalidParameterValueError", "Limit or Offset out of range")
            items = [
                {
                    "User": user,
                    "Host": host,
                    "Notes": "",
                    "ModifyTime": "2024-01-01 00:00:00",
                    "ModifyPasswordTime": "2024-01-01 00:00:00",
                    "CreateTime": "2024-01-01 00:00:00",
                    "MaxUserConnections": 0,
                    "OpenCam": account.open_cam,
                }
                for (user, host), account in sorted(instance.accounts.items())[offset : offset + limit]
            ]
            return {"TotalCount": len(instance.accounts), "Items": items}

    def describe_account_privileges(self, params: dict[str, Any]) -> dict[str, Any]:
        """``user@host``'s grants, each list in the API's shape (empty lists for an account granted nothing)."""
        with self.lock:
            instance = self._instance(params)
            user, host = params.get("User"), params.get("Host")
            if not isinstance(user, str) or not isinstance(host, str):
                raise ProviderError("MissingParameter.AccountMissingParameterError", "User and Host are required")
            account = instance.accounts.get((user, host))
            if account is None:
                raise ProviderError("InvalidParameterValue.UserNotExistError", "The account does not exist.")
            answer: dict[str, Any] = {"GlobalPrivileges": list(account.privileges.get("global", []))}
            answer |= {field: [] for field, _ in MYSQL_SCOPES.values()}
            for key, names in sorted(account.privileges.items()):
                kind, _, name = key.partition(" ")
                if kind in MYSQL_SCOPES:
                    field, parts = MYSQL_SCOPES[kind]
                    answer[field].append({**dict(zip(parts, name.split("."), strict=True)), "Privileges": list(names)})
            return answer
