"""Day totals: minutes per (user, task, local day in the user's zone), kept by triggers in the
transaction of every write to the entries and rebuilt for a user whose zone changes (issue 15,
ADR 0022); backfilled from the entries here.

The split is the timesheet's (`WEEK_GRIDS`): finished entries only (a running timer counts
when stopped), a duration alone on its work date, a timed entry cut at the local midnights of
the zone and floored to whole minutes (a zero-length one, a timer stopped at once, has
none); a piece counts only when the entry's work date lies in
its week ±1 day, the window in which the week's query finds entries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "timetracking"
UUID = postgresql.UUID(as_uuid=True)

# 0x64617973, "days": the first key of the per-user advisory locks (timers use "time").
FUNCTIONS = """
CREATE FUNCTION timetracking.zone_or_utc(name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- A replica may hold a zone this server does not know: count that user's days in UTC
    -- rather than fail their writes (the timesheet reads the totals only for a zone it asks).
    PERFORM now() AT TIME ZONE name;
    RETURN name;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'UTC';
END $$;

CREATE FUNCTION timetracking.day_totals_zone(user_id uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT timetracking.zone_or_utc(u.timezone) FROM timetracking.users AS u
         WHERE u.user_id = day_totals_zone.user_id),
        'UTC')
$$;

CREATE FUNCTION timetracking.entry_day_pieces(
    work_date date, started_at timestamptz, ended_at timestamptz, duration_minutes integer,
    zone text
) RETURNS TABLE (day date, minutes integer)
LANGUAGE sql STABLE AS $$
    SELECT work_date, duration_minutes
    WHERE duration_minutes IS NOT NULL AND started_at IS NULL
    UNION ALL
    SELECT d.day,
           floor(extract(epoch FROM
               least(ended_at, (d.day + 1)::timestamp AT TIME ZONE zone)
               - greatest(started_at, d.day::timestamp AT TIME ZONE zone)) / 60)::integer
    FROM (VALUES (0), (1), (2)) AS o(n)
    CROSS JOIN LATERAL (SELECT (started_at AT TIME ZONE zone)::date + o.n AS day) AS d
    WHERE duration_minutes IS NOT NULL AND ended_at > started_at
      AND d.day <= ((ended_at - interval '1 microsecond') AT TIME ZONE zone)::date
      AND work_date BETWEEN date_trunc('week', d.day)::date - 1
                        AND date_trunc('week', d.day)::date + 7
$$;

CREATE FUNCTION timetracking.entries_keep_day_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    emptied_users uuid[];
    emptied_tasks uuid[];
    emptied_days date[];
