"""Report pages: ask for a report, follow its progress, download it. Pages of reports still
being generated reload themselves (a meta refresh: no JavaScript needed) and have a Refresh
button; the download link is the API's signed one, fresh on every view."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from web_service.application.analytics import (
    REPORT_FORMATS,
    REPORT_KINDS,
    in_progress,
    report_request,
)
from web_service.application.errors import ApiError
from web_service.entrypoints.http.context import api, deps
from web_service.entrypoints.http.security import flash, login_required, signed_in_user
from web_service.entrypoints.http.task_views import _uuid

blueprint = Blueprint("reports", __name__)
REFRESH_SECONDS = 2


def _user_id() -> str:
    user = signed_in_user()
    assert user is not None  # behind login_required
    return str(user.id)


@blueprint.get("/reports")
@login_required
def report_list() -> Any:
    ids = deps().reports.ids(_user_id())
    reports: list[dict[str, Any]] = []
    gone: set[str] = set()
    # One read per report, at once: the list is short (RecentReports.KEEP).
    client, pool = api(), deps().pool
    client.get_all([], pool)  # refreshes the token once before the threads start
    futures = {i: pool.submit(client.get, f"/api/v1/analytics/reports/{i}/") for i in ids}
    for report_id, future in futures.items():
        try:
            reports.append(future.result())
        except ApiError as exc:
            if exc.status != 404:
                raise
            gone.add(report_id)
    deps().reports.forget(_user_id(), gone)
    return render_template(
        "analytics/reports.html",
        reports=reports,
        team_names=_team_names(reports),
        refresh=REFRESH_SECONDS if any(in_progress(r) for r in reports) else None,
        kinds=REPORT_KINDS,
        formats=REPORT_FORMATS,
    )


@blueprint.get("/reports/new")
@login_required
def new_report() -> Any:
    kind = request.args.get("kind", "tasks")
    return _form({"kind": kind, "format": "csv", "team_id": request.args.get("team_id", "")}, {})


@blueprint.post("/reports")
@login_required
def request_report() -> Any:
    body, errors = report_request(request.form)
    if errors:
        return _form(request.form, errors, 422)
    try:
        report = api().post("/api/v1/analytics/reports/", body)
    except ApiError as exc:
        if exc.status == 404:
            return _form(request.form, {"params.team_id": ["You cannot see this team."]}, 404)
        if exc.status != 422:
            raise
        return _form(request.form, exc.errors or {"kind": [exc.message()]}, 422)
    deps().reports.add(_user_id(), str(report["id"]))
    flash("Report requested: it is being generated.")
    return redirect(url_for("reports.report_detail", report_id=report["id"]))


@blueprint.get("/reports/<report_id>")
@login_required
def report_detail(report_id: str) -> Any:
    report = api().get(f"/api/v1/analytics/reports/{_uuid(report_id)}/")
    return render_template(
        "analytics/report.html",
        report=report,
        team_names=_team_names([report]),
        refresh=REFRESH_SECONDS if in_progress(report) else None,
        kinds=REPORT_KINDS,
        formats=REPORT_FORMATS,
    )


def _form(values: Any, errors: dict[str, list[str]], status: int = 200) -> Any:
    teams = deps().directory.teams(api())
    return render_template(
        "analytics/report_form.html",
        values=values,
        errors=errors,
        teams=teams,
        kinds=REPORT_KINDS,
        formats=REPORT_FORMATS,
    ), status


def _team_names(reports: list[dict[str, Any]]) -> dict[str, str]:
    if not any(r.get("params", {}).get("team_id") for r in reports):
        return {}
    return {team.id: team.name for team in deps().directory.teams(api())}
