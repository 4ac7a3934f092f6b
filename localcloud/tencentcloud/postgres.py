"""TencentDB for PostgreSQL (``postgres`` 2017-03-12): instances and accounts in memory, the documented password
rules, what each account was granted (``grant``, keyed as the library's clients key privileges: ``database app``,
``table app.public.orders``) answered by ``DescribeAccountPrivileges`` in the service's shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import DatabaseAccount, DatabaseInstance, DatabaseService, ProviderError
from ..kit import FloorStep, ProviderKit, on_ring
from .api import TencentApiEmulator, page, required

SYMBOLS = "()`~!@#$%^&*-+=_|{}[]:;'<>,.?/"
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
class Account(DatabaseAccount):
    status: int = STATUS_NORMAL
    open_cam: bool = False
    """CAM authentication is on: CAM manages the password, and a reset is refused."""
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """Object key (``database app``, ``table app.public.orders``) -> privilege names."""


@dataclass
class Instance(DatabaseInstance[Account]):
    status: str = "running"


class TencentPostgresEmulator(TencentApiEmulator, DatabaseService[Instance, Account]):
    service = "postgres"
    version = "2017-03-12"
    instance_type = Instance
    account_type = Account
    default_region = "ap-guangzhou"

    def setup(self) -> None:
        super().setup()
        self.forget_after_reset = False
        """Drop the account right after a reset, as if someone deleted it meanwhile."""

    def use_cam_authentication(self, instance_id: str, username: str) -> None:
        with self.lock:
            self.account(instance_id, username).open_cam = True

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do, per object: ``database <db>``, ``schema <db>.<schema>``, ``column
        <db>.<schema>.<table>.<column>``, any other type ``<type> <db>.<schema>.<name>``. Replaces earlier grants."""
        for key in privileges:
            kind, _, name = key.partition(" ")
            if kind not in OBJECT_TYPES or len(name.split(".")) != len(OBJECT_TYPES[kind]) + 1:
                raise ValueError(f"not a PostgreSQL object key: {key!r}")
        with self.lock:
            self.account(instance_id, username).privileges = {k: list(v) for k, v in privileges.items()}

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeAccountPrivileges": self.describe_account_privileges,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, Any]) -> Instance:
        required(params, "DBInstanceId")
        not_found = ProviderError("ResourceNotFound.InstanceNotFoundError", "The instance does not exist.")
        return self.instance_of(params["DBInstanceId"], not_found)

    def _account(self, instance: Instance, username: str) -> Account:
        """The account a call acts on, which needs its instance running."""
        if instance.status != "running":
            raise ProviderError("OperationDenied.InstanceStatusLimitOpError", "instance status does not allow it")
        no_account = ProviderError("InvalidParameterValue.AccountNotExistError", "The account does not exist.")
        return self.account_in(instance, username, no_account)

    def reset_account_password(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            required(params, "UserName", "Password")
            username, password = params["UserName"], params["Password"]
            account = self._account(instance, username)
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
            self.change_password(params["DBInstanceId"], username, password)
            if self.forget_after_reset:
                del self._instance(params).accounts[username]
            return {}

    def describe_accounts(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params)
            details = []
            for username, account in sorted(instance.accounts.items())[page(params, default_limit=10)]:
                changing = self.still_changing(params["DBInstanceId"], username)
                status = STATUS_RESETTING if changing else account.status
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
            account = self._account(instance, username)
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


# The error codes of the ResetAccountPassword page the product started from (TencentDB for PostgreSQL).
DOCUMENTED_CODES = [
    "AuthFailure.UnauthorizedOperation",
    "FailedOperation.CamSigAndAuthError",
    "FailedOperation.DatabaseAccessError",
    "FailedOperation.FailedOperationError",
    "FailedOperation.OssAccessError",
    "FailedOperation.OssOperationFailed",
    "InternalError.DBError",
    "InternalError.InternalHttpServerError",
    "InternalError.SystemError",
    "InvalidAccountPassword",
    "InvalidParameter",
    "InvalidParameterValue.AccountNotExistError",
    "InvalidParameterValue.InstanceNotExist",
    "InvalidParameterValue.InvalidParameterValueError",
    "InvalidParameterValue.InvalidPasswordFormat",
    "InvalidParameterValue.InvalidPasswordLengthError",
    "InvalidParameterValue.InvalidPasswordValueError",
    "InvalidParameterValue.ParameterHandleError",
    "OperationDenied.CamDeniedError",
    "ResourceNotFound.InstanceNotFoundError",
]


KIT = ProviderKit(
    "tencentcloud-postgres", on_ring(TencentPostgresEmulator), "ap-guangzhou", "postgres-", "postgres",
    ("ResetAccountPassword", "DescribeAccounts", "DescribeAccountPrivileges"), "RequestLimitExceeded",
    "OperationDenied.CamDeniedError", "ResetAccountPassword", "Password", reports_changes=True,
    documented=dict.fromkeys(DOCUMENTED_CODES, 200),
    grants=(
        {"database app": ["CONNECT", "CREATE"]},
        {"database app": ["CONNECT"]},
        "database app: only app_a has ['CREATE']",
    ),
    cam_authentication=True,
    api=("postgres", "2017-03-12"),
    floor=(
        FloorStep(
            "ResetAccountPassword",
            {"DBInstanceId": "$instance_id", "UserName": "$username", "Password": "$password"},
        ),
        FloorStep("DescribeAccounts", {"DBInstanceId": "$instance_id", "Limit": 100, "Offset": 0}),
    ),
)  # fmt: skip
