"""From task events to notification rows: who gets an email, recorded before it is sent.

The tasks consumer calls PlanTaskNotifications with each of its own `tasks.task.*` events, in
the unit of work that records the event in the inbox: the pending rows commit with it, and the
delivery job is enqueued only after that commit. A lost enqueue is found by the sweeper.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from taskhive_shared.ids import uuid7
from tasks_service.application.notifications.ports import NewNotification
from tasks_service.application.ports import Clock, TasksUnitOfWork
from tasks_service.domain.notifications import (
    NotificationType,
    audience_of,
    due_occasion,
)

_BY_DUE_DATE = (NotificationType.TASK_OVERDUE, NotificationType.TASK_DUE_SOON)
_CONTEXT_FIELDS = (
    "task_id",
    "title",
    "status",
    "priority",
    "due_date",
    "old_status",
    "new_status",
    "comment_excerpt",
)


class NotificationDispatcher(Protocol):
    """Hands delivery to the job queue (Celery in production, in-process when embedded)."""

    def send_task_notification(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> None: ...

    def deliver(self, notification_ids: Sequence[uuid.UUID]) -> None: ...


@dataclass(frozen=True, slots=True)
class PlanTaskNotifications:
    clock: Clock
    dispatcher: NotificationDispatcher

    def __call__(
        self,
        event_type: str,
        event_id: uuid.UUID,
        data: Mapping[str, Any],
        uow: TasksUnitOfWork,
    ) -> list[uuid.UUID]:
        """Record the pending notifications of one event; returns the new rows' ids."""
        audience = audience_of(event_type, data)
        if audience is None or not audience.user_ids:
            return []
        kind = audience.kind
        task_id = uuid.UUID(str(data["task_id"]))
        occasion = (
            due_occasion(task_id, _text(data.get("due_date")))
            if kind in _BY_DUE_DATE
            else str(event_id)
        )
        actor_id = uuid.UUID(str(data["actor_id"])) if data.get("actor_id") else None
        # One read for the recipients and the actor's name.
        people = uow.replica.recipients([*audience.user_ids, *([actor_id] if actor_id else [])])
        actor = people.get(actor_id) if actor_id else None
        context = {name: data[name] for name in _CONTEXT_FIELDS if name in data}
        context["actor_name"] = actor.display_name if actor else None
        now = self.clock.now()
        new = [
            NewNotification(
                id=uuid7(),
                recipient_id=person.user_id,
                recipient_email=person.email,
                task_id=task_id,
                kind=kind,
                occasion=occasion,
                context=context | {"recipient_name": person.display_name},
                created_at=now,
            )
            for user_id in audience.user_ids
            if (person := people.get(user_id)) is not None and person.wants(kind)
        ]
        created = uow.notifications.add(new)
        if created:
            uow.after_commit(
                lambda: self.dispatcher.send_task_notification(task_id, kind, occasion)
            )
        return created


def _text(value: object) -> str | None:
    return None if value is None else str(value)
