"""Analytics pages: the dashboard, a team's and a user's figures, the distribution of tasks.
Every chart is an SVG drawn here (domain/charts.py), with a data table as its text
alternative; the API's figures come from the analytics read models (ADR 0021)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web_service.application.analytics import DIMENSIONS, DateRange, performance_figures
from web_service.application.errors import ApiError
from web_service.domain.charts import grouped_bars, line_chart, ranked_bars
from web_service.domain.workflow import priority_label, status_label
from web_service.entrypoints.http.context import api, deps
from web_service.entrypoints.http.security import flash, login_required, signed_in_user
from web_service.entrypoints.http.task_views import _uuid

blueprint = Blueprint("analytics", __name__)


def _per_day_chart(days: list[dict[str, Any]]) -> Any:
    return grouped_bars(
        [day["date"][5:] for day in days],
        [
            ("created", [day["created"] for day in days]),
            ("completed", [day["completed"] for day in days]),
        ],
    )


def _refused(exc: ApiError, retry: str) -> Response:
    """A range or parent the API refuses (422): said on the page with the defaults instead."""
    if exc.status != 422:
        raise exc
    flash(" ".join(m for ms in exc.errors.values() for m in ms) or exc.message(), "error")
    return redirect(retry)


@blueprint.get("/dashboard")
@login_required
def dashboard() -> Any:
    figures = api().get("/api/v1/analytics/dashboard/")
    days = figures["per_day"]
    return render_template(
        "analytics/dashboard.html", figures=figures, chart=_per_day_chart(days), days=days
    )


@blueprint.get("/teams/<team_id>/analytics")
@login_required
def team_analytics(team_id: str) -> Any:
    team_id = _uuid(team_id)
    window = DateRange.from_args(request.args)
    parent = request.args.get("parent", "")
    parent = _uuid(parent) if parent else ""
    params = window.params() + ([("parent", parent)] if parent else [])
    try:
        stats, parents = api().get_all(
            [
                (f"/api/v1/analytics/teams/{team_id}/", params),
                ("/api/v1/tasks/", [("team", team_id), ("parent", "none"), ("limit", "50")]),
            ],
            deps().pool,
        )
    except ApiError as exc:
        if not params:
            raise
        return _refused(exc, url_for("analytics.team_analytics", team_id=team_id))
    weeks = stats["velocity"]["weeks"]
    velocity = grouped_bars(
        [week["week_start"][5:] for week in weeks],
        [
            ("points", [week["story_points"] for week in weeks]),
            ("tasks", [week["tasks"] for week in weeks]),
        ],
    )
    burndown = stats.get("burndown") or None
    burndown_chart = None
    if burndown:
        burn_days = burndown["days"]
        burndown_chart = line_chart(
            [day["date"][5:] for day in burn_days],
            [
                ("points", [day["remaining_story_points"] for day in burn_days]),
                ("tasks", [day["remaining_tasks"] for day in burn_days]),
            ],
        )
    return render_template(
        "analytics/team.html",
        stats=stats,
        figures=performance_figures(stats),
        window=window,
        velocity=velocity,
        weeks=weeks,
        per_day=_per_day_chart(stats["per_day"]),
        days=stats["per_day"],
        parents=parents["items"],
        parent=parent,
        burndown=burndown,
        burndown_chart=burndown_chart,
    )


@blueprint.get("/users/<user_id>/analytics")
@login_required
def user_analytics(user_id: str) -> Any:
    user_id = _uuid(user_id)
    window = DateRange.from_args(request.args)
    try:
        stats, profile = api().get_all(
            [
                (f"/api/v1/analytics/users/{user_id}/", window.params()),
                (f"/api/v1/users/{user_id}", ()),
            ],
            deps().pool,
        )
    except ApiError as exc:
        if not window.params():
            raise
        return _refused(exc, url_for("analytics.user_analytics", user_id=user_id))
    return render_template(
        "analytics/user.html",
        stats=stats,
        profile=profile,
        figures=performance_figures(stats),
        window=window,
        per_day=_per_day_chart(stats["per_day"]),
        days=stats["per_day"],
    )


@blueprint.get("/analytics/distribution")
@login_required
def distribution() -> Any:
    by = request.args.get("by", "status")
    if by not in DIMENSIONS:
        by = "status"
    scope: dict[str, str] = {}
    for name in ("team", "user"):
        value = request.args.get(name, "")
        if value and not scope:
            scope[name] = _uuid(value)
    found = api().get("/api/v1/analytics/distribution/", [("by", by), *scope.items()])
    names = _key_names(by, [item["key"] for item in found["items"]])
    items = [(names.get(item["key"], item["key"]), item["count"]) for item in found["items"]]
    return render_template(
        "analytics/distribution.html",
        found=found,
        by=by,
        scope=scope,
        scope_name=_scope_name(found),
        dimensions=DIMENSIONS,
        items=items,
        chart=ranked_bars(items),
    )


def _key_names(by: str, keys: list[str]) -> dict[str, str]:
    """People's and teams' names instead of ids; workflow labels instead of codes."""
    if by == "status":
        return {key: status_label(key) for key in keys}
    if by == "priority":
        return {key: priority_label(key) for key in keys}
    if by == "assignee":
        people = deps().directory.people(api(), keys)
        return {key: person.display_name for key, person in people.items()}
    if by == "team":
        teams = {team.id: team.name for team in deps().directory.teams(api())}
        return {key: teams.get(key, "No team" if key == "none" else key) for key in keys}
    return {}


def _scope_name(found: dict[str, Any]) -> str:
    scope, scope_id = found.get("scope"), found.get("scope_id")
    if scope == "team" and scope_id:
        teams = {team.id: team.name for team in deps().directory.teams(api())}
        return f"Tasks of the team {teams.get(scope_id, scope_id)}"
    if scope == "user" and scope_id:
        user = signed_in_user()
        if user is not None and user.id == scope_id:
            return "Your tasks"
        person = deps().directory.people(api(), [scope_id]).get(scope_id)
        return f"Tasks of {person.display_name if person else scope_id}"
    return "All tasks"
