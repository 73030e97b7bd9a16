"""The daily summary's query: per person, their open, due, overdue and completed tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks_service.application.notifications.ports import SummaryTask, UserSummary

SUMMARIES = """
WITH zones AS MATERIALIZED (SELECT name FROM pg_timezone_names),
people AS (
    SELECT u.id, u.email, u.display_name, z.zone,
           (CAST(:now AS timestamptz) AT TIME ZONE z.zone)::date AS local_day
    FROM tasks.replica_users u
    -- A zone PostgreSQL does not know (its tz database may lag Python's) falls back to UTC.
    CROSS JOIN LATERAL (
        SELECT CASE WHEN u.timezone IN (SELECT name FROM zones) THEN u.timezone ELSE 'UTC' END
            AS zone
    ) z
    WHERE u.is_active
      AND coalesce((u.notification_preferences ->> 'daily_summary')::boolean, true)
      -- From the configured local hour on, for `window` hours: a run missed or late (beat
      -- failover, a queue backlog) is made up by the next one; once a day per person.
      AND (extract(hour FROM CAST(:now AS timestamptz) AT TIME ZONE z.zone)::int - :hour + 24)
          % 24 < :window
      AND NOT EXISTS (
          SELECT 1 FROM tasks.notifications n
          WHERE n.recipient_id = u.id AND n.notification_type = 'daily_summary'
            AND n.occasion = 'day:'
                || to_char(CAST(:now AS timestamptz) AT TIME ZONE z.zone, 'YYYY-MM-DD')
      )
      AND (CAST(:after AS uuid) IS NULL OR u.id > CAST(:after AS uuid))
    ORDER BY u.id
    LIMIT :limit
)
SELECT p.id, p.email, p.display_name, p.zone, p.local_day,
       f.open_count, f.due_today_count, f.overdue_count, c.completed_count, l.open_tasks
FROM people p
CROSS JOIN LATERAL (
    SELECT count(*) AS open_count,
           count(*) FILTER (
               WHERE (t.due_date AT TIME ZONE p.zone)::date = p.local_day
           ) AS due_today_count,
           count(*) FILTER (WHERE t.due_date < CAST(:now AS timestamptz)) AS overdue_count
    FROM tasks.task_assignments a JOIN tasks.tasks t ON t.id = a.task_id
    WHERE a.user_id = p.id AND NOT t.is_archived AND t.status NOT IN ('done', 'cancelled')
) f
CROSS JOIN LATERAL (
    SELECT count(DISTINCT h.task_id) AS completed_count
    FROM tasks.task_assignments a JOIN tasks.task_history h ON h.task_id = a.task_id
    WHERE a.user_id = p.id
      AND h.action = 'status_changed'
      AND h.changes -> 'status' ->> 'new' = 'done'
      AND h.at >= ((p.local_day - 1)::timestamp AT TIME ZONE p.zone)
      AND h.at < (p.local_day::timestamp AT TIME ZONE p.zone)
) c
CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
               'id', x.id, 'title', x.title, 'status', x.status, 'priority', x.priority,
               'due_date', x.due_date, 'is_overdue', x.is_overdue
           ) ORDER BY x.due_date NULLS LAST, x.id), '[]') AS open_tasks
    FROM (
        SELECT t.id, t.title, t.status, t.priority, t.due_date, t.is_overdue
        FROM tasks.task_assignments a JOIN tasks.tasks t ON t.id = a.task_id
        WHERE a.user_id = p.id AND NOT t.is_archived AND t.status NOT IN ('done', 'cancelled')
        ORDER BY t.due_date NULLS LAST, t.id
        LIMIT :listed
    ) x
) l
ORDER BY p.id
"""
LISTED_TASKS = 10


def _summary_task(item: dict[str, Any]) -> SummaryTask:
    due = item.get("due_date")
    return SummaryTask(
        id=uuid.UUID(item["id"]),
        title=item["title"],
        status=item["status"],
        priority=item["priority"],
        due_date=datetime.fromisoformat(due) if due else None,
        is_overdue=bool(item["is_overdue"]),
    )


class SqlAlchemyDailySummaries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def people(
        self, now: datetime, hour: int, window: int, after: uuid.UUID | None, limit: int
    ) -> list[UserSummary]:
        rows = self._session.execute(
            sa.text(SUMMARIES),
            {
                "now": now,
                "hour": hour,
                "window": window,
                "after": after,
                "limit": limit,
                "listed": LISTED_TASKS,
            },
        )
        return [
            UserSummary(
                user_id=row.id,
                email=row.email,
                display_name=row.display_name,
                timezone=row.zone,
                local_day=row.local_day,
                open_count=row.open_count,
                due_today_count=row.due_today_count,
                overdue_count=row.overdue_count,
                completed_yesterday_count=row.completed_count,
                open_tasks=tuple(_summary_task(item) for item in row.open_tasks),
            )
            for row in rows
        ]
