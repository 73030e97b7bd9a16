"""The ports of the hooks use cases (adapters implement them; unit tests fake them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from hooks_service.domain.addresses import IPAddress, Target
from hooks_service.domain.model import Webhook
from hooks_service.domain.visibility import Audience, Viewer

EVENTS_CHANNEL = "hooks_events"
"""NOTIFY channel of new rows of the event log: the stream processes LISTEN on it."""


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    seq: int
    id: uuid.UUID
    type: str
    subject: str
    task_id: uuid.UUID | None
    team_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    time: datetime
    envelope: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: uuid.UUID
    webhook_id: uuid.UUID
    event_seq: int
    event_id: uuid.UUID
    event_type: str
    task_id: uuid.UUID | None
    payload: str
    status: str
    attempts: int
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    response_code: int | None
    duration_ms: int | None
    response_body: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int | None
    """None: no HTTP answer (refused address, connection error, timeout)."""
    body: str
    duration_ms: int
    error: str | None = None


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address of `host`; OSError when it has none."""


class WebhookSender(Protocol):
    def send(
        self, target: Target, address: IPAddress, headers: dict[str, str], body: bytes
    ) -> HttpResult: ...


class DeliveryQueue(Protocol):
    def enqueue(self, delivery_id: uuid.UUID, delay_seconds: float = 0) -> None: ...


class OwnerNotifier(Protocol):
    def webhook_disabled(self, email: str, hook: Webhook) -> None: ...


class WebhookRepository(Protocol):
    def add(self, hook: Webhook) -> None: ...

    def get(self, hook_id: uuid.UUID, *, for_update: bool = False) -> Webhook | None: ...

    def save(self, hook: Webhook) -> None: ...

    def delete(self, hook: Webhook) -> None:
        """Deletes it; like `add` and `save`, hands its recorded events to the unit of work."""

    def page(
        self, owner_id: uuid.UUID | None, limit: int, after: uuid.UUID | None
    ) -> list[Webhook]: ...

    def active_matching(self, event_type: str) -> list[Webhook]: ...


class DeliveryRepository(Protocol):
    def add_once(self, delivery: Delivery) -> bool: ...

    def get(self, delivery_id: uuid.UUID, *, for_update: bool = False) -> Delivery | None: ...

    def locked_until(self, delivery_id: uuid.UUID) -> datetime | None: ...

    def save(self, delivery: Delivery, locked_until: datetime | None = None) -> None: ...

    def earlier_pending(self, delivery: Delivery) -> bool: ...

    def next_pending_for_task(self, delivery: Delivery) -> uuid.UUID | None: ...

    def due(self, now: datetime, limit: int) -> list[uuid.UUID]: ...

    def page(
        self, webhook_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> list[Delivery]: ...


class Replica(Protocol):
    def apply(self, event_type: str, data: dict[str, Any]) -> None: ...

    def viewer(self, user_id: uuid.UUID) -> Viewer | None: ...

    def email_of(self, user_id: uuid.UUID) -> str | None: ...

    def audience(self, event: LoggedEvent) -> Audience: ...

    def names(self, user_ids: Sequence[str]) -> dict[str, str]: ...


class EventLog(Protocol):
    def append(self, envelope: dict[str, Any], received_at: datetime) -> LoggedEvent | None: ...

    def get(self, event_id: uuid.UUID) -> LoggedEvent | None: ...


class HooksUnitOfWork(Protocol):
    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def replica(self) -> Replica: ...

    @property
    def events(self) -> EventLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...
