"""The hooks HTTP app (webhooks under /api/v1/webhooks, the feed under /api/v1/activity)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

from hooks_service.application.services import HooksServices
from hooks_service.domain.errors import HooksError
from hooks_service.entrypoints.http.activity import build_activity_blueprint
from hooks_service.entrypoints.http.errors import problem_for
from hooks_service.entrypoints.http.webhooks import build_webhooks_blueprint
from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck

API_VERSION = "1.0.0"


def create_app(
    services: HooksServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service="hooks",
        title="Taskhive hooks API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        description="Webhooks (Standard Webhooks signatures) and the activity feed; the live "
        "stream `GET /api/v1/stream` (Server-Sent Events) is served by the stream process.",
        public_base_url=public_base_url,
    )

    def domain_error(error: HooksError) -> Response:
        answer: Response = api.handle_problem_error(problem_for(error))
        return answer

    app.register_error_handler(HooksError, domain_error)
    api.register_blueprint(build_webhooks_blueprint(services))
    api.register_blueprint(build_activity_blueprint(services))
    # Merged into the document as it is rendered (apispec `options`).
    api.spec.options.setdefault("paths", {})["/api/v1/stream"] = {"get": STREAM_OPERATION}
    return app


# Served by the stream process (`hooks-service stream`), documented here with the rest.
STREAM_OPERATION = {
    "tags": ["stream"],
    "summary": "Live events (Server-Sent Events)",
    "description": (
        "`text/event-stream` of every event the caller may see (checked per event at send "
        "time): `id:` (resume with `Last-Event-ID`; events are kept for "
        "HOOKS_EVENT_RETENTION_DAYS), `event:` (its type), `data:` (the CloudEvents envelope). "
        "A comment line every 15 s keeps the connection alive; the stream ends when the access "
        "token expires (reconnect with a new one and `Last-Event-ID`)."
    ),
    "security": [{"bearerAuth": []}],
    "parameters": [
        {
            "name": "Last-Event-ID",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
            "description": "The last `id:` received: the events after it are sent first.",
        }
    ],
    "responses": {
        "200": {
            "description": "The stream",
            # The schema of one event (as SSE clients and schemathesis read the stream).
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "event": {"type": "string"},
                            "data": {"type": "string", "description": "The event as JSON"},
                        },
                    }
                }
            },
        },
        "401": {"description": "Missing, invalid or expired access token"},
        "503": {"description": "The stream process holds its maximum of streams"},
    },
}
