"""`actual_hours` from timetracking (ADR 0022): each `timetracking.entry.*` event carries the
task's logged minutes after the change and a roll-up version; the newest one is kept."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.domain.errors import ValidationFailed

READ_ONLY = "Read-only: the task has time entries, whose sum it shows (docs/API.md, Time)."


def apply_time_rollup(data: dict[str, Any], uow: TasksUnitOfWork) -> bool:
    return uow.time_rollups.apply(
        uuid.UUID(data["task_id"]),
        int(data["task_logged_minutes"]),
        int(data["task_rollup_version"]),
        datetime.fromisoformat(str(data["occurred_at"]).replace("Z", "+00:00")),
    )


def check_hours_writable(uow: TasksUnitOfWork, task_id: uuid.UUID, fields: set[str]) -> None:
    """A client may set `actual_hours` only on a task without time entries."""
    if "actual_hours" in fields and uow.time_rollups.tracked(task_id):
        raise ValidationFailed.single("actual_hours", READ_ONLY)
