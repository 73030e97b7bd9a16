"""The skeleton's observability without servers: the probe listener, RED metrics of a service
app scraped and parsed, trace ids in logs, traceparent in the envelope."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.http.app import create_service_app
from taskhive_shared.logging import RequestIdFilter
from taskhive_shared.observability.probe import NotReady, ProbeServer, Progress, start_probe
from taskhive_shared.observability.tracing import configure_tracing, tracer


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def probe() -> Iterator[tuple[ProbeServer, Progress]]:
    progress = Progress(max_silence=0.5)
    server = ProbeServer(0, {"loop": progress.check}, host="127.0.0.1").start()
    yield server, progress
    server.stop()


def test_the_probe_is_ready_only_while_the_loop_goes_round(
    probe: tuple[ProbeServer, Progress],
) -> None:
    server, progress = probe
    base = f"http://127.0.0.1:{server.port}"
    assert _get(f"{base}/livez")[0] == 200
    status, body = _get(f"{base}/readyz")
    assert status == 503
    assert json.loads(body)["checks"]["loop"] == "unavailable: not connected"
    progress.beat()
    assert _get(f"{base}/readyz")[0] == 200
    progress.lost()
    assert _get(f"{base}/readyz")[0] == 503
    assert _get(f"{base}/nothing")[0] == 404


def test_a_silent_loop_is_not_ready() -> None:
    progress = Progress(max_silence=0.0)
    progress.beat()
    with pytest.raises(NotReady, match="no progress"):
        progress.check()


def test_the_probe_serves_the_process_metrics(probe: tuple[ProbeServer, Progress]) -> None:
    server, _ = probe
    status, body = _get(f"http://127.0.0.1:{server.port}/metrics")
    assert status == 200
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert "python_info" in names


def test_a_service_app_counts_requests_per_route_template() -> None:
    app, _api = create_service_app(
        service="probe", title="t", version="1", max_body_bytes=1000, readiness_checks={}
    )

    @app.get("/api/v1/probe/things/<int:thing>")
    def thing(thing: int) -> dict[str, int]:
        return {"thing": thing}

    client = app.test_client()
    for n in range(3):
        assert client.get(f"/api/v1/probe/things/{n}").status_code == 200
    assert client.get("/api/v1/probe/missing").status_code == 404
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped.get_data(as_text=True))
        for sample in family.samples
    }
    route = "/api/v1/probe/things/<int:thing>"

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({"service": "probe", **labels}.items())))]

    assert value("taskhive_http_requests_total", method="GET", route=route, status="200") == 3
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value("taskhive_http_requests_total", **unmatched) == 1
    assert value("taskhive_http_request_duration_seconds_count", method="GET", route=route) == 3


def test_log_records_carry_the_trace_id() -> None:
    configure_tracing("probe")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with tracer().start_as_current_span("work") as span:
        RequestIdFilter().filter(record)
    assert record.trace_id == format(span.get_span_context().trace_id, "032x")
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(outside)
    assert outside.trace_id is None


def test_the_envelope_carries_a_valid_traceparent_only() -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    envelope = EventEnvelope(
        type="tasks.task.created.v1", source="tasks", subject="s", data={}, traceparent=traceparent
    )
    raw = envelope.to_dict()
    assert raw["traceparent"] == traceparent
    assert EventEnvelope.from_dict(raw).traceparent == traceparent
    hostile = {**raw, "traceparent": "00-zz\u0000-not-a-trace"}
    assert EventEnvelope.from_dict(hostile).traceparent is None
    assert "traceparent" not in EventEnvelope.from_dict({**raw, "traceparent": None}).to_dict()


def test_a_taken_probe_port_is_logged_and_the_process_goes_on(
    probe: tuple[ProbeServer, Progress], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = probe
    monkeypatch.setenv("TASKHIVE_PROBE_PORT", str(server.port))
    monkeypatch.setenv("TASKHIVE_PROBE_BIND", "127.0.0.1")
    assert start_probe({}) is None
