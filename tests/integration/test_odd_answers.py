"""Any answer a provider, an STS or something in their place can send ends in a classified RotationError, never
another exception, and never one that quotes a credential.

A proxy (:class:`localcloud.proxy.AnswerProxy`) stands between the function and each stand-in, forwards the real
request, and hands back what hypothesis makes of the real answer: one value anywhere in its JSON replaced by JSON
of any shape or type (or removed), the body cut short, an HTML error page, an empty body, random bytes, another
status, an error envelope under HTTP 200. Every provider client's every call is driven so (the reset, its task's
poll, the account's state, its privileges), and every hop of keyless access (AWS STS, then the cloud's STS).
Through the handler, a step that met such an answer changed no label.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossrotate import runtime
from crossrotate.errors import OWN_CODES, TRANSPORT, FatalRotationError, RetryableRotationError, RotationError
from crossrotate.ports import ApiCredentials, ProviderApi
from crossrotate.provider import ClientConfig
from crossrotate.providers.http import close_shared_client
from crossrotate.registry import PROVIDERS, read_secret
from crossrotate.settings import Settings
from localcloud.aws.secretsmanager import LambdaContext
from localcloud.cloud import ROLES, LocalCloud
from localcloud.proxy import Answer, AnswerProxy

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
STATUSES = st.sampled_from([200, 200, 400, 403, 404, 429, 500, 502, 503])
DELETE = object()


@dataclass(frozen=True)
class Garbling:
    """One way to spoil an answer; ``spot`` picks the value, or the cut, within whatever answer comes."""

    kind: str
    spot: int
    value: Any
    status: int
    noise: bytes

    def __call__(self, answer: Answer) -> Answer:
        status, headers, body = answer
        if self.kind == "json":
            try:
                document = json.loads(body)
            except ValueError:
                return status, headers, body[: self.spot % (len(body) + 1)]
            return status, headers, json.dumps(replaced(document, self.spot, self.value)).encode()
        if self.kind == "cut":
            return status, headers, body[: self.spot % (len(body) + 1)]
        if self.kind == "html":
            return self.status, {"Content-Type": "text/html"}, b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        if self.kind == "empty":
            return self.status, headers, b""
        if self.kind == "bytes":
            return self.status, headers, self.noise
        if self.kind == "status":
            return self.status, headers, body
        # "error": an error envelope of either cloud, whatever the status
        envelope = {"Code": self.value, "Message": "odd", "RequestId": self.value}
        tencent = {"Response": {"Error": {"Code": self.value, "Message": self.value}, "RequestId": "r"}}
        return self.status, headers, json.dumps(envelope if self.spot % 2 else tencent).encode()


def paths(document: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, the whole document first."""
    found = [here]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*here, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*here, index))
    return found


