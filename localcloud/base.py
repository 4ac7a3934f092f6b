"""A real HTTP server on loopback for a provider emulator, with faults that can be injected per action.

Faults, consumed in order of injection, each for its next ``times`` matching calls (after authentication,
as a real gateway would answer):

- ``error``: the provider's error envelope with ``code`` (and ``status``);
- ``status``: a bare HTTP ``status`` with a non-JSON body (a load balancer's answer);
- ``delay``: answer normally after ``seconds`` (a slow provider; a client timeout sees nothing);
- ``drop_after_apply``: apply the call, then close the connection without answering;
- ``drop_before_apply``: close the connection without applying anything.

An account can be backed by a real database (:meth:`EmulatorServer.back_with_database`): an accepted reset
then runs ``ALTER ROLE``/``ALTER USER`` there, at once or after :attr:`EmulatorServer.propagation_delay`, the
account listed as still changing until then (unless :attr:`EmulatorServer.reports_while_applying` is off).
"""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from .databases import AccountAdmin, account_admin

Result = TypeVar("Result")


@dataclass
class Fault:
    kind: str
    action: str | None = None
    times: int = 1
    code: str = ""
    message: str = "injected fault"
    status: int = 200
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class DropConnection(Exception):
    """Close the connection without an answer."""


@dataclass
class Call:
    action: str
    params: dict[str, Any]
    outcome: str
    """``ok``, the error code, or ``fault`` when a fault answered instead of the action."""
    fault: Fault | None = None
    """The fault injected into this call, if any (a delay or a drop after the change also ran the action)."""


class ProviderError(Exception):
    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class KeyRing:
    """A cloud's API keys as its gateways know them: long-lived keys, and temporary ones (STS) that carry a token
    and an expiry.

    Provider emulators take the ring's dicts themselves (``keys=ring.keys, tokens=ring.tokens,
    expiries=ring.expiries``) and read them on every request, so a key an STS stand-in issues later is accepted
    at once, and refused from its expiry on."""

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.keys: dict[str, str] = keys if keys is not None else {}
        """Key id -> key secret."""
        self.tokens: dict[str, str] = {}
        """Key id -> session token, for temporary keys."""
        self.expiries: dict[str, float] = {}
        """Key id -> epoch seconds from which the key is refused."""
        self.lock = threading.Lock()

    def issue(self, prefix: str, seconds: float, now: float) -> tuple[str, str, str, float]:
        """A new temporary key: (key id starting with ``prefix``, key secret, token, expiry)."""
        key_id = prefix + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(28))
        secret = secrets.token_urlsafe(30)
        token = secrets.token_urlsafe(120)
        expiry = now + seconds
        with self.lock:
            # The token and the expiry first: a gateway reading the key never finds it without them.
            self.tokens[key_id] = token
            self.expiries[key_id] = expiry
            self.keys[key_id] = secret
        return key_id, secret, token, expiry


