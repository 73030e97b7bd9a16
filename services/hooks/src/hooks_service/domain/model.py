"""The webhook subscription and its delivery rules.

A hook belongs to its owner; it names event-type patterns (`tasks.task.*`), is signed with a
`whsec_` secret (Standard Webhooks) and keeps the previous secret for an overlap period after
a rotation, so receivers can switch without losing a delivery.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from hooks_service.domain import events as domain_events

SECRET_PREFIX = "whsec_"
EVENT_PATTERNS_MAX = 50
DESCRIPTION_MAX = 500
_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|\*)){0,3})$")
PING_TYPE = "hooks.webhook.ping.v1"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def new_secret() -> str:
    """24 random bytes, base64, with the Standard Webhooks prefix."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def pattern_errors(patterns: list[str]) -> list[str]:
    if not patterns:
        return ["Name at least one event type pattern."]
    if len(patterns) > EVENT_PATTERNS_MAX:
        return [f"At most {EVENT_PATTERNS_MAX} patterns."]
    return [
        f"{p!r} is not an event type pattern (e.g. `tasks.task.*`)."
        for p in patterns
        if not _PATTERN.match(p)
    ]


def matches(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    """`*` matches everything; `tasks.task.*` every tasks.task type; a full name (with or
    without its `.vN`) that type."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
        if re.fullmatch(re.escape(pattern) + r"\.v\d+", event_type):
            return True
    return False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off with full jitter for `window`; after that the delivery fails.
    A hook failing continuously for `disable_after` is disabled."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=2)
    window: timedelta = timedelta(hours=24)
    disable_after: timedelta = timedelta(hours=24)

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """Before attempt `attempts + 1`; `jitter` in [0, 1) (half fixed, half random)."""
        ceiling: timedelta = min(self.cap, self.base * (1 << min(max(attempts - 1, 0), 30)))
        return ceiling / 2 + ceiling / 2 * jitter


@dataclass(frozen=True, slots=True)
class Webhook:
    id: uuid.UUID
    owner_id: uuid.UUID
    url: str
    event_types: tuple[str, ...]
    description: str
    active: bool
    secret: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_reason: str | None = None
    events: tuple[domain_events.WebhookEvent, ...] = field(default=(), compare=False)
    """Recorded and not yet handed to the unit of work (never stored with the hook)."""

    @classmethod
    def create(
        cls,
        hook_id: uuid.UUID,
        owner: domain_events.Actor,
        url: str,
        event_types: tuple[str, ...],
        description: str,
        active: bool,
        now: datetime,
    ) -> Webhook:
        return cls(
            id=hook_id,
            owner_id=owner.user_id,
            url=url,
            event_types=event_types,
            description=description,
            active=active,
            secret=new_secret(),
            created_at=now,
            updated_at=now,
            events=(domain_events.WebhookCreated(actor=owner, at=now),),
        )

    def _with(self, event: domain_events.WebhookEvent, **fields: object) -> Webhook:
        return replace(self, **fields, events=(*self.events, event))  # type: ignore[arg-type]

    def pull_events(self) -> tuple[Webhook, tuple[domain_events.WebhookEvent, ...]]:
        """The hook without its recorded events, and those events."""
        return replace(self, events=()), self.events

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, and the previous one while its overlap lasts."""
        keys = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            keys.append(self.previous_secret)
        return keys

    def rotated(self, now: datetime, overlap: timedelta, by: domain_events.Actor) -> Webhook:
        return self._with(
            domain_events.WebhookSecretRotated(actor=by, at=now),
            secret=new_secret(),
            previous_secret=self.secret,
            previous_secret_expires_at=now + overlap,
            updated_at=now,
            version=self.version + 1,
        )

    def changed(self, now: datetime, by: domain_events.Actor, **fields: object) -> Webhook:
        changed = tuple(name for name, value in fields.items() if getattr(self, name) != value)
        if fields.get("active") is True:
            # Re-enabling starts afresh: the failure streak that disabled it is forgotten.
            fields |= {"failing_since": None, "disabled_reason": None}
        hook = self._with(
            domain_events.WebhookUpdated(actor=by, at=now, changed=changed),
            **fields,
            updated_at=now,
            version=self.version + 1,
        )
        if self.active and not hook.active:
            hook = hook._with(domain_events.WebhookDisabled(actor=by, at=now, reason="owner"))
        return hook

    def deleted(self, now: datetime, by: domain_events.Actor) -> Webhook:
        return self._with(domain_events.WebhookDeleted(actor=by, at=now))

    def succeeded(self) -> Webhook:
        return replace(self, failing_since=None) if self.failing_since else self

    def failed(self, now: datetime, policy: RetryPolicy) -> Webhook:
        """One more failed attempt; disabled once it has failed for `disable_after`."""
        since = self.failing_since or now
        if now - since >= policy.disable_after:
            return self.disabled(now, "failing for 24 hours", since=since)
        return replace(self, failing_since=since)

    def disabled(self, now: datetime, reason: str, *, since: datetime | None = None) -> Webhook:
        """Disabled by hooks itself (no actor); recorded only if it was active."""
        event = domain_events.WebhookDisabled(actor=None, at=now, reason=reason)
        return replace(
            self,
            events=(*self.events, event) if self.active else self.events,
            active=False,
            disabled_reason=reason,
            failing_since=since,
            updated_at=now,
            version=self.version + 1,
        )
