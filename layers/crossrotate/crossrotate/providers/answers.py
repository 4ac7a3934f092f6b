"""Whatever a provider (or whatever answers in its place) sends, a client ends in a classified error.

The clients read the documented shapes of the answers; an answer of another shape (a list where an object
belongs, a number where a string does, a field missing) makes Python raise ``TypeError``, ``KeyError``,
``AttributeError``, ``ValueError`` or ``IndexError`` somewhere in the reading. :func:`read_answer` turns those into
``Transport.BadResponse`` (retryable: the answer was not the provider's documented JSON) at one place, the port's
boundary, instead of a check at every field: :class:`CheckedApi` wraps every provider client the registry builds,
and the keyless exchanges are read the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..errors import transport_error
from ..ports import AccountState, Privileges, ProviderApi, ResetReceipt, TaskState

T = TypeVar("T")

MISREAD = (TypeError, KeyError, AttributeError, ValueError, IndexError, RecursionError)
"""What reading an answer of an unexpected shape raises (``UnicodeDecodeError`` and ``JSONDecodeError`` are
``ValueError``s; deeply nested JSON overflows the parser's recursion)."""


def read_answer(provider: str, what: str, read: Callable[[], T]) -> T:
    """``read()``, with an answer it could not read reported as ``Transport.BadResponse``."""
    try:
        return read()
    except MISREAD as error:
        raise transport_error(
            provider, "Transport.BadResponse", f"{what}: the answer has an unexpected shape ({type(error).__name__})"
        ) from None


class CheckedApi:
    """A :class:`~crossrotate.ports.ProviderApi` whose answers of an unexpected shape are classified errors, the
    reset task's polls included."""

    def __init__(self, api: ProviderApi, provider: str) -> None:
        self.api = api
        self.provider = provider

    def reset_password(self, password: str) -> ResetReceipt:
        receipt = read_answer(self.provider, "reset password", lambda: self.api.reset_password(password))
        poll = receipt.poll
        if poll is None:
            return receipt
        return receipt._replace(poll=lambda: self._task_state(poll))

    def _task_state(self, poll: Callable[[], TaskState]) -> TaskState:
        return read_answer(self.provider, "reset task", poll)

    def account_state(self) -> AccountState:
        return read_answer(self.provider, "account state", self.api.account_state)

    def privileges(self) -> Privileges:
        return read_answer(self.provider, "privileges", self.api.privileges)
