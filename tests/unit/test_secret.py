from __future__ import annotations

import json
from typing import Any

import pytest

from crossrotate.errors import FatalRotationError
from crossrotate.registry import read_secret

VALID: dict[str, Any] = {
    "provider": "tencentcloud-postgres",
    "region": "ap-guangzhou",
    "instance_id": "postgres-4wdeb0zv",
    "username": "app_user",
    "password": "Sup3r-secret!",
}


def test_a_valid_secret_keeps_every_key_in_the_next_version() -> None:
    secret = read_secret(json.dumps({**VALID, "host": "db.example", "port": "5432", "custom": [1, 2]}), "secret")
    assert (secret.host, secret.port, secret.engine) == ("db.example", 5432, "postgres")
    following = json.loads(secret.next_version("N3w-password!"))
    assert following == {**VALID, "host": "db.example", "port": "5432", "custom": [1, 2], "password": "N3w-password!"}


def test_repr_never_shows_the_password() -> None:
    assert VALID["password"] not in repr(read_secret(json.dumps(VALID), "secret"))


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (None, "InvalidSecret", "no SecretString"),
        ("not json", "InvalidSecret", "not JSON"),
        ("[1]", "InvalidSecret", "not a JSON object"),
        ({**VALID, "provider": "gcp-sql"}, "UnknownProvider", "is not one this version rotates"),
        ({k: v for k, v in VALID.items() if k != "username"}, "InvalidSecret", "'username'"),
        ({**VALID, "password": 12345678}, "InvalidSecret", "'password'"),
        ({**VALID, "region": "evil.com/x"}, "InvalidSecret", "region"),
        ({**VALID, "region": "ap-guangzhou.attacker.com#"}, "InvalidSecret", "region"),
        ({**VALID, "instance_id": "rm-uf6wjk5xxxxxxx"}, "InvalidSecret", "instance_id"),
        ({**VALID, "username": "bad name"}, "InvalidSecret", "username"),
        ({**VALID, "engine": "oracle"}, "InvalidSecret", "engine"),
        ({**VALID, "port": 70000}, "InvalidSecret", "port"),
        ({**VALID, "port": True}, "InvalidSecret", "port"),
        ({**VALID, "x": "y" * 70000}, "InvalidSecret", "larger"),
    ],
)
def test_bad_secrets_are_fatal_with_a_clear_message(document: Any, code: str, words: str) -> None:
    text = document if document is None or isinstance(document, str) else json.dumps(document)
    with pytest.raises(FatalRotationError) as raised:
        read_secret(text, "secret")
    assert raised.value.code == code
    assert words in str(raised.value)
    assert VALID["password"] not in str(raised.value)


def test_alibaba_instance_ids() -> None:
    secret = read_secret(
        json.dumps(
            {**VALID, "provider": "alibabacloud-rds", "region": "cn-hangzhou", "instance_id": "rm-uf6wjk5xxxxxxx"}
        ),
        "secret",
    )
    assert secret.instance_id == "rm-uf6wjk5xxxxxxx"


DUAL = {**VALID, "usernames": ["app_user", "app_user_b"]}


def test_a_dual_account_secrets_next_version_names_the_account_not_in_use() -> None:
    secret = read_secret(json.dumps(DUAL), "secret")
    following = json.loads(secret.next_version("N3w-password!"))
    assert (following["username"], following["password"]) == ("app_user_b", "N3w-password!")
    assert following["usernames"] == DUAL["usernames"]
    back = json.loads(read_secret(json.dumps(following), "secret").next_version("Th1rd-password!"))
    assert back["username"] == "app_user"  # a → b → a, from AWSCURRENT alone


def test_a_single_account_secret_keeps_its_username() -> None:
    secret = read_secret(json.dumps(VALID), "secret")
    assert json.loads(secret.next_version("N3w-password!"))["username"] == "app_user"
    assert secret.usernames == ()


@pytest.mark.parametrize(
    "usernames",
    [
        ["app_user"],  # one name
        ["app_user", "app_user"],  # duplicates
        ["other_a", "other_b"],  # not containing username
        ["app_user", "b", "c"],  # three
        "app_user,app_user_b",  # wrong type
        ["app_user", 7],
        ["app_user", "bad name"],
    ],
)
def test_malformed_usernames_are_bad_input(usernames: object) -> None:
    with pytest.raises(FatalRotationError) as raised:
        read_secret(json.dumps({**VALID, "usernames": usernames}), "secret")
    assert raised.value.code == "InvalidSecret"
    assert "usernames" in str(raised.value)


