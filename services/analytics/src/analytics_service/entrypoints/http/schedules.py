"""Weekly report schedules per team (managers of the team and admins): each week's report is
made by the beat job and its link e-mailed to the recipients."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from analytics_service.application.services import AnalyticsServices
from analytics_service.domain.schedules import ReportSchedule
from analytics_service.entrypoints.http.schemas import (
    ScheduleCreateSchema,
    SchedulePageQuerySchema,
    SchedulePageSchema,
    SchedulePatchSchema,
    ScheduleSchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IF_MATCH,
    LINK_HEADER,
    PRIVATE,
    authenticated,
    bearer,
    caller_id,
    if_match_version,
    page_answer,
    versioned,
)
from taskhive_shared.http.problem import validation_problem
from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor

_NOT_FOUND = "No report schedule of your teams has this id"
_FORBIDDEN = "Only managers (of the team) and admins schedule team reports"


def build_schedules_blueprint(services: AnalyticsServices) -> Blueprint:
    blp = Blueprint(
        "report_schedules",
        __name__,
        url_prefix="/api/v1/analytics/report-schedules",
        description="Weekly team reports, e-mailed as a link (the team's managers and admins).",
    )
    blp.before_request(authenticated(services.verifier))
    schedules = services.schedules

    def view(schedule: ReportSchedule) -> dict[str, Any]:
        ids = schedule.recipient_ids
        return {
            "id": schedule.id,
            "team_id": schedule.team_id,
            "created_by": schedule.created_by,
            "kind": schedule.kind,
            "format": schedule.format,
            "weekday": schedule.weekday,
            "hour": schedule.hour,
            "timezone": schedule.timezone,
            "recipient_ids": None if ids is None else list(ids),
            "created_at": schedule.created_at,
            "updated_at": schedule.updated_at,
            "next_run_at": schedules.next_run_at(schedule),
            "version": schedule.version,
        }

    @blp.route("/")
    class Schedules(MethodView):
        @blp.arguments(SchedulePageQuerySchema, location="query")
        @blp.response(200, SchedulePageSchema, headers=LINK_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """The schedules of your teams (admins: every team's), by id (keyset pages)."""
            limit = args["limit"]
            found = schedules.page(caller_id(services.verifier), _after(args), limit + 1)
            more = len(found) > limit
            found = found[:limit]
            cursor = encode_cursor({"id": str(found[-1].id)}) if more else None
            return page_answer([view(s) for s in found], cursor)

        @blp.arguments(ScheduleCreateSchema)
        @blp.response(201, ScheduleSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, "No team with this id")
        @problem(blp, 422, "Invalid fields: time zone, recipients who may not see the team")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Schedule a team's report every week at `weekday` `hour`:00 in `timezone`."""
            schedule = schedules.create(caller_id(services.verifier), body)
            return view(schedule), 201, versioned(schedule.version, {"Location": f"{schedule.id}"})

    @blp.route("/<uuid:schedule_id>/")
    class Schedule(MethodView):
        @blp.response(200, ScheduleSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, _NOT_FOUND)
        @bearer(blp)
        def get(self, schedule_id: uuid.UUID) -> Any:
            """One schedule."""
            schedule = schedules.get(caller_id(services.verifier), schedule_id)
            return view(schedule), 200, versioned(schedule.version)

        @blp.arguments(SchedulePatchSchema)
        @blp.response(200, ScheduleSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, _NOT_FOUND)
        @problem(blp, 412, "If-Match names an older version")
        @problem(blp, 422, "Invalid fields")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any], schedule_id: uuid.UUID) -> Any:
            """Change the kind, format, slot or recipients (a new slot counts from now)."""
            schedule = schedules.update(
                caller_id(services.verifier), schedule_id, if_match_version(), body
            )
            return view(schedule), 200, versioned(schedule.version)

        @blp.response(204)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, _NOT_FOUND)
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def delete(self, schedule_id: uuid.UUID) -> Any:
            """Stop the schedule (reports already made stay until they expire)."""
            schedules.delete(caller_id(services.verifier), schedule_id, if_match_version())
            return None, 204, PRIVATE

    return blp


def _after(args: dict[str, Any]) -> uuid.UUID | None:
    cursor = args.get("cursor")
    if cursor is None:
        return None
    try:
        return uuid.UUID(str(decode_cursor(cursor, {"id"})["id"]))
    except (InvalidCursor, ValueError) as exc:
        raise validation_problem({"cursor": ["Not a cursor of this list."]}) from exc
