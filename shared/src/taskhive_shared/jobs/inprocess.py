"""The schedules of `make run`: a thread that runs each due job in-process (eager app)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from celery import Celery
from celery.schedules import maybe_schedule

logger = logging.getLogger(__name__)


class InProcessBeat:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def run(self, stop: threading.Event) -> None:
        entries = dict(self._app.conf.beat_schedule)
        # Celery's own schedule objects decide when a job is due; a number or a timedelta in a
        # schedule means "every so often", as Celery's beat reads it.
        schedules = {key: maybe_schedule(entry["schedule"]) for key, entry in entries.items()}
        last_run = dict.fromkeys(entries, datetime.now(UTC))
        while not stop.is_set():
            next_wake = 60.0
            for key, entry in entries.items():
                due, next_in = schedules[key].is_due(last_run[key])
                if due:
                    last_run[key] = datetime.now(UTC)
                    self._run(entry["task"])
                next_wake = min(next_wake, max(float(next_in), 0.5))
            stop.wait(next_wake)

    def _run(self, task_name: str) -> None:
        try:
            self._app.tasks[task_name].apply()
        except Exception:  # a failing job must not stop the others' schedules
            logger.exception("scheduled job failed", extra={"job": task_name})
