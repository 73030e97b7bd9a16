"""Idempotency-Key records (DESIGN §4): the first response to a key, replayed to retries."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import idempotency_keys
from tasks_service.application.ports import IdempotencyRecord, RecordedResponse


class SqlAlchemyIdempotencyStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(
        self,
        principal: uuid.UUID,
        key: str,
        request_hash: str,
        at: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyRecord | None:
        insert = postgresql.insert(idempotency_keys).values(
            principal=principal, key=key, request_hash=request_hash, created_at=at
        )
        # The unique key makes a concurrent claim wait for our commit or rollback; an expired
        # record is taken over in the same statement.
        claimed = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[idempotency_keys.c.principal, idempotency_keys.c.key],
                set_={
                    "request_hash": insert.excluded.request_hash,
                    "response_status": sa.null(),
                    "response_body": sa.null(),
                    "created_at": insert.excluded.created_at,
                },
                where=idempotency_keys.c.created_at < expired_before,
            ).returning(idempotency_keys.c.key)
        ).first()
        if claimed is not None:
            return None
        row = self._session.execute(
            sa.select(idempotency_keys).where(
                idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
            )
        ).one()
        response = None
        if row.response_status is not None and row.response_body is not None:
            response = RecordedResponse(status=row.response_status, body=row.response_body)
        return IdempotencyRecord(request_hash=row.request_hash, response=response)

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None:
        self._session.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
            .values(response_status=response.status, response_body=response.body)
        )
