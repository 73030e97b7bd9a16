"""Query parameters and response bodies of the analytics API (validation and OpenAPI)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import validate

from analytics_service.domain.model import DIMENSIONS

_DATES = validate.Range(
    min=date(1970, 1, 1),
    max=date(9000, 12, 31),
    error="Must lie between 1970-01-01 and 9000-12-31.",
)


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored."""

    class Meta:
        unknown = ma.RAISE


class RangeQuerySchema(StrictSchema):
    from_ = ma.fields.Date(
        data_key="from",
        validate=_DATES,
        metadata={"description": "First local day (default: 29 days before `to`)"},
    )
    to = ma.fields.Date(
        validate=_DATES, metadata={"description": "Last local day (default: today)"}
    )
    tz = ma.fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "IANA time zone of the days (default: the caller's profile's)"},
    )


class TeamQuerySchema(RangeQuerySchema):
    parent = ma.fields.UUID(
        metadata={"description": "A parent task of this team: adds the burndown of its subtasks"}
    )


class DistributionQuerySchema(StrictSchema):
    by = ma.fields.String(required=True, validate=validate.OneOf(DIMENSIONS))
    team = ma.fields.UUID(metadata={"description": "Count this team's tasks"})
    user = ma.fields.UUID(metadata={"description": "Count this user's tasks (created or assigned)"})


class ReportParamsSchema(StrictSchema):
    team_id = ma.fields.UUID(metadata={"description": "team_performance (required), tasks"})
    user_id = ma.fields.UUID(metadata={"description": "user_activity (default: you)"})
    from_ = ma.fields.Date(data_key="from", validate=_DATES)
    to = ma.fields.Date(validate=_DATES)
    tz = ma.fields.String(validate=validate.Length(min=1, max=64))


class ReportCreateSchema(StrictSchema):
    kind = ma.fields.String(
        required=True, validate=validate.OneOf(("team_performance", "user_activity", "tasks"))
    )
    format = ma.fields.String(required=True, validate=validate.OneOf(("csv", "xlsx", "pdf")))
    params = ma.fields.Nested(ReportParamsSchema, load_default=dict)


class ReportSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True)
    format = ma.fields.String(required=True)
    params = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    status = ma.fields.String(
        required=True, metadata={"description": "pending, running, done or failed"}
    )
    progress = ma.fields.Integer(required=True, metadata={"description": "Percent (0-100)"})
    rows = ma.fields.Integer(required=True)
    error = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    expires_at = ma.fields.AwareDateTime(required=True, metadata={"description": "7 days"})
    download_url = ma.fields.String(
        allow_none=True, metadata={"description": "When done: a signed link, valid 10 minutes"}
    )


class DaySchema(ma.Schema):
    date = ma.fields.Date(required=True)
    created = ma.fields.Integer(required=True)
    completed = ma.fields.Integer(required=True)


class DashboardSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    timezone = ma.fields.String(required=True)
    from_ = ma.fields.Date(data_key="from", attribute="from", required=True)
    to = ma.fields.Date(required=True)
    open = ma.fields.Integer(required=True)
    overdue = ma.fields.Integer(required=True)
    due_this_week = ma.fields.Integer(required=True)
    done_last_7_days = ma.fields.Integer(required=True)
    done_last_30_days = ma.fields.Integer(required=True)
    per_day = ma.fields.List(ma.fields.Nested(DaySchema), required=True)


class CycleTimeSchema(ma.Schema):
    p50 = ma.fields.Float(allow_none=True, metadata={"description": "Hours (bucket bound)"})
    p85 = ma.fields.Float(allow_none=True, metadata={"description": "Hours (bucket bound)"})
    samples = ma.fields.Integer(required=True)


class PerformanceSchema(ma.Schema):
    timezone = ma.fields.String(required=True)
    from_ = ma.fields.Date(data_key="from", attribute="from", required=True)
    to = ma.fields.Date(required=True)
    created = ma.fields.Integer(required=True)
    throughput = ma.fields.Integer(required=True, metadata={"description": "Tasks completed"})
    story_points_completed = ma.fields.Integer(required=True)
    cycle_time_hours = ma.fields.Nested(CycleTimeSchema, required=True)
    on_time_rate = ma.fields.Float(
        allow_none=True, metadata={"description": "Completed by their due date, of those due"}
    )
    open_load = ma.fields.Integer(required=True)
    overdue = ma.fields.Integer(required=True)
    per_day = ma.fields.List(ma.fields.Nested(DaySchema), required=True)


class UserStatsSchema(PerformanceSchema):
    user_id = ma.fields.UUID(required=True)


class WeekSchema(ma.Schema):
    week_start = ma.fields.Date(required=True)
    story_points = ma.fields.Integer(required=True)
    tasks = ma.fields.Integer(required=True)


class VelocitySchema(ma.Schema):
    story_points_per_week = ma.fields.Float(required=True)
    tasks_per_week = ma.fields.Float(required=True)
    weeks = ma.fields.List(ma.fields.Nested(WeekSchema), required=True)


class BurndownDaySchema(ma.Schema):
    date = ma.fields.Date(required=True)
    remaining_story_points = ma.fields.Integer(required=True)
    remaining_tasks = ma.fields.Integer(required=True)


class BurndownSchema(ma.Schema):
    parent_task_id = ma.fields.UUID(required=True)
    days = ma.fields.List(ma.fields.Nested(BurndownDaySchema), required=True)


class TeamStatsSchema(PerformanceSchema):
    team_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    velocity = ma.fields.Nested(VelocitySchema, required=True)
    burndown = ma.fields.Nested(BurndownSchema, allow_none=True)


class DistributionItemSchema(ma.Schema):
    key = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class DistributionSchema(ma.Schema):
    by = ma.fields.String(required=True)
    scope = ma.fields.String(required=True, metadata={"description": "all, user or team"})
    scope_id = ma.fields.UUID(allow_none=True)
    total = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(DistributionItemSchema), required=True)


_WEEKDAY = validate.Range(min=1, max=7, error="Must be an ISO weekday: 1 (Monday) to 7.")
_HOUR = validate.Range(min=0, max=23, error="Must be an hour from 0 to 23.")
_RECIPIENTS = ma.fields.List(
    ma.fields.UUID(),
    allow_none=True,
    validate=validate.Length(min=1, max=50),
    metadata={
        "description": "Users to e-mail (each must see the team's figures: its members, "
        "managers, admins); null: the team's managers at sending time"
    },
)


class ScheduleCreateSchema(StrictSchema):
    team_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(("team_performance", "tasks")))
    format = ma.fields.String(required=True, validate=validate.OneOf(("csv", "xlsx", "pdf")))
    weekday = ma.fields.Integer(required=True, strict=True, validate=_WEEKDAY)
    hour = ma.fields.Integer(load_default=8, strict=True, validate=_HOUR)
    timezone = ma.fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "IANA time zone of the slot (default: yours)"},
    )
    recipient_ids = _RECIPIENTS


class SchedulePatchSchema(StrictSchema):
    kind = ma.fields.String(validate=validate.OneOf(("team_performance", "tasks")))
    format = ma.fields.String(validate=validate.OneOf(("csv", "xlsx", "pdf")))
    weekday = ma.fields.Integer(strict=True, validate=_WEEKDAY)
    hour = ma.fields.Integer(strict=True, validate=_HOUR)
    timezone = ma.fields.String(validate=validate.Length(min=1, max=64))
    recipient_ids = _RECIPIENTS


class ScheduleSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    team_id = ma.fields.UUID(required=True)
    created_by = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True)
    format = ma.fields.String(required=True)
    weekday = ma.fields.Integer(required=True, metadata={"description": "1 (Monday) to 7"})
    hour = ma.fields.Integer(required=True)
    timezone = ma.fields.String(required=True)
    recipient_ids = ma.fields.List(ma.fields.UUID(), allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    next_run_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "The next slot (UTC) a report is made for"}
    )
    version = ma.fields.Integer(required=True)


class SchedulePageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = ma.fields.String(
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "Opaque: the `next_cursor` of the previous page"},
    )


class SchedulePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ScheduleSchema), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)
