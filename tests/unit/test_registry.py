"""The registry (crossrotate.registry): the one place that names the providers, each spec read from its package."""

from __future__ import annotations

import json

import pytest

from crossrotate.errors import FatalRotationError
from crossrotate.registry import PROVIDERS, read_secret, spec_of


def test_every_registered_name_is_its_specs_name() -> None:
    names = ["tencentcloud-postgres", "alibabacloud-rds", "tencentcloud-mysql", "alibabacloud-polardb"]
    assert list(PROVIDERS)[:4] == names, "the first four, in the order they came"
    assert all(PROVIDERS[name].name == name for name in PROVIDERS)
    assert len(PROVIDERS) == len(dict(PROVIDERS.items())) == len(set(PROVIDERS))
    assert PROVIDERS.get("nosuch-provider") is None
    assert "nosuch-provider" not in PROVIDERS


def test_an_unknown_provider_is_fatal_and_its_name_is_cut_short() -> None:
    with pytest.raises(FatalRotationError) as raised:
        spec_of("nosuch-" + "x" * 500)
    assert raised.value.code == "UnknownProvider"
    assert len(str(raised.value)) < 150
    assert spec_of("alibabacloud-rds") is PROVIDERS["alibabacloud-rds"]


@pytest.mark.parametrize(
    ("provider", "instance_id", "accepted"),
    [
        ("alibabacloud-rds", "rm-abcd1234", True),
        ("alibabacloud-rds", "cdb-abcd1234", False),
        ("tencentcloud-mysql", "cdb-abcd1234", True),
        ("tencentcloud-mysql", "rm-abcd1234", False),
    ],
)
def test_a_secret_is_read_by_the_rules_of_the_provider_it_names(
    provider: str, instance_id: str, accepted: bool
) -> None:
    document = {"provider": provider, "region": "cn-hangzhou", "instance_id": instance_id}
    document |= {"username": "app_user", "password": "Not-Quoted-9"}
    if accepted:
        assert read_secret(json.dumps(document), "AWSCURRENT").instance_id == instance_id
        return
    with pytest.raises(FatalRotationError) as raised:
        read_secret(json.dumps(document), "AWSCURRENT")
    assert raised.value.code == "InvalidSecret"
    assert "Not-Quoted-9" not in str(raised.value)
