"""What can go wrong in auth, in the domain's words (mapped to HTTP at the entrypoint)."""

from __future__ import annotations


class AuthError(Exception):
    pass


class InvalidAccountField(AuthError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class WeakPassword(AuthError):
    def __init__(self, field: str, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.field = field
        self.problems = problems


class AccountAlreadyExists(AuthError):
    def __init__(self, field: str) -> None:
        super().__init__(f"An account with this {field} already exists.")
        self.field = field


class InvalidCredentials(AuthError):
    """Unknown user, wrong password and deactivated account look the same from outside."""


class InvalidRefreshToken(AuthError):
    """Unknown, expired, revoked, or reused (its family is revoked as a result)."""


class IncorrectCurrentPassword(AuthError):
    pass


class AccountNotFound(AuthError):
    pass


class ApiKeyNotFound(AuthError):
    """Unknown, or another user's key asked for by a non-admin (looks the same: 404)."""


class TooManyApiKeys(AuthError):
    pass
