"""Domain errors of users → problem+json answers."""

from __future__ import annotations

from taskhive_shared.http.conditional import etag_for
from taskhive_shared.http.problem import IDEMPOTENCY_HEADER, ProblemError, validation_problem
from users_service.domain.errors import (
    AccountDeactivated,
    AlreadyATeamMember,
    IdempotencyKeyReused,
    NotATeamMember,
    PermissionDenied,
    ProfileNotFound,
    SelfLockout,
    StaleVersion,
    TeamNameTaken,
    TeamNotFound,
    UsersError,
    ValidationFailed,
)


def problem_for(error: UsersError) -> ProblemError:
    match error:
        case ValidationFailed(errors=errors):
            return validation_problem(errors)
        case IdempotencyKeyReused():
            return ProblemError(
                422,
                "Unprocessable Content",
                str(error),
                slug="idempotency-key-reused",
                errors={IDEMPOTENCY_HEADER: [str(error)]},
            )
        case ProfileNotFound():
            return ProblemError(404, "Not Found", "No user has this id.", slug="not-found")
        case TeamNotFound():
            return ProblemError(404, "Not Found", "No team has this id.", slug="not-found")
        case NotATeamMember():
            return ProblemError(
                404, "Not Found", "The user is not a member of this team.", slug="not-found"
            )
        case AccountDeactivated():
            return ProblemError(403, "Forbidden", str(error), slug="account-deactivated")
        case PermissionDenied():
            return ProblemError(403, "Forbidden", str(error), slug="forbidden")
        case SelfLockout():
            return ProblemError(409, "Conflict", str(error), slug="self-lockout")
        case TeamNameTaken():
            return ProblemError(409, "Conflict", str(error), slug="team-name-taken")
        case AlreadyATeamMember():
            return ProblemError(409, "Conflict", str(error), slug="already-member")
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
