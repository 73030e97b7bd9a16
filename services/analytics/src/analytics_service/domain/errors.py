"""Refusals of the analytics use cases (the HTTP layer maps each to a problem)."""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base of every refusal."""


class NotVisible(AnalyticsError):
    """No such user, team or task, or the caller may not see its figures (404, not 403)."""


class NoRebuildCollecting(AnalyticsError):
    """`rebuild switch` without a `rebuild start` before it."""


class InvalidRequest(AnalyticsError):
    """A parameter the schema could not judge alone (422 naming the field)."""

    def __init__(self, field: str, message: str, *, in_body: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.in_body = in_body
        """A body field (named as it is), else a query parameter (`query.<field>`)."""


class Forbidden(AnalyticsError):
    """The caller's role may not do this (403)."""


class StaleVersion(AnalyticsError):
    """If-Match named an older version (412)."""
