"""Users' unit of work: profiles, teams, idempotency keys, welcome emails and the outbox in
one transaction."""

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


class SqlAlchemyUsersUnitOfWork(SqlAlchemyUnitOfWork):
    profiles: SqlAlchemyProfileRepository
    teams: SqlAlchemyTeamRepository
    idempotency: SqlAlchemyIdempotencyStore
    welcome_emails: SqlAlchemyWelcomeEmailRepository

    def _open_repositories(self, session: Session) -> None:
        self.profiles = SqlAlchemyProfileRepository(session)
        self.teams = SqlAlchemyTeamRepository(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session, idempotency_keys)
        self.welcome_emails = SqlAlchemyWelcomeEmailRepository(session)
