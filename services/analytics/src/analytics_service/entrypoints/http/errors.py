"""Refusals of analytics → problem+json answers."""

from __future__ import annotations

from analytics_service.domain.errors import (
    AnalyticsError,
    Forbidden,
    InvalidRequest,
    NotVisible,
    StaleVersion,
)
from taskhive_shared.http.problem import ProblemError, validation_problem


def problem_for(error: AnalyticsError) -> ProblemError:
    match error:
        case InvalidRequest(field=field, message=message, in_body=in_body):
            # A query parameter, named as webargs names them; a report's body fields as they are.
            body = in_body or field.startswith("params.") or field in ("kind", "format")
            return validation_problem({field if body else f"query.{field}": [message]})
        case NotVisible():
            return ProblemError(404, "Not Found", str(error), slug="not-found")
        case Forbidden():
            return ProblemError(403, "Forbidden", str(error), slug="forbidden")
        case StaleVersion():
            return ProblemError(412, "Precondition Failed", str(error), slug="stale-version")
    return ProblemError(400, "Bad Request", str(error))
