"""`RequestsTransport.stream` over a real socket: each event is handed on as it arrives (not
when 64 KiB have gathered), with a close-delimited body (the stream process) and a chunked one
(through HAProxy); a stream that goes silent ends instead of hanging."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from web_service.adapters import http_transport
from web_service.adapters.http_transport import RequestsTransport
from web_service.application.ports import ApiRequest

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[bytes], threading.Event]]:
    listener = socket.create_server(("127.0.0.1", 0))
    requests_seen: list[bytes] = []
    go_on = threading.Event()
    yield listener, requests_seen, go_on
    go_on.set()
    listener.close()


def _serve(
    listener: socket.socket, seen: list[bytes], go_on: threading.Event, chunked: bool
) -> None:
    conn, _ = listener.accept()
    with conn:
        seen.append(conn.recv(65536))
        if chunked:
            conn.sendall(HEAD + b"transfer-encoding: chunked\r\n\r\n")
            frame = b"id: 1\ndata: {}\n\n"
            conn.sendall(b"%x\r\n%s\r\n" % (len(frame), frame))
            go_on.wait(10)
            conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(frame), frame.replace(b"1", b"2")))
        else:
            conn.sendall(HEAD + b"connection: close\r\n\r\nid: 1\ndata: {}\n\n")
            go_on.wait(10)
            conn.sendall(b"id: 2\ndata: {}\n\n")


@pytest.mark.parametrize("chunked", [False, True])
def test_events_are_handed_on_as_they_arrive(
    server: tuple[socket.socket, list[bytes], threading.Event], chunked: bool
) -> None:
    listener, seen, go_on = server
    threading.Thread(target=_serve, args=(listener, seen, go_on, chunked), daemon=True).start()
    port = listener.getsockname()[1]
    transport = RequestsTransport(f"http://127.0.0.1:{port}", gateway_secret="s" * 16)
    stream = transport.stream(
        ApiRequest(
            "GET",
            "/api/v1/stream",
            token="tok",
            headers={"Last-Event-ID": "9"},
            client_ip="203.0.113.9",
        )
    )
    assert stream.status == 200
    chunks = stream.chunks()
    # The first event is here while the server still holds the second back.
    assert next(chunks) == b"id: 1\ndata: {}\n\n"
    go_on.set()
    assert b"".join(chunks) == b"id: 2\ndata: {}\n\n"
    stream.close()
    transport.close()
    head = seen[0].decode()
    assert head.startswith("GET /api/v1/stream HTTP/1.1")
    assert "Authorization: Bearer tok" in head
    assert "Last-Event-ID: 9" in head
    assert "Accept: text/event-stream" in head
    assert "X-Internal-Client-IP: 203.0.113.9" in head


def test_a_silent_stream_ends(
    server: tuple[socket.socket, list[bytes], threading.Event],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listener, seen, go_on = server
    monkeypatch.setattr(http_transport, "STREAM_READ_TIMEOUT", 0.5)
    threading.Thread(target=_serve, args=(listener, seen, go_on, False), daemon=True).start()
    transport = RequestsTransport(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stream = transport.stream(ApiRequest("GET", "/api/v1/stream", token="tok"))
    # No second event and no heartbeat within the read timeout: the relay ends (the browser
    # reconnects and resumes) rather than holding a thread forever.
    assert list(stream.chunks()) == [b"id: 1\ndata: {}\n\n"]
    stream.close()
    transport.close()
