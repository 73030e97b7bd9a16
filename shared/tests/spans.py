"""The spans a test module records from the process's tracer provider.

An OpenTelemetry SDK provider cannot drop a span processor: one shut down stays attached and
logs `Processor is already shutdown` at every later span, into the output of any later test
whose command configures logging to stdout. So a module's processor is switched off instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from taskhive_shared.observability.tracing import configure_tracing


class _Switchable(SimpleSpanProcessor):
    recording = True

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            super().on_end(span)


@contextmanager
def recorded_spans(service: str) -> Iterator[InMemorySpanExporter]:
    """Every span ended in the block, in the exporter it yields."""
    exporter = InMemorySpanExporter()
    processor = _Switchable(exporter)
    configure_tracing(service).add_span_processor(processor)
    try:
        yield exporter
    finally:
        processor.recording = False
        exporter.clear()
