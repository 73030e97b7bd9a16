"""Users' unit of work: profiles, teams, idempotency keys, welcome emails and the outbox in
one transaction; on commit, what the profiles and teams recorded is written first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork
from taskhive_shared.idempotency import SqlAlchemyIdempotencyStore
from users_service.adapters.persistence.profiles import SqlAlchemyProfileRepository
from users_service.adapters.persistence.tables import idempotency_keys
from users_service.adapters.persistence.teams import SqlAlchemyTeamRepository
from users_service.adapters.persistence.welcome_emails import (
    SqlAlchemyWelcomeEmailRepository,
)
from users_service.application.recording import record_changes


class SqlAlchemyUsersUnitOfWork(SqlAlchemyUnitOfWork):
    profiles: SqlAlchemyProfileRepository
    teams: SqlAlchemyTeamRepository
    idempotency: SqlAlchemyIdempotencyStore
    welcome_emails: SqlAlchemyWelcomeEmailRepository
    causation_id: str | None = None

    def _open_repositories(self, session: Session) -> None:
        self.profiles = SqlAlchemyProfileRepository(session)
        self.teams = SqlAlchemyTeamRepository(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session, idempotency_keys)
        self.welcome_emails = SqlAlchemyWelcomeEmailRepository(session)
        self.causation_id = None

    def commit(self) -> None:
        """Save what the profiles and teams recorded, with their outbox events, then commit."""
        record_changes(self)
        super().commit()
