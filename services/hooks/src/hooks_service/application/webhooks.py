"""Webhook subscriptions: create, read, change, delete, rotate the secret, ping, redeliver."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import cast

from hooks_service.application.ingest import payload_of
from hooks_service.application.ports import (
    Clock,
    Delivery,
    DeliveryQueue,
    HooksUnitOfWork,
    Resolver,
)
from hooks_service.domain.addresses import AddressPolicy, parse_target
from hooks_service.domain.errors import (
    DeliveryNotFound,
    StaleVersion,
    ValidationFailed,
    WebhookNotFound,
)
from hooks_service.domain.events import Actor
from hooks_service.domain.model import (
    DESCRIPTION_MAX,
    PING_TYPE,
    DeliveryStatus,
    Webhook,
    pattern_errors,
)
from taskhive_shared.ids import uuid7


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: uuid.UUID
    role: str
    source_ip: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.source_ip)


def check_url(url: str, policy: AddressPolicy, resolver: Resolver) -> None:
    """Refuse at creation a URL that is not http(s) or whose host resolves to a refused
    address (the same check runs again before every attempt)."""
    try:
        target = parse_target(url, policy)
    except ValueError as exc:
        raise ValidationFailed({"url": [str(exc)]}) from exc
    try:
        addresses = resolver.resolve(target.host, target.port)
    except OSError as exc:
        raise ValidationFailed({"url": ["The host does not resolve."]}) from exc
    for address in addresses:
        refusal = policy.refusal(target.host, address)
        if refusal is not None:
            raise ValidationFailed(
                {"url": [f"The host resolves to a {refusal} address ({address}): refused."]}
            )


def _check_fields(events: list[str] | None, description: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if events is not None and (problems := pattern_errors(events)):
        errors["events"] = problems
    if description is not None and len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"At most {DESCRIPTION_MAX} characters."]
    if errors:
        raise ValidationFailed(errors)


class WebhookHandlers:
    def __init__(
        self,
        uow: Callable[[], HooksUnitOfWork],
        clock: Clock,
        policy: AddressPolicy,
        resolver: Resolver,
        queue: Callable[[], DeliveryQueue],
        rotation_overlap: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._resolver = resolver
        self._queue = queue
        self._overlap = rotation_overlap

    def _owned(self, uow: HooksUnitOfWork, caller: Caller, hook_id: uuid.UUID) -> Webhook:
        hook = uow.webhooks.get(hook_id, for_update=True)
        if hook is None or (hook.owner_id != caller.user_id and not caller.is_admin):
            raise WebhookNotFound(str(hook_id))
        return hook

    def create(
        self, caller: Caller, url: str, events: list[str], description: str, active: bool
    ) -> Webhook:
        _check_fields(events, description)
        check_url(url, self._policy, self._resolver)
        hook = Webhook.create(
            uuid7(),
            caller.actor,
            url,
            tuple(dict.fromkeys(events)),
            description,
            active,
            self._clock.now(),
        )
        with self._uow() as uow:
            uow.webhooks.add(hook)
            uow.commit()
        return hook.pull_events()[0]

    def get(self, caller: Caller, hook_id: uuid.UUID) -> Webhook:
        with self._uow() as uow:
            return self._owned(uow, caller, hook_id)

    def page(self, caller: Caller, limit: int, after: uuid.UUID | None) -> list[Webhook]:
        with self._uow() as uow:
            owner = None if caller.is_admin else caller.user_id
            return uow.webhooks.page(owner, limit, after)

    def update(
        self, caller: Caller, hook_id: uuid.UUID, expected: int | None, changes: dict[str, object]
    ) -> Webhook:
        _check_fields(
            cast("list[str] | None", changes.get("events")),
            cast("str | None", changes.get("description")),
        )
        if "url" in changes:
            check_url(str(changes["url"]), self._policy, self._resolver)
        fields = dict(changes)
        if "events" in fields:
            patterns = cast("list[str]", fields.pop("events"))
            fields["event_types"] = tuple(dict.fromkeys(patterns))
        with self._uow() as uow:
            hook = self._owned(uow, caller, hook_id)
            if expected is not None and expected != hook.version:
                raise StaleVersion(hook.version)
            hook = hook.changed(self._clock.now(), caller.actor, **fields)
            uow.webhooks.save(hook)
            uow.commit()
        return hook

    def delete(self, caller: Caller, hook_id: uuid.UUID, expected: int | None) -> None:
        with self._uow() as uow:
            hook = self._owned(uow, caller, hook_id)
            if expected is not None and expected != hook.version:
                raise StaleVersion(hook.version)
            uow.webhooks.delete(hook.deleted(self._clock.now(), caller.actor))
            uow.commit()

    def rotate_secret(self, caller: Caller, hook_id: uuid.UUID) -> Webhook:
        with self._uow() as uow:
            hook = self._owned(uow, caller, hook_id)
            hook = hook.rotated(self._clock.now(), self._overlap, caller.actor)
            uow.webhooks.save(hook)
            uow.commit()
        return hook

    def ping(self, caller: Caller, hook_id: uuid.UUID) -> Delivery:
        now = self._clock.now()
        event_id = uuid7()
        envelope = {
            "specversion": "1.0",
            "id": str(event_id),
            "type": PING_TYPE,
            "source": "hooks",
            "subject": str(hook_id),
            "time": now.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": {"webhook_id": str(hook_id)},
        }
        with self._uow() as uow:
            self._owned(uow, caller, hook_id)
            delivery = Delivery(
                id=uuid7(),
                webhook_id=hook_id,
                event_seq=0,
                event_id=event_id,
                event_type=PING_TYPE,
                task_id=None,
                payload=payload_of(envelope),
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                first_attempt_at=None,
                response_code=None,
                duration_ms=None,
                response_body=None,
                last_error=None,
                created_at=now,
                updated_at=now,
            )
            uow.deliveries.add_once(delivery)
            uow.after_commit(lambda: self._queue().enqueue(delivery.id))
            uow.commit()
        return delivery

    def deliveries(
        self, caller: Caller, hook_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> list[Delivery]:
        with self._uow() as uow:
            self._owned(uow, caller, hook_id)
            return uow.deliveries.page(hook_id, limit, before)

    def redeliver(self, caller: Caller, hook_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
        """Send a delivery again (same webhook-id, so receivers can tell), with a fresh retry
        window; the hook must be active."""
        now = self._clock.now()
        with self._uow() as uow:
            self._owned(uow, caller, hook_id)
            found = uow.deliveries.get(delivery_id, for_update=True)
            if found is None or found.webhook_id != hook_id:
                raise DeliveryNotFound(str(delivery_id))
            delivery = replace(
                found,
                status=DeliveryStatus.PENDING.value,
                next_attempt_at=now,
                first_attempt_at=None,
                updated_at=now,
            )
            uow.deliveries.save(delivery)
            uow.after_commit(lambda: self._queue().enqueue(delivery.id))
            uow.commit()
        return delivery
