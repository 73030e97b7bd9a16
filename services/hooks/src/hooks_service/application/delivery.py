"""Deliver one webhook attempt, and find the deliveries that are due (the sweeper).

An attempt: claim the delivery (a lease, so no second worker sends it meanwhile), check
again that the hook is active and its owner may still see the event, resolve the host and
refuse a forbidden address (DNS may have changed since creation), send to that very
address, record the outcome, then schedule the retry or the next delivery of the same task.
The HTTP call is outside any transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from standardwebhooks.webhooks import Webhook as Signer

from hooks_service.application.ports import (
    Clock,
    Delivery,
    DeliveryQueue,
    HooksUnitOfWork,
    HttpResult,
    OwnerNotifier,
    Resolver,
    WebhookSender,
)
from hooks_service.domain.addresses import AddressPolicy, parse_target
from hooks_service.domain.model import DeliveryStatus, RetryPolicy, Webhook
from hooks_service.domain.visibility import can_see

RESPONSE_LOG_MAX = 2048
USER_AGENT = "Taskhive-Webhooks/1"


class AttemptOutcome(StrEnum):
    SKIPPED = "skipped"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    RETRYING = "retrying"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class _Claim:
    delivery: Delivery
    hook: Webhook


def signed_headers(delivery: Delivery, hook: Webhook, clock: Clock) -> dict[str, str]:
    """Standard Webhooks headers: one `v1,` signature per live secret (rotation overlap)."""
    now = clock.now()
    body = delivery.payload.encode()
    signatures = [
        Signer(secret).sign(str(delivery.id), now, body) for secret in hook.signing_secrets(now)
    ]
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": str(delivery.id),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


class DeliverWebhookHandler:
    def __init__(
        self,
        uow: Callable[[], HooksUnitOfWork],
        clock: Clock,
        policy: AddressPolicy,
        resolver: Resolver,
        sender: WebhookSender,
        queue: Callable[[], DeliveryQueue],
        notifier: OwnerNotifier,
        retry: RetryPolicy,
        jitter: Callable[[], float],
        lease: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._resolver = resolver
        self._sender = sender
        self._queue = queue
        self._notifier = notifier
        self._retry = retry
        self._jitter = jitter
        self._lease = lease

    def __call__(self, delivery_id: uuid.UUID) -> AttemptOutcome:
        claim = self._claim(delivery_id)
        if isinstance(claim, AttemptOutcome):
            return claim
        result = self._send(claim)
        return self._record(delivery_id, result)

    def _claim(self, delivery_id: uuid.UUID) -> _Claim | AttemptOutcome:
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id, for_update=True)
            if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
                return AttemptOutcome.SKIPPED
            leased = uow.deliveries.locked_until(delivery_id)
            if delivery.next_attempt_at > now or (leased is not None and leased > now):
                return AttemptOutcome.SKIPPED
            if uow.deliveries.earlier_pending(delivery):
                # Order per task: the previous delivery enqueues this one when it is done.
                return AttemptOutcome.WAITING
            hook = uow.webhooks.get(delivery.webhook_id)
            refusal = self._refusal(uow, delivery, hook)
            if refusal is not None or hook is None:
                failed = replace(
                    delivery,
                    status=DeliveryStatus.FAILED.value,
                    last_error=refusal or "webhook deleted",
                    updated_at=now,
                )
                uow.deliveries.save(failed)
                self._after_final(uow, failed)
                uow.commit()
                return AttemptOutcome.FAILED
            uow.deliveries.save(delivery, locked_until=now + self._lease)
            uow.commit()
        return _Claim(delivery, hook)

    def _refusal(
        self, uow: HooksUnitOfWork, delivery: Delivery, hook: Webhook | None
    ) -> str | None:
        if hook is None:
            return "webhook deleted"
        if not hook.active:
            return "webhook disabled"
        event = uow.events.get(delivery.event_id)
        if event is None:  # a ping: no event to see
            return None
        viewer = uow.replica.viewer(hook.owner_id)
        if viewer is None or not can_see(viewer, uow.replica.audience(event)):
            return "the owner may no longer see this event"
        return None

    def _send(self, claim: _Claim) -> HttpResult:
        hook = claim.hook
        try:
            target = parse_target(hook.url, self._policy)
            addresses = self._resolver.resolve(target.host, target.port)
        except (ValueError, OSError) as exc:
            return HttpResult(None, "", 0, f"refused: {exc}")
        if not addresses:
            return HttpResult(None, "", 0, "refused: the host does not resolve")
        address = addresses[0]
        refusal = self._policy.refusal(target.host, address)
        if refusal is not None:
            return HttpResult(
                None, "", 0, f"refused: {target.host} resolves to a {refusal} address"
            )
        headers = signed_headers(claim.delivery, hook, self._clock)
        return self._sender.send(target, address, headers, claim.delivery.payload.encode())

    def _record(self, delivery_id: uuid.UUID, result: HttpResult) -> AttemptOutcome:
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            hook = uow.webhooks.get(delivery.webhook_id, for_update=True) if delivery else None
            if delivery is None or hook is None:
                return AttemptOutcome.SKIPPED
            first = delivery.first_attempt_at or now
            recorded = replace(
                delivery,
                attempts=delivery.attempts + 1,
                first_attempt_at=first,
                response_code=result.status,
                duration_ms=result.duration_ms,
                response_body=result.body[:RESPONSE_LOG_MAX],
                last_error=result.error,
                updated_at=now,
            )
            status = result.status
            if status is not None and 200 <= status < 300:
                outcome, saved_hook = AttemptOutcome.SUCCEEDED, hook.succeeded()
                recorded = replace(recorded, status=DeliveryStatus.SUCCEEDED.value)
            elif status == 410:
                # The receiver says it is gone for good: no more deliveries.
                outcome = AttemptOutcome.FAILED
                saved_hook = hook.disabled(now, "the receiver answered 410 Gone")
                recorded = replace(recorded, status=DeliveryStatus.FAILED.value)
            else:
                saved_hook = hook.failed(now, self._retry)
                if now - first >= self._retry.window or not saved_hook.active:
                    outcome = AttemptOutcome.FAILED
                    recorded = replace(recorded, status=DeliveryStatus.FAILED.value)
                else:
                    outcome = AttemptOutcome.RETRYING
                    delay = self._retry.delay(recorded.attempts, self._jitter())
                    recorded = replace(recorded, next_attempt_at=now + delay)
                    uow.after_commit(
                        lambda: self._queue().enqueue(delivery_id, delay.total_seconds())
                    )
            uow.deliveries.save(recorded)
            if saved_hook != hook:
                uow.webhooks.save(saved_hook)
            if hook.active and not saved_hook.active:
                email = uow.replica.email_of(hook.owner_id)
                if email:
                    uow.after_commit(lambda: self._notifier.webhook_disabled(email, saved_hook))
            if outcome is not AttemptOutcome.RETRYING:
                self._after_final(uow, recorded)
            uow.commit()
        return outcome

    def _after_final(self, uow: HooksUnitOfWork, delivery: Delivery) -> None:
        following = uow.deliveries.next_pending_for_task(delivery)
        if following is not None:
            uow.after_commit(lambda: self._queue().enqueue(following))


class SweepDueDeliveriesHandler:
    """Enqueue the pending deliveries whose time has come and that no worker holds: retries
    whose job was lost, enqueues lost after a commit, deliveries that waited for their turn."""

    def __init__(
        self, uow: Callable[[], HooksUnitOfWork], clock: Clock, queue: Callable[[], DeliveryQueue]
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._queue = queue

    def __call__(self, limit: int = 500) -> int:
        with self._uow() as uow:
            due = uow.deliveries.due(self._clock.now(), limit)
        for delivery_id in due:
            self._queue().enqueue(delivery_id)
        return len(due)