class QuietHandler(BaseHTTPRequestHandler):
    """How every server here answers: HTTP/1.1 kept alive, nothing logged (tests read the call log), and no wait
    for Nagle's algorithm."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK of the headers (40 ms on Linux) on every kept-alive connection's later calls.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class LoopbackServer:
    """An HTTP server of its own on a free loopback port, answering from a daemon thread until :meth:`stop`: each
    emulator, and the proxy in front of one."""

    _server: ThreadingHTTPServer | None = None
    scheme = "http"

    def serve(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> str:
        """Start answering with ``handler`` (over HTTPS with ``tls``); returns the base URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        # A short poll interval: stop() returns within 50 ms rather than the default 500 ms.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"{self.scheme}://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class EmulatorServer(LoopbackServer):
    """Owns the server thread, the fault queue and the call log; subclasses implement :meth:`handle`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.calls: list[Call] = []
        self.faults_taken: list[tuple[dict[str, Any], Fault]] = []
        """Each fault when it was taken, with the call's parameters: before a delay or a drop is answered."""
        self.databases: dict[tuple[str, str], AccountAdmin] = {}
        self.propagation_delay = 0.0
        """Seconds before an accepted reset reaches the real database (managed databases apply it late)."""
        self.reports_while_applying = True
        """List the account as still changing until a late reset has reached the database, as both providers'
        account states do; False models a database that applies it after the provider says done (proxies,
        replicas): only a login can tell."""
        self._timers: list[threading.Timer] = []
        self._late_changes: list[tuple[threading.Timer, Callable[[], None]]] = []
        self._database_lock = threading.Lock()  # a provider applies one change at a time
        self._in_flight: dict[tuple[str, str], int] = {}

    # -- real databases behind accounts -------------------------------------------------------------------
    def back_with_database(self, instance_id: str, username: str, password: str, dsn: str) -> None:
        """Create the account on a real server (admin ``dsn``); later resets change its password there."""
        admin = account_admin(dsn)
        admin.create_account(username, password)
        with self.lock:
            self.databases[(instance_id, username)] = admin

    def apply_to_database(self, instance_id: str, username: str, password: str) -> None:
        """Apply an accepted reset to the real database, at once or after :attr:`propagation_delay`. Until it is
        applied the provider lists the account as still changing (:meth:`applying`), as both providers do."""
        admin = self.databases.get((instance_id, username))
        if admin is None:
            return
        key = (instance_id, username)

        done = threading.Event()
        counted = self.reports_while_applying

        def apply() -> None:
            with self._database_lock:
                if done.is_set():  # released early, or the timer's own turn came after a release
                    return
                admin.set_password(username, password)
                done.set()
            with self.lock:
                self._in_flight[key] -= 1 if counted else 0

        if self.propagation_delay <= 0:
            with self._database_lock:
                admin.set_password(username, password)
            return
        with self.lock:
            self._in_flight[key] = self._in_flight.get(key, 0) + (1 if counted else 0)
        timer = threading.Timer(self.propagation_delay, apply)
        timer.daemon = True
        self._timers.append(timer)
        self._late_changes.append((timer, apply))
        timer.start()

    def release_changes(self) -> int:
        """Apply every password change still on its way to its database now, as if its delay had passed; the
        number applied. Tests of late propagation call it when their step waits, so that what they see depends on
        the order of events, not on how long the step took on a busy machine."""
        with self.lock:
            late, self._late_changes = self._late_changes, []
        for timer, apply in late:
            timer.cancel()
            apply()
        return len(late)

    def holding_changes(self) -> threading.Lock:
        """Hold this while reading the databases' state in several steps: no late reset lands in between (a
        check that tries one password, then another, would otherwise miss a change landing between the two)."""
        return self._database_lock

    def applying(self, instance_id: str, username: str) -> bool:
        """Whether an accepted reset of this account has not reached its database yet."""
        with self.lock:
            return self._in_flight.get((instance_id, username), 0) > 0

    def settle(self) -> None:
        """Wait until every delayed password change has reached its database."""
        for timer in self._timers:
            timer.join()

    # -- control -------------------------------------------------------------------------------------
    def inject(self, kind: str, action: str | None = None, times: int = 1, **details: Any) -> None:
        with self.lock:
            self.faults.append(Fault(kind=kind, action=action, times=times, **details))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def traced(self, params: dict[str, Any]) -> dict[str, Any]:
        """A call's parameters as the call log and the faults taken keep them. A service whose polls name a task
        only adds the task's instance here, so that they name the account they concern, as every other call
        does."""
        return params

    def take_fault(self, action: str, params: dict[str, Any]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.action in (None, action) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    self.faults_taken.append((self.traced(params), fault))
                    return fault
        return None

    def record(self, action: str, params: dict[str, Any], outcome: str, fault: Fault | None = None) -> None:
        traced = self.traced(params)
        with self.lock:
            self.calls.append(Call(action, traced, outcome, fault))

    def calls_of(self, action: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.action == action]

    # -- serving -------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        """The cloud's error envelope."""
        raise NotImplementedError

    # -- the pipeline every API emulator shares -------------------------------------------------------------
    def refuse(self, action: str, logged: dict[str, Any], error: ProviderError) -> Response:
        """A request turned away before its action ran (not authenticated, malformed), logged as such."""
        self.record(action, logged, error.code)
        return self.error_response(error)

    def answer(
        self,
        action: str,
        logged: dict[str, Any],
        run: Callable[[], Result],
        success: Callable[[Result], Response],
    ) -> Response:
        """An admitted call: an injected fault first (as a gateway would answer it), then the action (``run``),
        logged with ``logged`` (the parameters without any credential), and the answer in the cloud's envelope
        (``success``); a ``drop_after_apply`` fault applies it and answers nothing."""
        fault = self.take_fault(action, logged)
        response = self.apply_fault_before(fault, self.error_response)
        if response is not None:
            self.record(action, logged, "fault", fault)
            return response
        try:
            result = run()
        except ProviderError as error:
            self.record(action, logged, error.code, fault)
            return self.error_response(error)
        self.record(action, logged, "ok", fault)
        if fault and fault.kind == "drop_after_apply":
            raise DropConnection
        return success(result)

    @staticmethod
    def request_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def json_response(document: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(status, json.dumps(document).encode(), {"Content-Type": "application/json", **(headers or {})})

    def start(self, tls: ssl.SSLContext | None = None) -> str:
        """Serve on a free loopback port (HTTPS with ``tls``); returns the base URL."""
        emulator = self

        class Handler(QuietHandler):
            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.command, path, query, headers, self.read_body())
                try:
                    response = emulator.handle(request)
                except DropConnection:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.reply(response.status, response.headers, response.body)

            do_GET = do_POST = _serve

        return self.serve(Handler, tls)

    def stop(self) -> None:
        self.settle()
        super().stop()

    def apply_fault_before(self, fault: Fault | None, error_response: Any) -> Response | None:
        """The answer a fault gives before the action runs, or None to run it (maybe after a delay)."""
        if fault is None:
            return None
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "drop_before_apply":
            raise DropConnection
        if fault.kind == "status":
            return Response(
                fault.status, b"<html>upstream error</html>", {"Content-Type": "text/html", **fault.headers}
            )
        if fault.kind == "error":
            response: Response = error_response(ProviderError(fault.code, fault.message, fault.status), fault.headers)
            return response
        return None


class SignedApiEmulator(EmulatorServer):
    """A cloud's signed API at one version: the keys it accepts, temporary keys' tokens and expiries, and the
    actions a service adds (:meth:`actions`). A cloud's base authenticates and answers in its envelope."""

    def __init__(
        self,
        keys: dict[str, str],
        tokens: dict[str, str] | None = None,
        now: Callable[[], float] = time.time,
        expiries: dict[str, float] | None = None,
    ) -> None:
        super().__init__()
        self.keys = keys
        self.tokens = tokens if tokens is not None else {}
        self.expiries = expiries if expiries is not None else {}
        """Key id -> epoch seconds from which a temporary key is refused (read on every request, like the keys
        and tokens: a :class:`KeyRing`'s dicts can be passed in)."""
        self.now = now
        self.setup()

    def setup(self) -> None:
        """A service's own state (its instances, accounts and switches), made once the server's is; an override
        calls this first."""

    def actions(self) -> dict[str, Callable[[Any], dict[str, Any]]]:
        raise NotImplementedError


@dataclass
class DatabaseAccount:
    """An account of a managed database, as its emulator keeps it; a service adds what it lists of one."""

    password: str
    settling_reads: int = 0
    """How many more account listings show it still changing (:attr:`DatabaseService.settle_reads`)."""


AccountT = TypeVar("AccountT", bound=DatabaseAccount)


@dataclass
class DatabaseInstance(Generic[AccountT]):
    """A managed database instance (a PolarDB cluster), as its emulator keeps it: its region and its accounts, by
    name (by user and host on MySQL); a service adds what it lists of one."""

    region: str
    accounts: dict[Any, AccountT] = field(default_factory=dict)


InstanceT = TypeVar("InstanceT", bound=DatabaseInstance[Any])


class DatabaseService(SignedApiEmulator, Generic[InstanceT, AccountT]):
    """A managed-database API: its instances by id, and the calls a test sets them up and reads them with, the
    same on every cloud. A service names the classes its instances and accounts are, and its cloud's default
    region."""

    instance_type: type[InstanceT]
    account_type: type[AccountT]
    default_region = ""

    def setup(self) -> None:
        super().setup()
        self.instances: dict[str, InstanceT] = {}
        self.settle_reads = 0
        """After a reset, how many account listings still show the account changing, on the services whose
        listings show that (RDS, TencentDB for PostgreSQL)."""

    def add_account(self, instance_id: str, name: Any, password: str, region: str = "") -> None:
        """An account ``name`` with ``password``, on an instance made in ``region`` if there is none yet."""
        with self.lock:
            instance = self.instances.setdefault(instance_id, self.instance_type(region or self.default_region))
            instance.accounts[name] = self.account_type(password)

    def account(self, instance_id: str, name: Any) -> AccountT:
        with self.lock:
            instance: DatabaseInstance[AccountT] = self.instances[instance_id]
            return instance.accounts[name]

    def password_of(self, instance_id: str, name: Any) -> str:
        return self.account(instance_id, name).password

    def instance_of(self, instance_id: object, not_found: ProviderError) -> InstanceT:
        """The instance a call names, or ``not_found`` for an id that names none (or is not a string)."""
        instance = self.instances.get(instance_id) if isinstance(instance_id, str) else None
        if instance is None:
            raise not_found
        return instance

    def account_in(self, instance: DatabaseInstance[AccountT], name: Any, not_found: ProviderError) -> AccountT:
        """The account a call names on ``instance``, or ``not_found``."""
        account = instance.accounts.get(name)
        if account is None:
            raise not_found
        return account

    def change_password(self, instance_id: str, name: str, password: str) -> None:
        """An accepted password change: the account's new password, listed as changing for :attr:`settle_reads`
        listings, and on the real database behind it too (maybe late)."""
        account = self.account(instance_id, name)
        account.password = password
        account.settling_reads = self.settle_reads
        self.apply_to_database(instance_id, name, password)

    def still_changing(self, instance_id: str, name: str) -> bool:
        """Whether an account listing shows the account as still changing: for :attr:`settle_reads` listings
        after a reset (this one counted), and until a late reset has reached its database."""
        account = self.account(instance_id, name)
        if account.settling_reads > 0 or self.applying(instance_id, name):
            account.settling_reads = max(0, account.settling_reads - 1)
            return True
        return False


class UserAtHostService(DatabaseService[InstanceT, AccountT]):
    """A MySQL-family service, whose accounts are ``user@host``: keyed ``(user, host)``, the host ``%`` unless a
    test names another."""

    def add_account(self, instance_id: str, username: str, password: str, region: str = "", host: str = "%") -> None:
        super().add_account(instance_id, (username, host), password, region)

    def password_of(self, instance_id: str, username: str, host: str = "%") -> str:
        return super().password_of(instance_id, (username, host))
