"""The secret being rotated: parse and validate its JSON, and make the next version with every other key kept.

Validation is strict where a value reaches a URL or a request: ``region`` becomes part of a host name, so it
must look like a region id; the secret's content can never redirect a request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import fatal

TENCENT = "tencentcloud-postgres"
ALIBABA = "alibabacloud-rds"
PROVIDERS = (TENCENT, ALIBABA)

REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+){1,4}$")
INSTANCE_ID = {TENCENT: re.compile(r"^postgres-[a-z0-9]{4,32}$"), ALIBABA: re.compile(r"^(rm|pgm)-[a-z0-9]{4,40}$")}
USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
ENGINES = ("postgres", "mysql")
TLS_MODES = ("require", "verify-full", "disable")
MAX_SECRET_BYTES = 65536


@dataclass(frozen=True)
class DatabaseSecret:
    """One version of a rotated secret. ``document`` is the whole JSON object, unknown keys included."""

    provider: str
    region: str
    instance_id: str
    username: str
    password: str
    credentials_secret: str | None
    host: str | None
    port: int | None
    dbname: str | None
    engine: str
    tls: str
    document: Mapping[str, Any]

    @property
    def account(self) -> tuple[str, str, str, str]:
        """What identifies the database account: two versions of one secret must agree on it."""
        return (self.provider, self.region, self.instance_id, self.username)

    def with_password(self, password: str) -> str:
        """The next version's SecretString: this document with only the password changed."""
        return json.dumps({**self.document, "password": password}, separators=(",", ":"))

    def __repr__(self) -> str:
        return f"DatabaseSecret({self.provider}, {self.region}, {self.instance_id}, {self.username})"


def _required(document: Mapping[str, Any], key: str, label: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise fatal("InvalidSecret", f"{label}: '{key}' must be a non-empty string")
    return value


def _optional(document: Mapping[str, Any], key: str, label: str) -> str | None:
    return None if document.get(key) is None else _required(document, key, label)


def parse_secret(secret_string: str | None, label: str = "secret") -> DatabaseSecret:
    """Validate a SecretString; a FatalRotationError(InvalidSecret) names the first problem, never a value."""
    if secret_string is None:
        raise fatal("InvalidSecret", f"{label} has no SecretString")
    if len(secret_string) > MAX_SECRET_BYTES:
        raise fatal("InvalidSecret", f"{label} is larger than {MAX_SECRET_BYTES} characters")
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise fatal("InvalidSecret", f"{label} is not JSON") from None
    if not isinstance(document, dict):
        raise fatal("InvalidSecret", f"{label} is not a JSON object")
    provider = _required(document, "provider", label)
    if provider not in PROVIDERS:
        raise fatal("UnknownProvider", f"{label}: provider must be one of {', '.join(PROVIDERS)}")
    region = _required(document, "region", label)
    instance_id = _required(document, "instance_id", label)
    username = _required(document, "username", label)
    password = _required(document, "password", label)
    if not REGION.match(region):
        raise fatal("InvalidSecret", f"{label}: region {region[:40]!r} is not a region id")
    if not INSTANCE_ID[provider].match(instance_id):
        raise fatal("InvalidSecret", f"{label}: instance_id {instance_id[:60]!r} is not a {provider} instance id")
    if not USERNAME.match(username):
        raise fatal("InvalidSecret", f"{label}: username is not a valid account name")
    engine = _optional(document, "engine", label) or "postgres"
    if engine not in ENGINES:
        raise fatal("InvalidSecret", f"{label}: engine must be one of {', '.join(ENGINES)}")
    tls = _optional(document, "tls", label) or "require"
    if tls not in TLS_MODES:
        raise fatal("InvalidSecret", f"{label}: tls must be one of {', '.join(TLS_MODES)}")
    port = document.get("port")
    if port is not None:
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise fatal("InvalidSecret", f"{label}: port must be a number from 1 to 65535")
    return DatabaseSecret(
        provider=provider,
        region=region,
        instance_id=instance_id,
        username=username,
        password=password,
        credentials_secret=_optional(document, "credentials_secret", label),
        host=_optional(document, "host", label),
        port=port,
        dbname=_optional(document, "dbname", label),
        engine=engine,
        tls=tls,
        document=document,
    )
