"""RefreshTokens: rotation within a family; a replayed token revokes the family (RFC 9700)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_unit_fakes import AuthHarness

from auth_service.application.refresh import RefreshTokens
from auth_service.application.results import Session
from auth_service.application.sessions import SKEW_SECONDS
from auth_service.domain.errors import InvalidRefreshToken


@pytest.fixture
def session(auth: AuthHarness) -> Session:
    return auth.register_user()


def _refresh(auth: AuthHarness, secret: str) -> Session:
    return auth.refresh(RefreshTokens(refresh_token=secret))


def _refused(auth: AuthHarness, secret: str) -> None:
    issued = len(auth.issuer.calls)
    tokens = len(auth.store.tokens)
    with pytest.raises(InvalidRefreshToken):
        _refresh(auth, secret)
    assert len(auth.issuer.calls) == issued
    assert len(auth.store.tokens) == tokens


def test_rotation_spends_the_old_token_and_issues_one_in_the_same_family(
    auth: AuthHarness, session: Session
) -> None:
    old_secret = session.tokens.refresh_token
    old = auth.store.token_by_hash(auth.secrets.digest(old_secret))
    auth.clock.advance(timedelta(minutes=20))

    rotated = _refresh(auth, old_secret)

    assert rotated.tokens.refresh_token != old_secret
    assert rotated.account == session.account
    spent = auth.store.token_by_hash(auth.secrets.digest(old_secret))
    assert spent.spent_at == auth.clock.now()
    new = auth.store.token_by_hash(auth.secrets.digest(rotated.tokens.refresh_token))
    assert new.family_id == old.family_id
    assert new.spent_at is None
    assert new.issued_at == auth.clock.now()
    assert new.expires_at == auth.clock.now() + auth.minter.refresh_ttl
    assert len(auth.store.families) == 1
    assert not auth.store.family(old.family_id).is_revoked
    assert auth.issuer.calls[-1].session_id == old.family_id
    assert rotated.tokens.access_token != session.tokens.access_token


def test_the_rotated_token_can_itself_be_rotated(auth: AuthHarness, session: Session) -> None:
    second = _refresh(auth, session.tokens.refresh_token)
    third = _refresh(auth, second.tokens.refresh_token)
    assert len({t.family_id for t in auth.store.tokens}) == 1
    assert [t.is_spent for t in auth.store.tokens] == [True, True, False]
    assert third.tokens.refresh_token not in (
        session.tokens.refresh_token,
        second.tokens.refresh_token,
    )


def test_reusing_a_spent_token_revokes_the_family_and_commits_that(
    auth: AuthHarness, session: Session
) -> None:
    rotated = _refresh(auth, session.tokens.refresh_token)
    family_id = auth.issuer.calls[-1].session_id
    auth.clock.advance(timedelta(minutes=1))

    _refused(auth, session.tokens.refresh_token)

    # The store only holds committed state: the revocation survived the error.
    family = auth.store.family(family_id)
    assert family.is_revoked
    assert family.revoked_at == auth.clock.now()
    assert family.revoked_reason == "reuse_detected"
    # The legitimate-looking latest token of the family is dead too.
    _refused(auth, rotated.tokens.refresh_token)
    # ...and so is every access token of the session, until the newest could have expired.
    expected = int(auth.clock.now().timestamp()) + 900 + SKEW_SECONDS
    assert auth.denylist.denied_sessions == {str(family_id): expected}


def _family(auth: AuthHarness, session: Session):  # type: ignore[no-untyped-def]
    return auth.store.token_by_hash(auth.secrets.digest(session.tokens.refresh_token)).family_id


def test_rotation_revokes_no_session(auth: AuthHarness, session: Session) -> None:
    _refresh(auth, session.tokens.refresh_token)
    assert auth.denylist.denied_sessions == {}


def test_reuse_revokes_only_that_family(auth: AuthHarness, session: Session) -> None:
    from auth_unit_fakes import GOOD_PASSWORD

    from auth_service.application.login import LoginUser

    other = auth.login(LoginUser(login="alice", password=GOOD_PASSWORD))
    _refresh(auth, session.tokens.refresh_token)
    _refused(auth, session.tokens.refresh_token)
    # The other session (another device) keeps working.
    _refresh(auth, other.tokens.refresh_token)
    assert str(_family(auth, other)) not in auth.denylist.denied_sessions


def test_a_token_of_a_revoked_family_is_refused(auth: AuthHarness, session: Session) -> None:
    token = auth.store.token_by_hash(auth.secrets.digest(session.tokens.refresh_token))
    with auth.uow() as uow:
        uow.refresh_tokens.revoke_family(token.family_id, "logout", auth.clock.now())
        uow.commit()
    _refused(auth, session.tokens.refresh_token)
    # Refused without being spent.
    assert not auth.store.token_by_hash(token.token_hash).is_spent


def test_an_expired_token_is_refused(auth: AuthHarness, session: Session) -> None:
    auth.clock.advance(auth.minter.refresh_ttl)
    _refused(auth, session.tokens.refresh_token)
    token = auth.store.token_by_hash(auth.secrets.digest(session.tokens.refresh_token))
    assert not token.is_spent


def test_a_token_just_before_expiry_is_accepted(auth: AuthHarness, session: Session) -> None:
    auth.clock.advance(auth.minter.refresh_ttl - timedelta(seconds=1))
    _refresh(auth, session.tokens.refresh_token)


def test_an_inactive_account_is_refused_and_its_session_ended(
    auth: AuthHarness, session: Session
) -> None:
    auth.store.deactivate(session.account.id)
    _refused(auth, session.tokens.refresh_token)
    [family] = auth.store.families
    assert family.is_revoked
    assert family.revoked_reason == "account_inactive"
    assert set(auth.denylist.denied_sessions) == {str(family.id)}


@pytest.mark.parametrize("secret", ["", "refresh-secret-999", "garbage"])
def test_an_unknown_token_is_refused(auth: AuthHarness, session: Session, secret: str) -> None:
    _refused(auth, secret)
    assert not auth.store.families[0].is_revoked
