"""The tasks service's Celery jobs: names, schedules, and the thin glue to the use cases.

Jobs take and return plain JSON; each one is idempotent (see application/scheduled.py and
application/deliver.py), so Celery's at-least-once delivery (acks_late, requeue when a
worker dies) never doubles an effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab, schedule

from taskhive_shared.idempotency import PurgeExpiredIdempotencyKeys
from taskhive_shared.jobs.app import job
from tasks_service.application.file_jobs import PURGE_EXPIRED_FILES, RUN_FILE_JOB, FileJobs
from tasks_service.application.notifications.delivery import DeliverNotifications, DeliveryReport
from tasks_service.application.notifications.ports import (
    DELIVER_NOTIFICATIONS,
    SEND_TASK_NOTIFICATION,
)
from tasks_service.application.purge_archived import PurgeArchivedTasksHandler
from tasks_service.application.recurrence import SPAWN_DUE_OCCURRENCES, SpawnDueOccurrences
from tasks_service.application.scheduled import (
    CheckOverdueTasks,
    GenerateDailySummaries,
    RemindDueSoonTasks,
    RetryStaleNotifications,
)
from tasks_service.application.scores import RefreshScores
from tasks_service.application.sla import (
    ESCALATE_SLAS,
    REAPPLY_SLA_POLICIES,
    EscalateSlas,
    ReapplySlaPolicies,
)
from tasks_service.domain.notifications import NotificationType

SERVICE = "tasks"
CHECK_OVERDUE_TASKS = "tasks.check_overdue_tasks"
REMIND_DUE_SOON_TASKS = "tasks.remind_due_soon_tasks"
GENERATE_DAILY_SUMMARY = "tasks.generate_daily_summary"
CLEANUP_ARCHIVED_TASKS = "tasks.cleanup_archived_tasks"
RETRY_STALE_NOTIFICATIONS = "tasks.retry_stale_notifications"
PURGE_IDEMPOTENCY_KEYS = "tasks.purge_idempotency_keys"
REFRESH_SCORES = "tasks.refresh_scores"

# Delivery retries (SMTP down or 4xx): 30 s, 1 min, 2 min, 4 min, 8 min…; then the sweeper.
RETRY_BASE_SECONDS = 30

SCHEDULE: dict[str, dict[str, Any]] = {
    "check-overdue-tasks": {"task": CHECK_OVERDUE_TASKS, "schedule": crontab(minute=5)},
    "remind-due-soon-tasks": {"task": REMIND_DUE_SOON_TASKS, "schedule": crontab(minute=10)},
    # Hourly: each run takes the people whose local hour is TASKS_DAILY_SUMMARY_HOUR.
    "generate-daily-summary": {"task": GENERATE_DAILY_SUMMARY, "schedule": crontab(minute=0)},
    "cleanup-archived-tasks": {
        "task": CLEANUP_ARCHIVED_TASKS,
        "schedule": crontab(minute=30, hour=3, day_of_week=0),
    },
    "retry-stale-notifications": {
        "task": RETRY_STALE_NOTIFICATIONS,
        "schedule": crontab(minute="*/10"),
    },
    "purge-idempotency-keys": {
        "task": PURGE_IDEMPOTENCY_KEYS,
        "schedule": crontab(minute=45, hour=4),
    },
    # Due proximity and age move with the clock: a score is at most 15 minutes stale.
    "refresh-scores": {"task": REFRESH_SCORES, "schedule": crontab(minute="*/15")},
    # A breach is seen within 60 s: the SLA instants that have come, every 30 s (ADR 0020).
    "escalate-slas": {"task": ESCALATE_SLAS, "schedule": schedule(timedelta(seconds=30))},
    # `from_due_date` series whose next date came (done occurrences beget at once).
    "spawn-due-occurrences": {
        "task": SPAWN_DUE_OCCURRENCES,
        "schedule": crontab(minute="*/5"),
    },
    # Enqueued after every policy or calendar change; nightly as well, for a lost enqueue.
    "reapply-sla-policies": {
        "task": REAPPLY_SLA_POLICIES,
        "schedule": crontab(minute=20, hour=2),
    },
    # Export and import files are kept 7 days (ADR 0026).
    "purge-expired-files": {"task": PURGE_EXPIRED_FILES, "schedule": crontab(minute=20, hour=4)},
}


@dataclass(frozen=True, slots=True)
class TasksJobs:
    deliver: DeliverNotifications
    check_overdue: CheckOverdueTasks
    remind_due_soon: RemindDueSoonTasks
    daily_summary: GenerateDailySummaries
    retry_stale: RetryStaleNotifications
    purge_idempotency: PurgeExpiredIdempotencyKeys
    purge_archived: PurgeArchivedTasksHandler
    archive_retention: timedelta
    refresh_scores: RefreshScores
    escalate_slas: EscalateSlas
    reapply_sla_policies: ReapplySlaPolicies
    file_jobs: FileJobs
    spawn_due_occurrences: SpawnDueOccurrences


def _report(job: Task, report: DeliveryReport, retries: int) -> dict[str, int]:
    # In-process (`make run`) a retry would run again at once, with no back-off: the rows stay
    # pending for the sweeper instead. With a broker, only the rows still pending are tried
    # again (delivery is idempotent per row); after the last retry the sweeper takes over.
    if report.to_retry and not job.request.is_eager and job.request.retries < retries:
        countdown = RETRY_BASE_SECONDS * 2**job.request.retries
        raise job.retry(countdown=countdown, max_retries=retries)
    return {
        "sent": report.sent,
        "failed": report.failed,
        "skipped": report.skipped,
        "pending": len(report.to_retry),
    }


def _when(now: str | None) -> datetime | None:
    return datetime.fromisoformat(now) if now else None


def register_jobs(app: Celery, jobs: Callable[[], TasksJobs], retries: int = 5) -> None:
    """`jobs()` builds the use cases on first call in each worker process (after fork);
    `retries`: of a delivery job after a temporary SMTP failure."""

    @job(app, SEND_TASK_NOTIFICATION, bind=True)
    def send_task_notification(
        self: Task, task_id: str, notification_type: str, occasion: str
    ) -> dict[str, int]:
        deliver = jobs().deliver
        pending = deliver.pending_of_task(
            uuid.UUID(task_id), NotificationType(notification_type), occasion
        )
        return _report(self, deliver(pending), retries)

    @job(app, DELIVER_NOTIFICATIONS, bind=True)
    def deliver_notifications(self: Task, notification_ids: list[str]) -> dict[str, int]:
        return _report(self, jobs().deliver([uuid.UUID(i) for i in notification_ids]), retries)

    @job(app, CHECK_OVERDUE_TASKS)
    def check_overdue_tasks(now: str | None = None) -> dict[str, int]:
        return {"flagged": jobs().check_overdue(_when(now))}

    @job(app, REMIND_DUE_SOON_TASKS)
    def remind_due_soon_tasks(now: str | None = None) -> dict[str, int]:
        return {"reminded": jobs().remind_due_soon(_when(now))}

    @job(app, GENERATE_DAILY_SUMMARY)
    def generate_daily_summary(now: str | None = None) -> dict[str, int]:
        return jobs().daily_summary(_when(now))

    @job(app, CLEANUP_ARCHIVED_TASKS)
    def cleanup_archived_tasks() -> dict[str, int]:
        services = jobs()
        return {"deleted": services.purge_archived(services.archive_retention)}

    @job(app, RETRY_STALE_NOTIFICATIONS)
    def retry_stale_notifications() -> dict[str, int]:
        return {"re_enqueued": jobs().retry_stale()}

    @job(app, REFRESH_SCORES)
    def refresh_scores(now: str | None = None, full: bool = False) -> dict[str, int]:
        return {"changed": jobs().refresh_scores(_when(now), full)}

    @job(app, ESCALATE_SLAS)
    def escalate_slas(now: str | None = None) -> dict[str, int]:
        return jobs().escalate_slas(_when(now))

    @job(app, REAPPLY_SLA_POLICIES)
    def reapply_sla_policies(now: str | None = None) -> dict[str, int]:
        return jobs().reapply_sla_policies(_when(now))

    @job(app, SPAWN_DUE_OCCURRENCES)
    def spawn_due_occurrences(now: str | None = None) -> dict[str, int]:
        return jobs().spawn_due_occurrences(_when(now))

    @job(app, PURGE_IDEMPOTENCY_KEYS)
    def purge_idempotency_keys() -> dict[str, int]:
        return {"purged": jobs().purge_idempotency()}

    @job(app, RUN_FILE_JOB)
    def run_file_job(job_id: str) -> dict[str, str]:
        return {"status": jobs().file_jobs.run(uuid.UUID(job_id)).value}

    @job(app, PURGE_EXPIRED_FILES)
    def purge_expired_files() -> dict[str, int]:
        return {"removed": jobs().file_jobs.purge_expired_files()}
