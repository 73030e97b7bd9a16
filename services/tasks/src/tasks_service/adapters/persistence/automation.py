"""PostgreSQL repository of working calendars, team automation settings, SLA policies and
the tasks' SLA clocks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import (
    calendars,
    replica_team_members,
    replica_users,
    sla_policies,
    tags,
    task_assignments,
    task_slas,
    task_tags,
    team_settings,
)
from tasks_service.adapters.persistence.tables import tasks as tasks_table
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.application.ports import SlaSubject
from tasks_service.domain.automation import AutoAssign, Calendar, TeamSettings
from tasks_service.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.sla import SlaClock, SlaPolicy, SlaState, SlaStatus, TaskSla
from tasks_service.domain.workflow import Priority, Status


def _calendar(row: Any) -> Calendar:
    return Calendar(
        id=row.id,
        name=row.name,
        hours=WorkingCalendar(
            timezone=row.timezone,
            working_days=frozenset(row.working_days),
            day_start=row.day_start,
            day_end=row.day_end,
            holidays=frozenset(row.holidays),
        ),
        created_by=row.created_by,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
    )


def _calendar_values(calendar: Calendar) -> dict[str, Any]:
    hours = calendar.hours
    return {
        "name": calendar.name,
        "timezone": hours.timezone,
        "working_days": sorted(hours.working_days),
        "day_start": hours.day_start,
        "day_end": hours.day_end,
        "holidays": sorted(hours.holidays),
        "updated_at": calendar.updated_at,
        "version": calendar.version,
    }


def _team_settings(row: Any) -> TeamSettings:
    return TeamSettings(
        team_id=row.team_id,
        calendar_id=row.calendar_id,
        auto_assign=AutoAssign(row.auto_assign),
        last_assigned_id=row.last_assigned_id,
        updated_at=utc(row.updated_at),
        version=row.version,
    )


def _policy(row: Any) -> SlaPolicy:
    return SlaPolicy(
        id=row.id,
        name=row.name,
        priorities=frozenset(Priority(p) for p in row.priorities),
        team_id=row.team_id,
        tag=row.tag,
        response_hours=row.response_hours,
        resolution_hours=row.resolution_hours,
        created_by=row.created_by,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
    )


def _policy_values(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "priorities": sorted(p.value for p in policy.priorities),
        "team_id": policy.team_id,
        "tag": policy.tag,
        "response_hours": policy.response_hours,
        "resolution_hours": policy.resolution_hours,
        "updated_at": policy.updated_at,
        "version": policy.version,
    }


def _optional_utc(value: Any) -> Any:
    return None if value is None else utc(value)


def _task_sla(row: Any) -> TaskSla:
    clock = SlaClock(
        task_id=row.task_id,
        started_at=utc(row.started_at),
        responded_at=_optional_utc(row.responded_at),
        resolved_at=_optional_utc(row.resolved_at),
        paused_since=_optional_utc(row.paused_since),
        paused=row.paused,
    )
    status = None
    if row.policy_id is not None:
        status = SlaStatus(
            policy_id=row.policy_id,
            response_due=utc(row.response_due),
            resolution_due=utc(row.resolution_due),
            state=SlaState(row.state),
            next_check_at=_optional_utc(row.next_check_at),
        )
    return TaskSla(
        clock=clock,
        status=status,
        at_risk_notified=row.at_risk_notified,
        breached_notified=row.breached_notified,
        matched_priority=Priority(row.matched_priority) if row.matched_priority else None,
    )


def _sla_values(sla: TaskSla) -> dict[str, Any]:
    clock, status = sla.clock, sla.status
    return {
        "started_at": clock.started_at,
        "responded_at": clock.responded_at,
        "resolved_at": clock.resolved_at,
        "paused_since": clock.paused_since,
        "paused": clock.paused,
        "policy_id": status.policy_id if status else None,
        "response_due": status.response_due if status else None,
        "resolution_due": status.resolution_due if status else None,
        "state": status.state.value if status else None,
        "next_check_at": sla.next_check_at,
        "at_risk_notified": sla.at_risk_notified,
        "breached_notified": sla.breached_notified,
        "matched_priority": sla.matched_priority.value if sla.matched_priority else None,
    }


def _upsert_sla() -> sa.Executable:
    statement = postgresql.insert(task_slas)
    columns = [column.name for column in task_slas.columns if column.name != "task_id"]
    return statement.on_conflict_do_update(
        index_elements=["task_id"], set_={name: statement.excluded[name] for name in columns}
    )


_UPSERT_SLA = _upsert_sla()


class SqlAlchemyAutomationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_calendar(self, calendar: Calendar) -> None:
        self._session.execute(
            calendars.insert().values(
                id=calendar.id,
                created_by=calendar.created_by,
                created_at=calendar.created_at,
                **_calendar_values(calendar),
            )
        )

    def calendar(self, calendar_id: uuid.UUID, *, for_update: bool = False) -> Calendar | None:
        query = sa.select(calendars).where(calendars.c.id == calendar_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return _calendar(row) if row else None

    def save_calendar(self, calendar: Calendar, *, expected_version: int) -> None:
        result = self._session.execute(
            calendars.update()
            .where(calendars.c.id == calendar.id, calendars.c.version == expected_version)
            .values(**_calendar_values(calendar))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise StaleVersion(None)

    def delete_calendar(self, calendar_id: uuid.UUID) -> None:
        self._session.execute(calendars.delete().where(calendars.c.id == calendar_id))

    def calendar_in_use(self, calendar_id: uuid.UUID) -> bool:
        query = sa.select(team_settings.c.team_id).where(team_settings.c.calendar_id == calendar_id)
        return self._session.execute(query.limit(1)).first() is not None

    def calendar_page(self, after: tuple[str, uuid.UUID] | None, limit: int) -> list[Calendar]:
        query = sa.select(calendars).order_by(calendars.c.name, calendars.c.id)
        if after is not None:
            query = query.where(sa.tuple_(calendars.c.name, calendars.c.id) > sa.tuple_(*after))
        return [_calendar(row) for row in self._session.execute(query.limit(limit))]

    def calendars_after(self, after: uuid.UUID | None, limit: int) -> list[Calendar]:
        condition = sa.true() if after is None else calendars.c.id > after
        query = sa.select(calendars).where(condition).order_by(calendars.c.id).limit(limit)
        return [_calendar(row) for row in self._session.execute(query)]

    def team_settings(self, team_id: uuid.UUID, *, for_update: bool = False) -> TeamSettings:
        query = sa.select(team_settings).where(team_settings.c.team_id == team_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return TeamSettings(team_id=team_id) if row is None else _team_settings(row)

    def team_settings_after(self, after: uuid.UUID | None, limit: int) -> list[TeamSettings]:
        condition = sa.true() if after is None else team_settings.c.team_id > after
        query = sa.select(team_settings).where(condition).order_by(team_settings.c.team_id)
        return [_team_settings(row) for row in self._session.execute(query.limit(limit))]

    def save_team_settings(self, settings: TeamSettings, *, expected_version: int) -> None:
        values = {
            "calendar_id": settings.calendar_id,
            "auto_assign": settings.auto_assign.value,
            "updated_at": settings.updated_at,
            "version": settings.version,
        }
        statement: sa.Executable
        if expected_version == 0:
            statement = (
                postgresql.insert(team_settings)
                .values(team_id=settings.team_id, **values)
                .on_conflict_do_nothing(index_elements=["team_id"])
            )
        else:
            statement = (
                team_settings.update()
                .where(
                    team_settings.c.team_id == settings.team_id,
                    team_settings.c.version == expected_version,
                )
                .values(**values)
            )
        if self._session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
            raise StaleVersion(None)

    def working_calendar(self, team_id: uuid.UUID | None) -> WorkingCalendar | None:
        """The calendar a team works, None for the default."""
        if team_id is None:
            return None
        query = (
            sa.select(calendars)
            .join(team_settings, team_settings.c.calendar_id == calendars.c.id)
            .where(team_settings.c.team_id == team_id)
        )
        row = self._session.execute(query).first()
        return _calendar(row).hours if row else None

    def add_policy(self, policy: SlaPolicy) -> None:
        self._session.execute(
            sla_policies.insert().values(
                id=policy.id,
                created_by=policy.created_by,
                created_at=policy.created_at,
                **_policy_values(policy),
            )
        )

    def policy(self, policy_id: uuid.UUID, *, for_update: bool = False) -> SlaPolicy | None:
        query = sa.select(sla_policies).where(sla_policies.c.id == policy_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return _policy(row) if row else None

    def save_policy(self, policy: SlaPolicy, *, expected_version: int) -> None:
        result = self._session.execute(
            sla_policies.update()
            .where(sla_policies.c.id == policy.id, sla_policies.c.version == expected_version)
            .values(**_policy_values(policy))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise StaleVersion(None)

    def delete_policy(self, policy_id: uuid.UUID) -> None:
        self._session.execute(sla_policies.delete().where(sla_policies.c.id == policy_id))

    def policy_page(self, after: tuple[str, uuid.UUID] | None, limit: int) -> list[SlaPolicy]:
        query = sa.select(sla_policies).order_by(sla_policies.c.name, sla_policies.c.id)
        if after is not None:
            query = query.where(
                sa.tuple_(sla_policies.c.name, sla_policies.c.id) > sa.tuple_(*after)
            )
        return [_policy(row) for row in self._session.execute(query.limit(limit))]

    def policies(self) -> list[SlaPolicy]:
        return [_policy(row) for row in self._session.execute(sa.select(sla_policies))]

    def task_sla(self, task_id: uuid.UUID) -> TaskSla | None:
        """The task's SLA record, locked (callers hold the task's own lock first)."""
        query = sa.select(task_slas).where(task_slas.c.task_id == task_id).with_for_update()
        row = self._session.execute(query).first()
        return _task_sla(row) if row else None

    def save_task_sla(self, sla: TaskSla) -> None:
        values = _sla_values(sla)
        statement = postgresql.insert(task_slas).values(task_id=sla.clock.task_id, **values)
        self._session.execute(
            statement.on_conflict_do_update(index_elements=["task_id"], set_=values)
        )

    def task_slas(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskSla]:
        query = (
            sa.select(task_slas)
            .where(task_slas.c.task_id.in_(task_ids))
            .order_by(task_slas.c.task_id)
            .with_for_update()
        )
        return {row.task_id: _task_sla(row) for row in self._session.execute(query)}

    def save_task_slas(self, slas: Sequence[TaskSla]) -> None:
        if not slas:
            return
        # One cached statement run as an executemany: SQLAlchemy sends it as multi-row
        # VALUES ("insertmanyvalues"); rendering 500 rows into literal VALUES each time cost
        # more than the writing.
        self._session.execute(
            _UPSERT_SLA, [{"task_id": sla.clock.task_id, **_sla_values(sla)} for sla in slas]
        )

    def working_calendars(
        self, team_ids: Iterable[uuid.UUID | None]
    ) -> dict[uuid.UUID | None, WorkingCalendar]:
        wanted = set(team_ids)
        found: dict[uuid.UUID | None, WorkingCalendar] = dict.fromkeys(wanted, DEFAULT_CALENDAR)
        teams = [team_id for team_id in wanted if team_id is not None]
        if teams:
            query = (
                sa.select(team_settings.c.team_id, calendars)
                .join(calendars, team_settings.c.calendar_id == calendars.c.id)
                .where(team_settings.c.team_id.in_(teams))
            )
            for row in self._session.execute(query):
                found[row.team_id] = _calendar(row).hours
        return found

    def managers_of(self, team_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, list[uuid.UUID]]:
        teams = [team_id for team_id in set(team_ids) if team_id is not None]
        if not teams:
            return {}
        query = (
            sa.select(replica_team_members.c.team_id, replica_users.c.id)
            .join(replica_team_members, replica_team_members.c.user_id == replica_users.c.id)
            .where(
                replica_team_members.c.team_id.in_(teams),
                replica_users.c.role == "manager",
                replica_users.c.is_active.is_(True),
            )
            .order_by(replica_team_members.c.team_id, replica_users.c.id)
        )
        managers: dict[uuid.UUID, list[uuid.UUID]] = {}
        for row in self._session.execute(query):
            managers.setdefault(row.team_id, []).append(row.id)
        return managers

    def due_slas(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Tasks whose SLA state may have changed by `now`, soonest first."""
        query = (
            sa.select(task_slas.c.task_id)
            .where(task_slas.c.next_check_at.is_not(None), task_slas.c.next_check_at <= now)
            .order_by(task_slas.c.next_check_at)
            .limit(limit)
        )
        return list(self._session.execute(query).scalars())

    def open_slas_after(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """Tasks whose SLA clock still runs (not closed), in id order after `after`."""
        query = sa.select(task_slas.c.task_id).where(task_slas.c.resolved_at.is_(None))
        if after is not None:
            query = query.where(task_slas.c.task_id > after)
        return list(
            self._session.execute(query.order_by(task_slas.c.task_id).limit(limit)).scalars()
        )

    def sla_subjects(self, task_ids: list[uuid.UUID]) -> list[SlaSubject]:
        names = (
            sa.select(sa.func.array_agg(tags.c.name))
            .select_from(task_tags.join(tags, tags.c.id == task_tags.c.tag_id))
            .where(task_tags.c.task_id == tasks_table.c.id)
            .scalar_subquery()
        )
        query = sa.select(
            tasks_table.c.id,
            tasks_table.c.status,
            tasks_table.c.priority,
            tasks_table.c.team_id,
            names.label("names"),
        )
        # The tasks' locks first, in id order, then (task_sla) their SLA rows: the order
        # every writer takes them in.
        query = (
            query.where(tasks_table.c.id.in_(task_ids), tasks_table.c.is_archived.is_(False))
            .order_by(tasks_table.c.id)
            .with_for_update(of=tasks_table)
        )
        return [
            SlaSubject(
                row.id,
                Status(row.status),
                Priority(row.priority),
                row.team_id,
                tuple(row.names or ()),
            )
            for row in self._session.execute(query)
        ]

    def assignment_candidates(self, team_id: uuid.UUID) -> list[tuple[uuid.UUID, Decimal]]:
        """The team's active, available members with their open estimated hours (a task
        without an estimate counts 1 h), least loaded first, then by id."""
        load = sa.func.coalesce(
            sa.func.sum(sa.func.coalesce(tasks_table.c.estimated_hours, 1)).filter(
                tasks_table.c.id.is_not(None)
            ),
            0,
        )
        open_task = sa.and_(
            tasks_table.c.id == task_assignments.c.task_id,
            tasks_table.c.status.not_in(["done", "cancelled"]),
            tasks_table.c.is_archived.is_(False),
        )
        query = (
            sa.select(replica_team_members.c.user_id, load.label("load"))
            .join(replica_users, replica_users.c.id == replica_team_members.c.user_id)
            .outerjoin(
                task_assignments, task_assignments.c.user_id == replica_team_members.c.user_id
            )
            .outerjoin(tasks_table, open_task)
            .where(
                replica_team_members.c.team_id == team_id,
                replica_users.c.is_active.is_(True),
                replica_users.c.available.is_(True),
            )
            .group_by(replica_team_members.c.user_id)
            .order_by(load, replica_team_members.c.user_id)
        )
        return [(row.user_id, Decimal(row.load)) for row in self._session.execute(query)]

    def record_auto_assignment(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The round robin's place (not a change of the settings: no new version)."""
        self._session.execute(
            team_settings.update()
            .where(team_settings.c.team_id == team_id)
            .values(last_assigned_id=user_id)
        )

    def team_managers(self, team_id: uuid.UUID | None) -> list[uuid.UUID]:
        """The active managers among a team's members."""
        if team_id is None:
            return []
        query = (
            sa.select(replica_users.c.id)
            .join(replica_team_members, replica_team_members.c.user_id == replica_users.c.id)
            .where(
                replica_team_members.c.team_id == team_id,
                replica_users.c.role == "manager",
                replica_users.c.is_active.is_(True),
            )
            .order_by(replica_users.c.id)
        )
        return list(self._session.execute(query).scalars())
