"""Endpoint helpers every service's HTTP layer shares: caller, conditional requests,
Idempotency-Key, page headers, and their OpenAPI parameters."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from flask_smorest import Blueprint

from taskhive_shared.http.conditional import etag_for, expected_version, not_modified
from taskhive_shared.http.docs import problem
from taskhive_shared.http.problem import IDEMPOTENCY_HEADER, ProblemError, validation_problem
from taskhive_shared.pagination import next_link
from taskhive_shared.security.flask_auth import authenticate
from taskhive_shared.security.tokens import AccessTokenVerifier

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_HEADER = {"in": "header", "required": False, "schema": {"type": "string"}}
IF_MATCH = _HEADER | {
    "name": "If-Match",
    "description": "Write only if the resource still has this ETag (else 412).",
}
IF_NONE_MATCH = _HEADER | {
    "name": "If-None-Match",
    "description": "Answer 304 if the resource still has this ETag.",
}
IDEMPOTENCY_KEY = _HEADER | {
    "name": IDEMPOTENCY_HEADER,
    "description": (
        "Up to 255 visible ASCII characters. A retry with the same key and body gets the first "
        "response again (for 24 hours); the same key with another body is a 422."
    ),
}
LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 `<…>; rel="next"` when there is a next page',
        "schema": {"type": "string"},
    }
}
ETAG_HEADER = {
    "ETag": {
        "description": "Strong validator of this version of the resource",
        "schema": {"type": "string"},
    }
}
# Visible ASCII, as a header value can carry safely.
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Bodies depend on who asks (privacy): shared caches must not keep them.
PRIVATE = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


def bearer(blp: Blueprint) -> Callable[[Any], Any]:
    """Document the bearer token a view needs and the 401 that a bad one gets."""
    unauthorized = problem(blp, 401, "Missing, invalid, expired or revoked access token")
    secured: Callable[[Any], Any] = blp.doc(security=BEARER)

    def decorate(view: Any) -> Any:
        return unauthorized(secured(view))

    return decorate


def authenticated(verifier: AccessTokenVerifier) -> Callable[[], None]:
    """A `before_request` hook: a valid bearer token before any parsing or database work."""

    def check() -> None:
        authenticate(verifier)

    return check


def caller_id(verifier: AccessTokenVerifier) -> uuid.UUID:
    principal = authenticate(verifier)
    try:
        return uuid.UUID(principal.user_id)
    except ValueError as exc:
        raise ProblemError(
            401, "Unauthorized", "The token's subject is not a user id.", slug="unauthorized"
        ) from exc


def if_match_version() -> int | None:
    """The version If-Match names; None without a header (or `*`). Any other validator
    cannot be one of ours, so the precondition fails at once (412)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    version = expected_version()
    if version is None:
        raise ProblemError(
            412,
            "Precondition Failed",
            "If-Match must carry the ETag of the current version.",
            slug="stale-version",
        )
    return version


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise validation_problem({IDEMPOTENCY_HEADER: ["Must be 1-255 visible ASCII characters."]})
    return key


def versioned(version: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"ETag": etag_for(version), **PRIVATE, **(extra or {})}


def not_modified_response(version: int) -> Response | None:
    """304 when the client's If-None-Match names this version, else None."""
    if not not_modified(version):
        return None
    return Response(status=304, headers=versioned(version))


def page_headers(next_cursor: str | None) -> dict[str, str]:
    headers = dict(PRIVATE)
    if next_cursor is not None:
        query: dict[str, Any] = request.args.to_dict(flat=False)
        headers["Link"] = next_link(page_url(), query, next_cursor)
    return headers


def page_answer(items: Sequence[Any], next_cursor: str | None) -> tuple[dict[str, Any], int, Any]:
    """A list view's answer: `{"items", "next_cursor"}`, 200, and the page headers (Link)."""
    return {"items": list(items), "next_cursor": next_cursor}, 200, page_headers(next_cursor)


def page_url() -> str:
    """This list's URL from the configured public base URL, never from the client's `Host`
    (a relative reference when the service was given none)."""
    base: str = current_app.config.get("PUBLIC_BASE_URL") or ""
    return base + quote(request.path)
