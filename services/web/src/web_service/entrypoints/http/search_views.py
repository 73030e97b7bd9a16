"""The list's bulk actions and the search box's suggestions (progressive enhancement: the
list and its search form work without JavaScript)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for

from web_service.application.errors import ApiError
from web_service.domain.workflow import PRIORITIES, STATUSES, priority_label, status_label
from web_service.entrypoints.http.context import api, deps
from web_service.entrypoints.http.security import (
    current_session,
    flash,
    login_required,
    safe_next,
    signed_in_user,
)

blueprint = Blueprint("task_search", __name__)
MAX_SELECTED = 100
"""As many tasks as the API's bulk takes in one request."""
BULK_ACTIONS: dict[str, str] = {
    "archive": "Archive",
    "restore": "Restore",
    **{f"status:{s}": f"Status → {status_label(s)}" for s in STATUSES},
    **{f"priority:{p}": f"Priority → {priority_label(p)}" for p in PRIORITIES},
    "assign:me": "Assign to me",
}


@blueprint.app_context_processor
def _bulk_actions() -> dict[str, Any]:
    return {"BULK_ACTIONS": BULK_ACTIONS}


def _operation(task_id: str, action: str, me: str) -> dict[str, Any]:
    if action in ("archive", "restore"):
        return {"id": task_id, "op": action}
    if action == "assign:me":
        return {"id": task_id, "op": "assign", "user_ids": [me]}
    field, value = action.split(":", 1)
    return {"id": task_id, "op": "update", "values": {field: value}}


def _selected_ids() -> list[str]:
    found: list[str] = []
    for value in request.form.getlist("ids"):
        try:
            task_id = str(uuid.UUID(value))
        except ValueError:
            continue
        if task_id not in found:
            found.append(task_id)
    return found


def _titles() -> dict[str, str]:
    """The titles the list showed for the selected tasks (`title-<id>` fields), to name one."""
    return {
        name.removeprefix("title-"): value[:200]
        for name, value in request.form.items()
        if name.startswith("title-")
    }


def _refusal(exc: ApiError, ids: list[str], titles: dict[str, str]) -> str:
    """Which selected task stopped the bulk, and why, in the user's words."""
    for key, messages in exc.errors.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "operations" and parts[1].isdigit():
            index = int(parts[1])
            task_id = ids[index] if index < len(ids) else ""
            name = titles.get(task_id) or "one of the selected tasks"
            reason = " ".join(m.split(": ", 1)[-1] for m in messages)
            return f"Nothing was changed: “{name}” refused it. {reason}"
    return f"Nothing was changed. {exc.message()}"


@blueprint.post("/tasks/bulk")
@login_required
def bulk() -> Any:
    back = safe_next(request.form.get("next"), url_for("tasks.task_list"))
    action = request.form.get("action", "")
    ids = _selected_ids()
    if action not in BULK_ACTIONS:
        flash("Choose what to do with the selected tasks.", "error")
        return redirect(back)
    if not ids:
        flash("Select at least one task.", "error")
        return redirect(back)
    if len(ids) > MAX_SELECTED:
        flash(f"At most {MAX_SELECTED} tasks at once.", "error")
        return redirect(back)
    session = current_session(create=False)
    assert session is not None
    me = str(signed_in_user().id)
    operations = [_operation(task_id, action, me) for task_id in ids]
    try:
        api().post("/api/v1/tasks/bulk/", {"operations": operations})
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        flash(_refusal(exc, ids, _titles()), "error")
        return redirect(back)
    deps().counts.forget(session)
    count = len(ids)
    flash(f"{BULK_ACTIONS[action]}: done for {count} task{'s' if count != 1 else ''}.")
    return redirect(back)


@blueprint.get("/tasks/suggest")
@login_required
def suggest() -> Any:
    """JSON for the search box's script: tag names and titles the API suggests."""
    q = " ".join((request.args.get("q") or "").split())[:100]
    if not q or "\x00" in q:
        return jsonify({"items": []})
    body = api().get("/api/v1/tasks/suggest/", [("q", q)])
    return jsonify({"items": [item["text"] for item in body.get("items", [])]})
