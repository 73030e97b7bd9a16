"""What can go wrong in tasks, in the domain's words (mapped to HTTP at the entrypoint)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class TasksError(Exception):
    pass


class ValidationFailed(TasksError):
    """One or more fields break a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = {field: list(messages) for field, messages in errors.items()}

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: [message]})


class NotFound(TasksError):
    """No such object, or one the caller may not see (404, never 403: DESIGN §4)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"No {kind} has this id.")
        self.kind = kind


class TaskNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("task")


class CommentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("comment")


class TemplateNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("task template")


class NotAssigned(NotFound):
    def __init__(self) -> None:
        super().__init__("assignee of this task")


class PermissionDenied(TasksError):
    """The caller may see the object but not do this to it (403)."""


class AccountDeactivated(TasksError):
    """The caller's account is deactivated: their still-valid token opens nothing (403)."""


class InvalidTransition(TasksError):
    """A status change the workflow does not allow (409); names the allowed targets."""

    def __init__(self, current: str, wanted: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.wanted = wanted
        self.allowed = sorted(allowed)
        choices = ", ".join(self.allowed) or "none"
        super().__init__(
            f"A task cannot go from `{current}` to `{wanted}`; allowed from `{current}`: {choices}."
        )


class TaskArchived(TasksError):
    """An archived task is read-only until it is restored (409)."""

    def __init__(self) -> None:
        super().__init__("The task is archived; restore it first.")


class Conflict(TasksError):
    """A state conflict not covered above, e.g. a name already taken (409)."""


class StaleVersion(TasksError):
    """The caller's If-Match names an older version, or a concurrent writer won (412)."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__("The resource changed since it was read.")
        self.current_version = current_version


class IdempotencyKeyReused(TasksError):
    """The same Idempotency-Key came with a different request (422)."""
