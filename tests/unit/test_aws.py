"""The boto3 adapters (crossrotate.aws): Secrets Manager against moto's server, STS's web identity tokens against
the local AWS STS, the sweep queue against moto's SQS, and odd answers from a proxy in front of them (a real HTTP
server) or from botocore's own Stubber. Every failure leaves as a RotationError classified by its table."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import boto3
import botocore
import botocore.loaders
import botocore.session
import jwt
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from conftest import unique

from crossrotate.aws import MINIMUM_BOTOCORE, SQS_ERRORS, SecretsManagerStore, SqsSweepQueue, WebIdentityTokens
from crossrotate.errors import FatalRotationError, RetryableRotationError, RotationError
from crossrotate.ports import CURRENT, PENDING, PREVIOUS, RotatedSecret, SecretValue
from localcloud.aws.secretsmanager import REGION, RecordingMotoServer
from localcloud.aws.sqs import SweepQueues
from localcloud.aws.sts import AwsStsEmulator
from localcloud.proxy import Answer, AnswerProxy

ROLE = "arn:aws:iam::123456789012:role/crossrotate-fn"
KEY_ID, KEY_SECRET = "AKIAUNITTESTKEY00001", "unit-test-secret-access-key"


@pytest.fixture
def store(secrets_manager: RecordingMotoServer) -> SecretsManagerStore:
    return SecretsManagerStore()


def new_secret(sm: Any, document: dict[str, Any] | None = None) -> tuple[str, str]:
    """A fresh secret: its name and its AWSCURRENT version id."""
    name = unique("aws-unit")
    version: str = sm.create_secret(Name=name, SecretString=json.dumps(document or {"n": 1}))["VersionId"]
    return name, version


def attach(sm: Any, name: str, function: str) -> None:
    """``function`` as the secret's rotation function, and no rotation under way (moto cannot invoke it, and leaves
    an empty AWSPENDING, which the service would have rotated away)."""
    sm.rotate_secret(SecretId=name, RotationLambdaARN=function, RotationRules={"AutomaticallyAfterDays": 30})
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    pending = next(version for version, labels in stages.items() if PENDING in labels)
    sm.update_secret_version_stage(SecretId=name, VersionStage=PENDING, RemoveFromVersionId=pending)


def labels(sm: Any, name: str) -> dict[str, list[str]]:
    versions: dict[str, list[str]] = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    return versions


def token() -> str:
    return secrets.token_hex(16)


# -- Secrets Manager ---------------------------------------------------------------------------------------------


def test_get_value_answers_a_version_by_label_or_id_and_none_when_there_is_none(
    store: SecretsManagerStore, sm: Any
) -> None:
    name, version = new_secret(sm, {"password": "v1"})
    expected = SecretValue(version, '{"password": "v1"}', (CURRENT,))
    assert store.get_value(name, stage=CURRENT) == expected
    assert store.get_value(name, version_id=version) == expected
    assert store.get_value(name, stage=PENDING) is None
    assert store.get_value(name, version_id=token()) is None
    assert store.get_value(unique("no-such-secret"), stage=CURRENT) is None


def test_put_pending_stores_once_and_answers_false_when_the_version_holds_other_data(
    store: SecretsManagerStore, sm: Any, secrets_manager: RecordingMotoServer
) -> None:
    name, _ = new_secret(sm)
    version = token()
    before = len(secrets_manager.calls)
    assert store.put_pending(name, version, "first", "r" * 48) is True
    assert store.put_pending(name, version, "first", None) is True  # the same data again: the service accepts it
    assert store.put_pending(name, version, "second", None) is False
    assert store.get_value(name, version_id=version) == SecretValue(version, "first", (PENDING,))
    sent = [call.params for call in secrets_manager.calls[before:] if call.operation == "PutSecretValue"]
    assert [(p["ClientRequestToken"], p["VersionStages"], p.get("RotationToken")) for p in sent] == [
        (version, [PENDING], "r" * 48),
        (version, [PENDING], None),
        (version, [PENDING], None),
    ]


def test_put_pending_raises_every_other_refusal(store: SecretsManagerStore) -> None:
    with pytest.raises(FatalRotationError) as raised:
        store.put_pending(unique("no-such-secret"), token(), "x", None)
    assert (raised.value.code, raised.value.provider) == ("ResourceNotFoundException", "secretsmanager")


def test_describe_reads_the_rotation_settings_and_every_versions_labels(store: SecretsManagerStore, sm: Any) -> None:
    name, first = new_secret(sm)
    fresh = store.describe(name)
    assert (fresh.name, fresh.rotation_enabled, fresh.rotation_lambda_arn) == (name, False, None)
    assert dict(fresh.versions) == {first: (CURRENT,)}
    function = f"arn:aws:lambda:{REGION}:123456789012:function:{unique('fn')}"
    attach(sm, name, function)
    second = sm.put_secret_value(SecretId=name, SecretString="{}", VersionStages=[PENDING])["VersionId"]
    attached = store.describe(name)
    assert (attached.rotation_enabled, attached.rotation_lambda_arn) == (True, function)
    assert attached.versions[first] == (CURRENT,)
    assert attached.versions[second] == (PENDING,)
    assert attached.version_with(PENDING) == second
    sm.cancel_rotate_secret(SecretId=name)
    assert store.describe(name).rotation_enabled is False


def test_rotated_by_finds_the_function_under_any_qualifier_and_nothing_else(
    store: SecretsManagerStore, sm: Any
) -> None:
    function = f"arn:aws:lambda:{REGION}:123456789012:function:{unique('sweeper')}"
    mine = {}
    for qualifier in ("", ":live", ":7"):
        name, _ = new_secret(sm)
        attach(sm, name, function + qualifier)
        mine[sm.describe_secret(SecretId=name)["ARN"]] = True
    off, _ = new_secret(sm)
    attach(sm, off, function)
    sm.cancel_rotate_secret(SecretId=off)
    mine[sm.describe_secret(SecretId=off)["ARN"]] = False
    for other in (function + "-v2", function.replace(":123456789012:", ":210987654321:")):
        name, _ = new_secret(sm)
        attach(sm, name, other)
    new_secret(sm)  # rotated by nothing
    expected = sorted(RotatedSecret(arn, enabled) for arn, enabled in mine.items())
    assert sorted(store.rotated_by(function)) == expected
    assert sorted(store.rotated_by(function + ":live")) == expected  # this function as an alias invokes it


def test_move_current_moves_the_label_and_refuses_to_move_it_from_a_version_without_it(
    store: SecretsManagerStore, sm: Any
) -> None:
    name, old = new_secret(sm)
    new = token()
    store.put_pending(name, new, "{}", None)
    with pytest.raises(FatalRotationError) as raised:
        store.move_current(name, old, new)  # AWSCURRENT is not on ``new``
    assert raised.value.code == "InvalidParameterException"
    assert labels(sm, name) == {old: [CURRENT], new: [PENDING]}
    store.move_current(name, new, old)
    assert labels(sm, name) == {old: [PREVIOUS], new: [PENDING, CURRENT]}


def test_remove_pending_takes_only_the_label_off(store: SecretsManagerStore, sm: Any) -> None:
    name, old = new_secret(sm)
    pending = token()
    store.put_pending(name, pending, "kept", None)
    store.remove_pending(name, pending)
    assert store.get_value(name, stage=PENDING) is None
    assert store.get_value(name, version_id=pending) == SecretValue(pending, "kept", ())
    assert labels(sm, name)[old] == [CURRENT]
    with pytest.raises(FatalRotationError):
        store.remove_pending(name, pending)  # nothing to remove: refused, for the caller to read the labels


def test_rotate_starts_a_rotation_under_the_given_version_id_and_is_refused_while_one_is_unfinished(
    store: SecretsManagerStore, sm: Any
) -> None:
    name, _ = new_secret(sm)
    attach(sm, name, f"arn:aws:lambda:{REGION}:123456789012:function:{unique('fn')}")
    first = token()
    store.rotate(name, first)
    assert labels(sm, name)[first] == [PENDING]
    with pytest.raises(FatalRotationError) as raised:
        store.rotate(name, token())
    assert raised.value.code == "InvalidRequestException"


def test_botocore_never_logs_a_secret_value_at_debug(
    store: SecretsManagerStore, sm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """botocore logs every request's parameters at DEBUG: a root logger at DEBUG must not show SecretString."""
    name, _ = new_secret(sm)
    value = "Never-Logged-" + secrets.token_hex(8)
    with caplog.at_level(logging.DEBUG):
        store.put_pending(name, token(), json.dumps({"password": value}), None)
        store.get_value(name, stage=PENDING)
    assert value not in caplog.text


