"""PostgreSQL repository of the audit chain, on the unit of work's session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit_service.adapters.persistence.tables import SCHEMA, chain, records
from audit_service.application.ports import AuditFilter, ChainState
from audit_service.domain.records import AuditEntry, AuditRecord, chain_hash


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        entry=AuditEntry(
            event_id=row.event_id,
            occurred_at=row.occurred_at,
            action=row.action,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            actor_id=row.actor_id,
            request_id=row.request_id,
            source_ip=row.source_ip,
            details=row.details,
        ),
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _conditions(where: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.actor_id is not None:
        conditions.append(records.c.actor_id == where.actor_id)
    if where.action is not None:
        conditions.append(records.c.action == where.action)
    if where.resource_type is not None:
        conditions.append(records.c.resource_type == where.resource_type)
    if where.resource_id is not None:
        conditions.append(records.c.resource_id == where.resource_id)
    if where.since is not None:
        conditions.append(records.c.occurred_at >= where.since)
    if where.until is not None:
        conditions.append(records.c.occurred_at < where.until)
    return conditions


class SqlAlchemyAuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry, recorded_at: datetime) -> AuditRecord:
        head = self._session.execute(
            sa.select(chain.c.head_seq, chain.c.head_hash).where(chain.c.id == 1).with_for_update()
        ).one()
        seq = head.head_seq + 1
        digest = chain_hash(head.head_hash, entry, seq)
        self._session.execute(
            records.insert().values(
                seq=seq,
                event_id=entry.event_id,
                occurred_at=entry.occurred_at,
                recorded_at=recorded_at,
                action=entry.action,
                resource_type=entry.resource_type,
                resource_id=entry.resource_id,
                actor_id=entry.actor_id,
                request_id=entry.request_id,
                source_ip=entry.source_ip,
                details=entry.details,
                prev_hash=head.head_hash,
                hash=digest,
            )
        )
        self._session.execute(
            chain.update().where(chain.c.id == 1).values(head_seq=seq, head_hash=digest)
        )
        return AuditRecord(seq, entry, recorded_at, head.head_hash, digest)

    def page(self, where: AuditFilter, before_seq: int | None, limit: int) -> list[AuditRecord]:
        conditions = _conditions(where)
        if before_seq is not None:
            conditions.append(records.c.seq < before_seq)
        query = records.select().where(*conditions).order_by(records.c.seq.desc()).limit(limit)
        return [_record(row) for row in self._session.execute(query)]

    def stream(self, where: AuditFilter, batch: int) -> Iterator[AuditRecord]:
        return self._walk(_conditions(where), 0, batch)

    def chain_state(self) -> ChainState:
        row = self._session.execute(chain.select().where(chain.c.id == 1)).one()
        return ChainState(row.anchor_seq, row.anchor_hash, row.head_seq, row.head_hash)

    def chain(self, after_seq: int, batch: int) -> Iterator[AuditRecord]:
        return self._walk([], after_seq, batch)

    def _walk(self, conditions: list[Any], after: int, batch: int) -> Iterator[AuditRecord]:
        while True:
            query = (
                records.select()
                .where(*conditions, records.c.seq > after)
                .order_by(records.c.seq)
                .limit(batch)
            )
            rows = [_record(row) for row in self._session.execute(query)]
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def purge(self, before: datetime, limit: int) -> int:
        function = sa.text(f"SELECT {SCHEMA}.purge_records(:cutoff, :limit)")
        return int(self._session.execute(function, {"cutoff": before, "limit": limit}).scalar_one())
