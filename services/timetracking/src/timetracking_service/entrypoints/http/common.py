"""What every view of the time API shares: the caller and the entry's presentation."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from taskhive_shared.http.problem import ProblemError
from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor
from taskhive_shared.security.flask_auth import authenticate
from taskhive_shared.security.tokens import AccessTokenVerifier
from timetracking_service.application.entries import Caller
from timetracking_service.domain.calendar import iso_week_of
from timetracking_service.domain.errors import ValidationFailed
from timetracking_service.domain.model import TimeEntry, Timesheet

PREFIX = "/api/v1/time"


def caller(verifier: AccessTokenVerifier) -> Caller:
    principal = authenticate(verifier)
    try:
        return Caller(uuid.UUID(principal.user_id), principal.role)
    except ValueError as exc:
        raise ProblemError(
            401, "Unauthorized", "The token's subject is not a user id.", slug="unauthorized"
        ) from exc


def entry_view(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "task_id": entry.task_id,
        "team_id": entry.team_id,
        "work_date": entry.work_date,
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "duration_minutes": entry.duration_minutes,
        "running": entry.running,
        "note": entry.note,
        "billable": entry.billable,
        "source": entry.source.value,
        "version": entry.version,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def sheet_status_view(sheet: Timesheet) -> dict[str, Any]:
    return {
        "user_id": sheet.user_id,
        "week": iso_week_of(sheet.week_start),
        "status": sheet.status.value,
        "version": sheet.version,
        "submitted_at": sheet.submitted_at,
        "decided_by": sheet.decided_by,
        "decided_at": sheet.decided_at,
        "reason": sheet.reason,
    }


def entry_cursor(entry: TimeEntry) -> str:
    return encode_cursor({"d": entry.work_date.isoformat(), "i": str(entry.id)})


def after_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        position = decode_cursor(cursor, {"d", "i"})
        return date.fromisoformat(str(position["d"])), uuid.UUID(str(position["i"]))
    except (InvalidCursor, ValueError, TypeError) as exc:
        raise ValidationFailed({"cursor": ["Not a cursor of this list."]}) from exc
