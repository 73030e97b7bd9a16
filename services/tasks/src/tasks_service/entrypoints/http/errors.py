"""Domain errors of tasks → problem+json answers."""

from __future__ import annotations

from taskhive_shared.http.conditional import etag_for
from taskhive_shared.http.problem import IDEMPOTENCY_HEADER, ProblemError, validation_problem
from tasks_service.domain.dependencies import (
    BlockedByOpenTasks,
    DependencyCycle,
    DependencyExists,
)
from tasks_service.domain.errors import (
    AccountDeactivated,
    Conflict,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TaskArchived,
    TasksError,
    ValidationFailed,
)
from tasks_service.domain.file_jobs import ImportFileInvalid

QUERY_TIMEOUT = "The query took too long (/problems/query-timeout); retry after Retry-After"
"""The 503 of a read cut off at the read side's statement timeout (ADR 0029)."""


def problem_for(error: TasksError) -> ProblemError:
    match error:
        case ValidationFailed(errors=errors) | ImportFileInvalid(errors=errors):
            return validation_problem(errors)
        case IdempotencyKeyReused():
            return ProblemError(
                422,
                "Unprocessable Content",
                str(error),
                slug="idempotency-key-reused",
                errors={IDEMPOTENCY_HEADER: [str(error)]},
            )
        case NotFound():
            return ProblemError(404, "Not Found", str(error), slug="not-found")
        case AccountDeactivated():
            return ProblemError(403, "Forbidden", str(error), slug="account-deactivated")
        case PermissionDenied():
            return ProblemError(403, "Forbidden", str(error), slug="forbidden")
        case InvalidTransition(allowed=allowed):
            return ProblemError(
                409,
                "Conflict",
                str(error),
                slug="invalid-transition",
                errors={"status": [f"Allowed: {', '.join(allowed) or 'none'}."]},
            )
        case DependencyCycle(cycle=cycle):
            return ProblemError(
                409,
                "Conflict",
                str(error),
                slug="dependency-cycle",
                errors={"blocked_by": [str(error)]},
                extensions={"cycle": [str(task_id) for task_id in cycle]},
            )
        case BlockedByOpenTasks(blockers=blockers, hidden=hidden):
            listed = [{"id": str(b.id), "title": b.title, "status": b.status} for b in blockers]
            return ProblemError(
                409,
                "Conflict",
                str(error),
                slug="blocked-by-open-tasks",
                errors={"status": [str(error)]},
                extensions={"blockers": listed, "hidden_blockers": hidden},
            )
        case DependencyExists():
            return ProblemError(409, "Conflict", str(error), slug="dependency-exists")
        case TaskArchived():
            return ProblemError(409, "Conflict", str(error), slug="task-archived")
        case Conflict():
            return ProblemError(409, "Conflict", str(error), slug="name-taken")
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
