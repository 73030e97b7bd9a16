"""Entries in PostgreSQL (SQLAlchemy Core): the aggregates the unit of work saw are kept for
the outbox recording at commit."""

# The week statements share their JSON tail as a constant string; every value is bound.
# ruff: noqa: S608

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from timetracking_service.adapters.persistence.tables import entries, tasks, users
from timetracking_service.application.ports import (
    EntryFilter,
    GroupBy,
    ReportRow,
    ReportScope,
    WeekGrid,
)
from timetracking_service.domain.model import EntrySource, TimeEntry

UUID_TYPE = postgresql.UUID(as_uuid=True)

# Aggregated in the database: a team's week is thousands of entries but a few hundred cells.
# A timed entry is cut at each local midnight of the zone (`timestamp AT TIME ZONE zone` is
# that midnight as an instant, DST included); every piece is floored to whole minutes, as
# `domain.calendar.split_by_local_day` does (tests compare the two). An entry lasts at most
# 24 h, so it touches at most three local days (a 23-hour day between two others): three
# offsets, not generate_series, whose estimate of 1,000 rows per entry made the planner
# JIT-compile the query (0.7 s of compilation for a 20 ms query).
MINUTES_BY_DAY = sa.text(
    """
    WITH finished AS (
        SELECT user_id, task_id, work_date, started_at, ended_at, duration_minutes
        FROM timetracking.entries
        WHERE user_id = ANY(:users) AND work_date BETWEEN :first AND :last
          AND duration_minutes IS NOT NULL
    )
    SELECT user_id, task_id, work_date AS day, sum(duration_minutes) AS minutes
    FROM finished WHERE started_at IS NULL
    GROUP BY user_id, task_id, work_date
    UNION ALL
    SELECT f.user_id, f.task_id, d.day,
           sum(floor(extract(epoch FROM
               least(f.ended_at, (d.day + 1)::timestamp AT TIME ZONE :zone)
               - greatest(f.started_at, d.day::timestamp AT TIME ZONE :zone)) / 60)) AS minutes
    FROM finished AS f
    CROSS JOIN LATERAL (VALUES (0), (1), (2)) AS o(n)
    CROSS JOIN LATERAL (SELECT (f.started_at AT TIME ZONE :zone)::date + o.n AS day) AS d
    WHERE f.started_at IS NOT NULL
      AND d.day <= ((f.ended_at - interval '1 microsecond') AT TIME ZONE :zone)::date
    GROUP BY f.user_id, f.task_id, d.day
    """
).columns(
    sa.column("user_id", UUID_TYPE),
    sa.column("task_id", UUID_TYPE),
    sa.column("day", sa.Date),
    sa.column("minutes", sa.BigInteger),
)

# The end of both week statements: the cells (user, task, local day, minutes > 0) grouped per
# (user, task) into a row with its minutes by day, then per user into the task rows (by title)
# and the minutes per day. Python gets one row per user and does no work per entry or per
# cell (bench/timesheet_bench).
_GRIDS_FROM_CELLS = """
    task_rows AS (
        SELECT c.user_id, c.task_id, coalesce(t.title, '') AS title,
               json_object_agg(c.day, c.minutes ORDER BY c.day) AS by_day,
               sum(c.minutes)::int AS total
        FROM cells AS c LEFT JOIN timetracking.tasks AS t ON t.task_id = c.task_id
        GROUP BY c.user_id, c.task_id, t.title
    ), worked AS (
        SELECT user_id, json_object_agg(day, minutes ORDER BY day) AS by_day
        FROM (SELECT user_id, day, sum(minutes)::int AS minutes FROM cells
              GROUP BY user_id, day) AS per_day
        GROUP BY user_id
    ), task_lists AS (
        SELECT user_id,
               json_agg(json_build_object('task_id', task_id, 'title', title,
                                          'minutes_by_day', by_day, 'total_minutes', total)
                        ORDER BY title, task_id) AS tasks
        FROM task_rows GROUP BY user_id
    )
"""

# A week read from the entries, for users whose day totals are not in the requested zone. The
# week's seven local days are placed in real time once (`day::timestamp AT TIME ZONE zone`,
# materialised: seven conversions, not two per entry); a timed entry gets a piece of each day
# it overlaps, floored to whole minutes: the split of MINUTES_BY_DAY and `split_by_local_day`
# (a test compares them).
WEEK_GRIDS = sa.text(
    """
    WITH days AS MATERIALIZED (
        SELECT CAST(:monday AS date) + o.n AS day,
               (CAST(:monday AS date) + o.n)::timestamp AT TIME ZONE :zone AS day_start,
               (CAST(:monday AS date) + o.n + 1)::timestamp AT TIME ZONE :zone AS day_end
        FROM (VALUES (0), (1), (2), (3), (4), (5), (6)) AS o(n)
    ), pieces AS (
        SELECT user_id, task_id, work_date AS day, duration_minutes AS minutes
        FROM timetracking.entries
        WHERE user_id = ANY(:users) AND work_date BETWEEN :monday AND :sunday
          AND duration_minutes IS NOT NULL AND started_at IS NULL
        UNION ALL
        SELECT e.user_id, e.task_id, d.day,
               floor(extract(epoch FROM least(e.ended_at, d.day_end)
                                        - greatest(e.started_at, d.day_start)) / 60)::int
        FROM timetracking.entries AS e
        JOIN days AS d ON e.started_at < d.day_end AND e.ended_at > d.day_start
        WHERE e.user_id = ANY(:users) AND e.work_date BETWEEN :first AND :last
          AND e.duration_minutes IS NOT NULL AND e.started_at IS NOT NULL
    ), cells AS (
        SELECT user_id, task_id, day, sum(minutes)::int AS minutes
        FROM pieces
        GROUP BY user_id, task_id, day HAVING sum(minutes) > 0
    ),"""
    + _GRIDS_FROM_CELLS
    + """
    SELECT l.user_id, w.by_day AS worked, l.tasks
    FROM task_lists AS l JOIN worked AS w ON w.user_id = l.user_id
    """
)

