"""Reports: POST → 202 and the report's Location; GET shows status, progress and, when done,
a signed `download_url` (10 minutes; the file lives 7 days)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from analytics_service.application.reports import ReportRequest
from analytics_service.application.services import AnalyticsServices
from analytics_service.domain.reports import Report, ReportStatus
from analytics_service.entrypoints.http.schemas import ReportCreateSchema, ReportSchema
from taskhive_shared.files.links import LinkSigner
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import PRIVATE, authenticated, bearer, caller_id


def build_reports_blueprint(services: AnalyticsServices, signer: LinkSigner) -> Blueprint:
    blp = Blueprint(
        "reports",
        __name__,
        url_prefix="/api/v1/analytics/reports",
        description="Reports generated in the background (csv, xlsx, pdf), yours only.",
    )
    blp.before_request(authenticated(services.verifier))

    def present(report: Report) -> dict[str, Any]:
        link = None
        if report.status == ReportStatus.DONE and report.file_key:
            base = current_app.config.get("PUBLIC_BASE_URL", "")
            link = signer.sign(report.file_key).url(base + url_for("analytics_files.download"))
        return {
            "id": report.id,
            "kind": report.kind,
            "format": report.format,
            "params": report.params,
            "status": report.status,
            "progress": report.progress,
            "rows": report.rows,
            "error": report.error,
            "created_at": report.created_at,
            "finished_at": report.finished_at,
            "expires_at": report.expires_at,
            "download_url": link,
        }

    @blp.route("/")
    class Reports(MethodView):
        @blp.arguments(ReportCreateSchema)
        @blp.response(202, ReportSchema, headers={"Location": {"schema": {"type": "string"}}})
        @problem(blp, 404, "The team or user of the report is not visible to you")
        @problem(blp, 422, "Invalid kind, format or params")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Ask for a report; poll its Location until `status` is `done`."""
            report = services.reports.request(
                ReportRequest(
                    actor_id=caller_id(services.verifier),
                    kind=body["kind"],
                    format=body["format"],
                    params=_params(body.get("params", {})),
                )
            )
            response = jsonify(ReportSchema().dump(present(report)))
            response.status_code = 202
            location = url_for("reports.Report", report_id=report.id)
            response.headers.update(
                {**PRIVATE, "Location": current_app.config.get("PUBLIC_BASE_URL", "") + location}
            )
            return response

    @blp.route("/<uuid:report_id>/")
    class Report(MethodView):
        @blp.response(200, ReportSchema)
        @problem(blp, 404, "No report of yours has this id")
        @bearer(blp)
        def get(self, report_id: uuid.UUID) -> Any:
            """Status, progress and, when done, a download link valid for 10 minutes."""
            report = services.reports.get(caller_id(services.verifier), report_id)
            return present(report), 200, PRIVATE

    return blp


def _params(params: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready parameters (dates and ids as strings), stored with the report."""
    return {
        ("from" if name == "from_" else name): str(value)
        for name, value in params.items()
        if value is not None
    }
