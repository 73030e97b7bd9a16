"""Refusals of the hooks domain; the HTTP layer maps each to its problem answer."""

from __future__ import annotations

from collections.abc import Mapping


class HooksError(Exception):
    """Base of every refusal of the hooks service."""


class ValidationFailed(HooksError):
    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = dict(errors)


class WebhookNotFound(HooksError):
    """No such hook, or not the caller's (404, never 403: DESIGN §4)."""


class DeliveryNotFound(HooksError):
    pass


class PermissionDenied(HooksError):
    pass


class StaleVersion(HooksError):
    def __init__(self, current_version: int | None) -> None:
        super().__init__("stale version")
        self.current_version = current_version
