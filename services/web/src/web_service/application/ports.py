"""What the web service needs from the outside world, as Protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

QueryParams = Sequence[tuple[str, str]]
"""Ordered pairs: a filter may repeat (`tag=a&tag=b`)."""


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    """Under the gateway, e.g. `/api/v1/tasks/`."""
    token: str | None = None
    json: Any = None
    params: QueryParams = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    files: tuple[tuple[str, str, bytes, str], ...] = ()
    """Multipart uploads: (field, file name, content, content type); sent instead of `json`."""
    client_ip: str | None = None
    """The browser's address, so the gateway's per-address limits see the user, not us."""
    request_id: str | None = None
    traceparent: str | None = None
    """W3C trace context of the page's span (the API's span becomes its child)."""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    """Lower-case names."""
    body: Any
    """Decoded JSON, or None for an empty or non-JSON body."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ApiStream(Protocol):
    """A response whose body keeps coming (the live stream, Server-Sent Events)."""

    @property
    def status(self) -> int: ...

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes as they arrive; ends when the API ends the response."""
        ...

    def close(self) -> None: ...


class ApiTransport(Protocol):
    """One HTTP exchange with the public API through the gateway."""

    def send(self, request: ApiRequest) -> ApiResponse:
        """Raises `ApiUnavailable` when the gateway cannot be reached or answers garbage."""
        ...

    def stream(self, request: ApiRequest) -> ApiStream:
        """The response with its body unread, passed on as it comes (a GET only); raises
        `ApiUnavailable` like `send`. The caller closes it."""
        ...


class SessionStore(Protocol):
    """Short-lived JSON documents by key, with an expiry; plus a per-key lock."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def lock(self, key: str, timeout_seconds: float) -> AbstractContextManager[bool]:
        """Held by one holder at a time across every process; yields False on timeout."""
        ...

    def ping(self) -> None:
        """Raises when the store cannot be used (readiness)."""
        ...
