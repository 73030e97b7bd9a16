"""Automation pages (ADR 0020): working calendars, SLA policies and team settings.

Everyone may look; managers and admins change them. The API decides (a member's post is its
403, shown as a page); these views only convert forms and show the API's field errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from web_service.application.api import if_match
from web_service.application.automation_forms import (
    AUTO_ASSIGN,
    WEEKDAY_NUMBERS,
    AutomationForm,
    calendar_form,
    calendar_from_post,
    policy_form,
    policy_from_post,
    settings_from_post,
)
from web_service.application.errors import ApiError
from web_service.entrypoints.http.context import api, deps
from web_service.entrypoints.http.security import flash, login_required

blueprint = Blueprint("automation", __name__)

CALENDARS = "/api/v1/calendars"
POLICIES = "/api/v1/sla-policies"
SETTINGS = "/api/v1/team-settings"
STALE = "It changed in another window meanwhile; check it and save again."


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _items(path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api().get(f"{path}/", [("limit", "100")])["items"]
    return found


@blueprint.get("/automation")
@login_required
def overview() -> Any:
    teams = deps().directory.teams(api())
    return render_template(
        "automation/overview.html",
        calendars=_items(CALENDARS),
        policies=_items(POLICIES),
        teams=teams,
        team_names={t.id: t.name for t in teams},
        weekdays=WEEKDAY_NUMBERS,
    )


def _save(
    form: AutomationForm,
    send: Callable[[], Any],
    template: str,
    done: str,
    **context: Any,
) -> Any:
    """Send the body unless the form already has errors; on the API's 422/412 show the form."""
    message = None
    if not form.errors:
        try:
            send()
        except ApiError as exc:
            if exc.status == 412:
                message = STALE
            elif exc.status in (409, 422):
                rest = form.adopt_api_errors(exc.errors)
                message = "; ".join(rest) if rest or exc.errors else exc.message()
            else:
                raise
        else:
            flash(done)
            return redirect(url_for("automation.overview"))
    return render_template(template, form=form, message=message, **context), (
        409 if message == STALE else 422
    )


def _delete(path: str, version: str, what: str) -> Any:
    try:
        api().delete(path, headers=if_match(version) if version.isdigit() else None)
    except ApiError as exc:
        if exc.status not in (409, 412):
            raise
        flash(STALE if exc.status == 412 else exc.message(), "error")
    else:
        flash(f"{what} deleted.")
    return redirect(url_for("automation.overview"))


# --- working calendars ------------------------------------------------------------------------


def _calendar_page(calendar: dict[str, Any] | None) -> dict[str, Any]:
    return {"weekdays": WEEKDAY_NUMBERS, "calendar": calendar}


@blueprint.route("/automation/calendars/new", methods=["GET", "POST"])
@login_required
def new_calendar() -> Any:
    if request.method == "GET":
        form = calendar_form()
        return render_template("automation/calendar_form.html", form=form, **_calendar_page(None))
    form, body = calendar_from_post(_field, request.form.getlist)
    return _save(
        form,
        lambda: api().post(f"{CALENDARS}/", body),
        "automation/calendar_form.html",
        "Calendar created.",
        **_calendar_page(None),
    )


@blueprint.route("/automation/calendars/<calendar_id>", methods=["GET", "POST"])
@login_required
def edit_calendar(calendar_id: str) -> Any:
    path = f"{CALENDARS}/{_uuid(calendar_id)}"
    calendar = api().get(path)
    if request.method == "GET":
        form = calendar_form(calendar)
        return render_template(
            "automation/calendar_form.html", form=form, **_calendar_page(calendar)
        )
    form, body = calendar_from_post(_field, request.form.getlist)
    version = _field("version")
    return _save(
        form,
        lambda: api().patch(path, body, headers=if_match(version)),
        "automation/calendar_form.html",
        "Calendar saved.",
        **_calendar_page(calendar),
    )


@blueprint.post("/automation/calendars/<calendar_id>/delete")
@login_required
def delete_calendar(calendar_id: str) -> Any:
    return _delete(f"{CALENDARS}/{_uuid(calendar_id)}", _field("version"), "Calendar")


# --- SLA policies ------------------------------------------------------------------------------


def _policy_context(policy: dict[str, Any] | None) -> dict[str, Any]:
    return {"policy": policy, "teams": deps().directory.teams(api())}


@blueprint.route("/automation/sla-policies/new", methods=["GET", "POST"])
@login_required
def new_policy() -> Any:
    if request.method == "GET":
        return render_template(
            "automation/policy_form.html", form=policy_form(), **_policy_context(None)
        )
    form, body = policy_from_post(_field, request.form.getlist)
    return _save(
        form,
        lambda: api().post(f"{POLICIES}/", body),
        "automation/policy_form.html",
        "SLA policy created; the open tasks follow it within seconds.",
        **_policy_context(None),
    )


@blueprint.route("/automation/sla-policies/<policy_id>", methods=["GET", "POST"])
@login_required
def edit_policy(policy_id: str) -> Any:
    path = f"{POLICIES}/{_uuid(policy_id)}"
    policy = api().get(path)
    if request.method == "GET":
        return render_template(
            "automation/policy_form.html", form=policy_form(policy), **_policy_context(policy)
        )
    form, body = policy_from_post(_field, request.form.getlist)
    version = _field("version")
    return _save(
        form,
        lambda: api().patch(path, body, headers=if_match(version)),
        "automation/policy_form.html",
        "SLA policy saved; the open tasks follow it within seconds.",
        **_policy_context(policy),
    )


@blueprint.post("/automation/sla-policies/<policy_id>/delete")
@login_required
def delete_policy(policy_id: str) -> Any:
    return _delete(f"{POLICIES}/{_uuid(policy_id)}", _field("version"), "SLA policy")


# --- team settings -----------------------------------------------------------------------------


@blueprint.route("/teams/<team_id>/automation", methods=["GET", "POST"])
@login_required
def team_settings(team_id: str) -> Any:
    team_id = _uuid(team_id)
    path = f"{SETTINGS}/{team_id}"
    settings = api().get(path)
    context = {
        "settings": settings,
        "team": next((t for t in deps().directory.teams(api()) if t.id == team_id), None),
        "calendars": _items(CALENDARS),
        "modes": AUTO_ASSIGN,
    }
    if request.method == "GET":
        form = AutomationForm(
            values={
                "calendar_id": str(settings.get("calendar_id") or ""),
                "auto_assign": str(settings.get("auto_assign") or "off"),
            }
        )
        return render_template("automation/team_settings.html", form=form, **context)
    form, body = settings_from_post(_field)
    version = _field("version")
    # Version 0 is the defaults (no row yet): nothing to match.
    headers = if_match(version) if version.isdigit() and version != "0" else None
    return _save(
        form,
        lambda: api().call("PUT", path, json=body, headers=headers),
        "automation/team_settings.html",
        "Team settings saved.",
        **context,
    )


def _field(name: str) -> str:
    return request.form.get(name) or ""
