"""Auth's unit of work: accounts, refresh tokens and the outbox in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from auth_service.adapters.persistence.repositories import (
    SqlAlchemyAccountRepository,
    SqlAlchemyApiKeyRepository,
    SqlAlchemyRefreshTokenRepository,
)
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork


class SqlAlchemyAuthUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: SqlAlchemyAccountRepository
    refresh_tokens: SqlAlchemyRefreshTokenRepository
    api_keys: SqlAlchemyApiKeyRepository

    def _open_repositories(self, session: Session) -> None:
        self.accounts = SqlAlchemyAccountRepository(session)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(session)
        self.api_keys = SqlAlchemyApiKeyRepository(session)
