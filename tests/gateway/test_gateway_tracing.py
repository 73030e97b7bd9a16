"""The real gateway starts the trace of a user action (ADR 0025 §2): a request without a valid
W3C `traceparent` reaches the service with a new, well-formed one whose trace id the service's
span continues and HAProxy's access log names; a valid one is kept as it came. And the
processes' /metrics is never served to the public."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.test import Client

from taskhive_gateway.router import GatewayRouter, Route
from tests.gateway.conftest import Gateway

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_PARENT = "00f067aa0ba902b7"


def traced(gateway: Gateway, **headers: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the service saw of one request, and the gateway's access log line of it."""
    request_id = uuid.uuid4().hex
    response = requests.get(
        gateway.url("/api/v1/tasks/trace"),
        headers={"X-Request-ID": request_id, **headers},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json(), log_line(gateway, request_id)


def log_line(gateway: Gateway, request_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        for line in gateway.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and f'"request_id":"{request_id}"' in line:
                entry: dict[str, Any] = json.loads(line)
                return entry
        if time.monotonic() > deadline:
            pytest.fail(f"no access log line for request {request_id}")
        time.sleep(0.1)


def test_a_request_without_traceparent_gets_one_the_service_continues_and_the_log_names(
    gateway: Gateway,
) -> None:
    seen, logged = traced(gateway)
    found = TRACEPARENT.fullmatch(seen["traceparent"] or "")
    assert found is not None, seen
    trace_id, parent_id = found.groups()
    assert trace_id != "0" * 32
    assert parent_id != "0" * 16
    assert seen["trace_id"] == trace_id  # the service's span is in the gateway's trace
    assert seen["parent_id"] == parent_id  # ...as a child of the gateway's hop
    assert (logged["trace_id"], logged["parent_id"]) == (trace_id, parent_id)

    again, _ = traced(gateway)
    assert again["trace_id"] != trace_id  # a new trace per request


def test_a_valid_traceparent_is_kept(gateway: Gateway) -> None:
    incoming = f"00-{CALLER_TRACE}-{CALLER_PARENT}-01"
    seen, logged = traced(gateway, traceparent=incoming, tracestate="vendor=1")
    assert seen["traceparent"] == incoming
    assert seen["trace_id"] == CALLER_TRACE
    assert seen["parent_id"] == CALLER_PARENT
    assert (logged["trace_id"], logged["parent_id"]) == (CALLER_TRACE, CALLER_PARENT)


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        f"00-{CALLER_TRACE.upper()}-{CALLER_PARENT}-01",
        f"00-{'0' * 32}-{CALLER_PARENT}-01",
        f"00-{CALLER_TRACE}-{'0' * 16}-01",
        f"ff-{CALLER_TRACE}-{CALLER_PARENT}-01",
        f"00-{CALLER_TRACE}-{CALLER_PARENT}-01-extra",
    ],
)
def test_a_malformed_traceparent_is_replaced(gateway: Gateway, bad: str) -> None:
    seen, logged = traced(gateway, traceparent=bad)
    found = TRACEPARENT.fullmatch(seen["traceparent"] or "")
    assert found is not None, seen
    assert found[1] != CALLER_TRACE.lower()
    assert seen["trace_id"] == found[1] == logged["trace_id"]


def test_two_traceparent_headers_are_replaced_by_one(gateway: Gateway) -> None:
    request_id = uuid.uuid4().hex
    head = (
        "GET /api/v1/tasks/trace HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n"
        f"X-Request-ID: {request_id}\r\n"
        f"traceparent: 00-{CALLER_TRACE}-{CALLER_PARENT}-01\r\n"
        f"traceparent: 00-{'1' * 32}-{CALLER_PARENT}-01\r\n\r\n"
    )
    with socket.create_connection(gateway.address, timeout=10) as sock:
        sock.sendall(head.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    seen = json.loads(received.partition(b"\r\n\r\n")[2])
    assert TRACEPARENT.fullmatch(seen["traceparent"]) is not None
    assert seen["trace_id"] not in (CALLER_TRACE, "1" * 32)
    assert log_line(gateway, request_id)["trace_id"] == seen["trace_id"]


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "//metrics", "/%6detrics"])
def test_metrics_are_not_served_through_the_gateway(gateway: Gateway, path: str) -> None:
    response = requests.get(gateway.url(path), timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "taskhive_" not in response.text


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
def test_the_embedded_router_does_not_route_metrics_either(path: str) -> None:
    web = Flask("web")
    web.add_url_rule("/metrics", "metrics", lambda: "taskhive_http_requests_total 1")
    web.add_url_rule("/tasks", "tasks", lambda: "page")
    client = Client(GatewayRouter([Route("/", web.wsgi_app)]))
    assert client.get("/tasks").status_code == 200
    refused = client.get(path)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
