"""The report queue on Celery: the job is `analytics.generate_report(report_id)`."""

from __future__ import annotations

import uuid

from celery import Celery


class CeleryReportQueue:
    def __init__(self, app: Celery, task_name: str) -> None:
        self._app = app
        self._task_name = task_name

    def enqueue(self, report_id: uuid.UUID) -> None:
        # In-process mode (eager) runs the job right here, after the request's commit.
        self._app.tasks[self._task_name].apply_async(kwargs={"report_id": str(report_id)})
