"""How the stand-ins play one provider (:class:`ProviderKit`): each emulator module declares its ``KIT``, and
:data:`localcloud.cloud.KITS` finds it from the registry (``localcloud.<cloud>.<service>`` for the provider package
``providers.<cloud>.<service>``), so a provider added to the registry needs its emulator module and nothing else
here; the contract suite fails until the module has a kit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .base import EmulatorServer, KeyRing


class FloorStep(NamedTuple):
    """One call of the least a rotation's setSecret does on a service, for the bench's floor
    (``scripts/rotation_floor.py``, which signs and sends it)."""

    action: str
    params: Mapping[str, Any]
    """Its parameters; a string ``"$name"`` stands for the pending secret's ``name`` (or an earlier step's kept
    answer field), inside lists and objects too."""
    keep: str | None = None
    """A field of the answer that later steps name."""
    until: tuple[str, str | int] | None = None
    """Call again, after the function's poll interval, until this field of the answer (a dotted path through
    objects and lists) has this value."""


@dataclass(frozen=True)
class ProviderKit:
    name: str
    emulator: Callable[[KeyRing], EmulatorServer]
    """Its emulator, accepting the keys of the cloud's ring (API keys, and temporary keys its STS issues)."""
    region: str
    instance_prefix: str
    engine: str | None
    """The real database engine behind its accounts in tests: ``postgres`` (PostgreSQL), ``mysql`` (MariaDB) or
    ``redis``; None where no such server runs here (SQL Server, MongoDB): the emulator's own account store is then
    what a rotation is proven against, as the provider's answer is in production."""
    calls: tuple[str, ...]
    """The API actions a rotation makes: where faults are injected."""
    retryable_code: str
    fatal_code: str
    reset_action: str
    password_param: str
    """Where the reset carries the password: a parameter's name, or a dotted path into a list of objects
    (``Accounts.0.Password``)."""
    reports_changes: bool
    """Whether it lists an account as changing until a late reset has reached the database."""
    documented: Mapping[str, int]
    """Every code the service documents for the calls a rotation makes (its cloud's common ones aside), with the
    HTTP status it comes with: the error table must list each, and the emulator can answer each."""
    api: tuple[str, str]
    """The service's API name and version, as the floor calls it (``postgres``, ``2017-03-12``)."""
    floor: tuple[FloorStep, ...]
    """The least a rotation's setSecret does on this service: the reset and the reads that see it applied."""
    leftover_codes: tuple[str, ...] = ()
    """Retryable codes it answers by itself while work an earlier call started is still running."""
    floor_defaults: Mapping[str, str] = field(default_factory=dict)
    """Values of the floor's ``$names`` a secret may leave out (``account_host``)."""
    grants: tuple[Mapping[str, list[str]], Mapping[str, list[str]], str] | None = None
    """For the dual-account contract test, in the service's own terms: grants both accounts get, grants that make
    the second one differ, and what verify must name then."""
    cam_authentication: bool = False
    """Whether its accounts can be switched to CAM authentication (TencentDB's ``OpenCam``), which no reset may
    touch: its emulator then has ``use_cam_authentication``."""

    def password_in(self, params: Mapping[str, Any]) -> Any:
        """The password a reset call carried (``password_param``), or None where the call has none."""
        value: Any = params
        for part in self.password_param.split("."):
            if isinstance(value, Mapping):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value

    def calls_of(self, action: str) -> tuple[str, ...]:
        """The calls one of the spec's policy actions authorizes: ``<service>:<Call>`` names its call."""
        return (action.split(":", 1)[1],)

    def floor_recipe(self) -> dict[str, Any]:
        """What the floor needs of this provider, as JSON: the API and the steps."""
        return {
            "api": list(self.api),
            "steps": [step._asdict() for step in self.floor],
            "defaults": dict(self.floor_defaults),
        }

    def new_instance_id(self) -> str:
        return self.instance_prefix + uuid.uuid4().hex[:12]


def on_ring(emulator: Callable[..., EmulatorServer]) -> Callable[[KeyRing], EmulatorServer]:
    """An emulator class, built to accept the keys of a cloud's ring as they are issued."""
    return lambda ring: emulator(ring.keys, ring.tokens, expiries=ring.expiries)
