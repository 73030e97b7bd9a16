"""Domain errors of hooks → problem+json answers."""

from __future__ import annotations

from hooks_service.domain.errors import (
    DeliveryNotFound,
    HooksError,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
    WebhookNotFound,
)
from taskhive_shared.http.conditional import etag_for
from taskhive_shared.http.problem import ProblemError, validation_problem


def problem_for(error: HooksError) -> ProblemError:
    match error:
        case ValidationFailed(errors=errors):
            return validation_problem(errors)
        case WebhookNotFound():
            return ProblemError(
                404, "Not Found", "No webhook of yours has this id.", slug="not-found"
            )
        case DeliveryNotFound():
            return ProblemError(
                404, "Not Found", "No delivery of this webhook has this id.", slug="not-found"
            )
        case PermissionDenied():
            return ProblemError(403, "Forbidden", str(error), slug="forbidden")
        case StaleVersion(current_version=current):
            headers = {"ETag": etag_for(current)} if current is not None else None
            return ProblemError(
                412,
                "Precondition Failed",
                "The resource changed since you read it; fetch it again and retry.",
                slug="stale-version",
                headers=headers,
            )
    return ProblemError(400, "Bad Request", str(error))
