"""Failures of API calls, in the terms a page needs to explain them."""

from __future__ import annotations

from typing import Any

from web_service.application.ports import ApiResponse


class ApiUnavailable(Exception):
    """The gateway could not be reached, timed out or sent something that is not the API."""


class SignedOut(Exception):
    """The session has no (longer a) valid sign-in: the user must sign in again."""


class ApiError(Exception):
    """An RFC 9457 problem from the API."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        problem_type: str = "about:blank",
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.problem_type = problem_type
        self.errors = errors or {}
        self.headers = headers or {}
        self.extensions = extensions or {}
        """The problem's other members (e.g. `cycle`, `blockers`), as sent."""

    @classmethod
    def from_response(cls, response: ApiResponse) -> ApiError:
        body: Any = response.body if isinstance(response.body, dict) else {}
        errors: dict[str, list[str]] = {}
        listed = body.get("errors")
        # A field → messages mapping by contract; anything else is shown as the detail only.
        for name, messages in (listed if isinstance(listed, dict) else {}).items():
            errors[str(name)] = _flatten(messages)
        return cls(
            status=response.status,
            title=str(body.get("title") or "Error"),
            detail=str(body.get("detail") or ""),
            problem_type=str(body.get("type") or "about:blank"),
            errors=errors,
            headers=dict(response.headers),
            extensions={k: v for k, v in body.items() if k not in _STANDARD},
        )

    @property
    def retry_after(self) -> int | None:
        value = self.headers.get("retry-after", "")
        return int(value) if value.isdigit() else None

    def message(self) -> str:
        """One sentence for the top of a page."""
        return self.detail or self.title


_STANDARD = frozenset({"type", "title", "status", "detail", "errors", "instance"})


def _flatten(messages: Any) -> list[str]:
    # marshmallow nests errors of list items and nested objects: {"0": ["…"]} or {"x": […]}.
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, list):
        return [m for item in messages for m in _flatten(item)]
    if isinstance(messages, dict):
        return [m for item in messages.values() for m in _flatten(item)]
    return [str(messages)]
