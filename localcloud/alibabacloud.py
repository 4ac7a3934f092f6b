"""Alibaba Cloud OpenAPI (RPC) emulators: V3 (ACS3-HMAC-SHA256) and RPC v1 (HMAC-SHA1) signatures checked
against the AccessKeys it knows, with the timestamp window, nonce replay (``SignatureNonceUsed``) and STS tokens
and their expiry; instances and accounts in memory; the documented password rules; errors as ``{"RequestId",
"HostId", "Code", "Message", "Recommend"}`` with the documented HTTP status.

- :class:`AlibabaRdsEmulator`: ApsaraDB RDS (``rds`` 2014-08-15).
- :class:`PolarDbEmulator`: PolarDB clusters (``polardb`` 2017-08-01), ``ModifyAccountPassword``.

Both keep what each account was granted per database (``grant``, keyed ``database <name>`` as the library's
clients key privileges) and list it in ``DescribeAccounts``' ``DatabasePrivileges``, in each product's shape.

The signature checks are written apart from the library's signer; the official SDK is driven against them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from .base import ProviderError, Request, Response, SignedApiEmulator

AUTHORIZATION = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<id>[^,]+),"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),Signature=(?P<signature>[0-9a-f]{64})$"
)
SYMBOLS = "!@#$%^&*()_+-="
WINDOW_S = 900


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


def _canonical(pairs: list[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{_enc(k)}={_enc(v)}" for k, v in pairs))


def _pairs(raw: str) -> list[tuple[str, str]]:
    return [(unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in raw.split("&") if p)]


@dataclass
class RdsAccount:
    password: str
    status: str = "Available"
    settling_reads: int = 0
    privileges: dict[str, list[str]] = field(default_factory=dict)
    """``database <name>`` -> [AccountPrivilege, *the names of its AccountPrivilegeDetail]."""


def _databases(privileges: dict[str, list[str]]) -> dict[str, list[str]]:
    """``database <name>`` keys -> {name: privileges}; any other key is not something these products grant."""
    databases = {}
    for key, names in privileges.items():
        kind, _, name = key.partition(" ")
        if kind != "database" or not name or not names:
            raise ValueError(f"grant per database, at least one privilege each: {key!r}")
        databases[name] = list(names)
    return databases


@dataclass
class RdsInstance:
    region: str
    status: str = "Running"
    lock_mode: str = "Unlock"
    accounts: dict[str, RdsAccount] = field(default_factory=dict)


class AlibabaRpcEmulator(SignedApiEmulator):
    """One RPC product at one version: V3 and v1 authentication, nonces and the envelope; subclasses add the
    actions."""

    product = ""
    version = ""

    def setup(self) -> None:
        super().setup()
        self.nonces: set[str] = set()
        self.signatures: list[str] = []
        """Which signature each authenticated request carried: ``v3`` or ``v1``."""

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        params = dict(_pairs(request.query))
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(_pairs(request.body.decode()))
        try:
            action = self.authenticate(request, params)
        except ProviderError as error:
            return self.refuse(params.get("Action") or request.headers.get("x-acs-action", "?"), {}, error)
        return self.answer(action, params, lambda: self.dispatch(action, params), self.success)

    def dispatch(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("InvalidAction.NotFound", f"Specified api {action} is not found", 404)
        return handler(params)

    def success(self, result: dict[str, Any]) -> Response:
        return self.json_response({**result, "RequestId": self.request_id()})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        status = error.status if error.status != 200 else 400
        document = {
            "RequestId": self.request_id(),
            "HostId": f"{self.product}.aliyuncs.com",
            "Code": error.code,
            "Message": error.message,
            "Recommend": "https://api.aliyun.com/troubleshoot",
        }
        return self.json_response(document, status, headers)

    def _check_time_and_nonce(self, stamp: str, nonce: str | None) -> None:
        try:
            moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise ProviderError("IllegalTimestamp", "Timestamp is not in the right format", 400) from None
        if abs(self.now() - moment) > WINDOW_S:
            raise ProviderError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
        if not nonce:
            raise ProviderError("MissingParameter", "SignatureNonce is mandatory for this action.", 400)
        with self.lock:
            if nonce in self.nonces:
                raise ProviderError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
            self.nonces.add(nonce)

    def _secret_of(self, key_id: str) -> str:
        secret = self.keys.get(key_id)
        if secret is None:
            raise ProviderError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        return secret

    def _check_token(self, key_id: str, token: str | None) -> None:
        expected = self.tokens.get(key_id)
        if expected is not None and token != expected:
            raise ProviderError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400)
        expiry = self.expiries.get(key_id)
        if expiry is not None and self.now() >= expiry:
            raise ProviderError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400)

    def authenticate(self, request: Request, params: dict[str, str]) -> str:
        """The action, once the request's V3 or v1 signature, timestamp, nonce and token check out."""
        if "authorization" in request.headers:
            return self._authenticate_v3(request)
        if "Signature" in params:
            return self._authenticate_v1(request, params)
        raise ProviderError("MissingParameter", "Signature is mandatory for this action.", 400)

    def _authenticate_v3(self, request: Request) -> str:
        match = AUTHORIZATION.match(request.headers["authorization"])
        if not match:
            raise ProviderError("IncompleteSignature", "The signature does not conform to Aliyun standards.", 400)
        secret = self._secret_of(match["id"])
        signed = match["signed"].split(";")
        sent_acs = {name for name in request.headers if name.startswith("x-acs-")}
        if "host" not in signed or not sent_acs <= set(signed) or any(name not in request.headers for name in signed):
            raise ProviderError("IncompleteSignature", "host and every x-acs-* header must be signed", 400)
        payload_hash = hashlib.sha256(request.body).hexdigest()
        if request.headers.get("x-acs-content-sha256") != payload_hash:
            raise ProviderError("IncompleteSignature", "x-acs-content-sha256 does not match the body", 400)
        canonical = "\n".join(
            [
                request.method,
                request.path,
                _canonical(_pairs(request.query)),
                "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed),
                match["signed"],
                payload_hash,
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            raise ProviderError("SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400)
        self._check_time_and_nonce(request.headers.get("x-acs-date", ""), request.headers.get("x-acs-signature-nonce"))
        self._check_token(match["id"], request.headers.get("x-acs-security-token"))
        if request.headers.get("x-acs-version") != self.version:
            raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        with self.lock:
            self.signatures.append("v3")
        return request.headers.get("x-acs-action", "")

    def _authenticate_v1(self, request: Request, params: dict[str, str]) -> str:
        for name in ("AccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp", "Action", "Version"):
            if name not in params:
                raise ProviderError("MissingParameter", f"{name} is mandatory for this action.", 400)
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            raise ProviderError("IncompleteSignature", "Only HMAC-SHA1 1.0 is emulated for v1.", 400)
        secret = self._secret_of(params["AccessKeyId"])
        unsigned = [(k, v) for k, v in params.items() if k != "Signature"]
        to_sign = f"{request.method}&%2F&{_enc(_canonical(unsigned))}"
        digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), params["Signature"]):
            raise ProviderError("SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400)
        self._check_time_and_nonce(params["Timestamp"], params.get("SignatureNonce"))
        self._check_token(params["AccessKeyId"], params.get("SecurityToken"))
        if params["Version"] != self.version:
            raise ProviderError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        with self.lock:
            self.signatures.append("v1")
        return params["Action"]


class AlibabaRdsEmulator(AlibabaRpcEmulator):
    product = "rds"
    version = "2014-08-15"

    def setup(self) -> None:
        super().setup()
        self.instances: dict[str, RdsInstance] = {}
        self.settle_reads = 0
        """After a reset the account shows Unavailable to this many DescribeAccounts reads."""
        self.reboot_after_reset = False
        """Leave the instance Rebooting after a reset, as a restart that outlasts the step."""

    def add_account(self, instance_id: str, name: str, password: str, region: str = "cn-hangzhou") -> None:
        with self.lock:
            self.instances.setdefault(instance_id, RdsInstance(region)).accounts[name] = RdsAccount(password)

    def password_of(self, instance_id: str, name: str) -> str:
        with self.lock:
            return self.instances[instance_id].accounts[name].password

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do per database: ``{"database app": ["Custom", "SELECT", "INSERT"]}``. The first
        name is listed as its ``AccountPrivilege`` (ReadWrite, ReadOnly, DDLOnly, DMLOnly, DBOwner, Custom), the
        rest, comma-separated, as its ``AccountPrivilegeDetail``. Replaces earlier grants."""
        databases = _databases(privileges)
        with self.lock:
            self.instances[instance_id].accounts[username].privileges = databases

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ResetAccountPassword": self.reset_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBInstanceAttribute": self.describe_instance_attribute,
        }

    # -- actions ---------------------------------------------------------------------------------------
    def _instance(self, params: dict[str, str], missing: str) -> RdsInstance:
        instance_id = params.get("DBInstanceId")
        if not instance_id:
            raise ProviderError("MissingParameter", "DBInstanceId is mandatory for this action.", 400)
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ProviderError(missing, "The database instance does not exist.", 404)
        return instance

    def reset_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceName.NotFound")
            name, password = params.get("AccountName"), params.get("AccountPassword")
            if not name or password is None:
                raise ProviderError("MissingParameter", "AccountName and AccountPassword are mandatory.", 400)
            if instance.lock_mode != "Unlock":
                raise ProviderError("IncorrectDBInstanceLockMode", "Current lock mode does not support this.", 404)
            if instance.status != "Running":
                raise ProviderError("IncorrectDBInstanceState", "Current DB instance state does not support this.", 403)
            account = instance.accounts.get(name)
            if account is None:
                raise ProviderError("InvalidAccountName.NotFound", "Specified account name does not exist.", 404)
            classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
            allowed = all(any(c in group for group in classes) for c in password)
            present = sum(any(c in group for c in password) for group in classes)
            if not 8 <= len(password) <= 32 or not allowed or present < 3:
                raise ProviderError("InvalidAccountPassword.Format", "Specified account password is not valid.", 400)
            account.password = password
            account.settling_reads = self.settle_reads
            self.apply_to_database(params["DBInstanceId"], name, password)
            if self.reboot_after_reset:
                instance.status = "Rebooting"
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceId.NotFound")
            wanted = params.get("AccountName")
            listed = []
            for name, account in sorted(instance.accounts.items()):
                if wanted and name != wanted:
                    continue
                status = account.status
                if account.settling_reads > 0 or self.applying(params["DBInstanceId"], name):
                    account.settling_reads = max(0, account.settling_reads - 1)
                    status = "Unavailable"
                listed.append(
                    {
                        "DBInstanceId": params["DBInstanceId"],
                        "AccountName": name,
                        "AccountStatus": status,
                        "AccountType": "Normal",
                        "AccountDescription": "",
                        "PrivExceeded": "0",
                        "DatabasePrivileges": {
                            "DatabasePrivilege": [
                                {
                                    "DBName": database,
                                    "AccountPrivilege": names[0],
                                    "AccountPrivilegeDetail": ",".join(names[1:]),
                                }
                                for database, names in sorted(account.privileges.items())
                            ]
                        },
                    }
                )
            return {"Accounts": {"DBInstanceAccount": listed}}

    def describe_instance_attribute(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(params, "InvalidDBInstanceId.NotFound")
            attribute = {
                "DBInstanceId": params["DBInstanceId"],
                "DBInstanceStatus": instance.status,
                "LockMode": instance.lock_mode,
                "RegionId": instance.region,
                "Engine": "MySQL",
                "EngineVersion": "8.0",
            }
            return {"Items": {"DBInstanceAttribute": [attribute]}}


@dataclass
class PolarAccount:
    password: str
    status: str = "Available"
    lock_state: str = "UnLock"
    account_type: str = "Normal"
    privileges: dict[str, str] = field(default_factory=dict)
    """Database name -> its AccountPrivilege."""


@dataclass
class PolarCluster:
    region: str
    status: str = "Running"
    lock_mode: str = "Unlock"
    db_type: str = "MySQL"
    accounts: dict[str, PolarAccount] = field(default_factory=dict)


class PolarDbEmulator(AlibabaRpcEmulator):
    """PolarDB clusters: ``ModifyAccountPassword``, ``DescribeAccounts`` (a plain list) and
    ``DescribeDBClusterAttribute``, with the password rules of the ModifyAccountPassword page. An account has no
    status for a password being changed, so a late change is visible only to a login."""

    product = "polardb"
    version = "2017-08-01"

    def setup(self) -> None:
        super().setup()
        self.clusters: dict[str, PolarCluster] = {}

    def add_account(self, instance_id: str, name: str, password: str, region: str = "cn-hangzhou") -> None:
        with self.lock:
            self.clusters.setdefault(instance_id, PolarCluster(region)).accounts[name] = PolarAccount(password)

    def password_of(self, instance_id: str, name: str) -> str:
        with self.lock:
            return self.clusters[instance_id].accounts[name].password

    def grant(self, instance_id: str, username: str, privileges: dict[str, list[str]]) -> None:
        """What the account may do per database: ``{"database app": ["ReadWrite"]}``, one AccountPrivilege each
        (ReadWrite, ReadOnly, DMLOnly, DDLOnly, ReadIndex): PolarDB lists no detail. Replaces earlier grants."""
        databases = _databases(privileges)
        if any(len(names) != 1 for names in databases.values()):
            raise ValueError("PolarDB lists one AccountPrivilege per database")
        with self.lock:
            self.clusters[instance_id].accounts[username].privileges = {db: n[0] for db, n in databases.items()}

    def actions(self) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
        return {
            "ModifyAccountPassword": self.modify_account_password,
            "DescribeAccounts": self.describe_accounts,
            "DescribeDBClusterAttribute": self.describe_cluster_attribute,
        }

    def _cluster(self, params: dict[str, str]) -> PolarCluster:
        cluster_id = params.get("DBClusterId")
        if not cluster_id:
            raise ProviderError("MissingParameter", "DBClusterId is mandatory for this action.", 400)
        if not re.fullmatch(r"pc-[a-z0-9]+", cluster_id):
            raise ProviderError("InvalidDBClusterId.Malformed", "The specified DBClusterId is not valid.", 404)
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            raise ProviderError("InvalidDBClusterId.NotFound", "The DBInstanceId provided does not exist.", 404)
        return cluster

    def modify_account_password(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            name, password = params.get("AccountName"), params.get("NewAccountPassword")
            if not name or password is None:
                raise ProviderError("MissingParameter", "AccountName and NewAccountPassword are mandatory.", 400)
            if cluster.status != "Running":
                raise ProviderError("OperationDenied.DBClusterStatus", "The cluster's status does not allow it.", 403)
            account = cluster.accounts.get(name)
            if account is None:
                raise ProviderError("InvalidAccountName.NotFound", "The specified account does not exist.", 404)
            classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
            allowed = all(any(c in group for group in classes) for c in password)
            present = sum(any(c in group for c in password) for group in classes)
            if not 8 <= len(password) <= 32 or not allowed or present < 3:
                raise ProviderError("InvalidAccountPassword.Malformed", "The specified password is not valid.", 400)
            account.password = password
            self.apply_to_database(params["DBClusterId"], name, password)
            return {}

    def describe_accounts(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            page_size = int(params.get("PageSize", "30"))
            page_number = int(params.get("PageNumber", "1"))
            if page_size not in (30, 50, 100) or page_number < 1:
                raise ProviderError("InvalidParameter", "PageSize must be 30, 50 or 100.", 400)
            wanted = params.get("AccountName")
            names = [n for n in sorted(cluster.accounts) if not wanted or n == wanted]
            page = names[(page_number - 1) * page_size : page_number * page_size]
            listed = []
            for name in page:
                account = cluster.accounts[name]
                listed.append(
                    {
                        "AccountName": name,
                        "AccountStatus": account.status,
                        "AccountType": account.account_type,
                        "AccountLockState": account.lock_state,
                        "AccountDescription": "",
                        "AccountPasswordValidTime": "",
                        "DatabasePrivileges": [
                            {"DBName": database, "AccountPrivilege": privilege}
                            for database, privilege in sorted(account.privileges.items())
                        ],
                    }
                )
            return {"Accounts": listed, "PageNumber": page_number, "PageRecordCount": len(listed)}

    def describe_cluster_attribute(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            cluster = self._cluster(params)
            return {
                "DBClusterId": params["DBClusterId"],
                "DBClusterStatus": cluster.status,
                "LockMode": cluster.lock_mode,
                "DBType": cluster.db_type,
                "DBVersion": "8.0",
                "Engine": "POLARDB",
                "RegionId": cluster.region,
                "DeletionLock": 0,
                "DBNodes": [],
            }
