"""Audit's background job: retention (`audit.purge_records`, daily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.schedules import crontab

from audit_service.application.queries import PurgeExpiredRecordsHandler
from taskhive_shared.jobs.app import job

PURGE_RECORDS = "audit.purge_records"


def beat_schedule(hour: int) -> dict[str, dict[str, Any]]:
    return {
        "purge-records-daily": {"task": PURGE_RECORDS, "schedule": crontab(minute=45, hour=hour)}
    }


def register_jobs(app: Celery, purge: Callable[[], PurgeExpiredRecordsHandler]) -> None:
    @job(app, PURGE_RECORDS)
    def purge_records() -> dict[str, int]:
        """Drop records older than AUDIT_RETENTION_DAYS; the chain's anchor moves with them."""
        return {"purged": purge()()}
