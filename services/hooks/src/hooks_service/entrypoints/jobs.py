"""Hooks' background jobs as Celery tasks: one delivery attempt, the sweeper of due
deliveries, the event log's retention."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Celery

from hooks_service.application.delivery import DeliverWebhookHandler, SweepDueDeliveriesHandler
from taskhive_shared.jobs.app import job

DELIVER = "hooks.deliver"
SWEEP_DUE = "hooks.sweep_due_deliveries"
PURGE_EVENTS = "hooks.purge_events"
JOB_NAMES = (DELIVER, SWEEP_DUE, PURGE_EVENTS)


@dataclass(frozen=True, slots=True)
class HooksJobs:
    deliver: DeliverWebhookHandler
    sweep_due: SweepDueDeliveriesHandler
    purge_events: Callable[[], int]


def beat_schedule(sweep_seconds: int) -> dict[str, dict[str, Any]]:
    return {
        "sweep-due-deliveries": {"task": SWEEP_DUE, "schedule": timedelta(seconds=sweep_seconds)},
        "purge-events-hourly": {"task": PURGE_EVENTS, "schedule": timedelta(hours=1)},
    }


def register_jobs(app: Celery, jobs: Callable[[], HooksJobs]) -> None:
    @job(app, DELIVER)
    def deliver(delivery_id: str) -> str:
        """One attempt of one delivery (the retry is scheduled by the use case itself)."""
        return jobs().deliver(uuid.UUID(delivery_id)).value

    @job(app, SWEEP_DUE)
    def sweep_due_deliveries() -> int:
        """Enqueue due pending deliveries no worker holds (lost jobs, retries, turns)."""
        return jobs().sweep_due()

    @job(app, PURGE_EVENTS)
    def purge_events() -> int:
        """Forget logged events past their retention (stream resume, activity feed)."""
        return jobs().purge_events()
