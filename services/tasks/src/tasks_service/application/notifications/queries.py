"""The delivery log through the API: admins list every notification, others their own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from tasks_service.application.cursors import as_datetime, as_uuid, check_limit, decode, encode
from tasks_service.application.notifications.ports import NotificationFilter, NotificationRecord
from tasks_service.application.ports import UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.permissions import Role

_CURSOR_SPEC = "notifications"


@dataclass(frozen=True, slots=True)
class NotificationQueries:
    uow: UnitOfWorkFactory

    def page(
        self,
        actor_id: uuid.UUID,
        wanted: NotificationFilter,
        limit: int,
        cursor: str | None,
    ) -> Page[NotificationRecord]:
        check_limit(limit)
        after = decode(cursor, _CURSOR_SPEC, (as_datetime, as_uuid)) if cursor else None
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            if actor.role is not Role.ADMIN:
                # Not an error: a member's view of the log is their own mail.
                wanted = replace(wanted, recipient_id=actor.user_id)
            rows = uow.notifications.page(
                wanted, (after[0], after[1]) if after else None, limit + 1
            )
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_CURSOR_SPEC, (items[-1].created_at, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)
