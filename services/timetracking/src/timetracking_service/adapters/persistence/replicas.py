"""The task and user replicas, fed by the consumer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from timetracking_service.adapters.persistence.tables import (
    calendars,
    tasks,
    team_calendars,
    users,
)
from timetracking_service.application.ports import TaskSummary
from timetracking_service.domain.calendar import WorkingCalendar
from timetracking_service.domain.model import Member, Role, TaskRef


def _task(row: Any) -> TaskRef:
    return TaskRef(
        task_id=row.task_id,
        title=row.title,
        team_id=row.team_id,
        created_by=row.created_by,
        assignee_ids=frozenset(row.assignee_ids),
        status=row.status,
        is_archived=row.is_archived,
    )


def _member(row: Any) -> Member:
    return Member(
        user_id=row.user_id,
        role=Role(row.role),
        timezone=row.timezone,
        team_ids=frozenset(row.team_ids),
        is_active=row.is_active,
        email=row.email,
        display_name=row.display_name,
    )


class SqlAlchemyTaskReplica:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, task_id: uuid.UUID) -> TaskRef | None:
        row = self._session.execute(sa.select(tasks).where(tasks.c.task_id == task_id)).first()
        return _task(row) if row is not None else None

    def titles(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not task_ids:
            return {}
        rows = self._session.execute(
            sa.select(tasks.c.task_id, tasks.c.title).where(tasks.c.task_id.in_(list(task_ids)))
        )
        return {row.task_id: row.title for row in rows}

    def apply(self, summary: TaskSummary) -> TaskRef | bool | None:
        task = summary.task
        current = self._session.execute(
            sa.select(tasks).where(tasks.c.task_id == task.task_id).with_for_update()
        ).first()
        if current is not None and current.version >= summary.version:
            return False
        values = {
            "title": task.title,
            "team_id": task.team_id,
            "created_by": task.created_by,
            "assignee_ids": sorted(task.assignee_ids),
            "status": task.status,
            "is_archived": task.is_archived,
            "version": summary.version,
        }
        statement = postgresql.insert(tasks).values(task_id=task.task_id, **values)
        self._session.execute(
            statement.on_conflict_do_update(index_elements=[tasks.c.task_id], set_=values)
        )
        return _task(current) if current is not None else None

    def next_rollup_version(self, task_id: uuid.UUID) -> int:
        version = self._session.execute(
            tasks.update()
            .where(tasks.c.task_id == task_id)
            .values(rollup_version=tasks.c.rollup_version + 1)
            .returning(tasks.c.rollup_version)
        ).scalar_one_or_none()
        return int(version or 0)


class SqlAlchemyMemberReplica:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: uuid.UUID) -> Member | None:
        row = self._session.execute(sa.select(users).where(users.c.user_id == user_id)).first()
        return _member(row) if row is not None else None

    def upsert(self, member: Member, version: int) -> None:
        values = {
            "role": member.role.value,
            "timezone": member.timezone,
            "team_ids": sorted(member.team_ids),
            "is_active": member.is_active,
            "email": member.email,
            "display_name": member.display_name,
            "version": version,
        }
        statement = postgresql.insert(users).values(user_id=member.user_id, **values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[users.c.user_id],
                set_=values,
                where=users.c.version < statement.excluded.version,
            )
        )

    def set_active(self, user_id: uuid.UUID, active: bool) -> None:
        self._session.execute(
            users.update().where(users.c.user_id == user_id).values(is_active=active)
        )

    def join_team(self, user_id: uuid.UUID, team_id: uuid.UUID) -> None:
        self._session.execute(
            users.update()
            .where(users.c.user_id == user_id, sa.not_(users.c.team_ids.any_() == team_id))
            .values(team_ids=sa.func.array_append(users.c.team_ids, team_id))
        )

    def leave_team(self, user_id: uuid.UUID, team_id: uuid.UUID) -> None:
        self._session.execute(
            users.update()
            .where(users.c.user_id == user_id)
            .values(team_ids=sa.func.array_remove(users.c.team_ids, team_id))
        )

    def drop_team(self, team_id: uuid.UUID) -> None:
        self._session.execute(
            users.update()
            .where(users.c.team_ids.contains([team_id]))
            .values(team_ids=sa.func.array_remove(users.c.team_ids, team_id))
        )

    def of_team(self, team_id: uuid.UUID) -> list[Member]:
        rows = self._session.execute(
            sa.select(users).where(users.c.team_ids.contains([team_id]), users.c.is_active)
        )
        return [_member(row) for row in rows]

    def managers(self) -> list[Member]:
        rows = self._session.execute(
            sa.select(users).where(users.c.role.in_(("manager", "admin")), users.c.is_active)
        )
        return [_member(row) for row in rows]


# A user in several teams works the calendar of the first of their teams (by team id) that
# has one (ADR 0022); none: the default. One statement for every owner of a team's week.
_CALENDARS_OF_USERS = sa.text(
    """
    SELECT DISTINCT ON (u.user_id) u.user_id, c.timezone, c.working_days, c.day_start,
           c.day_end, c.holidays
    FROM timetracking.users AS u
    CROSS JOIN LATERAL unnest(u.team_ids) AS t(team_id)
    JOIN timetracking.team_calendars AS tc ON tc.team_id = t.team_id
    JOIN timetracking.calendars AS c ON c.calendar_id = tc.calendar_id AND NOT c.deleted
    WHERE u.user_id = ANY(:users)
    ORDER BY u.user_id, t.team_id
    """
)


class SqlAlchemyCalendarReplica:
    """Calendars and teams' choices, each kept at its newest version: a stale or redelivered
    event changes nothing, and a deleted calendar stays as a tombstone at its last version."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def apply_calendar(
        self, calendar_id: uuid.UUID, calendar: WorkingCalendar | None, version: int
    ) -> bool:
        values: dict[str, Any] = {"deleted": calendar is None, "version": version}
        if calendar is not None:
            values |= {
                "timezone": calendar.timezone,
                "working_days": sorted(calendar.working_days),
                "day_start": calendar.day_start,
                "day_end": calendar.day_end,
                "holidays": sorted(calendar.holidays),
            }
        insert = postgresql.insert(calendars).values(
            calendar_id=calendar_id,
            **(
                values
                | {
                    "timezone": values.get("timezone", "UTC"),
                    "working_days": values.get("working_days", []),
                    "day_start": values.get("day_start", time(0)),
                    "day_end": values.get("day_end", time(0)),
                    "holidays": values.get("holidays", []),
                }
            ),
        )
        stored = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[calendars.c.calendar_id],
                set_=values,
                where=calendars.c.version < version,
            ).returning(calendars.c.calendar_id)
        ).first()
        return stored is not None

    def apply_team(self, team_id: uuid.UUID, calendar_id: uuid.UUID | None, version: int) -> bool:
        values = {"calendar_id": calendar_id, "version": version}
        insert = postgresql.insert(team_calendars).values(team_id=team_id, **values)
        stored = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[team_calendars.c.team_id],
                set_=values,
                where=team_calendars.c.version < version,
            ).returning(team_calendars.c.team_id)
        ).first()
        return stored is not None

    def for_users(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, WorkingCalendar]:
        if not user_ids:
            return {}
        rows = self._session.execute(_CALENDARS_OF_USERS, {"users": list(user_ids)})
        return {
            row.user_id: WorkingCalendar(
                timezone=row.timezone,
                working_days=frozenset(row.working_days),
                day_start=row.day_start,
                day_end=row.day_end,
                holidays=frozenset(row.holidays),
            )
            for row in rows
        }
