"""Test doubles at the web service's ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from web_service.application.errors import ApiUnavailable
from web_service.application.ports import ApiRequest, ApiResponse

Handler = Callable[[ApiRequest], ApiResponse]


def json_response(status: int, body: Any = None, **headers: str) -> ApiResponse:
    return ApiResponse(status=status, headers={k.lower(): v for k, v in headers.items()}, body=body)


def problem(status: int, title: str = "Error", **extra: Any) -> ApiResponse:
    return json_response(status, {"type": "about:blank", "title": title, "status": status, **extra})


@dataclass
class FakeStream:
    status: int
    body: list[bytes] = field(default_factory=list)
    closed: bool = False

    def chunks(self) -> Iterator[bytes]:
        yield from self.body

    def close(self) -> None:
        self.closed = True


class FakeTransport:
    """Answers by `(method, path)`; records every request it was sent. Streams are answered
    from `streams`, one per call, in order."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.sent: list[ApiRequest] = []
        self.down = False
        self.streams: list[FakeStream] = []
        self.opened: list[FakeStream] = []

    def stream(self, request: ApiRequest) -> FakeStream:
        self.sent.append(request)
        if self.down:
            raise ApiUnavailable("gateway down")
        answer = self.streams.pop(0) if self.streams else FakeStream(404)
        self.opened.append(answer)
        return answer

    def on(self, method: str, path: str, handler: Handler | ApiResponse) -> None:
        self.routes[(method, path)] = handler if callable(handler) else (lambda _r: handler)

    def send(self, request: ApiRequest) -> ApiResponse:
        self.sent.append(request)
        if self.down:
            raise ApiUnavailable("gateway down")
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return problem(404, "Not Found")
        return handler(request)

    def paths(self, method: str) -> list[str]:
        return [r.path for r in self.sent if r.method == method]


def token_body(suffix: str = "1", expires_in: int = 900) -> dict[str, Any]:
    return {
        "user": {
            "id": "0193aaaa-0000-7000-8000-000000000001",
            "username": "ann",
            "email": "ann@example.com",
            "first_name": "Ann",
            "last_name": "Lee",
            "role": "member",
        },
        "access_token": f"access-{suffix}",
        "refresh_token": f"refresh-{suffix}",
        "token_type": "Bearer",
        "expires_in": expires_in,
    }