VALID_VALUES = {
    "tencentcloud-postgres": {"instance_id": "postgres-4wdeb0zv"},
    "tencentcloud-mysql": {"instance_id": "cdb-4wdeb0zv", "account_host": "10.0.%"},
    "alibabacloud-rds": {"instance_id": "rm-bp1abcd1234"},
    "alibabacloud-polardb": {"instance_id": "pc-bp1abcd1234"},
}
ROLES = {
    "tencentcloud": {"role_arn": "qcs::cam::uin/100012345678:roleName/crossrotate", "oidc_provider": "aws"},
    "alibabacloud": {
        "role_arn": "acs:ram::1234567890123456:role/crossrotate",
        "oidc_provider": "acs:ram::1234567890123456:oidc-provider/aws",
    },
}


@pytest.mark.parametrize("provider", sorted(VALID_VALUES))
def test_no_validated_value_may_end_in_a_newline(provider: str) -> None:
    """Patterns ending in ``$`` accept a trailing newline: ``region="ap-guangzhou\\n"`` once passed the check and
    failed later as an unexpected or a retried transport error, not as the promised InvalidSecret."""
    from crossrotate.registry import PROVIDERS

    document = {
        **VALID,
        "provider": provider,
        **VALID_VALUES[provider],
        **ROLES[PROVIDERS[provider].cloud.name],
        "usernames": ["app_user", "app_user_b"],
    }
    read_secret(json.dumps(document), "secret")  # valid as it is
    checked = ["region", "instance_id", "username", "role_arn", "oidc_provider", *PROVIDERS[provider].fields]
    for key in checked:
        for ending in ("\n", "\r\n", " "):
            broken = {**document, key: document[key] + ending}
            if key == "username":
                broken["usernames"] = [broken["username"], "app_user_b"]
            with pytest.raises(FatalRotationError) as raised:
                read_secret(json.dumps(broken), "secret")
            assert raised.value.code == "InvalidSecret", (key, ending)
    with pytest.raises(FatalRotationError):
        read_secret(json.dumps({**document, "usernames": ["app_user", "app_user_b\n"]}), "secret")


def test_tls_ca_is_a_pem_certificate_for_verify_full_only() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUX0\n-----END CERTIFICATE-----\n"
    assert read_secret(json.dumps({**VALID, "tls": "verify-full", "tls_ca": pem}), "secret").tls_ca == pem
    for document, words in (
        ({**VALID, "tls_ca": pem}, "only to tls verify-full"),
        ({**VALID, "tls": "verify-full", "tls_ca": "not a certificate"}, "not a PEM certificate"),
        ({**VALID, "tls": "verify-full", "tls_ca": 42}, "'tls_ca'"),
    ):
        with pytest.raises(FatalRotationError) as raised:
            read_secret(json.dumps(document), "secret")
        assert raised.value.code == "InvalidSecret"
        assert words in str(raised.value)


def rules_like(provider: str, **changes: Any) -> Any:
    """A registered provider's rules with some changed: the engine and one-account rules, whatever the registry
    holds today."""
    from crossrotate.registry import PROVIDERS

    return PROVIDERS[provider]._replace(**changes)


def parse_with(rules: Any, document: dict[str, Any]) -> Any:
    from crossrotate.secret import parse_secret

    return parse_secret(json.dumps(document), "secret", {rules.name: rules}.get)


@pytest.mark.parametrize(
    ("engine", "named", "accepted"),
    [
        ("postgres", None, "postgres"),
        ("postgres", "mysql", "mysql"),  # a SQL provider's secret may name the other SQL engine
        ("mysql", "redis", None),
        ("redis", None, "redis"),
        ("redis", "mysql", None),
        ("redis", "postgres", None),
    ],
)
def test_a_secret_names_only_an_engine_of_its_providers_kind(
    engine: str, named: str | None, accepted: str | None
) -> None:
    rules = rules_like("tencentcloud-postgres", engine=engine)
    document = {**VALID, "host": "db.example", **({"engine": named} if named else {})}
    if accepted is None:
        with pytest.raises(FatalRotationError, match="engine must be one of") as raised:
            parse_with(rules, document)
        assert raised.value.code == "InvalidSecret"
    else:
        assert parse_with(rules, document).engine == accepted


@pytest.mark.parametrize("key", ["host", "engine"])
def test_a_provider_no_login_can_prove_refuses_a_login_target(key: str) -> None:
    rules = rules_like("tencentcloud-postgres", engine=None)
    assert parse_with(rules, VALID).engine is None
    with pytest.raises(FatalRotationError, match=f"{key} is not accepted for tencentcloud-postgres") as raised:
        parse_with(rules, {**VALID, key: "mysql"})
    assert raised.value.code == "InvalidSecret"


def test_a_root_only_provider_refuses_other_accounts_and_dual_account() -> None:
    rules = rules_like("tencentcloud-postgres", only_username="root")
    assert parse_with(rules, {**VALID, "username": "root"}).username == "root"
    for change in ({}, {"username": "root", "usernames": ["root", "other"]}):
        with pytest.raises(FatalRotationError, match="only the 'root' account") as raised:
            parse_with(rules, {**VALID, **change})
        assert raised.value.code == "InvalidSecret"
