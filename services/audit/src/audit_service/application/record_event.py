"""RecordAuditEvent: what each consumed event means in the log (who did what to which
resource), appended to the chain in the consumer's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from audit_service.application.ports import AuditUnitOfWork
from audit_service.domain.records import AuditEntry
from taskhive_shared.events.envelope import EventEnvelope


@dataclass(frozen=True, slots=True)
class Meaning:
    action: str
    resource_type: str
    resource_field: str
    actor_field: str | None
    details: tuple[str, ...] = ()
    """Fields copied into the record (never secrets: the contracts carry none)."""


AUTH_MEANINGS = {
    "auth.session.started.v1": Meaning(
        "session.started", "user", "user_id", "user_id", ("session_id",)
    ),
    "auth.session.failed.v1": Meaning("session.failed", "login", "login", None, ("reason",)),
    "auth.session.ended.v1": Meaning(
        "session.ended", "user", "user_id", "user_id", ("session_id",)
    ),
    "auth.session.reuse_detected.v1": Meaning(
        "session.reuse_detected", "user", "user_id", None, ("session_id",)
    ),
    "auth.password.changed.v1": Meaning(
        "password.changed", "user", "user_id", "user_id", ("sessions_ended",)
    ),
    "auth.api_key.created.v1": Meaning(
        "api_key.created",
        "api_key",
        "key_id",
        "actor_id",
        ("user_id", "name", "prefix", "scopes", "expires_at"),
    ),
    "auth.api_key.revoked.v1": Meaning(
        "api_key.revoked", "api_key", "key_id", "actor_id", ("user_id", "prefix", "reason")
    ),
}
USERS_MEANINGS = {
    "users.user.updated.v1": Meaning(
        "user.updated", "user", "user_id", None, ("role", "is_active", "version")
    ),
    "users.user.deactivated.v1": Meaning(
        "user.deactivated", "user", "user_id", "deactivated_by", ("version",)
    ),
    "users.team.created.v1": Meaning("team.created", "team", "team_id", "created_by", ("name",)),
    "users.team.deleted.v1": Meaning("team.deleted", "team", "team_id", "deleted_by", ("name",)),
    "users.team.member_added.v1": Meaning(
        "team.member_added", "team", "team_id", "changed_by", ("user_id",)
    ),
    "users.team.member_removed.v1": Meaning(
        "team.member_removed", "team", "team_id", "changed_by", ("user_id",)
    ),
}
TASKS_MEANINGS = {
    "tasks.task.archived.v1": Meaning("task.archived", "task", "task_id", "actor_id", ("title",)),
    "tasks.task.restored.v1": Meaning("task.restored", "task", "task_id", "actor_id", ("title",)),
    "tasks.task.deleted.v1": Meaning("task.deleted", "task", "task_id", "actor_id", ("title",)),
}
_HOOK = ("owner_id", "host", "events", "active", "version")
HOOKS_MEANINGS = {
    "hooks.webhook.created.v1": Meaning(
        "webhook.created", "webhook", "webhook_id", "actor_id", _HOOK
    ),
    "hooks.webhook.updated.v1": Meaning(
        "webhook.updated", "webhook", "webhook_id", "actor_id", (*_HOOK, "changed")
    ),
    "hooks.webhook.deleted.v1": Meaning(
        "webhook.deleted", "webhook", "webhook_id", "actor_id", _HOOK
    ),
    "hooks.webhook.secret_rotated.v1": Meaning(
        "webhook.secret_rotated", "webhook", "webhook_id", "actor_id", ("owner_id", "version")
    ),
    "hooks.webhook.disabled.v1": Meaning(
        "webhook.disabled",
        "webhook",
        "webhook_id",
        "actor_id",
        ("owner_id", "host", "version", "reason", "automatic"),
    ),
}
MEANINGS: Mapping[str, Meaning] = {
    **AUTH_MEANINGS,
    **USERS_MEANINGS,
    **TASKS_MEANINGS,
    **HOOKS_MEANINGS,
}


def entry_of(envelope: EventEnvelope, meaning: Meaning) -> AuditEntry:
    data = envelope.data
    actor = data.get(meaning.actor_field) if meaning.actor_field else None
    source_ip = data.get("source_ip")
    return AuditEntry(
        event_id=envelope.id,
        occurred_at=envelope.time,
        action=meaning.action,
        resource_type=meaning.resource_type,
        resource_id=str(data.get(meaning.resource_field) or envelope.subject),
        actor_id=str(actor) if actor else None,
        request_id=envelope.correlationid,
        source_ip=str(source_ip) if source_ip else None,
        details={name: data[name] for name in meaning.details if name in data},
    )


@dataclass(frozen=True, slots=True)
class RecordAuditEventHandler:
    now: Callable[[], datetime]

    def __call__(self, envelope: EventEnvelope, uow: AuditUnitOfWork) -> None:
        uow.records.append(entry_of(envelope, MEANINGS[envelope.type]), self.now())
