"""The Redis login probe (``crossrotate.probes.redis``, RESP written by hand) against a real redis-server: the right
and the wrong password, TLS unverified, verified with the test CA and refused for another, plain TCP, each
provider's ``AUTH`` form through a proxy that knows only that form, and whatever a server that is not Redis sends.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossrotate.errors import OWN_CODES
from crossrotate.ports import ACCEPTED, WRONG_PASSWORD, Login
from crossrotate.probes import DatabaseLogin
from crossrotate.probes.redis import AUTH_FORMS, command
from crossrotate.secret import DatabaseSecret
from localcloud.databases import RedisAdmin, RedisProxy, RedisServer

PASSWORD = "Pr0be:Passw0rd@never-sent-back"
"""Both proxies' separators inside: a proxy splits a custom account's argument at the first one only."""
INSTANCE = "crs-probe000"


def secret(port: int, username: str = "app", password: str = PASSWORD, **fields: Any) -> DatabaseSecret:
    """A secret of the redis engine, built directly: the probe reads no provider's rules, only the secret."""
    options = {"redis_auth": fields.pop("redis_auth", "acl")}
    values: dict[str, Any] = {
        "provider": "test-redis",
        "region": "ap-guangzhou",
        "instance_id": INSTANCE,
        "username": username,
        "password": password,
        "usernames": (),
        "credentials_secret": None,
        "role_arn": None,
        "oidc_provider": None,
        "host": "127.0.0.1",
        "port": port,
        "dbname": None,
        "engine": "redis",
        "tls": "require",
        "tls_ca": None,
        "options": options,
        "document": {},
        "rules": None,
        **fields,
    }
    return DatabaseSecret(**values)


def probe(secret: DatabaseSecret, timeout: float = 5.0) -> Login:
    return DatabaseLogin(timeout=timeout).log_in(secret)


@pytest.fixture(scope="module")
def admin(redis_server: RedisServer) -> RedisAdmin:
    admin = RedisAdmin(redis_server.admin_dsn)
    admin.create_account("app", PASSWORD)
    return admin


def test_the_right_password_logs_in_over_tls_and_the_wrong_one_does_not(
    redis_server: RedisServer, admin: RedisAdmin
) -> None:
    assert probe(secret(redis_server.tls_port)) == ACCEPTED
    assert probe(secret(redis_server.tls_port, password=PASSWORD + "x")) == WRONG_PASSWORD
    assert probe(secret(redis_server.tls_port, username="nobody")) == WRONG_PASSWORD


def test_tls_disable_logs_in_in_plain_and_tls_to_a_plain_port_is_unreachable(
    redis_server: RedisServer, admin: RedisAdmin
) -> None:
    assert probe(secret(redis_server.plain_port, tls="disable")) == ACCEPTED
    assert probe(secret(redis_server.plain_port, tls="disable", password="wrong")) == WRONG_PASSWORD
    # Redis does not answer a TLS handshake on its plain port (it waits for a command line): the probe gives up.
    assert probe(secret(redis_server.plain_port), timeout=0.5).failure == "Database.Unreachable"
    assert probe(secret(redis_server.tls_port, tls="disable"), timeout=0.5).failure == "Database.Unreachable"


def test_verify_full_trusts_the_secrets_ca_for_the_certified_host_only(
    redis_server: RedisServer, admin: RedisAdmin, test_ca: trustme.CA
) -> None:
    ca = test_ca.cert_pem.bytes().decode()
    assert probe(secret(redis_server.tls_port, tls="verify-full", tls_ca=ca, host="localhost")) == ACCEPTED
    wrong_host = probe(secret(redis_server.tls_port, tls="verify-full", tls_ca=ca))  # 127.0.0.1: not certified
    assert wrong_host.failure == "Database.UntrustedCertificate"
    other_ca = trustme.CA().cert_pem.bytes().decode()
    untrusted = probe(secret(redis_server.tls_port, tls="verify-full", tls_ca=other_ca, host="localhost"))
    assert untrusted.failure == "Database.UntrustedCertificate"
    assert PASSWORD not in untrusted.detail


def test_an_account_that_may_not_ping_is_still_logged_in(redis_server: RedisServer, admin: RedisAdmin) -> None:
    admin.create_account("reader", PASSWORD)
    admin.run("ACL", "SETUSER", "reader", "-@all", "+@read", "~*")  # PING answers NOPERM
    assert probe(secret(redis_server.tls_port, username="reader")) == ACCEPTED


def test_a_server_that_checks_no_password_proves_nothing(test_ca: trustme.CA) -> None:
    server = RedisServer(test_ca, tls=False).start()
    try:
        RedisAdmin(server.admin_dsn).without_password("default")
        login = probe(secret(server.plain_port, username="root", tls="disable", redis_auth="user@password"))
        assert login.failure == "Database.PasswordNotChecked"
    finally:
        server.stop()


@pytest.fixture
def proxies(redis_server: RedisServer, admin: RedisAdmin) -> Iterator[dict[str, RedisProxy]]:
    """A proxy per provider's form, each knowing only its own separator, as each cloud's does."""
    started = {
        "user@password": RedisProxy(redis_server.plain_port, None, separators="@").start(),
        "user:password": RedisProxy(redis_server.plain_port, None, separators=":").start(),
    }
    yield started
    for proxy in started.values():
        proxy.stop()


