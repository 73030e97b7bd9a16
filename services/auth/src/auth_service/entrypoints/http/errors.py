"""Domain errors of auth → problem+json answers."""

from __future__ import annotations

from auth_service.domain.errors import (
    AccountAlreadyExists,
    AccountNotFound,
    ApiKeyNotFound,
    AuthError,
    IncorrectCurrentPassword,
    InvalidAccountField,
    InvalidCredentials,
    InvalidRefreshToken,
    TooManyApiKeys,
    WeakPassword,
)
from taskhive_shared.http.problem import ProblemError

_VALIDATION = "The request has invalid fields; see errors."


def problem_for(error: AuthError) -> ProblemError:
    match error:
        case InvalidAccountField(field=field, message=message):
            return ProblemError(
                422,
                "Unprocessable Content",
                _VALIDATION,
                slug="validation",
                errors={field: [message]},
            )
        case WeakPassword(field=field, problems=problems):
            return ProblemError(
                422,
                "Unprocessable Content",
                _VALIDATION,
                slug="validation",
                errors={field: problems},
            )
        case IncorrectCurrentPassword():
            return ProblemError(
                422,
                "Unprocessable Content",
                _VALIDATION,
                slug="validation",
                errors={"current_password": ["Is not your current password."]},
            )
        case AccountAlreadyExists(field=field):
            return ProblemError(409, "Conflict", str(error), slug="account-exists")
        case InvalidCredentials():
            return ProblemError(
                401, "Unauthorized", "Invalid username or password.", slug="invalid-credentials"
            )
        case InvalidRefreshToken():
            return ProblemError(
                401,
                "Unauthorized",
                "The refresh token is not valid.",
                slug="invalid-refresh-token",
            )
        case AccountNotFound():
            return ProblemError(
                401, "Unauthorized", "The account is no longer active.", slug="unauthorized"
            )
        case ApiKeyNotFound():
            return ProblemError(404, "Not Found", "No such API key.", slug="not-found")
        case TooManyApiKeys():
            return ProblemError(
                409, "Conflict", "Too many active API keys; revoke one first.", slug="too-many-keys"
            )
    return ProblemError(400, "Bad Request", str(error))
