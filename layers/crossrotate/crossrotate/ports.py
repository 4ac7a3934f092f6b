"""The interfaces the rotation steps talk to. Adapters (boto3, httpx, database drivers) implement them; tests
swap in other adapters (a local Secrets Manager, provider emulators, a virtual clock), never patches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol

from .errors import RotationError
from .secret import DatabaseSecret

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
PREVIOUS = "AWSPREVIOUS"


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch: request signatures carry it."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps: deadlines and backoff use it."""

    def sleep(self, seconds: float) -> None: ...


class SecretMetadata(NamedTuple):
    """What ``DescribeSecret`` says about a secret: enough for the protocol's checks."""

    name: str
    rotation_enabled: bool
    rotation_lambda_arn: str | None
    versions: Mapping[str, tuple[str, ...]]

    def version_with(self, stage: str) -> str | None:
        return next((version for version, stages in self.versions.items() if stage in stages), None)


class SecretValue(NamedTuple):
    version_id: str
    secret_string: str | None
    stages: tuple[str, ...]

    def __repr__(self) -> str:  # the value is a credential
        return f"SecretValue({self.version_id}, {self.stages})"


class RotatedSecret(NamedTuple):
    """One entry of ``ListSecrets``: a sweep skips secrets whose rotation an operator turned off."""

    arn: str
    rotation_enabled: bool


class SecretStore(Protocol):
    def describe(self, secret_id: str) -> SecretMetadata: ...

    def get_value(
        self, secret_id: str, *, stage: str | None = None, version_id: str | None = None
    ) -> SecretValue | None:
        """The version with that label and/or id: its value and labels, or None when there is no such version
        or it has no value (yet)."""

    def put_pending(self, secret_id: str, token: str, secret_string: str, rotation_token: str | None) -> bool:
        """Store ``secret_string`` as version ``token`` labelled AWSPENDING. False when that version already
        holds different data (another copy of the step got there first)."""

    def move_current(self, secret_id: str, to_version: str, from_version: str | None) -> None:
        """Move AWSCURRENT to ``to_version``; the service moves AWSPREVIOUS to ``from_version`` itself."""

    def remove_pending(self, secret_id: str, version_id: str) -> None:
        """Take the AWSPENDING label off ``version_id`` (the version and its value stay)."""

    def rotate(self, secret_id: str, token: str) -> None:
        """Ask the service to rotate now (``RotateSecret``) under version id ``token``."""

    def rotated_by(self, function_arn: str) -> list[RotatedSecret]:
        """Every secret whose rotation function is ``function_arn`` (any qualifier)."""


class AccountState(NamedTuple):
    """The provider's view of a database account. ``settling`` means a change is being applied: ask again."""

    exists: bool
    usable: bool
    settling: bool
    status: str


class TaskState(NamedTuple):
    """A provider's background task, for a reset that completes only when its task does: ``done`` (it succeeded),
    or ended without success (``failure``, classified by the provider's table), or neither yet."""

    done: bool
    status: str
    failure: RotationError | None = None


class ResetReceipt(NamedTuple):
    """The provider's answer to a reset: its request id, and for a reset that runs as a background task, how to
    read the task's state."""

    request_id: str | None
    poll: Callable[[], TaskState] | None = None


Privileges = Mapping[str, frozenset[str]]
"""An account's privileges as its provider reports them: per object (``database app``, ``global``, ``table
app.orders``), the set of privilege names. Two accounts with the same grants compare equal."""


class ProviderApi(Protocol):
    """One provider's API, bound to one database account."""

    def reset_password(self, password: str) -> ResetReceipt:
        """Set the account's password (or start the task that will)."""

    def account_state(self) -> AccountState: ...

    def privileges(self) -> Privileges:
        """What the provider reports the account may do (dual-account rotation compares the two accounts')."""


class Login(NamedTuple):
    """What a database answered to a login: ``accepted``; or refused for the password (no ``failure``); or a
    failure, named by a code of the function's own table (unreachable, refused for another reason, no TLS, an
    untrusted certificate), which also says whether trying again can help."""

    accepted: bool
    failure: str | None = None
    detail: str = ""


ACCEPTED = Login(accepted=True)
WRONG_PASSWORD = Login(accepted=False)


class DatabaseProbe(Protocol):
    def log_in(self, secret: DatabaseSecret) -> Login:
        """Try ``secret``'s username and password on its database, now."""


ProviderFactory = Callable[[DatabaseSecret], ProviderApi]


class ApiCredentials(NamedTuple):
    """What signs a provider call: a key id and its secret, and for temporary credentials (an API key secret's
    session token, or federation's) the token and the epoch second they expire."""

    key_id: str
    key_secret: str
    token: str | None = None
    expires_at: float | None = None

    def __repr__(self) -> str:  # the key's secret and token are credentials
        return f"ApiCredentials({self.key_id})"


class CredentialSource(Protocol):
    """Where a provider client gets the credentials that sign its calls, asked at every call (cheap when cached)."""

    def credentials(self) -> ApiCredentials: ...

    def renew(self) -> bool:
        """Forget the credentials in hand because the provider refused their token as expired. True when asking
        again fetches new ones (federation); False when it would return the same (an API key secret)."""


class SweepQueue(Protocol):
    """Where a sweep puts one message per secret, for the same function to work through in batches."""

    def send_batch(self, bodies: list[str]) -> None:
        """Send up to 10 messages in one call; entries the service refused are sent again, and a classified
        RotationError says when some could not be sent."""


class IdentityTokens(Protocol):
    """AWS STS: short-lived OIDC tokens that name this function's role, for the providers' STS to trust."""

    def web_identity_token(self, audience: str, duration_seconds: int) -> str: ...
