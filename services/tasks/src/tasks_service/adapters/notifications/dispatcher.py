"""The NotificationDispatcher port on Celery: enqueue the delivery jobs, never deliver inline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from celery import Celery

from tasks_service.application.notifications.ports import (
    DELIVER_NOTIFICATIONS,
    SEND_TASK_NOTIFICATION,
)
from tasks_service.domain.notifications import NotificationType


class CeleryNotificationDispatcher:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def send_task_notification(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> None:
        self._app.tasks[SEND_TASK_NOTIFICATION].apply_async(
            kwargs={
                "task_id": str(task_id),
                "notification_type": kind.value,
                "occasion": occasion,
            }
        )

    def deliver(self, notification_ids: Sequence[uuid.UUID]) -> None:
        self._app.tasks[DELIVER_NOTIFICATIONS].apply_async(
            kwargs={"notification_ids": [str(i) for i in notification_ids]}
        )
