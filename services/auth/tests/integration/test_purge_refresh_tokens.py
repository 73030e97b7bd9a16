"""The daily purge against real PostgreSQL: what goes, what stays, locks, and the CLI."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import sessionmaker

from auth_service.adapters.clock import SystemClock
from auth_service.adapters.persistence.tables import SCHEMA, outbox
from auth_service.adapters.persistence.unit_of_work import SqlAlchemyAuthUnitOfWork
from auth_service.application.purge_refresh_tokens import PurgeRefreshTokensHandler
from auth_service.bootstrap import build_jobs_app
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily, Role
from auth_service.entrypoints.cli import main
from auth_service.entrypoints.jobs import PURGE_REFRESH_TOKENS, SYNC_API_KEYS
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.ids import uuid7

DAY = timedelta(days=1)


def _uow_factory(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    return lambda: SqlAlchemyAuthUnitOfWork(factory, writer)


def _account(uow) -> Account:
    name = f"purge{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    account = Account(
        id=uuid7(),
        email=f"{name}@example.org",
        username=name,
        password_hash="$argon2id$fake",
        role=Role.MEMBER,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    uow.accounts.add(account)
    return account


def _family(uow, account: Account, *expiries: timedelta, spent: bool = False) -> list[uuid.UUID]:
    """A family with one token per expiry (relative to now); returns the token ids."""
    now = datetime.now(UTC)
    family = RefreshTokenFamily(id=uuid7(), user_id=account.id, created_at=now - 40 * DAY)
    uow.refresh_tokens.add_family(family)
    ids = []
    for offset in expiries:
        token = RefreshToken(
            id=uuid7(),
            family_id=family.id,
            user_id=account.id,
            token_hash=uuid.uuid4().hex,
            issued_at=now + offset - 30 * DAY,
            expires_at=now + offset,
        )
        uow.refresh_tokens.add_token(token)
        if spent:
            uow.refresh_tokens.mark_spent(token.id, now + offset - 29 * DAY)
        ids.append(token.id)
    return ids


def _existing(engine, table: str, ids) -> set[uuid.UUID]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(f"SELECT id FROM auth.{table} WHERE id = ANY(:ids)"), {"ids": list(ids)}
        )
        return {row.id for row in rows}


def _family_of(engine, token_id) -> uuid.UUID:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT family_id FROM auth.refresh_tokens WHERE id = :id"), {"id": token_id}
        ).scalar_one()


def test_purge_deletes_expired_tokens_only_and_empty_families(auth_runtime, admin_engine):
    uow_factory = _uow_factory(auth_runtime.engine)
    with uow_factory() as uow:
        account = _account(uow)
        [expired] = _family(uow, account, -DAY)
        [valid] = _family(uow, account, DAY)
        expired_spent, valid_spent = _family(uow, account, -2 * DAY, DAY, spent=True)
        revoked_expired, revoked_valid = _family(uow, account, -DAY, 2 * DAY)
        [revoked_gone] = _family(uow, account, -3 * DAY)
        uow.commit()
    families = {token: _family_of(admin_engine, token) for token in (expired, valid, valid_spent)}
    families |= {t: _family_of(admin_engine, t) for t in (revoked_valid, revoked_gone)}
    with uow_factory() as uow:
        now = datetime.now(UTC)
        uow.refresh_tokens.revoke_family(families[revoked_valid], "logout", now)
        uow.refresh_tokens.revoke_family(families[revoked_gone], "reuse_detected", now)
        uow.commit()
    everything = {expired, valid, expired_spent, valid_spent, revoked_expired, revoked_valid}
    everything.add(revoked_gone)

    result = PurgeRefreshTokensHandler(auth_runtime.unit_of_work, SystemClock(), batch_size=2)()

    assert result.tokens >= 4
    assert result.families >= 2
    assert _existing(admin_engine, "refresh_tokens", everything) == {
        valid,
        valid_spent,
        revoked_valid,
    }
    # Families that still hold a valid token stay, revoked or not; the emptied ones go.
    assert _existing(admin_engine, "refresh_token_families", families.values()) == {
        families[valid],
        families[valid_spent],
        families[revoked_valid],
    }

    again = PurgeRefreshTokensHandler(auth_runtime.unit_of_work, SystemClock())()
    assert _existing(admin_engine, "refresh_tokens", everything) == {
        valid,
        valid_spent,
        revoked_valid,
    }
    assert again.batches == 1


def test_a_token_locked_by_a_refresh_is_skipped_then_purged_next_time(auth_runtime, admin_engine):
    uow_factory = _uow_factory(auth_runtime.engine)
    with uow_factory() as uow:
        account = _account(uow)
        [locked] = _family(uow, account, -DAY)
        [free] = _family(uow, account, -DAY)
        uow.commit()
    with admin_engine.connect() as connection:
        token_hash = connection.execute(
            sa.text("SELECT token_hash FROM auth.refresh_tokens WHERE id = :id"), {"id": locked}
        ).scalar_one()

    with uow_factory() as refreshing:
        assert refreshing.refresh_tokens.find_by_hash_for_update(token_hash) is not None
        PurgeRefreshTokensHandler(auth_runtime.unit_of_work, SystemClock())()
        assert _existing(admin_engine, "refresh_tokens", {locked, free}) == {locked}

    PurgeRefreshTokensHandler(auth_runtime.unit_of_work, SystemClock())()
    assert _existing(admin_engine, "refresh_tokens", {locked, free}) == set()


def test_the_task_is_registered_and_scheduled_daily(auth_settings):
    app = build_jobs_app(auth_settings)
    assert PURGE_REFRESH_TOKENS in app.tasks
    entry = app.conf.beat_schedule["purge-refresh-tokens-daily"]
    assert entry["task"] == PURGE_REFRESH_TOKENS
    assert entry["schedule"].hour == {auth_settings.purge_refresh_tokens_hour}
    assert entry["schedule"].minute == {15}
    assert app.conf.task_acks_late is True
    assert app.conf.beat_schedule["sync-api-keys"]["task"] == SYNC_API_KEYS
    assert SYNC_API_KEYS in app.tasks


def test_cli_runs_the_purge_and_lists_it(auth_settings, auth_runtime, admin_engine):
    with _uow_factory(auth_runtime.engine)() as uow:
        account = _account(uow)
        [expired] = _family(uow, account, -DAY)
        uow.commit()
    env = {"AUTH_DATABASE_URL": auth_settings.database_url, "AUTH_JOBS_BROKER_URL": None}
    runner = CliRunner()

    listed = runner.invoke(main, ["jobs", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "purge_refresh_tokens\t<crontab: 15 3 * * *" in listed.output

    ran = runner.invoke(main, ["jobs", "run", "purge_refresh_tokens"], env=env)
    assert ran.exit_code == 0, ran.output
    # The last line is the job's answer (the lines before are the process's JSON logs).
    name, _, payload = ran.output.strip().splitlines()[-1].partition(": ")
    assert name == "purge_refresh_tokens"
    assert json.loads(payload)["tokens"] >= 1
    assert _existing(admin_engine, "refresh_tokens", {expired}) == set()
