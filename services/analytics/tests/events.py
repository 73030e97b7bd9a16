"""Event builders of the analytics tests: a task's life as tasks publishes it, users, teams."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
"""A Monday morning, the start of every scripted task life."""


class TaskScript:
    """Builds the envelopes of one task's life, with versions and times like tasks writes."""

    def __init__(self, *, created_by: uuid.UUID, **fields: Any) -> None:
        self.task_id = uuid7()
        self.version = 0
        self.state: dict[str, Any] = {
            "task_id": str(self.task_id),
            "title": "A task",
            "status": "todo",
            "priority": "medium",
            "due_date": None,
            "story_points": None,
            "team_id": None,
            "parent_task_id": None,
            "created_by": str(created_by),
            "assignee_ids": [],
            "tags": [],
            "is_archived": False,
            "is_overdue": False,
        } | fields
        self.history: list[dict[str, str]] = []
        self.created_at: datetime | None = None

    def _event(self, event_type: str, at: datetime, **extra: Any) -> EventEnvelope:
        self.version += 1
        data = self.state | {
            "version": self.version,
            "actor_id": self.state["created_by"],
            "occurred_at": at.isoformat(),
        }
        return EventEnvelope(
            type=event_type, source="tasks", subject=str(self.task_id), data=data | extra
        )

    def created(self, at: datetime) -> EventEnvelope:
        self.created_at = at
        self.history.append({"status": self.state["status"], "at": at.isoformat()})
        return self._event("tasks.task.created.v1", at)

    def moved(self, status: str, at: datetime) -> EventEnvelope:
        old = self.state["status"]
        self.state["status"] = status
        self.history.append({"status": status, "at": at.isoformat()})
        return self._event("tasks.task.status_changed.v1", at, old_status=old, new_status=status)

    def updated(self, at: datetime, **fields: Any) -> EventEnvelope:
        self.state |= fields
        changes = {name: {"old": None, "new": value} for name, value in fields.items()}
        return self._event("tasks.task.updated.v1", at, changes=changes)

    def assigned(self, at: datetime, *people: uuid.UUID) -> EventEnvelope:
        self.state["assignee_ids"] = sorted({*self.state["assignee_ids"], *map(str, people)})
        return self._event("tasks.task.assigned.v1", at, user_ids=[str(p) for p in people])

    def snapshot(self, at: datetime) -> EventEnvelope:
        """What `tasks-service publish-snapshots` writes for the task now (no new version)."""
        assert self.created_at is not None
        data = self.state | {
            "version": self.version,
            "actor_id": None,
            "occurred_at": at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "status_history": list(self.history),
        }
        return EventEnvelope(
            type="tasks.task.snapshot.v1", source="tasks", subject=str(self.task_id), data=data
        )


PREFERENCES = (
    "task_assigned",
    "task_unassigned",
    "task_status_changed",
    "task_commented",
    "task_created",
    "task_overdue",
    "task_due_soon",
    "daily_summary",
)


def user_event(
    user_id: uuid.UUID, role: str = "member", version: int = 1, timezone: str = "UTC"
) -> EventEnvelope:
    now = datetime.now(UTC).isoformat()
    name = f"u{user_id.hex[:12]}"
    return EventEnvelope(
        type="users.user.updated.v1" if version > 1 else "users.user.created.v1",
        source="users",
        subject=str(user_id),
        data={
            "user_id": str(user_id),
            "username": name,
            "email": f"{name}@example.org",
            "first_name": "",
            "last_name": "",
            "display_name": name,
            "role": role,
            "is_active": True,
            "timezone": timezone,
            "team_ids": [],
            "notification_preferences": dict.fromkeys(PREFERENCES, True),
            "version": version,
            "created_at": now,
            "updated_at": now,
        },
    )


def team_event(
    team_id: uuid.UUID, members: list[uuid.UUID], version: int = 1, name: str = "Team"
) -> EventEnvelope:
    return EventEnvelope(
        type="users.team.updated.v1" if version > 1 else "users.team.created.v1",
        source="users",
        subject=str(team_id),
        data={
            "team_id": str(team_id),
            "name": f"{name} {team_id.hex[:6]}",
            "member_ids": [str(m) for m in members],
            "version": version,
            "description": "",
            "created_by": str(members[0]) if members else str(uuid7()),
            "updated_at": datetime.now(UTC).isoformat(),
        },
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
