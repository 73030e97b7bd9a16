"""Email and username normalisation, and the small behaviours of the token aggregates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.errors import InvalidAccountField
from auth_service.domain.model import (
    RefreshToken,
    RefreshTokenFamily,
    normalise_email,
    normalise_username,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  alice@example.com\t", "alice@example.com"),
        ("Alice.Smith+tasks@Example.co.uk", "Alice.Smith+tasks@Example.co.uk"),
        # NFKC: fullwidth letters and the fullwidth at sign become ASCII.
        ("\uff41\uff4c\uff49\uff43\uff45\uff20example.com", "alice@example.com"),
    ],
)
def test_valid_emails_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",  # no dot in the domain
        "alice@@example.com",
        "al ice@example.com",
        "alice@exa mple.com",
        "alice@example..com",
        "alice@.example.com",
        "alice@example.com.",
        "a" * 65 + "@example.com",  # local part over 64
        "a@" + "b" * 250 + ".com",  # whole address over 254
    ],
)
def test_invalid_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidAccountField) as caught:
        normalise_email(raw)
    assert caught.value.field == "email"


def test_email_length_limit_is_254_inclusive() -> None:
    domain = "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "." + "e" * (254 - 64 - 1 - 183)
    email = "a" * 64 + "@" + domain
    assert len(email) == 254
    assert normalise_email(email) == email
    with pytest.raises(InvalidAccountField):
        normalise_email(email[:65] + "x" + email[65:])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("  Alice_Smith ", "Alice_Smith"),
        ("a.b-c_d", "a.b-c_d"),
        ("007", "007"),
        ("abc", "abc"),
        ("a" * 32, "a" * 32),
    ],
)
def test_valid_usernames_keep_their_case(raw: str, expected: str) -> None:
    assert normalise_username(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ab",
        "a" * 33,
        "_alice",
        ".alice",
        "-alice",
        "ali ce",
        "alice!",
        "alice@example.com",
        "émile",
        "ali\nce",
    ],
)
def test_invalid_usernames_are_refused(raw: str) -> None:
    with pytest.raises(InvalidAccountField) as caught:
        normalise_username(raw)
    assert caught.value.field == "username"


def test_refresh_token_expires_at_its_expiry_instant() -> None:
    token = RefreshToken(
        id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        token_hash="h",
        issued_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )
    assert not token.is_expired(NOW + timedelta(days=1) - timedelta(microseconds=1))
    assert token.is_expired(NOW + timedelta(days=1))
    assert not token.is_spent
    token.spent_at = NOW
    assert token.is_spent


def test_family_is_revoked_once_it_has_a_revocation_time() -> None:
    family = RefreshTokenFamily(id=uuid.uuid4(), user_id=uuid.uuid4(), created_at=NOW)
    assert not family.is_revoked
    family.revoked_at = NOW
    assert family.is_revoked
