"""The secret being rotated: parse and validate its JSON, and make the next version with every other key kept.

What a provider adds to the format (its instance id's form, extra fields such as a MySQL account's host, the
database engine its login defaults to, its password rules) comes from its :class:`SecretRules`, which the
registry looks up by the secret's ``provider``; nothing here names a provider.

Validation is strict where a value reaches a URL or a request: ``region`` becomes part of a host name, so it
must look like a region id; the secret's content can never redirect a request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from .errors import own
from .passwords import PasswordPolicy

REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+){1,4}$")
USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
SQL_ENGINES = ("postgres", "mysql")
ENGINES = (*SQL_ENGINES, "redis")
"""The engines a login probe speaks. A SQL provider's secret may name either SQL engine (a MySQL-compatible
service can front PostgreSQL's probe only by mistake, but a proxy may change the wire protocol); a Redis provider's
only ``redis``; a provider whose engine is None (no server reachable to prove a login: SQL Server, MongoDB) none."""
TLS_MODES = ("require", "verify-full", "disable")
MAX_SECRET_BYTES = 65536
PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


class Field(NamedTuple):
    """A provider's own key in the secret: the form its value must have, and its value when absent."""

    pattern: re.Pattern[str]
    default: str
    meaning: str


class SecretRules(Protocol):
    """What the secret format needs to know about a provider."""

    @property
    def name(self) -> str: ...

    @property
    def instance_id(self) -> re.Pattern[str]: ...

    @property
    def engine(self) -> str | None:
        """The engine its login probe uses by default; None when no login can prove a password (the provider's
        own answer is the proof, and ``host`` is refused rather than ignored)."""

    @property
    def only_username(self) -> str | None:
        """The one account the service can reset (a root-only reset), or None when any account can be."""

    @property
    def fields(self) -> Mapping[str, Field]: ...

    @property
    def password_policy(self) -> PasswordPolicy: ...

    @property
    def role_arn(self) -> re.Pattern[str]:
        """The form of a role ARN on the provider's cloud, for keyless access."""

    @property
    def identity_provider(self) -> re.Pattern[str]:
        """The form of an OIDC identity provider's id or ARN there."""


class DatabaseSecret(NamedTuple):
    """One version of a rotated secret. ``document`` is the whole JSON object, unknown keys included;
    ``options`` holds the provider's own fields, defaults applied. ``usernames`` names the two accounts of a
    dual-account secret (``username`` is the one in use), or is empty."""

    provider: str
    region: str
    instance_id: str
    username: str
    password: str
    usernames: tuple[str, ...]
    credentials_secret: str | None
    role_arn: str | None
    oidc_provider: str | None
    host: str | None
    port: int | None
    dbname: str | None
    engine: str | None
    tls: str
    tls_ca: str | None
    """PEM of the CA that signed the database's certificate, for ``verify-full``."""
    options: Mapping[str, str]
    document: Mapping[str, Any]
    rules: SecretRules

    @property
    def account(self) -> tuple[str, ...]:
        """What identifies the database account. cancel restores the account of the pending version from the
        labelled version that names the same one."""
        options = (f"{key}={value}" for key, value in sorted(self.options.items()))
        return (self.provider, self.region, self.instance_id, self.username, *options)

    @property
    def other_username(self) -> str:
        """The account a rotation resets: in dual-account mode the one not in use, else the only one."""
        return next((name for name in self.usernames if name != self.username), self.username)

    def next_version(self, password: str) -> str:
        """The next version's SecretString: this document with ``password`` for the account a rotation resets
        (so in dual-account mode, also the other ``username``)."""
        return json.dumps(
            {**self.document, "username": self.other_username, "password": password}, separators=(",", ":")
        )

    def as_user(self, username: str) -> DatabaseSecret:
        """The same secret seen from one of its accounts (the other one of a dual-account secret)."""
        return self._replace(username=username)

    def __repr__(self) -> str:
        return f"DatabaseSecret({self.provider}, {self.region}, {self.instance_id}, {self.username})"


