"""Test data made the production way: `users.*` and `tasks.*` envelopes through the
service's real event processor (contract check, inbox, handler, commit)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from taskhive_shared.events.consumer import EventProcessor, Outcome, ProcessResult
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7

PREFERENCES = dict.fromkeys(
    (
        "task_assigned",
        "task_unassigned",
        "task_status_changed",
        "task_commented",
        "task_created",
        "task_overdue",
        "task_due_soon",
        "daily_summary",
    ),
    True,
)


def body(envelope: EventEnvelope) -> bytes:
    return json.dumps(envelope.to_dict()).encode()


@dataclass
class Task:
    task_id: uuid.UUID
    title: str
    created_by: uuid.UUID
    team_id: uuid.UUID | None = None
    assignee_ids: list[uuid.UUID] = field(default_factory=list)
    status: str = "todo"
    version: int = 1


@dataclass
class World:
    processor: EventProcessor

    def deliver(self, envelope: EventEnvelope) -> ProcessResult:
        result = self.processor.process(body(envelope))
        assert result.outcome in (Outcome.APPLIED, Outcome.DUPLICATE), result
        return result

    def user(
        self,
        role: str = "member",
        *,
        team_ids: tuple[uuid.UUID, ...] = (),
        timezone: str = "UTC",
        version: int = 1,
        user_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        user_id = user_id or uuid7()
        name = f"u{uuid.uuid4().hex[:10]}"
        now = datetime.now(UTC).isoformat()
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "username": name,
            "email": f"{name}@example.org",
            "first_name": "",
            "last_name": "",
            "display_name": name,
            "role": role,
            "is_active": True,
            "timezone": timezone,
            "team_ids": [str(team) for team in team_ids],
            "notification_preferences": PREFERENCES,
            "version": version,
            "created_at": now,
            "updated_at": now,
        }
        self.deliver(
            EventEnvelope(
                type="users.user.created.v1", source="users", subject=str(user_id), data=data
            )
        )
        return user_id

    def task(
        self,
        creator: uuid.UUID,
        *,
        team_id: uuid.UUID | None = None,
        assignees: tuple[uuid.UUID, ...] = (),
        status: str = "todo",
    ) -> Task:
        task = Task(
            uuid7(),
            f"task {uuid.uuid4().hex[:6]}",
            creator,
            team_id,
            list(assignees),
            status,
        )
        self.deliver(self.task_event(task, "tasks.task.created.v1"))
        return task

    def task_event(
        self,
        task: Task,
        event_type: str,
        *,
        occurred_at: datetime | None = None,
        **extra: Any,
    ) -> EventEnvelope:
        data: dict[str, Any] = {
            "task_id": str(task.task_id),
            "title": task.title,
            "status": task.status,
            "priority": "medium",
            "due_date": None,
            "story_points": None,
            "team_id": str(task.team_id) if task.team_id else None,
            "parent_task_id": None,
            "created_by": str(task.created_by),
            "assignee_ids": [str(user) for user in task.assignee_ids],
            "tags": [],
            "is_archived": False,
            "is_overdue": False,
            "version": task.version,
            "actor_id": str(task.created_by),
            "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        } | extra
        return EventEnvelope(type=event_type, source="tasks", subject=str(task.task_id), data=data)

    def move(
        self, task: Task, status: str, *, occurred_at: datetime | None = None
    ) -> EventEnvelope:
        """The envelope of the task's next status change (not delivered)."""
        old = task.status
        task.status = status
        task.version += 1
        return self.task_event(
            task,
            "tasks.task.status_changed.v1",
            occurred_at=occurred_at,
            old_status=old,
            new_status=status,
        )

    def calendar_event(
        self,
        calendar_id: uuid.UUID,
        version: int,
        *,
        kind: str = "updated",
        timezone: str = "UTC",
        working_days: tuple[int, ...] = (1, 2, 3, 4, 5),
        day_start: str = "09:00:00",
        day_end: str = "17:00:00",
        holidays: tuple[str, ...] = (),
    ) -> EventEnvelope:
        """A `tasks.calendar.*` envelope as the tasks service publishes it (not delivered)."""
        data: dict[str, Any] = {
            "calendar_id": str(calendar_id),
            "version": version,
            "actor_id": str(uuid7()),
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        if kind == "snapshot":  # `tasks-service publish-snapshots`: nobody's change
            data |= {"actor_id": None, "updated_at": data["occurred_at"]}
        if kind != "deleted":
            data |= {
                "name": f"calendar {version}",
                "timezone": timezone,
                "working_days": list(working_days),
                "day_start": day_start,
                "day_end": day_end,
                "holidays": list(holidays),
            }
        return EventEnvelope(
            type=f"tasks.calendar.{kind}.v1", source="tasks", subject=str(calendar_id), data=data
        )

    def team_settings_event(
        self,
        team_id: uuid.UUID,
        calendar_id: uuid.UUID | None,
        version: int,
        *,
        kind: str = "updated",
    ) -> EventEnvelope:
        data: dict[str, Any] = {
            "team_id": str(team_id),
            "calendar_id": str(calendar_id) if calendar_id else None,
            "auto_assign": "off",
            "version": version,
            "actor_id": str(uuid7()),
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        if kind == "snapshot":
            data |= {"actor_id": None, "updated_at": data["occurred_at"]}
        return EventEnvelope(
            type=f"tasks.team_settings.{kind}.v1", source="tasks", subject=str(team_id), data=data
        )
