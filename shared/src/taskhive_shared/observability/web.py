"""A service app's metrics and traces: per-route RED metrics, a SERVER span per request that
continues the caller's `traceparent`, and `/metrics` beside `/livez` and `/readyz`."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from opentelemetry import context as otel_context
from opentelemetry import trace

from taskhive_shared.observability.metrics import exposition, http_metrics
from taskhive_shared.observability.tracing import context_of, tracer, valid_traceparent

_UNMATCHED = "<unmatched>"
METRICS_ENDPOINT = "taskhive_metrics"
_UNTRACED = frozenset({"/livez", "/readyz", "/metrics"})


def install_observability(app: Flask, service: str) -> None:
    metrics = http_metrics()

    @app.before_request
    def _start() -> None:
        g.observability_started = time.perf_counter()
        if request.path in _UNTRACED:
            return
        route = request.url_rule.rule if request.url_rule else _UNMATCHED
        parent = context_of(valid_traceparent(request.headers.get("traceparent")))
        span = tracer().start_span(
            f"{request.method} {route}",
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": request.method, "http.route": route},
        )
        g.observability_span = span
        g.observability_token = otel_context.attach(trace.set_span_in_context(span))

    @app.after_request
    def _record(response: Response) -> Response:
        started = g.get("observability_started")
        if started is None or request.path in _UNTRACED:
            return response
        route = request.url_rule.rule if request.url_rule else _UNMATCHED
        elapsed = time.perf_counter() - started
        metrics.requests.labels(service, request.method, route, str(response.status_code)).inc()
        metrics.duration.labels(service, request.method, route).observe(elapsed)
        cause = g.get("database_failure")  # set by the API's database error handler
        if cause is not None:
            metrics.database_failures.labels(service, request.method, route, cause).inc()
        span = g.get("observability_span")
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(trace.StatusCode.ERROR)
        return response

    @app.teardown_request
    def _end(_exc: Any) -> None:
        span = g.pop("observability_span", None)
        token = g.pop("observability_token", None)
        if span is not None:
            span.end()
        if token is not None:
            otel_context.detach(token)

    @app.get("/metrics", endpoint=METRICS_ENDPOINT)
    def _metrics() -> Response:
        payload, content_type = exposition()
        return Response(payload, content_type=content_type)
