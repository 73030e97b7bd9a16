"""RegisterUser: a member account, a first session and exactly one `auth.user.registered.v1`."""

from __future__ import annotations

import uuid

import pytest
from auth_unit_fakes import GOOD_PASSWORD, AuthHarness

from auth_service.application.register import USER_REGISTERED, RegisterUser
from auth_service.domain.errors import AccountAlreadyExists, InvalidAccountField, WeakPassword
from auth_service.domain.model import Role
from taskhive_shared.events.contracts import ContractRegistry


def _register(auth: AuthHarness, **overrides: str) -> None:
    fields = {"email": "alice@example.com", "username": "alice", "password": GOOD_PASSWORD}
    fields.update(overrides)
    auth.register(RegisterUser(**fields))  # type: ignore[arg-type]


def test_register_creates_an_active_member_with_a_hashed_password(auth: AuthHarness) -> None:
    session = auth.register(
        RegisterUser(email=" Alice@Example.com ", username=" alice ", password=GOOD_PASSWORD)
    )
    [account] = auth.store.accounts
    assert account.id == session.account.id
    assert account.email == "Alice@Example.com"
    assert account.username == "alice"
    assert account.role is Role.MEMBER
    assert session.account.role is Role.MEMBER
    assert account.is_active
    assert account.password_hash != GOOD_PASSWORD
    assert auth.hasher.verify(account.password_hash, GOOD_PASSWORD)
    assert account.created_at == account.updated_at == auth.clock.now()
    assert account.id.version == 7


def test_register_opens_a_session(auth: AuthHarness) -> None:
    session = auth.register_user()
    [family] = auth.store.families
    [token] = auth.store.tokens
    assert family.user_id == session.account.id
    assert not family.is_revoked
    assert token.family_id == family.id
    # Only the digest of the refresh secret is stored.
    assert token.token_hash == auth.secrets.digest(session.tokens.refresh_token)
    assert token.token_hash != session.tokens.refresh_token
    assert token.expires_at == auth.clock.now() + auth.minter.refresh_ttl
    [call] = auth.issuer.calls
    assert (call.user_id, call.role, call.session_id) == (
        session.account.id,
        Role.MEMBER,
        family.id,
    )
    assert session.tokens.access_token == "access-token-1"
    assert session.tokens.expires_in == auth.issuer.ttl_seconds
    assert session.tokens.token_type == "Bearer"


def test_register_emits_exactly_one_registered_event_with_the_right_data(
    auth: AuthHarness,
) -> None:
    session = auth.register(
        RegisterUser(
            email="alice@example.com",
            username="alice",
            password=GOOD_PASSWORD,
            first_name="Alice",
            last_name="Smith",
        )
    )
    [event] = auth.store.events
    user_id = str(session.account.id)
    assert event.type == USER_REGISTERED == "auth.user.registered.v1"
    assert event.subject == user_id
    assert event.data == {
        "user_id": user_id,
        "email": "alice@example.com",
        "username": "alice",
        "first_name": "Alice",
        "last_name": "Smith",
        "role": "member",
        "registered_at": "2025-01-15T09:30:00+00:00",
    }
    # And it honours the published contract.
    ContractRegistry().validate(event.type, event.data)


def test_register_commits_once(auth: AuthHarness) -> None:
    auth.register_user()
    assert auth.store.commits == 1


def test_register_can_create_another_role(auth: AuthHarness) -> None:
    session = auth.register(
        RegisterUser(
            email="boss@example.com", username="boss", password=GOOD_PASSWORD, role=Role.MANAGER
        )
    )
    assert session.account.role is Role.MANAGER
    assert auth.store.events[0].data["role"] == "manager"
    assert auth.issuer.calls[0].role is Role.MANAGER


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@EXAMPLE.COM", " Alice@Example.Com "])
def test_duplicate_email_in_any_case_is_refused(auth: AuthHarness, email: str) -> None:
    auth.register_user()
    with pytest.raises(AccountAlreadyExists) as caught:
        _register(auth, email=email, username="someone_else")
    assert caught.value.field == "email"
    assert len(auth.store.accounts) == 1
    assert len(auth.store.events) == 1
    assert len(auth.store.families) == 1


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_duplicate_username_in_any_case_is_refused(auth: AuthHarness, username: str) -> None:
    auth.register_user()
    with pytest.raises(AccountAlreadyExists) as caught:
        _register(auth, email="other@example.com", username=username)
    assert caught.value.field == "username"
    assert len(auth.store.accounts) == 1
    assert len(auth.store.events) == 1
    assert len(auth.store.tokens) == 1


@pytest.mark.parametrize(
    "password",
    ["short", "password", "PASSWORD123", "alice_smith", "alice@example.com", "q" * 129],
)
def test_weak_password_is_refused_and_nothing_is_written(auth: AuthHarness, password: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        auth.register_user(username="alice_smith", password=password)
    assert caught.value.field == "password"
    assert caught.value.problems
    assert auth.store.accounts == []
    assert auth.store.events == []
    assert auth.store.families == []
    assert auth.store.tokens == []
    assert auth.issuer.calls == []
    assert auth.hasher.hash_calls == 0


def test_password_equal_to_the_normalised_email_is_refused(auth: AuthHarness) -> None:
    with pytest.raises(WeakPassword):
        auth.register_user(email=" Bob@Example.com ", password="bob@example.com")


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-email"), ("username", "x"), ("username", "_bad")]
)
def test_invalid_email_or_username_is_refused_and_nothing_is_written(
    auth: AuthHarness, field: str, value: str
) -> None:
    with pytest.raises(InvalidAccountField) as caught:
        _register(auth, **{field: value})
    assert caught.value.field == field
    assert auth.store.accounts == []
    assert auth.store.events == []


def test_registered_ids_are_distinct(auth: AuthHarness) -> None:
    first = auth.register_user()
    second = auth.register_user(username="bob", email="bob@example.com")
    assert first.account.id != second.account.id
    assert isinstance(second.account.id, uuid.UUID)
    assert len(auth.store.events) == 2