@pytest.mark.parametrize("form", ["user@password", "user:password"])
def test_each_providers_auth_form_logs_in_through_its_own_proxy_only(form: str, proxies: dict[str, RedisProxy]) -> None:
    other = next(name for name in proxies if name != form)
    assert probe(secret(proxies[form].port, tls="disable", redis_auth=form)) == ACCEPTED
    assert probe(secret(proxies[form].port, tls="disable", redis_auth=form, password="wrong")) == WRONG_PASSWORD
    assert probe(secret(proxies[other].port, tls="disable", redis_auth=form)) == WRONG_PASSWORD
    assert probe(secret(proxies[form].port, tls="disable", redis_auth="acl")) == ACCEPTED  # passed through


@pytest.mark.parametrize(
    ("form", "default_account"),
    [("user@password", "root"), ("user:password", INSTANCE), ("user:password", "default"), ("acl", "default")],
)
def test_the_default_account_logs_in_with_its_password_alone(
    form: str, default_account: str, redis_server: RedisServer, proxies: dict[str, RedisProxy]
) -> None:
    port = proxies[form].port if form in proxies else redis_server.plain_port
    password = "Default-" + PASSWORD  # the session's server is shared: other tests reset its default user too
    RedisAdmin(redis_server.admin_dsn).set_password("default", password)
    assert AUTH_FORMS[form](secret(port, default_account, password, redis_auth=form))[-1] == password
    assert probe(secret(port, default_account, password, tls="disable", redis_auth=form)) == ACCEPTED
    assert probe(secret(port, default_account, "wrong", tls="disable", redis_auth=form)) == WRONG_PASSWORD


def test_the_probe_sends_auth_then_ping_as_resp_arrays() -> None:
    assert command("AUTH", "app", "p w") == b"*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$3\r\np w\r\n"
    assert command("AUTH", "Ünïcødé") == "*2\r\n$4\r\nAUTH\r\n$11\r\nÜnïcødé\r\n".encode()  # length in bytes


# -- whatever is listening at host -----------------------------------------------------------------------------------
class ScriptedServer:
    """For each connection: read what the client sent, answer the next chunk of :attr:`script`; close at its end."""

    def __init__(self) -> None:
        self.script: list[bytes] = []
        self.received: list[bytes] = []
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                connection: socket.socket = self.request
                connection.settimeout(0.3)
                try:
                    for chunk in server.script:
                        server.received.append(connection.recv(65536))
                        connection.sendall(chunk)
                    connection.shutdown(socket.SHUT_WR)
                    connection.recv(65536)
                except OSError:
                    pass

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.port: int = self._server.server_address[1]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("script", "failure"),
    [
        ([], "Database.Unreachable"),  # closes at once
        ([b"HTTP/1.1 400 Bad Request\r\n\r\n"], "Database.Unreachable"),
        ([b"+OK\r\n"], "Database.Unreachable"),  # then closes before PING's answer
        ([b"+OK\r\n", b"$4\r\nPONG\r\n"], "Database.Unreachable"),
        ([b"+OK\r\n", b"-NOAUTH Authentication required.\r\n"], "Database.Unreachable"),
        ([b"-LOADING Redis is loading the dataset in memory\r\n"], "Database.Unreachable"),
        ([b"-ERR max number of clients reached\r\n"], "Database.Unreachable"),
        ([b"+" + b"x" * 5000 + b"\r\n"], "Database.Unreachable"),  # longer than any status line
        ([b"-ERR invalid password\r\n"], None),  # Redis before 6, and proxies
        ([b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"], None),
        ([b"-ERR Client sent AUTH, but no password is set\r\n"], "Database.PasswordNotChecked"),
        ([b"+OK\r\n", b"+PONG\r\n"], "accepted"),
    ],
)
def test_each_answer_of_a_server_is_classified(
    script: list[bytes], failure: str | None, scripted: ScriptedServer
) -> None:
    scripted.script = script
    login = probe(secret(scripted.port, tls="disable"), timeout=2.0)
    assert (login.failure if not login.accepted else "accepted") == failure
    assert PASSWORD not in login.detail


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    script=st.lists(
        st.one_of(
            st.binary(max_size=64),
            st.sampled_from([b"+OK\r\n", b"+PONG\r\n", b"-ERR x\r\n", b"-WRONGPASS\r\n", b"$-1\r\n", b"*1\r\n"]),
            st.text(max_size=40).map(lambda text: ("-" + text + "\r\n").encode("utf-8", "replace")),
        ),
        max_size=3,
    ),
    form=st.sampled_from(["acl", "user@password", "user:password"]),
)
def test_whatever_a_server_sends_ends_in_a_classified_login(
    script: list[bytes], form: str, scripted: ScriptedServer
) -> None:
    scripted.script = script
    login = probe(secret(scripted.port, tls="disable", redis_auth=form), timeout=1.0)
    assert login.accepted or login.failure is None or login.failure in OWN_CODES
    assert PASSWORD not in login.detail


def test_an_unreachable_port_is_retryable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert probe(secret(port)).failure == "Database.Unreachable"