# -- Secrets Manager: failures and odd answers -------------------------------------------------------------------


def client_at(service: Literal["secretsmanager", "sts", "sqs"], url: str, read_timeout: float = 5.0) -> Any:
    """A boto3 client for ``url`` that tries once, with the local principal's keys."""
    config = Config(connect_timeout=1, read_timeout=read_timeout, retries={"total_max_attempts": 1})
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=KEY_SECRET,
        config=config,
    )


@pytest.fixture
def proxy(secrets_manager: RecordingMotoServer) -> Iterator[AnswerProxy]:
    """A real HTTP server between the adapter and moto, answering what its ``garble`` makes of moto's answers."""
    answers = AnswerProxy(os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"])
    answers.start()
    yield answers
    answers.stop()


def error_answer(status: int, code: str) -> Callable[[Answer], Answer]:
    body = json.dumps({"__type": code, "message": "the service's words"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "req-0042"}
    return lambda _: (status, headers, body)


@pytest.mark.parametrize(
    ("status", "code", "retryable", "unclassified"),
    [
        (400, "ThrottlingException", True, False),
        (500, "InternalServiceError", True, False),
        (400, "AccessDeniedException", False, False),
        (400, "DecryptionFailure", False, False),
        (400, "BrandNewException", False, True),
        (503, "BrandNewException", True, True),
    ],
)
def test_an_error_answer_is_classified_by_the_table_then_by_http_status(
    status: int, code: str, retryable: bool, unclassified: bool, proxy: AnswerProxy, sm: Any
) -> None:
    name, _ = new_secret(sm)
    proxy.garble = error_answer(status, code)
    with pytest.raises(RotationError) as raised:
        SecretsManagerStore(client_at("secretsmanager", proxy.url)).describe(name)
    error = raised.value
    assert (error.code, error.retryable, error.unclassified) == (code, retryable, unclassified)
    assert isinstance(error, RetryableRotationError if retryable else FatalRotationError)
    assert (error.provider, error.request_id) == ("secretsmanager", "req-0042")
    assert str(error) == f"secretsmanager: {code}: the service's words (request req-0042)"


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        (lambda store, name: store.get_value(name, stage=CURRENT), "AccessDeniedException"),
        (lambda store, name: store.put_pending(name, token(), "x", None), "ThrottlingException"),
    ],
    ids=["get_value", "put_pending"],
)
def test_only_the_one_documented_answer_means_no_version_or_taken_version(
    operation: Callable[[SecretsManagerStore, str], object], code: str, proxy: AnswerProxy, sm: Any
) -> None:
    """get_value's None is ResourceNotFoundException alone, put_pending's False ResourceExistsException alone."""
    name, _ = new_secret(sm)
    proxy.garble = error_answer(400, code)
    with pytest.raises(RotationError) as raised:
        operation(SecretsManagerStore(client_at("secretsmanager", proxy.url)), name)
    assert raised.value.code == code


