"""Every error a client gets from the gateway or from the app server behind it is RFC 9457
problem+json: the gateway's limits bite before gunicorn's HTML refusals, a chunked body over the
limit is a 413, a service without a live server a 503 with Retry-After, and a worker killed in
the middle of a request a retry (safe methods) or a 502 — never a dropped connection."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from typing import Any

import pytest
import requests

from tests.gateway.conftest import ROOT, SLOW_SECONDS, Gateway, wait_for

PROBLEM = "application/problem+json"


def raw_request(
    gateway: Gateway, head: bytes, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Bytes on the wire, so that nothing on the client side cleans them up first."""
    with socket.create_connection(gateway.address, timeout=10) as sock:
        sock.sendall(head + b"\r\n" + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    header_block, _, payload = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, payload


def get_head(path: str, *extra: bytes) -> bytes:
    lines = [f"GET {path} HTTP/1.1".encode(), b"Host: gateway.test", b"Connection: close", *extra]
    return b"\r\n".join(lines) + b"\r\n"


def assert_problem(
    status: int, headers: dict[str, str], body: bytes, expected: int
) -> dict[str, Any]:
    assert status == expected, body[:300]
    assert headers["content-type"].startswith(PROBLEM), headers
    problem: dict[str, Any] = json.loads(body)
    assert problem["status"] == expected
    assert problem["type"]
    assert problem["title"]
    return problem


def assert_problem_response(response: requests.Response, expected: int) -> dict[str, Any]:
    return assert_problem(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.content,
        expected,
    )


# --- the configuration itself --------------------------------------------------------------------


def test_every_error_body_in_the_gateway_config_is_an_rfc_9457_problem() -> None:
    config = (ROOT / "gateway/haproxy.cfg").read_text()
    errors = re.findall(
        r"^\s*(http-error status|http-request return status|http-response return status) "
        r"(\d{3}) content-type (\S+) string '([^']*)'(.*)$",
        config,
        flags=re.MULTILINE,
    )
    by_directive = {directive for directive, *_ in errors}
    assert by_directive == {
        "http-error status",
        "http-request return status",
        "http-response return status",
    }
    for _directive, status, content_type, body, condition in errors:
        if int(status) < 400 or "/gateway/readyz" in condition:
            continue  # answers, and the readiness probe's own status document
        assert content_type == PROBLEM, status
        problem = json.loads(body)
        assert problem["status"] == int(status)
        assert set(problem) >= {"type", "title", "status", "detail"}, problem
    emitted = {int(status) for directive, status, *_ in errors if directive == "http-error status"}
    # Every status HAProxy 2.6 can generate itself has its problem+json body.
    assert emitted >= {400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503}
    assert 504 in emitted


# --- limits: the gateway refuses first, as problem+json ------------------------------------------


@pytest.mark.parametrize("length", [4_200, 9_000, 15_000])
def test_a_request_target_over_the_limit_is_414_problem(gateway: Gateway, length: int) -> None:
    # 9,000 is over gunicorn's own maximum (8,190): the gateway must answer before it.
    path = "/api/v1/users/pid?q=" + "a" * length
    status, headers, body = raw_request(gateway, get_head(path))
    assert_problem(status, headers, body, 414)
    assert headers["x-request-id"]


def test_a_request_target_within_the_limit_reaches_the_service(gateway: Gateway) -> None:
    path = "/api/v1/users/pid?q=" + "a" * (4096 - len("/api/v1/users/pid?q="))
    response = requests.get(gateway.url(path), timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("character", [b"\x01", b"\x1b", b"\x7f", b"\x00"])
def test_a_header_with_a_control_character_is_400_problem(
    gateway: Gateway, character: bytes
) -> None:
    head = get_head("/api/v1/users/pid", b"X-Note: a" + character + b"b")
    status, headers, body = raw_request(gateway, head)
    problem = assert_problem(status, headers, body, 400)
    assert "control character" in problem["detail"]


def test_a_header_with_a_tab_or_latin_1_text_passes(gateway: Gateway) -> None:
    head = get_head("/api/v1/users/pid", b"X-Note: a\tb \xe9")
    status, _, body = raw_request(gateway, head)
    assert status == 200, body


def test_headers_over_the_limit_are_431_problem(gateway: Gateway) -> None:
    # One 9 KB header is over gunicorn's default field limit (8,190) too.
    head = get_head("/api/v1/users/pid", b"X-Big: " + b"a" * 9_000)
    status, headers, body = raw_request(gateway, head)
    assert_problem(status, headers, body, 431)


def test_headers_within_the_limit_reach_the_service(gateway: Gateway) -> None:
    # 100 lines (HAProxy parses up to 101; with the ones it adds, more than the 100 gunicorn
    # takes by default) and a large one, within the 8 KiB the gateway allows.
    lines = [f"X-H{n}: v".encode() for n in range(97)]
    head = get_head("/api/v1/users/pid", b"X-Big: " + b"a" * 7_000, *lines)
    status, _, body = raw_request(gateway, head)
    assert status == 200, body


def _chunks(size: int) -> Any:
    yield b'{"title": "'
    for _ in range(size // 65_536):
        yield b"a" * 65_536
    yield b'"}'


def test_a_chunked_body_over_the_limit_is_413_problem(gateway: Gateway) -> None:
    # Without a Content-Length the gateway cannot refuse it early: the app server does, as a 413
    # (not the 400 "Invalid JSON body" of a body cut at the limit).
    response = requests.post(
        gateway.url("/api/v1/users/echo"),
        data=_chunks(2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=20,
    )
    assert_problem_response(response, 413)


def test_a_chunked_body_within_the_limit_is_read_whole(gateway: Gateway) -> None:
    response = requests.post(
        gateway.url("/api/v1/users/echo"),
        data=_chunks(14 * 65_536),  # 896 KiB
        headers={"Content-Type": "application/json"},
        timeout=20,
    )
    assert response.status_code == 201, response.text[:300]
    assert len(response.json()["title"]) == 14 * 65_536


def test_a_declared_length_over_the_limit_is_413_problem(gateway: Gateway) -> None:
    head = (
        b"POST /api/v1/users/echo HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2097152\r\n"
    )
    status, headers, body = raw_request(gateway, head)
    assert_problem(status, headers, body, 413)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # gunicorn refuses a lower-case method (HTML 400): the gateway passes it on.
        (b"get /api/v1/users/pid HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n", 400),
        (
            b"POST /api/v1/users/echo HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n"
            b"Expect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n",
            417,
        ),
    ],
)
def test_an_app_server_error_page_reaches_the_client_as_a_problem(
    gateway: Gateway, head: bytes, expected: int
) -> None:
    status, headers, body = raw_request(gateway, head, b"{}" if b"POST" in head else b"")
    assert_problem(status, headers, body, expected)


# --- no live server, killed workers --------------------------------------------------------------


def test_a_service_without_a_live_server_is_503_problem_with_retry_after(
    gateway: Gateway,
) -> None:
    gateway.tasks.stop()
    try:
        # At once (connection refused, retried, then no server) and once the health checks
        # marked it down: the same answer, and the other services keep answering.
        for _ in range(2):
            response = requests.get(gateway.url("/api/v1/tasks/pid"), timeout=30)
            problem = assert_problem_response(response, 503)
            assert problem["detail"]
            assert int(response.headers["Retry-After"]) > 0
            assert response.headers["X-Request-ID"]
            assert requests.get(gateway.url("/api/v1/users/pid"), timeout=10).status_code == 200
            posted = requests.post(gateway.url("/api/v1/tasks/echo"), json={}, timeout=30)
            assert_problem_response(posted, 503)
            wait_for(gateway.url("/gateway/readyz"), expected=503, timeout=20)
    finally:
        gateway.tasks.start()
        wait_for(gateway.url("/gateway/readyz"), timeout=30)


def _in_background(call: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["response"] = call()
        except Exception as exc:  # the assertion below names it
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_safe_request_whose_worker_was_killed_is_retried(gateway: Gateway) -> None:
    thread, result = _in_background(
        lambda: requests.get(gateway.url("/api/v1/tasks/slow"), timeout=30)
    )
    time.sleep(SLOW_SECONDS / 3)
    gateway.tasks.kill_workers()  # the master forks new ones; the gateway tries again
    thread.join(timeout=30)
    assert "error" not in result, result
    response = result["response"]
    assert response.status_code == 200, response.text


def test_an_unsafe_request_whose_worker_was_killed_is_502_problem(gateway: Gateway) -> None:
    thread, result = _in_background(
        lambda: requests.post(gateway.url("/api/v1/tasks/slow"), json={}, timeout=30)
    )
    time.sleep(SLOW_SECONDS / 3)
    gateway.tasks.kill_workers()
    thread.join(timeout=30)
    assert "error" not in result, result  # an answer, not a dropped connection
    problem = assert_problem_response(result["response"], 502)
    assert "may or may not" in problem["detail"]
