"""Factory of a service's Flask app: problem errors, request ids, health, metrics, traces,
OpenAPI and its UI."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

from taskhive_shared.http.api import ProblemApi
from taskhive_shared.http.health import ReadinessCheck, health_blueprint
from taskhive_shared.http.middleware import install_chunked_body_limit, install_request_id
from taskhive_shared.observability.web import install_observability


def create_service_app(
    *,
    service: str,
    title: str,
    version: str,
    max_body_bytes: int,
    readiness_checks: Mapping[str, ReadinessCheck],
    description: str = "",
    public_base_url: str | None = None,
    scope_service: str | None = None,
) -> tuple[Flask, ProblemApi]:
    """Every path of the service lives under `/api/v1/<service>`, as the gateway routes it.

    `public_base_url` is where clients reach the gateway (settings): the `Link` headers of
    lists start with it. Never the request's `Host`, which the client chooses; without it
    links are relative references (RFC 8288 resolves them against the request's URL).
    `scope_service` names the service in API-key scopes (`<it>:read|write`) when that is not
    the path's name (time tracking lives under `/api/v1/time`).
    """
    app = Flask(f"{service}_service")
    # Trailing slash optional on every route, and never a redirect (DESIGN §4).
    app.url_map.strict_slashes = False
    prefix = f"/api/v1/{service}"
    app.config.update(
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=prefix,
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=max_body_bytes,
        JSON_SORT_KEYS=False,
        TASKHIVE_SERVICE=scope_service or service,
        PUBLIC_BASE_URL=public_base_url.rstrip("/") if public_base_url else "",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
        },
    )
    install_request_id(app)
    install_observability(app, service)
    install_chunked_body_limit(app, max_body_bytes)
    api = ProblemApi(app)
    app.register_blueprint(health_blueprint(readiness_checks))
    # Swagger UI from the locally installed assets (no CDN).
    app.register_blueprint(
        get_swaggerui_blueprint(
            f"{prefix}/docs", f"{prefix}/openapi.json", config={"app_name": title}
        ),
    )
    return app, api
