"""The analytics HTTP app (everything under /api/v1/analytics)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

from analytics_service.application.services import AnalyticsServices
from analytics_service.domain.errors import AnalyticsError
from analytics_service.entrypoints.http.analytics import build_analytics_blueprint
from analytics_service.entrypoints.http.errors import problem_for
from analytics_service.entrypoints.http.reports import build_reports_blueprint
from analytics_service.entrypoints.http.schedules import build_schedules_blueprint
from taskhive_shared.files.download import download_blueprint
from taskhive_shared.files.links import LinkSigner
from taskhive_shared.files.port import FileStore
from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck

API_VERSION = "1.0.0"
DOWNLOAD_PATH = "/api/v1/analytics/files/"
"""Where signed links point (the download blueprint's route)."""


def create_app(
    services: AnalyticsServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    files: tuple[FileStore, LinkSigner],
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service="analytics",
        title="Taskhive analytics API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="Dashboards, per-user and per-team statistics and distributions, "
        "precomputed from the tasks and users events.",
        public_base_url=public_base_url,
    )

    def domain_error(error: AnalyticsError) -> Response:
        answer: Response = api.handle_problem_error(problem_for(error))
        return answer

    app.register_error_handler(AnalyticsError, domain_error)
    store, signer = files
    api.register_blueprint(build_analytics_blueprint(services))
    api.register_blueprint(build_reports_blueprint(services, signer))
    api.register_blueprint(build_schedules_blueprint(services))
    # Signed links only: whoever holds one for its 10 minutes downloads the file.
    api.register_blueprint(
        download_blueprint("analytics_files", DOWNLOAD_PATH.rstrip("/"), store, signer)
    )
    return app
