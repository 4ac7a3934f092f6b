"""What a step, an action or a sweep works with: the adapters behind the ports, the clock and the invocation's
deadline, and the settings they read. :func:`crossrotate.runtime.dependencies` builds the real ones; tests build
their own from local adapters.
"""

from __future__ import annotations

from typing import NamedTuple

from .ports import Clock, DatabaseProbe, ProviderFactory, SecretStore, SweepQueue
from .settings import Settings

NO_SETTINGS = Settings({})


class Dependencies(NamedTuple):
    store: SecretStore
    providers: ProviderFactory
    clock: Clock
    deadline: float
    """``clock.monotonic()`` value by which the step must have answered."""
    settings: Settings = NO_SETTINGS
    """The function's settings (what the environment says); tests' own default to none set."""
    probe: DatabaseProbe | None = None
    settle_poll: float = 2.0
    """The longest wait between reads of a reset task's (or the account's) state while the provider is still at
    it: the waits double from :data:`~crossrotate.accounts.FIRST_POLL_S` up to this."""
    function_arn: str = ""
    """This function's ARN as invoked: a sweep finds the secrets that name it."""
    request_id: str = ""
    """Lambda's request id: an action without a delivery id of its own is idempotent per invocation."""
    sweep_queue: SweepQueue | None = None
    """``SWEEP_QUEUE_URL``'s queue: sweeps fan out through it; None runs them inline."""

    def too_late_for(self, seconds: float) -> bool:
        """Whether something taking ``seconds`` would end after the deadline."""
        return self.clock.monotonic() + seconds > self.deadline