BEGIN
    -- Shared with every writer of the user, exclusive for a rebuild of the user's days
    -- (a zone change): a write sees the zone its rebuild used, or the rebuild sees the write.
    PERFORM pg_advisory_xact_lock_shared(x'64617973'::integer, hashtext(c.user_id::text))
    FROM (SELECT OLD.user_id WHERE TG_OP <> 'INSERT'
          UNION SELECT NEW.user_id WHERE TG_OP <> 'DELETE') AS c(user_id)
    ORDER BY c.user_id;
    -- The old row's pieces out, the new row's in, netted per cell in one upsert of
    -- increments (concurrent writers of one cell add up; rows locked in key order).
    WITH changes (user_id, task_id, work_date, started_at, ended_at, duration_minutes,
                  billable, sign) AS (
        SELECT OLD.user_id, OLD.task_id, OLD.work_date, OLD.started_at, OLD.ended_at,
               OLD.duration_minutes, OLD.billable, -1
        WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT NEW.user_id, NEW.task_id, NEW.work_date, NEW.started_at, NEW.ended_at,
               NEW.duration_minutes, NEW.billable, 1
        WHERE TG_OP <> 'DELETE'
    ), deltas AS (
        SELECT c.user_id, p.day, c.task_id,
               sum(c.sign * p.minutes)::integer AS minutes,
               coalesce(sum(c.sign * p.minutes) FILTER (WHERE c.billable), 0)::integer
                   AS billable_minutes,
               sum(c.sign)::integer AS entries
        FROM changes AS c
        CROSS JOIN LATERAL timetracking.entry_day_pieces(
            c.work_date, c.started_at, c.ended_at, c.duration_minutes,
            timetracking.day_totals_zone(c.user_id)) AS p
        GROUP BY c.user_id, p.day, c.task_id
    ), stored AS (
        INSERT INTO timetracking.day_totals AS t
            (user_id, day, task_id, minutes, billable_minutes, entries)
        SELECT user_id, day, task_id, minutes, billable_minutes, entries FROM deltas
        WHERE minutes <> 0 OR billable_minutes <> 0 OR entries <> 0
        ORDER BY user_id, day, task_id
        ON CONFLICT (user_id, day, task_id) DO UPDATE
        SET minutes = t.minutes + excluded.minutes,
            billable_minutes = t.billable_minutes + excluded.billable_minutes,
            entries = t.entries + excluded.entries
        RETURNING t.user_id, t.day, t.task_id, t.entries
    )
    SELECT array_agg(s.user_id), array_agg(s.task_id), array_agg(s.day)
    INTO emptied_users, emptied_tasks, emptied_days
    FROM stored AS s WHERE s.entries = 0;
    IF emptied_days IS NOT NULL THEN
        DELETE FROM timetracking.day_totals AS t
        USING unnest(emptied_users, emptied_tasks, emptied_days) AS z(user_id, task_id, day)
        WHERE t.user_id = z.user_id AND t.task_id = z.task_id AND t.day = z.day
          AND t.entries = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION timetracking.rebuild_day_totals(only_user uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    IF only_user IS NULL THEN
        -- Writers wait (their triggers need ROW EXCLUSIVE) and then add to the rebuilt rows.
        LOCK TABLE timetracking.day_totals IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM timetracking.day_totals;
    ELSE
        PERFORM pg_advisory_xact_lock(x'64617973'::integer, hashtext(only_user::text));
        DELETE FROM timetracking.day_totals WHERE user_id = only_user;
    END IF;
    -- Each user's zone resolved once (as day_totals_zone does), not once per entry.
    WITH zones AS MATERIALIZED (
        SELECT u.user_id, timetracking.zone_or_utc(u.timezone) AS zone
        FROM timetracking.users AS u
        WHERE only_user IS NULL OR u.user_id = only_user
    )
    INSERT INTO timetracking.day_totals
        (user_id, day, task_id, minutes, billable_minutes, entries)
    SELECT e.user_id, p.day, e.task_id, sum(p.minutes)::integer,
           coalesce(sum(p.minutes) FILTER (WHERE e.billable), 0)::integer, count(*)::integer
    FROM timetracking.entries AS e
    LEFT JOIN zones AS z ON z.user_id = e.user_id
    CROSS JOIN LATERAL timetracking.entry_day_pieces(
        e.work_date, e.started_at, e.ended_at, e.duration_minutes,
        coalesce(z.zone, 'UTC')) AS p
    WHERE e.duration_minutes IS NOT NULL AND (only_user IS NULL OR e.user_id = only_user)
    GROUP BY e.user_id, p.day, e.task_id;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;

CREATE FUNCTION timetracking.users_rebuild_day_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Until the replica knows a user, their days are counted in UTC.
    IF timetracking.zone_or_utc(NEW.timezone) IS DISTINCT FROM (
        CASE WHEN TG_OP = 'INSERT' THEN 'UTC' ELSE timetracking.zone_or_utc(OLD.timezone) END
    ) THEN
        PERFORM timetracking.rebuild_day_totals(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER entries_keep_day_totals
AFTER INSERT OR DELETE ON timetracking.entries
FOR EACH ROW EXECUTE FUNCTION timetracking.entries_keep_day_totals();

CREATE TRIGGER entries_keep_day_totals_on_update
AFTER UPDATE ON timetracking.entries
FOR EACH ROW
WHEN ((OLD.user_id, OLD.task_id, OLD.work_date, OLD.started_at, OLD.ended_at,
       OLD.duration_minutes, OLD.billable)
      IS DISTINCT FROM
      (NEW.user_id, NEW.task_id, NEW.work_date, NEW.started_at, NEW.ended_at,
       NEW.duration_minutes, NEW.billable))
EXECUTE FUNCTION timetracking.entries_keep_day_totals();

CREATE TRIGGER users_rebuild_day_totals
AFTER INSERT OR UPDATE OF timezone ON timetracking.users
FOR EACH ROW EXECUTE FUNCTION timetracking.users_rebuild_day_totals();
"""

DROP_FUNCTIONS = """
DROP TRIGGER users_rebuild_day_totals ON timetracking.users;
DROP TRIGGER entries_keep_day_totals_on_update ON timetracking.entries;
DROP TRIGGER entries_keep_day_totals ON timetracking.entries;
DROP FUNCTION timetracking.users_rebuild_day_totals();
DROP FUNCTION timetracking.rebuild_day_totals(uuid);
DROP FUNCTION timetracking.entries_keep_day_totals();
DROP FUNCTION timetracking.entry_day_pieces(date, timestamptz, timestamptz, integer, text);
DROP FUNCTION timetracking.day_totals_zone(uuid);
DROP FUNCTION timetracking.zone_or_utc(text);
"""


def upgrade() -> None:
    op.create_table(
        "day_totals",
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("task_id", UUID, primary_key=True),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("billable_minutes", sa.Integer, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.execute(FUNCTIONS)
    # The backfill, under the table lock the function takes: entries written meanwhile wait.
    op.execute("SELECT timetracking.rebuild_day_totals()")


def downgrade() -> None:
    op.execute(DROP_FUNCTIONS)
    op.drop_table("day_totals", schema=SCHEMA)
