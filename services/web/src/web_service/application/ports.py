"""What the web service needs from the outside world, as Protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    client_ip: str | None = None
    """The browser's address, so the gateway's per-address limits see the user, not us."""
    request_id: str | None = None


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


class ApiTransport(Protocol):
    """One HTTP exchange with the public API through the gateway."""

    def send(self, request: ApiRequest) -> ApiResponse:
        """Raises `ApiUnavailable` when the gateway cannot be reached or answers garbage."""
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
