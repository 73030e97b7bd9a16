"""The audit HTTP app, built from what bootstrap assembled."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from audit_service.application.services import AuditServices
from audit_service.entrypoints.http.routes import build_blueprint
from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck

API_VERSION = "1.0.0"


def create_app(
    services: AuditServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service="audit",
        title="Taskhive audit API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="The hash-chained audit log: filtered pages and a JSON Lines export.",
        public_base_url=public_base_url,
    )
    api.register_blueprint(build_blueprint(services))
    return app
