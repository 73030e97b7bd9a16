"""One trace per user action: an assignment's trace runs from the API request through its outbox
row, the relay's publish and the consumer into the e-mail jobs (ADR 0025), with an in-memory
span exporter beside the process's tracer provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.tests.spans import recorded_spans
from tasks_service.application.notifications.ports import SEND_TASK_NOTIFICATION


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans("tasks") as exporter:
        yield exporter


def _chain(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    """The names from `span` up to its root."""
    names = [span.name]
    while span.parent is not None:
        assert span.parent.trace_id == span.context.trace_id
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def test_an_assignment_is_one_trace_from_the_request_to_the_email_job(
    client, make_user, relay, mail, spans: InMemorySpanExporter
) -> None:
    ann, bob = make_user(), make_user()
    task = client.post("/api/v1/tasks", json={"title": "Traced"}, headers=ann.auth).get_json()
    relay()
    spans.clear()
    response = client.post(
        f"/api/v1/tasks/{task['id']}/assign", json={"user_ids": [str(bob.id)]}, headers=ann.auth
    )
    assert response.status_code == 200
    relay()
    relay()
    assert mail.messages_to(f"{bob.username}@example.org")

    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}
    # The job sends the e-mail itself (DELIVER_NOTIFICATIONS only re-tries what failed).
    [email_job] = [s for s in finished if s.name == f"job {SEND_TASK_NOTIFICATION}"]
    assert _chain(email_job, by_id) == [
        f"job {SEND_TASK_NOTIFICATION}",
        "consume tasks.task.assigned.v1",
        "publish tasks.task.assigned.v1",
        "outbox tasks.task.assigned.v1",
        "POST /api/v1/tasks/<uuid:task_id>/assign",
    ]
    [request] = [s for s in finished if s.parent is None]
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200


def test_a_caller_s_traceparent_is_continued(
    client, make_user, spans: InMemorySpanExporter
) -> None:
    ann = make_user()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    spans.clear()
    client.post(
        "/api/v1/tasks",
        json={"title": "Continued"},
        headers={**ann.auth, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    [request] = [s for s in spans.get_finished_spans() if s.name.startswith("POST ")]
    assert format(request.context.trace_id, "032x") == trace_id
    assert request.parent is not None
    assert request.parent.is_remote
