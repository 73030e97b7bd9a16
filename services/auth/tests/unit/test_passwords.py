"""PasswordPolicy: NIST SP 800-63B length rules, common passwords, no composition rules."""

from __future__ import annotations

import pytest

from auth_service.adapters.common_passwords import common_passwords
from auth_service.domain.passwords import MAX_LENGTH, MIN_LENGTH, PasswordPolicy

POLICY = PasswordPolicy(common_passwords=frozenset({"password", "iloveyou", "letmein1"}))


def test_limits_are_the_nist_ones() -> None:
    assert (MIN_LENGTH, MAX_LENGTH) == (8, 128)


@pytest.mark.parametrize("password", ["x" * 8, "y" * 128, "zqxjvbnm"])
def test_lengths_within_bounds_are_accepted(password: str) -> None:
    assert POLICY.problems(password) == []


@pytest.mark.parametrize("password", ["", "a", "q" * 7])
def test_too_short_is_refused(password: str) -> None:
    problems = POLICY.problems(password)
    assert problems == ["Must be at least 8 characters long."]


def test_too_long_is_refused() -> None:
    assert POLICY.problems("q" * 129) == ["Must be at most 128 characters long."]


def test_length_is_counted_after_nfkc_composition() -> None:
    # "e" + COMBINING ACUTE is two code points but one character once NFKC-composed.
    seven = "e\u0301" * 7  # 14 code points, 7 characters
    eight = "e\u0301" * 8  # 16 code points, 8 characters
    assert len(seven) == 14
    assert POLICY.problems(seven) == ["Must be at least 8 characters long."]
    assert POLICY.problems(eight) == []


def test_length_is_counted_after_nfkc_compatibility_expansion() -> None:
    # U+FB03 LATIN SMALL LIGATURE FFI becomes "ffi": 3 code points become 9 characters.
    assert POLICY.problems("\ufb03" * 3) == []
    # 43 ligatures are 43 code points but 129 characters: too long.
    assert POLICY.problems("\ufb03" * 43) == ["Must be at most 128 characters long."]


@pytest.mark.parametrize("password", ["password", "PASSWORD", "PassWord", "ILoveYou", "LetMeIn1"])
def test_common_passwords_are_refused_case_insensitively(password: str) -> None:
    assert POLICY.problems(password) == [
        "Is too common; choose a password that is not on breach lists."
    ]


def test_common_password_written_in_fullwidth_forms_is_still_refused() -> None:
    # NFKC maps fullwidth letters to ASCII before the lookup.
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "PassWord")
    assert fullwidth != "PassWord"
    assert POLICY.problems(fullwidth) == [
        "Is too common; choose a password that is not on breach lists."
    ]


@pytest.mark.parametrize("password", ["password", "Password1", "qwertyuiop", "12345678"])
def test_the_bundled_list_refuses_well_known_passwords(password: str) -> None:
    policy = PasswordPolicy(common_passwords=common_passwords())
    assert any("too common" in problem for problem in policy.problems(password))


def test_the_bundled_list_accepts_an_uncommon_passphrase() -> None:
    policy = PasswordPolicy(common_passwords=common_passwords())
    assert policy.problems("violet-harbour-lantern") == []


@pytest.mark.parametrize(
    ("password", "context"),
    [
        ("alice_smith", ("alice_smith", "alice@example.com")),
        ("ALICE_SMITH", ("Alice_Smith", "alice@example.com")),
        ("alice@example.com", ("alice_smith", "alice@example.com")),
        ("Alice@Example.COM", ("alice_smith", "alice@example.com")),
    ],
)
def test_username_or_email_as_password_is_refused(password: str, context: tuple[str, ...]) -> None:
    assert POLICY.problems(password, context=context) == [
        "Must not be your username or email address."
    ]


def test_empty_context_values_are_ignored() -> None:
    assert POLICY.problems("zqxjvbnmlk", context=("", "")) == []


@pytest.mark.parametrize(
    "password",
    [
        "alllowercaseletters",  # no digit, no upper case, no symbol
        "ALLUPPERCASELETTERS",
        "1234567890123",  # digits only (not on this policy's list)
        "                ",  # spaces only: allowed by NIST
        "pässwörd-ünïcödé",
    ],
)
def test_no_composition_rules(password: str) -> None:
    assert POLICY.problems(password) == []


def test_every_broken_rule_is_reported() -> None:
    policy = PasswordPolicy(common_passwords=frozenset({"abc"}))
    problems = policy.problems("ABC", context=("abc",))
    assert len(problems) == 3
