"""Analytics' background jobs as Celery tasks: thin glue from a task name to a use case.

The tasks get their use cases from a factory the composition root hands over; it builds the
runtime the first time a task runs in a process (after the worker forked), never at import.
Every job is idempotent: a finished report is left alone, an expired one is gone, a
schedule's week is claimed once (a row per schedule and week).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.schedules import crontab

from analytics_service.application.reports import ReportHandlers
from analytics_service.application.schedules import ReportSchedules
from taskhive_shared.jobs.app import job

GENERATE_REPORT = "analytics.generate_report"
EXPIRE_REPORTS = "analytics.expire_reports"
RUN_REPORT_SCHEDULES = "analytics.run_report_schedules"


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        "expire-reports-hourly": {"task": EXPIRE_REPORTS, "schedule": crontab(minute=17)},
        # Slots are whole hours: a pass every 5 minutes sends within 5 minutes of one.
        "run-report-schedules": {
            "task": RUN_REPORT_SCHEDULES,
            "schedule": crontab(minute="*/5"),
        },
    }


def register_jobs(
    app: Celery,
    reports: Callable[[], ReportHandlers],
    schedules: Callable[[], ReportSchedules],
) -> None:
    @job(app, GENERATE_REPORT)
    def generate_report(report_id: str) -> str:
        """Render one report into its file (csv, xlsx or pdf)."""
        return reports().generate(uuid.UUID(report_id))

    @job(app, EXPIRE_REPORTS)
    def expire_reports() -> int:
        """Delete reports, and their files, older than 7 days."""
        return reports().expire()

    @job(app, RUN_REPORT_SCHEDULES)
    def run_report_schedules() -> dict[str, int]:
        """Claim each schedule's due week once, generate its report, e-mail the link."""
        outcome = schedules().run_due()
        return {"claimed": outcome.claimed, "sent": outcome.sent}
