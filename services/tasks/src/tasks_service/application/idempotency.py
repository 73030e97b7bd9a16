"""Idempotency-Key handling shared by the creating use cases (DESIGN §4): the shared check of
`taskhive_shared.idempotency`, its refusal turned into the tasks domain's error."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from taskhive_shared.idempotency import (
    IdempotencyKeyReusedError,
    RecordedResponse,
)
from taskhive_shared.idempotency import (
    earlier_response as shared_earlier_response,
)
from taskhive_shared.idempotency import (
    request_fingerprint as fingerprint,
)
from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.domain.errors import IdempotencyKeyReused

__all__ = ["earlier_response", "fingerprint"]


def earlier_response(
    uow: TasksUnitOfWork,
    principal: uuid.UUID,
    key: str | None,
    request_hash: str,
    now: datetime,
    ttl: timedelta,
) -> RecordedResponse | None:
    """None: go ahead (the key, if any, is now claimed in this transaction); else the
    response to replay. The same key with another request is refused."""
    try:
        return shared_earlier_response(uow.idempotency, principal, key, request_hash, now, ttl)
    except IdempotencyKeyReusedError as exc:
        raise IdempotencyKeyReused(str(exc)) from exc