def _required(document: Mapping[str, Any], key: str, label: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise own("InvalidSecret", f"{label}: '{key}' must be a non-empty string")
    return value


def _optional(document: Mapping[str, Any], key: str, label: str) -> str | None:
    return None if document.get(key) is None else _required(document, key, label)


def _usernames(document: Mapping[str, Any], username: str, label: str) -> tuple[str, ...]:
    """Dual-account mode's two distinct account names, ``username`` among them; () when the key is absent."""
    usernames = document.get("usernames")
    if usernames is None:
        return ()
    valid = (
        isinstance(usernames, list)
        and len(usernames) == 2
        and all(isinstance(name, str) and USERNAME.fullmatch(name) for name in usernames)
        and usernames[0] != usernames[1]
        and username in usernames
    )
    if not valid:
        raise own("InvalidSecret", f"{label}: usernames must be a list of two distinct account names, username one")
    return tuple(usernames)


def _port(document: Mapping[str, Any], label: str) -> int | None:
    port = document.get("port")
    if port is None:
        return None
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise own("InvalidSecret", f"{label}: port must be a number from 1 to 65535")
    return port


def _choice(document: Mapping[str, Any], key: str, label: str, choices: tuple[str, ...], default: str) -> str:
    value = _optional(document, key, label) or default
    if value not in choices:
        raise own("InvalidSecret", f"{label}: {key} must be one of {', '.join(choices)}")
    return value


def _engine(document: Mapping[str, Any], label: str, rules: SecretRules) -> str | None:
    """The login probe's engine, from the ones the provider's engine allows; None (and no ``host``) for a provider
    no login can prove."""
    if rules.engine is None:
        for key in ("host", "engine"):
            if document.get(key) is not None:
                raise own(
                    "InvalidSecret",
                    f"{label}: {key} is not accepted for {rules.name}: no login can prove its password here, the "
                    "provider's own answer is the proof",
                )
        return None
    allowed = SQL_ENGINES if rules.engine in SQL_ENGINES else (rules.engine,)
    return _choice(document, "engine", label, allowed, rules.engine)


def _only_username(username: str, usernames: tuple[str, ...], label: str, rules: SecretRules) -> None:
    """A root-only reset: the secret must name that account, alone."""
    only = rules.only_username
    if only is None:
        return
    if username != only:
        raise own("InvalidSecret", f"{label}: {rules.name} can reset only the {only!r} account's password")
    if usernames:
        raise own(
            "InvalidSecret",
            f"{label}: usernames (dual-account) is not possible on {rules.name}: it resets only the {only!r} account",
        )


def parse_secret(
    secret_string: str | None, label: str, rules_for: Callable[[str], SecretRules | None]
) -> DatabaseSecret:
    """Validate a SecretString; a FatalRotationError (InvalidSecret, UnknownProvider) names the first problem,
    never a value. ``rules_for`` answers a provider's name with its rules, or None for an unknown one."""
    if secret_string is None:
        raise own("InvalidSecret", f"{label} has no SecretString")
    if len(secret_string) > MAX_SECRET_BYTES:
        raise own("InvalidSecret", f"{label} is larger than {MAX_SECRET_BYTES} characters")
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise own("InvalidSecret", f"{label} is not JSON") from None
    if not isinstance(document, dict):
        raise own("InvalidSecret", f"{label} is not a JSON object")
    provider = _required(document, "provider", label)
    rules = rules_for(provider)
    if rules is None:
        raise own("UnknownProvider", f"{label}: provider {provider[:40]!r} is not one this version rotates")
    region = _required(document, "region", label)
    instance_id = _required(document, "instance_id", label)
    username = _required(document, "username", label)
    password = _required(document, "password", label)
    if not REGION.fullmatch(region):
        raise own("InvalidSecret", f"{label}: region {region[:40]!r} is not a region id")
    if not rules.instance_id.fullmatch(instance_id):
        raise own("InvalidSecret", f"{label}: instance_id {instance_id[:60]!r} is not a {provider} instance id")
    if not USERNAME.fullmatch(username):
        raise own("InvalidSecret", f"{label}: username is not a valid account name")
    usernames = _usernames(document, username, label)
    _only_username(username, usernames, label, rules)
    engine = _engine(document, label, rules)
    role_arn = _optional(document, "role_arn", label)
    if role_arn is not None and not rules.role_arn.fullmatch(role_arn):
        raise own("InvalidSecret", f"{label}: role_arn is not a role ARN of {provider}'s cloud")
    oidc_provider = _optional(document, "oidc_provider", label)
    if oidc_provider is not None and not rules.identity_provider.fullmatch(oidc_provider):
        raise own("InvalidSecret", f"{label}: oidc_provider is not an OIDC identity provider of {provider}'s cloud")
    tls = _choice(document, "tls", label, TLS_MODES, "require")
    tls_ca = _optional(document, "tls_ca", label)
    if tls_ca is not None:
        if tls != "verify-full":
            raise own("InvalidSecret", f"{label}: tls_ca applies only to tls verify-full")
        if not PEM_CERTIFICATE.search(tls_ca):
            raise own("InvalidSecret", f"{label}: tls_ca is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
    options = {}
    for key, rule in rules.fields.items():
        value = _optional(document, key, label) or rule.default
        if not rule.pattern.fullmatch(value):
            raise own("InvalidSecret", f"{label}: {key} is not {rule.meaning}")
        options[key] = value
    return DatabaseSecret(
        provider=provider,
        region=region,
        instance_id=instance_id,
        username=username,
        password=password,
        usernames=usernames,
        credentials_secret=_optional(document, "credentials_secret", label),
        role_arn=role_arn,
        oidc_provider=oidc_provider,
        host=_optional(document, "host", label),
        port=_port(document, label),
        dbname=_optional(document, "dbname", label),
        engine=engine,
        tls=tls,
        tls_ca=tls_ca,
        options=options,
        document=document,
        rules=rules,
    )
