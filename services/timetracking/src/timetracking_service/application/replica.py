"""The replicas of tasks, users and working calendars, fed by their events (and the
workflow's timers)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from timetracking_service.application.ports import Clock, TaskSummary, TimeUnitOfWork
from timetracking_service.application.timers import follow_workflow
from timetracking_service.domain.calendar import WorkingCalendar
from timetracking_service.domain.model import Member, Role, TaskRef


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def task_summary(data: dict[str, Any], deleted: bool = False) -> TaskSummary:
    created_by = uuid.UUID(data["created_by"])
    task = TaskRef(
        task_id=uuid.UUID(data["task_id"]),
        title=data["title"],
        team_id=_uuid(data.get("team_id")),
        created_by=created_by,
        assignee_ids=frozenset(uuid.UUID(a) for a in data["assignee_ids"]),
        status=data["status"],
        is_archived=bool(data["is_archived"]) or deleted,
    )
    return TaskSummary(task=task, version=int(data["version"]), deleted=deleted)


class Replicas:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def apply_task(self, data: dict[str, Any], uow: TimeUnitOfWork, *, deleted: bool) -> None:
        """Newer summaries replace older ones; a stale one (reordered, redelivered after a
        newer) changes nothing, timers included."""
        summary = task_summary(data, deleted)
        before = uow.tasks.apply(summary)
        if before is False:
            return
        at = datetime.fromisoformat(data["occurred_at"])
        follow_workflow(
            uow,
            before if isinstance(before, TaskRef) else None,
            summary.task,
            data.get("old_status"),
            at,
            self._clock.now(),
        )

    def apply_user(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        member = Member(
            user_id=uuid.UUID(data["user_id"]),
            role=Role(data["role"]),
            timezone=data["timezone"],
            team_ids=frozenset(uuid.UUID(t) for t in data["team_ids"]),
            is_active=bool(data["is_active"]),
            email=data["email"],
            display_name=data["display_name"],
        )
        uow.members.upsert(member, int(data["version"]))

    def deactivate_user(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        uow.members.set_active(uuid.UUID(data["user_id"]), False)

    def team_member_added(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        uow.members.join_team(uuid.UUID(data["user_id"]), uuid.UUID(data["team_id"]))

    def team_member_removed(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        uow.members.leave_team(uuid.UUID(data["user_id"]), uuid.UUID(data["team_id"]))

    def team_deleted(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        uow.members.drop_team(uuid.UUID(data["team_id"]))

    def apply_calendar(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        """`tasks.calendar.created|updated|snapshot.v1`: the newest version wins (reordering
        safe; a snapshot older than a deletion's tombstone does not bring the calendar back)."""
        calendar = WorkingCalendar(
            timezone=data["timezone"],
            working_days=frozenset(int(day) for day in data["working_days"]),
            day_start=time.fromisoformat(data["day_start"]),
            day_end=time.fromisoformat(data["day_end"]),
            holidays=frozenset(date.fromisoformat(day) for day in data["holidays"]),
        )
        uow.calendars.apply_calendar(uuid.UUID(data["calendar_id"]), calendar, int(data["version"]))

    def calendar_deleted(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        """A tombstone at the deletion's version: an older update arriving late is ignored."""
        uow.calendars.apply_calendar(uuid.UUID(data["calendar_id"]), None, int(data["version"]))

    def apply_team_settings(self, data: dict[str, Any], uow: TimeUnitOfWork) -> None:
        """`tasks.team_settings.updated|snapshot.v1`: the newest version wins."""
        uow.calendars.apply_team(
            uuid.UUID(data["team_id"]), _uuid(data.get("calendar_id")), int(data["version"])
        )
