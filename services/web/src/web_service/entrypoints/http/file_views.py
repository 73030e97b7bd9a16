"""Export and import pages: an export of the list as shown, an upload form, and each job's
page with its progress (it reloads itself while the job runs; no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from web_service.application.errors import ApiError
from web_service.application.file_jobs import export_filters, job_in_progress
from web_service.application.task_list import ListFilters
from web_service.entrypoints.http.context import api
from web_service.entrypoints.http.security import flash, login_required
from web_service.entrypoints.http.task_views import _uuid

blueprint = Blueprint("files", __name__)
_FORMATS = ("csv", "json")


@blueprint.post("/tasks/export")
@login_required
def export_tasks() -> Any:
    filters, _ = ListFilters.from_args(request.args)
    fmt = request.form.get("format", "csv")
    if fmt not in _FORMATS:
        fmt = "csv"
    job = api().post("/api/v1/tasks/exports/", {"format": fmt, "filters": export_filters(filters)})
    return redirect(url_for("files.export_job", job_id=job["id"]))


@blueprint.get("/exports/<job_id>")
@login_required
def export_job(job_id: str) -> Any:
    job = api().get(f"/api/v1/tasks/exports/{_uuid(job_id)}/")
    return render_template("tasks/job.html", job=job, refresh=job_in_progress(job))


@blueprint.get("/tasks/import")
@login_required
def import_form() -> Any:
    return render_template("tasks/import.html")


@blueprint.post("/tasks/import")
@login_required
def import_tasks() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV or JSON file to import.", "error")
        return render_template("tasks/import.html"), 422
    content = upload.read()
    params = [("dry_run", "true")] if request.form.get("dry_run") else []
    try:
        answer = api().call(
            "POST",
            "/api/v1/tasks/imports/",
            params=params,
            files=(("file", upload.filename, content, upload.mimetype or "text/csv"),),
        )
    except ApiError as exc:
        if exc.status not in (413, 422):
            raise
        flash(exc.detail or "The file cannot be imported.", "error")
        for messages in (exc.errors or {}).values():
            for message in messages:
                flash(message, "error")
        return render_template("tasks/import.html"), exc.status
    return redirect(url_for("files.import_job", job_id=answer.body["id"]))


@blueprint.get("/imports/<job_id>")
@login_required
def import_job(job_id: str) -> Any:
    job = api().get(f"/api/v1/tasks/imports/{_uuid(job_id)}/")
    return render_template("tasks/job.html", job=job, refresh=job_in_progress(job))
