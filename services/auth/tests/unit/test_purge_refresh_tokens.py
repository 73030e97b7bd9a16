"""PurgeRefreshTokens: only tokens past their expiry go; reuse detection keeps working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_unit_fakes import REFRESH_TTL, AuthHarness

from auth_service.application.purge_refresh_tokens import PurgeRefreshTokensHandler
from auth_service.application.refresh import RefreshTokens
from auth_service.domain.errors import InvalidRefreshToken


def _purge(auth: AuthHarness, batch_size: int = 1000) -> PurgeRefreshTokensHandler:
    return PurgeRefreshTokensHandler(auth.uow, auth.clock, batch_size=batch_size)


def test_nothing_is_deleted_before_expiry_even_spent_or_revoked(auth: AuthHarness) -> None:
    first = auth.register_user()
    auth.refresh(RefreshTokens(first.tokens.refresh_token))  # the first is now spent
    other = auth.register_user("bob", "bob@example.com")
    family = auth.store.token_by_hash(auth.secrets.digest(other.tokens.refresh_token)).family_id
    with auth.uow() as uow:
        uow.refresh_tokens.revoke_family(family, "logout", auth.clock.now())
        uow.commit()
    auth.clock.advance(REFRESH_TTL - timedelta(seconds=1))

    result = _purge(auth)()

    assert (result.tokens, result.families) == (0, 0)
    assert len(auth.store.tokens) == 3
    assert len(auth.store.families) == 2


def test_a_spent_token_kept_until_expiry_still_revokes_its_family(auth: AuthHarness) -> None:
    session = auth.register_user()
    rotated = auth.refresh(RefreshTokens(session.tokens.refresh_token))
    auth.clock.advance(timedelta(days=1))
    _purge(auth)()

    with pytest.raises(InvalidRefreshToken):
        auth.refresh(RefreshTokens(session.tokens.refresh_token))  # replay of the spent one
    family = auth.store.token_by_hash(auth.secrets.digest(rotated.tokens.refresh_token)).family_id
    assert auth.store.family(family).revoked_reason == "reuse_detected"


def test_expired_tokens_go_and_a_family_goes_with_its_last_token(auth: AuthHarness) -> None:
    old = auth.register_user()
    auth.clock.advance(timedelta(days=5))
    young = auth.register_user("bob", "bob@example.com")
    rotated = auth.refresh(RefreshTokens(young.tokens.refresh_token))
    auth.clock.advance(REFRESH_TTL - timedelta(days=1))  # old's token expired; bob's not
    old_family = auth.store.token_by_hash(auth.secrets.digest(old.tokens.refresh_token)).family_id

    result = _purge(auth)()

    assert (result.tokens, result.families) == (1, 1)
    assert old_family not in {f.id for f in auth.store.families}
    assert {t.token_hash for t in auth.store.tokens} == {
        auth.secrets.digest(young.tokens.refresh_token),
        auth.secrets.digest(rotated.tokens.refresh_token),
    }
    # A second run finds nothing left to do.
    assert _purge(auth)().tokens == 0


def test_a_family_with_a_live_token_stays_when_its_old_tokens_go(auth: AuthHarness) -> None:
    session = auth.register_user()
    auth.clock.advance(REFRESH_TTL - timedelta(hours=1))
    rotated = auth.refresh(RefreshTokens(session.tokens.refresh_token))
    auth.clock.advance(timedelta(hours=2))  # the first token expired, its successor lives

    result = _purge(auth)()

    assert (result.tokens, result.families) == (1, 0)
    assert len(auth.store.families) == 1
    assert auth.refresh(RefreshTokens(rotated.tokens.refresh_token)).tokens.refresh_token


def test_batches_until_a_short_one(auth: AuthHarness) -> None:
    for n in range(5):
        auth.register_user(f"user{n}", f"user{n}@example.com")
    auth.clock.advance(REFRESH_TTL + timedelta(seconds=1))
    commits = auth.store.commits

    result = _purge(auth, batch_size=2)()

    assert (result.tokens, result.families, result.batches) == (5, 5, 3)
    assert auth.store.commits - commits == 3
    assert auth.store.tokens == []
