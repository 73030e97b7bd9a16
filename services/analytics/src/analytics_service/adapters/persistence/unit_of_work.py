"""Analytics' unit of work: the read model (and the outbox) in one transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from analytics_service.adapters.persistence.read_model import SqlAlchemyFigures, SqlAlchemyReadModel
from analytics_service.adapters.persistence.reports import SqlAlchemyReportRepository
from analytics_service.adapters.persistence.schedules import SqlAlchemyScheduleRepository
from analytics_service.adapters.persistence.tables import NEXT, rebuild_state
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork


class SqlAlchemyAnalyticsUnitOfWork(SqlAlchemyUnitOfWork):
    read_model: SqlAlchemyReadModel
    figures: SqlAlchemyFigures

    reports: SqlAlchemyReportRepository
    schedules: SqlAlchemyScheduleRepository

    def _open_repositories(self, session: Session) -> None:
        self.read_model = SqlAlchemyReadModel(session)
        self.figures = SqlAlchemyFigures(session)
        self.reports = SqlAlchemyReportRepository(session)
        self.schedules = SqlAlchemyScheduleRepository(session)

    def task_models(self) -> list[SqlAlchemyReadModel]:
        # A share lock on the state row until commit: `rebuild switch` (which updates it)
        # waits for the transactions writing both models, and later ones see it switched.
        state = self.session.scalar(
            sa.select(rebuild_state.c.state)
            .where(rebuild_state.c.id == 1)
            .with_for_update(read=True)
        )
        if state == "collecting":
            return [self.read_model, SqlAlchemyReadModel(self.session, NEXT)]
        return [self.read_model]
