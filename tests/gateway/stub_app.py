"""A stand-in service behind the real HAProxy and gunicorn of the gateway tests: the shared
app factory every service is built on (problem errors, body limit, health), a JSON endpoint
parsed like the services parse theirs, and a slow endpoint to kill a worker in the middle of."""

from __future__ import annotations

import os
import time

import marshmallow as ma
from flask import Flask, request
from flask_smorest import Blueprint
from opentelemetry import trace

from taskhive_shared.http.app import create_service_app
from taskhive_shared.observability.tracing import configure_tracing, current_trace_id


class EchoSchema(ma.Schema):
    title = ma.fields.String(required=True)


def create() -> Flask:
    configure_tracing("stub")  # as every service process does (process_settings)
    app, api = create_service_app(
        service="tasks",
        title="Gateway test stub",
        version="1.0.0",
        max_body_bytes=int(os.environ.get("STUB_MAX_BODY_BYTES", str(1024 * 1024))),
        readiness_checks={},
    )
    # The gateway routes by path prefix: each stub answers for the service it stands in for.
    prefix = os.environ.get("STUB_PREFIX", "/api/v1/tasks")
    blueprint = Blueprint("stub", __name__, url_prefix=prefix)

    @blueprint.post("/echo")
    @blueprint.arguments(EchoSchema)
    @blueprint.response(201, EchoSchema)
    def echo(body: dict[str, str]) -> dict[str, str]:
        return body

    @blueprint.route("/slow", methods=["GET", "POST"])
    @blueprint.response(200)
    def slow() -> dict[str, int]:
        time.sleep(float(os.environ.get("STUB_SLOW_SECONDS", "30")))
        return {"pid": os.getpid()}

    @blueprint.get("/trace")
    @blueprint.response(200)
    def traced() -> dict[str, str | None]:
        """What arrived and what the service's own span continues."""
        span = trace.get_current_span()
        parent = getattr(span, "parent", None)
        return {
            "traceparent": request.headers.get("traceparent"),
            "trace_id": current_trace_id(),
            "parent_id": trace.format_span_id(parent.span_id) if parent is not None else None,
        }

    @blueprint.get("/pid")
    @blueprint.response(200)
    def pid() -> dict[str, int]:
        return {"pid": os.getpid()}

    api.register_blueprint(blueprint)
    return app
