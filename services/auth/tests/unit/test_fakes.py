"""The fakes are trusted by every use-case test, so their transaction semantics are tested too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from auth_unit_fakes import FakePasswordHasher, FakeStore, FakeUnitOfWork

from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Account, Role

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _account(username: str = "alice", email: str = "alice@example.com") -> Account:
    return Account(
        id=uuid.uuid4(),
        email=email,
        username=username,
        password_hash="h",
        role=Role.MEMBER,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
    )


def test_leaving_without_commit_discards_changes() -> None:
    store = FakeStore()
    with FakeUnitOfWork(store) as uow:
        uow.accounts.add(_account())
        uow.outbox.add_event("auth.user.registered.v1", "s", {})
    assert store.accounts == []
    assert store.events == []
    assert store.commits == 0


def test_an_exception_before_commit_leaves_nothing_behind() -> None:
    store = FakeStore()

    def failing_use_case() -> None:
        with FakeUnitOfWork(store) as uow:
            uow.accounts.add(_account())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert store.accounts == []


def test_committed_changes_survive_a_later_failure_in_the_same_unit() -> None:
    store = FakeStore()
    first, second = _account("alice"), _account("bob", "bob@example.com")

    def use_case_failing_after_a_commit() -> None:
        with FakeUnitOfWork(store) as uow:
            uow.accounts.add(first)
            uow.commit()
            uow.accounts.add(second)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        use_case_failing_after_a_commit()
    assert [a.username for a in store.accounts] == ["alice"]
    assert store.commits == 1


def test_repositories_hand_out_copies_so_unsaved_changes_are_lost() -> None:
    store = FakeStore()
    account = _account()
    with FakeUnitOfWork(store) as uow:
        uow.accounts.add(account)
        uow.commit()
    with FakeUnitOfWork(store) as uow:
        loaded = uow.accounts.get(account.id)
        assert loaded is not None
        loaded.password_hash = "changed"
        uow.commit()
    assert store.accounts[0].password_hash == "h"


def test_account_repository_refuses_duplicates_case_insensitively() -> None:
    store = FakeStore()
    with FakeUnitOfWork(store) as uow:
        uow.accounts.add(_account())
        with pytest.raises(AccountAlreadyExists):
            uow.accounts.add(_account("ALICE", "other@example.com"))
        assert uow.accounts.find_by_login("Alice@Example.COM") is not None


def test_fake_hasher_verifies_only_the_right_password_and_tracks_versions() -> None:
    hasher = FakePasswordHasher(version=1)
    stored = hasher.hash("secret-one")
    assert hasher.verify(stored, "secret-one")
    assert not hasher.verify(stored, "secret-two")
    assert not hasher.verify("garbage", "secret-one")
    assert not hasher.needs_rehash(stored)
    hasher.version = 2
    assert hasher.needs_rehash(stored)
    assert hasher.verify(stored, "secret-one")