READS: dict[str, Callable[[SecretsManagerStore, str], object]] = {
    "describe": lambda store, name: store.describe(name),
    "get_value": lambda store, name: store.get_value(name, stage=CURRENT),
    "rotated_by": lambda store, name: store.rotated_by("arn:aws:lambda:us-east-1:123456789012:function:f"),
}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>a captive portal</body></html>",
        b"[]",
        b'{"Name": 7, "VersionId": 7, "SecretList": 7}',
        b'{"Name": "n", "VersionIdsToStages": {"v": [1]}, "VersionId": "v", "VersionStages": [null], '
        b'"SecretList": [1]}',
        b'{"Name": "n", "RotationLambdaARN": ["x"], "VersionId": "v", "SecretString": {"password": 1}}',
        b'{"SecretList": [{"ARN": null, "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:f"}]}',
        b'{"SecretList": [{"ARN": "a", "RotationLambdaARN": 5}]}',
    ],
    ids=["empty", "html", "list", "numbers", "labels-not-strings", "wrong-types", "arn-null", "function-a-number"],
)
@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_an_answer_of_another_shape_with_200_is_a_retryable_bad_response(
    body: bytes, read: Callable[[SecretsManagerStore, str], object], proxy: AnswerProxy, sm: Any
) -> None:
    """Whatever answers in Secrets Manager's place with a 200, a read that cannot find its fields, of their types,
    ends in Transport.BadResponse, never in an exception nobody classified."""
    name, _ = new_secret(sm)
    proxy.garble = lambda _: (200, {"Content-Type": "application/x-amz-json-1.1"}, body)
    with pytest.raises(RotationError) as raised:
        read(SecretsManagerStore(client_at("secretsmanager", proxy.url)), name)
    error = raised.value
    assert (error.code, error.retryable, error.provider) == ("Transport.BadResponse", True, "secretsmanager")


