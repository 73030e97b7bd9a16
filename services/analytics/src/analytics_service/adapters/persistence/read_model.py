"""The read model in PostgreSQL: the task model and replicas (projection side) and the
counters summed over periods (query side)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from analytics_service.adapters.persistence.projection_sql import COUNTERS, as_json, statements
from analytics_service.adapters.persistence.tables import (
    LIVE,
    ModelTables,
    cycle_histogram,
    dimension_counters,
    due_counters,
    hourly_counters,
    tasks,
    teams,
    users,
)
from analytics_service.application.ports import HourlyTotals, StoredTask, TeamRecord, UserRecord
from analytics_service.domain.model import (
    HOURLY_COLUMNS,
    Contribution,
    Observation,
    TaskFacts,
    TaskSummary,
)
from analytics_service.domain.schedules import Person
from analytics_service.domain.visibility import Actor


def _summary_json(summary: TaskSummary) -> dict[str, Any]:
    return {
        "task_id": str(summary.task_id),
        "version": summary.version,
        "title": summary.title,
        "status": summary.status,
        "priority": summary.priority,
        "due_date": summary.due_date.isoformat() if summary.due_date else None,
        "story_points": summary.story_points,
        "team_id": str(summary.team_id) if summary.team_id else None,
        "parent_task_id": str(summary.parent_task_id) if summary.parent_task_id else None,
        "created_by": str(summary.created_by),
        "assignee_ids": [str(i) for i in summary.assignee_ids],
        "tags": list(summary.tags),
        "is_archived": summary.is_archived,
        "occurred_at": summary.occurred_at.isoformat(),
    }


class SqlAlchemyReadModel:
    def __init__(self, session: Session, tables: ModelTables = LIVE) -> None:
        self._session = session
        self._t = tables

    def task_for_update(self, task_id: uuid.UUID) -> StoredTask | None:
        row = self._session.execute(statements(self._t).read_task, {"id": task_id}).first()
        if row is None:
            return None
        observed = zip(row.ats or (), row.versions or (), row.statuses or (), strict=True)
        return StoredTask(
            summary=TaskSummary.from_event_data(row.summary),
            deleted=row.deleted,
            observations=tuple(
                Observation(at, version, status) for at, version, status in observed
            ),
        )

    def save(
        self, facts: TaskFacts, observations: Iterable[Observation], delta: Contribution
    ) -> None:
        s = facts.summary
        task = {
            "id": s.task_id,
            "version": s.version,
            "summary": _summary_json(s),
            "deleted": facts.deleted,
            "team_id": s.team_id,
            "parent_task_id": s.parent_task_id,
            "status": s.status,
            "story_points": s.story_points,
            "created_at": facts.created_at,
            "started_at": facts.started_at,
            "completed_at": facts.completed_at,
            "lead_seconds": facts.lead_seconds,
            "cycle_seconds": facts.cycle_seconds,
            "time_in_status": facts.time_in_status,
        }
        observed = [
            {"task_id": s.task_id, "at": o.at, "version": o.version, "status": o.status}
            for o in sorted(set(observations))
        ]
        counters = _counter_rows(delta)
        parameters = {name: as_json(rows) for name, rows in counters.items()}
        statement = statements(self._t)
        self._session.execute(
            statement.write,
            {"task": as_json(task), "observations": as_json(observed), **parameters},
        )
        # Every task's contribution is non-negative, so only a row none of whose counts grew
        # can be back at zero: most events (a creation) delete nothing and skip the statement.
        shrunk = {
            name: [_key(row) for row in rows if all(row[c] <= 0 for c in _counts(row))]
            for name, rows in counters.items()
        }
        if any(shrunk.values()):
            self._session.execute(
                statement.delete_zeros, {name: as_json(rows) for name, rows in shrunk.items()}
            )

    def save_user_if_newer(self, user: UserRecord) -> None:
        insert = postgresql.insert(users).values(
            id=user.id,
            role=user.role,
            timezone=user.timezone,
            is_active=user.is_active,
            version=user.version,
            email=user.email,
        )
        columns = ("role", "timezone", "is_active", "version", "email")
        self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[users.c.id],
                set_={c: insert.excluded[c] for c in columns},
                where=users.c.version < insert.excluded.version,
            )
        )

    def save_team_if_newer(self, team: TeamRecord) -> None:
        insert = postgresql.insert(teams).values(
            id=team.id,
            name=team.name,
            member_ids=list(team.member_ids),
            deleted=team.deleted,
            version=team.version,
        )
        self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[teams.c.id],
                set_={c: insert.excluded[c] for c in ("name", "member_ids", "deleted", "version")},
                # A deletion is final even if an older version arrives after it.
                where=sa.and_(teams.c.version < insert.excluded.version, ~teams.c.deleted),
            )
        )


def _order(key: Any) -> tuple[str, ...]:
    return tuple(str(getattr(key, name)) for name in key.__slots__)


def _counter_rows(delta: Contribution) -> dict[str, list[dict[str, Any]]]:
    """The delta's rows per counter table (named as in COUNTERS), each sorted by key:
    concurrent consumers lock counter rows in one order (no deadlock)."""
    hourly = [
        {"scope": k.scope, "scope_id": k.scope_id, "hour": k.hour, **v}
        for k, v in sorted(delta.hourly.items(), key=lambda i: _order(i[0]))
    ]
    cycle = [
        {"scope": k.scope, "scope_id": k.scope_id, "day": k.day, "bucket": k.bucket, "count": v}
        for k, v in sorted(delta.cycle.items(), key=lambda i: _order(i[0]))
    ]
    dims = [
        {
            "scope": k.scope,
            "scope_id": k.scope_id,
            "dimension": k.dimension,
            "key": k.key,
            "count": v,
        }
        for k, v in sorted(delta.dimensions.items(), key=lambda i: _order(i[0]))
    ]
    due = [
        {"scope": k.scope, "scope_id": k.scope_id, "due_hour": k.due_hour, "count": v}
        for k, v in sorted(delta.due.items(), key=lambda i: _order(i[0]))
    ]
    return dict(zip(COUNTERS, (hourly, cycle, dims, due), strict=True))


_KEY_COLUMNS = frozenset(
    {"scope", "scope_id", "hour", "day", "bucket", "dimension", "key", "due_hour"}
)


def _counts(row: Mapping[str, Any]) -> list[str]:
    return [name for name in row if name not in _KEY_COLUMNS]


def _key(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name in _KEY_COLUMNS}


class SqlAlchemyFigures:
    """The query side: sums over counter rows of one scope (index range scans on the keys)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def actor(self, user_id: uuid.UUID) -> Actor:
        # One round trip: role and zone (if replicated yet) and the teams (member_ids GIN).
        member = teams.c.member_ids.contains(sa.cast([user_id], postgresql.ARRAY(postgresql.UUID)))
        row = self._session.execute(
            sa.select(
                sa.select(users.c.role).where(users.c.id == user_id).scalar_subquery(),
                sa.select(users.c.timezone).where(users.c.id == user_id).scalar_subquery(),
                sa.select(sa.func.array_agg(teams.c.id))
                .where(member, ~teams.c.deleted)
                .scalar_subquery(),
            )
        ).one()
        role, zone, team_ids = row
        # Not yet replicated: the least privileged reading (a member in no team, UTC).
        return Actor(
            id=user_id,
            role=role or "member",
            timezone=zone or "UTC",
            team_ids=frozenset(team_ids or ()),
        )

    def team(self, team_id: uuid.UUID) -> TeamRecord | None:
        row = self._session.execute(sa.select(teams).where(teams.c.id == team_id)).first()
        if row is None or row.deleted:
            return None
        return TeamRecord(row.id, row.name, tuple(row.member_ids), row.deleted, row.version)

    def user_known(self, user_id: uuid.UUID) -> bool:
        found = self._session.scalar(sa.select(users.c.id).where(users.c.id == user_id))
        return found is not None

    def task_team(self, task_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
        row = self._session.execute(
            sa.select(tasks.c.team_id).where(tasks.c.id == task_id, ~tasks.c.deleted)
        ).first()
        return (False, None) if row is None else (True, row.team_id)

    def totals(
        self, scope: str, scope_id: uuid.UUID, start: datetime, end: datetime
    ) -> HourlyTotals:
        c = hourly_counters.c
        row = self._session.execute(
            sa.select(
                *(sa.func.coalesce(sa.func.sum(c[n]), 0).label(n) for n in HOURLY_COLUMNS)
            ).where(c.scope == scope, c.scope_id == scope_id, c.hour >= start, c.hour < end)
        ).one()
        return HourlyTotals(**{n: int(row._mapping[n]) for n in HOURLY_COLUMNS})

    def per_period(
        self,
        scope: str,
        scope_id: uuid.UUID,
        start: datetime,
        end: datetime,
        timezone: str,
        period: str,
    ) -> Mapping[date, HourlyTotals]:
        c = hourly_counters.c
        local = sa.func.timezone(timezone, c.hour)
        bucket = sa.cast(sa.func.date_trunc(period, local), sa.Date).label("period")
        rows = self._session.execute(
            sa.select(bucket, *(sa.func.sum(c[n]).label(n) for n in HOURLY_COLUMNS))
            .where(c.scope == scope, c.scope_id == scope_id, c.hour >= start, c.hour < end)
            .group_by(bucket)
        ).all()
        return {
            row.period: HourlyTotals(**{n: int(row._mapping[n]) for n in HOURLY_COLUMNS})
            for row in rows
        }

    def cycle_histogram(
        self, scope: str, scope_id: uuid.UUID, first_day: date, last_day: date
    ) -> Mapping[int, int]:
        c = cycle_histogram.c
        rows = self._session.execute(
            sa.select(c.bucket, sa.func.sum(c.count).label("n"))
            .where(c.scope == scope, c.scope_id == scope_id, c.day >= first_day, c.day <= last_day)
            .group_by(c.bucket)
        ).all()
        return {int(row.bucket): int(row.n) for row in rows}

    def dimension(self, scope: str, scope_id: uuid.UUID, dimension: str) -> Mapping[str, int]:
        c = dimension_counters.c
        rows = self._session.execute(
            sa.select(c.key, c.count.label("n")).where(
                c.scope == scope, c.scope_id == scope_id, c.dimension == dimension, c.count > 0
            )
        ).all()
        return {row.key: int(row.n) for row in rows}

    def due_split(
        self, scope: str, scope_id: uuid.UUID, now: datetime, until: datetime
    ) -> tuple[int, int]:
        c = due_counters.c
        row = self._session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(c.count).filter(c.due_hour < now), 0),
                sa.func.coalesce(sa.func.sum(c.count).filter(c.due_hour >= now), 0),
            ).where(c.scope == scope, c.scope_id == scope_id, c.due_hour < until)
        ).one()
        return int(row[0]), int(row[1])

    def completed_since(
        self, scope: str, scope_id: uuid.UUID, starts: Sequence[datetime], end: datetime
    ) -> list[int]:
        c = hourly_counters.c
        row = self._session.execute(
            sa.select(
                *(sa.func.coalesce(sa.func.sum(c.completed).filter(c.hour >= s), 0) for s in starts)
            ).where(c.scope == scope, c.scope_id == scope_id, c.hour >= min(starts), c.hour < end)
        ).one()
        return [int(value) for value in row]

    def people(self, user_ids: Iterable[uuid.UUID]) -> list[Person]:
        ids = sorted(set(user_ids))
        if not ids:
            return []
        return self._people(users.c.id.in_(ids))

    def team_managers(self, team_id: uuid.UUID) -> list[Person]:
        members = sa.select(sa.func.unnest(teams.c.member_ids)).where(
            teams.c.id == team_id, ~teams.c.deleted
        )
        return self._people(
            users.c.id.in_(members.scalar_subquery()), users.c.role == "manager", users.c.is_active
        )

    def _people(self, *where: sa.ColumnElement[bool]) -> list[Person]:
        member = users.c.id == sa.any_(teams.c.member_ids)
        team_ids = (
            sa.select(sa.func.array_agg(teams.c.id))
            .where(member, ~teams.c.deleted)
            .scalar_subquery()
        )
        rows = self._session.execute(
            sa.select(users.c.id, users.c.role, users.c.is_active, users.c.email, team_ids)
            .where(*where)
            .order_by(users.c.id)
        ).all()
        return [
            Person(id=r[0], role=r[1], is_active=r[2], email=r[3], team_ids=frozenset(r[4] or ()))
            for r in rows
        ]

    def task_count(self, scope: str, scope_id: uuid.UUID) -> int:
        return int(
            self._session.scalar(self._scoped(sa.select(sa.func.count()), scope, scope_id)) or 0
        )

    def task_rows(
        self, scope: str, scope_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[tuple[Any, ...]]:
        t = tasks.c
        query = sa.select(
            t.id,
            t.summary["title"].astext,
            t.status,
            t.summary["priority"].astext,
            t.team_id,
            t.story_points,
            t.created_at,
            t.completed_at,
            sa.func.round(sa.cast(t.lead_seconds / 3600, sa.Numeric), 2),
            sa.func.round(sa.cast(t.cycle_seconds / 3600, sa.Numeric), 2),
        )
        if after is not None:
            query = query.where(t.id > after)
        rows = self._session.execute(
            self._scoped(query, scope, scope_id).order_by(t.id).limit(limit)
        ).all()
        return [tuple(row) for row in rows]

    @staticmethod
    def _scoped(query: Any, scope: str, scope_id: uuid.UUID) -> Any:
        t = tasks.c
        query = query.select_from(tasks).where(~t.deleted)
        if scope == "team":
            return query.where(t.team_id == scope_id)
        if scope == "user":
            person = str(scope_id)
            return query.where(
                sa.or_(
                    t.summary["created_by"].astext == person,
                    t.summary["assignee_ids"].contains([person]),
                )
            )
        return query

    def open_due(
        self, scope: str, scope_id: uuid.UUID, start: datetime | None, end: datetime
    ) -> int:
        c = due_counters.c
        query = sa.select(sa.func.coalesce(sa.func.sum(c.count), 0)).where(
            c.scope == scope, c.scope_id == scope_id, c.due_hour < end
        )
        if start is not None:
            query = query.where(c.due_hour >= start)
        return int(self._session.scalar(query) or 0)
