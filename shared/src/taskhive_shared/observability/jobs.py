"""Celery jobs in metrics and traces: runs, end states and durations; the job's span continues
the trace of whoever enqueued it (a `traceparent` message header, or the current context when
the job runs eagerly in the caller's process); the beat's last send per schedule.

Celery's signals are process-wide: they are connected once, and a run is labelled with its
app's name (the service; `create_jobs_app` names the app after it).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from celery import signals
from opentelemetry import context as otel_context
from opentelemetry import trace

from taskhive_shared.observability.metrics import job_metrics
from taskhive_shared.observability.tracing import (
    TRACEPARENT,
    context_of,
    current_traceparent,
    tracer,
    valid_traceparent,
)

_installed = False
_lock = threading.Lock()
_running: dict[str, tuple[trace.Span, object, float]] = {}
_BEAT_PROCESS = threading.Event()
"""Set in a beat process: its publishes are schedule runs."""


def install_job_observability() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    signals.before_task_publish.connect(_inject, weak=False)
    signals.task_prerun.connect(_started, weak=False)
    signals.task_postrun.connect(_finished, weak=False)


def mark_beat_process() -> None:
    _BEAT_PROCESS.set()


def _inject(sender: str | None = None, headers: dict[str, Any] | None = None, **_: Any) -> None:
    traceparent = current_traceparent()
    if headers is not None and traceparent:
        headers[TRACEPARENT] = traceparent
    if _BEAT_PROCESS.is_set() and sender:
        service = sender.split(".", 1)[0]
        job_metrics().beat_last_run.labels(service, sender).set(time.time())


def _started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is None or task is None:
        return
    remote = valid_traceparent(getattr(task.request, TRACEPARENT, None))
    span = tracer().start_span(
        f"job {task.name}",
        context=context_of(remote),
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "celery", "celery.task_name": task.name},
    )
    token = otel_context.attach(trace.set_span_in_context(span))
    _running[task_id] = (span, token, time.perf_counter())


def _finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    if task_id is None or task is None:
        return
    started = _running.pop(task_id, None)
    service = str(task.app.main or "unknown")
    metrics = job_metrics()
    metrics.runs.labels(service, task.name, state or "UNKNOWN").inc()
    if started is None:
        return
    span, token, began = started
    metrics.duration.labels(service, task.name).observe(time.perf_counter() - began)
    if state == "FAILURE":
        span.set_status(trace.StatusCode.ERROR)
    span.end()
    otel_context.detach(token)  # type: ignore[arg-type]
