"""Generated passwords always obey the provider's documented rules; the checker finds each broken rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossrotate.errors import FatalRotationError
from crossrotate.passwords import PasswordPolicy, uniform_draws
from crossrotate.registry import PROVIDERS
from crossrotate.settings import Settings

POLICIES = [PROVIDERS["tencentcloud-postgres"].password_policy, PROVIDERS["alibabacloud-rds"].password_policy]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@settings(max_examples=3000, deadline=None)
@given(length=st.integers(min_value=8, max_value=32))
def test_generated_passwords_obey_the_policy(policy: PasswordPolicy, length: int) -> None:
    password = policy.generate(length)
    assert len(password) == length
    assert policy.violations(password) == []
    # Every class, even where the provider needs only three.
    assert all(any(c in group for c in password) for group in policy.classes)


def test_tencent_passwords_never_start_with_a_slash() -> None:
    # The symbol set has 28 characters: in 20 000 passwords a leading "/" would show about 150 times.
    assert not any(
        PROVIDERS["tencentcloud-postgres"].password_policy.generate(8).startswith("/") for _ in range(20_000)
    )


def test_every_character_can_take_every_place() -> None:
    """No place is kept for a class: each character of the alphabet turns up about as often at each place
    (about 1 in 76 of 20 000 eight-character passwords; a place reserved for digits would show 10 of them)."""
    policy = PROVIDERS["tencentcloud-postgres"].password_policy
    passwords = [policy.generate(8) for _ in range(20_000)]
    for place in range(8):
        seen = {c: 0 for c in policy.alphabet if place or c not in policy.forbidden_first}
        for password in passwords:
            seen[password[place]] += 1
        expected = 20_000 / len(seen)
        assert all(expected / 2 < count < expected * 2 for count in seen.values()), place


def test_passwords_differ() -> None:
    assert len({PROVIDERS["tencentcloud-postgres"].password_policy.generate(32) for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Aa1!", "length"),
        ("Aa1!" * 9, "length"),
        ("abcdefgh1!", "needs 4"),
        ("Abcdefgh1;", "only letters"),
        ("/Abcdefg1!", "must not start"),
        ("Abcdefgh1!é", "only letters"),
    ],
)
def test_tencent_violations_name_the_rule(password: str, problem: str) -> None:
    problems = PROVIDERS["tencentcloud-postgres"].password_policy.violations(password)
    assert any(problem in p for p in problems)
    assert all(password not in p for p in problems)


def test_alibaba_needs_three_classes_and_its_own_symbols() -> None:
    assert PROVIDERS["alibabacloud-rds"].password_policy.violations("abcdefgh12") == [
        "needs 3 of lower-case, upper-case, digits, symbols"
    ]
    assert PROVIDERS["alibabacloud-rds"].password_policy.violations("abcdefgH12") == []
    assert PROVIDERS["alibabacloud-rds"].password_policy.violations("abcdefgH1{") != []


@pytest.mark.parametrize(("configured", "length"), [(None, 32), ("", 32), ("8", 8), ("20", 20)])
def test_length_from_the_environment(configured: str | None, length: int) -> None:
    environ = {} if configured is None else {"PASSWORD_LENGTH": configured}
    assert PROVIDERS["tencentcloud-postgres"].password_policy.length_from(Settings(environ).password_length) == length


@pytest.mark.parametrize("configured", ["7", "33", "twelve", "-1"])
def test_a_bad_length_setting_is_a_fatal_configuration_error(configured: str) -> None:
    with pytest.raises(FatalRotationError) as raised:
        PROVIDERS["tencentcloud-postgres"].password_policy.length_from(
            Settings({"PASSWORD_LENGTH": configured}).password_length
        )
    assert raised.value.code == "InvalidConfiguration"


@given(size=st.integers(1, 70_000), count=st.integers(0, 300))
def test_uniform_draws_are_as_many_as_asked_and_in_range(size: int, count: int) -> None:
    drawn = uniform_draws(size, count)
    assert len(drawn) == count
    assert all(0 <= value < size for value in drawn)


@pytest.mark.parametrize("size", [7, 62, 90, 256, 257, 1000])
def test_uniform_draws_reach_every_value_about_equally(size: int) -> None:
    """200 draws a value expected: a value drawn less than half or more than twice as often as the others would
    show a bias of the modulo (the rejected tail) or a lost range; the chance of that by luck is far below 1e-9."""
    counts = [0] * size
    for value in uniform_draws(size, 200 * size):
        counts[value] += 1
    assert min(counts) > 100
    assert max(counts) < 400


def test_uniform_draws_refuse_an_empty_range() -> None:
    with pytest.raises(ValueError, match="range"):
        uniform_draws(0, 1)


def test_no_password_holds_its_accounts_name_or_its_reverse() -> None:
    """SQL Server refuses a password containing the login's name (3+ characters), Huawei the name or its reverse.
    From 63 characters, a 32-character password holds a given 3-character name of two letters and a digit
    (either way, any case) about once in 1 000 draws: 20 000 passwords would show it about 19 times."""
    policy = PasswordPolicy("narrow", 8, 32, "_", 4)
    passwords = [policy.generate(32, "aB1") for _ in range(20_000)]
    assert not any(("ab1" in p.lower() or "1ba" in p.lower()) for p in passwords)
    assert all(policy.violations(p, "aB1") == [] for p in passwords)


@pytest.mark.parametrize(
    ("password", "username", "broken"),
    [
        ("Xx_sa_1Yy", "sa", False),  # a 2-character name is never checked: it would be in most passwords
        ("Xx_APP_1Yy", "app", True),
        ("Xx_ppa_1Yy", "app", True),  # reversed
        ("Xx_ap_p1Yy", "app", False),
    ],
)
def test_the_checker_names_a_password_holding_the_accounts_name(password: str, username: str, broken: bool) -> None:
    policy = PasswordPolicy("any", 8, 32, "_", 3)
    assert ("must not contain the account's name" in policy.violations(password, username)) is broken
