"""flask-smorest `Api` whose every error (404, 405, 413, 422, 500 …) is problem+json."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import psycopg
from flask import Flask, Response, g, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from taskhive_shared.http.input import check_request_input
from taskhive_shared.http.openapi import decimal2properties
from taskhive_shared.http.problem import (
    PROBLEM_CONTENT_TYPE,
    ProblemError,
    ProblemSchema,
    flatten_messages,
    problem_response,
)

logger = logging.getLogger(__name__)

_VALIDATION_DETAIL = "The request has invalid fields; see errors."
QUERY_TIMEOUT_RETRY_AFTER = "5"
"""Seconds: not at once, as after a lost connection; the load that made the query slow
should ease first."""


class ProblemApi(Api):  # type: ignore[misc]
    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, **kwargs: Any) -> None:
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal2properties)

    def register_blueprint(self, blp: Blueprint, **options: Any) -> None:
        """Every view checks its input (bounded JSON, text rules) after the blueprint's own
        hooks, such as authentication, and before webargs parses anything. A module-level
        blueprint is registered again by every app built in the same process (the embedded
        platform, tests), and Flask refuses new hooks on it then: add the check once."""
        if check_request_input not in blp.before_request_funcs.get(None, []):
            blp.before_request(check_request_input)
        super().register_blueprint(blp, **options)

    def _register_responses(self) -> None:
        """Document every error response as `application/problem+json`, as it is sent."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def _register_error_handlers(self) -> None:
        app: Flask = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(ProblemError, self.handle_problem_error)
        app.register_error_handler(DBAPIError, self.handle_database_error)
        # A raw psycopg cursor (tasks' read side) raises the driver's own error, unwrapped.
        app.register_error_handler(psycopg.errors.QueryCanceled, self.handle_database_error)

    def handle_problem_error(self, error: ProblemError) -> Response:
        return problem_response(
            error.status,
            error.title,
            error.detail,
            slug=error.slug,
            errors=error.errors,
            headers=error.headers,
            extensions=error.extensions,
        )

    def handle_database_error(self, error: DBAPIError | psycopg.errors.QueryCanceled) -> Response:
        """The database being unavailable, not a bug: 503 with Retry-After.

        A statement the server cancelled (`statement_timeout`, or an operator's
        `pg_cancel_backend`; ADR 0029): `/problems/query-timeout`; the connection is sound.
        A connection lost mid-request (the server restarted, or closed it after the pool's
        checkout check; ADR 0028): nothing committed, unless the connection went during COMMIT
        itself (unknown outcome: an Idempotency-Key makes a create's retry safe). Any other
        database error stays an unhandled 500 (logged with its traceback)."""
        if isinstance(error, psycopg.errors.QueryCanceled) or isinstance(
            error.orig, psycopg.errors.QueryCanceled
        ):
            return _query_cancelled()
        if not error.connection_invalidated:
            raise error
        logger.warning("database connection lost: %s", type(error.orig).__name__)
        g.database_failure = "connection_lost"
        return problem_response(
            503,
            "Service Unavailable",
            "The database connection was lost; retry the request.",
            headers={"Retry-After": "1"},
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
                422,
                "Unprocessable Content",
                _VALIDATION_DETAIL,
                slug="validation",
                errors=errors,
                headers=headers,
            )
        if status == 400 and messages is not None:
            reasons = "; ".join(
                message for values in _strip_locations(messages).values() for message in values
            )
            return problem_response(400, "Bad Request", reasons or None, headers=headers)
        if status == 405 and error.get_headers():
            allow = dict(error.get_headers()).get("Allow")
            if allow:
                headers["Allow"] = allow
        message = data.get("message")
        detail = str(message) if message else _own_description(error)
        return problem_response(status, error.name, detail, headers=headers)


def _query_cancelled() -> Response:
    route = request.url_rule.rule if request.url_rule else request.path
    logger.warning("database statement cancelled (time limit): %s %s", request.method, route)
    g.database_failure = "statement_timeout"
    return problem_response(
        503,
        "Query Took Too Long",
        "The database stopped this request's query at its time limit; retry later, or narrow "
        "the request (filters, a search).",
        slug="query-timeout",
        headers={"Retry-After": QUERY_TIMEOUT_RETRY_AFTER},
    )


def _strip_locations(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages under their location (json, query…); clients want field names."""
    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "headers",
        "form",
        "files",
    }:
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
