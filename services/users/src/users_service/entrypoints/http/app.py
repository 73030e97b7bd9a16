"""The users HTTP app (profiles under /api/v1/users, teams under /api/v1/teams)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck
from users_service.application.services import UsersServices
from users_service.domain.errors import UsersError
from users_service.entrypoints.http.errors import problem_for
from users_service.entrypoints.http.teams import build_teams_blueprint
from users_service.entrypoints.http.users import build_users_blueprint

API_VERSION = "1.0.0"


def create_app(
    services: UsersServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service="users",
        title="Taskhive users API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="The user directory, profiles and preferences, and teams.",
        public_base_url=public_base_url,
    )

    def domain_error(error: UsersError) -> Response:
        # Every domain refusal becomes its problem answer; views stay free of try/except.
        answer: Response = api.handle_problem_error(problem_for(error))
        return answer

    app.register_error_handler(UsersError, domain_error)
    api.register_blueprint(build_users_blueprint(services))
    api.register_blueprint(build_teams_blueprint(services))
    return app
