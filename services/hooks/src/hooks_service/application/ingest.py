"""Apply one consumed event: the replica, the event log, and one delivery per matching hook
whose owner may see it. The inbox row (EventProcessor) makes all of it exactly-once; the
delivery job is enqueued after the commit (a lost enqueue is found by the sweeper)."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from hooks_service.application.ports import Clock, Delivery, DeliveryQueue, HooksUnitOfWork
from hooks_service.domain.model import DeliveryStatus
from hooks_service.domain.visibility import can_see
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7


def payload_of(envelope: Mapping[str, Any]) -> str:
    """The delivered body: the CloudEvents envelope, compact JSON (signed byte for byte)."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


class IngestEventHandler:
    def __init__(self, clock: Clock, queue: Callable[[], DeliveryQueue]) -> None:
        self._clock = clock
        self._queue = queue

    def _enqueue(self, delivery_id: uuid.UUID) -> None:
        self._queue().enqueue(delivery_id)

    def __call__(self, envelope: EventEnvelope, uow: HooksUnitOfWork) -> None:
        uow.replica.apply(envelope.type, envelope.data)
        now = self._clock.now()
        event = uow.events.append(envelope.to_dict(), now)
        if event is None:
            return
        audience = uow.replica.audience(event)
        payload = payload_of(event.envelope)
        for hook in uow.webhooks.active_matching(envelope.type):
            viewer = uow.replica.viewer(hook.owner_id)
            if viewer is None or not can_see(viewer, audience):
                continue
            delivery = Delivery(
                id=uuid7(),
                webhook_id=hook.id,
                event_seq=event.seq,
                event_id=event.id,
                event_type=event.type,
                task_id=event.task_id,
                payload=payload,
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
            if uow.deliveries.add_once(delivery):
                uow.after_commit(functools.partial(self._enqueue, delivery.id))
