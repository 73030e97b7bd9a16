"""Webhooks and their deliveries on PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from hooks_service.adapters.persistence.tables import deliveries, webhooks
from hooks_service.application.ports import Delivery
from hooks_service.domain.events import WebhookEvent
from hooks_service.domain.model import Webhook

_HOOK_FIELDS = [f.name for f in fields(Webhook) if f.name != "events"]
_DELIVERY_FIELDS = [f.name for f in fields(Delivery)]


def _hook(row: Any) -> Webhook:
    values = {name: getattr(row, name) for name in _HOOK_FIELDS}
    values["event_types"] = tuple(values["event_types"])
    return Webhook(**values)


def _hook_values(hook: Webhook) -> dict[str, Any]:
    values = {name: getattr(hook, name) for name in _HOOK_FIELDS}
    values["event_types"] = list(hook.event_types)
    return values


class SqlAlchemyWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._recorded: list[tuple[Webhook, WebhookEvent]] = []

    def _seen(self, hook: Webhook) -> None:
        stored, recorded = hook.pull_events()
        self._recorded.extend((stored, event) for event in recorded)

    def pull_recorded(self) -> list[tuple[Webhook, WebhookEvent]]:
        """The events of the hooks added, saved or deleted since the last call."""
        recorded, self._recorded = self._recorded, []
        return recorded

    def add(self, hook: Webhook) -> None:
        self._seen(hook)
        self._session.execute(webhooks.insert().values(**_hook_values(hook)))

    def get(self, hook_id: uuid.UUID, *, for_update: bool = False) -> Webhook | None:
        query = sa.select(webhooks).where(webhooks.c.id == hook_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _hook(row)

    def save(self, hook: Webhook) -> None:
        self._seen(hook)
        self._session.execute(
            webhooks.update().where(webhooks.c.id == hook.id).values(**_hook_values(hook))
        )

    def delete(self, hook: Webhook) -> None:
        self._seen(hook)
        self._session.execute(webhooks.delete().where(webhooks.c.id == hook.id))

    def page(
        self, owner_id: uuid.UUID | None, limit: int, after: uuid.UUID | None
    ) -> list[Webhook]:
        query = sa.select(webhooks).order_by(webhooks.c.id).limit(limit)
        if owner_id is not None:
            query = query.where(webhooks.c.owner_id == owner_id)
        if after is not None:
            query = query.where(webhooks.c.id > after)
        return [_hook(row) for row in self._session.execute(query)]

    def active_matching(self, event_type: str) -> list[Webhook]:
        # Few hooks per installation: the pattern match is done in Python (domain.matches).
        from hooks_service.domain.model import matches

        rows = self._session.execute(sa.select(webhooks).where(webhooks.c.active))
        return [hook for hook in map(_hook, rows) if matches(hook.event_types, event_type)]


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_once(self, delivery: Delivery) -> bool:
        inserted = self._session.execute(
            postgresql.insert(deliveries)
            .values(**asdict(delivery))
            .on_conflict_do_nothing(constraint="uq_deliveries_webhook_event")
            .returning(deliveries.c.id)
        ).first()
        return inserted is not None

    def get(self, delivery_id: uuid.UUID, *, for_update: bool = False) -> Delivery | None:
        query = sa.select(deliveries).where(deliveries.c.id == delivery_id)
        if for_update:
            query = query.with_for_update(skip_locked=True)
        row = self._session.execute(query).first()
        return None if row is None else Delivery(**{n: getattr(row, n) for n in _DELIVERY_FIELDS})

    def locked_until(self, delivery_id: uuid.UUID) -> datetime | None:
        found: datetime | None = self._session.scalar(
            sa.select(deliveries.c.locked_until).where(deliveries.c.id == delivery_id)
        )
        return found

    def save(self, delivery: Delivery, locked_until: datetime | None = None) -> None:
        self._session.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery.id)
            .values(**asdict(delivery), locked_until=locked_until)
        )

    def earlier_pending(self, delivery: Delivery) -> bool:
        """Is an earlier delivery of the same hook and task still on its way (order per task)?"""
        if delivery.task_id is None:
            return False
        found = self._session.scalar(
            sa.select(sa.literal(1)).where(
                deliveries.c.webhook_id == delivery.webhook_id,
                deliveries.c.task_id == delivery.task_id,
                deliveries.c.status == "pending",
                deliveries.c.event_seq < delivery.event_seq,
            )
        )
        return found is not None

    def next_pending_for_task(self, delivery: Delivery) -> uuid.UUID | None:
        if delivery.task_id is None:
            return None
        found: uuid.UUID | None = self._session.scalar(
            sa.select(deliveries.c.id)
            .where(
                deliveries.c.webhook_id == delivery.webhook_id,
                deliveries.c.task_id == delivery.task_id,
                deliveries.c.status == "pending",
                deliveries.c.event_seq > delivery.event_seq,
            )
            .order_by(deliveries.c.event_seq)
            .limit(1)
        )
        return found

    def due(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return list(
            self._session.scalars(
                sa.select(deliveries.c.id)
                .where(
                    deliveries.c.status == "pending",
                    deliveries.c.next_attempt_at <= now,
                    sa.or_(deliveries.c.locked_until.is_(None), deliveries.c.locked_until < now),
                )
                .order_by(deliveries.c.next_attempt_at)
                .limit(limit)
            )
        )

    def page(self, webhook_id: uuid.UUID, limit: int, before: uuid.UUID | None) -> list[Delivery]:
        query = (
            sa.select(deliveries)
            .where(deliveries.c.webhook_id == webhook_id)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(deliveries.c.id < before)
        return [
            Delivery(**{n: getattr(row, n) for n in _DELIVERY_FIELDS})
            for row in self._session.execute(query)
        ]
