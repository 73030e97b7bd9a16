"""Working calendars, team automation settings and SLA policies (ADR 0020)."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IF_MATCH,
    IF_NONE_MATCH,
    LINK_HEADER,
    bearer,
    if_match_version,
    not_modified_response,
    page_answer,
    versioned,
)
from taskhive_shared.http.fields import BoundedDecimal
from tasks_service.domain.automation import NAME_MAX, AutoAssign, Calendar, TeamSettings, clock_text
from tasks_service.domain.calendar import MAX_HOLIDAYS
from tasks_service.domain.model import Priority
from tasks_service.domain.sla import TARGET_MAX, SlaPolicy
from tasks_service.domain.tags import TAG_NAME_MAX
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.schemas import PageQuerySchema, StrictSchema

_NOT_FOUND = "No calendar has this id"
_STAFF = "Only managers and admins change calendars and team settings"
_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


def _calendar_fields(*, create: bool) -> dict[str, ma.fields.Field[Any]]:
    return {
        "name": ma.fields.String(required=create, validate=validate.Length(min=1, max=NAME_MAX)),
        "timezone": ma.fields.String(
            required=create,
            validate=validate.Length(min=1, max=64),
            metadata={"description": "IANA time zone", "example": "Europe/Berlin"},
        ),
        "working_days": ma.fields.List(
            ma.fields.Integer(strict=True, validate=validate.Range(1, 7)),
            validate=validate.Length(min=1, max=7),
            metadata={"description": "ISO weekdays, 1 = Monday … 7 = Sunday", "example": [1, 2]},
        ),
        "day_start": ma.fields.String(
            validate=validate.Regexp(_CLOCK), metadata={"example": "09:00"}
        ),
        "day_end": ma.fields.String(
            validate=validate.Regexp(_CLOCK),
            metadata={"description": "After day_start", "example": "17:00"},
        ),
        "holidays": ma.fields.List(ma.fields.Date(), validate=validate.Length(max=MAX_HOLIDAYS)),
    }


CalendarCreateSchema = StrictSchema.from_dict(_calendar_fields(create=True), name="CalendarCreate")
CalendarPatchSchema = StrictSchema.from_dict(_calendar_fields(create=False), name="CalendarPatch")
CalendarSchema = ma.Schema.from_dict(
    _calendar_fields(create=False)
    | {
        "id": ma.fields.UUID(),
        "created_by": ma.fields.UUID(),
        "created_at": ma.fields.DateTime(),
        "updated_at": ma.fields.DateTime(),
        "version": ma.fields.Integer(),
    },
    name="Calendar",
)


class CalendarPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CalendarSchema))
    next_cursor = ma.fields.String(allow_none=True)


class TeamSettingsPutSchema(StrictSchema):
    calendar_id = ma.fields.UUID(
        required=True,
        allow_none=True,
        metadata={"description": "The team's working calendar; null for the default"},
    )
    auto_assign = ma.fields.Enum(AutoAssign, by_value=True, required=True)


class TeamSettingsSchema(ma.Schema):
    team_id = ma.fields.UUID()
    calendar_id = ma.fields.UUID(allow_none=True)
    auto_assign = ma.fields.Enum(AutoAssign, by_value=True)
    updated_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "0 while the team has the defaults"})


def _body(calendar: Calendar) -> dict[str, Any]:
    hours = calendar.hours
    return {
        "id": calendar.id,
        "name": calendar.name,
        "timezone": hours.timezone,
        "working_days": sorted(hours.working_days),
        "day_start": clock_text(hours.day_start),
        "day_end": clock_text(hours.day_end),
        "holidays": sorted(hours.holidays),
        "created_by": calendar.created_by,
        "created_at": calendar.created_at,
        "updated_at": calendar.updated_at,
        "version": calendar.version,
    }


def _answer(calendar: Calendar, status: int = 200) -> tuple[dict[str, Any], int, Any]:
    return _body(calendar), status, versioned(calendar.version)


def _settings(settings: TeamSettings) -> tuple[TeamSettings, int, Any]:
    return settings, 200, versioned(settings.version)


blp = Blueprint(
    "calendars",
    __name__,
    url_prefix="/api/v1/calendars",
    description="Working calendars: time zone, working days and hours, holidays. Everyone "
    "reads them; managers and admins change them.",
)
blp.before_request(require_token)

team_blp = Blueprint(
    "team_settings",
    __name__,
    url_prefix="/api/v1/team-settings",
    description="Each team's automation settings: its working calendar and auto-assignment.",
)
team_blp.before_request(require_token)


@blp.route("/")
class Calendars(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, CalendarPageSchema, headers=LINK_HEADER)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Calendars ordered by name."""
        page = services().automation.calendars(me(), args["limit"], args.get("cursor"))
        return page_answer([_body(item) for item in page.items], page.next_cursor)

    @blp.arguments(CalendarCreateSchema())
    @blp.response(201, CalendarSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _STAFF)
    @bearer(blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a calendar (omitted: Mon-Fri, 09:00-17:00, no holidays)."""
        return _answer(services().automation.create_calendar(me(), body), 201)


@blp.route("/<uuid:calendar_id>")
class OneCalendar(MethodView):
    @blp.response(200, CalendarSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not modified (If-None-Match)")
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    @blp.doc(parameters=[IF_NONE_MATCH])
    def get(self, calendar_id: uuid.UUID) -> Any:
        """One calendar."""
        calendar = services().automation.calendar(me(), calendar_id)
        return not_modified_response(calendar.version) or _answer(calendar)

    @blp.arguments(CalendarPatchSchema())
    @blp.response(200, CalendarSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _STAFF)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, body: dict[str, Any], calendar_id: uuid.UUID) -> Any:
        """Change some fields of a calendar; the open tasks' SLA due times follow (the
        re-apply job)."""
        calendar = services().automation.update_calendar(
            me(), calendar_id, body, if_match_version()
        )
        return _answer(calendar)

    @blp.response(204)
    @problem(blp, 403, _STAFF)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "Teams work this calendar")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, calendar_id: uuid.UUID) -> Any:
        """Delete a calendar no team works."""
        services().automation.delete_calendar(me(), calendar_id, if_match_version())
        return None


@team_blp.route("/<uuid:team_id>")
class OneTeamSettings(MethodView):
    @team_blp.response(200, TeamSettingsSchema, headers=ETAG_HEADER)
    @problem(team_blp, 404, "No team has this id")
    @bearer(team_blp)
    def get(self, team_id: uuid.UUID) -> Any:
        """A team's settings (the defaults, version 0, until set)."""
        return _settings(services().automation.team_settings(me(), team_id))

    @team_blp.arguments(TeamSettingsPutSchema())
    @team_blp.response(200, TeamSettingsSchema, headers=ETAG_HEADER)
    @problem(team_blp, 403, _STAFF)
    @problem(team_blp, 404, "No team has this id")
    @problem(team_blp, 412, "If-Match names an older version")
    @bearer(team_blp)
    @team_blp.doc(parameters=[IF_MATCH])
    def put(self, body: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Set a team's calendar and auto-assignment."""
        settings = services().automation.put_team_settings(
            me(), team_id, body["calendar_id"], body["auto_assign"], if_match_version()
        )
        return _settings(settings)


_POLICY_NOT_FOUND = "No SLA policy has this id"
_STAFF_POLICIES = "Only managers and admins change SLA policies"


def _target(description: str, *, create: bool) -> BoundedDecimal:
    return BoundedDecimal(
        maximum=TARGET_MAX,
        required=create,
        metadata={"description": f"{description}, in working hours of the task's calendar"},
    )


def _policy_fields(*, create: bool) -> dict[str, ma.fields.Field[Any]]:
    return {
        "name": ma.fields.String(required=create, validate=validate.Length(min=1, max=NAME_MAX)),
        "priorities": ma.fields.List(
            ma.fields.Enum(Priority, by_value=True),
            required=create,
            validate=validate.Length(min=1, max=len(Priority)),
            metadata={"description": "The priorities of the tasks it governs"},
        ),
        "team_id": ma.fields.UUID(
            allow_none=True, metadata={"description": "Only this team's tasks; null: any"}
        ),
        "tag": ma.fields.String(
            allow_none=True,
            validate=validate.Length(min=1, max=TAG_NAME_MAX),
            metadata={"description": "Only tasks with this tag (any letter case); null: any"},
        ),
        "response_hours": _target("Time to leave `todo`", create=create),
        "resolution_hours": _target("Time to `done`, paused while `blocked`", create=create),
    }


SlaPolicyCreateSchema = StrictSchema.from_dict(_policy_fields(create=True), name="SlaPolicyCreate")
SlaPolicyPatchSchema = StrictSchema.from_dict(_policy_fields(create=False), name="SlaPolicyPatch")
SlaPolicySchema = ma.Schema.from_dict(
    _policy_fields(create=False)
    | {
        "id": ma.fields.UUID(),
        "created_by": ma.fields.UUID(),
        "created_at": ma.fields.DateTime(),
        "updated_at": ma.fields.DateTime(),
        "version": ma.fields.Integer(),
    },
    name="SlaPolicy",
)


class SlaPolicyPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SlaPolicySchema))
    next_cursor = ma.fields.String(allow_none=True)


