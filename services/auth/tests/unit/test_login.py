"""LoginUser: username or email (any case) plus password; one error for every failure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from auth_unit_fakes import GOOD_PASSWORD, AuthHarness

from auth_service.application.login import LoginUser
from auth_service.domain.errors import InvalidCredentials


@pytest.fixture
def registered(auth: AuthHarness) -> AuthHarness:
    auth.register_user(username="Alice_Smith", email="Alice@Example.com")
    return auth


@pytest.mark.parametrize(
    "login",
    [
        "Alice_Smith",
        "alice_smith",
        "ALICE_SMITH",
        "Alice@Example.com",
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
        "  alice_smith  ",
    ],
)
def test_login_by_username_or_email_in_any_case(registered: AuthHarness, login: str) -> None:
    auth = registered
    account = auth.store.account_by_username("Alice_Smith")
    session = auth.login(LoginUser(login=login, password=GOOD_PASSWORD))
    assert session.account.id == account.id
    assert session.account.username == "Alice_Smith"
    # A new session: a second family next to the one registration opened.
    families = auth.store.families_of(account.id)
    assert len(families) == 2
    new_family = next(f for f in families if f.id == auth.issuer.calls[-1].session_id)
    token = auth.store.token_by_hash(auth.secrets.digest(session.tokens.refresh_token))
    assert token.family_id == new_family.id
    assert session.tokens.access_token == f"access-token-{len(auth.issuer.calls)}"


def _failure(auth: AuthHarness, login: str, password: str) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as caught:
        auth.login(LoginUser(login=login, password=password))
    return caught.value


def test_wrong_password_and_unknown_user_fail_the_same_way(registered: AuthHarness) -> None:
    wrong_password = _failure(registered, "alice_smith", "not-the-password")
    unknown_user = _failure(registered, "nobody", GOOD_PASSWORD)
    assert type(wrong_password) is type(unknown_user) is InvalidCredentials
    assert str(wrong_password) == str(unknown_user)
    assert wrong_password.args == unknown_user.args


def test_failed_logins_open_no_session_and_record_only_the_refusal(
    registered: AuthHarness,
) -> None:
    families, events = registered.store.families, len(registered.store.events)
    _failure(registered, "alice_smith", "not-the-password")
    _failure(registered, "nobody", GOOD_PASSWORD)
    assert registered.store.families == families
    assert len(registered.issuer.calls) == 1  # registration's only
    refused = registered.store.events[events:]
    assert [event.type for event in refused] == ["auth.session.failed.v1"] * 2
    assert [event.data["login"] for event in refused] == ["alice_smith", "nobody"]
    assert all("password" not in json.dumps(event.data) for event in refused)


def test_a_login_records_the_session_it_started(registered: AuthHarness) -> None:
    session = registered.login(
        LoginUser(login="alice_smith", password=GOOD_PASSWORD, source_ip="203.0.113.7")
    )
    started = registered.store.events[-1]
    assert started.type == "auth.session.started.v1"
    assert started.data["user_id"] == str(session.account.id)
    assert started.data["session_id"] == str(session.tokens.session_id)
    assert started.data["source_ip"] == "203.0.113.7"


def test_unknown_user_still_burns_hashing_time(registered: AuthHarness) -> None:
    hasher = registered.hasher
    _failure(registered, "nobody@example.com", GOOD_PASSWORD)
    assert hasher.burn_calls == 1


def test_wrong_password_is_verified_without_burning_extra_time(registered: AuthHarness) -> None:
    hasher = registered.hasher
    verified = hasher.verify_calls
    _failure(registered, "alice_smith", "not-the-password")
    assert hasher.verify_calls == verified + 1
    assert hasher.burn_calls == 0


def test_inactive_account_is_refused_with_the_same_error(registered: AuthHarness) -> None:
    auth = registered
    account = auth.store.account_by_username("alice_smith")
    auth.store.deactivate(account.id)
    error = _failure(auth, "alice_smith", GOOD_PASSWORD)
    assert error.args == _failure(auth, "nobody", GOOD_PASSWORD).args
    assert len(auth.store.families_of(account.id)) == 1


def test_password_is_rehashed_when_parameters_changed(registered: AuthHarness) -> None:
    auth = registered
    old_hash = auth.store.account_by_username("alice_smith").password_hash
    auth.hasher.version = 2
    assert auth.hasher.needs_rehash(old_hash)
    auth.clock.advance(timedelta(hours=1))
    auth.login(LoginUser(login="alice_smith", password=GOOD_PASSWORD))
    account = auth.store.account_by_username("alice_smith")
    assert account.password_hash != old_hash
    assert not auth.hasher.needs_rehash(account.password_hash)
    assert auth.hasher.verify(account.password_hash, GOOD_PASSWORD)
    assert account.updated_at == auth.clock.now()
    # And the new hash works for the next login.
    auth.login(LoginUser(login="alice_smith", password=GOOD_PASSWORD))


def test_password_is_not_rehashed_when_parameters_are_current(registered: AuthHarness) -> None:
    auth = registered
    before = auth.store.account_by_username("alice_smith")
    hash_calls = auth.hasher.hash_calls
    auth.login(LoginUser(login="alice_smith", password=GOOD_PASSWORD))
    after = auth.store.account_by_username("alice_smith")
    assert after.password_hash == before.password_hash
    assert after.updated_at == before.updated_at
    assert auth.hasher.hash_calls == hash_calls


def test_wrong_password_is_never_rehashed(registered: AuthHarness) -> None:
    auth = registered
    old_hash = auth.store.account_by_username("alice_smith").password_hash
    auth.hasher.version = 2
    _failure(auth, "alice_smith", "not-the-password")
    assert auth.store.account_by_username("alice_smith").password_hash == old_hash