# A week read from the day totals (migration 0005: kept by triggers at every write to the
# entries, in each user's own zone): at most users x 7 x tasks rows, whatever the entries.
# Only for users whose totals are in the requested zone (the `kept` ones, returned even
# without minutes so that the caller knows whom to read from the entries instead).
TOTALS_GRIDS = sa.text(
    """
    WITH kept AS MATERIALIZED (
        SELECT user_id FROM timetracking.users
        WHERE user_id = ANY(:users) AND timetracking.zone_or_utc(timezone) = :zone
    ), cells AS (
        SELECT user_id, task_id, day, minutes
        FROM timetracking.day_totals
        WHERE user_id IN (SELECT user_id FROM kept) AND day BETWEEN :monday AND :sunday
          AND minutes > 0
    ),"""
    + _GRIDS_FROM_CELLS
    + """
    SELECT k.user_id, w.by_day AS worked, l.tasks
    FROM kept AS k
    LEFT JOIN task_lists AS l ON l.user_id = k.user_id
    LEFT JOIN worked AS w ON w.user_id = k.user_id
    """
)

_FIELDS = (
    "user_id",
    "task_id",
    "team_id",
    "work_date",
    "started_at",
    "ended_at",
    "duration_minutes",
    "note",
    "billable",
    "version",
    "created_at",
    "updated_at",
)


def entry_from_row(row: Any) -> TimeEntry:
    return TimeEntry(
        id=row.id,
        source=EntrySource(row.source),
        **{name: getattr(row, name) for name in _FIELDS},
    )


def _grid(row: Any) -> WeekGrid:
    return WeekGrid(
        worked={date.fromisoformat(day): int(m) for day, m in row.worked.items()},
        tasks=row.tasks,
    )


def _values(entry: TimeEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in _FIELDS} | {"source": entry.source.value}


