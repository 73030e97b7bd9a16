"""What audit consumes: the security-relevant and admin events of every producer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit_service.application.record_event import (
    AUTH_MEANINGS,
    HOOKS_MEANINGS,
    MEANINGS,
    TASKS_MEANINGS,
    USERS_MEANINGS,
    RecordAuditEventHandler,
)
from taskhive_shared.events.envelope import EventEnvelope

QUEUE = "audit.records"
BINDINGS: dict[str, tuple[str, ...]] = {
    "auth.events": tuple(AUTH_MEANINGS),
    "users.events": tuple(USERS_MEANINGS),
    "tasks.events": tuple(TASKS_MEANINGS),
    "hooks.events": tuple(HOOKS_MEANINGS),
}
"""Producer exchange → the types bound to QUEUE (provisioning declares them up front)."""


def event_handlers(
    record: RecordAuditEventHandler,
) -> dict[str, Callable[[EventEnvelope, Any], None]]:
    return {event_type: record for event_type in MEANINGS}
