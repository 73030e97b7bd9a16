"""The user directory, profiles (one's own editable, with notification preferences), teams."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from web_service.application.api import if_match
from web_service.application.errors import ApiError
from web_service.application.task_list import Trail
from web_service.entrypoints.http.context import api, deps
from web_service.entrypoints.http.security import current_session, flash, login_required

blueprint = Blueprint("people", __name__)

NOTIFICATIONS: dict[str, str] = {
    "task_assigned": "A task is assigned to me",
    "task_unassigned": "I am removed from a task",
    "task_status_changed": "The status of my task changes",
    "task_commented": "Someone comments on my task",
    "task_created": "A task is created in my team",
    "task_overdue": "My task is overdue",
    "task_due_soon": "My task is due soon",
    "daily_summary": "A daily summary of my tasks",
}
ROLES = ("admin", "manager", "member")


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


@blueprint.get("/users")
@login_required
def directory() -> Any:
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role", "")
    trail = Trail.from_args(request.args.get("cursor"), request.args.get("trail"))
    params: list[tuple[str, str]] = [("limit", "25")]
    if q:
        params.append(("q", q))
    if role in ROLES:
        params.append(("role", role))
    if trail.cursor:
        params.append(("cursor", trail.cursor))
    try:
        page = api().get("/api/v1/users/", params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        return redirect(url_for("people.directory", q=q or None))
    query = {k: v for k, v in (("q", q), ("role", role if role in ROLES else "")) if v}
    return render_template(
        "users/list.html",
        page=page,
        q=q,
        role=role,
        roles=ROLES,
        query=query,
        next_query=trail.next(page["next_cursor"]) if page.get("next_cursor") else None,
        previous_query=trail.back(),
    )


@blueprint.get("/users/<user_id>")
@login_required
def user_detail(user_id: str) -> Any:
    user_id = _uuid(user_id)
    profile = api().get(f"/api/v1/users/{user_id}")
    teams = deps().directory.teams(api())
    return render_template(
        "users/detail.html",
        profile=profile,
        teams=[t for t in teams if t.id in profile.get("team_ids", [])],
        notifications=NOTIFICATIONS,
    )


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    client = api()
    errors: dict[str, list[str]] = {}
    message = None
    if request.method == "GET":
        me = _me()
        return render_template(
            "users/profile.html", profile=me, errors=errors, notifications=NOTIFICATIONS
        )
    body = {
        "first_name": (request.form.get("first_name") or "").strip(),
        "last_name": (request.form.get("last_name") or "").strip(),
        "timezone": (request.form.get("timezone") or "UTC").strip(),
        "available": request.form.get("available") == "on",
        "notification_preferences": {
            name: request.form.get(f"notify_{name}") == "on" for name in NOTIFICATIONS
        },
    }
    try:
        updated = client.patch(
            "/api/v1/users/me", body, headers=if_match(request.form.get("version", ""))
        )
    except ApiError as exc:
        if exc.status == 412:
            message = "Your profile changed in another window; check it and save again."
        elif exc.status == 422:
            errors = exc.errors
            message = None if errors else exc.message()
        else:
            raise
    else:
        session = current_session(create=False)
        assert session is not None
        deps().sessions.update_profile(session, updated)
        flash("Profile saved.")
        return redirect(url_for("people.profile"))
    me = _me()
    if not message:  # keep what the user typed next to the errors
        me = {**me, **body}
    return render_template(
        "users/profile.html",
        profile=me,
        errors=errors,
        message=message,
        notifications=NOTIFICATIONS,
    ), (409 if errors == {} and message else 422)


def _me() -> dict[str, Any]:
    try:
        found: dict[str, Any] = api().get("/api/v1/users/me")
    except ApiError as exc:
        if exc.status != 404:
            raise
        # Registered a moment ago: the profile arrives from auth's event shortly.
        abort(503)
    return found


@blueprint.get("/teams")
@login_required
def teams() -> Any:
    q = (request.args.get("q") or "").strip()[:100]
    params: list[tuple[str, str]] = [("limit", "100")]
    if q:
        params.append(("q", q))
    page = api().get("/api/v1/teams/", params)
    return render_template("teams/list.html", teams=page["items"], q=q)


@blueprint.get("/teams/<team_id>")
@login_required
def team_detail(team_id: str) -> Any:
    team_id = _uuid(team_id)
    team = api().get(f"/api/v1/teams/{team_id}")
    members = deps().directory.people(api(), [m["id"] for m in team.get("members", [])])
    tasks = api().get("/api/v1/tasks/", [("team", team_id), ("limit", "20")])
    return render_template("teams/detail.html", team=team, members=members, tasks=tasks["items"])
