"""The activity feed page: what happened on what the signed-in person may see (hooks API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from web_service.application.errors import ApiError
from web_service.application.task_list import Trail
from web_service.entrypoints.http.context import api
from web_service.entrypoints.http.security import login_required

blueprint = Blueprint("activity", __name__)

KINDS = {
    "": "Everything",
    "tasks.task": "Tasks",
    "tasks.task.commented": "Comments",
    "tasks.task.assigned": "Assignments",
    "tasks.task.status_changed": "Status changes",
    "users.team": "Teams",
}


@blueprint.get("/activity")
@login_required
def feed() -> Any:
    kind = request.args.get("type", "")
    kind = kind if kind in KINDS else ""
    trail = Trail.from_args(request.args.get("cursor"), request.args.get("trail"))
    params: list[tuple[str, str]] = [("limit", "30")]
    if kind:
        params.append(("type", kind))
    if trail.cursor:
        params.append(("cursor", trail.cursor))
    try:
        page = api().get("/api/v1/activity/", params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        return redirect(url_for("activity.feed"))
    query = {"type": kind} if kind else {}
    return render_template(
        "activity/feed.html",
        page=page,
        kind=kind,
        kinds=KINDS,
        query=query,
        next_query=trail.next(page["next_cursor"]) if page.get("next_cursor") else None,
        previous_query=trail.back(),
    )
