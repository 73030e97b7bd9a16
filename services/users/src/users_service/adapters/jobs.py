"""The WelcomeEmailQueue port on a Celery app: enqueue the job by its task name."""

from __future__ import annotations

import logging
import uuid

from celery import Celery

logger = logging.getLogger(__name__)


class CeleryWelcomeEmailQueue:
    def __init__(self, app: Celery, task_name: str) -> None:
        self._app = app
        self._task_name = task_name

    def enqueue(self, user_id: uuid.UUID) -> None:
        task = self._app.tasks[self._task_name]
        if not self._app.conf.task_always_eager:
            task.apply_async(kwargs={"user_id": str(user_id)})
            return
        # In-process mode runs the job right here: its failure (SMTP down, a retry it asks
        # for) is recorded on the welcome row and left to the sweeper, never raised into the
        # caller, whose data is already committed.
        try:
            task.apply_async(kwargs={"user_id": str(user_id)})
        except Exception as exc:
            logger.warning(
                "welcome email not sent now; the sweeper retries it",
                extra={"user_id": str(user_id), "error": repr(exc)},
            )
