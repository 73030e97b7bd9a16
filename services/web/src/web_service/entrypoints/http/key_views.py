"""API keys (ADR 0024): list, create (the key shown on the answer page only, never kept in
the session or a flash), revoke. The API decides everything; this page only asks."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from web_service.application.errors import ApiError
from web_service.entrypoints.http.context import api
from web_service.entrypoints.http.security import flash, login_required

blueprint = Blueprint("keys", __name__)

SCOPES: dict[str, str] = {
    "tasks:read": "Read tasks, tags and templates",
    "tasks:write": "Create and change tasks",
    "users:read": "Read people and teams",
    "users:write": "Change profiles and teams",
}
EXPIRY_DAYS = (7, 30, 90, 365)
KEYS = "/api/v1/auth/api-keys"


def _render(errors: dict[str, list[str]], created: dict[str, Any] | None, status: int) -> Any:
    keys = api().get(KEYS, [("limit", "100")])["items"]
    return (
        render_template(
            "keys.html",
            keys=keys,
            scopes=SCOPES,
            expiry_days=EXPIRY_DAYS,
            errors=errors,
            created=created,
            name=request.form.get("name", "") if request.method == "POST" and not created else "",
            chosen=request.form.getlist("scopes")
            if request.method == "POST" and not created
            else [],
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@blueprint.route("/api-keys", methods=["GET", "POST"])
@login_required
def api_keys() -> Any:
    if request.method == "GET":
        return _render({}, None, 200)
    try:
        days = int(request.form.get("expires_in_days") or "30")
    except ValueError:
        days = 0
    body = {
        "name": (request.form.get("name") or "").strip(),
        "scopes": [scope for scope in request.form.getlist("scopes") if scope in SCOPES],
        "expires_in_days": days,
    }
    try:
        created = api().post(KEYS, body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render(exc.errors or {"name": [exc.message()]}, None, exc.status)
    # Shown on this answer only: a reload does not show it again (no-store, no session copy).
    return _render({}, created, 201)


@blueprint.post("/api-keys/<key_id>/revoke")
@login_required
def revoke(key_id: str) -> Any:
    try:
        key_id = str(uuid.UUID(key_id))
    except ValueError:
        abort(404)
    api().delete(f"{KEYS}/{key_id}")
    flash("The key was revoked; it stops working within seconds.")
    return redirect(url_for("keys.api_keys"))
