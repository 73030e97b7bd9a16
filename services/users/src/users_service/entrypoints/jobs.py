"""Users' background jobs as Celery tasks: thin glue from a task name to a use case.

The tasks get their use cases from `jobs`, a factory the composition root hands over; it
builds the runtime the first time a task runs in a process (after the worker forked), never at
import. Every job is idempotent: Celery acknowledges late and may run one twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.schedules import crontab

from taskhive_shared.idempotency import PurgeExpiredIdempotencyKeys
from taskhive_shared.jobs.app import job
from taskhive_shared.mail.message import MailDeliveryError
from users_service.application.welcome_email import (
    SendWelcomeEmailHandler,
    SweepWelcomeEmailsHandler,
)

SEND_WELCOME_EMAIL = "users.send_welcome_email"
SEND_PENDING_WELCOME_EMAILS = "users.send_pending_welcome_emails"
PURGE_IDEMPOTENCY_KEYS = "users.purge_idempotency_keys"


@dataclass(frozen=True, slots=True)
class UsersJobs:
    send_welcome_email: SendWelcomeEmailHandler
    sweep_welcome_emails: SweepWelcomeEmailsHandler
    purge_idempotency_keys: PurgeExpiredIdempotencyKeys


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Of a transient SMTP failure: exponential back-off (with jitter), a bounded count."""

    backoff_seconds: int = 30
    backoff_max_seconds: int = 1800
    max_retries: int = 6


def beat_schedule(purge_hour: int) -> dict[str, dict[str, Any]]:
    return {
        "send-pending-welcome-emails": {
            "task": SEND_PENDING_WELCOME_EMAILS,
            "schedule": crontab(minute="*/10"),
        },
        "purge-idempotency-keys-daily": {
            "task": PURGE_IDEMPOTENCY_KEYS,
            "schedule": crontab(minute=30, hour=purge_hour),
        },
    }


def register_jobs(app: Celery, jobs: Callable[[], UsersJobs], retry: RetryPolicy) -> None:
    @job(
        app,
        SEND_WELCOME_EMAIL,
        # Only transient failures get here: a permanent one is recorded and not raised.
        autoretry_for=(MailDeliveryError,),
        retry_backoff=retry.backoff_seconds,
        retry_backoff_max=retry.backoff_max_seconds,
        retry_jitter=True,
        max_retries=retry.max_retries,
    )
    def send_welcome_email(user_id: str) -> str:
        """Send one profile's welcome email unless it was sent (or refused) already."""
        return jobs().send_welcome_email(uuid.UUID(user_id)).value

    @job(app, SEND_PENDING_WELCOME_EMAILS)
    def send_pending_welcome_emails() -> int:
        """Enqueue the welcome emails of recent profiles that have none sent or on its way."""
        return jobs().sweep_welcome_emails()

    @job(app, PURGE_IDEMPOTENCY_KEYS)
    def purge_idempotency_keys() -> int:
        """Delete Idempotency-Key records past their replay window, in batches."""
        return jobs().purge_idempotency_keys()
