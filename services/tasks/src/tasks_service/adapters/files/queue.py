"""The FileJobQueue port on Celery: a job's run goes to the service's worker."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from tasks_service.application.file_jobs import RUN_FILE_JOB
from tasks_service.domain.file_jobs import FileJob


class CeleryFileJobQueue:
    def __init__(self, app: Callable[[], Celery]) -> None:
        self._app = app

    def run(self, job: FileJob) -> None:
        self._app().tasks[RUN_FILE_JOB].apply_async(kwargs={"job_id": str(job.id)})
