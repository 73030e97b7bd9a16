"""What happened to a webhook subscription: the events the aggregate records as it changes.

Each says who and from where (`actor`; None when hooks itself disabled a failing hook) and
when; the unit of work turns them into the integration events of the same transaction
(application.recording), which the audit log consumes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    source_ip: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEvent:
    actor: Actor | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookCreated(WebhookEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookUpdated(WebhookEvent):
    changed: tuple[str, ...]
    """The fields whose value really changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSecretRotated(WebhookEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDisabled(WebhookEvent):
    """Recorded after the WebhookUpdated of an owner's change, or alone when hooks disabled
    it (actor None)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDeleted(WebhookEvent):
    pass
