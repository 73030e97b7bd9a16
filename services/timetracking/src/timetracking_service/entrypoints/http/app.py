"""The time API (everything under /api/v1/time)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck
from timetracking_service.application.services import TimeTrackingServices
from timetracking_service.domain.errors import TimeTrackingError
from timetracking_service.entrypoints.http.entries import (
    build_entries_blueprint,
    build_timer_blueprint,
)
from timetracking_service.entrypoints.http.errors import problem_for
from timetracking_service.entrypoints.http.reports import build_reports_blueprint
from timetracking_service.entrypoints.http.timesheets import (
    build_preferences_blueprint,
    build_timesheets_blueprint,
)

API_VERSION = "1.0.0"
PATH_NAME = "time"
"""The service's path under /api/v1 (the gateway routes /api/v1/time/ here)."""


def create_app(
    services: TimeTrackingServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service=PATH_NAME,
        title="Taskhive time API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="Time entries, timers (manual and from the workflow), timesheets, overtime.",
        public_base_url=public_base_url,
        scope_service="timetracking",
    )

    def domain_error(error: TimeTrackingError) -> Response:
        answer: Response = api.handle_problem_error(problem_for(error))
        return answer

    app.register_error_handler(TimeTrackingError, domain_error)
    api.register_blueprint(build_entries_blueprint(services))
    api.register_blueprint(build_timer_blueprint(services))
    api.register_blueprint(build_timesheets_blueprint(services))
    api.register_blueprint(build_preferences_blueprint(services))
    api.register_blueprint(build_reports_blueprint(services))
    return app
