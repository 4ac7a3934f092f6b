"""Keyless access, held to the same contract on every provider: no API key anywhere, temporary credentials that
cost at most two extra calls per role per cache lifetime and are renewed when the provider calls them expired,
and each hop's failure classified by its table and named by ``verify`` with the side to fix.

The chain runs against the stand-ins in localcloud/<cloud>/sts.py: AWS STS mints real RS256 tokens, each cloud's
STS verifies them against the issuer's keys and its trust policy, and the provider emulators accept the
temporary keys only with their token and until they expire.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import VirtualClock, step, verify

from crossrotate import runtime
from crossrotate.errors import FatalRotationError, RetryableRotationError
from crossrotate.registry import PROVIDERS
from localcloud.cloud import FUNCTION_ROLE, ROLES, LocalCloud

NAMES = sorted(PROVIDERS)
EXCHANGE = {
    "tencentcloud": "AssumeRoleWithWebIdentity",
    "alibabacloud": "AssumeRoleWithOIDC",
    "huaweicloud": "AssumeAgencyWithOIDC",
}
RETRYABLE_STS = {
    "aws": "Throttling",
    "tencentcloud": "RequestLimitExceeded",
    "alibabacloud": "Throttling.User",
    "huaweicloud": "APIGW.0308",
}
TRUST_DENIED = {
    "tencentcloud": "UnauthorizedOperation",
    "alibabacloud": "AuthenticationFail.NoPermission",
    "huaweicloud": "HTTP.403",  # Huawei publishes no code for it: the HTTP status decides
}
EXCHANGE_PARAMS = {"huaweicloud": {"RoleSessionName": "agency_session_name", "RoleArn": "agency_urn"}}
"""Where a cloud's exchange names the session and the role otherwise (Huawei's JSON body)."""


@pytest.fixture
def keyless(local: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """The local cloud with no API key secret configured, and a process that has exchanged nothing yet."""
    for spec in PROVIDERS.values():
        monkeypatch.delenv(spec.cloud.credentials_variable, raising=False)
    runtime.forget_credentials()
    yield local
    runtime.forget_credentials()


def exchanges(local: LocalCloud, cloud: str) -> tuple[int, int]:
    """(AWS tokens minted, the cloud's STS exchanges) so far."""
    return len(local.sts["aws"].calls_of("GetWebIdentityToken")), len(local.sts[cloud].calls_of(EXCHANGE[cloud]))


@pytest.mark.parametrize("provider", NAMES)
def test_a_rotation_needs_no_api_key_and_costs_two_calls_per_role(provider: str, keyless: LocalCloud) -> None:
    cloud = PROVIDERS[provider].cloud.name
    before = exchanges(keyless, cloud)
    first, second = keyless.account(provider, access="keyless"), keyless.account(provider, access="keyless")
    keyless.driver.rotate(first.secret_id)
    keyless.driver.rotate(second.secret_id)
    assert verify(first.secret_id)["outcome"] == "verified"
    for account in (first, second):
        assert keyless.password_of(account) == keyless.driver.value(account.secret_id)["password"]
    minted, exchanged = exchanges(keyless, cloud)
    assert (minted - before[0], exchanged - before[1]) == (1, 1)  # two rotations and a verify share one exchange


@pytest.mark.parametrize("provider", NAMES)
def test_the_role_is_assumed_with_the_functions_session_name(
    provider: str, keyless: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "payments-rotator")
    cloud = PROVIDERS[provider].cloud.name
    keyless.driver.rotate(keyless.account(provider, access="keyless").secret_id)
    (*_, call) = keyless.sts[cloud].calls_of(EXCHANGE[cloud])
    names = EXCHANGE_PARAMS.get(cloud, {})
    assert call.params[names.get("RoleSessionName", "RoleSessionName")] == "crossrotate-payments-rotator"
    assert call.params[names.get("RoleArn", "RoleArn")] == ROLES[cloud][0]
    assert not {"OIDCToken", "WebIdentityToken", "id_token"} & set(call.params)


@pytest.mark.parametrize("provider", NAMES)
def test_credentials_the_provider_calls_expired_are_renewed_once(provider: str, keyless: LocalCloud) -> None:
    cloud = PROVIDERS[provider].cloud.name
    account = keyless.account(provider, access="keyless")
    assert verify(account.secret_id)["outcome"] == "verified"
    ring = keyless.rings[cloud]
    with ring.lock:
        for key_id in ring.expiries:  # revoked early, or a clock that disagrees: the provider says expired
            ring.expiries[key_id] = 0.0
    before = exchanges(keyless, cloud)
    keyless.driver.rotate(account.secret_id)
    assert keyless.password_of(account) == keyless.driver.value(account.secret_id)["password"]
    after = exchanges(keyless, cloud)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


@contextmanager
def hop_broken(local: LocalCloud, cloud: str, hop: str) -> Iterator[tuple[str, str, str]]:
    """One hop broken as a setup mistake would break it: (the error's provider, its code, words of the advice)."""
    aws: Any = local.sts["aws"]
    if hop == "aws":
        aws.enabled = False
        try:
            yield "aws-sts", "OutboundWebIdentityFederationDisabledException", "enable-outbound-web-identity-federation"
        finally:
            aws.enabled = True
        return
    role_arn, identity_provider = ROLES[cloud]
    sts: Any = local.sts[cloud]
    sts.add_role(role_arn, identity_provider, "arn:aws:iam::123456789012:role/someone-else")  # trusts another role
    code = TRUST_DENIED[cloud]
    try:
        yield f"{cloud}-sts", code, "oidc:sub"
    finally:
        sts.add_role(role_arn, identity_provider, FUNCTION_ROLE)


@pytest.mark.parametrize("provider", NAMES)
@pytest.mark.parametrize("hop", ["aws", "provider-sts"])
def test_verify_names_the_hop_that_failed_and_the_side_to_fix(provider: str, hop: str, keyless: LocalCloud) -> None:
    cloud = PROVIDERS[provider].cloud.name
    account = keyless.account(provider, access="keyless")
    calls = len(keyless.emulators[provider].calls)
    with hop_broken(keyless, cloud, hop) as (where, code, advice):
        result = verify(account.secret_id)
        assert (result["outcome"], result["code"], result["retryable"]) == ("failed", code, False)
        assert result["message"].startswith(f"{where}: {code}")
        assert advice in result["message"]
    assert len(keyless.emulators[provider].calls) == calls  # no provider call without credentials
    assert verify(account.secret_id)["outcome"] == "verified"  # fixed: the same secret works at once


@pytest.mark.parametrize("provider", NAMES)
@pytest.mark.parametrize("hop", ["aws", "provider-sts"])
def test_a_throttled_hop_is_retried_then_retryable_and_nothing_is_reset(
    provider: str, hop: str, keyless: LocalCloud, clock: VirtualClock
) -> None:
    cloud = PROVIDERS[provider].cloud.name
    sts = keyless.sts["aws" if hop == "aws" else cloud]
    code = RETRYABLE_STS["aws" if hop == "aws" else cloud]
    account = keyless.account(provider, access="keyless")
    rotation = keyless.driver.start_rotation(account.secret_id)
    before = exchanges(keyless, cloud)
    step(rotation, "createSecret", clock)
    assert exchanges(keyless, cloud) == before  # createSecret talks to Secrets Manager only
    sts.inject("error", code=code, status=400, times=1000)
    with pytest.raises(RetryableRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == code
    assert len(sts.faults_taken) >= 3  # retried with backoff inside the invocation first
    assert keyless.resets(account) == []
    sts.clear_faults()
    step(rotation, "setSecret", clock)  # the throttling passed: the same rotation goes on
    assert keyless.password_of(account) == keyless.driver.value(account.secret_id, "AWSPENDING")["password"]


@pytest.mark.parametrize("provider", NAMES)
def test_without_any_access_configured_the_error_says_what_to_set(provider: str, keyless: LocalCloud) -> None:
    account = keyless.account(provider)  # the environment names no role here, and no API key secret
    cloud = PROVIDERS[provider].cloud
    result = verify(account.secret_id)
    assert (result["outcome"], result["code"]) == ("failed", "NoProviderAccess")
    assert cloud.role_variable in result["message"]
    assert cloud.credentials_variable in result["message"]
    rotation = keyless.driver.start_rotation(account.secret_id)
    keyless.driver.step(rotation, "createSecret")
    with pytest.raises(FatalRotationError):
        keyless.driver.step(rotation, "setSecret")
    assert keyless.resets(account) == []
