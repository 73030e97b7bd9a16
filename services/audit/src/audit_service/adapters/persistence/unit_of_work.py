"""Audit's unit of work: the chain (and the consumer's inbox) in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from audit_service.adapters.persistence.repositories import SqlAlchemyAuditRepository
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork


class SqlAlchemyAuditUnitOfWork(SqlAlchemyUnitOfWork):
    records: SqlAlchemyAuditRepository

    def _open_repositories(self, session: Session) -> None:
        self.records = SqlAlchemyAuditRepository(session)
