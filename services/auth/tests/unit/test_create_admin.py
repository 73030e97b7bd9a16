"""CreateAdmin: the first administrator, idempotent on the username."""

from __future__ import annotations

import pytest
from auth_unit_fakes import GOOD_PASSWORD, AuthHarness

from auth_service.domain.errors import WeakPassword
from auth_service.domain.model import Role


def test_creates_an_admin_once(auth: AuthHarness) -> None:
    view, created = auth.create_admin("root@example.com", "root", GOOD_PASSWORD)
    assert created is True
    assert view.role is Role.ADMIN
    [account] = auth.store.accounts
    assert account.id == view.id
    assert account.role is Role.ADMIN
    [event] = auth.store.events
    assert event.data["role"] == "admin"


def test_second_call_returns_the_existing_admin_without_writing(auth: AuthHarness) -> None:
    first, _ = auth.create_admin("root@example.com", "root", GOOD_PASSWORD)
    commits = auth.store.commits
    again, created = auth.create_admin("root@example.com", "root", GOOD_PASSWORD)
    assert created is False
    assert again == first
    assert len(auth.store.accounts) == 1
    assert len(auth.store.events) == 1
    assert auth.store.commits == commits


@pytest.mark.parametrize(
    ("email", "username"),
    [("other@example.com", "ROOT"), ("ROOT@EXAMPLE.COM", "someone")],
)
def test_an_existing_username_or_email_in_any_case_counts_as_existing(
    auth: AuthHarness, email: str, username: str
) -> None:
    first, _ = auth.create_admin("root@example.com", "root", GOOD_PASSWORD)
    again, created = auth.create_admin(email, username, GOOD_PASSWORD)
    assert created is False
    assert again.id == first.id
    assert len(auth.store.accounts) == 1


def test_a_weak_admin_password_is_refused(auth: AuthHarness) -> None:
    with pytest.raises(WeakPassword):
        auth.create_admin("root@example.com", "root", "password")
    assert auth.store.accounts == []
