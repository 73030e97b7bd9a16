"""The SlaJobs port on Celery: the re-apply job is enqueued after the commit, never run
inline. The jobs app is attached once built (`build_jobs_app`): until then (a process that
never enqueues), the nightly run of the job catches up."""

from __future__ import annotations

from celery import Celery

from tasks_service.application.sla import REAPPLY_SLA_POLICIES


class CelerySlaJobs:
    def __init__(self) -> None:
        self._app: Celery | None = None

    def attach(self, app: Celery) -> None:
        self._app = app

    def reapply_sla_policies(self) -> None:
        if self._app is not None:
            self._app.tasks[REAPPLY_SLA_POLICIES].apply_async()
