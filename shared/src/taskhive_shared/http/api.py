"""flask-smorest `Api` whose every error (404, 405, 413, 422, 500 …) is problem+json."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from taskhive_shared.http.problem import (
    ProblemError,
    ProblemSchema,
    flatten_messages,
    problem_response,
)

logger = logging.getLogger(__name__)

_VALIDATION_DETAIL = "The request has invalid fields; see errors."


class ProblemApi(Api):  # type: ignore[misc]
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        app: Flask = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(ProblemError, self.handle_problem_error)

    def handle_problem_error(self, error: ProblemError) -> Response:
        return problem_response(
            error.status,
            error.title,
            error.detail,
            slug=error.slug,
            errors=error.errors,
            headers=error.headers,
        )

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        data: dict[str, Any] = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if status >= 500:
            # Never leak internals: the traceback is logged, the client gets a plain title.
            return problem_response(status, "Internal Server Error", headers=headers)
        messages = data.get("errors") or data.get("messages")
        if status == 422 and messages is not None:
            errors = _strip_locations(messages)
            return problem_response(
                422, "Unprocessable Content", _VALIDATION_DETAIL, slug="validation",
                errors=errors, headers=headers,
            )
        if status == 400 and messages is not None:
            detail = "; ".join(
                message for values in _strip_locations(messages).values() for message in values
            )
            return problem_response(400, "Bad Request", detail or None, headers=headers)
        if status == 405 and error.get_headers():
            allow = dict(error.get_headers()).get("Allow")
            if allow:
                headers["Allow"] = allow
        detail = data.get("message") or _own_description(error)
        return problem_response(status, error.name, detail, headers=headers)


def _strip_locations(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages under their location (json, query…); clients want field names."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form", "files"}:
        flat: dict[str, list[str]] = {}
        for location, per_location in messages.items():
            prefix = "" if location == "json" else location
            for key, values in flatten_messages(per_location, prefix).items():
                flat.setdefault(key, []).extend(values)
        return flat
    return flatten_messages(messages)


def _own_description(error: HTTPException) -> str | None:
    # werkzeug's generic descriptions are verbose HTML-ish prose; keep them only when customised.
    default = type(error).description
    return error.description if error.description and error.description != default else None
