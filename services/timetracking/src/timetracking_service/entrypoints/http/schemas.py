"""Request and response bodies of the time API (validation and the OpenAPI document)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma
from marshmallow import validate

from taskhive_shared.http.fields import AwareDateTime
from taskhive_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from timetracking_service.application.ports import GroupBy
from timetracking_service.domain.calendar import parse_iso_week
from timetracking_service.domain.model import (
    MAX_ENTRY_MINUTES,
    MAX_NOTE_CHARS,
    EntrySource,
    TimesheetStatus,
)

EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9998, 12, 31)
_DAY_RANGE = validate.Range(min=EARLIEST_DAY, max=LATEST_DAY)
_MINUTES = validate.Range(min=1, max=MAX_ENTRY_MINUTES)


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


def strict_boolean(**kwargs: Any) -> ma.fields.Boolean:
    """JSON `true`/`false` only."""
    return ma.fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def strict_integer(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, **kwargs)


def work_day(**kwargs: Any) -> ma.fields.Date:
    return ma.fields.Date(validate=_DAY_RANGE, **kwargs)


class IsoWeek(ma.fields.String):
    """`2026-W49`, loaded as the Monday of that week."""

    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> date:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_iso_week(text)
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from exc


class TimeZoneName(ma.fields.String):
    """An IANA zone name such as `Europe/Paris`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(text) <= 64:
            raise ma.ValidationError("Must be an IANA time zone name.")
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
            raise ma.ValidationError("Must be an IANA time zone name.") from exc
        return text


_WEEK_DOC = {"description": "ISO week, e.g. `2026-W49`", "example": "2026-W49"}
_TZ_DOC = {"description": "IANA time zone of the days (default: the caller's)"}


class EntrySchema(ma.Schema):
    id = ma.fields.UUID()
    user_id = ma.fields.UUID()
    task_id = ma.fields.UUID()
    team_id = ma.fields.UUID(allow_none=True)
    work_date = ma.fields.Date()
    started_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)
    duration_minutes = ma.fields.Integer(
        allow_none=True, metadata={"description": "null while the timer runs"}
    )
    running = ma.fields.Boolean()
    note = ma.fields.String()
    billable = ma.fields.Boolean()
    source = ma.fields.String(metadata={"enum": [source.value for source in EntrySource]})
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class EntryCreateSchema(StrictSchema):
    task_id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(
        load_default=None,
        metadata={"description": "Whose time (default: the caller; managers for their teams)"},
    )
    work_date = work_day(
        load_default=None,
        metadata={"description": "The day worked (default: the start's, or today, locally)"},
    )
    started_at = AwareDateTime(load_default=None)
    ended_at = AwareDateTime(load_default=None)
    duration_minutes = strict_integer(load_default=None, validate=_MINUTES)
    note = ma.fields.String(load_default="", validate=validate.Length(max=MAX_NOTE_CHARS))
    billable = strict_boolean(load_default=True)


class EntryPatchSchema(StrictSchema):
    work_date = work_day()
    started_at = AwareDateTime(allow_none=True)
    ended_at = AwareDateTime(allow_none=True)
    duration_minutes = strict_integer(validate=_MINUTES)
    note = ma.fields.String(validate=validate.Length(max=MAX_NOTE_CHARS))
    billable = strict_boolean()


class EntryListQuerySchema(StrictSchema):
    user = ma.fields.UUID()
    task = ma.fields.UUID()
    team = ma.fields.UUID()
    date_from = work_day(data_key="from")
    date_to = work_day(data_key="to")
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = ma.fields.String(validate=validate.Length(max=200))


class EntryPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class TimerStartSchema(StrictSchema):
    task_id = ma.fields.UUID(required=True)


class TimerStopSchema(StrictSchema):
    pass


class RunningTimerSchema(ma.Schema):
    running = ma.fields.Nested(EntrySchema, allow_none=True)


class PreferencesSchema(StrictSchema):
    auto_tracking = strict_boolean(
        required=True,
        metadata={
            "description": "Start a timer when a task assigned to you enters in_progress, "
            "stop it when the task leaves"
        },
    )


class TimesheetQuerySchema(StrictSchema):
    user = ma.fields.UUID(metadata={"description": "Whose week (default: the caller's)"})
    week = IsoWeek(required=True, metadata=_WEEK_DOC)
    tz = TimeZoneName(metadata=_TZ_DOC)


class TeamWeekQuerySchema(StrictSchema):
    team = ma.fields.UUID(required=True)
    week = IsoWeek(required=True, metadata=_WEEK_DOC)
    tz = TimeZoneName(metadata=_TZ_DOC)


class SubmitSchema(StrictSchema):
    user = ma.fields.UUID(load_default=None)
    week = IsoWeek(required=True, metadata=_WEEK_DOC)


class ApproveSchema(StrictSchema):
    user = ma.fields.UUID(required=True)
    week = IsoWeek(required=True, metadata=_WEEK_DOC)


class RejectSchema(ApproveSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))


class UnlockSchema(ApproveSchema):
    reason = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "Why the approved week is reopened (kept in its history)"},
    )


class HistoryQuerySchema(StrictSchema):
    user = ma.fields.UUID(metadata={"description": "Whose week (default: the caller's)"})
    week = IsoWeek(required=True, metadata=_WEEK_DOC)


class TimesheetStepSchema(ma.Schema):
    action = ma.fields.String(metadata={"enum": ["submitted", "approved", "rejected", "unlocked"]})
    status = ma.fields.String(metadata={"enum": [status.value for status in TimesheetStatus]})
    version = ma.fields.Integer()
    actor_id = ma.fields.UUID()
    reason = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class TimesheetHistorySchema(ma.Schema):
    user_id = ma.fields.UUID()
    week = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(TimesheetStepSchema))


class DaySchema(ma.Schema):
    date = ma.fields.Date()
    expected_minutes = ma.fields.Integer()
    worked_minutes = ma.fields.Integer()
    overtime_minutes = ma.fields.Integer()


class TaskRowSchema(ma.Schema):
    task_id = ma.fields.UUID()
    title = ma.fields.String()
    minutes_by_day = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    total_minutes = ma.fields.Integer()


class TotalsSchema(ma.Schema):
    expected_minutes = ma.fields.Integer()
    worked_minutes = ma.fields.Integer()
    overtime_minutes = ma.fields.Integer()


class TimesheetStatusSchema(ma.Schema):
    user_id = ma.fields.UUID()
    week = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [status.value for status in TimesheetStatus]})
    version = ma.fields.Integer()
    submitted_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.UUID(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class TimesheetSchema(TimesheetStatusSchema):
    timezone = ma.fields.String()
    days = ma.fields.List(ma.fields.Nested(DaySchema))
    tasks = ma.fields.List(ma.fields.Nested(TaskRowSchema))
    totals = ma.fields.Nested(TotalsSchema)


class TeamWeekSchema(ma.Schema):
    team_id = ma.fields.UUID()
    week = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(TimesheetSchema))


class ReportQuerySchema(StrictSchema):
    group_by = ma.fields.String(
        required=True,
        validate=validate.OneOf([group.value for group in GroupBy]),
        metadata={"description": "One row per task, user or team"},
    )
    date_from = work_day(data_key="from", required=True)
    date_to = work_day(data_key="to", required=True)
    user = ma.fields.UUID()
    task = ma.fields.UUID()
    team = ma.fields.UUID()
    format = ma.fields.String(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "`csv`: the same rows as CSV (as with `Accept: text/csv`)"},
    )


class ReportRowSchema(ma.Schema):
    key = ma.fields.UUID(
        allow_none=True,
        metadata={"description": "The task, user or team (null: tasks without a team)"},
    )
    label = ma.fields.String(metadata={"description": "Task title, user name; empty for teams"})
    entries = ma.fields.Integer()
    total_minutes = ma.fields.Integer()
    billable_minutes = ma.fields.Integer()
    non_billable_minutes = ma.fields.Integer()


class ReportSchema(ma.Schema):
    group_by = ma.fields.String(metadata={"enum": [group.value for group in GroupBy]})
    date_from = ma.fields.Date(data_key="from")
    date_to = ma.fields.Date(data_key="to")
    items = ma.fields.List(ma.fields.Nested(ReportRowSchema))
    totals = ma.fields.Nested(
        ma.Schema.from_dict(
            {
                "entries": ma.fields.Integer(),
                "total_minutes": ma.fields.Integer(),
                "billable_minutes": ma.fields.Integer(),
                "non_billable_minutes": ma.fields.Integer(),
            },
            name="ReportTotals",
        )
    )
