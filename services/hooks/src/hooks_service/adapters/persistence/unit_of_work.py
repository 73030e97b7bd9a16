"""Hooks' unit of work: replica, event log, webhooks, deliveries and the outbox in one
transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hooks_service.adapters.persistence.replica import SqlAlchemyEventLog, SqlAlchemyReplica
from hooks_service.adapters.persistence.webhooks import (
    SqlAlchemyDeliveryRepository,
    SqlAlchemyWebhookRepository,
)
from hooks_service.application.recording import write_events
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork


class SqlAlchemyHooksUnitOfWork(SqlAlchemyUnitOfWork):
    webhooks: SqlAlchemyWebhookRepository
    deliveries: SqlAlchemyDeliveryRepository
    replica: SqlAlchemyReplica
    events: SqlAlchemyEventLog

    def _open_repositories(self, session: Session) -> None:
        self.webhooks = SqlAlchemyWebhookRepository(session)
        self.deliveries = SqlAlchemyDeliveryRepository(session)
        self.replica = SqlAlchemyReplica(session)
        self.events = SqlAlchemyEventLog(session)

    def commit(self) -> None:
        # The webhooks' recorded events join the transaction of their change.
        write_events(self.outbox, self.webhooks.pull_recorded())
        super().commit()
