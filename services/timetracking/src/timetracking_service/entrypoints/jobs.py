"""Timetracking's background jobs as Celery tasks: thin glue from a task name to a use case.

The use cases come from `jobs`, a factory the composition root hands over; it builds the
runtime the first time a task runs in a process, never at import. The weekly e-mail is
idempotent (a row per manager and week), so a second run of a job is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.schedules import crontab

from taskhive_shared.idempotency import PurgeExpiredIdempotencyKeys
from taskhive_shared.jobs.app import job
from timetracking_service.application.overtime_report import OvertimeReports

EMAIL_OVERTIME = "timetracking.email_overtime"
PURGE_IDEMPOTENCY_KEYS = "timetracking.purge_idempotency_keys"


def beat_schedule(iso_weekday: int, hour: int) -> dict[str, dict[str, Any]]:
    """Once a week (Celery counts Sunday as 0, ISO as 7), at `hour`:00 UTC."""
    return {
        EMAIL_OVERTIME: {
            "task": EMAIL_OVERTIME,
            "schedule": crontab(minute=0, hour=hour, day_of_week=iso_weekday % 7),
        },
        PURGE_IDEMPOTENCY_KEYS: {
            "task": PURGE_IDEMPOTENCY_KEYS,
            "schedule": crontab(minute=50, hour=4),
        },
    }


def register_jobs(
    app: Celery,
    reports: Callable[[], OvertimeReports],
    purge: Callable[[], PurgeExpiredIdempotencyKeys],
) -> None:
    @job(app, EMAIL_OVERTIME)
    def email_overtime() -> dict[str, int]:
        """E-mail each manager the overtime of their teams' members for last week."""
        return {"sent": reports().send()}

    @job(app, PURGE_IDEMPOTENCY_KEYS)
    def purge_idempotency_keys() -> dict[str, int]:
        """Delete Idempotency-Key records past their replay window, in batches."""
        return {"purged": purge()()}
