"""PostgreSQL repositories of the welcome emails and of expired Idempotency-Key records."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from users_service.adapters.persistence.tables import profiles, welcome_emails
from users_service.application.ports import WelcomeEmailRecord, WelcomeStatus

ERROR_MAX = 500


class SqlAlchemyWelcomeEmailRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, user_id: uuid.UUID, at: datetime) -> WelcomeEmailRecord:
        # A concurrent insert of the same key waits for the first transaction to end; the
        # FOR UPDATE then waits for (and sees) whatever that transaction recorded.
        self._session.execute(
            postgresql.insert(welcome_emails)
            .values(
                user_id=user_id,
                status=WelcomeStatus.PENDING.value,
                attempts=0,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=[welcome_emails.c.user_id])
        )
        row = self._session.execute(
            sa.select(welcome_emails).where(welcome_emails.c.user_id == user_id).with_for_update()
        ).one()
        return WelcomeEmailRecord(
            user_id=row.user_id,
            status=WelcomeStatus(row.status),
            attempts=row.attempts,
            message_id=row.message_id,
            last_error=row.last_error,
        )

    def _update(self, user_id: uuid.UUID, **values: object) -> None:
        self._session.execute(
            welcome_emails.update().where(welcome_emails.c.user_id == user_id).values(**values)
        )

    def mark_sent(self, user_id: uuid.UUID, message_id: str, at: datetime) -> None:
        self._update(
            user_id,
            status=WelcomeStatus.SENT.value,
            attempts=welcome_emails.c.attempts + 1,
            message_id=message_id,
            last_error=None,
            sent_at=at,
            updated_at=at,
        )

    def mark_failed(self, user_id: uuid.UUID, error: str, at: datetime, *, final: bool) -> None:
        status = WelcomeStatus.FAILED if final else WelcomeStatus.PENDING
        self._update(
            user_id,
            status=status.value,
            attempts=welcome_emails.c.attempts + 1,
            last_error=error[:ERROR_MAX],
            updated_at=at,
        )

    def mark_skipped(self, user_id: uuid.UUID, reason: str, at: datetime) -> None:
        self._update(
            user_id,
            status=WelcomeStatus.SKIPPED.value,
            last_error=reason[:ERROR_MAX],
            updated_at=at,
        )

    def due(
        self,
        *,
        created_after: datetime,
        created_before: datetime,
        stale_before: datetime,
        limit: int,
    ) -> list[uuid.UUID]:
        query = (
            sa.select(profiles.c.id)
            .select_from(
                profiles.outerjoin(welcome_emails, welcome_emails.c.user_id == profiles.c.id)
            )
            .where(
                profiles.c.created_at >= created_after,
                profiles.c.created_at < created_before,
                profiles.c.is_active.is_(True),
                sa.or_(
                    welcome_emails.c.user_id.is_(None),
                    sa.and_(
                        welcome_emails.c.status == WelcomeStatus.PENDING.value,
                        welcome_emails.c.updated_at < stale_before,
                    ),
                ),
            )
            .order_by(profiles.c.created_at)
            .limit(limit)
        )
        return list(self._session.execute(query).scalars())
