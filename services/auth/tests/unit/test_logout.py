"""LogoutUser: revoke the family of one's own refresh token; always denylist the access jti."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_unit_fakes import GOOD_PASSWORD, AuthHarness

from auth_service.application.login import LoginUser
from auth_service.application.logout import LogoutUser
from auth_service.application.refresh import RefreshTokens
from auth_service.application.results import Session
from auth_service.domain.errors import InvalidRefreshToken


def _logout(auth: AuthHarness, session: Session, refresh_token: str, jti: str = "jti-x") -> None:
    auth.logout(
        LogoutUser(
            user_id=session.account.id,
            access_jti=jti,
            access_expires_at=1_700_000_900,
            refresh_token=refresh_token,
        )
    )


def _family_of(auth: AuthHarness, secret: str):  # type: ignore[no-untyped-def]
    return auth.store.family(auth.store.token_by_hash(auth.secrets.digest(secret)).family_id)


def test_logout_revokes_the_family_of_the_callers_token(auth: AuthHarness) -> None:
    session = auth.register_user()
    auth.clock.advance(timedelta(minutes=5))
    _logout(auth, session, session.tokens.refresh_token, jti="jti-1")
    family = _family_of(auth, session.tokens.refresh_token)
    assert family.is_revoked
    assert family.revoked_reason == "logout"
    assert family.revoked_at == auth.clock.now()
    with pytest.raises(InvalidRefreshToken):
        auth.refresh(RefreshTokens(refresh_token=session.tokens.refresh_token))


def test_logout_with_a_rotated_token_ends_the_whole_session(auth: AuthHarness) -> None:
    session = auth.register_user()
    rotated = auth.refresh(RefreshTokens(refresh_token=session.tokens.refresh_token))
    _logout(auth, session, session.tokens.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        auth.refresh(RefreshTokens(refresh_token=rotated.tokens.refresh_token))


def test_logout_leaves_the_users_other_sessions_alone(auth: AuthHarness) -> None:
    first = auth.register_user()
    second = auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    _logout(auth, first, first.tokens.refresh_token)
    assert not _family_of(auth, second.tokens.refresh_token).is_revoked
    auth.refresh(RefreshTokens(refresh_token=second.tokens.refresh_token))


def test_logout_always_denylists_the_access_jti_until_it_expires(auth: AuthHarness) -> None:
    session = auth.register_user()
    _logout(auth, session, session.tokens.refresh_token, jti="jti-1")
    assert auth.denylist.denied == {"jti-1": 1_700_000_900}


def test_logout_ends_the_sessions_other_access_tokens_at_once(auth: AuthHarness) -> None:
    session = auth.register_user()
    rotated = auth.refresh(RefreshTokens(refresh_token=session.tokens.refresh_token))
    _logout(auth, session, rotated.tokens.refresh_token)
    family = _family_of(auth, session.tokens.refresh_token)
    assert set(auth.denylist.denied_sessions) == {str(family.id)}


def test_another_users_refresh_token_is_ignored_but_the_jti_still_denied(
    auth: AuthHarness,
) -> None:
    alice = auth.register_user()
    bob = auth.register_user(username="bob", email="bob@example.com")
    _logout(auth, alice, bob.tokens.refresh_token, jti="alice-jti")
    assert not _family_of(auth, bob.tokens.refresh_token).is_revoked
    assert not _family_of(auth, alice.tokens.refresh_token).is_revoked
    auth.refresh(RefreshTokens(refresh_token=bob.tokens.refresh_token))
    assert auth.denylist.is_denied("alice-jti")
    assert auth.denylist.denied_sessions == {}


def test_an_unknown_refresh_token_still_denylists_the_jti(auth: AuthHarness) -> None:
    session = auth.register_user()
    _logout(auth, session, "no-such-token", jti="jti-9")
    assert auth.denylist.is_denied("jti-9")
    assert not auth.store.families[0].is_revoked