def test_a_secret_value_that_is_not_a_string_is_a_bad_response_not_a_crash(proxy: AnswerProxy, sm: Any) -> None:
    name, _ = new_secret(sm)
    body = b'{"VersionId": "v", "SecretString": {"password": "p"}, "VersionStages": ["AWSCURRENT"]}'
    proxy.garble = lambda _: (200, {"Content-Type": "application/x-amz-json-1.1"}, body)
    with pytest.raises(RetryableRotationError) as raised:
        SecretsManagerStore(client_at("secretsmanager", proxy.url)).get_value(name, stage=CURRENT)
    assert raised.value.code == "Transport.BadResponse"
    assert "password" not in str(raised.value)


def test_a_gateways_html_page_is_classified_by_its_status(proxy: AnswerProxy) -> None:
    proxy.garble = lambda _: (502, {"Content-Type": "text/html"}, b"<html><h1>502 Bad Gateway</h1></html>")
    with pytest.raises(RetryableRotationError) as raised:
        SecretsManagerStore(client_at("secretsmanager", proxy.url)).rotated_by("arn:aws:lambda:x")
    assert (raised.value.code, raised.value.unclassified) == ("502", True)


def test_an_answer_that_comes_too_late_is_a_retryable_timeout(proxy: AnswerProxy, sm: Any) -> None:
    """The proxy holds the answer 1 s against a 0.25 s read timeout: it cannot arrive in time however busy the
    machine is."""
    name, _ = new_secret(sm)
    answered = threading.Event()

    def late(answer: Answer) -> Answer:
        time.sleep(1.0)
        answered.set()
        return answer

    proxy.garble = late
    with pytest.raises(RetryableRotationError) as raised:
        SecretsManagerStore(client_at("secretsmanager", proxy.url, read_timeout=0.25)).get_value(name, stage=CURRENT)
    assert (raised.value.code, raised.value.provider) == ("Transport.Timeout", "secretsmanager")
    assert answered.wait(10)  # the proxy's late answer is out before it stops


def test_nothing_listening_is_a_retryable_connect_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(RetryableRotationError) as raised:
        SecretsManagerStore(client_at("secretsmanager", url)).describe("anything")
    assert raised.value.code == "Transport.ConnectError"


