"""Idempotency-Key handling shared by the creating use cases (DESIGN §4)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from taskhive_shared.idempotency import RecordedResponse
from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.domain.errors import IdempotencyKeyReused


def fingerprint(route: str, body: dict[str, Any]) -> str:
    """What makes two requests "the same": the route and the body as sent."""
    text = json.dumps({"route": route, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    if key is None:
        return None
    earlier = uow.idempotency.claim(principal, key, request_hash, now, expired_before=now - ttl)
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
    if earlier.response is None:
        raise RuntimeError("a committed idempotency claim has no response")
    return earlier.response
