"""Dashboard, user and team statistics, distribution: thin adapters to the queries."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from analytics_service.application.queries import RangeArgs
from analytics_service.application.services import AnalyticsServices
from analytics_service.entrypoints.http.schemas import (
    DashboardSchema,
    DistributionQuerySchema,
    DistributionSchema,
    RangeQuerySchema,
    TeamQuerySchema,
    TeamStatsSchema,
    UserStatsSchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import PRIVATE, authenticated, bearer, caller_id


def _range(args: dict[str, Any]) -> RangeArgs:
    return RangeArgs(first=args.get("from_"), last=args.get("to"), timezone=args.get("tz"))


def build_analytics_blueprint(services: AnalyticsServices) -> Blueprint:
    blp = Blueprint(
        "analytics",
        __name__,
        url_prefix="/api/v1/analytics",
        description="Figures precomputed from events: members see their own and their teams', "
        "managers and admins everyone's. Days are local days of `tz`.",
    )
    blp.before_request(authenticated(services.verifier))
    queries = services.queries

    @blp.route("/dashboard/")
    class Dashboard(MethodView):
        @blp.arguments(RangeQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, DashboardSchema)
        @problem(blp, 422, "Invalid range or time zone")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """The caller's open, overdue and due tasks, and created vs completed per day."""
            return queries.dashboard(caller_id(services.verifier), _range(args)), 200, PRIVATE

    @blp.route("/users/<uuid:user_id>/")
    class UserStats(MethodView):
        @blp.arguments(RangeQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, UserStatsSchema)
        @problem(blp, 404, "No user with this id is visible to you")
        @problem(blp, 422, "Invalid range or time zone")
        @bearer(blp)
        def get(self, args: dict[str, Any], user_id: uuid.UUID) -> Any:
            """Throughput, cycle time p50/p85, on-time rate and open load of one user."""
            answer = queries.user(caller_id(services.verifier), user_id, _range(args))
            return answer, 200, PRIVATE

    @blp.route("/teams/<uuid:team_id>/")
    class TeamStats(MethodView):
        @blp.arguments(TeamQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, TeamStatsSchema)
        @problem(blp, 404, "No team with this id is visible to you")
        @problem(blp, 422, "Invalid range, time zone or parent task")
        @bearer(blp)
        def get(self, args: dict[str, Any], team_id: uuid.UUID) -> Any:
            """A team's performance, velocity per week and, with `parent`, a burndown."""
            answer = queries.team(
                caller_id(services.verifier), team_id, _range(args), args.get("parent")
            )
            return answer, 200, PRIVATE

    @blp.route("/distribution/")
    class Distribution(MethodView):
        @blp.arguments(DistributionQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, DistributionSchema)
        @problem(blp, 404, "No such team or user is visible to you")
        @problem(blp, 422, "Invalid dimension, or both team and user")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Current tasks counted by status, priority, assignee, tag or team."""
            answer = queries.distribution(
                caller_id(services.verifier), args["by"], args.get("team"), args.get("user")
            )
            return answer, 200, PRIVATE

    return blp
