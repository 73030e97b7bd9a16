"""Tasks' unit of work: every repository, the history and the outbox in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork
from taskhive_shared.idempotency import SqlAlchemyIdempotencyStore
from tasks_service.adapters.notifications.log import SqlAlchemyNotificationLog
from tasks_service.adapters.persistence.automation import SqlAlchemyAutomationRepository
from tasks_service.adapters.persistence.comments import SqlAlchemyCommentRepository
from tasks_service.adapters.persistence.dependencies import SqlAlchemyDependencyRepository
from tasks_service.adapters.persistence.history import SqlAlchemyHistoryLog
from tasks_service.adapters.persistence.replica import SqlAlchemyUserReplica
from tasks_service.adapters.persistence.summaries import SqlAlchemyDailySummaries
from tasks_service.adapters.persistence.tables import idempotency_keys
from tasks_service.adapters.persistence.tags import SqlAlchemyTagRepository
from tasks_service.adapters.persistence.tasks import SqlAlchemyTaskRepository
from tasks_service.adapters.persistence.templates import SqlAlchemyTemplateRepository
from tasks_service.adapters.persistence.time_rollups import SqlAlchemyTimeRollups
from tasks_service.application.recording import record_changes


class SqlAlchemyTasksUnitOfWork(SqlAlchemyUnitOfWork):
    tasks: SqlAlchemyTaskRepository
    history: SqlAlchemyHistoryLog
    dependencies: SqlAlchemyDependencyRepository
    comments: SqlAlchemyCommentRepository
    tags: SqlAlchemyTagRepository
    templates: SqlAlchemyTemplateRepository
    replica: SqlAlchemyUserReplica
    time_rollups: SqlAlchemyTimeRollups
    idempotency: SqlAlchemyIdempotencyStore
    notifications: SqlAlchemyNotificationLog
    summaries: SqlAlchemyDailySummaries
    automation: SqlAlchemyAutomationRepository

    def _open_repositories(self, session: Session) -> None:
        self.tasks = SqlAlchemyTaskRepository(session)
        self.history = SqlAlchemyHistoryLog(session)
        self.dependencies = SqlAlchemyDependencyRepository(session)
        self.comments = SqlAlchemyCommentRepository(session)
        self.tags = SqlAlchemyTagRepository(session)
        self.templates = SqlAlchemyTemplateRepository(session)
        self.replica = SqlAlchemyUserReplica(session)
        self.time_rollups = SqlAlchemyTimeRollups(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session, idempotency_keys)
        self.notifications = SqlAlchemyNotificationLog(session)
        self.summaries = SqlAlchemyDailySummaries(session)
        self.automation = SqlAlchemyAutomationRepository(session)

    def commit(self) -> None:
        """Save what the tasks recorded, with its history and events, then commit."""
        record_changes(self)
        super().commit()
