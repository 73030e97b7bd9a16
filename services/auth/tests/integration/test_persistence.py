"""Repositories, unit of work and outbox of auth against real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from auth_service.adapters.persistence.tables import SCHEMA, outbox
from auth_service.adapters.persistence.unit_of_work import SqlAlchemyAuthUnitOfWork
from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily, Role
from taskhive_shared.events.contracts import ContractRegistry, ContractViolation
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.ids import uuid7
from taskhive_shared.logging import request_id_var


@pytest.fixture
def uow_factory(auth_runtime):
    factory = sessionmaker(bind=auth_runtime.engine, expire_on_commit=False)
    writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    return lambda: SqlAlchemyAuthUnitOfWork(factory, writer)


def _account(name: str | None = None) -> Account:
    name = name or f"acct{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    return Account(
        id=uuid7(),
        email=f"{name}@Example.org",
        username=name,
        password_hash="$argon2id$fake",
        role=Role.MEMBER,
        is_active=True,
        created_at=now,
        updated_at=now,
    )


def _registered_data(account: Account) -> dict:
    return {
        "user_id": str(account.id),
        "email": account.email,
        "username": account.username,
        "first_name": "",
        "last_name": "",
        "role": "member",
        "registered_at": account.created_at.isoformat(),
    }


def test_account_round_trip_and_case_insensitive_lookup(uow_factory):
    account = _account()
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get(account.id) == account
        assert uow.accounts.find_by_login(account.username.upper()) == account
        assert uow.accounts.find_by_login(account.email.lower()) == account
        assert uow.accounts.email_taken(account.email.upper())
        assert uow.accounts.username_taken(account.username.upper())
        assert not uow.accounts.username_taken("someone-else")


def test_concurrent_duplicate_is_caught_by_the_unique_index(uow_factory):
    """The existence checks cannot see an uncommitted twin; the index still refuses it."""
    first, twin = _account(), _account()
    twin.email = first.email.upper()
    with uow_factory() as a, uow_factory() as b:
        assert not b.accounts.email_taken(twin.email)
        a.accounts.add(first)
        a.commit()
        with pytest.raises(AccountAlreadyExists) as raised:
            b.accounts.add(twin)
        assert raised.value.field == "email"


def test_leaving_without_commit_writes_nothing(uow_factory, admin_engine):
    account = _account()
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.outbox.add_event("auth.user.registered.v1", str(account.id), _registered_data(account))
    with uow_factory() as uow:
        assert uow.accounts.get(account.id) is None
    with admin_engine.connect() as connection:
        leftover = connection.execute(
            sa.text("SELECT count(*) FROM auth.outbox WHERE subject = :s"), {"s": str(account.id)}
        ).scalar_one()
    assert leftover == 0


def test_outbox_row_commits_with_the_state_and_carries_the_envelope(uow_factory, admin_engine):
    account = _account()
    token = request_id_var.set("req-42")
    try:
        with uow_factory() as uow:
            uow.accounts.add(account)
            envelope = uow.outbox.add_event(
                "auth.user.registered.v1", str(account.id), _registered_data(account)
            )
            uow.commit()
    finally:
        request_id_var.reset(token)
    with admin_engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT * FROM auth.outbox WHERE id = :id"), {"id": envelope.id}
        ).one()
    assert row.type == "auth.user.registered.v1"
    assert row.correlation_id == "req-42"
    assert row.published_at is None
    assert row.data["user_id"] == str(account.id)


def test_an_event_that_breaks_its_contract_is_refused_before_writing(uow_factory):
    account = _account()
    with uow_factory() as uow, pytest.raises(ContractViolation):
        uow.outbox.add_event("auth.user.registered.v1", str(account.id), {"user_id": "x"})


def test_refresh_tokens_families_and_revocation(uow_factory):
    account = _account()
    now = datetime.now(UTC)
    families = [
        RefreshTokenFamily(id=uuid7(), user_id=account.id, created_at=now) for _ in range(3)
    ]
    token = RefreshToken(
        id=uuid7(),
        family_id=families[0].id,
        user_id=account.id,
        token_hash=uuid.uuid4().hex,
        issued_at=now,
        expires_at=now + timedelta(days=1),
    )
    with uow_factory() as uow:
        uow.accounts.add(account)
        for family in families:
            uow.refresh_tokens.add_family(family)
        uow.refresh_tokens.add_token(token)
        uow.commit()
    with uow_factory() as uow:
        found = uow.refresh_tokens.find_by_hash_for_update(token.token_hash)
        assert found == token
        uow.refresh_tokens.mark_spent(token.id, now)
        revoked = uow.refresh_tokens.revoke_families_of_user(
            account.id, "password_changed", now, keep=families[0].id
        )
        uow.commit()
    assert sorted(revoked) == sorted(family.id for family in families[1:])
    with uow_factory() as uow:
        found = uow.refresh_tokens.find_by_hash_for_update(token.token_hash)
        assert found is not None
        assert found.is_spent
        assert not uow.refresh_tokens.get_family(families[0].id).is_revoked
        assert uow.refresh_tokens.get_family(families[1].id).revoked_reason == "password_changed"
        assert uow.refresh_tokens.find_by_hash_for_update("unknown") is None
