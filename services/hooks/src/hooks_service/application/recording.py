"""The one translator from a webhook's recorded events to its integration events
(`hooks.webhook.*.v1`, consumed by audit), written to the outbox by the unit of work just
before it commits, so an event never exists without its change.

Never the secret (nor the previous one), and of the URL only its host: a receiver URL may
carry a token in its path or query (chat incoming webhooks do).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from hooks_service.domain import events as domain_events
from hooks_service.domain.model import Webhook
from taskhive_shared.events.outbox import EventOutbox

_TYPES: dict[type[domain_events.WebhookEvent], str] = {
    domain_events.WebhookCreated: "hooks.webhook.created.v1",
    domain_events.WebhookUpdated: "hooks.webhook.updated.v1",
    domain_events.WebhookSecretRotated: "hooks.webhook.secret_rotated.v1",
    domain_events.WebhookDisabled: "hooks.webhook.disabled.v1",
    domain_events.WebhookDeleted: "hooks.webhook.deleted.v1",
}
EVENT_TYPES = tuple(_TYPES.values())


def _data(hook: Webhook, event: domain_events.WebhookEvent) -> dict[str, Any]:
    actor = event.actor
    data: dict[str, Any] = {
        "webhook_id": str(hook.id),
        "owner_id": str(hook.owner_id),
        "host": urlsplit(hook.url).hostname or "",
        "events": list(hook.event_types),
        "active": hook.active,
        "version": hook.version,
        "actor_id": str(actor.user_id) if actor else None,
        "source_ip": actor.source_ip if actor else None,
        "at": event.at.isoformat(),
    }
    if isinstance(event, domain_events.WebhookUpdated):
        data["changed"] = list(event.changed)
    if isinstance(event, domain_events.WebhookDisabled):
        data["reason"] = event.reason
        data["automatic"] = actor is None
    return data


def write_events(
    outbox: EventOutbox, recorded: Iterable[tuple[Webhook, domain_events.WebhookEvent]]
) -> None:
    for hook, event in recorded:
        outbox.add_event(_TYPES[type(event)], str(hook.id), _data(hook, event))