def _policy_body(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.name,
        "priorities": sorted(policy.priorities, key=list(Priority).index),
        "team_id": policy.team_id,
        "tag": policy.tag,
        "response_hours": policy.response_hours,
        "resolution_hours": policy.resolution_hours,
        "created_by": policy.created_by,
        "created_at": policy.created_at,
        "updated_at": policy.updated_at,
        "version": policy.version,
    }


def _policy_answer(policy: SlaPolicy, status: int = 200) -> tuple[dict[str, Any], int, Any]:
    return _policy_body(policy), status, versioned(policy.version)


sla_blp = Blueprint(
    "sla_policies",
    __name__,
    url_prefix="/api/v1/sla-policies",
    description="SLA policies: response and resolution targets in working hours for the "
    "tasks of some priorities (optionally of one team, or with one tag). A change "
    "re-applies to the open tasks.",
)
sla_blp.before_request(require_token)


@sla_blp.route("/")
class SlaPolicies(MethodView):
    @sla_blp.arguments(PageQuerySchema(), location="query", unknown=ma.RAISE)
    @sla_blp.response(200, SlaPolicyPageSchema, headers=LINK_HEADER)
    @bearer(sla_blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Policies ordered by name."""
        page = services().sla_policies.page(me(), args["limit"], args.get("cursor"))
        return page_answer([_policy_body(item) for item in page.items], page.next_cursor)

    @sla_blp.arguments(SlaPolicyCreateSchema())
    @sla_blp.response(201, SlaPolicySchema, headers=ETAG_HEADER)
    @problem(sla_blp, 403, _STAFF_POLICIES)
    @bearer(sla_blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a policy; it applies to the open tasks it matches within seconds."""
        return _policy_answer(services().sla_policies.create(me(), body), 201)


@sla_blp.route("/<uuid:policy_id>")
class OneSlaPolicy(MethodView):
    @sla_blp.response(200, SlaPolicySchema, headers=ETAG_HEADER)
    @sla_blp.alt_response(304, description="Not modified (If-None-Match)")
    @problem(sla_blp, 404, _POLICY_NOT_FOUND)
    @bearer(sla_blp)
    @sla_blp.doc(parameters=[IF_NONE_MATCH])
    def get(self, policy_id: uuid.UUID) -> Any:
        """One policy."""
        policy = services().sla_policies.get(me(), policy_id)
        return not_modified_response(policy.version) or _policy_answer(policy)

    @sla_blp.arguments(SlaPolicyPatchSchema())
    @sla_blp.response(200, SlaPolicySchema, headers=ETAG_HEADER)
    @problem(sla_blp, 403, _STAFF_POLICIES)
    @problem(sla_blp, 404, _POLICY_NOT_FOUND)
    @problem(sla_blp, 412, "If-Match names an older version")
    @bearer(sla_blp)
    @sla_blp.doc(parameters=[IF_MATCH])
    def patch(self, body: dict[str, Any], policy_id: uuid.UUID) -> Any:
        """Change some fields; the open tasks follow (unlike tools that apply a changed
        rule to new tasks only)."""
        policy = services().sla_policies.update(me(), policy_id, body, if_match_version())
        return _policy_answer(policy)

    @sla_blp.response(204)
    @problem(sla_blp, 403, _STAFF_POLICIES)
    @problem(sla_blp, 404, _POLICY_NOT_FOUND)
    @problem(sla_blp, 412, "If-Match names an older version")
    @bearer(sla_blp)
    @sla_blp.doc(parameters=[IF_MATCH])
    def delete(self, policy_id: uuid.UUID) -> Any:
        """Delete a policy; its tasks fall to the next matching policy, or have none."""
        services().sla_policies.delete(me(), policy_id, if_match_version())
        return None
