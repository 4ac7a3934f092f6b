"""Per-provider password rules: generate a password the provider accepts, and say why one would be refused.

Generation draws from the operating system's CSPRNG (:mod:`secrets`) and always includes every character
class, even where the provider needs fewer: a password that satisfies the strictest reading is never refused.
For the same reason no password contains its account's name, or that name reversed (ignoring case), on any
provider: SQL Server refuses a password containing the login's name, and others refuse the name itself.
"""

from __future__ import annotations

import secrets
import string
from typing import NamedTuple

from .errors import own

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
DEFAULT_LENGTH = 32
NAME_CHECKED_FROM = 3
"""Account names this long or longer are kept out of passwords (SQL Server checks names of three characters or
more); a shorter one would turn up in most passwords, and no rule we know of refuses it."""


def contains_name(password: str, username: str) -> bool:
    """Whether ``password`` holds ``username`` or its reverse, ignoring case (names shorter than
    :data:`NAME_CHECKED_FROM` never count)."""
    if len(username) < NAME_CHECKED_FROM:
        return False
    folded, name = password.casefold(), username.casefold()
    return name in folded or name[::-1] in folded


def uniform_draws(size: int, count: int) -> list[int]:
    """``count`` numbers drawn uniformly from ``range(size)`` by the CSPRNG, from a few reads of it: each number
    is read as the fewest bytes that cover ``size``, and a value at or above the largest multiple of ``size`` they
    can hold is dropped (so none is favoured); the rest are taken modulo ``size``."""
    if size < 1:
        raise ValueError(f"cannot draw from range({size})")
    width = max(1, ((size - 1).bit_length() + 7) // 8)
    span = 256**width
    limit = span - span % size
    drawn: list[int] = []
    while len(drawn) < count:
        wanted = count - len(drawn)
        raw = secrets.token_bytes(width * (wanted + wanted // 2 + 4))
        values = raw if width == 1 else [int.from_bytes(raw[i : i + width]) for i in range(0, len(raw), width)]
        drawn += [value % size for value in values if value < limit][:wanted]
    return drawn


class PasswordPolicy(NamedTuple):
    """What a provider documents: length bounds, allowed symbols, how many classes, forbidden first characters."""

    name: str
    min_length: int
    max_length: int
    symbols: str
    classes_required: int
    """How many of lower-case, upper-case, digits and symbols a password must mix (a provider that counts
    "letters" as one kind is given the number that its rule implies at the least)."""
    forbidden_first: str = ""

    @property
    def classes(self) -> tuple[str, ...]:
        return (LOWER, UPPER, DIGITS, self.symbols)

    @property
    def alphabet(self) -> str:
        return "".join(self.classes)

    def length_from(self, length: int | None) -> int:
        """The length to generate: ``PASSWORD_LENGTH`` when set (it must fit the policy), else 32 (or the
        provider's maximum, if lower)."""
        if length is None:
            return min(DEFAULT_LENGTH, self.max_length)
        if not self.min_length <= length <= self.max_length:
            raise own(
                "InvalidConfiguration",
                f"PASSWORD_LENGTH {length} is outside {self.name}'s {self.min_length}-{self.max_length}",
            )
        return length

    def generate(self, length: int, username: str = "") -> str:
        """A fresh password of ``length`` characters, uniform over those that have every character class and an
        allowed first character (so that :meth:`violations` finds nothing wrong with it): drawn whole from the
        alphabet, from one read of the CSPRNG, and drawn again when it lacks something (about 2 draws in 100 at
        32 characters, about half of them at 8), or when it holds the account's name (:func:`contains_name`)."""
        if not max(self.min_length, len(self.classes)) <= length <= self.max_length:
            raise ValueError(f"length {length} outside {self.min_length}-{self.max_length}")
        alphabet, classes = self.alphabet, self.classes
        while True:
            password = "".join([alphabet[i] for i in uniform_draws(len(alphabet), length)])
            used = set(password)
            if (
                all(not used.isdisjoint(group) for group in classes)
                and password[0] not in self.forbidden_first
                and not contains_name(password, username)
            ):
                return password

    def violations(self, password: str, username: str = "") -> list[str]:
        """Each rule ``password`` (of the account ``username``) breaks, in words that never quote the password."""
        problems = []
        if not self.min_length <= len(password) <= self.max_length:
            problems.append(f"length must be {self.min_length}-{self.max_length}")
        used = set(password)
        if not used.issubset(self.alphabet):
            problems.append(f"only letters, digits and {self.symbols} are allowed")
        present = sum(not used.isdisjoint(group) for group in self.classes)
        if present < self.classes_required:
            problems.append(f"needs {self.classes_required} of lower-case, upper-case, digits, symbols")
        if password[:1] and password[0] in self.forbidden_first:
            problems.append(f"must not start with {self.forbidden_first}")
        if contains_name(password, username):
            problems.append("must not contain the account's name")
        return problems
