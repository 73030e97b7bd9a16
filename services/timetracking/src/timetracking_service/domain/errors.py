"""What the time-tracking rules refuse; the HTTP layer maps each to its problem answer."""

from __future__ import annotations

from collections.abc import Mapping


class TimeTrackingError(Exception):
    """Base of every refusal of the domain and the use cases."""


class ValidationFailed(TimeTrackingError):
    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = dict(errors)


class EntryNotFound(TimeTrackingError):
    """No entry with this id, or one the caller may not see (404, never 403)."""


class TaskNotFound(TimeTrackingError):
    """No task with this id in the replica, or one the caller may not see."""


class UserNotFound(TimeTrackingError):
    """No user with this id in the replica (or not one the caller may look at)."""


class PermissionDenied(TimeTrackingError):
    """The caller's role may not do this (403)."""


class TimesheetLocked(TimeTrackingError):
    """The week is approved: its entries cannot change (409)."""


class NoRunningTimer(TimeTrackingError):
    """Stop asked while no timer runs (409)."""


class InvalidTransition(TimeTrackingError):
    """The timesheet's status does not allow this step (409)."""


class StaleVersion(TimeTrackingError):
    def __init__(self, current_version: int | None) -> None:
        super().__init__("stale version")
        self.current_version = current_version