def replaced(document: Any, spot: int, value: Any) -> Any:
    """``document`` with the value at one of its places (``spot``, wrapped around) replaced or removed."""
    places = paths(document)
    place = places[spot % len(places)]
    if not place:
        return None if value is DELETE else value
    parent = document
    for key in place[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    return document


garblings = st.builds(
    Garbling,
    kind=st.sampled_from(["json", "json", "json", "cut", "html", "empty", "bytes", "status", "error"]),
    spot=st.integers(0, 10_000),
    value=st.one_of(JSON, st.just(DELETE)),
    status=STATUSES,
    noise=st.binary(max_size=40),
)
ODD = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KNOWN_CODES = set(OWN_CODES) | set(TRANSPORT)


def assert_classified(error: RotationError, secrets_sent: tuple[str, ...]) -> None:
    assert isinstance(error, RetryableRotationError | FatalRotationError)
    assert error.retryable is isinstance(error, RetryableRotationError)
    tables = [spec.errors for spec in PROVIDERS.values()]
    listed = any(error.code in table.codes for table in tables)
    assert error.code in KNOWN_CODES or listed or error.unclassified or error.provider.endswith("sts"), error
    assert isinstance(error.request_id, str | None)
    for secret in secrets_sent:
        assert secret not in str(error)


class FixedKey:
    """A :class:`~crossrotate.ports.CredentialSource` holding one API key."""

    def __init__(self, credentials: ApiCredentials) -> None:
        self.held = credentials

    def credentials(self) -> ApiCredentials:
        return self.held

    def renew(self) -> bool:
        return False


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def proxies(local: LocalCloud) -> Iterator[Callable[[str], AnswerProxy]]:
    started: list[AnswerProxy] = []

    def proxy_to(upstream: str) -> AnswerProxy:
        proxy = AnswerProxy(upstream)
        proxy.start()
        started.append(proxy)
        return proxy

    yield proxy_to
    for proxy in started:
        proxy.stop()


CALLS: dict[str, Callable[[ProviderApi, str], Any]] = {
    "reset": lambda api, password: poll_all(api.reset_password(password)),
    "account_state": lambda api, _: api.account_state(),
    "privileges": lambda api, _: api.privileges(),
}


def poll_all(receipt: Any) -> Any:
    return receipt.poll() if receipt.poll is not None else receipt


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_every_provider_call_classifies_any_answer(
    provider: str,
    call: str,
    local: LocalCloud,
    proxies: Callable[[str], AnswerProxy],
    http: httpx.Client,
) -> None:
    spec = PROVIDERS[provider]
    account = local.account(provider)
    secret = read_secret(local.driver.sm.get_secret_value(SecretId=account.secret_id)["SecretString"], "AWSCURRENT")
    key_id, key_secret = local.keys[spec.cloud.name]
    proxy = proxies(local.emulators[provider].url)
    api = spec.client(
        ClientConfig(
            secret,
            FixedKey(ApiCredentials(key_id, key_secret)),
            proxy.url,
            http,
            time.time,
            Settings({}).cloud(spec.cloud),
        )
    )
    password = spec.password_policy.generate(spec.password_policy.length_from(None))

    @ODD
    @given(garbling=garblings)
    def odd_answer(garbling: Garbling) -> None:
        proxy.garble = garbling
        try:
            CALLS[call](api, password)
        except RotationError as error:
            assert_classified(error, (password, key_secret))

    odd_answer()


STS_HOPS = ["aws", "cloud"]


@pytest.mark.parametrize("hop", STS_HOPS)
@pytest.mark.parametrize("cloud_name", ["tencentcloud", "alibabacloud", "huaweicloud"])
def test_every_keyless_hop_classifies_any_answer(
    cloud_name: str,
    hop: str,
    local: LocalCloud,
    proxies: Callable[[str], AnswerProxy],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AWS STS (boto3, XML) and the cloud's STS (JSON), each behind the proxy in turn."""
    provider = next(name for name, spec in PROVIDERS.items() if spec.cloud.name == cloud_name)
    spec = PROVIDERS[provider]
    role_arn, identity_provider = ROLES[cloud_name]
    account = local.account(provider, access="keyless")
    secret = read_secret(local.driver.sm.get_secret_value(SecretId=account.secret_id)["SecretString"], "AWSCURRENT")
    upstream = local.sts["aws" if hop == "aws" else cloud_name]
    proxy = proxies(upstream.url)
    environ = dict(local.env)
    if hop == "aws":
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", proxy.url)
    else:
        environ[f"{spec.cloud.endpoint_variable}_STS"] = proxy.url
    assert (secret.role_arn, secret.oidc_provider) == (role_arn, identity_provider)

    @ODD
    @given(garbling=garblings)
    def odd_answer(garbling: Garbling) -> None:
        proxy.garble = garbling
        runtime.forget_credentials()
        deps = runtime.dependencies(LambdaContext(), environ=environ)
        try:
            deps.providers(secret).account_state()
        except RotationError as error:
            assert_classified(error, ())
        finally:
            close_shared_client()

    odd_answer()


def test_an_alibaba_error_answered_with_http_200_is_an_error(
    local: LocalCloud, proxies: Callable[[str], AnswerProxy], http: httpx.Client
) -> None:
    """A gateway or product that answers an error with 200 and a Code was once taken as success."""
    provider = "alibabacloud-rds"
    account = local.account(provider)
    proxy = proxies(local.emulators[provider].url)
    body = {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "r-1"}
    proxy.garble = lambda answer: (200, {"Content-Type": "application/json"}, json.dumps(body).encode())
    secret = read_secret(local.driver.sm.get_secret_value(SecretId=account.secret_id)["SecretString"], "AWSCURRENT")
    key_id, key_secret = local.keys["alibabacloud"]
    api = PROVIDERS[provider].client(
        ClientConfig(
            secret,
            FixedKey(ApiCredentials(key_id, key_secret)),
            proxy.url,
            http,
            lambda: 0.0,
            Settings({}).cloud(PROVIDERS[provider].cloud),
        )
    )
    with pytest.raises(RetryableRotationError) as raised:
        api.reset_password("Passw0rd-" + secrets.token_hex(8))
    assert (raised.value.code, raised.value.request_id) == ("Throttling.User", "r-1")


@pytest.mark.parametrize("kind", ["html", "json"])
def test_a_step_that_met_an_odd_answer_changes_no_label(
    kind: str, local: LocalCloud, proxies: Callable[[str], AnswerProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the handler: setSecret, every answer spoilt, fails classified; AWSCURRENT stays where it was."""
    from app import lambda_handler

    provider = "tencentcloud-postgres"
    account = local.account(provider)
    proxy = proxies(local.emulators[provider].url)
    proxy.garble = Garbling(kind, 1, [], 502, b"")
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL_POSTGRES", proxy.url)
    rotation = local.driver.start_rotation(account.secret_id)
    local.driver.step(rotation, "createSecret")
    before = local.driver.versions(account.secret_id)
    with pytest.raises(RotationError) as raised:
        lambda_handler(
            {"Step": "setSecret", "SecretId": account.secret_id, "ClientRequestToken": rotation.token},
            LambdaContext(budget_ms=13_000),  # no time for a retry: the first answer is the last
        )
    assert raised.value.code in KNOWN_CODES or raised.value.unclassified
    assert local.driver.versions(account.secret_id) == before
    assert local.driver.value(account.secret_id)["password"] == account.old_password
