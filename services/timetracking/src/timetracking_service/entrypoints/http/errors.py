"""Domain refusals of timetracking → problem+json answers."""

from __future__ import annotations

from taskhive_shared.http.conditional import etag_for
from taskhive_shared.http.problem import ProblemError, validation_problem
from timetracking_service.domain.errors import (
    EntryNotFound,
    InvalidTransition,
    NoRunningTimer,
    PermissionDenied,
    StaleVersion,
    TaskNotFound,
    TimesheetLocked,
    TimeTrackingError,
    UserNotFound,
    ValidationFailed,
)


def problem_for(error: TimeTrackingError) -> ProblemError:
    match error:
        case ValidationFailed(errors=errors):
            return validation_problem(errors)
        case EntryNotFound():
            return ProblemError(404, "Not Found", "No time entry has this id.", slug="not-found")
        case TaskNotFound():
            return ProblemError(404, "Not Found", "No task has this id.", slug="not-found")
        case UserNotFound():
            return ProblemError(
                404, "Not Found", "No user you may see has this id.", slug="not-found"
            )
        case PermissionDenied():
            return ProblemError(403, "Forbidden", str(error), slug="forbidden")
        case TimesheetLocked():
            return ProblemError(409, "Conflict", str(error), slug="timesheet-locked")
        case NoRunningTimer():
            return ProblemError(409, "Conflict", str(error), slug="no-running-timer")
        case InvalidTransition():
            return ProblemError(409, "Conflict", str(error), slug="invalid-transition")
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
