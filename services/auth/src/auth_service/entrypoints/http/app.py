"""The auth HTTP app, built from the use cases bootstrap assembled."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth_service.application.services import AuthServices
from auth_service.entrypoints.http.routes import build_blueprint
from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck

API_VERSION = "1.0.0"


def create_app(
    services: AuthServices, readiness_checks: Mapping[str, ReadinessCheck], *, max_body_bytes: int
) -> Flask:
    app, api = create_service_app(
        service="auth",
        title="Taskhive auth API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="Registration, sign-in, token refresh and revocation, and the JWKS.",
    )
    api.register_blueprint(build_blueprint(services))
    return app
