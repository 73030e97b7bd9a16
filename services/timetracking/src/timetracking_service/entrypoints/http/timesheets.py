"""Timesheets, their approval, and the auto-tracking preference."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import PRIVATE, authenticated, bearer
from timetracking_service.application.services import TimeTrackingServices
from timetracking_service.application.timesheets import TimesheetView
from timetracking_service.domain.calendar import iso_week_of
from timetracking_service.entrypoints.http.common import PREFIX, caller, sheet_status_view
from timetracking_service.entrypoints.http.schemas import (
    ApproveSchema,
    HistoryQuerySchema,
    PreferencesSchema,
    RejectSchema,
    SubmitSchema,
    TeamWeekQuerySchema,
    TeamWeekSchema,
    TimesheetHistorySchema,
    TimesheetQuerySchema,
    TimesheetSchema,
    TimesheetStatusSchema,
    UnlockSchema,
)


def _json(body: dict[str, Any]) -> Response:
    """A week is thousands of cells: dumped as the JSON it already is (plain strings and
    numbers), not walked again by the response schema, which documents it."""
    return Response(json.dumps(body, default=str), mimetype="application/json", headers=PRIVATE)


def timesheet_view(view: TimesheetView) -> dict[str, Any]:
    balance = view.balance
    status = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in sheet_status_view(view.sheet).items()
    }
    return status | {
        "timezone": view.timezone,
        "days": [
            {
                "date": day.day.isoformat(),
                "expected_minutes": day.expected_minutes,
                "worked_minutes": day.worked_minutes,
                "overtime_minutes": day.overtime_minutes,
            }
            for day in balance.days
        ],
        "tasks": view.tasks,
        "totals": {
            "expected_minutes": balance.expected_minutes,
            "worked_minutes": balance.worked_minutes,
            "overtime_minutes": balance.overtime_minutes,
        },
    }


def build_timesheets_blueprint(services: TimeTrackingServices) -> Blueprint:
    blp = Blueprint(
        "timesheets",
        __name__,
        url_prefix=f"{PREFIX}/timesheets",
        description="Weeks of time: days by tasks, expected hours, overtime, approval.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Timesheet(MethodView):
        @blp.arguments(TimesheetQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, TimesheetSchema)
        @problem(blp, 404, "No user the caller may see has this id")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """A user's week (default: the caller's) in a time zone (default: the caller's).
            Expected hours come from the user's team working calendar (8 h Monday to Friday
            when none)."""
            view = services.timesheets.view(
                caller(services.verifier), args.get("user"), args["week"], args.get("tz")
            )
            return _json(timesheet_view(view))

    @blp.route("/team")
    class TeamWeek(MethodView):
        @blp.arguments(TeamWeekQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, TeamWeekSchema)
        @problem(blp, 403, "Only the team's managers and admins")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Every active member's week of a team (a manager's view)."""
            views = services.timesheets.team_view(
                caller(services.verifier), args["team"], args["week"], args.get("tz")
            )
            body = {
                "team_id": str(args["team"]),
                "week": iso_week_of(args["week"]),
                "items": [timesheet_view(view) for view in views],
            }
            return _json(body)

    @blp.route("/submit")
    class Submit(MethodView):
        @blp.arguments(SubmitSchema)
        @blp.response(200, TimesheetStatusSchema)
        @problem(blp, 404, "No user the caller may see has this id")
        @problem(blp, 409, "Already submitted or approved")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Submit a week for approval."""
            sheet = services.timesheets.submit(
                caller(services.verifier), body["user"], body["week"]
            )
            return sheet_status_view(sheet), 200, PRIVATE

    @blp.route("/approve")
    class Approve(MethodView):
        @blp.arguments(ApproveSchema)
        @blp.response(200, TimesheetStatusSchema)
        @problem(blp, 403, "Only managers of the user's team, or admins (never one's own)")
        @problem(blp, 409, "Not submitted")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Approve a submitted week: its entries are locked from now on."""
            sheet = services.timesheets.decide(
                caller(services.verifier), body["user"], body["week"], approve=True
            )
            return sheet_status_view(sheet), 200, PRIVATE

    @blp.route("/reject")
    class Reject(MethodView):
        @blp.arguments(RejectSchema)
        @blp.response(200, TimesheetStatusSchema)
        @problem(blp, 403, "Only managers of the user's team, or admins (never one's own)")
        @problem(blp, 409, "Not submitted")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Reject a submitted week with a reason; the user may change it and resubmit."""
            sheet = services.timesheets.decide(
                caller(services.verifier),
                body["user"],
                body["week"],
                approve=False,
                reason=body["reason"],
            )
            return sheet_status_view(sheet), 200, PRIVATE

    @blp.route("/unlock")
    class Unlock(MethodView):
        @blp.arguments(UnlockSchema)
        @blp.response(200, TimesheetStatusSchema)
        @problem(blp, 403, "Only managers of the user's team, or admins (never one's own)")
        @problem(blp, 409, "Not approved")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Reopen an approved week with a reason: its entries may change again and it is
            submitted anew (the step is kept in the week's history and published)."""
            sheet = services.timesheets.unlock(
                caller(services.verifier), body["user"], body["week"], body["reason"]
            )
            return sheet_status_view(sheet), 200, PRIVATE

    @blp.route("/history")
    class History(MethodView):
        @blp.arguments(HistoryQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, TimesheetHistorySchema)
        @problem(blp, 404, "No user the caller may see has this id")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Every step of a week, oldest first: submitted, approved, rejected, unlocked,
            by whom, when and why."""
            me = caller(services.verifier)
            steps = services.timesheets.history(me, args.get("user"), args["week"])
            body = {
                "user_id": args.get("user") or me.user_id,
                "week": iso_week_of(args["week"]),
                "items": [
                    {
                        "action": step.action,
                        "status": step.status,
                        "version": step.version,
                        "actor_id": step.actor_id,
                        "reason": step.reason,
                        "at": step.at,
                    }
                    for step in steps
                ],
            }
            return body, 200, PRIVATE

    return blp


def build_preferences_blueprint(services: TimeTrackingServices) -> Blueprint:
    blp = Blueprint(
        "time_preferences",
        __name__,
        url_prefix=f"{PREFIX}/preferences",
        description="The caller's time-tracking preferences.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Preferences(MethodView):
        @blp.response(200, PreferencesSchema)
        @bearer(blp)
        def get(self) -> Any:
            """Whether the workflow starts and stops the caller's timers (off by default)."""
            enabled = services.preferences.get(caller(services.verifier))
            return {"auto_tracking": enabled}, 200, PRIVATE

        @blp.arguments(PreferencesSchema)
        @blp.response(200, PreferencesSchema)
        @bearer(blp)
        def put(self, body: dict[str, Any]) -> Any:
            """Turn automatic tracking on or off."""
            enabled = services.preferences.set(caller(services.verifier), body["auto_tracking"])
            return {"auto_tracking": enabled}, 200, PRIVATE

    return blp
