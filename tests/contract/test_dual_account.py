"""Dual-account rotation, held to the same contract on every provider: rotations alternate between the two
accounts and never reset the one in use; both labelled credentials log in between rotations (real PostgreSQL and
MariaDB); verify checks the other account and compares privileges as the provider reports them; cancel restores
the other account from AWSPREVIOUS.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from conftest import VirtualClock, step, verify
from proof import back_with_database, login_keys, server_for, works

from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.registry import PROVIDERS
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import KITS, Account, LocalCloud
from localcloud.databases import MariaDbServer, PostgresServer, account_admin

NAMES = sorted(PROVIDERS)
DUAL = [name for name in NAMES if PROVIDERS[name].only_username is None]
"""Every provider but those that reset one account only (refused in tests/contract/test_contract.py)."""


def labelled(local: LocalCloud, account: Account, stage: str) -> dict[str, Any]:
    return dict(local.driver.value(account.secret_id, stage))


@pytest.mark.parametrize("provider", DUAL)
def test_three_rotations_alternate_and_both_labelled_credentials_log_in(
    provider: str, local: LocalCloud, servers: dict[str, PostgresServer | MariaDbServer]
) -> None:
    kit = KITS[provider]
    server = server_for(kit, servers)
    first, second = f"a_{uuid.uuid4().hex[:8]}", f"b_{uuid.uuid4().hex[:8]}"
    account = local.account(provider, first, other=second, tls="disable", **login_keys(kit, server))
    emulator: Any = local.emulators[provider]
    for name, password in ((first, account.old_password), (second, account.others[second])):
        back_with_database(kit, emulator, server, account.instance_id, name, password)
        if server is not None:
            account_admin(server.admin_dsn).grant_read(name)  # two accounts with the same privileges
    expected = [second, first, second]
    for number, following in enumerate(expected, start=1):
        in_use = labelled(local, account, "AWSCURRENT")["username"]
        untouched = local.password_of(account, in_use)
        resets_before = local.resets(account, in_use)
        local.driver.rotate(account.secret_id)
        current, previous = labelled(local, account, "AWSCURRENT"), labelled(local, account, "AWSPREVIOUS")
        assert current["username"] == following, number
        assert previous["username"] == in_use, number
        assert local.password_of(account, in_use) == untouched, number  # the account in use was never reset
        assert local.resets(account, in_use) == resets_before, number
        for version in (current, previous):
            assert works(kit, emulator, server, account.instance_id, version["username"], version["password"]), (
                number,
                version,
            )
        assert current["usernames"] == [first, second]
    assert verify(account.secret_id)["outcome"] == "verified"


@pytest.mark.parametrize("provider", DUAL)
def test_the_other_account_is_derived_from_awscurrent_even_when_interrupted(
    provider: str, local: LocalCloud, clock: VirtualClock
) -> None:
    """A first rotation, one repeated after an interruption, and a second copy of createSecret all pick the account
    not in use: there is no counter to go wrong."""
    account = local.account(provider, "app_a", other="app_b")
    rotation = local.driver.start_rotation(account.secret_id)
    step(rotation, "createSecret", clock)
    step(rotation, "createSecret", clock)  # a second copy keeps the first one's version
    pending = labelled(local, account, "AWSPENDING")
    assert pending["username"] == "app_b"
    local.emulators[provider].inject("status", action=KITS[provider].reset_action, status=503, times=1000)
    with pytest.raises(RetryableRotationError):  # interrupted
        step(rotation, "setSecret", clock)
    local.emulators[provider].clear_faults()
    for name in ("setSecret", "testSecret", "finishSecret"):
        step(rotation, name, clock)
    assert labelled(local, account, "AWSCURRENT") == pending
    assert local.password_of(account, "app_a") == account.old_password
    assert local.password_of(account, "app_b") == pending["password"]


@pytest.mark.parametrize("provider", DUAL)
def test_verify_checks_the_other_account_and_that_privileges_match(provider: str, local: LocalCloud) -> None:
    account = local.account(provider, "app_a", other="app_b", dbname="app")
    emulator: Any = local.emulators[provider]
    grants = KITS[provider].grants
    assert grants is not None, f"{provider}'s kit has no grants example"
    same, different, named = grants
    emulator.grant(account.instance_id, "app_a", same)
    emulator.grant(account.instance_id, "app_b", same)
    result = verify(account.secret_id)
    assert result["outcome"] == "verified"
    assert "equal privileges" in result["message"]
    emulator.grant(account.instance_id, "app_b", different)
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"], result["retryable"]) == ("failed", "PrivilegesDiffer", False)
    assert named in result["message"]
    if "database audit" in different:
        assert "database audit: only app_b has" in result["message"]


@pytest.mark.parametrize("provider", DUAL)
def test_cancel_restores_the_other_account_from_awsprevious(
    provider: str, local: LocalCloud, clock: VirtualClock
) -> None:
    account = local.account(provider, "app_a", other="app_b")
    local.driver.rotate(account.secret_id)  # a → b: AWSPREVIOUS holds app_a's working password
    previous = labelled(local, account, "AWSPREVIOUS")
    in_use = labelled(local, account, "AWSCURRENT")
    rotation = local.driver.start_rotation(account.secret_id)  # b → a, interrupted after the reset
    step(rotation, "createSecret", clock)
    step(rotation, "setSecret", clock)
    assert local.password_of(account, "app_a") != previous["password"]
    from app import lambda_handler

    (result,) = lambda_handler({"action": "cancel", "secret_id": account.secret_id}, LambdaContext())["results"]
    assert result["outcome"] == "cancelled"
    assert local.password_of(account, "app_a") == previous["password"]
    assert local.password_of(account, "app_b") == in_use["password"]
    assert "AWSPENDING" not in local.driver.versions(account.secret_id)[rotation.token]
    assert labelled(local, account, "AWSPREVIOUS") == previous


@pytest.mark.parametrize("provider", DUAL)
@pytest.mark.parametrize(
    "usernames",
    [["app_a"], ["app_a", "app_a"], ["app_x", "app_y"], "app_a,app_b", ["app_a", {"name": "app_b"}]],
)
def test_malformed_usernames_are_bad_input_that_changes_nothing(
    provider: str, usernames: object, local: LocalCloud
) -> None:
    from app import lambda_handler

    account = local.account(provider, "app_a")
    document = {**labelled(local, account, "AWSCURRENT"), "usernames": usernames}
    local.driver.sm.put_secret_value(SecretId=account.secret_id, SecretString=json.dumps(document))
    rotation = local.driver.start_rotation(account.secret_id)
    labels = local.driver.versions(account.secret_id)
    calls = len(local.emulators[provider].calls)
    event = {"Step": "createSecret", "SecretId": account.secret_id, "ClientRequestToken": rotation.token}
    with pytest.raises(FatalRotationError) as raised:
        lambda_handler(event, LambdaContext())
    assert raised.value.code == "InvalidSecret"
    assert "usernames" in str(raised.value)
    assert local.driver.versions(account.secret_id) == labels
    assert len(local.emulators[provider].calls) == calls
