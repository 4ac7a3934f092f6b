"""Whatever a database server (or whatever listens at ``host``) sends at any point of the handshake, the login probe
answers with a classified failure, never an exception, and never one that quotes the password.

A stand-in server plays a script that hypothesis draws: at each turn it reads what the client sent and answers
with bytes of its choosing (plausible protocol messages with odd fields, or noise), then closes. PostgreSQL is
probed with TLS (the answer to its SSLRequest is drawn, a server that closes at once included) and in plain TCP
(the answers to its startup message are drawn); MySQL speaks first, so its greeting is drawn too.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossrotate.errors import OWN_CODES
from crossrotate.probes import DatabaseLogin
from crossrotate.registry import read_secret

PASSWORD = "Pr0be-Passw0rd-never-sent-back"


class LoopbackServer:
    """A TCP server on loopback, each connection handled on a thread of its own, until :meth:`stop`."""

    def serve(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class ScriptedServer(LoopbackServer):
    """Plays :attr:`script` to every connection: for each chunk, read what the client sent (when ``reads``), then
    send the chunk; close at the end."""

    def __init__(self, speaks_first: bool) -> None:
        self.script: list[bytes] = []
        self.speaks_first = speaks_first
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                connection: socket.socket = self.request
                connection.settimeout(0.3)  # a client waiting for more than the chunk gives the turn back soon
                try:
                    for turn, chunk in enumerate(server.script):
                        if turn > 0 or not server.speaks_first:
                            connection.recv(65536)
                        connection.sendall(chunk)
                    connection.shutdown(socket.SHUT_WR)  # the end of the script: the client reads EOF at once
                    connection.recv(65536)
                except OSError:
                    pass

        self.serve(Handler)


def pg_message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def mysql_packet(sequence: int, body: bytes) -> bytes:
    return struct.pack("<I", len(body))[:3] + bytes([sequence % 256]) + body


NOISE = st.binary(max_size=48)
PG_MESSAGES = st.one_of(
    NOISE,
    st.builds(pg_message, st.sampled_from([b"R", b"E", b"S", b"K", b"Z", b"N", b"\x80", b"\xff"]), NOISE),
    st.builds(lambda code, rest: pg_message(b"R", struct.pack("!i", code) + rest), st.integers(-2, 13), NOISE),
)
PG_TLS_ANSWER = st.one_of(st.just(b""), st.sampled_from([b"S", b"N", b"E", b"\x80", b"\xff", b"X"]), NOISE)
GREETING = st.builds(
    lambda version, rest, plugin: mysql_packet(0, b"\x0a" + version + b"\x00" + rest + plugin + b"\x00"),
    st.binary(max_size=12),
    NOISE,
    st.sampled_from([b"mysql_native_password", b"caching_sha2_password", b"mysql_clear_password", b"dialog", b""]),
)
MYSQL_MESSAGES = st.one_of(
    NOISE,
    st.builds(mysql_packet, st.integers(0, 3), NOISE),
    st.builds(lambda seq, head, rest: mysql_packet(seq, head + rest), st.integers(0, 3),
              st.sampled_from([b"\x00", b"\xff", b"\xfe", b"\x01", b"\xfe" + b"mysql_clear_password\x00"]), NOISE),
)  # fmt: skip
ODD = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def secret(engine: str, port: int, tls: str) -> Any:
    document = {
        "provider": "tencentcloud-postgres" if engine == "postgres" else "alibabacloud-rds",
        "region": "ap-guangzhou" if engine == "postgres" else "cn-hangzhou",
        "instance_id": "postgres-abcd1234" if engine == "postgres" else "rm-abcd1234",
        "username": "app_user",
        "password": PASSWORD,
        "host": "127.0.0.1",
        "port": port,
        "engine": engine,
        "tls": tls,
    }
    return read_secret(json.dumps(document), "AWSCURRENT")


def assert_classified(login: Any) -> None:
    """A failure of the function's own table, or a wrong password, or (a stand-in may play a whole exchange that a
    password hash cannot tell from the real server's, as MD5 and MySQL's native one allow) accepted."""
    assert login.failure is None or login.failure in OWN_CODES
    assert PASSWORD not in login.detail


@pytest.fixture
def pg_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer(speaks_first=False)
    yield server
    server.stop()


@pytest.fixture
def mysql_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer(speaks_first=True)
    yield server
    server.stop()


PROBE = DatabaseLogin(timeout=1.0)


def test_postgres_any_answer_to_the_tls_request_is_classified(pg_server: ScriptedServer) -> None:
    @ODD
    @given(answer=PG_TLS_ANSWER, then=st.lists(PG_MESSAGES, max_size=2))
    def odd(answer: bytes, then: list[bytes]) -> None:
        pg_server.script = [answer, *then]
        assert_classified(PROBE.log_in(secret("postgres", pg_server.port, "require")))

    odd()


def test_postgres_any_answer_to_the_startup_is_classified(pg_server: ScriptedServer) -> None:
    @ODD
    @given(script=st.lists(PG_MESSAGES, min_size=1, max_size=3))
    def odd(script: list[bytes]) -> None:
        pg_server.script = script
        assert_classified(PROBE.log_in(secret("postgres", pg_server.port, "disable")))

    odd()


@pytest.mark.parametrize("tls", ["disable", "require"])
def test_mysql_any_greeting_and_answer_is_classified(mysql_server: ScriptedServer, tls: str) -> None:
    @ODD
    @given(greeting=st.one_of(GREETING, NOISE), then=st.lists(MYSQL_MESSAGES, max_size=2))
    def odd(greeting: bytes, then: list[bytes]) -> None:
        mysql_server.script = [greeting, *then]
        assert_classified(PROBE.log_in(secret("mysql", mysql_server.port, tls)))

    odd()


@pytest.mark.parametrize(
    ("answer", "code"),
    [(b"", "Database.Unreachable"), (b"N", "Database.TlsUnavailable"), (b"\x80", "Database.Unreachable")],
    ids=["closed", "no-tls", "high-byte"],
)
def test_postgres_tls_answers_mean_what_they_say(pg_server: ScriptedServer, answer: bytes, code: str) -> None:
    """A peer that closes right after the SSLRequest was called TlsUnavailable (fatal) for what is likely a
    transient fault; a first byte of 0x80 or more let UnicodeDecodeError escape."""
    pg_server.script = [answer]
    assert PROBE.log_in(secret("postgres", pg_server.port, "require")).failure == code


def test_a_postgres_login_let_in_without_a_password_proves_nothing(pg_server: ScriptedServer) -> None:
    """AuthenticationOk with no password asked for (trust authentication, or whatever answers in its place): the
    probe once called it accepted, so setSecret skipped the reset and testSecret "proved" any password."""
    pg_server.script = [pg_message(b"R", struct.pack("!i", 0)) + pg_message(b"Z", b"I")]
    login = PROBE.log_in(secret("postgres", pg_server.port, "disable"))
    assert (login.accepted, login.failure) == (False, "Database.PasswordNotChecked")


class ClearTextAsker(LoopbackServer):
    """A MySQL server in the path: it offers TLS with a certificate from ``ca``, then asks the client to switch to
    ``mysql_clear_password`` and keeps whatever comes back (decrypted)."""

    def __init__(self, ca: trustme.CA) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(self.context)
        self.received = b""
        asker = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                connection: socket.socket = self.request
                connection.settimeout(2.0)
                try:
                    connection.sendall(mysql_packet(0, GREETING_ASKING_FOR_CLEAR_TEXT))
                    connection.recv(4 + 32)  # the client's SSLRequest
                    with asker.context.wrap_socket(connection, server_side=True) as secured:
                        secured.recv(65536)  # its handshake response
                        secured.sendall(mysql_packet(3, b"\xfemysql_clear_password\x00"))
                        asker.received += secured.recv(65536)  # the client's answer to the switch, if any
                except (OSError, ssl.SSLError):
                    pass

        self.serve(Handler)


CAPABILITIES = (1 << 9) | (1 << 11) | (1 << 15) | (1 << 19)  # PROTOCOL_41, SSL, SECURE_CONNECTION, PLUGIN_AUTH
GREETING_ASKING_FOR_CLEAR_TEXT = (
    b"\x0a5.7.0-standin\x00" + struct.pack("<I", 1) + b"saltsalt\x00"
    + struct.pack("<HBHHB", CAPABILITIES & 0xFFFF, 33, 2, CAPABILITIES >> 16, 21) + b"\x00" * 10
    + b"saltsaltsalt\x00" + b"mysql_clear_password\x00"
)  # fmt: skip


@pytest.fixture
def clear_text_asker(test_ca: trustme.CA) -> Iterator[ClearTextAsker]:
    asker = ClearTextAsker(test_ca)
    yield asker
    asker.stop()


def test_mysql_never_sends_the_password_in_clear_text_to_an_unverified_server(
    clear_text_asker: ClearTextAsker, test_ca: trustme.CA
) -> None:
    """tls: require: the server's certificate is not checked, so whoever asks for mysql_clear_password is refused
    before the password leaves; with verify-full (the same server, now trusted) the password goes, over TLS to the
    verified server, which shows the stand-in would have received it."""
    refused = PROBE.log_in(secret("mysql", clear_text_asker.port, "require")._replace(host="localhost"))
    assert refused.failure == "Database.CleartextRefused"
    assert PASSWORD.encode() not in clear_text_asker.received
    trusted = secret("mysql", clear_text_asker.port, "require")._replace(
        host="localhost", tls="verify-full", tls_ca=test_ca.cert_pem.bytes().decode()
    )
    PROBE.log_in(trusted)
    assert PASSWORD.encode() in clear_text_asker.received
