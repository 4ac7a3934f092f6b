"""Provider endpoints: TLS certificates are verified, and plain HTTP is allowed only to loopback."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme
from conftest import AccountSetup, VirtualClock, step

from crossrotate.errors import FatalRotationError
from crossrotate.providers.http import close_shared_client
from localcloud.aws.secretsmanager import SecretsManagerDriver
from localcloud.tencentcloud.postgres import TencentPostgresEmulator


@pytest.fixture
def tencent_over_tls(
    tencent: TencentPostgresEmulator, test_ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TencentPostgresEmulator]:
    """The same emulator, now serving HTTPS with a certificate from a CA nobody trusts by default."""
    tencent.stop()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1").configure_cert(context)
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL", tencent.start(tls=context))
    yield tencent
    close_shared_client()


def test_an_untrusted_certificate_is_refused_and_fatal(
    driver: SecretsManagerDriver,
    tencent_over_tls: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
) -> None:
    assert tencent_over_tls.url.startswith("https://")
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "Transport.UntrustedCertificate"
    assert tencent_over_tls.calls == []
    assert clock.sleeps == []


def test_a_trusted_certificate_carries_the_rotation(
    driver: SecretsManagerDriver,
    tencent_over_tls: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    test_ca: trustme.CA,
    clock: VirtualClock,
) -> None:
    trusting = ssl.create_default_context()
    test_ca.configure_trust(trusting)
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    with httpx.Client(verify=trusting) as http:
        step(rotation, "setSecret", clock, http=http)
    pending = driver.value(tencent_secret.secret_id, "AWSPENDING")["password"]
    assert tencent_over_tls.password_of(tencent_secret.instance_id, tencent_secret.username) == pending


@pytest.mark.parametrize("endpoint", ["http://postgres.example.com", "http://10.0.0.8:8080", "http://169.254.169.254"])
def test_plain_http_is_refused_off_loopback(
    endpoint: str,
    driver: SecretsManagerDriver,
    tencent: TencentPostgresEmulator,
    tencent_secret: AccountSetup,
    clock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT_URL", endpoint)
    rotation = driver.start_rotation(tencent_secret.secret_id)
    step(rotation, "createSecret", clock)
    with pytest.raises(FatalRotationError) as raised:
        step(rotation, "setSecret", clock)
    assert raised.value.code == "InvalidConfiguration"
    assert tencent.calls == []
