"""What can go wrong in users, in the domain's words (mapped to HTTP at the entrypoint)."""

from __future__ import annotations

from collections.abc import Mapping


class UsersError(Exception):
    pass


class ValidationFailed(UsersError):
    """One or more fields break a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = {field: list(messages) for field, messages in errors.items()}

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: [message]})


class ProfileNotFound(UsersError):
    pass


class TeamNotFound(UsersError):
    pass


class NotATeamMember(UsersError):
    pass


class PermissionDenied(UsersError):
    """The caller may see the object but not do this to it (403)."""


class AccountDeactivated(UsersError):
    """The caller's own profile is deactivated: their still-valid token opens nothing."""


class SelfLockout(UsersError):
    """An admin may not deactivate or demote themselves: nobody could undo it (409)."""


class TeamNameTaken(UsersError):
    def __init__(self) -> None:
        super().__init__("A team with this name already exists.")


class AlreadyATeamMember(UsersError):
    def __init__(self) -> None:
        super().__init__("The user is already a member of this team.")


class StaleVersion(UsersError):
    """The caller's If-Match names an older version, or a concurrent writer won (412)."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__("The resource changed since it was read.")
        self.current_version = current_version


class IdempotencyKeyReused(UsersError):
    """The same Idempotency-Key came with a different request (422)."""
