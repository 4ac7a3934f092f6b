"""What proves that a password works in tests: a login to the real server of the provider's engine, or, for a
provider whose engine no server here runs (SQL Server, MongoDB), the emulator's own account store, which is what
the provider's answer stands for in production (such a secret names no ``host``)."""

from __future__ import annotations

from typing import Any, Protocol

from localcloud.databases import logs_in
from localcloud.kit import ProviderKit


class Server(Protocol):
    @property
    def port(self) -> int: ...

    @property
    def admin_dsn(self) -> str: ...


def server_for(kit: ProviderKit, servers: dict[str, Any]) -> Server | None:
    """The real server behind the provider's accounts, or None where no server of its engine runs here."""
    return None if kit.engine is None else servers[kit.engine]


def login_keys(kit: ProviderKit, server: Server | None) -> dict[str, Any]:
    """What a secret adds to point the login proof at ``server``: nothing where there is none."""
    if server is None:
        return {}
    return {"host": "127.0.0.1", "port": server.port, "engine": kit.engine}


def back_with_database(
    kit: ProviderKit, emulator: Any, server: Server | None, instance_id: str, user: str, password: str
) -> None:
    """Create the account on the real server too, where there is one: later resets change it there."""
    if server is not None:
        emulator.back_with_database(instance_id, user, password, server.admin_dsn)


def works(
    kit: ProviderKit,
    emulator: Any,
    server: Server | None,
    instance_id: str,
    username: str,
    password: str,
    tls: bool = False,
) -> bool:
    """Whether ``password`` logs ``username`` in: on the real server, else by the provider's own store."""
    if server is None:
        return bool(emulator.password_of(instance_id, username) == password)
    assert kit.engine is not None
    return logs_in(kit.engine, server.port, username, password, tls=tls)
