"""`make run`: `/api/v1/stream` relayed to the hooks stream listening on loopback.

The in-process router speaks WSGI; the stream is its own asyncio server (as in the stack),
so this app opens a connection to it per request and passes the bytes through as they come.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_FORWARDED = ("HTTP_AUTHORIZATION", "HTTP_LAST_EVENT_ID")


def sse_proxy(port: int) -> object:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=30)
        query = environ.get("QUERY_STRING", "")
        target = "/api/v1/stream" + (f"?{query}" if query else "")
        lines = [f"{environ['REQUEST_METHOD']} {target} HTTP/1.1", "Host: 127.0.0.1"]
        for key in _FORWARDED:
            if key in environ:
                name = key.removeprefix("HTTP_").replace("_", "-").title()
                lines.append(f"{name}: {environ[key]}")
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = upstream.recv(65536)
            if not chunk:
                upstream.close()
                start_response("502 Bad Gateway", [("Content-Type", "application/problem+json")])
                return [b'{"title":"Bad Gateway","status":502}']
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = [
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines)
            if name.strip().lower() not in ("connection", "content-length")
        ]
        start_response(status_line.split(" ", 1)[1], headers)
        return _relay(upstream, rest)

    return app


def _relay(upstream: socket.socket, first: bytes) -> Iterator[bytes]:
    try:
        if first:
            yield first
        upstream.settimeout(None)  # the stream's heartbeats keep it moving
        while chunk := upstream.recv(65536):
            yield chunk
    finally:
        upstream.close()