def test_no_aws_credentials_is_a_fatal_error_of_the_functions_own(
    secrets_manager: RecordingMotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    fresh = boto3.session.Session(region_name=REGION)  # the default session keeps the credentials it found
    client = fresh.client("secretsmanager", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(FatalRotationError) as raised:
        SecretsManagerStore(client).describe("anything")
    assert (raised.value.code, raised.value.provider) == ("SecretsManagerClientError", "rotation")
    assert "NoCredentialsError" in str(raised.value)


# -- STS: web identity tokens ------------------------------------------------------------------------------------


@pytest.fixture
def aws_sts() -> Iterator[AwsStsEmulator]:
    emulator = AwsStsEmulator({KEY_ID: (KEY_SECRET, ROLE, None)})
    emulator.allowed_audiences = {"crossrotate"}
    emulator.start()
    yield emulator
    emulator.stop()


def test_a_web_identity_token_names_the_functions_role_for_the_audience(aws_sts: AwsStsEmulator) -> None:
    issued = WebIdentityTokens(client=client_at("sts", aws_sts.url)).web_identity_token("crossrotate", 300)
    claims = jwt.decode(issued, options={"verify_signature": False})
    assert (claims["aud"], claims["sub"], claims["exp"] - claims["iat"]) == ("crossrotate", ROLE, 300)
    (call,) = aws_sts.calls
    assert (call.params["SigningAlgorithm"], call.params["DurationSeconds"]) == ("RS256", "300")


def test_without_a_client_it_makes_its_own_for_the_endpoint_it_was_given(secrets_manager: RecordingMotoServer) -> None:
    """Signed with the process's own AWS credentials (the local ones the Secrets Manager fixture sets)."""
    sts = AwsStsEmulator({os.environ["AWS_ACCESS_KEY_ID"]: (os.environ["AWS_SECRET_ACCESS_KEY"], ROLE, None)})
    tokens = WebIdentityTokens(endpoint=sts.start())
    try:
        first, second = (tokens.web_identity_token("crossrotate", 300) for _ in range(2))
    finally:
        sts.stop()
    assert first != second
    assert [call.outcome for call in sts.calls] == ["ok", "ok"]


def federation_off(emulator: AwsStsEmulator) -> None:
    emulator.enabled = False


def throttled(emulator: AwsStsEmulator) -> None:
    emulator.inject("error", code="Throttling", status=400)


def unlisted(emulator: AwsStsEmulator) -> None:
    emulator.inject("error", code="BrandNewException", status=400)


def gateway_page(emulator: AwsStsEmulator) -> None:
    emulator.inject("status", status=502)


def dropped(emulator: AwsStsEmulator) -> None:
    emulator.inject("drop_before_apply")


@pytest.mark.parametrize(
    ("fault", "code", "retryable", "unclassified", "advice"),
    [
        (
            federation_off,
            "OutboundWebIdentityFederationDisabledException",
            False,
            False,
            "(Fix in AWS: an administrator enables outbound identity federation",
        ),
        (throttled, "Throttling", True, False, "(AWS STS rate exceeded)"),
        (unlisted, "BrandNewException", False, True, None),
        (gateway_page, "502", True, True, None),
        (dropped, "Transport.ConnectionLost", True, False, None),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_sts_failures_are_classified_by_the_sts_table_with_its_advice(
    fault: Callable[[AwsStsEmulator], None],
    code: str,
    retryable: bool,
    unclassified: bool,
    advice: str | None,
    aws_sts: AwsStsEmulator,
) -> None:
    """A listed code's reason is added to the message (it says which side to fix); nothing is added to others."""
    fault(aws_sts)
    with pytest.raises(RotationError) as raised:
        WebIdentityTokens(client=client_at("sts", aws_sts.url)).web_identity_token("crossrotate", 300)
    error = raised.value
    assert (error.code, error.retryable, error.unclassified, error.provider) == (
        code,
        retryable,
        unclassified,
        "aws-sts",
    )
    if advice:
        assert advice in str(error)
    else:
        assert "(" not in str(error).split(" (request ")[0]


def test_a_token_the_role_may_not_have_is_a_fatal_access_denied_saying_what_to_fix(aws_sts: AwsStsEmulator) -> None:
    with pytest.raises(FatalRotationError) as raised:
        WebIdentityTokens(client=client_at("sts", aws_sts.url)).web_identity_token("someone-else", 300)
    assert raised.value.code == "AccessDenied"
    assert "Fix in AWS: the function's role may not call sts:GetWebIdentityToken" in str(raised.value)
    assert raised.value.request_id


@pytest.mark.parametrize(
    "garble",
    [
        lambda body: re.sub(rb"<WebIdentityToken>.*</WebIdentityToken>", b"", body),
        lambda body: re.sub(
            rb"<WebIdentityToken>.*</WebIdentityToken>", b"<WebIdentityToken></WebIdentityToken>", body
        ),
        lambda body: b"\x00not xml at all",
        lambda body: b"<html><body>a captive portal</body></html>",
    ],
    ids=["token-missing", "token-empty", "not-xml", "html"],
)
def test_an_answer_without_a_token_is_a_retryable_bad_response(
    garble: Callable[[bytes], bytes], aws_sts: AwsStsEmulator
) -> None:
    spoiling = AnswerProxy(aws_sts.url)
    spoiling.garble = lambda answer: (200, answer[1], garble(answer[2]))
    try:
        with pytest.raises(RetryableRotationError) as raised:
            WebIdentityTokens(client=client_at("sts", spoiling.start())).web_identity_token("crossrotate", 300)
    finally:
        spoiling.stop()
    assert (raised.value.code, raised.value.provider) == ("Transport.BadResponse", "aws-sts")
    assert "eyJ" not in str(raised.value)  # no part of the token the stand-in issued


def test_a_slow_sts_is_a_retryable_timeout(aws_sts: AwsStsEmulator) -> None:
    """The answer waits 1 s against a 0.25 s read timeout."""
    aws_sts.inject("delay", seconds=1.0)
    with pytest.raises(RetryableRotationError) as raised:
        WebIdentityTokens(client=client_at("sts", aws_sts.url, read_timeout=0.25)).web_identity_token(
            "crossrotate", 300
        )
    assert raised.value.code == "Transport.Timeout"
    for _ in range(100):  # the stand-in's late answer is out before it stops
        if aws_sts.calls:
            break
        time.sleep(0.1)
    assert [call.outcome for call in aws_sts.calls] == ["ok"]  # applied after the client gave up


def test_a_botocore_without_get_web_identity_token_fails_before_any_call(
    aws_sts: AwsStsEmulator, tmp_path: Path
) -> None:
    """An older runtime's boto3 (its STS model without the operation), pointed at a working STS."""
    model = botocore.loaders.Loader().load_service_model("sts", "service-2")
    del model["operations"]["GetWebIdentityToken"]
    target = tmp_path / "sts" / model["metadata"]["apiVersion"]
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    core = botocore.session.Session()
    core.set_config_variable("data_path", str(tmp_path))
    older = boto3.session.Session(botocore_session=core, region_name=REGION).client(
        "sts", endpoint_url=aws_sts.url, aws_access_key_id=KEY_ID, aws_secret_access_key=KEY_SECRET
    )
    assert not hasattr(older, "get_web_identity_token")
    with pytest.raises(FatalRotationError) as raised:
        WebIdentityTokens(client=older).web_identity_token("crossrotate", 300)
    assert raised.value.code == "FederationUnsupported"
    assert MINIMUM_BOTOCORE in str(raised.value), "it names the version needed"
    assert botocore.__version__ in str(raised.value), "and the one it found"
    assert aws_sts.calls == []


# -- SQS: the sweep queue ----------------------------------------------------------------------------------------


@pytest.fixture
def sqs_endpoint(secrets_manager: RecordingMotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's own setting points the adapter's SQS client at moto's server (which serves SQS too)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"])


def test_send_batch_puts_each_body_in_the_queue_once(sqs_endpoint: None) -> None:
    queues = SweepQueues.create()
    bodies = [json.dumps({"secret_id": f"s-{number}"}) for number in range(10)]
    SqsSweepQueue(queues.url).send_batch(bodies)
    assert sorted(json.dumps(body) for body in queues.bodies()) == sorted(bodies)


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"Failed": [1]}', b'{"Failed": [{"Id": "0", "SenderFault": true, "Code": {"x": 1}}], "Successful": 7}'],
    ids=["list", "failed-not-entries", "odd-types"],
)
def test_an_sqs_answer_of_another_shape_is_a_retryable_bad_response(proxy: AnswerProxy, body: bytes) -> None:
    proxy.garble = lambda _: (200, {"Content-Type": "application/x-amz-json-1.0"}, body)
    with pytest.raises(RetryableRotationError) as raised:
        SqsSweepQueue("https://sqs.us-east-1.amazonaws.com/123456789012/q", client_at("sqs", proxy.url)).send_batch(
            ["{}"]
        )
    assert (raised.value.code, raised.value.provider) == ("Transport.BadResponse", "sqs")


def test_a_queue_that_does_not_exist_is_a_classified_fatal_error(sqs_endpoint: None) -> None:
    url = SweepQueues.create().url + "-gone"
    with pytest.raises(FatalRotationError) as raised:
        SqsSweepQueue(url).send_batch(["{}"])
    assert raised.value.provider == "sqs"
    assert raised.value.code in SQS_ERRORS.codes
    assert not raised.value.unclassified


QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sweep"


def stubbed_sqs() -> Any:
    return boto3.client("sqs", region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=KEY_SECRET)


def batch(stub: Stubber, sent: dict[str, str], refused: dict[str, bool]) -> None:
    """Expect ``sent`` (entry id -> body) and answer that the entries in ``refused`` (id -> SenderFault) failed."""
    stub.add_response(
        "send_message_batch",
        {
            "Successful": [
                {"Id": entry, "MessageId": f"m-{entry}", "MD5OfMessageBody": "0" * 32}
                for entry in sent
                if entry not in refused
            ],
            "Failed": [
                {"Id": entry, "SenderFault": fault, "Code": "InvalidMessageContents" if fault else "InternalError"}
                for entry, fault in refused.items()
            ],
        },
        {"QueueUrl": QUEUE, "Entries": [{"Id": entry, "MessageBody": body} for entry, body in sent.items()]},
    )


def test_only_the_entries_sqs_refused_are_sent_again_until_it_takes_them() -> None:
    client = stubbed_sqs()
    with Stubber(client) as stub:
        batch(stub, {"0": "a", "1": "b", "2": "c"}, refused={"1": False, "2": False})
        batch(stub, {"1": "b", "2": "c"}, refused={"2": False})
        batch(stub, {"2": "c"}, refused={})
        SqsSweepQueue(QUEUE, client).send_batch(["a", "b", "c"])
        stub.assert_no_pending_responses()


def test_an_entry_refused_three_times_is_a_retryable_failure_saying_how_many() -> None:
    client = stubbed_sqs()
    with Stubber(client) as stub:
        batch(stub, {"0": "a", "1": "b"}, refused={"1": False})
        batch(stub, {"1": "b"}, refused={"1": False})
        batch(stub, {"1": "b"}, refused={"1": False})
        with pytest.raises(RetryableRotationError) as raised:
            SqsSweepQueue(QUEUE, client).send_batch(["a", "b"])
        stub.assert_no_pending_responses()
    assert (raised.value.code, raised.value.provider) == ("InternalError", "sqs")
    assert "1 of 2 messages were refused three times" in str(raised.value)


def test_an_entry_refused_for_the_senders_fault_is_fatal_and_not_sent_again() -> None:
    client = stubbed_sqs()
    with Stubber(client) as stub:
        batch(stub, {"0": "a", "1": "b", "2": "c"}, refused={"1": False, "2": True})
        with pytest.raises(FatalRotationError) as raised:
            SqsSweepQueue(QUEUE, client).send_batch(["a", "b", "c"])
        stub.assert_no_pending_responses()
    assert (raised.value.code, raised.value.provider) == ("InvalidMessageContents", "sqs")


def test_a_refused_call_is_classified_by_the_sqs_table() -> None:
    client = stubbed_sqs()
    with Stubber(client) as stub:
        stub.add_client_error("send_message_batch", service_error_code="RequestThrottled", http_status_code=403)
        with pytest.raises(RetryableRotationError) as raised:
            SqsSweepQueue(QUEUE, client).send_batch(["a"])
    assert (raised.value.code, raised.value.provider, raised.value.unclassified) == ("RequestThrottled", "sqs", False)
