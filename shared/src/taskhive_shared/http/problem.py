"""RFC 9457 problem details: the one error shape every Taskhive API answers with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
VALIDATION_DETAIL = "The request has invalid fields; see errors."


def problem_type(slug: str) -> str:
    """Problem type URI: a relative reference documented in docs/API.md."""
    return f"/problems/{slug}"


class ProblemSchema(ma.Schema):
    """Documents the error payload in the OpenAPI; responses are built by `problem_response`."""

    type = ma.fields.String(metadata={"description": "URI reference naming the problem type"})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong in this occurrence"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field name to messages, for validation problems"},
    )


class ProblemError(Exception):
    """Raised by entrypoints to answer with a problem; the Api turns it into a response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers) if headers else {}
        self.extensions = dict(extensions) if extensions else {}
        """RFC 9457 extension members (JSON values) beside the standard ones."""


def validation_problem(errors: Mapping[str, list[str]]) -> ProblemError:
    """422 with field errors, the same shape webargs' validation failures get."""
    return ProblemError(
        422, "Unprocessable Content", VALIDATION_DETAIL, slug="validation", errors=errors
    )


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = dict(extensions or {}) | {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"field.sub": ["msg", ...]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub_key, sub_value in flatten_messages(value, name).items():
                flat.setdefault(sub_key, []).extend(sub_value)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for sub_key, sub_value in flatten_messages(item, prefix).items():
                    flat.setdefault(sub_key, []).extend(sub_value)
            else:
                flat.setdefault(prefix or "_schema", []).append(str(item))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat
