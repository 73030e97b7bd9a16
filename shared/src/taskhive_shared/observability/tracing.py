"""OpenTelemetry traces: one trace per user action, from the HTTP request through the outbox row,
the broker (W3C `traceparent` in the CloudEvents envelope) and the consumer into the job.

Every process gets an SDK tracer provider (so that trace ids exist and travel, and logs carry
them); spans leave the process only when OTLP export is configured by the standard
`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (off by default), or
when a test adds its own span processor.
"""

from __future__ import annotations

import os
import re
import threading

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
_TRACEPARENT_FORMAT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_propagator = TraceContextTextMapPropagator()
_lock = threading.Lock()
_provider: TracerProvider | None = None


def configure_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider once (later calls return it): the first service
    named gives the resource's `service.name`."""
    global _provider
    with _lock:
        if _provider is None:
            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
            ):
                provider.add_span_processor(_otlp_processor())
            trace.set_tracer_provider(provider)
            _provider = provider
        return _provider


def _otlp_processor() -> SpanProcessor:
    # Imported only when export is on: the exporter pulls in protobuf and an HTTP client.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return BatchSpanProcessor(OTLPSpanExporter())


def tracer() -> trace.Tracer:
    return trace.get_tracer("taskhive")


def valid_traceparent(value: object) -> str | None:
    """`value` when it is a W3C traceparent, else None (it comes from the outside)."""
    if isinstance(value, str) and _TRACEPARENT_FORMAT.fullmatch(value):
        return value
    return None


def current_traceparent() -> str | None:
    """The traceparent of the current span, None outside any recorded trace."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_of(traceparent: str | None) -> Context | None:
    """The context a span continues from: the remote parent named by `traceparent`, or the
    current one when there is none."""
    if not traceparent:
        return None
    return _propagator.extract({TRACEPARENT: traceparent})


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(span_context.trace_id) if span_context.is_valid else None
