"""Security events auth records for the audit log (ADR 0024): sessions started, refused and
ended, refresh-token reuse, password changes. Never a password or a token."""

from __future__ import annotations

import uuid
from datetime import datetime

from auth_service.application.ports import AuthUnitOfWork

SESSION_STARTED = "auth.session.started.v1"
SESSION_FAILED = "auth.session.failed.v1"
SESSION_ENDED = "auth.session.ended.v1"
SESSION_REUSE_DETECTED = "auth.session.reuse_detected.v1"
PASSWORD_CHANGED = "auth.password.changed.v1"


def record_session_event(
    uow: AuthUnitOfWork,
    event_type: str,
    subject: str,
    at: datetime,
    source_ip: str | None,
    **data: object,
) -> None:
    uow.outbox.add_event(
        event_type, subject, {**data, "at": at.isoformat(), "source_ip": source_ip}
    )


def session_fields(user_id: uuid.UUID, session_id: uuid.UUID | None) -> dict[str, object]:
    return {"user_id": str(user_id), "session_id": str(session_id) if session_id else None}
