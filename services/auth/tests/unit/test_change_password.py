"""ChangePassword: check the current one, store the new hash, end every other session."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from auth_unit_fakes import GOOD_PASSWORD, AuthHarness

from auth_service.application.change_password import ChangePassword
from auth_service.application.login import LoginUser
from auth_service.application.refresh import RefreshTokens
from auth_service.application.results import Session
from auth_service.domain.errors import (
    AccountNotFound,
    IncorrectCurrentPassword,
    InvalidCredentials,
    InvalidRefreshToken,
    WeakPassword,
)

NEW_PASSWORD = "amber-quarry-whistle"


def _session_id(auth: AuthHarness, session: Session) -> uuid.UUID:
    return auth.store.token_by_hash(auth.secrets.digest(session.tokens.refresh_token)).family_id


def _change(
    auth: AuthHarness, session: Session, current: str = GOOD_PASSWORD, new: str = NEW_PASSWORD
) -> None:
    auth.change_password(
        ChangePassword(
            user_id=session.account.id,
            session_id=_session_id(auth, session),
            current_password=current,
            new_password=new,
        )
    )


def _assert_unchanged(auth: AuthHarness, before: str) -> None:
    assert auth.store.account_by_username("alice").password_hash == before
    assert not any(f.is_revoked for f in auth.store.families)


def test_wrong_current_password_is_refused(auth: AuthHarness) -> None:
    session = auth.register_user()
    auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    before = auth.store.account_by_username("alice").password_hash
    with pytest.raises(IncorrectCurrentPassword):
        _change(auth, session, current="not-my-password")
    _assert_unchanged(auth, before)


@pytest.mark.parametrize("new", ["short", "password123", "alice", "alice@example.com", "x" * 129])
def test_weak_new_password_is_refused(auth: AuthHarness, new: str) -> None:
    session = auth.register_user()
    auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    before = auth.store.account_by_username("alice").password_hash
    with pytest.raises(WeakPassword) as caught:
        _change(auth, session, new=new)
    assert caught.value.field == "new_password"
    _assert_unchanged(auth, before)


def test_new_password_same_as_current_is_refused(auth: AuthHarness) -> None:
    session = auth.register_user()
    before = auth.store.account_by_username("alice").password_hash
    with pytest.raises(WeakPassword) as caught:
        _change(auth, session, new=GOOD_PASSWORD)
    assert caught.value.problems == ["Must differ from the current password."]
    _assert_unchanged(auth, before)


def test_success_stores_the_new_password(auth: AuthHarness) -> None:
    session = auth.register_user()
    auth.clock.advance(timedelta(days=1))
    _change(auth, session)
    account = auth.store.account_by_username("alice")
    assert auth.hasher.verify(account.password_hash, NEW_PASSWORD)
    assert not auth.hasher.verify(account.password_hash, GOOD_PASSWORD)
    assert account.updated_at == auth.clock.now()
    auth.login(LoginUser(login="alice", password=NEW_PASSWORD))
    with pytest.raises(InvalidCredentials):
        auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))


def test_success_revokes_every_other_session_but_keeps_the_current_one(
    auth: AuthHarness,
) -> None:
    current = auth.register_user()
    phone = auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    laptop = auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    bob = auth.register_user(username="bob", email="bob@example.com")

    _change(auth, current)

    for other in (phone, laptop):
        family = auth.store.family(_session_id(auth, other))
        assert family.is_revoked
        assert family.revoked_reason == "password_changed"
        with pytest.raises(InvalidRefreshToken):
            auth.refresh(RefreshTokens(refresh_token=other.tokens.refresh_token))
    assert not auth.store.family(_session_id(auth, current)).is_revoked
    auth.refresh(RefreshTokens(refresh_token=current.tokens.refresh_token))
    # Another user's sessions are untouched.
    assert not auth.store.family(_session_id(auth, bob)).is_revoked
    # The ended sessions' access tokens are refused at once; the current session's are not.
    assert set(auth.denylist.denied_sessions) == {
        str(_session_id(auth, phone)),
        str(_session_id(auth, laptop)),
    }


def test_without_a_current_session_every_session_is_revoked(auth: AuthHarness) -> None:
    session = auth.register_user()
    auth.change_password(
        ChangePassword(
            user_id=session.account.id,
            session_id=None,
            current_password=GOOD_PASSWORD,
            new_password=NEW_PASSWORD,
        )
    )
    assert all(f.is_revoked for f in auth.store.families)


def test_unknown_or_inactive_account_is_not_found(auth: AuthHarness) -> None:
    session = auth.register_user()
    with pytest.raises(AccountNotFound):
        auth.change_password(
            ChangePassword(
                user_id=uuid.uuid4(),
                session_id=None,
                current_password=GOOD_PASSWORD,
                new_password=NEW_PASSWORD,
            )
        )
    auth.store.deactivate(session.account.id)
    before = auth.store.account_by_username("alice").password_hash
    with pytest.raises(AccountNotFound):
        _change(auth, session)
    assert auth.store.account_by_username("alice").password_hash == before