def _visible_and_narrowed(statement: Any, viewer: Any, narrow: Any) -> Any:
    """The entries `viewer` may see (theirs, and on tasks they created, are assigned or whose
    team they belong to; managers all), narrowed to `narrow`'s user, task and team. One rule
    for the entry list and the reports, so that a report shows exactly what the list shows."""
    if not viewer.viewer_is_manager:
        visible = [
            entries.c.user_id == viewer.viewer,
            tasks.c.created_by == viewer.viewer,
            tasks.c.assignee_ids.any_() == viewer.viewer,
        ]
        if viewer.viewer_team_ids:
            visible.append(tasks.c.team_id.in_(sorted(viewer.viewer_team_ids)))
        statement = statement.where(sa.or_(*visible))
    for column, value in (
        (entries.c.user_id, narrow.user_id),
        (entries.c.task_id, narrow.task_id),
        (entries.c.team_id, narrow.team_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    return statement


class SqlAlchemyEntryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.seen: list[TimeEntry] = []

    def _track(self, entry: TimeEntry) -> None:
        if all(known is not entry for known in self.seen):
            self.seen.append(entry)

    def get(self, entry_id: uuid.UUID, *, for_update: bool = False) -> TimeEntry | None:
        query = sa.select(entries).where(entries.c.id == entry_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        return entry_from_row(row) if row is not None else None

    def running_for(self, user_id: uuid.UUID) -> TimeEntry | None:
        row = self._session.execute(
            sa.select(entries).where(
                entries.c.user_id == user_id,
                entries.c.started_at.is_not(None),
                entries.c.ended_at.is_(None),
            )
        ).first()
        return entry_from_row(row) if row is not None else None

    def running_on_task(self, task_id: uuid.UUID) -> list[TimeEntry]:
        rows = self._session.execute(
            sa.select(entries).where(
                entries.c.task_id == task_id,
                entries.c.started_at.is_not(None),
                entries.c.ended_at.is_(None),
            )
        )
        return [entry_from_row(row) for row in rows]

    def add(self, entry: TimeEntry) -> None:
        self._session.execute(entries.insert().values(id=entry.id, **_values(entry)))
        self._track(entry)

    def save(self, entry: TimeEntry) -> None:
        self._session.execute(
            entries.update().where(entries.c.id == entry.id).values(**_values(entry))
        )
        self._track(entry)

    def remove(self, entry: TimeEntry) -> None:
        self._session.execute(entries.delete().where(entries.c.id == entry.id))
        self._track(entry)

    def page(self, query: EntryFilter) -> list[TimeEntry]:
        statement = sa.select(entries).select_from(
            entries.outerjoin(tasks, tasks.c.task_id == entries.c.task_id)
        )
        statement = _visible_and_narrowed(statement, query, query)
        if query.date_from is not None:
            statement = statement.where(entries.c.work_date >= query.date_from)
        if query.date_to is not None:
            statement = statement.where(entries.c.work_date <= query.date_to)
        if query.after is not None:
            statement = statement.where(
                sa.tuple_(entries.c.work_date, entries.c.id) < sa.tuple_(*query.after)
            )
        statement = statement.order_by(entries.c.work_date.desc(), entries.c.id.desc())
        rows = self._session.execute(statement.limit(query.limit))
        return [entry_from_row(row) for row in rows]

    def of_users_between(
        self, user_ids: Sequence[uuid.UUID], first: date, last: date
    ) -> list[TimeEntry]:
        if not user_ids:
            return []
        rows = self._session.execute(
            sa.select(entries).where(
                entries.c.user_id.in_(list(user_ids)),
                entries.c.work_date.between(first, last),
            )
        )
        return [entry_from_row(row) for row in rows]

    def minutes_by_day(
        self, user_ids: Sequence[uuid.UUID], first: date, last: date, zone: str
    ) -> list[tuple[uuid.UUID, uuid.UUID, date, int]]:
        if not user_ids:
            return []
        rows = self._session.execute(
            MINUTES_BY_DAY, {"users": list(user_ids), "first": first, "last": last, "zone": zone}
        )
        return [(row.user_id, row.task_id, row.day, int(row.minutes)) for row in rows]

    def week_grids(
        self, user_ids: Sequence[uuid.UUID], monday: date, zone: str
    ) -> dict[uuid.UUID, WeekGrid]:
        if not user_ids:
            return {}
        window = {"monday": monday, "sunday": monday + timedelta(days=6), "zone": zone}
        grids: dict[uuid.UUID, WeekGrid] = {}
        kept: set[uuid.UUID] = set()
        for row in self._session.execute(TOTALS_GRIDS, {"users": list(user_ids), **window}):
            kept.add(row.user_id)
            if row.tasks is not None:
                grids[row.user_id] = _grid(row)
        others = [user for user in user_ids if user not in kept]
        if not others:
            return grids
        # A day each side: timed entries near midnight may fall in the week locally.
        rows = self._session.execute(
            WEEK_GRIDS,
            {
                "users": others,
                "first": monday - timedelta(days=1),
                "last": monday + timedelta(days=7),
                **window,
            },
        )
        return grids | {row.user_id: _grid(row) for row in rows}

    def report(self, scope: ReportScope) -> Iterator[ReportRow]:
        query = scope.query
        key = {
            GroupBy.TASK: entries.c.task_id,
            GroupBy.USER: entries.c.user_id,
            GroupBy.TEAM: entries.c.team_id,
        }[query.group_by]
        minutes = entries.c.duration_minutes
        total = sa.func.sum(minutes)
        billable = sa.func.coalesce(sa.func.sum(minutes).filter(entries.c.billable), 0)
        statement = (
            sa.select(
                key.label("key"),
                sa.func.count().label("entries"),
                total.label("total"),
                billable.label("billable"),
            )
            .select_from(entries.outerjoin(tasks, tasks.c.task_id == entries.c.task_id))
            .where(
                minutes.is_not(None),
                entries.c.work_date.between(query.date_from, query.date_to),
            )
            .group_by(key)
        )
        statement = _visible_and_narrowed(statement, scope, query)
        grouped = statement.subquery()
        label: sa.ColumnElement[str] = sa.literal("")
        source: sa.FromClause = grouped
        if query.group_by is GroupBy.TASK:
            source = grouped.outerjoin(tasks, tasks.c.task_id == grouped.c.key)
            label = sa.func.coalesce(tasks.c.title, "")
        elif query.group_by is GroupBy.USER:
            source = grouped.outerjoin(users, users.c.user_id == grouped.c.key)
            label = sa.func.coalesce(users.c.display_name, "")
        named = (
            sa.select(grouped, label.label("label"))
            .select_from(source)
            .order_by(grouped.c.total.desc(), grouped.c.key.nulls_last())
        )
        rows = self._session.execute(named.execution_options(yield_per=500))
        for row in rows:
            yield ReportRow(row.key, row.label, int(row.entries), int(row.total), int(row.billable))

    def task_minutes(self, task_id: uuid.UUID) -> int:
        total = self._session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(entries.c.duration_minutes), 0)).where(
                entries.c.task_id == task_id
            )
        ).scalar_one()
        return int(total)
